"""The Write pane's co-writing: after a pause the model's continuations come as ghost text in the
editor and as a list of ideas in the side panel (a thread worker on the numpy net, never Keras).

`WriteIdeas` is a part of `WritePane` (app/panes/write.py): it uses the pane's editor, status line
and requests (`_ask`), and the pane's `_serial` that says whether an answer is stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Input, Static
from textual.widgets.text_area import Location
from textual.worker import get_current_worker

from textgen_tui.app.widgets.numbers import parse_number
from textgen_tui.app.widgets.write_area import CoWriteArea
from textgen_tui.app.widgets.write_view import readable
from textgen_tui.core.config import check_temperature
from textgen_tui.core.errors import ConfigError, GenerationError
from textgen_tui.core.generate.cowrite import Suggestions, SuggestOptions
from textgen_tui.core.generate.sampling import SamplingOptions


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
    """How to suggest (a suggestion's request only)."""


class WriteIdeas:
    """Owns co-writing: the suggestion worker, its answer in the editor's ghost text, and the ideas
    in the side panel."""

    @dataclass
    class Suggested(Message):
        ask: Ask
        suggestions: Suggestions

    def action_suggest(self) -> None:
        self.suggest(quiet=False)

    def suggest(self, quiet: bool = True) -> None:
        """Ask for continuations of the text before the cursor (in a worker); a problem is said in
        the status line, and notified unless `quiet` and said already."""
        ask = self._ask(quiet, whole=False)
        if ask is None:
            return
        if self._mid_line():  # a ghost here would push the rest of the line down (issue 32)
            problem = "Ideas come at the end of a line: here the text goes on after the cursor."
            self._status(problem)
            if not quiet:
                self.notify(problem, title="Write", severity="warning")
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

    def _mid_line(self) -> bool:
        """The cursor has text after it on its line."""
        area = self.area
        row, column = area.cursor_location
        return bool(area.document.get_line(row)[column:].strip())

    def options(self) -> SuggestOptions:
        """The suggestion's options from the fields (GenerationError naming a bad one)."""
        try:
            temperature = check_temperature(self.query_one("#write-temp", Input).value)
        except ConfigError as exc:
            raise GenerationError(str(exc)) from None
        number = {"kind": int, "lo": 0, "error": GenerationError}
        top_k = parse_number(self.query_one("#write-top-k", Input).value, "top-k", **number)
        top_p = parse_number(
            self.query_one("#write-top-p", Input).value,
            "top-p",
            lo=0,
            hi=1,
            lo_open=True,
            error=GenerationError,
        )
        sampling = SamplingOptions(top_k=top_k, top_p=top_p, rng_seed=self.rng_seed)
        return SuggestOptions(temperature, sampling=sampling)

    @work(thread=True, exclusive=True, group="write-suggest", exit_on_error=False, description="suggesting")
    def _suggest(self, ask: Ask) -> None:
        worker = get_current_worker()
        result = self._writer_for(ask.model).suggest(ask.text, ask.options, lambda: worker.is_cancelled)
        if result is not None and not worker.is_cancelled:
            self.post_message(self.Suggested(ask, result))

    def on_write_ideas_suggested(self, message: Suggested) -> None:
        area = self.area
        if message.ask.serial != self._serial or self.view != "write":
            return  # the text or the cursor moved meanwhile
        result = message.suggestions
        self._ideas_note = result.note
        area.offer(result.distinct(), message.ask.anchor)
        self._last_error = ""
        if not area.alternatives:
            status = "no idea: the model knows none of these characters"
            self._status(f"{status} · {result.note}" if result.note else status)

    _ideas_note = ""
    """What the model said with its last ideas (shown after their count)."""

    def _show_idea_count(self) -> None:
        """The status line counts the ideas shown; it empties with them (Esc, an edit), unless it
        has said something else since."""
        ideas = len(self.area.alternatives)
        status = self.query_one("#write-status", Static)
        if not ideas:
            if self._count_shown and str(status.render()) == self._count_shown:
                self._status("")
            self._count_shown = ""
            return
        count = f"{ideas} idea{'s' if ideas != 1 else ''}"
        self._status(f"{count} · {self._ideas_note}" if self._ideas_note else count)
        self._count_shown = str(status.render())

    _count_shown = ""
    """The count of ideas as the status line shows it ("" when it shows none)."""

    def paint_ideas_side(self) -> None:
        """The side panel's title, ideas and legend in the write view."""
        self.query_one("#write-side-title", Static).update(Text("Ideas", style="bold"))
        self.query_one("#write-ideas", Static).update(self._ideas_text())
        legend = Text("Tab a word · → all · Esc dismiss · ^N/^P another", style="dim")
        self.query_one("#write-legend", Static).update(legend)

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
            self._show_idea_count()
