"""The Generate pane's seeds: the seed field, a random one of the model's stored seeds (Ctrl+R),
and the history of the seeds used.

`GenerateSeeds` is a part of `GeneratePane` (app/panes/generate.py).
"""

from __future__ import annotations

import random

from textual import work
from textual.content import Content
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from textgen_tui.core.errors import TextgenError

HISTORY = 50
"""Seeds the history keeps."""


def _history_line(seed: str, width: int = 60) -> str:
    """One line for the seed history: its lines joined with ⏎ and cut with … (display only)."""
    line = seed.replace("\n", "⏎")
    return line if len(line) <= width else line[: width - 1] + "…"


class GenerateSeeds:
    """Owns the seed: the field, the model's stored seeds, and the history."""

    history: list[str]
    """The seeds used, newest first, each once and whole (the list shows a shortened line)."""

    @property
    def seed_text(self) -> str:
        return self.query_one("#seed", TextArea).text

    @seed_text.setter
    def seed_text(self, text: str) -> None:
        area = self.query_one("#seed", TextArea)
        area.text = text
        area.move_cursor(area.document.end)

    def action_random_seed(self) -> None:
        self._seeds(self.model)

    @work(thread=True, exclusive=True, group="seeds", exit_on_error=False, description="reading seeds")
    def _seeds(self, model: str | None) -> None:
        from textgen_tui.core.store.folder import read_info

        try:
            seeds = read_info(model).seeds if model else []
        except TextgenError:
            seeds = []
        self.app.call_from_thread(self.offer_seeds, seeds)

    def offer_seeds(self, seeds: list[str]) -> None:
        """The chosen model's stored seeds (read in a worker): one at random."""
        if not seeds:
            self.notify("This model has no stored seeds (or no model is chosen).", severity="warning")
            return
        self.seed_text = random.choice(seeds)
        self.query_one("#seed", TextArea).focus()

    def remember(self, seed: str) -> None:
        self.history = list(dict.fromkeys([seed, *getattr(self, "history", [])]))[:HISTORY]
        self.query_one("#seed-history", OptionList).set_options(
            Option(Content(_history_line(s)), id=str(i)) for i, s in enumerate(self.history)
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        seeds = getattr(self, "history", [])
        if 0 <= event.option_index < len(seeds):
            self.seed_text = seeds[event.option_index]
            self.query_one("#seed", TextArea).focus()
