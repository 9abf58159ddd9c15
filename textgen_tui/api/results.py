"""What the Python API returns: plain dataclasses, the same data the command line prints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class TextgenWarning(UserWarning):
    """Something the user should know that is not an error: a seed's characters the model does
    not know, a copy trained instead of the bundled model."""


def _number(x: float | None, digits: int = 6) -> float | None:
    """A JSON number: rounded, and None for nan or infinity (as `inspect --json` writes them)."""
    return None if x is None or not math.isfinite(x) else round(x, digits)


@dataclass(frozen=True)
class ModelInfo:
    """What a model folder says about itself: its settings, its history and where it came from."""

    name: str
    """The folder's name (what `tg.load` and `textgen-tui generate NAME` accept)."""
    path: Path
    """The model folder."""
    tokenizer: str
    """The token kind: `char`, `word`, `clause` or `subword`."""
    vocab_size: int
    """Tokens in the vocabulary."""
    lowercase: bool
    """The model reads lowercased text (seeds and texts are lowercased for it)."""
    params: int | None
    """Trainable parameters (None in folders that do not record it)."""
    epochs_done: int
    """Epochs (or budget periods) trained and saved."""
    best_epoch: int | None
    """The epoch whose weights the folder generates with."""
    best_value: float | None
    """The monitored loss at `best_epoch` (nats per token)."""
    monitor: str
    """What picked the best epoch: `val_loss`, or `loss` when nothing was held out."""
    settings: dict[str, Any]
    """The whole configuration, by section (`data`, `model`, `train`, `sample`) and the preset."""
    history: dict[str, list[float]]
    """Per-epoch values by name (`loss`, `val_loss`, `lr`, ...), oldest first."""
    corpus: dict[str, Any]
    """The corpus it was trained on: source, characters, encoding, lowercase."""
    lineage: dict[str, Any] | None
    """Where a fine-tuned model started (its base, the base's corpus and epoch); None for a model
    trained from scratch."""
    seeds: list[str] = field(default_factory=list)
    """Excerpts of the corpus that generation starts from when no seed is given."""


@dataclass(frozen=True)
class Evaluation:
    """Cross-entropy of a model on a text (what `textgen-tui evaluate` prints)."""

    nats_per_token: float
    """Mean −ln p of the scored tokens."""
    bits_per_char: float
    """The scored tokens' total surprise in bits over the characters they spell."""
    tokens: int
    """Tokens whose prediction was scored."""
    characters: int
    """Characters those tokens spell."""
    unknown: int
    """Characters of the text that the vocabulary does not know (skipped)."""
    method: str
    """How the tokens were scored: after each window (window models) or every position of
    consecutive chunks (sequence models)."""
    seconds: float
    """Time the scoring took (loading the model not included)."""


@dataclass(frozen=True)
class TokenScore:
    """One token of an inspected text."""

    text: str
    """Its spelling in the text as the model read it (lowercased for a lowercase model)."""
    start: int
    """Its offset in that text, in characters."""
    nats: float | None
    """−ln p(token | all the text before it); None for the first token and unknown ones."""
    rank: int | None
    """1 = the model's top choice; None where `nats` is None."""
    known: bool
    """False: a character the vocabulary cannot spell (shown, never fed to the model)."""


@dataclass(frozen=True)
class Cell:
    """A recurrent unit whose activation follows a feature of the text."""

    feature: str
    """`position_in_line`, `position_in_word`, `inside_quotes` or `inside_parentheses`."""
    layer: int
    """The recurrent layer, 0 = the bottom one."""
    unit: int
    """The unit in that layer."""
    r: float
    """Pearson r (signed) of the unit's activation with the feature over the text's tokens."""


@dataclass(frozen=True)
class Inspection:
    """A text seen through a model: every token's surprise and rank, and optionally the cells
    that track the text. The same data as `textgen-tui inspect --json` (`to_dict` gives that
    object)."""

    model: str
    """The model folder."""
    lowercased: bool
    """The text was lowercased for the model."""
    tokens: list[TokenScore]
    """The text's tokens in order: their texts joined are the text as the model read it."""
    nats_per_token: float
    """Mean −ln p over the scored tokens."""
    bits_per_char: float
    """The scored tokens' total surprise in bits over the characters they spell."""
    scored: int
    """Tokens scored (every token the model knows but the first)."""
    unknown: list[str]
    """The characters the model does not know, named ("é (U+00E9)"), each once."""
    cells: list[Cell] | None = None
    """The units that track the features of the text, when asked for (`cells=True`)."""
    seconds: float = 0.0
    """Time the reading took (loading the model not included)."""

    @property
    def text(self) -> str:
        """The text as the model read it."""
        return "".join(t.text for t in self.tokens)

    def to_dict(self) -> dict[str, Any]:
        """The object `textgen-tui inspect --json` prints (numbers rounded, nan as None)."""
        out: dict[str, Any] = {
            "model": self.model,
            "lowercased": self.lowercased,
            "tokens": [
                {"text": t.text, "start": t.start, "nats": _number(t.nats), "rank": t.rank, "known": t.known}
                for t in self.tokens
            ],
            "nats_per_token": _number(self.nats_per_token),
            "bits_per_char": _number(self.bits_per_char),
            "scored": self.scored,
            "unknown": list(self.unknown),
        }
        if self.cells is not None:
            out["cells"] = [
                {"feature": c.feature, "layer": c.layer, "unit": c.unit, "r": _number(c.r, 4)}
                for c in self.cells
            ]
        return out
