"""Flows over the training session, driven with keys: stop → resume, live generation, a stall,
quitting while training. Real (tiny) training."""

from __future__ import annotations

import threading
from pathlib import Path

from app_helpers import EventLog, load_tiny_corpus, notifications, settle, type_into, wait_for
from textual.widgets import Button, Label, Static

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.dialogs import QuitDialog
from textgen_tui.core import events as ev
from textgen_tui.core.config import make_config
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.train.session import TrainingSession

TINY_FORM = {
    "maxlen": "20",
    "seq_len": "20",
    "units": "24",
    "batch_size": "32",
    "minutes": "",  # epochs, not the fast preset's time budget
    "epochs": "5000",  # the run lasts until it is stopped
    "length": "30",
}


async def load_and_fill(app, pilot, preset: str = "book") -> None:
    """The book preset: no early stopping, so the run lasts until it is stopped."""
    await load_tiny_corpus(app, pilot)
    await pilot.press("f2")
    if preset == "book":
        await pilot.click("#preset")
        await pilot.press("down", "enter")  # the click opened the list
        await wait_for(pilot, lambda: app.train_pane.preset_name == "book", what="the preset")
    for name, value in TINY_FORM.items():
        await type_into(pilot, f"#field-{name}", value)
    await pilot.pause()


def status(app) -> str:
    return str(app.query_one("#train-status", Static).render())


async def test_stop_resume_live_generation_and_quit(workdir: Path) -> None:
    seen: list = []
    app = create_app(models_dir="models")
    app.session.add_listener(seen.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await load_and_fill(app, pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.training, what="training to start")
        out = workdir / "models" / "tiny"
        assert app.session.out_dir == Path("models/tiny")

        # generate from the live weights of the model being trained (no Keras beside training)
        await wait_for(pilot, lambda: any(isinstance(e, ev.Snapshot) for e in seen), what="an epoch")
        await pilot.press("f4")
        await wait_for(
            pilot, lambda: "tiny" in str(app.query_one("#models-table").get_row_at(0)[0]), what="row"
        )
        await pilot.press("g")
        await wait_for(pilot, lambda: app.generate_pane.model == "models/tiny", what="the model chosen")
        await type_into(pilot, "#seed", "The Quick")
        await pilot.press("ctrl+enter")  # the seed is a text area: Enter is a new line
        pane = app.generate_pane
        await wait_for(pilot, lambda: pane.texts and len(pane.texts[0]) >= 100, what="generation")
        output = app.query_one("#gen-output", Static).render().plain
        assert "being trained (epoch" in output
        assert "the quick" in output  # Bug 5: lowercased for this lowercase model, nothing lost
        assert not any("unknown" in m for m in notifications(app))

        # Bug 1: F6 then F7 continues the same folder at the next epoch
        await pilot.press("f2")
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.training, what="training to stop")
        done = read_info(out).epochs_done
        assert app.train_pane.out_dir == "models/tiny"
        assert not app.query_one("#start", Button).disabled
        seen.clear()
        await pilot.press("f7")
        await wait_for(
            pilot, lambda: any(isinstance(e, ev.BatchProgress) for e in seen), what="resumed batches"
        )
        started = next(e for e in seen if isinstance(e, ev.Started))
        assert started.initial_epoch == done and started.out_dir == "models/tiny"
        first = next(e for e in seen if isinstance(e, ev.BatchProgress))
        assert first.epoch == done + 1 and "Epoch" in status(app)

        # Quit while training: the dialog; Enter = stop and quit; nothing trains on afterwards
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="the quit dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, timeout=60, what="the app to quit")
    assert app.session.wait(10), "the training thread outlived the app"
    assert not app.session.active
    assert read_info(out).epochs_done >= done + 1
    assert not [t for t in threading.enumerate() if t.name.startswith("textgen-train")]


async def test_the_default_run_is_the_clis_fast_preset(workdir: Path) -> None:
    """Bug 4: the app kept case on `fast` (the Corpus pane's lowercase was off by default) while
    `train --preset fast` lowercases; both now build their Config with make_config."""
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot)
        await pilot.press("f2", "f5")
        await wait_for(pilot, lambda: app.training, what="training to start")
        assert app.session.config == make_config("fast", {})
        assert app.session.config.data.lowercase
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.training, what="training to stop")


