"""The Generate pane's output: each temperature's text as it streams in, in columns side by side
as far as the width lets each one `COLUMN` cells (three at 140 columns, four at 200), else
one at a time; Ctrl+T shows the next ones. The border names the temperature(s) shown. Saving it
(Ctrl+S).

`GenerateOutput` is a part of `GeneratePane` (app/panes/generate.py), which feeds it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from textgen_tui.app.render import printout, temperature_block
from textgen_tui.app.widgets.sample_stream import columns_for, temperatures_label

if TYPE_CHECKING:
    from textgen_tui.core.generate.service import GenerateRequest


def output_folder() -> Path:
    """Where Ctrl+S saves: the current folder when it can be written, else ~/textgen-output (never
    inside a model folder: deleting the model would take the text to the trash with it)."""
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK) and not (cwd / "state.json").exists():
        return cwd
    folder = Path.home() / "textgen-output"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class GenerateOutput:
    """Owns what was generated: the seed as the model read it, one text per temperature, the
    header, and how they are shown."""

    seed: str
    """The seed of the text shown (as the model read it)."""
    temperatures: tuple[float, ...]
    """The temperatures of the text shown, one text each."""
    texts: list[str]
    """The text generated so far at each temperature (without the seed)."""
    header: str
    """The output's title line (the model, and whether it is being trained)."""

    def begin(self, request: GenerateRequest, header: str) -> None:
        self.seed = request.seed
        self.temperatures = request.temperatures
        self.texts = ["" for _ in request.temperatures]
        self.header = header
        self.set_running(True)
        self._paint_output()
        self.refresh_bindings()

    def use_seed(self, seed: str) -> None:
        """The seed as the model reads it (a lowercase model sees a lowercased seed)."""
        self.seed = seed
        self._paint_output()

    def add(self, pieces: tuple[str, ...]) -> None:
        self.texts = [t + p for t, p in zip(self.texts, pieces)]
        self._paint_output()

    def finish(self, stopped: bool) -> None:
        self.set_running(False)
        if stopped:
            self.header += " (stopped)"
        self._paint_output()

    def set_running(self, running: bool) -> None:
        self.query_one("#generate", Button).disabled = running
        self.query_one("#stop-gen", Button).disabled = not running

    HISTORY_WIDTH = 24
    """Cells the seed history takes beside the output (its box and border)."""

    @property
    def columns(self) -> int:
        """How many temperatures stand side by side (each needs `COLUMN` cells)."""
        return columns_for(self.size.width - self.HISTORY_WIDTH, len(self.temperatures))

    @property
    def side_by_side(self) -> bool:
        """Wide enough to compare temperatures in columns."""
        return self.columns > 1

    def shown_indexes(self) -> list[int]:
        """The temperatures shown now: a page of `columns` of them (Ctrl+T: the next page)."""
        n, k = len(self.temperatures), self.columns
        first = (self.shown % n) // k * k if n else 0
        return list(range(first, min(n, first + k)))

    def on_resize(self) -> None:
        if self.temperatures:
            self._paint_output()
        self.refresh_bindings()

    def _paint_output(self) -> None:
        output = self.query_one("#gen-output", Static)
        columns = self.query_one("#gen-columns", Horizontal)
        scroll = self.query_one("#gen-output-scroll", VerticalScroll)
        shown = self.shown_indexes()
        wide = len(shown) > 1
        # The temperature(s) read are named in the border, which never scrolls off (the label
        # lines do, at 80×24, as the text streams on).
        label = temperatures_label(self.temperatures, shown) if shown else Content("")
        if len(shown) < len(self.temperatures):
            pages = f"{shown[0] + 1}-{shown[-1] + 1}" if wide else str(shown[0] + 1)
            label += Content(f" · {pages}/{len(self.temperatures)}, Ctrl+T next")
        scroll.border_title = label if shown else None
        columns.display = wide
        if wide:
            output.update(printout(self.seed, (), (), self.header))  # the title line only
            if len(columns.children) != len(shown):
                columns.remove_children()
                columns.mount_all(Static(classes="gen-column") for _ in shown)
                self.call_after_refresh(self._paint_output)  # the new columns exist after this refresh
                return
            for column, i in zip(columns.query(".gen-column"), shown):
                text = self.texts[i] if i < len(self.texts) else ""
                column.update(temperature_block(self.seed, self.temperatures[i], i, text))
        elif shown:  # one temperature, whole: its name is in the border
            i = shown[0]
            text = self.texts[i] if i < len(self.texts) else ""
            parts = [temperature_block(self.seed, self.temperatures[i], i, text, label=False)]
            if self.header:
                parts.insert(0, Content.from_markup("[b]$title[/b]\n", title=self.header))
            output.update(Content("").join(parts))
        else:
            output.update(printout(self.seed, self.temperatures, self.texts, self.header))
        scroll.scroll_end(animate=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_temperature":  # in the Footer when some temperatures are not shown
            return len(self.shown_indexes()) < len(self.temperatures)
        return True

    def action_next_temperature(self) -> None:
        if self.temperatures:
            last = self.shown_indexes()[-1]
            self.shown = last + 1 if last + 1 < len(self.temperatures) else 0

    def watch_shown(self) -> None:
        self._paint_output()

    def column_texts(self) -> list[str]:
        """What each side-by-side column shows (empty when stacked)."""
        columns = self.query_one("#gen-columns", Horizontal)
        if not columns.display:
            return []
        return [str(c.render()) for c in columns.query(".gen-column")]

    def plain_text(self) -> str:
        return printout(self.seed, self.temperatures, self.texts, self.header).plain

    def action_save(self) -> None:
        if not self.texts:
            self.notify("Nothing generated yet.", severity="warning")
            return
        name = time.strftime("generated-%Y%m%d-%H%M%S.txt")
        try:
            target = output_folder() / name
            target.write_text(self.plain_text(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write the output: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Saved to {target} (your folder, not the model's)", title="Generate")
