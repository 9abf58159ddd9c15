"""A ./models from before the models home: the app offers to move it once, and lists the moved
models from the home (no TensorFlow needed)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import fake_bundle, notifications, wait_for

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.dialogs import ConfirmDialog


async def test_legacy_models_are_offered_once_and_moved(workdir: Path, monkeypatch) -> None:
    home = workdir / "home"
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(home))  # restored after the test
    fake_bundle(workdir / "models" / "old-one")  # saved before models had a home

    app = create_app(models_dir=home, preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=10, what="the offer")
        question = str(app.screen.query_one("#dialog-message").render())
        assert f"Move 1 model folder(s) from {workdir / 'models'} to {home}?" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), timeout=10, what="closing")
        await pilot.press("f4")
        table = app.query_one("#models-table")
        await wait_for(
            pilot,
            lambda: any(str(table.get_row_at(i)[0]) == "old-one" for i in range(table.row_count)),
            timeout=10,
            what="old-one in the Models pane",
        )
        assert home / "old-one" in app.models_pane.paths
        assert not (workdir / "models" / "old-one").exists()
        assert any("Moved 1 model folder(s)" in m for m in notifications(app))
        assert str(home) in app.models_pane.summary  # the pane says where models live
        assert "set by TEXTGEN_TUI_MODELS" in str(app.query_one("#models-note").tooltip)

    # once: a new model in ./models is not asked about again in this folder
    fake_bundle(workdir / "models" / "another")
    app = create_app(models_dir=home, preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.pause(0.05)
        assert not isinstance(app.screen, ConfirmDialog)
        assert (workdir / "models" / "another").is_dir()
