"""The Generate pane's output: each temperature's text as it streams in, in columns side by side
on wide screens, one at a time (Ctrl+T: the next) on narrow ones, and saving it (Ctrl+S).

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

if TYPE_CHECKING:
    from textgen_tui.core.generate.service import GenerateRequest

SIDE_BY_SIDE = 160
"""Columns from which the temperatures stream side by side."""


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

    @property
    def side_by_side(self) -> bool:
        """Wide enough to compare the temperatures in columns (one per temperature)."""
        return self.size.width >= SIDE_BY_SIDE and len(self.temperatures) > 1

    def on_resize(self) -> None:
        if self.temperatures:
            self._paint_output()

    def _paint_output(self) -> None:
        output = self.query_one("#gen-output", Static)
        columns = self.query_one("#gen-columns", Horizontal)
        wide = self.side_by_side
        columns.display = wide
        if wide:
            output.update(printout(self.seed, (), (), self.header))  # the title line only
            if len(columns.children) != len(self.temperatures):
                columns.remove_children()
                columns.mount_all(Static(classes="gen-column") for _ in self.temperatures)
                self.call_after_refresh(self._paint_output)  # the new columns exist after this refresh
                return
            for i, (column, temp) in enumerate(zip(columns.query(".gen-column"), self.temperatures)):
                text = self.texts[i] if i < len(self.texts) else ""
                column.update(temperature_block(self.seed, temp, i, text))
        elif len(self.temperatures) > 1:  # one temperature at a time, whole: Ctrl+T switches
            i = self.shown % len(self.temperatures)
            text = self.texts[i] if i < len(self.texts) else ""
            title = f"{self.header} · {i + 1}/{len(self.temperatures)}, Ctrl+T next"
            output.update(
                Content("").join(
                    [
                        Content.from_markup("[b]$title[/b]\n", title=title),
                        temperature_block(self.seed, self.temperatures[i], i, text),
                    ]
                )
            )
        else:
            output.update(printout(self.seed, self.temperatures, self.texts, self.header))
        self.query_one("#gen-output-scroll", VerticalScroll).scroll_end(animate=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_temperature":  # in the Footer when the temperatures are shown one by one
            return len(self.temperatures) > 1 and not self.side_by_side
        return True

    def action_next_temperature(self) -> None:
        if self.temperatures:
            self.shown = (self.shown + 1) % len(self.temperatures)

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
