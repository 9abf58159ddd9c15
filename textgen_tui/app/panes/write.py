"""The Write pane: write with the model (its continuation as ghost text after a pause), and see
the text through it (each token's surprise, or a cell's activation).

The model is the one Generate uses (its chooser, the model being trained included), else the
bundled one. Everything the model computes runs in thread workers on the numpy net, never Keras,
so the pane answers while a model trains; a result for a text that changed meanwhile is dropped.

The pane is in three parts: this one (the editor, the pause after typing, the model, the status
line, the text in and out), its co-writing (`WriteIdeas`, app/panes/write_ideas.py) and its views
(`WriteReading`, app/panes/write_reading.py).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, OptionList, Static, TextArea
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text
from textgen_tui.app.memory import MemoryTouched
from textgen_tui.app.panes.write_ideas import Ask, WriteIdeas
from textgen_tui.app.panes.write_reading import WriteReading
from textgen_tui.app.widgets.fields import KeyInput
from textgen_tui.app.widgets.write_area import CoWriteArea
from textgen_tui.core.generate.cowrite import CoWriter

__all__ = ["PAUSE", "Ask", "WritePane"]

PAUSE = 0.3
"""Seconds without typing before the model suggests (or re-reads the text in a view)."""
EXCERPT = 600
"""About how many characters Ctrl+O takes from the corpus."""
VIEWS = ("write", "surprise", "cells")
WIDE = 160
"""Columns from which the side panel is wider."""


class WritePane(WriteIdeas, WriteReading, Vertical):
    """Owns the editor and its pauses: after one the model suggests (`WriteIdeas`) or reads the
    text for the view (`WriteReading`); the model it asks, and what is said in the status line."""

    view: reactive[str] = reactive("write", init=False)
    """"write" (suggestions), "surprise" (the heatmap) or "cells" (a unit's activation)."""

    BINDINGS = [
        Binding("ctrl+g", "view('surprise')", "Surprise"),  # G: GLTR's colors (F6, F7: the editor's)
        Binding("ctrl+f", "view('cells')", "Find cells"),
        Binding("ctrl+o", "excerpt", "Excerpt"),
        Binding("ctrl+s", "save", "Save"),
        Binding("f5", "suggest", "Suggest now", show=False),
    ]
    HELP_KEYS = (
        ("tab", "The suggestion's next word (else: next field)"),
        ("→ / end", "The whole suggestion"),
        ("^p", "The previous idea (else: the palette)"),
    )
    """Keys the editor reads itself (not bindings), for the help screen."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rng_seed: int | None = None
        """The sampler's seed for every suggestion (tests and snapshots fix it); None: fresh."""
        self.pause = PAUSE
        """Seconds without typing before the model suggests (a test lengthens it to look at the
        screen between an edit and the next suggestion)."""
        self._serial = 0
        self._timer: Timer | None = None
        self._writer: CoWriter | None = None
        self.reset_reading()
        self._last_error = ""
        self.scale = False
        """In the surprise view: −ln p on a scale instead of the GLTR bands (Ctrl+G again)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="write-top"):
            yield Static("", id="write-model")
            yield Label("temp", classes="small-label")
            yield KeyInput("0.5", id="write-temp", compact=True, classes="num")
            yield Label("top-k", classes="small-label")
            yield KeyInput("0", id="write-top-k", compact=True, classes="num")
            yield Label("top-p", classes="small-label")
            yield KeyInput("1.0", id="write-top-p", compact=True, classes="num")
        with Horizontal(id="write-body"):
            area = CoWriteArea(id="write-editor", soft_wrap=True, compact=True, show_line_numbers=False)
            area.placeholder = (
                "Write here; after a short pause the model (Generate's, F3) continues in grey. Tab takes a word, "
                "→ all of it, Ctrl+N another idea. Ctrl+G shows how surprised the model is, Ctrl+F its cells; "
                "Ctrl+O brings an excerpt of the loaded corpus."
            )
            yield area
            with Vertical(id="write-side"):
                yield Static("", id="write-side-title")
                yield Static("", id="write-ideas")
                yield Static("", id="write-at")
                yield DataTable(id="write-top10", show_cursor=False, zebra_stripes=True)
                yield OptionList(id="write-cells", compact=True)
                with Horizontal(id="write-unit-row"):
                    yield Label("layer", classes="small-label")
                    yield KeyInput("0", id="write-layer", compact=True, classes="num")
                    yield Label("unit", classes="small-label")
                    yield KeyInput("0", id="write-unit", compact=True, classes="num")
                yield Static("", id="write-legend")
        yield Static("", id="write-status")

    def on_mount(self) -> None:
        table = self.query_one("#write-top10", DataTable)
        table.add_column("#", key="rank", width=3)
        table.add_column("expected", key="token", width=10)
        table.add_column("p", key="p", width=7)
        self._paint_side()

    @property
    def area(self) -> CoWriteArea:
        return self.query_one("#write-editor", CoWriteArea)

    def focus_first(self) -> None:
        self.show_model()
        self.area.focus()

    def on_resize(self) -> None:
        self.query_one("#write-side").styles.width = 44 if self.size.width >= WIDE else 30

    # -- the model ------------------------------------------------------------------------------
    def chosen_model(self) -> str | None:
        """The model Generate uses (the one being trained included), else the bundled one."""
        from textgen_tui.core.store.paths import bundled_model

        chosen = self.app.generate_pane.model
        if chosen:
            return chosen
        bundled = bundled_model()
        return str(bundled) if bundled is not None else None

    def show_model(self) -> None:
        from textgen_tui.core.store.paths import bundled_model

        model = self.chosen_model()
        label = self.query_one("#write-model", Static)
        if model is None:
            label.update("no model: train one (F2) or open one in Models (F4, g)")
            return
        generation = self.app.generation
        name = Path(model).name
        epoch = generation.live_epoch(model)
        bundled = bundled_model()
        if generation.training(model):
            name += f" · being trained (epoch {epoch})" if epoch else " · being trained, no epoch yet"
        elif bundled is not None and Path(model).resolve() == bundled.resolve():
            name += " (bundled)"
        label.update(Text.assemble(("model ", "dim"), name))

    def _writer_for(self, model: str) -> CoWriter:
        """The co-writer of the model's current generator (a new epoch of the live model or another
        model starts a new one). Runs in a worker: it may read the folder."""
        loaded = self.app.generation.loaded(model)
        writer = self._writer
        if writer is None or writer.generator is not loaded.generator:
            writer = self._writer = CoWriter(loaded.generator, lowercase=loaded.lowercase)
        return writer

    # -- typing and pauses ----------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is not self.area:
            return
        event.stop()
        self.post_message(MemoryTouched())  # the App keeps the text (saved after a pause)
        self._moved()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        if event.text_area is not self.area:
            return
        event.stop()
        area = self.area
        if area.anchor != area.cursor_location and area.alternatives:
            area.dismiss_ghost()
        if self.view == "write":
            self._moved()
        else:
            self._follow_cursor()

    def _moved(self) -> None:
        """The text or the cursor changed: what was asked is stale; ask again after a pause."""
        self._serial += 1
        self.workers.cancel_group(self, "write-suggest")
        if self._timer is not None:
            self._timer.stop()
        area = self.area
        if self.view == "write" and area.ghost:
            return  # the user typed what the ghost said: the rest stays
        if self._read is not None and self._read != area.text:
            self._read = None
            area.set_overlay({})
        self._timer = self.set_timer(self.pause, self._after_pause)

    def _after_pause(self) -> None:
        self._timer = None
        if self.view == "write":
            self.suggest(quiet=True)
        else:
            self.read_text(quiet=True)

    def _ask(self, quiet: bool, whole: bool) -> Ask | None:
        """The request for the text now (before the cursor unless `whole`); None (said in the status
        line, and notified unless `quiet`) when there is no model or no text."""
        self.show_model()
        area = self.area
        model = self.chosen_model()
        problem = ""
        text = area.text if whole else area.document.get_text_range((0, 0), area.cursor_location)
        if model is None:
            problem = "No model: train one (F2), or open one in the Models pane (F4, then g)."
        elif not text.strip():
            problem = "The text is empty: type or paste some, or press Ctrl+O for an excerpt of the corpus."
        if problem:
            self._status(problem)
            if not quiet:
                self.notify(problem, title="Write", severity="warning")
            return None
        return Ask(model, text, self._serial, area.cursor_location)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("write-layer", "write-unit"):
            self.color_from_fields()
        else:
            self.area.focus()
            self.suggest(quiet=False)

    # -- views ----------------------------------------------------------------------------------
    def action_view(self, view: str) -> None:
        """Ctrl+G: the GLTR bands, again: −ln p on a scale, again: back to writing. Ctrl+F: the
        cells, again: back to writing."""
        if view == "surprise" and self.view == "surprise" and not self.scale:
            self.toggle_scale()
            return
        self.scale = False
        self.view = "write" if self.view == view else view

    def watch_view(self, view: str) -> None:
        area = self.area
        for name in VIEWS:
            self.set_class(view == name, f"-{name}")
        area.dismiss_ghost()
        area.highlight_cursor_line = view == "write"  # its background would hide the colors
        area.set_overlay({})
        self.reset_reading()
        self.workers.cancel_group(self, "write-suggest")
        if self._timer is not None:  # this view asks at once (a pause's second reading could
            self._timer.stop()  # say "reading…" after the first's colors)
            self._timer = None
        self._paint_side()
        self.refresh_bindings()
        if view == "write":
            self._status("")
            self._moved()  # the model's ideas for the text as it is now, after a pause
            return
        self.read_text(quiet=False)

    def _paint_side(self) -> None:
        if self.view == "write":
            self.paint_ideas_side()
        else:
            self.paint_reading_side()
        self.query_one("#write-at", Static).update("")

    def _status(self, text: str) -> None:
        self.query_one("#write-status", Static).update(Text(text, style="dim"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in ("write-suggest", "write-read"):
            return
        event.stop()
        if event.state != WorkerState.ERROR:
            return
        text = error_text(worker.error)
        self._status(text)
        if text != self._last_error:  # a pause after each key must not repeat the same toast
            self.notify(text, title="Write", severity="error")
        self._last_error = text

    # -- text in and out ------------------------------------------------------------------------
    def action_excerpt(self) -> None:
        """Fill the editor with an excerpt of the loaded corpus (from a line's start)."""
        corpus = self.app.corpus
        if corpus is None or not corpus.text.strip():
            self.notify("No corpus loaded: open one in the Corpus pane (F1) first.", severity="warning")
            return
        text = corpus.text
        start = random.randrange(max(1, len(text) - EXCERPT))
        line = text.rfind("\n", 0, start) + 1
        start = line if start - line < EXCERPT // 2 else start
        end = text.rfind(" ", start, start + EXCERPT)
        excerpt = text[start : end if end > start + EXCERPT // 2 else start + EXCERPT]
        area = self.area
        area.replace(excerpt, area.document.start, area.document.end)
        area.move_cursor(area.document.end)
        area.focus()

    def action_save(self) -> None:
        from textgen_tui.app.panes.generate import output_folder

        text = self.area.text
        if not text.strip():
            self.notify("Nothing written yet.", severity="warning")
            return
        name = time.strftime("written-%Y%m%d-%H%M%S.txt")
        try:
            target = output_folder() / name
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write the text: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Saved to {target} (your folder, not the model's)", title="Write")
