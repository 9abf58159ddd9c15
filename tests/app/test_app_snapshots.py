"""SVG snapshots of each pane at 80×24, in a fixed state (relative paths, fixed dates, UTC)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_helpers import fake_bundle, type_into, wait_for
from textual.widgets import Input

from textgen_tui.app.app import create_app
from textgen_tui.app.panes.generate import GenerateRequest

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
    """Let the app settle; no blinking cursors, no animations: the screen must not depend on timing."""
    await pilot.pause()
    app = pilot.app
    app.animation_level = "none"
    for field in app.query(Input):
        field.cursor_blink = False
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


def test_generate_pane(stable, snap_compare) -> None:
    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f3")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "generate", timeout=10, what="the Generate pane")
        pane = pilot.app.generate_pane
        request = GenerateRequest("models/alpha", "the quick ", (0.2, 0.5, 1.0, 1.2), 20, 0, 1.0, False)
        pane.remember(request.seed)
        pane.begin(request, "alpha: generating with seed")
        pane.add(("brown fox jumps", "brown dog sleeps", "bright fix", "brawn of jazz"))
        pane.finish(stopped=False)
        await pilot.pause()
        await pilot.pause(0.2)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_generate_side_by_side(stable, snap_compare) -> None:
    """At 200 columns the temperatures stream in columns, one per temperature."""

    async def before(pilot) -> None:
        await prepare(pilot)
        await pilot.press("f3")
        tabs = pilot.app.query_one("TabbedContent")
        await wait_for(pilot, lambda: tabs.active == "generate", timeout=10, what="the Generate pane")
        pane = pilot.app.generate_pane
        request = GenerateRequest("models/alpha", "the quick ", (0.2, 0.5, 1.0, 1.2), 20, 0, 1.0, False)
        pane.begin(request, "alpha: generating with seed")
        pane.add(("brown fox jumps " * 6, "brown dog sleeps " * 5, "bright fix " * 8, "brawn of jazz " * 7))
        pane.finish(stopped=False)
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
