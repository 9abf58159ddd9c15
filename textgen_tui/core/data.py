"""Token-id arrays → tf.data pipelines, without ever materialising one-hot windows.

The corpus is one integer array. Each batch gathers its windows from it inside the pipeline,
so memory is the id array plus a few batches, whatever the corpus size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textgen_tui.core.config import Config, DataConfig
from textgen_tui.core.errors import CorpusError
from textgen_tui.core.tf_quiet import import_keras


@dataclass
class Split:
    train: np.ndarray
    val: np.ndarray | None


def split_ids(ids: np.ndarray, cfg: DataConfig) -> Split:
    """Hold out the last `val_fraction` of the corpus; both parts must fit one example."""
    need = example_length(cfg) + 1
    if len(ids) < need:
        raise CorpusError(
            f"the corpus is too short: {len(ids):,} tokens, one training example needs {need:,}"
        )
    if cfg.val_fraction <= 0:
        return Split(ids, None)
    n_val = int(len(ids) * cfg.val_fraction)
    if n_val < need or len(ids) - n_val < need:
        raise CorpusError(
            f"the corpus is too short: {len(ids):,} tokens cannot give {need:,} for training and "
            f"{need:,} for validation (val_fraction {cfg.val_fraction:g}); add text or set it to 0"
        )
    return Split(ids[:-n_val], ids[-n_val:])


def example_length(cfg: DataConfig) -> int:
    return cfg.maxlen if cfg.layout == "window" else cfg.seq_len


def example_starts(n_tokens: int, cfg: DataConfig) -> np.ndarray:
    """Start offsets of the training examples in an id array of `n_tokens`."""
    length = example_length(cfg)
    stride = cfg.step if cfg.layout == "window" else cfg.seq_len
    dtype = np.int32 if n_tokens < 2**31 - 1 else np.int64  # int32 halves a big corpus's index
    return np.arange(0, n_tokens - length, stride, dtype=dtype)


def count_batches(n_tokens: int, cfg: Config) -> int:
    n = len(example_starts(n_tokens, cfg.data))
    return max(1, -(-n // cfg.train.batch_size))


def make_dataset(ids: np.ndarray, cfg: Config, *, shuffle: bool, repeat: bool = False):
    """A dataset of (inputs, targets) batches drawn lazily from `ids`."""
    import_keras()
    import tensorflow as tf

    d = cfg.data
    length = example_length(d)
    starts = example_starts(len(ids), d)
    # A variable, not a constant: tf.data functions capture constants by value (copies of the
    # whole corpus in the graph), variables by reference.
    table = tf.Variable(ids, trainable=False, name="token_ids")
    offsets = tf.range(length + 1, dtype=tf.as_dtype(starts.dtype))

    # Sequence chunks start at a random offset inside their stride each time they are drawn, so
    # every epoch sees new chunk boundaries (nanoGPT samples random positions the same way).
    jitter = shuffle and d.layout == "sequence"
    last_start = len(ids) - length - 1

    def gather(batch_starts):
        if jitter:
            shift = tf.random.uniform(tf.shape(batch_starts), 0, length, dtype=batch_starts.dtype)
            batch_starts = tf.minimum(batch_starts + shift, last_start)
        windows = tf.gather(table, batch_starts[:, None] + offsets[None, :])
        windows = tf.cast(windows, tf.int32)
        if d.layout == "window":
            return windows[:, :-1], windows[:, -1]
        return windows[:, :-1], windows[:, 1:]

    batch = cfg.train.batch_size
    if shuffle:
        # One permutation of all starts per pass, as a single tensor: tf.data's shuffle buffer
        # would cost a few hundred bytes per element (500 MB for a 100 MB corpus).
        ds = tf.data.Dataset.from_tensors(tf.constant(starts))
        ds = ds.repeat() if repeat else ds
        ds = ds.map(lambda s: tf.random.shuffle(s, seed=cfg.train.seed))
        ds = ds.flat_map(lambda s: tf.data.Dataset.from_tensor_slices(s).batch(batch))
        if not repeat:
            ds = ds.apply(tf.data.experimental.assert_cardinality(-(-len(starts) // batch)))
    else:
        ds = tf.data.Dataset.from_tensor_slices(starts)
        ds = (ds.repeat() if repeat else ds).batch(batch)
    ds = ds.map(gather, num_parallel_calls=2).prefetch(2)
    # No tf.data autotuning: destroying an autotuned iterator waits for the autotune thread, and
    # Keras destroys one at every full-pass epoch start and at the end of fit. The soak measured
    # 6-20 s silences at ~0 % CPU there (the "stall" of issue 8); fixed sizes are also faster here.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)
