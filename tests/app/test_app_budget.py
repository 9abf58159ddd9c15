"""The Train pane's time budget, with keys: the fast preset trains for minutes by default (epochs
greyed); a short budget typed in runs to its end with the bar over the budget; clearing it
trains for epochs again."""

from __future__ import annotations

from pathlib import Path

from app_helpers import EventLog, load_tiny_corpus, notifications, type_into, wait_for
from textual.widgets import Input, ProgressBar, Static

from textgen_tui.app.app import create_app
from textgen_tui.core import events as ev
from textgen_tui.core.store.folder import read_info

SMALL = {"seq_len": "20", "units": "24", "batch_size": "32", "length": "20"}


async def test_a_budget_typed_in_the_form_trains_for_that_long(workdir: Path, monkeypatch) -> None:
    # Early stopping waits for the whole budget here: on the tiny text the validation can stall
    # for the preset's patience after half of the budget (a fresh-clone run stopped early so).
    monkeypatch.setattr("textgen_tui.core.train.plan.PATIENT_UNTIL", 1.0)
    app = create_app(models_dir="models")
    app.NOTIFICATION_TIMEOUT = 120  # toasts stay: on a loaded machine the checks come late
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot)
        await pilot.press("f2")
        minutes = app.query_one("#field-minutes", Input)
        epochs = app.query_one("#field-epochs", Input)
        assert minutes.value == "10" and epochs.disabled  # the default: ten minutes

        # 15 s: the first period (which also compiles the step, slow on a cold start) is saved
        # whatever the budget, and each later one is planned to fit what is left
        for name, value in {**SMALL, "minutes": "0.25"}.items():
            await type_into(pilot, f"#field-{name}", value)
        log = EventLog(app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: log.has(ev.BatchProgress), what="the first batches")
        await pilot.pause(0.3)
        status = str(app.query_one("#train-status", Static).render())
        assert "of 0:15" in status, status
        assert app.query_one("#epoch-progress", ProgressBar).total == 15.0
        await wait_for(pilot, lambda: log.has(ev.Finished) and not app.training, what="the budget's end")
        stops = [e for e in log if isinstance(e, ev.Stopped)]
        assert [s.reason for s in stops] == ["budget"]
        # The log hears the trainer directly; the pane's toast comes with the UI's messages, a
        # moment later on a loaded machine (CI once checked in between).
        await wait_for(
            pilot, lambda: any("budget is spent" in m for m in notifications(app)), what="the budget's toast"
        )
        info = read_info(workdir / "models" / "tiny")
        assert info.config.train.minutes == 0.25 and info.epochs_done >= 1

        # cleared, the epochs field is used again
        await type_into(pilot, "#field-minutes", "")
        assert not epochs.disabled
        await type_into(pilot, "#field-epochs", "1")
        await type_into(pilot, "#out-dir", "models/by-epochs")
        await pilot.press("f5")
        await wait_for(pilot, lambda: log.number(ev.Finished) == 2 and not app.training, what="one epoch")
        started = [e for e in log if isinstance(e, ev.Started)][-1]
        assert started.budget_seconds is None and started.epochs == 1
        assert read_info(workdir / "models" / "by-epochs").epochs_done == 1
