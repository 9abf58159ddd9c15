"""The run plan: the one place that decides the learning rate, the length of each period and when
the run stops, for a run of epochs (`EpochPlan`) and for a time budget (`BudgetPlan`: validation
periods planned from the measured step time so that the last one ends just before the budget).

The trainer asks it; the Keras callback applies what it answers. Pure Python apart from
`optimizer_rate` (the cosine a run of epochs compiles into its step, so JAX needs no sync).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textgen_tui.core.config import Config, TrainConfig
from textgen_tui.core.nets.keras_model import cosine_schedule

LR_EVERY = 0.25
"""Seconds between learning-rate updates of a budget run (JAX syncs its state for each)."""
PLATEAU_MIN_DELTA = 1e-4
"""An improvement smaller than this does not reset the plateau's patience (Keras's default)."""
PLATEAU_MIN_LR = 1e-6
"""The plateau rule never lowers the rate below this."""


PERIODS = 20
"""Validation periods in a budget: one every 30 s in 10 minutes."""
MIN_PERIOD = 3.0
"""Seconds: shorter periods would spend most of the time validating and saving."""
MAX_PERIOD = 120.0
"""Seconds: a long budget still validates (and saves) at least every two minutes."""
FIRST_PERIOD_STEPS = 20
"""Batches of the first period, before the step time is known (it also compiles the step)."""
OVERHEAD_SHARE = 0.05
"""At most this share of a budget goes to the periods' ends (validation, samples, saving): a
short budget gets fewer, longer periods."""
GRACE = 0.02
"""Share of the budget a period may overrun (a slower step than measured) before it is cut short."""


def clock_text(seconds: float) -> str:
    """123 → "2:03"; an hour or more → "1:02:03" (the shells' clocks)."""
    s = max(0, int(seconds + 0.5))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def period_seconds(budget: float) -> float:
    """The wanted length of a validation period for a budget of `budget` seconds."""
    return min(max(budget / PERIODS, MIN_PERIOD), MAX_PERIOD)


@dataclass(frozen=True)
class Period:
    """The next period: `steps` batches; `last` when it is planned to be the final one."""

    steps: int
    last: bool


def plan_period(remaining: float, step_seconds: float, overhead: float, budget: float) -> Period | None:
    """The next validation period, given the seconds left in the budget, the measured seconds per
    batch and per period's end (validation, samples, saving). None when not even one batch and
    its period's end fit: the run is over. The periods left are spread evenly over what remains,
    so the last one ends at the budget."""
    step_seconds = max(step_seconds, 1e-6)
    if remaining < step_seconds + overhead:
        return None
    wanted = max(period_seconds(budget), overhead / OVERHEAD_SHARE)
    left = max(1, round(remaining / (wanted + overhead)))
    steps = int((remaining / left - overhead) / step_seconds)
    return Period(max(1, steps), left == 1)


def over_budget(elapsed: float, budget: float) -> bool:
    """A period still training past the budget (and its grace) is cut short after the batch."""
    return elapsed > budget * (1.0 + GRACE)


PATIENT_UNTIL = 0.5
"""Early stopping in a budget run waits until this share of the budget has passed: before it the
rate is still high and validation jumps about (a run that stopped too early is in
benchmarks/results/tuning.md), and the cosine's low-rate end gives the last gains."""


def patience_spent(epoch: int, best_epoch: int | None, patience: int, elapsed: float, budget: float) -> bool:
    """Whether a budget run stops early after period `epoch`: no improvement for `patience`
    periods, once PATIENT_UNTIL of the budget has passed."""
    if patience <= 0 or not best_epoch or elapsed < PATIENT_UNTIL * budget:
        return False
    return epoch - best_epoch >= patience


def learning_rate(t: TrainConfig, fraction: float, warmup: float = 0.0) -> float:
    """The rate at `fraction` (0..1, clamped) of a run: a linear warm-up from a tenth of the rate
    over `warmup`, then the cosine down to `min_lr_fraction` of it at the end. The one formula of
    both plans (a run of epochs passes no warm-up; Keras's CosineDecay with alpha, which such a
    run compiles into its step, computes the same)."""
    f = min(max(fraction, 0.0), 1.0)
    if warmup > 0 and f < warmup:
        return t.learning_rate * (0.1 + 0.9 * f / warmup)
    x = (f - warmup) / (1.0 - warmup) if warmup < 1 else 1.0
    lo = t.learning_rate * t.min_lr_fraction
    return lo + (t.learning_rate - lo) * 0.5 * (1.0 + math.cos(math.pi * x))


def _f32(x: float) -> float:
    """The value a float32 variable holds (the optimizer's rate), read back as a Python float."""
    return float(np.float32(x))


@dataclass(frozen=True)
class Stop:
    """The plan ends the run after this period: `reason` (a Stopped event's) and its sentence."""

    reason: str
    message: str


@dataclass
class PeriodTimes:
    """What a budget run measured in its last period."""

    batch_seconds: list[float]
    """Seconds of each batch (the first one compiles)."""
    last_batch_end: float
    """`time.monotonic()` when its last batch ended."""
    cut: bool
    """It was cut short, past the budget."""


class EpochPlan:
    """Train for `epochs`: a cosine over the whole planned length (re-planned on resume), or a
    constant rate halved on plateaus; early stopping on the monitored loss."""

    budget: float | None = None

    def __init__(self, cfg: Config, batches: int, initial: int, saved_lr: float | None, monitor: str):
        """`batches` per epoch; `initial` epochs already done; `saved_lr` the resumed optimizer's
        rate (a plateau run keeps it unless the user set one)."""
        self.cfg = cfg
        self.train: TrainConfig = cfg.train
        self.batches = batches
        self.initial = initial
        self.total = initial + cfg.train.epochs
        self.monitor = monitor
        self.cosine = cfg.train.schedule == "cosine"
        self.rate = _f32(saved_lr if saved_lr is not None else cfg.train.learning_rate)
        """The plateau's rate now (as the optimizer holds it)."""
        self._plateau_best: float | None = None
        self._plateau_wait = 0
        self._stop_best: float | None = None
        self._stop_wait = 0
        self._stop: Stop | None = None

    def optimizer_rate(self):
        """What the optimizer is compiled with: the cosine over the planned steps, else a plain
        rate (set by `start`)."""
        return cosine_schedule(self.cfg, self.batches * self.total)

    def start(self, optimizer) -> None:
        """Before the first batch: the cosine's position is this run's place in the planned total."""
        if self.cosine:
            optimizer.iterations.assign(self.initial * self.batches)
        else:
            optimizer.learning_rate.assign(self.rate)

    def lr_at(self, epoch: int, batch: int) -> float:
        """The rate at `batch` of `epoch` (1-based)."""
        if self.cosine:
            return learning_rate(
                self.train, ((epoch - 1) * self.batches + batch) / max(self.batches * self.total, 1)
            )
        return self.rate

    def period_steps(self) -> int | None:
        """Batches of the next epoch (None: one pass); the run is over when none is left."""
        return self.train.steps_per_epoch

    def more(self, epochs_done: int) -> bool:
        return epochs_done < self.total and self._stop is None

    def on_period_begin(self, now: float) -> float | None:
        return None  # the rate is in the step (cosine) or set at epoch ends (plateau)

    def on_batch(self, now: float) -> tuple[float | None, bool]:
        """(a rate to set now, or None; whether to cut the period short)."""
        return None, False

    def judge(self, epoch: int, value: float | None) -> float | None:
        """After epoch `epoch` (1-based) scored `value`, before it is saved: the plateau's lowered
        rate, or None; early stopping is decided here and told by `verdict`. Keras's
        ReduceLROnPlateau and EarlyStopping rules, kept across the per-epoch fits."""
        t = self.train
        if value is None:
            return None
        lowered = None
        if not self.cosine and t.reduce_lr_patience > 0:
            if self._plateau_best is None or _f32(value + PLATEAU_MIN_DELTA) < _f32(self._plateau_best):
                self._plateau_best, self._plateau_wait = value, 0
            else:
                self._plateau_wait += 1
                if self._plateau_wait >= t.reduce_lr_patience and self.rate > _f32(PLATEAU_MIN_LR):
                    self.rate = _f32(max(self.rate * t.reduce_lr_factor, PLATEAU_MIN_LR))
                    self._plateau_wait = 0
                    lowered = self.rate
        if t.early_stopping_patience > 0:
            self._stop_wait += 1
            if self._stop_best is None or _f32(value) < _f32(self._stop_best):
                self._stop_best, self._stop_wait = value, 0
            elif self._stop_wait >= t.early_stopping_patience and epoch > 1:
                self._stop = Stop("early_stopping", f"no {self.monitor} improvement; best epoch kept")
        return lowered

    def verdict(self, epoch: int, best_epoch: int | None, now: float, times: PeriodTimes) -> Stop | None:
        """After the period is saved: why the run stops here, or None to go on."""
        return self._stop


class BudgetPlan:
    """Train for `minutes`: the rate follows the clock (warm-up, then cosine; `learning_rate`), and
    each period is planned from the last one's step time so that the last ends at the budget."""

    def __init__(self, cfg: Config, monitor: str):
        self.cfg = cfg
        self.train: TrainConfig = cfg.train
        self.monitor = monitor
        self.budget = cfg.train.minutes * 60.0
        self.t0: float | None = None
        """When the first period began."""
        self.rate = cfg.train.learning_rate
        self._t_rate = 0.0
        self._next: int | None = cfg.train.steps_per_epoch or FIRST_PERIOD_STEPS

    def optimizer_rate(self):
        return self.train.learning_rate

    def start(self, optimizer) -> None:
        pass  # the rate is set at each period's start, from the clock

    def lr_at(self, epoch: int, batch: int) -> float:
        return self.rate

    def period_steps(self) -> int | None:
        return self._next

    def more(self, epochs_done: int) -> bool:
        return self._next is not None

    def on_period_begin(self, now: float) -> float | None:
        """At a period's start: the clock starts with the first; the rate to set."""
        if self.t0 is None:
            self.t0 = now
        return self._rate(now)

    def on_batch(self, now: float) -> tuple[float | None, bool]:
        """After a batch: cut the period past the budget (and its grace); else the rate, at most
        every LR_EVERY seconds."""
        if over_budget(now - self.t0, self.budget):
            return None, True
        if now - self._t_rate < LR_EVERY:
            return None, False
        return self._rate(now), False

    def _rate(self, now: float) -> float:
        self._t_rate = now
        self.rate = learning_rate(self.train, (now - self.t0) / self.budget, self.train.warmup_fraction)
        return self.rate

    def judge(self, epoch: int, value: float | None) -> float | None:
        return None  # patience is counted in `verdict`, against the budget's share

    def verdict(self, epoch: int, best_epoch: int | None, now: float, times: PeriodTimes) -> Stop | None:
        """After period `epoch`: stop for the budget, else for patience, else plan the next period
        from this one's step time and end-of-period seconds. A spent budget is the reason even when
        patience ran out in the same period: the run ends at the budget either way."""
        t = self.train
        self._next = None
        seconds = times.batch_seconds[1:] or times.batch_seconds  # the first compiles
        step = float(np.median(seconds)) if seconds else 1.0
        overhead = now - times.last_batch_end
        remaining = self.budget - (now - self.t0)
        plan = None if times.cut else plan_period(remaining, step, overhead, self.budget)
        if plan is not None and t.steps_per_epoch:  # fixed periods: the next one must fit whole
            plan = plan if remaining >= t.steps_per_epoch * step + overhead else None
        if plan is None:
            kept = f"; best epoch {best_epoch} kept" if best_epoch else ""
            return Stop("budget", f"the {t.minutes:g}-minute budget is spent{kept}")
        if patience_spent(epoch, best_epoch, t.early_stopping_patience, now - self.t0, self.budget):
            return Stop("early_stopping", f"no {self.monitor} improvement; best epoch kept")
        self._next = t.steps_per_epoch or plan.steps
        return None


def make_plan(cfg: Config, batches: int, initial: int, saved_lr: float | None, monitor: str):
    """The plan of a run: a budget when `minutes` is set, else epochs."""
    if cfg.train.minutes is not None:
        return BudgetPlan(cfg, monitor)
    return EpochPlan(cfg, batches, initial, saved_lr, monitor)
