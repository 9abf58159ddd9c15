"""The Train pane's per-epoch samples: each epoch's streams, one block per temperature (side by side
as the width allows, `columns_for`), in a scroll that follows the newest epoch and keeps
the label of what is read in view.

The label: the scroll's border title names the epoch and the temperature(s) of the blocks on its
top row, so a stream whose own "── temperature" line has scrolled off is still named. Following:
the scroll goes to its end as text comes, until the user scrolls up (PageUp, Home, the wheel);
End, or scrolling back down to the end, follows again. (Textual's `anchor()` does this too, but
drew a short text at the bottom of its box.)
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from textgen_tui.app.render import temperature_block, temperature_style

COLUMN = 32
"""Cells a temperature's column needs to stand beside the others."""
SIDE_BY_SIDE = 100
"""Narrower than this, the streams are one under the other (an 80-column terminal)."""


def columns_for(width: int, streams: int) -> int:
    """How many streams stand side by side in `width` cells (at least one): as many as get
    `COLUMN` cells each, from `SIDE_BY_SIDE` cells on (three at 140 columns, four at 200)."""
    if width < SIDE_BY_SIDE:
        return 1
    return max(1, min(streams, width // COLUMN))


def temperatures_label(temperatures, indexes) -> Content:
    """ "temperature 0.5", or "temperatures 0.2 │ 0.5" left to right, each in its stream's colour."""
    names = [Content.styled(f"{temperatures[i]:g}", f"{temperature_style(i)} bold") for i in indexes]
    word = "temperature " if len(names) == 1 else "temperatures "
    return Content(word) + Content(" │ ").join(names)


class SampleBlock(Static):
    """One temperature of one epoch: its label line, the seed and the text so far."""

    def __init__(self, index: int) -> None:
        super().__init__(classes="sample-block")
        self.index = index


class SampleView(Vertical):
    """One epoch's samples; the pieces stream in."""

    def __init__(self, epoch: int, seed: str, temperatures: tuple[float, ...]) -> None:
        super().__init__(classes="sample")
        self.epoch = epoch
        self.seed = seed
        self.temperatures = temperatures
        self.texts = ["" for _ in temperatures]

    def compose(self) -> ComposeResult:
        yield Static(f"Epoch {self.epoch}: generating with seed", classes="sample-title")
        with Container(classes="sample-blocks"):
            for i in range(len(self.temperatures)):
                yield SampleBlock(i)

    def on_mount(self) -> None:
        self.refresh_text()

    def add(self, pieces: tuple[str, ...]) -> None:
        self.texts = [t + p for t, p in zip(self.texts, pieces)]
        self.refresh_text()

    def finish(self, texts: tuple[str, ...]) -> None:
        self.texts = list(texts)
        self.refresh_text()

    def refresh_text(self) -> None:
        for block in self.query(SampleBlock):
            i = block.index
            block.update(temperature_block(self.seed, self.temperatures[i], i, self.texts[i]))

    def set_columns(self, columns: int) -> None:
        for grid in self.query(".sample-blocks"):  # none until the view is composed
            grid.styles.grid_size_columns = columns

    def label_at(self, y: int) -> Content:
        """The label of what this epoch shows on the row `y` of the scroll's content (rows from
        its top, whatever the scroll: the layout's, never the last frame's)."""
        label = Content(f"Epoch {self.epoch}")
        grids = self.query(".sample-blocks")
        if not grids:  # not composed yet
            return label
        y -= self.virtual_region.y + grids.first().virtual_region.y
        blocks = [b for b in self.query(SampleBlock) if b.virtual_region.y <= y < b.virtual_region.bottom]
        if blocks:
            label += Content(" · ") + temperatures_label(self.temperatures, [b.index for b in blocks])
        return label


class SampleScroll(VerticalScroll):
    """The epochs' samples (see the module's docstring)."""

    following = True
    """At the end, and kept there as text comes (until the user scrolls up)."""

    def follow(self) -> None:
        """Follow the newest text again (a new run)."""
        self.following = True
        self._to_end()

    def _to_end(self) -> None:
        if self.following:  # after the next refresh, when the new text's height is known
            self.scroll_end(animate=False)

    def add_epoch(self, view: SampleView) -> None:
        if not self.is_attached:  # the app is going ("Keep training"): the run's last messages
            return
        self.mount(view)
        self.call_after_refresh(self._arrange)

    def changed(self) -> None:
        """Text came in: follow it, and name what the top row shows now."""
        self._to_end()
        self.call_after_refresh(self.update_label)

    def on_resize(self) -> None:
        self._arrange()

    def on_show(self) -> None:
        """Shown again (the pane was hidden while the run went on): the newest is in view."""
        self._arrange()

    def _arrange(self) -> None:
        width = self.scrollable_content_region.width
        for view in self.query(SampleView):
            view.set_columns(columns_for(width, len(view.temperatures)))
        self._to_end()
        self.call_after_refresh(self.update_label)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y:  # back at the end (PageDown, the wheel)
            self.following = True
        elif new < old:  # the user scrolled up (a box grown wider clamps to the end: not this)
            self.following = False
        self.update_label()

    def action_scroll_end(self) -> None:
        self.following = True  # at once: text coming during the scroll's animation is followed
        super().action_scroll_end()

    def update_label(self) -> None:
        """The border title names what is on the top row of the view."""
        top = round(self.scroll_y)
        views = [v for v in self.query(SampleView) if v.virtual_region.height]
        above = [v for v in views if v.virtual_region.y <= top]
        view = above[-1] if above else (views[0] if views else None)
        self.border_title = view.label_at(top) if view is not None else None
