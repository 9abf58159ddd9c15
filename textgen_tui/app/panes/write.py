"""The Write pane: write with the model (its continuation as ghost text after a pause), and see
the text through it (each token's surprise, or a cell's activation).

The model is the one Generate uses (its chooser, the model being trained included), else the
bundled one. Everything the model computes runs in thread workers on the numpy net, never Keras,
so the pane answers while a model trains; a result for a text that changed meanwhile is dropped.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.text_area import Location
from textual.worker import Worker, WorkerState, get_current_worker

from textgen_tui.app.errors import error_text
from textgen_tui.app.widgets.fields import KeyInput
from textgen_tui.app.widgets.write_area import CoWriteArea
from textgen_tui.app.widgets.write_view import (
    band_legend,
    cell_legend,
    cells_overlay,
    nats_legend,
    nats_overlay,
    readable,
    surprise_overlay,
)
from textgen_tui.core.config import check_temperature
from textgen_tui.core.errors import ConfigError, GenerationError, TextgenError
from textgen_tui.core.generate.cowrite import CoWriter, Suggestions, SuggestOptions

PAUSE = 0.3
"""Seconds without typing before the model suggests (or re-reads the text in a view)."""
EXCERPT = 600
"""About how many characters Ctrl+O takes from the corpus."""
VIEWS = ("write", "surprise", "cells")
FEATURE_NAMES = {
    "position_in_line": "line pos",
    "position_in_word": "word pos",
    "inside_quotes": "in quotes",
    "inside_parentheses": "in parens",
}
"""core.cells.FEATURES as the cell list shows them (28 columns at 80×24)."""
WIDE = 160
"""Columns from which the side panel is wider."""


@dataclass(frozen=True)
class Ask:
    """One request to the model, and what it belongs to (a stale answer is dropped)."""

    model: str
    """The model folder."""
    text: str
    """The text to read: before the cursor for a suggestion, all of it for a view."""
    serial: int
    """The pane's count of edits and cursor moves when it was made."""
    anchor: Location = (0, 0)
    """The cursor location a suggestion continues from."""
    options: SuggestOptions | None = None


def _number(text: str, name: str, kind=float, lo: float = 0.0, hi: float = math.inf):
    try:
        value = kind(text.strip())
    except ValueError:
        raise GenerationError(f"{name} must be a number (got {text.strip()!r})") from None
    if not lo <= value <= hi:
        raise GenerationError(f"{name} must be between {lo:g} and {hi:g} (got {value:g})")
    return value


def _percent(p: float) -> str:
    """12.3%, or 0.0042% for what the model hardly expected (never a bare 0.0%)."""
    return f"{p:.1%}" if p >= 0.001 else f"{p * 100:.2g}%"


