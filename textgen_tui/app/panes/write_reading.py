"""The Write pane's reading: the whole text seen through the model, as each token's surprise (the
GLTR bands, or −ln p on a scale) or as a cell's activation, colored over the editor, with a side
panel that follows the cursor. The model reads in thread workers on the numpy net, never Keras.

`WriteReading` is a part of `WritePane` (app/panes/write.py): it uses the pane's editor, status
line, requests (`_ask`), co-writer (`_writer_for`) and view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from textgen_tui.app.panes.write_ideas import Ask
from textgen_tui.app.widgets.numbers import parse_number
from textgen_tui.app.widgets.write_view import (
    band_legend,
    cell_legend,
    cells_overlay,
    nats_legend,
    nats_overlay,
    readable,
    surprise_overlay,
)
from textgen_tui.core.errors import GenerationError
from textgen_tui.core.inspect.cells import CellReading
from textgen_tui.core.inspect.surprise import SurpriseReport

FEATURE_NAMES = {
    "position_in_line": "line pos",
    "position_in_word": "word pos",
    "inside_quotes": "in quotes",
    "inside_parentheses": "in parens",
}
"""core.inspect.cells.FEATURES as the cell list shows them (28 columns at 80×24)."""


def _percent(p: float) -> str:
    """12.3%, or 0.0042% for what the model hardly expected (never a bare 0.0%)."""
    return f"{p:.1%}" if p >= 0.001 else f"{p * 100:.2g}%"


class WriteReading:
    """Owns the views: the surprise and cells workers, the colors over the text, and the side
    panel that follows the cursor."""

    @dataclass
    class Inspected(Message):
        ask: Ask
        report: SurpriseReport

    @dataclass
    class CellsRead(Message):
        ask: Ask
        reading: CellReading

    def reset_reading(self) -> None:
        """No reading shown (a new view starts from none)."""
        self._report = self._reading = self._read = None
        self._shown = None

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
        reading = CellReading.of(writer.generator, ask.text, lowercase=writer.lowercase)
        self.post_message(self.CellsRead(ask, reading))

    # -- surprise -------------------------------------------------------------------------------
    def on_write_reading_inspected(self, message: Inspected) -> None:
        if self.view != "surprise" or message.ask.text != self.area.text:
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

    def toggle_scale(self) -> None:
        """The surprise view again: −ln p on a scale instead of the GLTR bands."""
        self.scale = True
        self._paint_side()
        if self._report is not None and self._read == self.area.text:
            self._color_surprise()

    # -- cells ----------------------------------------------------------------------------------
    def on_write_reading_cells_read(self, message: CellsRead) -> None:
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
        number = {"kind": int, "lo": 0, "error": GenerationError}
        try:
            layer = parse_number(self.query_one("#write-layer", Input).value, "layer", **number)
            unit = parse_number(self.query_one("#write-unit", Input).value, "unit", **number)
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
            values = reading.values(layer, unit)
        except GenerationError as exc:
            self.notify(str(exc), title="Cells", severity="error")
            return
        self._shown = values
        starts, ends = reading.bounds()
        self.query_one("#write-layer", Input).value = str(layer)
        self.query_one("#write-unit", Input).value = str(unit)
        self.area.set_overlay(cells_overlay(starts, ends, values, reading.text, self.area.document.newline))
        match = reading.match(layer, unit)
        said = f" · r {match.r:+.2f} with {match.feature.replace('_', ' ')}" if match else ""
        self._status(f"layer {layer} unit {unit}{said} · {len(reading.spans)} tokens · −1 blue, +1 red")
        self._follow_cursor()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        reading = self._reading
        if reading is not None and event.option.id is not None:
            match = reading.matches[int(event.option.id)]
            self.color_by(match.layer, match.unit)

    # -- the side panel -------------------------------------------------------------------------
    def _follow_cursor(self) -> None:
        """The side panel for the token under the cursor (the last one at the end of the text)."""
        area = self.area
        offset = area.document.get_index_from_location(area.cursor_location)
        if self._read != area.text:
            return  # the colors are gone with the edit; the next reading brings them back
        if self.view == "surprise" and self._report is not None:
            self._show_top(self._report, offset)
        elif self.view == "cells" and self._reading is not None:
            self.query_one("#write-at", Static).update(self._describe_cell(offset))

    def _describe_cell(self, offset: int) -> Text:
        """The shown unit's value at the token under the cursor."""
        reading, values = self._reading, self._shown
        index = None if reading is None or values is None else reading.span_at(offset)
        if index is None:
            return Text("")
        return Text.assemble(
            ("“", "dim"), readable(reading.spans[index].text), ("” ", "dim"), f"{values[index]:+.2f}"
        )

    def _show_top(self, report: SurpriseReport, offset: int) -> None:
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

    def paint_reading_side(self) -> None:
        """The side panel's title and legend in the surprise or the cells view."""
        title = self.query_one("#write-side-title", Static)
        legend = self.query_one("#write-legend", Static)
        if self.view == "surprise":
            text = "Surprise (−ln p; ^G off)" if self.scale else "Surprise (GLTR; ^G −ln p)"
            title.update(Text(text, style="bold"))
            legend.update(nats_legend() if self.scale else band_legend())
        else:
            title.update(Text("Cells: best units (r)", style="bold"))
            legend.update(cell_legend())
