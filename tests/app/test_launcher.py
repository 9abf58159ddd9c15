"""The launcher (cli/launcher.py): what outlives the app's screen."""

from __future__ import annotations

import io

from rich.console import Console

from textgen_tui.cli import launcher
from textgen_tui.core import events as ev

STARTED = ev.Started(
    out_dir="models/tiny",
    epochs=100_007,  # a budget run's epoch "total" is only a ceiling
    initial_epoch=0,
    batches_per_epoch=50,
    vocab_size=30,
    params=1234,
    train_tokens=5000,
    val_tokens=500,
    preset="fast",
    budget_seconds=120.0,
)
EPOCH = ev.EpochEnd(
    epoch=10, epochs=100_007, loss=1.5, val_loss=1.6, learning_rate=0.01, seconds=6.0, best=False
)


class FakeSession:
    out_dir = "models/tiny"

    def __init__(self) -> None:
        self.listeners: list = []

    def add_listener(self, listener) -> None:
        self.listeners.append(listener)


def test_keep_training_in_the_terminal_knows_the_budget(monkeypatch) -> None:
    """Bug 6: "Keep training" printed `epoch 10/100007` for a budget run: the terminal's listener
    joined after `Started`. The launcher keeps the latest Started and gives it to that listener."""
    out = io.StringIO()
    from textgen_tui.cli import commands, render

    real = render.RichListener
    monkeypatch.setattr(
        render, "RichListener", lambda: real(console=Console(file=out, width=200, highlight=False))
    )

    def follow(session, listener):  # the run goes on: one more epoch reaches the new listener
        for each in session.listeners:
            each(EPOCH)
        return 0

    monkeypatch.setattr(commands, "follow", follow)
    latest = launcher.LatestStart()
    session = FakeSession()
    latest(STARTED)  # the app's session saw the start while the screen was up
    launcher._follow_in_terminal(session, latest.event)
    text = out.getvalue()
    assert "epoch 10:" in text and "100007" not in text and "100,007" not in text
    assert "for 2:00" in text or "validated about every" in text


def test_changed_for_this_run_says_each_reason_once() -> None:
    from textgen_tui.app.widgets.train_live import grouped_changes

    why = "a 2-minute budget: a smaller network"
    text = grouped_changes([f"units: 384 → 192 ({why})", f"batch_size: 128 → 64 ({why})", "carry: 0 → 1 (x)"])
    assert text.count(why) == 1
    assert text.startswith("units: 384 → 192, batch_size: 128 → 64 (")


async def test_later_launches_open_where_the_user_left(workdir, monkeypatch) -> None:
    """The welcome demo greeted every launch: the app remembers it was shown and the pane the
    user left (in the app's state file, app/memory.py; tests use a temporary one)."""
    from textgen_tui.app import memory
    from textgen_tui.app.app import create_app

    assert str(memory.state_file()).startswith(str(workdir))  # the test's own folder, never the user's
    assert memory.load() == (memory.Remembered(), None)
    memory.save(memory.Remembered(welcomed=True, pane="models"))
    app = create_app(models_dir="models", preload_tensorflow=False, demo=True, remember=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "models"
        assert not any(n.title == "Welcome" for n in app._notifications)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("ctrl+q")
    assert app.last_pane == "train"
    assert memory.load()[0].pane == "train"
