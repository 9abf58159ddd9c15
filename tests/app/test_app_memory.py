"""Issue 32: the app remembers across launches (app/memory.py) — the corpus, the Train settings,
Generate's model, seed and temperatures, the Write text and an interrupted run; the file is
versioned and written atomically, and a damaged or old one is ignored with a note."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from app_helpers import (
    TINY_SETTINGS,
    EventLog,
    choose_model,
    fake_bundle,
    notifications,
    type_into,
    wait_for,
)
from textual.widgets import Checkbox, Input, TabbedContent

from textgen_tui.app import memory as mem
from textgen_tui.app.app import create_app
from textgen_tui.core import events as ev


def relaunch(**options):
    """The app as the launcher makes it (remembering), without the welcome demo."""
    return create_app(models_dir="models", preload_tensorflow=False, demo=False, remember=True, **options)


def value(app, selector: str) -> str:
    return app.query_one(selector, Input).value


# -- the file ---------------------------------------------------------------------------------
def test_the_file_is_in_the_state_folder_and_env_var_replaces_it(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(mem.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert mem.state_file() == tmp_path / "xdg" / "textgen-tui" / "app-state.json"  # platformdirs
    monkeypatch.setenv(mem.ENV_VAR, str(tmp_path / "mine"))
    assert mem.state_file() == tmp_path / "mine" / "app-state.json"


def test_what_is_saved_is_what_is_loaded(workdir) -> None:
    assert mem.load() == (mem.Remembered(), None)  # a first launch: nothing, and no note
    m = mem.Remembered(
        welcomed=True,
        pane="write",
        corpus=mem.CorpusPart("/texts/a.txt", "word", True),
        train=mem.TrainPart("book", "window", "gru", {"units": "32", "epochs": "x"}, "/m/out", "2", ""),
        generate=mem.GeneratePart("/m/alpha", "a seed\non two lines ☃", "0.3, 1"),
        write=mem.WritePart("some text"),
        run=mem.RunPart("/m/out", "stopped"),
    )
    assert mem.save(m)
    data = json.loads(mem.state_file().read_text(encoding="utf-8"))
    assert data["version"] == mem.VERSION
    assert mem.load() == (m, None)
    assert [p.name for p in mem.state_file().parent.iterdir()] == ["app-state.json"]  # no temporary left


def test_the_write_is_atomic(workdir, monkeypatch) -> None:
    """A write that fails half-way leaves the last whole file, and no temporary."""
    mem.save(mem.Remembered(pane="models"))
    real = os.replace

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    assert not mem.save(mem.Remembered(pane="write"))
    monkeypatch.setattr(os, "replace", real)
    assert mem.load()[0].pane == "models"
    assert [p.name for p in mem.state_file().parent.iterdir()] == ["app-state.json"]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "damaged"),
        (b"\xff\xfe\x00garbage", "could not be read"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"welcomed": True, "pane": "models"}).encode(), "version None"),  # the older file
        (json.dumps({"version": 99}).encode(), "version 99"),
        (json.dumps({"version": 1, "pane": 3}).encode(), "pane is int"),
        (json.dumps({"version": 1, "corpus": {"lowercase": "yes"}}).encode(), "corpus.lowercase is str"),
        (json.dumps({"version": 1, "train": {"fields": {"units": 3}}}).encode(), "train.fields"),
        (json.dumps({"version": 1, "write": []}).encode(), "'write' is not an object"),
    ],
)
def test_a_damaged_or_other_version_file_is_ignored_with_a_note(workdir, content, why) -> None:
    path = mem.state_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    memory, note = mem.load()
    assert memory == mem.Remembered()
    assert note is not None and str(path) in note and why in note, note


def test_a_folder_that_cannot_be_written_is_no_error(workdir, monkeypatch) -> None:
    (workdir / "file").write_text("")
    monkeypatch.setenv(mem.ENV_VAR, str(workdir / "file" / "below"))  # a file where a folder goes
    assert not mem.save(mem.Remembered())


# -- the app ----------------------------------------------------------------------------------
async def test_a_relaunch_picks_up_where_the_user_left(workdir: Path) -> None:
    fake_bundle(workdir / "models" / "alpha")
    fake_bundle(workdir / "models" / "beta")
    app = relaunch()
    async with app.run_test(size=(120, 40)) as pilot:
        # the corpus, with the word tokenizer, not lowercased (the default preset lowercases)
        await pilot.click("#tokenizer")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.corpus_options[0] == "word", timeout=10, what="word")
        await pilot.click("#lowercase")
        await wait_for(pilot, lambda: not app.corpus_options[1], timeout=10, what="not lowercase")
        await type_into(pilot, "#corpus-path", "tiny.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, what="the corpus")
        # Train settings
        await pilot.press("f2")
        await pilot.pause()
        await type_into(pilot, "#field-units", "33")
        await type_into(pilot, "#field-temperatures", "0.4, 0.8")
        await type_into(pilot, "#out-dir", "models/mine")
        # Generate: a model, a seed, temperatures
        await choose_model(app, pilot, "beta")
        await pilot.click("#seed")
        for key in "a seed":
            await pilot.press(key if key != " " else "space")
        await type_into(pilot, "#gen-temps", "0.3, 0.9")
        # Write
        await pilot.press("f8")
        await pilot.pause()
        for key in "my draft":
            await pilot.press(key if key != " " else "space")
        await pilot.press("ctrl+q")
    assert not app.is_running

    again = relaunch()
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: again.corpus is not None, what="the corpus, loaded again")
        assert again.query_one(TabbedContent).active == "write"  # the pane left
        assert value(again, "#corpus-path") == str(workdir / "tiny.txt")
        assert again.corpus_options == ("word", False) and not again.corpus.lowercase
        assert not again.query_one("#lowercase", Checkbox).value
        assert value(again, "#field-units") == "33"
        assert value(again, "#field-temperatures") == "0.4, 0.8"
        assert again.train_pane.out_dir == str(workdir / "models" / "mine")  # not the corpus's fresh one
        await wait_for(
            pilot, lambda: (again.generate_pane.model or "").endswith("beta"), timeout=20, what="the model"
        )
        assert again.generate_pane.seed_text == "a seed"
        assert value(again, "#gen-temps") == "0.3, 0.9"
        assert again.query_one("WritePane").area.text == "my draft"
        assert not any("Remembered" in n.title for n in again._notifications)


async def test_the_write_text_is_saved_as_it_is_typed(workdir: Path) -> None:
    """A crash loses at most the last second's typing: the file follows the text, after a pause."""
    app = relaunch()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        for key in "kept":
            await pilot.press(key)
        await wait_for(
            pilot,
            lambda: mem.state_file().exists() and (mem.load()[0].write or mem.WritePart()).text == "kept",
            timeout=10,
            what="the text in the file",
        )


