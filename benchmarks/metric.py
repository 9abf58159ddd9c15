"""The one validation measure used for every model in the benchmarks: mean cross-entropy (nats)
of the character that follows each 60-character window of the held-out last 10 %."""

from __future__ import annotations

import numpy as np

WINDOW = 60
STRIDE = 3  # every third window (the book's step): ~20,000 windows of Nietzsche


def held_out(ids: np.ndarray, fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    n_val = int(len(ids) * fraction)
    return ids[:-n_val], ids[-n_val:]


def window_loss(
    model, val_ids: np.ndarray, onehot_vocab: int | None = None, stride: int = STRIDE, batch: int = 512
) -> float:
    """`model` maps (batch, 60) ids (or one-hot if `onehot_vocab`) to next-token probabilities
    (batch, vocab) or per-position ones (batch, 60, vocab)."""
    import tensorflow as tf

    table = tf.constant(np.asarray(val_ids, dtype=np.int32))
    starts = np.arange(0, len(val_ids) - WINDOW, stride, dtype=np.int32)
    offsets = tf.range(WINDOW + 1)

    @tf.function(reduce_retracing=True)
    def batch_nats(s):
        w = tf.gather(table, s[:, None] + offsets[None, :])
        x = w[:, :-1]
        if onehot_vocab:
            x = tf.one_hot(x, onehot_vocab)
        p = model(x, training=False)
        if len(p.shape) == 3:
            p = p[:, -1]
        q = tf.gather(p, w[:, -1], batch_dims=1)
        return tf.reduce_sum(-tf.math.log(tf.maximum(q, 1e-12)))

    total = 0.0
    for i in range(0, len(starts), batch):
        total += float(batch_nats(tf.constant(starts[i : i + batch])))
    return total / len(starts)
