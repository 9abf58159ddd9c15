"""The one module that imports TensorFlow: its quiet start and its input pipeline.

Used only when Keras runs on TensorFlow; every other backend takes the numpy batches as they are.
"""

from __future__ import annotations

import os


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


def tf_dataset(batches):
    """A tf.data pipeline over `TokenBatches`: the numpy batches are made in one pipeline
    thread, two ahead of the training step."""
    import tensorflow as tf

    x_shape, y_shape = batches.shapes()
    spec = (tf.TensorSpec(x_shape, tf.int32), tf.TensorSpec(y_shape, tf.int32))
    ds = tf.data.Dataset.from_generator(batches.generator, output_signature=spec)
    if batches.steps is None:
        ds = ds.apply(tf.data.experimental.assert_cardinality(len(batches)))
    ds = ds.prefetch(2)
    # No tf.data autotuning: destroying an autotuned iterator waits for the autotune thread, and
    # Keras destroys one at every full-pass epoch start and at the end of fit. The soak measured
    # 6-20 s silences at ~0 % CPU there (the "stall" of issue 8); fixed sizes are also faster here.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)
