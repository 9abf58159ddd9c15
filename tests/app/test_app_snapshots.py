"""SVG snapshots of each pane at 80×24, in a fixed state (relative paths, fixed dates, UTC)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from app_helpers import fake_bundle, type_into, wait_for
from textual.widgets import Input, TextArea

from textgen_tui.app.app import create_app
from textgen_tui.app.panes.generate import GenerateRequest
from textgen_tui.core import events as ev

SIZE = (80, 24)


@pytest.fixture
def stable(workdir: Path, monkeypatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    fake_bundle(workdir / "models" / "alpha", updated=1_700_000_000.0, epochs=3, best=1.2345)
    fake_bundle(workdir / "models" / "beta", updated=1_700_100_000.0, epochs=12, best=0.9876)
    broken = workdir / "models" / "broken"
    broken.mkdir()
    (broken / "state.json").write_text("{not json")
    yield workdir
    monkeypatch.delenv("TZ")
    time.tzset()


async def prepare(pilot) -> None:
    """Let the app settle; no blinking cursors, no animations: the screen must not depend on timing
    (the models home is read in a worker: its list, not "Reading…", is on every screen)."""
    await pilot.pause()
    app = pilot.app
    await wait_for(pilot, lambda: not app.models_pane.reading, what="the models home")
    app.animation_level = "none"
    for field in app.query(Input):
        field.cursor_blink = False
    for area in app.query(TextArea):  # the seed: a blinking cursor made CI's snapshot differ
        area.cursor_blink = False
    await pilot.pause()


async def load_tiny(pilot) -> None:
    app = pilot.app
    await prepare(pilot)
    await type_into(pilot, "#corpus-path", "tiny.txt")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.corpus is not None, timeout=20, what="the corpus")
    await pilot.pause()


def test_corpus_pane(stable, snap_compare) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=load_tiny)


def test_train_pane(stable, snap_compare) -> None:
    async def before(pilot) -> None:
        await load_tiny(pilot)
        await pilot.press("f2")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "train", timeout=10, what="the Train pane")
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def chart_events(live) -> None:
    """A resumed run, fed to the Train pane's live view: two epochs of history, then three epochs
    of batches (a decaying, wavy loss; a learning rate cut each epoch) with their ends."""
    live.reset("Resuming models/tiny…")
    history = {
        "epoch": [1, 2],
        "loss": [2.9, 2.2],
        "val_loss": [2.6, 2.1],
        "lr": [0.01, 0.01],
        "seconds": [3.0, 3.0],
    }
    live.show_history(history, best_epoch=2)
    live.started(ev.Started("models/tiny", 5, 2, 60, 40, 12345, 5000, 500, "book"))
    for epoch in (3, 4, 5):
        lr = 0.01 * 0.5 ** (epoch - 2)
        for batch in range(1, 61, 2):
            x = epoch - 1 + batch / 60
            loss = 1.2 + 1.5 * math.exp(-x / 2) + 0.08 * math.sin(3 * batch)
            live.show_batch(ev.BatchProgress(epoch, 5, batch, 60, loss, lr, 1000.0, 10.0, 20.0))
        loss = 1.2 + 1.5 * math.exp(-epoch / 2)
        val = loss + 0.04 * (epoch - 3) ** 2 - 0.05
        live.epoch_end(ev.EpochEnd(epoch, 5, loss, val, lr, 3.0, epoch == 4))


@pytest.mark.parametrize("size", [SIZE, (140, 45)], ids=["80x24", "140x45"])
def test_train_chart(stable, snap_compare, size) -> None:
    """The loss chart, with deterministic data (the flow that feeds it is in test_app_chart.py)."""

    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f2")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "train", timeout=10, what="the Train pane")
        chart_events(pilot.app.train_pane.live)
        await pilot.pause(0.5)  # the throttled redraw
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=size, run_before=before)


def test_train_running_80x24(stable, snap_compare) -> None:
    """Issue 22: while a run trains at 80×24 the form folds into one summary line and the
    per-epoch samples are the largest thing on the pane (the chart keeps 5 rows)."""

    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f2")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "train", timeout=10, what="the Train pane")
        pane = pilot.app.train_pane
        pane.set_running(True)
        chart_events(pane.live)
        pane.live.set_summary("book · char · lstm units 128×1 · maxlen 60 · batch 128 · lr 0.01 · 5 epochs")
        pane.live.sample_started(ev.SampleStarted(5, "the quick brown fox ", (0.2, 0.5, 1.0, 1.2)))
        await pilot.pause()
        pane.live.sample_chunk(5, ("jumps over the lazy dog. " * 3,) * 4)
        await pilot.pause(0.5)
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


async def show_generated(pilot, texts: tuple[str, ...]):
    """The Generate pane (F3) showing `texts` at 0.2, 0.5, 1 and 1.2 from the seed "the quick "."""
    await prepare(pilot)
    await pilot.press("f3")
    tabs = pilot.app.query_one("TabbedContent")
    await wait_for(pilot, lambda: tabs.active == "generate", timeout=10, what="the Generate pane")
    pane = pilot.app.generate_pane
    request = GenerateRequest("models/alpha", "the quick ", (0.2, 0.5, 1.0, 1.2), 20)
    pane.begin(request, "alpha: generating with seed")
    pane.add(texts)
    pane.finish(stopped=False)
    return pane


def test_generate_pane(stable, snap_compare) -> None:
    async def before(pilot) -> None:
        pane = await show_generated(
            pilot, ("brown fox jumps", "brown dog sleeps", "bright fix", "brawn of jazz")
        )
        pane.remember("the quick ")
        await pilot.pause()
        await pilot.pause(0.2)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_generate_side_by_side(stable, snap_compare) -> None:
    """At 200 columns the temperatures stream in columns, one per temperature."""

    async def before(pilot) -> None:
        texts = ("brown fox jumps " * 6, "brown dog sleeps " * 5, "bright fix " * 8, "brawn of jazz " * 7)
        pane = await show_generated(pilot, texts)
        await wait_for(pilot, lambda: len(pane.column_texts()) == 4, timeout=10, what="the columns")
        await pilot.pause(0.2)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=(200, 40), run_before=before)


def test_models_pane(stable, snap_compare) -> None:
    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f4")
        await pilot.pause()
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "models", timeout=10, what="the Models pane")
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


WIDE = (200, 50)


def test_corpus_pane_wide(stable, snap_compare) -> None:
    """Issue 32: at 200 columns the side widens (its path is not cut)."""
    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=WIDE, run_before=load_tiny)


def test_train_pane_wide(stable, snap_compare) -> None:
    """Issue 32: at 200 columns the form widens and the samples stand side by side, their border
    naming the epoch and temperatures of its top row."""

    async def before(pilot) -> None:
        await load_tiny(pilot)
        await pilot.press("f2")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "train", timeout=10, what="the Train pane")
        live = pilot.app.train_pane.live
        chart_events(live)
        for epoch in (4, 5):
            live.sample_started(ev.SampleStarted(epoch, "the quick brown fox ", (0.2, 0.5, 1.0, 1.2)))
            live.sample_chunk(
                epoch, tuple(f"jumps over the lazy dog at {t}. " * 6 for t in (0.2, 0.5, 1, 1.2))
            )
        samples = pilot.app.query_one("#samples")
        await wait_for(pilot, lambda: samples.max_scroll_y > 0, timeout=10, what="the samples")
        await pilot.pause(0.5)  # the throttled redraw
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=WIDE, run_before=before)


def test_models_pane_wide(stable, snap_compare) -> None:
    """Issue 32: at 200 columns a broken folder's row says why."""

    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f4")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "models", timeout=10, what="the Models pane")
        await pilot.pause()

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=WIDE, run_before=before)
