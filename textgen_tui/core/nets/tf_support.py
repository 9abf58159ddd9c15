"""The one module that imports TensorFlow: its quiet start and its input pipeline.

Used only when Keras runs on TensorFlow; every other backend takes the numpy batches as they are.
"""

from __future__ import annotations

import os

import numpy as np


def quiet_start() -> None:
    """Silence TensorFlow's Python logger and apply the thread-pool variables."""
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    # TEXTGEN_TUI_INTRA_OP_THREADS / TEXTGEN_TUI_INTER_OP_THREADS set TensorFlow's thread pools
    # (before the runtime starts); unset, TensorFlow chooses.
    for name, setter in (
        ("TEXTGEN_TUI_INTRA_OP_THREADS", tf.config.threading.set_intra_op_parallelism_threads),
        ("TEXTGEN_TUI_INTER_OP_THREADS", tf.config.threading.set_inter_op_parallelism_threads),
    ):
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            try:
                setter(int(value))
            except RuntimeError:  # the runtime already started: too late, keep its pools
                pass
    # The runtime's first look for devices writes "failed call to cuInit" to stderr on a machine
    # without a GPU; done here, it falls inside import_keras's muted span (a CLI error stays one line).
    tf.config.list_physical_devices()


def tf_dataset(batches):
    """A tf.data pipeline over `TokenBatches`: the same batches, with numpy choosing where each
    example starts and TensorFlow gathering the windows (handing it whole numpy batches instead
    made the `fast` preset's steps 30 % slower on 2 cores)."""
    import tensorflow as tf

    dtype = tf.as_dtype(batches.starts.dtype)
    first = batches.next_pass

    def pass_starts(p):  # one numpy call per pass: every batch's starts, in order
        p = int(p)
        return np.concatenate([batches.starts_of(p, i) for i in range(batches.per_pass)])

    def one_pass(p, skip=0):
        starts = tf.numpy_function(pass_starts, [p], dtype, stateful=False)
        starts.set_shape((None,))
        return tf.data.Dataset.from_tensor_slices(starts).batch(batches.batch).skip(skip)

    # Where an iterator starts is read when Keras makes it (each epoch, or each period's fit),
    # with a numpy_function: `from_generator` costs every training step of `fit` system time in
    # the Python bridge, numpy_function does not.
    counter = iter(range(first, 2**62))

    def read_start():
        if batches.steps is None:  # Keras iterates the dataset once per epoch: the next pass
            p, skip = next(counter), 0
        else:  # one endless iterator per fit: after the earlier fits' batches
            p, skip = divmod(batches.base, batches.per_pass)
            p += first
        return np.int64(p), np.int64(skip)

    def read():
        p, skip = tf.numpy_function(read_start, [], (tf.int64, tf.int64), stateful=True)
        return tf.reshape(p, ()), tf.reshape(skip, ())

    start = tf.data.Dataset.range(1).map(lambda _: read())
    if batches.steps is None:
        ds = start.flat_map(lambda p, skip: one_pass(p))
        ds = ds.apply(tf.data.experimental.assert_cardinality(len(batches)))
    else:

        def passes(p, skip):  # pass p from its `skip`-th batch, then the passes after it whole
            later = tf.data.Dataset.range(p + 1, 2**62).flat_map(lambda q: one_pass(q))
            return one_pass(p, skip).concatenate(later)

        ds = start.flat_map(passes)
    # A variable, not a constant: tf.data functions capture constants by value (copies of the
    # whole corpus in the graph), variables by reference.
    table = tf.Variable(batches.ids, trainable=False, name="token_ids")
    offsets = tf.constant(batches.offsets)
    window = batches.layout == "window"

    def gather(starts):
        windows = tf.cast(tf.gather(table, starts[:, None] + offsets[None, :]), tf.int32)
        if window:
            return windows[:, :-1], windows[:, -1]
        return windows[:, :-1], windows[:, 1:]

    ds = ds.map(gather, num_parallel_calls=2).prefetch(2)
    # No tf.data autotuning: destroying an autotuned iterator waits for the autotune thread, and
    # Keras destroys one at every full-pass epoch start and at the end of fit: runs went silent for
    # seconds there (benchmarks/results/soak.md); fixed sizes are also faster here.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


class SummaryWriter:
    """TensorBoard event files, written with tf.summary (TensorFlow must be installed, whichever
    backend trains)."""

    def __init__(self, log_dir: str) -> None:
        try:
            import tensorflow as tf
        except ImportError:
            from textgen_tui.core.errors import ConfigError

            raise ConfigError(
                "--tensorboard writes its logs with TensorFlow, which is not installed: pip install tensorflow"
            ) from None
        self.tf = tf
        self.writer = tf.summary.create_file_writer(log_dir)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        with self.writer.as_default(step=step):
            for tag, value in values.items():
                self.tf.summary.scalar(tag, value)
        self.writer.flush()

    def text(self, tag: str, text: str, step: int) -> None:
        with self.writer.as_default(step=step):
            self.tf.summary.text(tag, text)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
