"""The training relay's throttling, with a fake clock."""

from __future__ import annotations

from textgen_tui.app import relay as msg
from textgen_tui.app.relay import ChunkBuffer, TrainingRelay
from textgen_tui.core import events as ev


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def batch(i: int, n: int = 100) -> ev.BatchProgress:
    return ev.BatchProgress(1, 2, i, n, 1.0, 0.01, 1000.0, 1.0, 1.0)


def test_batch_progress_is_coalesced_but_edges_pass() -> None:
    posted, clock = [], Clock()
    relay = TrainingRelay(posted.append, batch_interval=0.2, clock=clock)
    for i in range(1, 101):  # 100 batches over 1 second
        clock.now = i * 0.01
        relay(batch(i))
    batches = [m.event.batch for m in posted if isinstance(m, msg.BatchProgress)]
    assert batches[0] == 1 and batches[-1] == 100
    assert len(batches) <= 7  # about 5 per second, plus the edges


def test_sample_steps_are_buffered_in_order() -> None:
    posted, clock = [], Clock()
    relay = TrainingRelay(posted.append, sample_interval=0.1, clock=clock)
    relay(ev.SampleStarted(1, "seed", (0.2, 1.0)))
    for i in range(50):
        clock.now = i * 0.01
        relay(ev.SampleStep(1, ("a", "b")))
    relay(ev.SampleFinished(1, "seed", ("a" * 50, "b" * 50), (0.2, 1.0)))
    chunks = [m for m in posted if isinstance(m, msg.SampleChunk)]
    assert 3 <= len(chunks) <= 7
    assert "".join(c.pieces[0] for c in chunks) == "a" * 50
    assert "".join(c.pieces[1] for c in chunks) == "b" * 50
    assert isinstance(posted[0], msg.TrainingEvent) and isinstance(posted[-1], msg.TrainingEvent)
    assert isinstance(posted[-1].event, ev.SampleFinished)


def test_other_events_are_delivered() -> None:
    posted = []
    relay = TrainingRelay(posted.append)
    relay(ev.EpochEnd(1, 2, 1.0, 1.1, 0.01, 3.0, True))
    relay(ev.Failed("boom", None))
    assert [type(m.event).__name__ for m in posted] == ["EpochEnd", "Failed"]


def test_chunk_buffer() -> None:
    clock = Clock()
    buf = ChunkBuffer(2, interval=0.05, clock=clock)
    assert buf.take() is None
    assert not buf.add(["x", "y"])
    clock.now = 0.06
    assert buf.add(["z", "w"])
    assert buf.take() == ("xz", "yw")
    assert buf.take() is None
