"""The training session: resume semantics, refusals, the bundled copy, the watchdog, snapshots."""

from __future__ import annotations

import json
import shutil
import threading
import time

import numpy as np
import pytest
from core_helpers import TINY, tiny_config

from textgen_tui.core import events as ev
from textgen_tui.core.config import make_config
from textgen_tui.core.errors import BundleError, ConfigError
from textgen_tui.core.generate.load import load_generator
from textgen_tui.core.generate.service import GenerationService
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.keras_store import strip_optimizer
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train import session as session_module
from textgen_tui.core.train.plan import learning_rate
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.session import FAILED, FINISHED, TrainingSession
from textgen_tui.core.train.trainer import Trainer


@pytest.fixture(scope="module")
def fast_folder(tmp_path_factory, text):
    """A `fast` (cosine) model trained for one epoch."""
    out = tmp_path_factory.mktemp("fast") / "tiny-fast"
    session = TrainingSession()
    session.start(corpus_from_text(text, "tiny"), out, preset="fast", overrides=TINY)
    assert session.wait(120) and session.status == FINISHED, session.error
    return out


def run(session: TrainingSession, timeout: float = 120) -> None:
    assert session.wait(timeout), "the session did not end"


def test_resume_continues_from_the_last_epoch_with_a_replanned_schedule(tmp_path, text, fast_folder):
    """Bug 6: resume took the best epoch's weights but numbered epochs after the last one; the
    cosine schedule kept the first run's length; a changed --lr was ignored without a word."""
    out = tmp_path / "m"
    shutil.copytree(fast_folder, out)
    # Epoch 2 made worse on purpose: best stays at 1, last is 2.
    sabotage = {"epochs": 1, "learning_rate": 5.0}
    Trainer(RunSpec.resumed(out, sabotage, corpus_from_text(text))).run()
    info = read_info(out)
    assert info.epochs_done == 2 and info.state["best_epoch"] == 1
    assert info.resume_file == out / "last.keras" and info.resume_epoch == 2

    seen: list = []
    session = TrainingSession([seen.append])
    session.resume(out, corpus=corpus_from_text(text), overrides={"epochs": 2, "learning_rate": 0.003})
    run(session)
    assert session.status == FINISHED, session.error
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.initial_epoch == 2 and started.epochs == 4
    assert any(c.startswith("learning_rate: 5 → 0.003") for c in started.changes), started.changes
    info = read_info(out)
    assert info.history["epoch"] == [1, 2, 3, 4] and info.epochs_done == 4
    assert info.config.train.learning_rate == 0.003
    first = next(e for e in seen if isinstance(e, ev.BatchProgress) and e.epoch == 3)
    batches = started.batches_per_epoch
    planned = learning_rate(info.config.train, (2 * batches + first.batch) / (4 * batches))
    assert first.learning_rate == pytest.approx(planned, rel=1e-3)


def test_resume_refuses_fixed_knobs_in_one_line(tmp_path, fast_folder):
    session = TrainingSession()
    with pytest.raises(ConfigError, match="units cannot change when resuming"):
        session.resume(fast_folder, overrides={"units": 99})
    with pytest.raises(ConfigError, match="tokenizer cannot change"):
        session.resume(fast_folder, overrides={"tokenizer": "word"})
    assert session.status == "idle"


def test_stop_then_resume_continues_the_same_folder(tmp_path, text):
    """Bug 1 at the session level: after a stop, resume continues the same folder."""
    out = tmp_path / "run"
    stopper: list = []
    session = TrainingSession([stopper.append])
    session.start(corpus_from_text(text), out, preset="fast", overrides={**TINY, "epochs": 50})
    while not any(isinstance(e, ev.BatchProgress) and e.batch >= 2 for e in stopper):
        time.sleep(0.05)
    session.stop()
    run(session)
    assert session.status == FINISHED and read_info(out).epochs_done == 1
    seen: list = []
    session = TrainingSession([seen.append])
    assert session.resume(out, corpus=corpus_from_text(text), overrides={"epochs": 1}) == out
    run(session)
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.initial_epoch == 1 and started.out_dir == str(out)
    assert read_info(out).epochs_done == 2


