"""The public Python API, re-exported at the package's top level (`import textgen_tui as tg`).

- `tg.load(name_or_path)` opens a model; `tg.train(corpus, ...)` trains one and returns it;
  `tg.TrainingSession` trains without waiting.
- `Model.generate`, `Model.evaluate`, `Model.inspect`, `Model.suggest`, `Model.info` and
  `Model.keras_model` do what the command line and the app do.
- Every error the user can cause is a `tg.TextgenError` whose message is the one line the command
  line prints.

This package imports numpy and the core's light modules; Keras loads only when a run or a Keras
model needs it, and the Textual app never.
"""

from __future__ import annotations

from textgen_tui.api.model import GenerationStream, Model, load
from textgen_tui.api.results import Cell, Evaluation, Inspection, ModelInfo, TextgenWarning, TokenScore
from textgen_tui.api.training import TrainingSession, train
from textgen_tui.core import events
from textgen_tui.core.errors import TextgenError

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
    "events",
    "load",
    "train",
]
