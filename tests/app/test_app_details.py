"""Issue 11 (part): a model's details (history chart, settings, corpus, samples epoch by epoch)
and two models compared on one chart, from the Models pane."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from app_helpers import fake_bundle, settle, wait_for

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.details import CompareModels, ModelDetails
from textgen_tui.app.widgets.loss_chart import LossChart
from textgen_tui.core.config import preset


def with_history(folder: Path, losses: list[float], vals: list[float]) -> Path:
    """A fake model folder with a real history and a sample per epoch."""
    fake_bundle(folder, epochs=len(losses), best=min(vals))
    epochs = list(range(1, len(losses) + 1))
    history = {
        "epoch": epochs,
        "loss": losses,
        "val_loss": vals,
        "lr": [0.006] * len(epochs),
        "seconds": [1.0] * len(epochs),
    }
    (folder / "history.json").write_text(json.dumps(history))
    samples = [
        {"epoch": e, "seed": "the quick ", "temperatures": [0.2, 1.0], "texts": [f"cold {e}", f"hot {e}"]}
        for e in epochs
    ]
    (folder / "samples.json").write_text(json.dumps(samples))
    state = json.loads((folder / "state.json").read_text())
    state["best_epoch"] = 1 + vals.index(min(vals))
    (folder / "state.json").write_text(json.dumps(state))
    return folder


@pytest.fixture
def two_models(workdir: Path, monkeypatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    with_history(workdir / "models" / "alpha", [2.9, 2.1, 1.8], [2.5, 2.0, 1.9])
    with_history(workdir / "models" / "beta", [2.7, 1.9, 1.6, 1.5], [2.3, 1.8, 1.7, 1.75])
    yield workdir
    monkeypatch.delenv("TZ")
    time.tzset()


async def row(app, pilot, name: str) -> None:
    table = app.query_one("#models-table")
    await wait_for(
        pilot, lambda: table.row_count >= 2 and app.focused is table, timeout=20, what="the models"
    )
    index = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]).endswith(name))
    await pilot.press("home", *["down"] * index)


async def test_details_show_history_settings_and_samples_epoch_by_epoch(two_models: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)  # the first screen settles (its first focus) before keys
        await pilot.press("f4")
        await row(app, pilot, "alpha")
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelDetails), timeout=10, what="the details")
        screen = app.screen
        facts = str(screen.query_one("#details-facts").render())
        assert (
            "tiny.txt" in facts and "epochs      3" in facts and f"GRU({preset('fast').model.units})" in facts
        )
        assert f"{preset('fast').model.recurrent_dropout:g} on the recurrent state" in facts
        chart = screen.query_one(LossChart)
        assert chart.epochs == [1, 2, 3] and chart.val_loss == [2.5, 2.0, 1.9]
        assert chart.best_point() == (3, 1.9)
        assert screen.sample_epoch == 3  # the latest samples first
        assert "hot 3" in str(screen.query_one("#details-sample").render())
        await pilot.press("left", "left")
        await settle(pilot)
        assert screen.sample_epoch == 1
        assert "cold 1" in str(screen.query_one("#details-sample").render())
        await pilot.press("left")  # no earlier epoch: stays
        assert screen.sample_epoch == 1
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ModelDetails)


async def test_at_80_by_24_the_facts_scroll_to_their_last_line(two_models: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await row(app, pilot, "alpha")
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelDetails), timeout=10, what="the details")
        box = app.screen.query_one("#details-facts-box")
        await settle(pilot)
        assert box.max_scroll_y > 0  # more lines than rows: they were cut off before
        await pilot.click("#details-facts-box")
        await pilot.press("end")
        await settle(pilot)
        assert box.scroll_y == box.max_scroll_y
        lines = str(app.screen.query_one("#details-facts").render()).rstrip().splitlines()
        assert lines[-1].startswith("batch")
        row_of_last = 1 + len(lines) - 1  # below the facts' one-row top padding
        assert box.scroll_y <= row_of_last < box.scroll_y + box.size.height  # on screen now


async def test_two_marked_models_are_compared_on_one_chart(two_models: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)  # the first screen settles (its first focus) before keys
        await pilot.press("f4")
        await row(app, pilot, "alpha")
        await pilot.press("c")  # nothing marked yet: a hint, no screen
        await settle(pilot)
        assert not isinstance(app.screen, CompareModels)
        await pilot.press("space")
        await row(app, pilot, "beta")
        await pilot.press("space")
        await settle(pilot)
        assert [p.name for p in app.models_pane.marked] == ["alpha", "beta"]
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, CompareModels), timeout=10, what="the comparison"
        )
        title = str(app.screen.query_one("#details-title").render())
        assert "alpha" in title and "beta" in title
        legend = str(app.screen.query_one("#compare-legend").render())
        assert "best 1.9000" in legend and "best 1.7000" in legend


def test_details_snapshot(two_models, snap_compare) -> None:
    async def before(pilot) -> None:
        app = pilot.app
        app.animation_level = "none"
        await settle(pilot)  # the first screen settles (its first focus) before keys
        await pilot.press("f4")
        await row(app, pilot, "beta")
        await pilot.press("i")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ModelDetails),
            timeout=10,
            what="the details",
        )
        await pilot.pause(0.5)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=(100, 32), run_before=before)


async def test_at_80_by_24_both_charts_have_rows_and_ordered_labels(two_models: Path) -> None:
    """Bug 7: at 80×24 Details' loss chart got no plot rows (the learning-rate chart took them) and
    Compare's y labels were out of order (2.3, 2.6, 2.4, 1.2, 1.6 from the top)."""
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        # the models home is read in a worker: its listing (and the first focus) come before keys
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models home")
        await pilot.press("f4")
        await row(app, pilot, "alpha")
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelDetails), timeout=10, what="details")
        await settle(pilot)
        plot = app.screen.query_one("#loss-plot")
        assert plot.size.height >= 6, plot.size
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModelDetails), timeout=10, what="back")
        await row(app, pilot, "alpha")
        await pilot.press("space")
        await row(app, pilot, "beta")
        await pilot.press("space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareModels), timeout=10, what="compare")
        await settle(pilot)
        compare = app.screen.query_one("#compare-plot")
        await wait_for(pilot, lambda: compare._y_ticks, timeout=5, what="the ticks")
        ticks = list(compare._y_ticks)
        assert len(ticks) >= 2 and ticks == sorted(ticks)
