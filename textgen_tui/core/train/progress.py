"""What runs inside `model.fit`: the Keras callback that reports progress, beats the heartbeat and
honours the stop flag, and nothing else. Validation results, history, the best epoch, saving and
samples are the trainer's own step after each period (core/train/trainer.py).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from textgen_tui.core import events as ev
from textgen_tui.core.nets.backend import keras_classes

PROGRESS_INTERVAL = 0.1  # seconds between BatchProgress events
QUICK_VALIDATION = 1.0  # seconds of validation after a quick stop (quitting)
AGREE_EVERY = 10  # batches between the processes' agreements on stopping (a collective)
KEPT_TIMES = 200  # batch times the pulse keeps (the watchdog's median)


@dataclass
class Pulse:
    """Liveness, written in the training thread and read by the session's watchdog."""

    last_beat: float = field(default_factory=time.monotonic)
    """`time.monotonic()` of the last sign of life."""
    position: tuple[int, int] = (0, 0)
    """(epoch, batch) of the last finished batch."""
    batch_seconds: list[float] = field(default_factory=list)
    """The last KEPT_TIMES batch times."""

    def beat(self) -> None:
        self.last_beat = time.monotonic()


class StopFlag:
    """The user's Stop, safe from any thread; `quick` (quitting) also cuts validation short."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.quick = False

    def request(self, quick: bool = False) -> None:
        self.quick = self.quick or quick
        self._event.set()

    @property
    def set(self) -> bool:
        return self._event.is_set()


@dataclass
class Period:
    """The period (one `fit`) under way, as the trainer starts it."""

    epoch: int
    """1-based."""
    epochs: int
    """The run's planned total (a budget run: a bound that never binds)."""
    batches: int
    """Batches planned in it."""
    lr: float = 0.0
    """The rate at its start (set when its first batch begins)."""


def recent_mean(n_now: int, mean_now: float, n_prev: int, mean_prev: float) -> float:
    """The mean of batches n_prev+1 … n_now from the running means Keras reports over 1 … n."""
    if n_now <= n_prev:
        return mean_now
    return (n_now * mean_now - n_prev * mean_prev) / (n_now - n_prev)


class _Progress:
    """Reports BatchProgress, beats `pulse`, applies the plan's rate per batch (a budget run)
    and stops the period on the stop flag, a non-finite loss or the plan's cut."""

    def __init__(self, plan, pulse: Pulse, flag: StopFlag, emit, agree, agree_every: int, tokens: int):
        super().__init__()
        self.plan, self.pulse, self.flag, self.emit, self.agree = plan, pulse, flag, emit, agree
        self.agree_every = agree_every  # batches between `agree()` calls (a collective)
        self.tokens_per_batch = tokens
        self.period: Period | None = None
        self.t_train: float | None = None
        self.start_period(Period(0, 0, 0, 0.0))

    def start_period(self, period: Period) -> None:
        """The trainer's word before each `fit`: what this period is."""
        self.period = period
        self.nan = False
        self.cut = False
        self.batches_done = 0
        self.batch_seconds: list[float] = []
        self.last_batch_end = time.monotonic()
        self.partial_validation = False
        self._reported = (0, 0.0)  # (batches, running mean) at the last report

    def on_train_begin(self, logs=None):
        now = time.monotonic()
        if self.t_train is None:
            self.t_train = now
        self._set_rate(self.plan.on_period_begin(now))

    def _set_rate(self, rate: float | None) -> None:
        """JAX keeps the optimizer's state outside its variables during a fit: sync it first, so
        the next step reads the new rate."""
        if rate is None:
            return
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()
        self.model.optimizer.learning_rate.assign(rate)

    def on_epoch_begin(self, epoch, logs=None):
        self.period.lr = self.plan.lr_at(self.period.epoch, 0)
        self.t_epoch = self.t_batch = time.monotonic()
        self.t_report = 0.0
        self.pulse.beat()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.agree_every == 0:
            if self.agree():
                self.model.stop_training = True
        now = time.monotonic()
        pulse = self.pulse
        pulse.batch_seconds.append(now - self.t_batch)
        del pulse.batch_seconds[:-KEPT_TIMES]
        self.batch_seconds.append(now - self.t_batch)
        done = self.batches_done = batch + 1
        self.last_batch_end = self.t_batch = now
        rate, cut = self.plan.on_batch(now)
        if cut:
            self.cut = True  # slower than planned: end the period (it validates and saves)
            self.model.stop_training = True
        self._set_rate(rate)
        pulse.position = (self.period.epoch, done)
        pulse.beat()
        if done != 1 and done != self.period.batches and now - self.t_report < PROGRESS_INTERVAL:
            return  # reading the loss waits for the step: JAX would lose its asynchrony
        self._report(done, now, float((logs or {}).get("loss", math.nan)))

    def _report(self, done: int, now: float, loss: float) -> None:
        if not math.isfinite(loss):
            self.nan = True
            self.model.stop_training = True
        self.t_report = now
        p = self.period
        per_batch = (now - self.t_epoch) / done
        n_prev, mean_prev = self._reported
        recent = recent_mean(done, loss, n_prev, mean_prev)
        self._reported = (done, loss)
        self.emit(
            ev.BatchProgress(
                p.epoch,
                p.epochs,
                done,
                p.batches,
                loss,
                self.plan.lr_at(p.epoch, done),
                self.tokens_per_batch / per_batch if per_batch > 0 else 0.0,
                max(0.0, (p.batches - done) * per_batch),
                now - self.t_train,
                self.plan.budget,
                recent,
            )
        )

    def on_test_begin(self, logs=None):
        self.t_test = time.monotonic()
        self.pulse.beat()

    def on_test_batch_end(self, batch, logs=None):
        self.pulse.beat()
        if self.flag.quick and time.monotonic() - self.t_test > QUICK_VALIDATION:
            self.model.stop_evaluating = True  # quitting: a partial validation will do
            self.partial_validation = True


@keras_classes
def _callback_class(keras):
    # The methods live in `_Progress` (plain Python); Keras's base class joins them on first use.
    return type("ProgressCallback", (_Progress, keras.callbacks.Callback), {})


def progress_callback(plan, pulse: Pulse, flag: StopFlag, emit, agree, processes: int, tokens_per_batch: int):
    """The thin callback (its Keras class is made on first use). `agree()`: whether to stop (the
    processes of a multi-process run agree every AGREE_EVERY batches)."""
    every = 1 if processes == 1 else AGREE_EVERY
    return _callback_class()(plan, pulse, flag, emit, agree, every, tokens_per_batch)
