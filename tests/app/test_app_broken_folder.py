"""A model folder whose state.json is damaged is listed as broken and goes to the trash with `d`
(and back with `u`); a folder that holds anything but a model's files is refused, and the app says
how to remove it by hand. Keys pressed as a user does; no TensorFlow needed."""

from __future__ import annotations

import json
from pathlib import Path

from app_helpers import fake_bundle, notifications, wait_for

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.dialogs import ConfirmDialog


def _row_names(table) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def _select(pilot, table, name: str) -> None:
    """Move the cursor to `name` with the arrow keys."""
    steps = _row_names(table).index(name) - table.cursor_row
    for _ in range(abs(steps)):
        await pilot.press("down" if steps > 0 else "up")
    await wait_for(pilot, lambda: _row_names(table)[table.cursor_row] == name, timeout=5, what=name)


async def test_a_damaged_model_goes_to_the_trash_and_a_users_folder_stays(workdir: Path) -> None:
    models = workdir / "models"
    fake_bundle(models / "alpha")
    damaged = fake_bundle(models / "damaged")
    (damaged / "state.json").write_bytes(b'{"kind": "textgen-tui model", "epo')  # cut short
    # a trash record whose date is no date: the trash view crashed on it (time.localtime overflowed)
    (models / ".trash").mkdir()
    odd = fake_bundle(models / ".trash" / "odd-date")
    (odd / ".trashed.json").write_text(json.dumps({"name": "odd-date", "trashed": 1e300}))
    mine = models / "mine"
    mine.mkdir()
    (mine / "state.json").write_text("{not json")
    (mine / "notes.txt").write_text("my own notes")

    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        # the models home is read in a worker: its listing (and the first focus) come before keys
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models home")
        await pilot.press("f4")
        table = app.query_one("#models-table")
        await wait_for(pilot, lambda: "damaged" in _row_names(table), timeout=10, what="the listing")
        note = app.query_one("#models-note")

        # a user's folder: refused, with the command that removes it by hand
        await _select(pilot, table, "mine")
        await wait_for(pilot, lambda: "state.json is corrupt" in str(note.render()), timeout=5, what="note")
        await pilot.press("d")
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=5, what="the refusal")
        refusal = notifications(app, "error")[-1]
        assert "not a textgen-tui model folder" in refusal and "notes.txt" in refusal
        assert f"rm -r -- {mine.resolve()}" in refusal or f"rm -r -- {mine.absolute()}" in refusal
        assert not isinstance(app.screen, ConfirmDialog)
        assert sorted(p.name for p in mine.iterdir()) == ["notes.txt", "state.json"]

        # the damaged model: broken, yet ours; Delete asks, then moves it to the trash
        await _select(pilot, table, "damaged")
        await wait_for(pilot, lambda: "state.json is corrupt" in str(note.render()), timeout=5, what="note")
        assert "broken" in str(table.get_row_at(table.cursor_row)[1])
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5, what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: not damaged.exists(), timeout=10, what="the move to the trash")
        assert (models / ".trash" / "damaged" / "best.keras").is_file()
        await wait_for(pilot, lambda: "damaged" not in _row_names(table), timeout=5, what="the new listing")

        # listed in the trash, and restored from it with u
        await pilot.press("x")
        await wait_for(pilot, lambda: "damaged" in _row_names(table), timeout=5, what="the trash view")
        assert sorted(_row_names(table)) == ["damaged", "odd-date"]
        await _select(pilot, table, "damaged")
        await pilot.press("u")
        await wait_for(pilot, lambda: damaged.is_dir(), timeout=10, what="the restore")
        assert (damaged / "state.json").read_bytes().startswith(b'{"kind"')
        await pilot.press("x")
        await wait_for(pilot, lambda: "damaged" in _row_names(table), timeout=5, what="the models again")
        assert mine.is_dir() and app.is_running


async def test_the_bundled_model_is_not_deleted(workdir: Path) -> None:
    """`d` on the bundled model asked to move it to the trash; outside the models home that trash
    is not even listed, so it could not be restored. Now it is refused, and stays."""
    from textgen_tui.core.store.paths import BUNDLED_NAME, bundled_model

    fake_bundle(workdir / "models" / "alpha")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        # the models home is read in a worker: its listing (and the first focus) come before keys
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models home")
        await pilot.press("f4")
        table = app.query_one("#models-table")
        await wait_for(pilot, lambda: BUNDLED_NAME in _row_names(table), timeout=10, what="the listing")
        await _select(pilot, table, BUNDLED_NAME)
        await pilot.press("d")
        await wait_for(pilot, lambda: notifications(app, "warning"), timeout=5, what="the refusal")
        assert "bundled model" in notifications(app, "warning")[-1]
        assert not isinstance(app.screen, ConfirmDialog)
        assert (bundled_model() / "state.json").is_file()
