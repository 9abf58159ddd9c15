"""Training for a time budget (`minutes`): the schedule follows the clock, periods are planned so
the last validation ends just before the budget, the run stops there with its best epoch saved,
and a resumed run takes a new budget or epochs instead. Real (tiny) training."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from core_helpers import tiny_config

from textgen_tui.core import events as ev
from textgen_tui.core.config import make_config, preset
from textgen_tui.core.errors import ConfigError
from textgen_tui.core.nets.batches import TokenBatches
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.plan import PATIENT_UNTIL, learning_rate, patience_spent, plan_period
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


def budget_config(minutes: float):
    cfg = tiny_config()
    cfg.train.minutes = minutes
    cfg.train.early_stopping_patience = 0  # the budget alone ends these runs
    return cfg


# -- the schedule and the plan, alone ----------------------------------------------------------
def test_the_rate_warms_up_then_follows_a_cosine_to_the_floor() -> None:
    cfg = preset("fast")
    t = cfg.train
    w = t.warmup_fraction
    assert learning_rate(t, 0.0, w) == pytest.approx(0.1 * t.learning_rate)
    assert learning_rate(t, w, w) == pytest.approx(t.learning_rate)
    assert learning_rate(t, 1.0, w) == pytest.approx(t.learning_rate * t.min_lr_fraction)
    after = [learning_rate(t, f, w) for f in np.linspace(w, 1.0, 50)]
    assert all(a >= b for a, b in zip(after, after[1:]))  # decays without a bump
    assert learning_rate(t, 2.0, w) == learning_rate(t, 1.0, w)  # an overrun stays at the floor


def test_periods_are_spread_so_the_last_ends_at_the_budget() -> None:
    budget, step, overhead = 600.0, 0.1, 1.0
    remaining, periods = budget - 5.0, 0
    while (plan := plan_period(remaining, step, overhead, budget)) is not None:
        periods += 1
        remaining -= plan.steps * step + overhead
        if plan.last:
            break
    assert plan is not None and plan.last
    assert 15 <= periods <= 25  # about one every 30 s
    assert 0 <= remaining < step + overhead  # the last validation ends just before the budget
    assert plan_period(0.5, step, overhead, budget) is None  # not one batch and its end fit
    short = plan_period(75.0, step, overhead, 75.0)  # 1 s ends would be a fifth of 20 periods
    assert short is not None and overhead / (short.steps * step + overhead) <= 0.06


def test_a_budget_run_is_patient_until_half_its_budget_has_passed() -> None:
    """Early stopping fired at 48 % of a 10-minute budget, the rate still at 73 % of its peak,
    on a jump of validation; it now waits for the schedule's second half."""
    budget = 600.0
    early = 0.48 * budget
    assert not patience_spent(10, 7, 3, early, budget)  # three periods without improvement, too soon
    assert patience_spent(10, 7, 3, PATIENT_UNTIL * budget, budget)
    assert not patience_spent(10, 8, 3, 0.9 * budget, budget)  # two periods: not yet
    assert not patience_spent(10, 1, 0, 0.9 * budget, budget)  # patience 0: never
    assert not patience_spent(10, None, 3, 0.9 * budget, budget)  # nothing validated yet


def test_minutes_or_epochs_not_both() -> None:
    assert make_config("fast", {}).train.minutes == 10.0  # the default: ten minutes
    assert make_config("fast", {"epochs": 3}).train.minutes is None  # epochs asked for instead
    assert make_config("fast", {"minutes": 2.5}).train.minutes == 2.5
    with pytest.raises(ConfigError, match="minutes or for epochs"):
        make_config("fast", {"minutes": 2.0, "epochs": 3})
    with pytest.raises(ConfigError, match="minutes"):
        make_config("fast", {"minutes": -1.0})


def test_later_periods_start_where_the_last_stopped() -> None:
    """One fit per period: each new iterator (numpy and tf.data) continues the batch sequence."""
    from textgen_tui.core.nets.tf_support import tf_dataset

    cfg = tiny_config()
    data = np.arange(3000, dtype=np.uint16) % 50
    one_run = TokenBatches(data, cfg, shuffle=True, steps=3)
    expected = [one_run.at(i)[0] for i in range(12)]
    periods = TokenBatches(data, cfg, shuffle=True, steps=3)
    got = []
    for steps in (3, 5, 4):
        it = iter(tf_dataset(periods))
        got += [next(it)[0].numpy() for _ in range(steps)]
        periods.base += steps
    assert all(np.array_equal(a, b) for a, b in zip(expected, got))
    periods.base = 7
    assert np.array_equal(periods.at(periods.base)[0], expected[7])


