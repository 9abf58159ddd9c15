"""Issue 11 (part): every pane's Footer fits 80 columns, and a help screen lists the pane's keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import settle, wait_for
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.dialogs import HelpScreen


@pytest.mark.parametrize("key", ["f1", "f2", "f3", "f4"])
async def test_every_footer_key_fits_80_columns(workdir: Path, key: str) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await settle(pilot)
        keys = [k for k in app.screen.query(FooterKey) if k.display]
        palette = [k for k in keys if k.description == "palette"]
        shown = [k for k in keys if k not in palette]
        assert shown and palette, "the Footer shows the pane's keys and the palette's"
        assert any(k.description == "Help" for k in shown)
        # Every key is drawn whole, left of the palette key at the right edge.
        assert all(k.region.width > 0 for k in shown)
        assert max(k.region.right for k in shown) <= palette[0].region.x


async def test_help_lists_the_keys_of_the_pane_and_the_hidden_ones(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        # the tab switches by messages: on a loaded machine one settle() is not always enough
        await wait_for(pilot, lambda: app.query_one("TabbedContent").active == "models", what="Models")
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        table = app.screen.query_one(DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        does = [d for _, d in rows]
        assert does[0] == "Generate"  # the pane's own keys come first
        for wanted in ("Delete", "Trash", "Corpus", "Train", "Help"):
            assert wanted in does
        assert ("f1 / 1", "Corpus") in rows  # a pane key and its hidden twin on one row
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
