"""The Write pane's editor: a TextArea that shows the model's continuation as ghost text after the
cursor (Textual's `suggestion`), takes it a word (Tab) or whole (→ / End), cycles through the
alternatives (Ctrl+N / Ctrl+P), and colors its text by spans (the surprise heatmap, a cell)."""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets.text_area import Edit, Location

from textgen_tui.app.widgets.fields import KeyTextArea

_WORD = re.compile(r"\s*\S+")
NEWLINE_GLYPH = "⏎"  # a newline in the ghost text (the ghost is drawn inside one line)
MORE_GLYPH = "…"  # the ghost goes on past the editor's edge (→ still takes all of it)

Overlay = dict[int, list[tuple[int, int, Style]]]
"""Row → (start column, end column, style) spans drawn over the text."""


class CoWriteArea(KeyTextArea):
    """The editor. The pane offers alternatives for a cursor location; they show while the cursor
    stays there, and typing what the ghost says keeps the rest of it."""

    BINDINGS = [
        Binding("ctrl+n", "cycle(1)", "Ideas", key_display="^n/^p"),
        Binding("escape", "dismiss_ghost", "Dismiss the suggestion", show=False),
    ]
    # Ctrl+P (the previous idea) is read in _on_key, not bound: a binding would take the App's
    # "^p palette" place in the Footer. The App's palette binding yields it while ideas show.

    class GhostChanged(Message):
        """The ghost text changed (offered, cycled, partly typed, taken or dismissed)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.alternatives: list[str] = []
        """The continuations offered for `anchor`, distinct, in sampling order."""
        self.choice = 0
        """The one shown (Ctrl+N / Ctrl+P)."""
        self.anchor: Location | None = None
        """The cursor location the alternatives continue from."""
        self.overlay: Overlay = {}

    # -- the ghost --------------------------------------------------------------------------------
    @property
    def ghost(self) -> str:
        """The continuation shown now (with real newlines); empty when none is."""
        if not self.alternatives or self.anchor != self.cursor_location or not self.selection.is_empty:
            return ""
        return self.alternatives[self.choice % len(self.alternatives)]

    @property
    def wants_ctrl_p(self) -> bool:
        """Ctrl+P cycles the alternatives while several are shown (the App's palette yields it)."""
        return len(self.alternatives) > 1 and bool(self.ghost)

    def offer(self, alternatives: list[str], anchor: Location) -> None:
        """Show `alternatives` (distinct, non-empty) as the ghost at `anchor`, if the cursor is there."""
        self.alternatives = list(alternatives) if anchor == self.cursor_location else []
        self.choice = 0
        self.anchor = anchor
        self._show()

    def dismiss_ghost(self) -> None:
        self.alternatives = []
        self.choice = 0
        self._show()

    def _show(self) -> None:
        self.suggestion = self._fitted(self.ghost.replace("\n", NEWLINE_GLYPH))
        self.refresh_bindings()
        self.post_message(self.GhostChanged())

    def _fitted(self, shown: str) -> str:
        """`shown` cut to the cells left on the cursor's row, ending in MORE_GLYPH when cut: the
        TextArea draws the suggestion inside the row, so past the edge it would just vanish."""
        if not shown or not self.soft_wrap:
            return shown
        width = self.scrollable_content_region.width - self.gutter_width
        if width <= 0:  # not laid out yet
            return shown
        room = width - self.wrapped_document.location_to_offset(self.cursor_location).x - 1
        if cell_len(shown) <= room:
            return shown
        return set_cell_size(shown, max(room - 1, 0)) + MORE_GLYPH if room > 0 else ""

    def on_resize(self) -> None:
        if self.ghost:
            self._show()

    def take_word(self) -> bool:
        """Insert the ghost's next word (with the spaces before it); False when no ghost shows."""
        ghost = self.ghost
        if not ghost:
            return False
        match = _WORD.match(ghost)
        self.insert(match.group(0) if match else ghost)
        return True

    def take_all(self) -> bool:
        ghost = self.ghost
        if ghost:
            self.insert(ghost)
        return bool(ghost)

    def edit(self, edit: Edit):
        """An insertion at the anchor that the ghost begins with keeps the rest of the ghost (and
        of each alternative that begins the same way); any other edit dismisses it."""
        kept: list[str] = []
        ghost = self.ghost
        typed = edit.text
        at_anchor = edit.from_location == edit.to_location == self.anchor
        if ghost and typed and at_anchor and ghost.startswith(typed):
            shown = ghost[len(typed) :]
            rest = [a[len(typed) :] for a in self.alternatives if a.startswith(typed) and len(a) > len(typed)]
            kept = list(dict.fromkeys([shown, *rest])) if shown else []
        self.overlay = {}  # the colors belong to the text before this edit
        result = super().edit(edit)
        self.alternatives = kept
        self.choice = 0
        self.anchor = result.end_location if kept else None
        self._show()
        return result

    def load_text(self, text: str) -> None:
        """A new text (not an edit): no ghost, no colors of the old one."""
        self.alternatives, self.anchor, self.overlay = [], None, {}
        super().load_text(text)
        self._show()

    # -- keys -------------------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        taken = False
        if event.key == "tab":  # no ghost: Tab moves the focus on, as usual
            taken = self.take_word()
        elif event.key == "ctrl+p" and self.wants_ctrl_p:
            self.action_cycle(-1)
            taken = True
        if taken:
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def action_cursor_right(self, select: bool = False) -> None:
        if select or not self.take_all():  # → takes the whole ghost (with its real newlines)
            super().action_cursor_right(select)

    def action_cursor_line_end(self, select: bool = False) -> None:
        if select or not self.take_all():
            super().action_cursor_line_end(select)

    def action_cycle(self, step: int) -> None:
        if self.alternatives:
            self.choice = (self.choice + step) % len(self.alternatives)
            self._show()

    def action_dismiss_ghost(self) -> None:
        self.dismiss_ghost()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cycle":
            return len(self.alternatives) > 1 and bool(self.ghost)
        if action == "dismiss_ghost":
            return bool(self.ghost)
        return super().check_action(action, parameters)

    # -- colors -----------------------------------------------------------------------------------
    def set_overlay(self, overlay: Overlay) -> None:
        """Draw these spans over the text (until the next edit)."""
        self.overlay = overlay
        self.notify_style_update()  # drops the TextArea's cache of drawn lines
        self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        for start, end, style in self.overlay.get(line_index, ()):
            line.stylize(style, start, end)
        return line
