"""The Train pane's loss chart, driven with keys over real (tiny) training: two epochs charted with
their loss, validation loss and best epoch; resumed (F7), the folder's history is shown first."""

from __future__ import annotations

from pathlib import Path

from app_helpers import TINY_SETTINGS, EventLog, load_tiny_corpus, type_into, wait_for
from textual.widgets import Static

from textgen_tui.app.app import create_app
from textgen_tui.core import events as ev
from textgen_tui.core.store.folder import read_info


async def test_chart_shows_epochs_best_and_resumed_history(workdir: Path) -> None:
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await load_tiny_corpus(app, pilot)
        await pilot.press("f2")
        await pilot.click("#preset")  # the book preset: no early stopping, both epochs run
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.train_pane.preset_name == "book", what="the preset")
        for name, value in {**TINY_SETTINGS, "epochs": "2"}.items():
            await type_into(pilot, f"#field-{name}", value)
        log = EventLog(app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: log.has(ev.Started), what="training to start")
        chart = app.train_pane.live.chart
        await wait_for(pilot, lambda: log.has(ev.Finished) and not app.training, what="two epochs")
        await wait_for(pilot, lambda: chart.batch_x, what="batch losses on the chart")

        out = workdir / "models" / "tiny"
        info = read_info(out)
        assert info.epochs_done == 2
        assert chart.epochs == [1, 2]
        assert chart.loss == info.history["loss"]
        assert chart.val_loss == info.history["val_loss"] and None not in chart.val_loss
        assert chart.best_epoch == info.best_epoch
        assert chart.batch_x and max(chart.batch_x) <= 2.0
        await pilot.pause(0.4)  # the throttled redraw
        legend = str(app.query_one("#chart-legend", Static).render())
        assert f"best: epoch {info.best_epoch}" in legend
        drawn = chart.redraws

        # F7 continues the folder (for many epochs, stopped after the third): the chart shows the
        # folder's two epochs from the start, before the resumed run's first event
        at_start: list[tuple[list[int], int | None]] = []

        def record(e: ev.TrainingEvent) -> None:  # the training thread, as the resumed run starts
            if isinstance(e, ev.Started):
                at_start.append((list(chart.epochs), chart.best_epoch))

        app.session.add_listener(record)
        assert app.train_pane.out_dir == "models/tiny"
        await type_into(pilot, "#field-epochs", "50")
        await pilot.press("f7")
        await wait_for(pilot, lambda: log.number(ev.Started) == 2, what="the resumed run")
        assert chart.epochs[:2] == [1, 2]
        assert chart.loss[:2] == info.history["loss"]
        await wait_for(pilot, lambda: len(chart.epochs) >= 3, what="the third epoch")
        await pilot.press("f6")
        await wait_for(
            pilot, lambda: log.number(ev.Finished) == 2 and not app.training, what="the resumed run to stop"
        )
        assert at_start == [([1, 2], info.best_epoch)]
        assert chart.epochs[:3] == [1, 2, 3]
        assert min(chart.batch_x) > 2.0  # the new run's batches come after the history
        assert chart.loss == read_info(out).history["loss"]
        assert chart.redraws > drawn
