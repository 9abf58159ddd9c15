"""Training for a time budget: the learning rate as a function of the budget's elapsed share, and
the plan of validation periods that makes the last one end just before the budget does.

Pure functions of times and settings (no Keras), used by the trainer's callback and tested alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textgen_tui.core.config import Config

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


def cosine(cfg: Config, x: float) -> float:
    """The cosine from the learning rate (x = 0) down to `min_lr_fraction` of it (x = 1): the one
    formula of both schedules (Keras's CosineDecay with alpha computes the same in the step)."""
    t = cfg.train
    lo = t.learning_rate * t.min_lr_fraction
    return lo + (t.learning_rate - lo) * 0.5 * (1.0 + math.cos(math.pi * x))


def budget_lr(cfg: Config, fraction: float) -> float:
    """The learning rate at `fraction` (0..1) of the budget: a linear warm-up from a tenth of the
    rate over `warmup_fraction`, then a cosine down to `min_lr_fraction` of it at the end."""
    t = cfg.train
    f = min(max(fraction, 0.0), 1.0)
    w = t.warmup_fraction
    if w > 0 and f < w:
        return t.learning_rate * (0.1 + 0.9 * f / w)
    return cosine(cfg, (f - w) / (1.0 - w) if w < 1 else 1.0)


def period_seconds(budget: float) -> float:
    """The wanted length of a validation period for a budget of `budget` seconds."""
    return min(max(budget / PERIODS, MIN_PERIOD), MAX_PERIOD)


@dataclass(frozen=True)
class Plan:
    """The next period: `steps` batches; `last` when it is planned to be the final one."""

    steps: int
    last: bool


def plan_period(remaining: float, step_seconds: float, overhead: float, budget: float) -> Plan | None:
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
    return Plan(max(1, steps), left == 1)


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
