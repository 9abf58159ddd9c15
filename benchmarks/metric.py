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
    (batch, vocab) or per-position ones (batch, 60, vocab): the engine's own window measure."""
    from textgen_tui.core.inspect.evaluate import window_cross_entropy

    return window_cross_entropy(model, val_ids, WINDOW, "window", batch, stride, onehot_vocab)


def endless_dataset(ids, cfg):
    """The trainer's input pipeline over `ids`, shuffled and endless: epochs of
    `steps_per_epoch` batches, or of one pass without it."""
    from textgen_tui.core.nets.batches import TokenBatches, as_dataset

    batches = TokenBatches(ids, cfg, shuffle=True, steps=cfg.train.steps_per_epoch)
    if batches.steps is None:
        batches.steps = batches.per_pass
    return as_dataset(batches)