# -- real runs -----------------------------------------------------------------------------------
def run(text: str, out: Path, cfg, resume: bool = False, overrides: dict | None = None) -> tuple[list, float]:
    seen: list = []
    t0 = time.monotonic()
    corpus = corpus_from_text(text)
    spec = RunSpec.resumed(out, overrides, corpus) if resume else RunSpec.new(corpus, out, config=cfg)
    Trainer(spec, listeners=[seen.append]).run()
    return seen, time.monotonic() - t0


def test_a_budget_run_stops_at_the_budget_with_its_best_epoch(tmp_path: Path, text: str) -> None:
    out = tmp_path / "m"
    seen, _ = run(text, out, budget_config(0.25))  # 15 s
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.budget_seconds == 15.0
    stopped = [e for e in seen if isinstance(e, ev.Stopped)]
    assert [s.reason for s in stopped] == ["budget"]
    finished = next(e for e in seen if isinstance(e, ev.Finished))
    assert finished.seconds <= 15.0 * 1.02 + 5.0  # the grace, then one batch, validation and a save
    assert finished.seconds >= 15.0 * 0.6  # the last period ends near the end, not long before
    ends = [e for e in seen if isinstance(e, ev.EpochEnd)]
    assert len(ends) >= 2 and finished.epochs_run == len(ends)
    progress = [e for e in seen if isinstance(e, ev.BatchProgress)]
    assert all(p.budget_seconds == 15.0 for p in progress)
    rates = [p.learning_rate for p in progress]
    assert rates[-1] < 0.5 * max(rates)  # the clock's cosine, not a constant rate
    info = read_info(out)
    assert info.epochs_done == len(ends) and info.best_epoch is not None
    assert info.state["budget_minutes"] == 0.25


def test_resume_takes_a_new_budget_or_epochs(tmp_path: Path, text: str) -> None:
    out = tmp_path / "m"
    # Short budgets: a budget run always ends its first period (and saves it), whatever its length.
    run(text, out, budget_config(0.05))
    done = read_info(out).epochs_done
    seen, _ = run(text, out, budget_config(0.05), resume=True, overrides={"minutes": 0.1})
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.budget_seconds == 6.0 and started.initial_epoch == done
    assert any("minutes: 0.05 → 0.1" in c for c in started.changes)
    done = read_info(out).epochs_done
    seen, _ = run(text, out, budget_config(0.05), resume=True, overrides={"epochs": 2})
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.budget_seconds is None and started.epochs == done + 2
    assert read_info(out).epochs_done == done + 2
    assert read_info(out).config.train.minutes is None


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode != 0,
    reason="JAX is not installed",
)
def test_on_jax_the_rate_set_from_the_clock_is_the_rate_applied(tmp_path: Path, text: str) -> None:
    """JAX keeps the optimizer state outside its variables during an epoch: the callback syncs it
    before setting the rate. The saved optimizer's rate is a late one of the clock's schedule, not
    the warm-up's start (what an assignment lost in the sync would leave)."""
    corpus = tmp_path / "c.txt"
    corpus.write_text(text, encoding="utf-8")
    out = tmp_path / "m"
    cmd = [sys.executable, "-m", "textgen_tui.cli.main", "train", str(corpus), "--out", str(out)]
    # 18 s: the last rate set is late in the schedule only if batches run after the first one
    # (which compiles); a 6 s budget failed in a full run on a loaded machine (its compiling took
    # the whole budget, and the only rate set was the warm-up's start).
    cmd += ["--minutes", "0.3", "--units", "16", "--seq-len", "24", "--batch-size", "16"]
    cmd += ["--sample-length", "5", "--plain", "--backend", "jax"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "budget is spent" in r.stdout
    # The saved rate, read in this process (the file is the same on every backend; a JAX process
    # to read it cost seconds): the optimizer's learning_rate variable as the JAX run saved it.
    from textgen_tui.core.nets.backend import import_keras

    saved = import_keras().saving.load_model(out / "last.keras")
    lr = float(np.asarray(saved.optimizer.learning_rate))
    cfg = json.loads((out / "config.json").read_text())
    start = cfg["train"]["learning_rate"]
    assert lr < 0.9 * start and abs(lr - 0.1 * start) > 1e-6 * start  # moved past the warm-up's start
    assert lr != pytest.approx(start)
