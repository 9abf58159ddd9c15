"""Bad input gives a clear notification and the app keeps running (no TensorFlow needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_helpers import choose_model, fake_bundle, notifications, type_into, wait_for

from textgen_tui.app.app import create_app
from textgen_tui.core.store.paths import bundled_models_dir


async def load(app, pilot, spec: str) -> None:
    await type_into(pilot, "#corpus-path", spec)
    await pilot.press("enter")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.txt", None, "does not exist"),
        ("empty.txt", b"", "is empty"),
        ("binary.bin", bytes(range(256)) * 20, "looks binary"),
    ],
)
async def test_bad_corpus_notifies(workdir: Path, name, content, expected) -> None:
    if content is not None:
        (workdir / name).write_bytes(content)
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(app, pilot, name)
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=20, what="an error notification")
        assert any(expected in m for m in notifications(app, "error")), notifications(app)
        assert app.corpus is None
        assert app.is_running
        await load(app, pilot, "tiny.txt")  # the app still works afterwards
        await wait_for(pilot, lambda: app.corpus is not None, timeout=20, what="the corpus")


async def test_short_corpus_warns(workdir: Path) -> None:
    (workdir / "short.txt").write_text("just a few words\n")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(app, pilot, "short.txt")
        await wait_for(pilot, lambda: notifications(app, "warning"), timeout=20, what="a warning")
        assert "training needs a longer text" in notifications(app, "warning")[0]


async def test_training_without_corpus_and_bad_settings(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_into(pilot, "#field-dropout", "2")
        await pilot.pause()
        assert "dropout must be a number from 0 to 0.9" in str(app.query_one("#form-error").render())
        await pilot.press("f5")
        await pilot.pause()
        assert any("dropout" in m for m in notifications(app, "error"))
        await type_into(pilot, "#field-dropout", "0")
        await pilot.press("f5")
        await pilot.pause()
        assert any("Load a corpus first" in m for m in notifications(app, "error"))
        assert not app.training and app.is_running


@pytest.mark.parametrize(
    ("temps", "expected"),
    [("0.2, -1", "temperature -1 is negative"), ("hot", "is not a number"), ("", "at least one")],
)
async def test_bad_temperature_notifies(workdir: Path, temps, expected) -> None:
    fake_bundle(workdir / "models" / "demo")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_model(app, pilot, "demo")
        await type_into(pilot, "#seed", "the quick")
        await type_into(pilot, "#gen-temps", temps)
        await pilot.press("f5")
        await pilot.pause()
        assert any(expected in m for m in notifications(app, "error")), notifications(app)
        assert app.is_running


async def test_zero_temperature_is_accepted(workdir: Path) -> None:
    from textgen_tui.app.widgets.fields import parse_temperatures

    assert parse_temperatures("0, 0.5") == (0.0, 0.5)


async def test_random_seed_and_history(workdir: Path) -> None:
    fake_bundle(workdir / "models" / "demo")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_model(app, pilot, "demo")
        await pilot.press("ctrl+r")  # the seeds are read in a worker (no disk read on the UI thread)
        await wait_for(pilot, lambda: app.generate_pane.seed_text, timeout=10, what="a seed")
        assert app.generate_pane.seed_text in ("the quick brown fox ", "a stitch in time ")
        pane = app.generate_pane
        pane.remember("first seed")
        pane.remember("second seed")
        await pilot.pause()
        history = app.query_one("#seed-history")
        history.focus()
        history.highlighted = 1
        await pilot.press("enter")
        assert app.generate_pane.seed_text == "first seed"


async def test_models_pane_lists_trashes_and_restores(workdir: Path) -> None:
    fake_bundle(workdir / "models" / "alpha")
    fake_bundle(workdir / "models" / "beta")
    broken = workdir / "models" / "broken"
    broken.mkdir()
    (broken / "state.json").write_text("{not json")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        table = app.query_one("#models-table")
        root = bundled_models_dir()  # the bundled models (the model and the bases) are listed last
        shipped = len([p for p in root.iterdir() if (p / "state.json").is_file()]) if root else 0
        assert table.row_count == 3 + shipped
        assert "broken" in str(table.get_row_at(2)[1])
        await wait_for(pilot, lambda: app.focused is table, what="the table's focus")
        await pilot.press("down", "down")
        note = app.query_one("#models-note")
        await wait_for(pilot, lambda: "state.json is corrupt" in str(note.render()), timeout=5, what="note")

        # a folder without the model marker is never deleted (bug 8)
        await pilot.press("d")
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=5, what="the refusal")
        assert "not a textgen-tui model folder" in notifications(app, "error")[-1]
        assert (broken / "state.json").exists()

        # a model goes to the trash, and comes back
        await pilot.press("up")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: not (workdir / "models" / "beta").exists(), timeout=10, what="trash")
        assert (workdir / "models" / ".trash" / "beta" / "state.json").exists()
        assert table.row_count == 2 + shipped
        await pilot.press("x")  # the trash
        await wait_for(pilot, lambda: table.row_count == 1, timeout=5, what="the trash view")
        assert "beta" in str(table.get_row_at(0)[0])
        await pilot.press("u")
        await wait_for(pilot, lambda: (workdir / "models" / "beta").exists(), timeout=10, what="restore")
        await pilot.press("x")
        await wait_for(pilot, lambda: table.row_count == 3 + shipped, timeout=5, what="the models view")

        # open for resume: switches to Train with the folder as output
        table.move_cursor(row=0)
        await pilot.press("t")
        await pilot.pause()
        assert app.train_pane.out_dir == "models/alpha"
        assert app.query_one("TabbedContent").active == "train"


async def test_a_models_root_full_of_junk_opens(workdir: Path) -> None:
    """Bug 9: one wrong-typed value closed the app at launch; junk of every kind must not."""
    models = workdir / "models"
    good = fake_bundle(models / "good")
    bad = fake_bundle(models / "typed")
    state = json.loads((bad / "state.json").read_text())
    state["best_value"] = "x"
    (bad / "state.json").write_text(json.dumps(state))
    (models / "notes").mkdir()
    (models / "notes" / "config.json").write_text('{"editor": "vim"}')
    (models / "notes" / "notes.txt").write_text("mine")
    (models / "file.txt").write_text("not a folder")
    (models / "empty").mkdir()
    (models / "garbage").mkdir()
    (models / "garbage" / "state.json").write_bytes(b"\xff\xfe\x00garbage")
    (models / "dangling").symlink_to(workdir / "nowhere")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        table = app.query_one("#models-table")
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "good" in names and "typed" in names and "notes" not in names
        row = names.index("typed")
        assert "broken" in str(table.get_row_at(row)[1])
        table.move_cursor(row=row)
        await pilot.pause()
        assert "best_value" in str(app.query_one("#models-note").render())
        assert app.is_running and good.exists()
