"""Issue 11 (part): `--tensorboard DIR` writes the run's scalars and samples for TensorBoard."""

from __future__ import annotations

import pytest
from core_helpers import read_events, tiny_config

from textgen_tui.core.errors import ConfigError
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.session import TrainingSession


def test_a_run_writes_scalars_per_epoch_and_the_samples_as_text(tmp_path, text):
    cfg = tiny_config()
    session = TrainingSession()
    session.start(
        corpus_from_text(text, "tiny"),
        tmp_path / "m",
        preset="fast",
        overrides={"epochs": 2, "units": 16, "seq_len": 24, "batch_size": 32, "length": 20},
        tensorboard=tmp_path / "tb",
    )
    assert session.wait(300) and session.error is None, session.error
    events = read_events(tmp_path / "tb")
    for tag in ("loss", "val_loss", "learning_rate", "tokens_per_second"):
        steps = [step for step, _ in events[f"textgen/{tag}"]]
        assert steps == [1, 2], tag
    history = session.finished.history
    logged = [float(v) for _, v in events["textgen/val_loss"]]
    assert logged == pytest.approx(history["val_loss"], rel=1e-5)
    samples = events["textgen/samples"]
    assert [s for s, _ in samples] == [1, 2]
    first = samples[0][1].item().decode() if hasattr(samples[0][1], "item") else str(samples[0][1])
    assert all(f"temperature {t:g}" in first for t in cfg.sample.temperatures)
    # On TensorFlow, Keras's own callback writes its usual train/ and validation/ logs beside.
    assert "train/epoch_loss" in events and "validation/epoch_loss" in events


def test_a_log_folder_that_is_a_file_is_refused_before_training(tmp_path, text):
    (tmp_path / "tb").write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file"):
        TrainingSession().start(corpus_from_text(text, "tiny"), tmp_path / "m", tensorboard=tmp_path / "tb")
    assert not (tmp_path / "m").exists()


# On JAX: test_backends.py's test_a_model_folder_moves_between_backends trains its JAX run with
# --tensorboard and reads the logs (one process start for both checks).
