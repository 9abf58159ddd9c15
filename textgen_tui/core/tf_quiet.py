"""Import Keras/TensorFlow once, quietly: their C++ start-up logs would spoil the terminal."""

from __future__ import annotations

import os
import sys
import threading

_lock = threading.Lock()
_keras = None  # set once the import has fully finished


def import_keras():
    """Return the `keras` module, importing TensorFlow with its log noise silenced."""
    global _keras
    if _keras is not None:
        return _keras
    with _lock:
        if _keras is not None:  # another thread finished the import while we waited
            return _keras
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        # absl writes straight to file descriptor 2 before logging is set up: mute it briefly.
        saved = None
        try:
            sys.stderr.flush()
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            saved = None
        try:
            import keras
            import tensorflow as tf

            tf.get_logger().setLevel("ERROR")
            _thread_counts(tf)
            try:
                import absl.logging

                absl.logging.set_verbosity(absl.logging.ERROR)
            except ImportError:  # pragma: no cover - absl ships with TensorFlow
                pass
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
        _keras = keras
        return keras


def _thread_counts(tf) -> None:
    """TEXTGEN_TUI_INTRA_OP_THREADS / TEXTGEN_TUI_INTER_OP_THREADS set TensorFlow's thread pools
    (before the runtime starts); unset, TensorFlow chooses."""
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
