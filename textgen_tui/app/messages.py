"""Textual messages that carry work results from thread workers to the UI thread."""

from __future__ import annotations

from textual.message import Message

from textgen_tui.core import events as ev


class TrainingEvent(Message):
    """A core training event (everything except the throttled batch progress and sample steps)."""

    def __init__(self, event: ev.TrainingEvent) -> None:
        super().__init__()
        self.event = event


class BatchProgress(Message):
    """The latest batch progress (intermediate ones are coalesced by the relay)."""

    def __init__(self, event: ev.BatchProgress) -> None:
        super().__init__()
        self.event = event


class SampleChunk(Message):
    """Several sample steps of one epoch, joined: one text piece per temperature."""

    def __init__(self, epoch: int, pieces: tuple[str, ...]) -> None:
        super().__init__()
        self.epoch = epoch
        self.pieces = pieces


class TensorFlowReady(Message):
    """TensorFlow finished importing in the background (error is a message, or None)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class GenerationChunk(Message):
    """Generated text since the previous chunk, one piece per temperature."""

    def __init__(self, run: int, pieces: tuple[str, ...]) -> None:
        super().__init__()
        self.run = run
        self.pieces = pieces


class GenerationDone(Message):
    def __init__(self, run: int, stopped: bool) -> None:
        super().__init__()
        self.run = run
        self.stopped = stopped


class OpenModel(Message):
    """Ask the app to open a model folder for generation or to resume its training."""

    def __init__(self, path: str, purpose: str) -> None:
        super().__init__()
        self.path = path
        self.purpose = purpose  # "generate" or "resume"
