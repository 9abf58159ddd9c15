"""The run plan's rules (rate, periods, stopping), the progress event's recent loss, the manifest's
`created`, and the session's report of a run that failed after it started."""

from __future__ import annotations

import math
import time
import zipfile

from core_helpers import tiny_config

from textgen_tui.core import events as ev
from textgen_tui.core.errors import TextgenError
from textgen_tui.core.store.folder import KERAS_MEMBERS, read_info, save_checkpoint
from textgen_tui.core.text.tokenizers import fit_tokenizer
from textgen_tui.core.train.plan import BudgetPlan, EpochPlan, PeriodTimes, learning_rate
from textgen_tui.core.train.progress import recent_mean


def test_recent_mean_undoes_the_running_mean():
    losses = [3.0, 2.0, 4.0, 1.0, 5.0]
    running = [sum(losses[: n + 1]) / (n + 1) for n in range(len(losses))]
    assert recent_mean(1, running[0], 0, 0.0) == 3.0
    assert math.isclose(recent_mean(3, running[2], 1, running[0]), 3.0)  # batches 2 and 3
    assert math.isclose(recent_mean(5, running[4], 3, running[2]), 3.0)  # batches 4 and 5


def test_the_plateau_halves_the_rate_and_early_stopping_waits_its_patience():
    cfg = tiny_config("book")
    t = cfg.train
    t.schedule, t.learning_rate, t.reduce_lr_patience, t.early_stopping_patience = "plateau", 0.01, 1, 2
    t.epochs = 10
    plan = EpochPlan(cfg, batches=10, initial=0, saved_lr=None, monitor="val_loss")
    assert plan.judge(1, 2.0) is None
    # Below min_delta: a plateau for the rate, an improvement for early stopping (Keras's rules).
    assert plan.judge(2, 1.99995) == plan.lr_at(3, 0) < 0.01
    assert plan.verdict(2, 2, 0.0, PeriodTimes([], 0.0, False)) is None
    assert math.isclose(plan.judge(3, 2.5), 0.0025, rel_tol=1e-6)  # patience 1: halved again
    assert plan.verdict(3, 2, 0.0, PeriodTimes([], 0.0, False)) is None and plan.more(3)
    plan.judge(4, 2.5)
    stop = plan.verdict(4, 2, 0.0, PeriodTimes([], 0.0, False))
    assert stop is not None and stop.reason == "early_stopping" and not plan.more(4)


def test_a_resumed_plateau_keeps_its_lowered_rate_and_the_cosine_its_position():
    cfg = tiny_config("book")
    cfg.train.schedule = "plateau"
    assert math.isclose(EpochPlan(cfg, 10, 2, 0.00025, "loss").lr_at(3, 0), 0.00025, rel_tol=1e-6)
    cfg.train.schedule = "cosine"
    plan = EpochPlan(cfg, batches=10, initial=2, saved_lr=None, monitor="loss")
    assert plan.lr_at(3, 5) == learning_rate(cfg.train, 25 / (10 * (2 + cfg.train.epochs)))


def test_a_budget_plan_cuts_past_the_budget_and_plans_the_next_period():
    cfg = tiny_config()
    cfg.train.minutes = 1.0
    plan = BudgetPlan(cfg, "val_loss")
    assert plan.period_steps() == 20 and plan.more(0)
    assert plan.on_period_begin(100.0) < cfg.train.learning_rate  # the warm-up's start
    assert plan.on_batch(100.1) == (None, False)  # the rate changes at most every LR_EVERY
    assert plan.on_batch(170.0)[1]  # past the budget and its grace: cut
    times = PeriodTimes([0.5] + [0.01] * 19, 105.0, cut=False)
    assert plan.verdict(1, 1, 105.5, times) is None and plan.period_steps() > 20
    stop = plan.verdict(2, 1, 170.0, PeriodTimes([0.01] * 20, 169.9, cut=True))
    assert stop is not None and stop.reason == "budget" and not plan.more(2)


def test_a_period_cut_at_the_budget_stops_for_the_budget_even_with_patience_spent():
    cfg = tiny_config()
    cfg.train.minutes = 1.0
    cfg.train.early_stopping_patience = 1
    plan = BudgetPlan(cfg, "val_loss")
    plan.on_period_begin(100.0)
    # no improvement since period 1, past half the budget, time left: patience stops it
    stop = plan.verdict(3, 1, 140.0, PeriodTimes([0.01] * 20, 139.9, cut=False))
    assert stop is not None and stop.reason == "early_stopping"
    # the same, but the period was cut at the budget: the budget is why it ends
    stop = plan.verdict(3, 1, 170.0, PeriodTimes([0.01] * 20, 169.9, cut=True))
    assert stop is not None and stop.reason == "budget"


