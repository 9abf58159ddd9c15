"""The bridge between the training thread and the UI: core events → throttled Textual messages.

`TrainingRelay` is a Trainer listener. It runs in the training thread and only calls `post`
(the app's thread-safe `post_message`):

- BatchProgress: at most one every `batch_interval` seconds; the ones in between are dropped
  (only the latest matters), but the first and the last batch of an epoch always go through.
- SampleStep: pieces are buffered and sent as one SampleChunk every `sample_interval` seconds,
  and before any other event, so the order of the stream is kept.
- Every other event is delivered as it comes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from textgen_tui.core import events as ev


@dataclass
class TrainingEvent(Message):
    """A core training event (everything except the throttled batch progress and sample steps)."""

    event: ev.TrainingEvent


@dataclass
class BatchProgress(Message):
    """The latest batch progress (intermediate ones are coalesced by the relay)."""

    event: ev.BatchProgress

    def can_replace(self, message: Message) -> bool:
        """A newer progress replaces one still waiting in the queue (only the latest is shown)."""
        return isinstance(message, BatchProgress)


@dataclass
class SampleChunk(Message):
    """Several sample steps of one epoch, joined: one text piece per temperature."""

    epoch: int
    pieces: tuple[str, ...]


class TrainingRelay:
    def __init__(
        self,
        post: Callable[[Message], object],
        *,
        batch_interval: float = 0.22,
        sample_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.post = post
        self.batch_interval = batch_interval
        self.sample_interval = sample_interval
        self.clock = clock
        self._last_batch = -1e9
        self._last_sample = -1e9
        self._sample_epoch = 0
        self._buffer: list[list[str]] = []

    def __call__(self, event: ev.TrainingEvent) -> None:
        now = self.clock()
        if isinstance(event, ev.BatchProgress):
            edge = event.batch <= 1 or event.batch >= event.batches
            if edge or now - self._last_batch >= self.batch_interval:
                self._last_batch = now
                self.post(BatchProgress(event))
            return
        if isinstance(event, ev.SampleStep):
            if not self._buffer or self._sample_epoch != event.epoch:
                self.flush()
                self._sample_epoch = event.epoch
                self._buffer = [[] for _ in event.pieces]
            for acc, piece in zip(self._buffer, event.pieces):
                acc.append(piece)
            if now - self._last_sample >= self.sample_interval:
                self.flush()
            return
        self.flush()
        if isinstance(event, ev.SampleStarted):
            self._last_sample = now  # the first chunk comes after one interval
        self.post(TrainingEvent(event))

    def flush(self) -> None:
        """Send the buffered sample pieces, if any."""
        if self._buffer and self._buffer[0]:
            self.post(SampleChunk(self._sample_epoch, tuple("".join(p) for p in self._buffer)))
            self._buffer = [[] for _ in self._buffer]
            self._last_sample = self.clock()


class ChunkBuffer:
    """Collects generated tokens (one per temperature) and says when a chunk is due."""

    def __init__(self, streams: int, interval: float = 0.05, clock: Callable[[], float] = time.monotonic):
        self.parts: list[list[str]] = [[] for _ in range(streams)]
        self.interval = interval
        self.clock = clock
        self.last = clock()

    def add(self, pieces) -> bool:
        for acc, p in zip(self.parts, pieces):
            acc.append(p)
        return self.clock() - self.last >= self.interval

    def take(self) -> tuple[str, ...] | None:
        if not self.parts or not self.parts[0]:
            return None
        out = tuple("".join(p) for p in self.parts)
        self.parts = [[] for _ in self.parts]
        self.last = self.clock()
        return out