async def test_a_stall_is_reported(workdir: Path) -> None:
    release = threading.Event()

    def blocking(e):  # the training thread waits here, like a lost wake-up in a train step
        if isinstance(e, ev.BatchProgress) and e.batch >= 2 and not release.is_set():
            release.wait(30)

    session = TrainingSession([blocking], stall_after=1.0, stall_factor=0, poll=0.1)
    app = create_app(models_dir="models", session=session)
    async with app.run_test(size=(120, 40)) as pilot:
        await load_and_fill(app, pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "seems stalled" in status(app), what="the stall report")
        await wait_for(  # the status line and the notification are drawn by separate messages
            pilot,
            lambda: any("seems stalled" in m for m in notifications(app, "warning")),
            what="the warning",
        )
        assert app.session.status == "stalled"
        release.set()
        await wait_for(pilot, lambda: app.session.status != "stalled", what="progress again")
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.training, what="training to stop")


async def test_refused_starts_leave_the_pane_ready(workdir: Path) -> None:
    (workdir / "mine").mkdir()
    (workdir / "mine" / "notes.txt").write_text("my notes")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await type_into(pilot, "#corpus-path", "tiny.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, what="the corpus")
        await pilot.press("f2")
        await type_into(pilot, "#out-dir", "mine")
        await pilot.press("f5")
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=10, what="the refusal")
        assert "not empty and is not a model folder" in notifications(app, "error")[-1]
        await type_into(pilot, "#out-dir", "models/nothing-here")
        await pilot.press("f7")
        await wait_for(pilot, lambda: len(notifications(app, "error")) == 2, timeout=10, what="refusal 2")
        assert "does not exist" in notifications(app, "error")[-1]
        assert not app.training and not app.query_one("#start", Button).disabled
        assert (workdir / "mine" / "notes.txt").read_text() == "my notes"


async def test_the_devices_field_is_checked_as_typed_and_at_start(workdir: Path) -> None:
    """Issue 9: the Train pane's devices field. Not a count: named under the form at once; more
    than one device on TensorFlow: a notification at Start, nothing created, the pane ready."""
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot)
        await wait_for(pilot, lambda: "tensorflow" in str(app.sub_title), what="the backend in the header")
        assert "CPU" in str(app.sub_title)
        await pilot.press("f2")
        await type_into(pilot, "#out-dir", "models/two-devices")
        await type_into(pilot, "#devices", "two")
        await settle(pilot)
        assert "takes 'all' or a number" in str(app.query_one("#form-error", Label).render())
        await type_into(pilot, "#devices", "2")
        await settle(pilot)
        assert str(app.query_one("#form-error", Label).render()) == ""
        await pilot.press("f5")
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=60, what="the refusal")
        assert "needs --backend jax" in notifications(app, "error")[-1]
        await wait_for(pilot, lambda: not app.training, timeout=30, what="the session to end")
        assert not app.query_one("#start", Button).disabled
        assert not (workdir / "models" / "two-devices").exists()


async def test_the_tensorboard_field_writes_logs_of_the_run(workdir: Path) -> None:
    """Issue 11: a TensorBoard log folder typed in the Train pane gets the run's logs."""
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot)
        await pilot.press("f2")
        await type_into(pilot, "#field-minutes", "")
        await type_into(pilot, "#field-epochs", "1")
        await type_into(pilot, "#field-units", "16")
        await type_into(pilot, "#field-length", "10")
        await type_into(pilot, "#tensorboard", "tb")
        log = EventLog(app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: log.has(ev.Started), timeout=60, what="training to start")
        await wait_for(
            pilot, lambda: log.has(ev.Finished) and not app.training, timeout=180, what="training to end"
        )
    logs = list((workdir / "tb" / "textgen").glob("events.out.tfevents.*"))
    assert logs and logs[0].stat().st_size > 0