def test_resuming_the_bundled_model_trains_a_copy(tmp_path, text, fast_folder, monkeypatch):
    """Bug 7: 'Functional' object has no attribute 'optimizer' (the bundled model is saved
    without one), and a copy was left behind when resuming failed."""
    bundled = tmp_path / "shipped" / "tiny-fast"
    shutil.copytree(fast_folder, bundled)
    strip_optimizer(bundled)
    before = {p.name: p.read_bytes() for p in bundled.iterdir() if p.is_file()}
    models = tmp_path / "models"
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(models))
    monkeypatch.setattr(session_module, "bundled_model", lambda: bundled)

    session = TrainingSession()
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what is left behind
        session.resume(bundled, corpus=corpus_from_text(text), overrides={"units": 3})
    failed = TrainingSession()
    failed.resume(bundled, corpus=corpus_from_text("far too short"), overrides={"epochs": 1})
    run(failed)
    assert failed.status == FAILED and "too short" in failed.error
    assert not models.exists() or not list(models.iterdir())  # no copy left behind

    seen: list = []
    session = TrainingSession([seen.append])
    out = session.resume(bundled, corpus=corpus_from_text(text), overrides={"epochs": 1})
    run(session)
    assert session.status == FINISHED, session.error
    assert out.parent == models and session.out_dir == out and session.copied_from == bundled
    assert next(e for e in seen if isinstance(e, ev.Started)).out_dir == str(out)
    assert read_info(out).epochs_done == 2
    # a fresh optimizer (none was shipped): the rate shown is the one applied, late in the plan
    started = next(e for e in seen if isinstance(e, ev.Started))
    batch = next(e for e in seen if isinstance(e, ev.BatchProgress))
    planned = learning_rate(
        read_info(out).config.train,
        (started.batches_per_epoch + batch.batch) / (2 * started.batches_per_epoch),
    )
    assert batch.learning_rate == pytest.approx(planned, rel=1e-3)
    after = {p.name: p.read_bytes() for p in bundled.iterdir() if p.is_file()}
    assert after == before  # the shipped files are never touched


def test_training_into_a_users_folder_is_refused(tmp_path, text):
    """Bug 10: training into an existing folder that is not a model overwrote its files."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.json").write_text('{"editor": "vim"}')
    (mine / "state.json").write_text('{"todo": 3}')
    session = TrainingSession()
    with pytest.raises(BundleError, match="not empty and is not a model folder"):
        session.start(corpus_from_text(text), mine, overrides=TINY)
    with pytest.raises(BundleError, match="not empty and is not a model folder"):
        Trainer(RunSpec.new(corpus_from_text(text), mine, config=tiny_config())).run()
    assert json.loads((mine / "config.json").read_text()) == {"editor": "vim"}
    assert json.loads((mine / "state.json").read_text()) == {"todo": 3}


def test_the_watchdog_reports_a_stall_and_its_end(tmp_path, text):
    seen: list = []
    release = threading.Event()

    def blocking(e):
        if isinstance(e, ev.BatchProgress) and e.batch >= 2 and not release.is_set():
            release.wait(3.0)  # the training thread sits here, like a lost wake-up
            release.set()

    session = TrainingSession([blocking, seen.append], stall_after=0.8, stall_factor=0, poll=0.1)
    session.start(corpus_from_text(text), tmp_path / "w", overrides=TINY)
    run(session)
    kinds = [type(e).__name__ for e in seen]
    assert "Stalled" in kinds and "StallCleared" in kinds
    assert kinds.index("Stalled") < kinds.index("StallCleared")
    stalled = next(e for e in seen if isinstance(e, ev.Stalled))
    assert stalled.epoch == 1 and stalled.batch >= 1 and stalled.seconds >= 0.8
    statuses = [e.status for e in seen if isinstance(e, session_module.SessionStatus)]
    assert "stalled" in statuses and statuses[-1] == "finished"


def test_snapshots_generate_like_the_saved_model(tmp_path, text):
    seen: list = []
    session = TrainingSession([seen.append])
    out = session.start(corpus_from_text(text), tmp_path / "s", overrides=TINY)
    run(session)
    snap = next(e for e in seen if isinstance(e, ev.Snapshot))
    service = GenerationService()
    service.set_live(out, snap)
    live = service.generator(out)
    saved = load_generator(out)
    a = live.generate("the quick ", [0.0], 30)
    b = saved.generate("the quick ", [0.0], 30)
    assert a == b
    assert np.allclose(live.net.dense_w, saved.net.dense_w)


def test_typed_seeds_are_lowercased_for_lowercase_models(fast_folder):
    """Bug 5 (the shared path of the CLI and the app)."""
    assert read_info(fast_folder).config.data.lowercase
    prepared = GenerationService().prepare_seed(fast_folder, "The Quick Brown")
    assert prepared.text == "the quick brown" and prepared.note is None


def test_the_cli_and_the_app_build_the_same_config():
    """Bug 4: one function builds the Config from a preset and the user's choices."""
    from textgen_tui.cli.commands import overrides_from
    from textgen_tui.cli.main import build_parser

    args = build_parser().parse_args(["train", "x.txt", "--preset", "fast"])
    assert make_config(args.preset, overrides_from(args)) == make_config("fast", {})
    assert make_config("fast", {}).data.lowercase is True


def test_a_plateau_resume_keeps_the_rate_the_last_run_ended_with(tmp_path, text, trained_folder):
    """Plateau schedules lower the rate on their own; resuming must not reset it to the start."""
    out = tmp_path / "plateau"
    shutil.copytree(trained_folder, out)
    assert read_info(out).config.train.schedule == "plateau"
    lowered = TrainingSession()
    lowered.resume(out, corpus=corpus_from_text(text), overrides={"epochs": 1, "learning_rate": 0.002})
    run(lowered)
    seen: list = []
    again = TrainingSession([seen.append])
    again.resume(out, corpus=corpus_from_text(text), overrides={"epochs": 1})
    run(again)
    assert again.status == FINISHED, again.error
    end = next(e for e in seen if isinstance(e, ev.EpochEnd))
    assert end.learning_rate == pytest.approx(0.002)
