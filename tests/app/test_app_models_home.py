"""The Models pane lists the models home, says where it is and why, whatever the current folder
holds (no TensorFlow needed)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import fake_bundle, wait_for

from textgen_tui.app.app import create_app


async def test_the_models_pane_lists_the_models_home(workdir: Path, monkeypatch) -> None:
    home = workdir / "home"
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(home))  # restored after the test
    fake_bundle(home / "old-one")
    fake_bundle(workdir / "models" / "not-listed")  # a ./models is not the home

    app = create_app(models_dir=home, preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        table = app.query_one("#models-table")
        await wait_for(
            pilot,
            lambda: any(str(table.get_row_at(i)[0]) == "old-one" for i in range(table.row_count)),
            timeout=10,
            what="old-one in the Models pane",
        )
        assert home / "old-one" in app.models_pane.paths
        assert workdir / "models" / "not-listed" not in app.models_pane.paths
        assert str(home) in app.models_pane.summary  # the pane says where models live
        assert "set by TEXTGEN_TUI_MODELS" in str(app.query_one("#models-note").tooltip)
