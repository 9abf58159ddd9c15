"""Starting from a base in the app: the Corpus pane advises it for a small English text, the Train
pane's "start from" defaults to it, the user picks it (or nothing) and trains."""

from __future__ import annotations

import json
from pathlib import Path

from app_helpers import load_tiny_corpus, type_into, wait_for
from textual.widgets import Input, Select, Static

from textgen_tui.app.app import create_app
from textgen_tui.core.store.paths import bundled_models_dir


async def test_pick_a_base_on_the_train_pane_and_train(workdir: Path) -> None:
    """The bundled `english` base itself, fine-tuned for one epoch on a 5 KB text."""
    base = bundled_models_dir() / "english"
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot, from_scratch=False)
        stats = str(app.query_one("#corpus-stats", Static).render())
        assert "starting from the english base should help" in stats, stats

        await pilot.press("f2")
        start = app.query_one("#start-from", Select)
        await wait_for(pilot, lambda: start.value == str(base), what="the base")

        # the user picks "nothing", then the base again, with the keyboard
        await pilot.click("#start-from")
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: start.value == "", what="nothing chosen")
        await pilot.click("#start-from")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: start.value != "", what="the base chosen again")
        assert app.train_pane.start_from is not None and Path(app.train_pane.start_from).name == "english"
        units = app.query_one("#field-units", Input)
        assert units.value == "512" and units.disabled  # the base's architecture, shown and fixed
        assert app.query_one("#field-dropout", Input).value == "0.1"  # the base's, unless changed

        await type_into(pilot, "#field-minutes", "")
        await type_into(pilot, "#field-epochs", "1")
        await pilot.press("f5")
        out = workdir / "models" / "tiny"
        await wait_for(
            pilot, lambda: (out / "state.json").exists() and not app.training, what="the run's end"
        )
        state = json.loads((out / "state.json").read_text())
        assert state["lineage"]["base"] == "english"
        config = json.loads((out / "config.json").read_text())
        assert config["model"]["units"] == 512  # the base's, not the preset's

        # the choice stays through later listings of the models (after a run, a refresh)
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models listed again")
        assert start.value == str(base)
        await pilot.click("#start-from")
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: start.value == "", what="nothing chosen")
        app.refresh_models()
        await pilot.pause()
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models listed again")
        assert start.value == "" and app.train_pane.start_from is None
