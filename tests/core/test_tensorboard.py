"""Issue 11 (part): `--tensorboard DIR` writes the run's scalars and samples for TensorBoard."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from core_helpers import tiny_config

from textgen_tui.core.corpus import corpus_from_text
from textgen_tui.core.errors import ConfigError
from textgen_tui.core.session import TrainingSession


def read_events(folder: Path) -> dict[str, list[tuple[int, object]]]:
    """tag → [(step, value)] from every event file under `folder`."""
    import tensorflow as tf

    found: dict[str, list] = {}
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor) if value.HasField("tensor") else value.simple_value
                key = f"{path.parent.name}/{value.tag}"
                found.setdefault(key, []).append((event.step, tensor))
    return found


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


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs the [jax] extra")
def test_on_jax_the_logs_are_written_too(tmp_path, text):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    r = subprocess.run(
        [sys.executable, "-m", "textgen_tui.cli.main", "train", str(corpus), "--out", str(tmp_path / "m"),
         "--backend", "jax", "--epochs", "1", "--units", "16", "--batch-size", "16", "--sample-length", "10",
         "--plain", "--tensorboard", str(tmp_path / "tb")],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    events = read_events(tmp_path / "tb")
    assert [s for s, _ in events["textgen/loss"]] == [1]
    assert "textgen/samples" in events