class _FakeModel:
    """Saves a zip archive with the members the listing checks (no weights: the test reads the
    manifest only)."""

    def save(self, path, overwrite=True):
        with zipfile.ZipFile(path, "w") as archive:
            for member in KERAS_MEMBERS:
                archive.writestr(member, b"{}")


def test_created_is_the_first_save_s_time(tmp_path):
    """Bug (issue 22): `created` was rewritten at every save of a new run."""
    cfg = tiny_config()
    tokenizer = fit_tokenizer("char", "some text to tokenize")
    out = tmp_path / "m"
    for epoch in (1, 2):
        state = {"epochs_done": epoch, "best_epoch": 1, "best_value": 2.0, "seeds": [], "corpus": {}}
        save_checkpoint(
            out,
            config=cfg,
            tokenizer=tokenizer,
            state=state,
            history={},
            samples=[],
            model=_FakeModel(),
            epoch=epoch,
            best=epoch == 1,
        )
        if epoch == 1:
            first = read_info(out).state
            time.sleep(0.02)
    second = read_info(out).state
    assert second["created"] == first["created"] and second["updated"] > first["updated"]


def test_a_run_that_fails_after_it_started_is_not_reported_as_not_started(monkeypatch, tmp_path, text):
    """The trainer's NaN-before-any-epoch failure used to reach the shells as 'not started'."""
    from textgen_tui.core.text.corpus import corpus_from_text
    from textgen_tui.core.train import trainer as training
    from textgen_tui.core.train.session import FAILED, TrainingSession

    class Diverging:
        stop_reason = None
        epochs_saved = 0
        batch_seconds: list = []
        last_beat = time.monotonic()
        position = (0, 0)

        def __init__(self, spec, listeners, **kwargs):
            self.listeners = listeners

        def run(self):
            for listener in self.listeners:
                listener(ev.Started("x", 1, 0, 1, 10, 100, 100, 10, "fast"))
                listener(ev.Failed("the loss became NaN before any epoch finished", None))
            raise TextgenError("training diverged (NaN loss) before any epoch finished")

    monkeypatch.setattr(training, "Trainer", Diverging)
    seen = []
    session = TrainingSession([seen.append])
    session.start(corpus_from_text(text, "tiny"), tmp_path / "m", preset="fast", overrides={"epochs": 1})
    assert session.wait(30) and session.status == FAILED
    failed = [e for e in seen if isinstance(e, ev.Failed)]
    assert len(failed) == 1 and failed[0].started and "NaN" in failed[0].message


def test_progress_reports_the_mean_loss_since_the_previous_report(tmp_path, text):
    """Keras's loss is a running mean that restarts each period: the event also carries the mean
    of the batches since the last report (what the app's smoothed curve plots)."""
    from textgen_tui.core.text.corpus import corpus_from_text
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    cfg = tiny_config()
    cfg.train.epochs = 2
    seen = []
    Trainer(RunSpec.new(corpus_from_text(text), tmp_path / "m", config=cfg), listeners=[seen.append]).run()
    reports = [e for e in seen if isinstance(e, ev.BatchProgress)]
    assert reports and all(e.recent_loss is not None and math.isfinite(e.recent_loss) for e in reports)
    for before, now in zip(reports, reports[1:]):
        if now.epoch != before.epoch:
            assert now.recent_loss == now.loss  # a new epoch's running mean starts again
            continue
        n, m = now.batch - before.batch, now.batch * now.loss - before.batch * before.loss
        assert math.isclose(now.recent_loss, m / n, rel_tol=1e-9)


def test_a_resume_spec_reads_the_folder_once_and_applies_minutes_or_epochs(trained_folder, monkeypatch):
    from textgen_tui.core.train import run_spec
    from textgen_tui.core.train.run_spec import RunSpec

    reads = []
    real = run_spec.read_info
    monkeypatch.setattr(run_spec, "read_info", lambda folder: reads.append(folder) or real(folder))
    spec = RunSpec.resumed(trained_folder, {"epochs": 2, "learning_rate": None})
    assert len(reads) == 1 and spec.resume and spec.initial == spec.info.resume_epoch == 1
    assert spec.config.train.epochs == 2 and spec.config.train.minutes is None
    assert not spec.keep_saved_lr  # the user named the learning rate (even left empty)
    budget = RunSpec.resumed(trained_folder, {"minutes": 0.5})
    assert budget.config.train.minutes == 0.5 and budget.keep_saved_lr
    assert any(c.startswith("minutes:") for c in budget.changes)
