"""textgen-tui: train character- and word-level LSTM text generators and play with them live.

As a library, `import textgen_tui as tg`: `tg.load` opens a model, `tg.train` trains one,
a `tg.Model` generates, evaluates, inspects and suggests (the documentation's "Python" page).
The names below load on first use: `import textgen_tui` itself imports neither Keras nor the
terminal app.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# numpy's BLAS on one thread, set before numpy loads: the numpy nets multiply one token's row (or
# a few) at a time, and on a busy machine (training, the shared cores) BLAS threads only contend
# (benchmarks/results/write.md measures it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from textgen_tui.api import (
        Cell,
        Evaluation,
        GenerationStream,
        Inspection,
        Model,
        ModelInfo,
        TextgenError,
        TextgenWarning,
        TokenScore,
        TrainingSession,
        events,
        load,
        train,
    )

__all__ = [
    "Cell",
    "Evaluation",
    "GenerationStream",
    "Inspection",
    "Model",
    "ModelInfo",
    "TextgenError",
    "TextgenWarning",
    "TokenScore",
    "TrainingSession",
    "__version__",
    "events",
    "load",
    "train",
]


def __getattr__(name: str) -> Any:
    """The public API's names, imported from `textgen_tui.api` when first used."""
    if name in __all__ and name != "__version__":
        import textgen_tui.api as api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'textgen_tui' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
