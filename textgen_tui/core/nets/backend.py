"""Which Keras 3 backend runs, imported once and quietly, and which devices it sees.

`--backend` (or KERAS_BACKEND) picks TensorFlow (the default), or JAX. Keras reads the choice
once, when it is first imported, so `choose()` must run before anything imports Keras.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
import threading

from textgen_tui.core.errors import ConfigError

DEFAULT = "tensorflow"
BACKENDS = ("tensorflow", "jax")
"""The backends the engine runs on, the ones offered (Keras's torch is refused: untested here)."""
EXTRA = {
    "jax": "pip install 'textgen-tui[jax]' (or '[jax-cuda]' for NVIDIA GPUs)",
    "tensorflow": "pip install tensorflow",
}

_lock = threading.Lock()
_keras = None  # set once the import has fully finished


def requested() -> str:
    """The backend asked for: KERAS_BACKEND, else the default."""
    return (os.environ.get("KERAS_BACKEND") or DEFAULT).strip().lower()


def choose(name: str | None = None) -> str:
    """Select the backend (`name`, else KERAS_BACKEND, else TensorFlow) before Keras is imported.
    ConfigError, in one sentence, for an unknown, unsupported or missing backend, or for a change
    after Keras already started on another one."""
    name = (name or requested()).strip().lower()
    if name == "torch":  # KERAS_BACKEND=torch: the CLI and the app do not offer it
        raise ConfigError(
            "the torch backend is not supported yet (untested with this engine): "
            "use --backend jax or tensorflow"
        )
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}: choose {', '.join(BACKENDS)}")
    running = current()
    if running is not None and running != name:
        raise ConfigError(f"Keras already runs on {running} in this process; it cannot switch to {name}")
    if not installed(name):
        raise ConfigError(f"the {name} backend is not installed: {EXTRA[name]}")
    os.environ["KERAS_BACKEND"] = name
    return name


def installed(name: str) -> bool:
    """The backend's package can be imported (nothing is imported to tell)."""
    return importlib.util.find_spec(name) is not None


def offered() -> str:
    """The backends in words, for a --help or a tooltip: each one, and how to install a missing one."""
    return ", ".join(
        name if installed(name) else f"{name} (not installed: {EXTRA[name]})" for name in BACKENDS
    )


def current() -> str | None:
    """The backend Keras runs on, or None when Keras has not been imported yet."""
    keras = sys.modules.get("keras")
    if keras is None or not hasattr(keras, "backend"):
        return None
    try:
        return keras.backend.backend()
    except Exception:  # noqa: BLE001 - a half-imported keras
        return None


def keras_classes(build):
    """Decorator: `build(keras)` defines Keras subclasses on the first call and returns them; the
    result is kept. The one way the package makes Keras classes lazily, so importing a module
    stays Keras-free."""
    made: list = []
    lock = threading.Lock()

    @functools.wraps(build)
    def classes():
        if not made:
            with lock:
                if not made:
                    made.append(build(import_keras()))
        return made[0]

    return classes


def import_keras():
    """Return the `keras` module on the chosen backend, with the backends' start-up noise silenced."""
    global _keras
    if _keras is not None:
        return _keras
    with _lock:
        if _keras is not None:  # another thread finished the import while we waited
            return _keras
        name = choose(current())
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with _muted_fd2():
            import keras

            if name == "tensorflow":
                from textgen_tui.core.nets import tf_support

                tf_support.quiet_start()
            elif "tensorflow" not in sys.modules:
                _hide_tensorflow(keras)
            try:
                import absl.logging

                absl.logging.set_verbosity(absl.logging.ERROR)
            except ImportError:  # pragma: no cover - absl comes with TensorFlow and JAX
                pass
        _keras = keras
        return keras


@contextlib.contextmanager
def _muted_fd2():
    """absl and XLA write straight to file descriptor 2 before logging is set up (at import,
    and when the runtime first looks for devices: a "failed call to cuInit" line on a machine
    without a GPU, seen under load): mute it for the span."""
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
        yield
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def _hide_tensorflow(keras) -> None:
    """On another backend, Keras still imports TensorFlow when it is installed (to seed it, and
    at every save): 2 s and about 500 MB for nothing here. Tell Keras it is not installed."""
    lazy = getattr(getattr(getattr(keras, "src", None), "utils", None), "module_utils", None)
    lazy = getattr(lazy, "tensorflow", None)
    if lazy is not None and hasattr(lazy, "_available"):
        lazy._available = False


def devices() -> list[str]:
    """The devices Keras can place work on, all processes together ("cpu:0", "gpu:1", ...)."""
    keras = import_keras()
    try:
        with _muted_fd2():  # the runtime's first look for devices
            found = keras.distribution.list_devices()
        return [str(d).lower() for d in found]
    except Exception:  # noqa: BLE001 - a backend without a device list: one CPU
        return ["cpu:0"]


def has_gpu() -> bool:
    return any(d.startswith(("gpu", "cuda")) for d in devices())


def describe() -> str:
    """One line for headers and logs: "jax · 2 CPU devices", "tensorflow · 1 GPU"."""
    found = devices()
    kinds: dict[str, int] = {}
    for d in found:
        kind = d.split(":")[0].replace("/job", "").strip("/").upper() or "CPU"
        kind = "GPU" if kind in ("CUDA", "GPU") else kind
        kinds[kind] = kinds.get(kind, 0) + 1
    parts = [f"{n} {k}" + (" devices" if n > 1 else "") for k, n in kinds.items()]
    return f"{import_keras().backend.backend()} · {', '.join(parts) or 'CPU'}"
