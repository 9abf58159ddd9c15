"""Small texts and tiny configurations for the core tests."""

from pathlib import Path

from textgen_tui.core.config import preset

SENTENCES = (
    "the quick brown fox jumps over the lazy dog. ",
    "a stitch in time saves nine. ",
    "all that glitters is not gold. ",
    "to be or not to be, that is the question. ",
)


TINY = {
    "units": 24,
    "embedding_dim": 8,
    "seq_len": 24,
    "batch_size": 32,
    "epochs": 1,
    "length": 20,
    "early_stopping_patience": 0,
}
"""Overrides for a tiny one-epoch run of the `fast` preset (the session and fine-tuning tests)."""


def make_text(repeats: int = 40) -> str:
    lines = []
    for i in range(repeats):
        lines.append("".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(len(SENTENCES))).strip())
    return "\n".join(lines) + "\n"


def tiny_config(name: str = "fast"):
    cfg = preset(name)
    cfg.model.units = 24
    cfg.model.embedding_dim = 8
    cfg.data.seq_len = 24
    cfg.data.maxlen = 20
    cfg.data.step = 2
    cfg.train.batch_size = 32
    cfg.train.epochs = 1
    cfg.train.minutes = None
    cfg.sample.length = 30
    return cfg


def read_events(folder: Path) -> dict[str, list[tuple[int, object]]]:
    """tag → [(step, value)] from every TensorBoard event file under `folder`."""
    import tensorflow as tf

    found: dict[str, list] = {}
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor) if value.HasField("tensor") else value.simple_value
                key = f"{path.parent.name}/{value.tag}"
                found.setdefault(key, []).append((event.step, tensor))
    return found
