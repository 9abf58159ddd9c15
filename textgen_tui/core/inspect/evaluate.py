"""Cross-entropy of a model on a text, in nats per token and bits per character."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textgen_tui.core.errors import CorpusError
from textgen_tui.core.store.keras_store import Bundle


@dataclass
class Evaluation:
    nats_per_token: float
    bits_per_char: float
    tokens: int
    """Tokens whose prediction was scored."""
    characters: int
    """Characters those tokens spell."""
    unknown: int
    """Characters of the text that the vocabulary does not know (dropped or <unk>)."""
    method: str


def evaluate_text(bundle: Bundle, text: str, batch_size: int = 256) -> Evaluation:
    """Window models: every token after `maxlen` is predicted from the `maxlen` before it (the
    book's semantics). Sequence models: consecutive `seq_len` chunks, every position scored."""
    cfg = bundle.config
    if cfg.data.lowercase:
        text = text.lower()
    encoded = bundle.tokenizer.encode_seed(text)
    ids = encoded.ids
    if cfg.data.layout == "window":
        length = cfg.data.maxlen
        targets_at = np.arange(length, len(ids))
        method = f"next token after each {length}-token window"
    else:
        length = cfg.data.seq_len
        n_chunks = (len(ids) - 1) // length
        targets_at = (np.arange(n_chunks)[:, None] * length + np.arange(1, length + 1)[None, :]).ravel()
        method = f"every position of consecutive {length}-token chunks"
    if len(targets_at) == 0:
        raise CorpusError(f"the text is too short to evaluate: {len(ids)} tokens, need more than {length}")
    nats = window_cross_entropy(bundle.model, ids, length, cfg.data.layout, batch_size)
    # Characters the scored tokens spell (a subword byte token counts the characters it starts).
    chars = int(bundle.tokenizer.char_counts[ids[targets_at]].sum())
    total = nats * len(targets_at)
    return Evaluation(
        nats_per_token=nats,
        bits_per_char=total / math.log(2) / max(chars, 1),
        tokens=len(targets_at),
        characters=chars,
        unknown=len(encoded.unknown),
        method=method,
    )


def window_cross_entropy(
    model,
    ids: np.ndarray,
    length: int,
    layout: str,
    batch_size: int = 256,
    stride: int = 1,
    onehot_vocab: int | None = None,
) -> float:
    """Mean cross-entropy in nats. `window`: the next token after each window of `length` taken
    every `stride` tokens. `sequence`: every position of consecutive chunks of `length`.
    `onehot_vocab`: the model takes one-hot vectors of that size instead of ids (the book's)."""
    from textgen_tui.core.nets.backend import import_keras

    import_keras()
    if hasattr(model, "jax_state_sync"):  # in the middle of fit, JAX keeps the weights elsewhere
        model.jax_state_sync()
    ids = np.asarray(ids).astype(np.int32, copy=False)
    if layout == "window":
        starts = np.arange(0, len(ids) - length, stride)
    else:
        starts = np.arange(0, len(ids) - length, length)
    offsets = np.arange(length + 1)
    total, count = 0.0, 0
    for i in range(0, len(starts), batch_size):
        windows = ids[starts[i : i + batch_size, None] + offsets[None, :]]
        x = windows[:, :-1]
        if onehot_vocab:
            x = np.eye(onehot_vocab, dtype=np.float32)[x]
        probs = np.asarray(model.predict_on_batch(x))
        if layout == "window":
            target = windows[:, -1]
            if probs.ndim == 3:  # a sequence model scored on windows: its last position
                probs = probs[:, -1]
        else:
            target = windows[:, 1:]
        p = np.take_along_axis(probs, target[..., None], axis=-1)
        total += float(np.sum(-np.log(np.maximum(p.astype(np.float64), 1e-12))))
        count += target.size
    return total / max(count, 1)
