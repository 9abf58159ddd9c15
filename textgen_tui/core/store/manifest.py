"""The run state a model folder's manifest (state.json) holds, as one typed object.

The store (core/store/folder.py) reads and writes it; the trainer keeps one while it trains. Pure data:
no Keras, no files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

MARKER = "textgen-tui model"
"""state.json's "kind": a folder is a model only when its manifest says so."""
FORMAT = 2


@dataclass
class RunState:
    """What state.json says about a run (every key optional in older folders)."""

    epochs_done: int = 0
    """Epochs (or budget periods) finished and saved."""
    best_epoch: int | None = None
    """The epoch whose model is best.keras (the lowest `monitor`)."""
    best_value: float | None = None
    """The monitored loss at `best_epoch`."""
    monitor: str | None = None
    """What picks the best epoch: `val_loss`, or `loss` without a validation part."""
    planned_epochs: int = 0
    """The epochs the run was planned to end at (0: a time budget); a resume continues to it."""
    budget_minutes: float | None = None
    """The run's time budget in minutes, None when it trained for epochs."""
    corpus: dict = field(default_factory=dict)
    """The corpus trained on: source, characters, encoding, lowercase."""
    params: int | None = None
    """The model's parameter count."""
    seeds: list[str] = field(default_factory=list)
    """Bits of the corpus to start generation from."""
    vocab_size: int | None = None
    """The tokenizer's vocabulary size (cross-checked with tokenizer.json)."""
    created: float | None = None
    """When the folder's first epoch was saved (seconds since the epoch); kept by every save."""
    updated: float | None = None
    """When the last epoch was saved."""
    files: dict = field(default_factory=dict)
    """Model file name → {"epoch", "bytes"}: what the manifest vouches for."""
    kind: str | None = None
    """MARKER in a model folder of the current format."""
    format: int | None = None
    """The folder format (1: one model.keras; 2: best.keras and last.keras)."""
    version: str | None = None
    """The textgen-tui version that wrote it."""
    lineage: dict | None = None
    """A fine-tuned model's start: the base's name, folder, corpus, epoch, a hash of its weights
    and the base's own lineage (core/train/fine_tune.py); None for a model trained from scratch."""
    extra: dict = field(default_factory=dict)
    """Keys this version does not know (kept as they were)."""

    @classmethod
    def from_dict(cls, d: dict) -> RunState:
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in d.items() if k in names}
        return cls(**known, extra={k: v for k, v in d.items() if k not in names})

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**self.extra, **d}

    def to_json(self) -> dict:
        """What state.json holds: the keys with a value (an older reader's `get` sees None alike)."""
        return {k: v for k, v in self.to_dict().items() if v is not None}

    def copy(self) -> RunState:
        return RunState.from_dict(self.to_dict())

    # Read access by key, for readers written against the former dict (the app's panes).
    def get(self, key: str, default: Any = None) -> Any:
        value = self.to_dict().get(key, default)
        return default if value is None and default is not None else value

    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        if key == "extra" or key not in {f.name for f in dataclasses.fields(self)}:
            raise KeyError(key)
        return getattr(self, key)


def describe_lineage(lineage: dict | None) -> str | None:
    """A fine-tuned model's start in words ("english (corpus base-texts, epoch 9, weights
    1a2b3c4d) ← …"), or None for a model trained from scratch."""
    parts: list[str] = []
    while isinstance(lineage, dict) and len(parts) < 8:
        sha = str(lineage.get("weights_sha256") or "")[:8]
        facts = [f"corpus {lineage['corpus']}" if lineage.get("corpus") else ""]
        facts += [
            f"epoch {lineage['epoch']}" if lineage.get("epoch") is not None else "",
            f"weights {sha}" if sha else "",
        ]
        said = ", ".join(f for f in facts if f)
        parts.append(f"{lineage.get('base', '?')}" + (f" ({said})" if said else ""))
        lineage = lineage.get("lineage")
    return " ← ".join(parts) or None
