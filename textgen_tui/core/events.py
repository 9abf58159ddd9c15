"""The training-event stream. The CLI and the Textual app are two listeners of these events.

Events are small frozen dataclasses; a listener is any callable taking one event. They are
emitted from the thread that trains, so a UI listener must hand them over to its own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainingEvent:
    """What every training event is: listeners and `on_event` callbacks receive these."""


@dataclass(frozen=True)
class Started(TrainingEvent):
    """The run begins: its folder, its length, the vocabulary and the model's size."""

    out_dir: str
    epochs: int
    initial_epoch: int
    batches_per_epoch: int
    vocab_size: int
    params: int
    train_tokens: int
    val_tokens: int
    preset: str
    changes: tuple[str, ...] = ()
    """Resuming: the knobs changed from the folder's settings ("learning_rate: 0.006 → 0.003")."""
    budget_seconds: float | None = None
    """A time budget: the run stops when it is spent (`epochs` is then only a bound)."""


@dataclass(frozen=True)
class BatchProgress(TrainingEvent):
    """Batches finished (at most one event every 0.1 s): where the run is, the loss, the speed."""

    epoch: int
    """1-based epoch number."""
    epochs: int
    batch: int
    """Batches done in this epoch."""
    batches: int
    loss: float
    """Keras's running mean over this epoch's batches so far (it restarts each epoch or period)."""
    learning_rate: float
    tokens_per_second: float
    eta_seconds: float
    """Seconds left in this epoch."""
    elapsed: float
    """Seconds since training started."""
    budget_seconds: float | None = None
    """The run's time budget, when it has one (progress is then `elapsed` of it)."""
    recent_loss: float | None = None
    """The mean loss of the batches since the previous report (what a smoothed curve plots)."""


@dataclass(frozen=True)
class EpochEnd(TrainingEvent):
    """An epoch (or a budget run's period) ended and was validated."""

    epoch: int
    epochs: int
    loss: float
    val_loss: float | None
    learning_rate: float
    seconds: float
    best: bool
    """True when this epoch's monitored loss is the best so far (and was saved)."""


@dataclass(frozen=True)
class SampleStarted(TrainingEvent):
    """The epoch's samples begin, one per temperature, from `seed`."""

    epoch: int
    seed: str
    temperatures: tuple[float, ...]


@dataclass(frozen=True)
class SampleStep(TrainingEvent):
    """One more token of the epoch's samples."""

    epoch: int
    pieces: tuple[str, ...]
    """The next token's text for each temperature."""


@dataclass(frozen=True)
class SampleFinished(TrainingEvent):
    """The epoch's samples, whole: one text per temperature (without the seed)."""

    epoch: int
    seed: str
    texts: tuple[str, ...]
    temperatures: tuple[float, ...]


@dataclass(frozen=True)
class CheckpointSaved(TrainingEvent):
    """The model folder was committed after an epoch."""

    epoch: int
    path: str
    monitor: str
    value: float | None


@dataclass(frozen=True)
class LearningRateReduced(TrainingEvent):
    """A plateau: validation stopped improving and the learning rate was lowered."""

    epoch: int
    old: float
    new: float


@dataclass(frozen=True)
class Snapshot(TrainingEvent):
    """The weights at the end of an epoch, as the numpy generator's network: the shells generate
    from "the model being trained" with this, never by calling Keras beside the training thread."""

    epoch: int
    net: object = field(compare=False, repr=False)
    tokenizer: object = field(compare=False, repr=False)
    config: object = field(compare=False, repr=False)


@dataclass(frozen=True)
class Stalled(TrainingEvent):
    """No batch has finished for a long time (the session's watchdog)."""

    epoch: int
    batch: int
    since: float
    """time.time() of the last sign of progress."""
    seconds: float
    """How long it has been quiet when reported."""


@dataclass(frozen=True)
class StallCleared(TrainingEvent):
    """Progress again after a Stalled event."""

    seconds: float
    """How long the stall lasted."""


@dataclass(frozen=True)
class Stopped(TrainingEvent):
    epoch: int
    reason: str
    """'user', 'early_stopping' or 'nan'."""
    message: str


@dataclass(frozen=True)
class Finished(TrainingEvent):
    """The run ended (finished, stopped or out of time) with its best epoch saved."""

    out_dir: str
    epochs_run: int
    total_epochs: int
    best_epoch: int | None
    best_value: float | None
    monitor: str
    seconds: float
    history: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Failed(TrainingEvent):
    """The run failed or was refused; `message` is the one line that says why."""

    message: str
    last_good: str | None
    """Folder of the last good model, if one was saved."""
    started: bool = True
    """False when the run was refused or failed before training began (bad input, not a crash)."""


Listener = Callable[[TrainingEvent], None]