async def test_a_damaged_state_file_is_ignored_with_a_note(workdir: Path) -> None:
    path = mem.state_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "corpus": {"path": 42}', encoding="utf-8")
    app = relaunch()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: any("damaged" in m for m in notifications(app, "warning")),
            timeout=10,
            what="the note",
        )
        assert str(path) in notifications(app, "warning")[0]
        assert value(app, "#corpus-path") == "" and app.query_one(TabbedContent).active == "corpus"
        await pilot.press("ctrl+q")
    assert mem.load()[1] is None  # the next launch finds a good file again


async def test_an_interrupted_run_is_offered_again(workdir: Path) -> None:
    """F6 after the first epoch, quit, relaunch: the notice names the run and its epoch, and the
    output folder names it (F7 resumes it); once finished it is forgotten."""
    from app_helpers import load_tiny_corpus

    app = create_app(models_dir="models", demo=False, remember=True)
    async with app.run_test(size=(120, 40)) as pilot:
        log = EventLog(app)
        await load_tiny_corpus(app, pilot)
        await pilot.press("f2")
        for name, text in {**TINY_SETTINGS, "epochs": "20"}.items():
            await type_into(pilot, f"#field-{name}", text)
        await pilot.press("f5")
        await wait_for(pilot, lambda: log.has(ev.CheckpointSaved), what="the first epoch saved")
        await pilot.press("f6")
        await wait_for(pilot, lambda: log.has(ev.Finished) and not app.training, what="the stop")
        await pilot.pause()
        await pilot.press("ctrl+q")
    folder = workdir / "models" / "tiny"
    epoch = sum(isinstance(e, ev.EpochEnd) for e in log)
    assert mem.load()[0].run == mem.RunPart(str(folder), "stopped")

    again = relaunch()
    async with again.run_test(size=(120, 40)) as pilot:
        text = f"tiny stopped at epoch {epoch} — F7 resumes it"
        await wait_for(pilot, lambda: any(text in m for m in notifications(again)), timeout=20, what=text)
        assert again.train_pane.out_dir == str(folder)
        await wait_for(
            pilot,
            lambda: "F7 resumes it" in str(again.query_one("#resume-hint").render()),
            timeout=20,
            what="the form in resume mode",
        )
        # the restored corpus's load must not replace the folder with a fresh one
        await wait_for(pilot, lambda: again.corpus is not None, what="the corpus")
        await pilot.pause()
        assert again.train_pane.out_dir == str(folder)