class WritePane(Vertical):
    """Owns co-writing (the pause timer, the suggestion worker, the editor's ghost text) and the
    views (the surprise and cells workers, the overlay, the side panel that follows the cursor)."""

    @dataclass
    class Suggested(Message):
        ask: Ask
        suggestions: Suggestions

    @dataclass
    class Inspected(Message):
        ask: Ask
        report: object
        """A core.surprise.SurpriseReport."""

    @dataclass
    class CellsRead(Message):
        ask: Ask
        reading: CellReading

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
        self._report = None
        self._reading: CellReading | None = None
        self._read: str | None = None
        """The text the colors and the side panel belong to (None: no colors shown)."""
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
        session, generation = self.app.session, self.app.generation
        name = Path(model).name
        epoch = generation.live_epoch(model)
        bundled = bundled_model()
        if session.active and session.out_dir == Path(model):
            name += f" · being trained (epoch {epoch})" if epoch else " · being trained, no epoch yet"
        elif bundled is not None and Path(model).resolve() == bundled.resolve():
            name += " (bundled)"
        label.update(Text.assemble(("model ", "dim"), name))

    def _writer_for(self, model: str) -> CoWriter:
        """The co-writer of the model's current generator (a new epoch of the live model or another
        model starts a new one). Runs in a worker: it may read the folder."""
        session, generation = self.app.session, self.app.generation
        if session.active and session.out_dir == Path(model) and not generation.live_epoch(model):
            raise TextgenError("the model being trained has no finished epoch yet: wait for the first one")
        generator = generation.generator(model)
        writer = self._writer
        if writer is None or writer.generator is not generator:
            # Whether the model reads lowercase text: what Generate does to a seed ("A" → "a").
            lowercase = generation.prepare_seed(model, "A").text == "a"
            writer = self._writer = CoWriter(generator, lowercase=lowercase)
        return writer

    # -- typing and pauses ----------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is not self.area:
            return
        event.stop()
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

    # -- suggestions ----------------------------------------------------------------------------
    def action_suggest(self) -> None:
        self.suggest(quiet=False)

    def suggest(self, quiet: bool = True) -> None:
        ask = self._ask(quiet, whole=False)
        if ask is None:
            return
        try:
            options = self.options()
        except GenerationError as exc:
            self._status(str(exc))
            if not quiet or str(exc) != self._last_error:
                self.notify(str(exc), title="Write", severity="error")
            self._last_error = str(exc)
            return
        self._suggest(Ask(ask.model, ask.text, ask.serial, ask.anchor, options))

    def options(self) -> SuggestOptions:
        try:
            temperature = check_temperature(self.query_one("#write-temp", Input).value)
        except ConfigError as exc:
            raise GenerationError(str(exc)) from None
        top_k = _number(self.query_one("#write-top-k", Input).value, "top-k", int)
        top_p = _number(self.query_one("#write-top-p", Input).value, "top-p", float, 1e-9, 1.0)
        return SuggestOptions(temperature, top_k, top_p, rng_seed=self.rng_seed)

    @work(thread=True, exclusive=True, group="write-suggest", exit_on_error=False, description="suggesting")
    def _suggest(self, ask: Ask) -> None:
        worker = get_current_worker()
        result = self._writer_for(ask.model).suggest(ask.text, ask.options, lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled:
            self.post_message(self.Suggested(ask, result))

    def on_write_pane_suggested(self, message: Suggested) -> None:
        area = self.area
        if message.ask.serial != self._serial or self.view != "write":
            return  # the text or the cursor moved meanwhile
        result = message.suggestions
        area.offer(result.distinct(), message.ask.anchor)
        self._last_error = ""
        ideas = len(area.alternatives)
        status = (
            f"{ideas} idea{'s' if ideas != 1 else ''}"
            if ideas
            else "no idea: the model knows none of these characters"
        )
        self._status(f"{status} · {result.note}" if result.note else status)

    # -- views ----------------------------------------------------------------------------------
    def action_view(self, view: str) -> None:
        """Ctrl+G: the GLTR bands, again: −ln p on a scale, again: back to writing. Ctrl+F: the
        cells, again: back to writing."""
        if view == "surprise" and self.view == "surprise" and not self.scale:
            self.scale = True
            self._paint_side()
            if self._report is not None and self._read == self.area.text:
                self._color_surprise()
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
        self._report = self._reading = self._read = None
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

    def read_text(self, quiet: bool = True) -> None:
        """Read the whole text through the model for the current view (in a worker)."""
        ask = self._ask(quiet, whole=True)
        if ask is None:
            return
        self._status("reading the text through the model…")
        if self.view == "surprise":
            self._read_surprise(ask)
        elif self.view == "cells":
            self._read_cells(ask)

    @work(
        thread=True, exclusive=True, group="write-read", exit_on_error=False, description="reading the text"
    )
    def _read_surprise(self, ask: Ask) -> None:
        from textgen_tui.core.inspect.surprise import surprise

        writer = self._writer_for(ask.model)
        report = surprise(writer.generator, ask.text, lowercase=writer.lowercase)
        self.post_message(self.Inspected(ask, report))

    @work(thread=True, exclusive=True, group="write-read", exit_on_error=False, description="finding cells")
    def _read_cells(self, ask: Ask) -> None:
        writer = self._writer_for(ask.model)
        self.post_message(self.CellsRead(ask, CellReading.of(writer, ask.text)))

    def on_write_pane_inspected(self, message: Inspected) -> None:
        area = self.area
        if self.view != "surprise" or message.ask.text != area.text:
            return
        report = self._report = message.report
        self._read = message.ask.text
        self._color_surprise()
        unknown = f" · unknown: {', '.join(report.unknown[:4])}" if report.unknown else ""
        self._status(
            f"{len(report.tokens)} tokens · {report.nats_per_token:.2f} nats/token · "
            f"{report.bits_per_char:.2f} bits/char{unknown}"
        )

    def _color_surprise(self) -> None:
        area, report = self.area, self._report
        paint = nats_overlay if self.scale else surprise_overlay
        area.set_overlay(paint(report, area.text, area.document.newline))
        self._follow_cursor()

    def on_write_pane_cells_read(self, message: CellsRead) -> None:
        if self.view != "cells" or message.ask.text != self.area.text:
            return
        reading = self._reading = message.reading
        self._read = message.ask.text
        cells = self.query_one("#write-cells", OptionList)
        cells.set_options(
            Option(
                f"{FEATURE_NAMES.get(m.feature, m.feature):9} L{m.layer} u{m.unit:<4} {m.r:+.2f}", id=str(i)
            )
            for i, m in enumerate(reading.matches)
        )
        if not reading.layers:
            self._status("Too little text the model knows to read any cell: write some more.")
        elif reading.matches:
            best = reading.matches[0]
            self.color_by(best.layer, best.unit)
        else:
            self.color_from_fields()

    def color_from_fields(self) -> None:
        """Color the text by the unit the layer and unit fields name."""
        try:
            layer = _number(self.query_one("#write-layer", Input).value, "layer", int)
            unit = _number(self.query_one("#write-unit", Input).value, "unit", int)
        except GenerationError as exc:
            self.notify(str(exc), title="Cells", severity="error")
            return
        self.color_by(layer, unit)

    def color_by(self, layer: int, unit: int) -> None:
        """Color the text by one unit's activation (from the activations already read)."""
        reading = self._reading
        if reading is None:
            self.notify("The cells are still being read.", title="Cells", severity="warning")
            return
        try:
            overlay = reading.overlay(layer, unit, self.area.document.newline)
        except GenerationError as exc:
            self.notify(str(exc), title="Cells", severity="error")
            return
        self.query_one("#write-layer", Input).value = str(layer)
        self.query_one("#write-unit", Input).value = str(unit)
        self.area.set_overlay(overlay)
        match = next((m for m in reading.matches if (m.layer, m.unit) == (layer, unit)), None)
        said = f" · r {match.r:+.2f} with {match.feature.replace('_', ' ')}" if match else ""
        self._status(f"layer {layer} unit {unit}{said} · {len(reading.spans)} tokens · −1 blue, +1 red")
        self._follow_cursor()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        reading = self._reading
        if reading is not None and event.option.id is not None:
            match = reading.matches[int(event.option.id)]
            self.color_by(match.layer, match.unit)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("write-layer", "write-unit"):
            self.color_from_fields()
        else:
            self.area.focus()
            self.suggest(quiet=False)

    # -- the side panel -------------------------------------------------------------------------
    def _follow_cursor(self) -> None:
        """The side panel for the token under the cursor (the last one at the end of the text)."""
        area = self.area
        offset = area.document.get_index_from_location(area.cursor_location)
        at = self.query_one("#write-at", Static)
        if self._read != area.text:
            return  # the colors are gone with the edit; the next reading brings them back
        if self.view == "surprise" and self._report is not None:
            self._show_top(self._report, offset)
        elif self.view == "cells" and self._reading is not None:
            at.update(self._reading.describe(offset))

    def _show_top(self, report, offset: int) -> None:
        at = self.query_one("#write-at", Static)
        table = self.query_one("#write-top10", DataTable)
        table.clear()
        if not report.tokens:
            at.update("")
            return
        index = report.token_at(min(offset, len(report.text) - 1))
        index = len(report.tokens) - 1 if index is None else index
        token = report.tokens[index]
        if token.nats is None:
            what = "the first token" if token.known else "unknown to the model"
            at.update(Text.assemble(("“", "dim"), readable(token.text), ("” ", "dim"), what))
        else:
            at.update(
                Text.assemble(
                    ("“", "dim"),
                    readable(token.text),
                    ("” ", "dim"),
                    f"rank {token.rank} · p {_percent(math.exp(-token.nats))}\n",
                    (f"{token.nats:.2f} nats; it expected:", "dim"),
                )
            )
        for rank, (piece, p) in enumerate(report.top(index, 10), 1):
            style = "bold reverse" if piece == token.text else ""
            table.add_row(str(rank), Text(readable(piece), style=style), _percent(p))

    def _paint_side(self) -> None:
        title = self.query_one("#write-side-title", Static)
        legend = self.query_one("#write-legend", Static)
        ideas = self.query_one("#write-ideas", Static)
        if self.view == "write":
            title.update(Text("Ideas", style="bold"))
            ideas.update(self._ideas_text())
            legend.update(Text("Tab a word · → all · Esc dismiss · ^N/^P another", style="dim"))
        elif self.view == "surprise":
            title.update(
                Text("Surprise (−ln p; ^G off)" if self.scale else "Surprise (GLTR; ^G −ln p)", style="bold")
            )
            legend.update(nats_legend() if self.scale else band_legend())
        else:
            title.update(Text("Cells: best units (r)", style="bold"))
            legend.update(cell_legend())
        self.query_one("#write-at", Static).update("")

    def _ideas_text(self) -> Text:
        area = self.area
        if not area.alternatives:
            return Text("Pause after typing: the model's ideas come here.", style="dim")
        lines = Text()
        for i, idea in enumerate(area.alternatives):
            mark = "▶ " if i == area.choice % len(area.alternatives) else "  "
            lines.append(f"{mark}{i + 1}. ", style="bold" if mark.strip() else "dim")
            lines.append(readable(idea).replace("␣", " ") + "\n")
        return lines

    def on_co_write_area_ghost_changed(self, event: CoWriteArea.GhostChanged) -> None:
        event.stop()
        if self.view == "write":
            self.query_one("#write-ideas", Static).update(self._ideas_text())

    def _status(self, text: str) -> None:
        self.query_one("#write-status", Static).update(Text(text, style="dim"))

    # -- workers --------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in ("write-suggest", "write-read"):
            return
        event.stop()
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        text = error_text(error)
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


@dataclass
class CellReading:
    """A text read once through every layer: the units that follow its features, and any unit's
    value per token (so picking another unit costs no second pass)."""

    text: str
    spans: list
    """core.surprise.Span per token (known or not), in order."""
    layers: list
    """Per layer, h after each fed token: (tokens fed, units)."""
    last: object
    """Per span, the index of the last token fed up to it (-1: none)."""
    matches: list
    """core.cells.CellMatch, best first per feature."""
    shown: tuple | None = None
    """(values per span, layer, unit) of the unit the text is colored by."""

    @classmethod
    def of(cls, writer: CoWriter, text: str) -> CellReading:
        from textgen_tui.core.inspect.cells import activations, find_cells
        from textgen_tui.core.inspect.surprise import segment

        generator, lowercase = writer.generator, writer.lowercase
        seg = segment(generator.tokenizer, text.lower() if lowercase else text)
        layers = activations(generator, seg.ids) if len(seg.ids) else []
        matches = find_cells(generator, text, lowercase=lowercase)
        return cls(text, seg.spans, layers, seg.last, matches)

    def values(self, layer: int, unit: int):
        """Unit `unit` of layer `layer` after each span (as core.cells.cell_activation computes it)."""
        import numpy as np

        if not 0 <= layer < len(self.layers):
            raise GenerationError(f"layer {layer} does not exist: the model has {len(self.layers)} layer(s)")
        units = self.layers[layer].shape[1]
        if not 0 <= unit < units:
            raise GenerationError(f"unit {unit} does not exist: layer {layer} has {units} units")
        column = self.layers[layer][:, unit]
        return np.where(self.last >= 0, column[np.maximum(self.last, 0)], 0.0)

    def overlay(self, layer: int, unit: int, newline: str = "\n"):
        self.shown = self.values(layer, unit), layer, unit
        starts = [s.start for s in self.spans]
        ends = [s.start + len(s.text) for s in self.spans]
        return cells_overlay(starts, ends, self.shown[0], self.text, newline)

    def describe(self, offset: int) -> Text:
        """The shown unit's value at the token under the cursor."""
        if self.shown is None or not self.spans:
            return Text("")
        values = self.shown[0]
        starts = [s.start for s in self.spans]
        index = max(0, min(bisect.bisect_right(starts, offset) - 1, len(self.spans) - 1))
        return Text.assemble(
            ("“", "dim"), readable(self.spans[index].text), ("” ", "dim"), f"{values[index]:+.2f}"
        )
