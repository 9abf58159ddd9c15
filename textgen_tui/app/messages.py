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

    def can_replace(self, message: Message) -> bool:
        """A newer progress replaces one still waiting in the queue (only the latest is shown)."""
        return isinstance(message, BatchProgress)


class SampleChunk(Message):
    """Several sample steps of one epoch, joined: one text piece per temperature."""

    def __init__(self, epoch: int, pieces: tuple[str, ...]) -> None:
        super().__init__()
        self.epoch = epoch
        self.pieces = pieces


class BackendReady(Message):
    """Keras and its backend finished importing in the background: `description` names the
    backend and its devices; `error` is a message, or None."""

    def __init__(self, description: str = "", gpu: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.description = description
        self.gpu = gpu
        self.error = error


class OpenModel(Message):
    """Ask the app to open a model folder for generation or to resume its training."""

    def __init__(self, path: str, purpose: str) -> None:
        super().__init__()
        self.path = path
        self.purpose = purpose  # "generate" or "resume"


# -- requests from the panes (messages up; the app routes them) -------------------------------
class PresetChosen(Message):
    def __init__(self, name: str, tokenizer: str, lowercase: bool) -> None:
        super().__init__()
        self.name = name
        self.tokenizer = tokenizer
        self.lowercase = lowercase
