"""Fine-tuning: a new model that starts from another's weights (`train CORPUS --from BASE`).

The new folder takes the base's architecture, tokenizer and weights; the optimizer starts fresh and
the learning rate follows a fine-tuning schedule (a lower peak, a short warm-up). A char base learns
the characters it lacks: they are appended to its vocabulary (the shared ones keep their ids and
their rows bit for bit), their embedding rows start as the average character and their output
columns as the base's rarest one, so the model's predictions over the shared characters start
where the base's are. A subword base keeps its tokenizer (byte fallback covers any text); a word
base is used when its vocabulary covers the text well enough.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, ConfigError
from textgen_tui.core.store.folder import BundleInfo, is_model, read_info
from textgen_tui.core.store.names import resolve_model
from textgen_tui.core.store.paths import bundled_models_dir
from textgen_tui.core.text.tokenizer_base import Tokenizer
from textgen_tui.core.text.tokenizers import CharTokenizer

LR_FACTOR = 0.25
"""The fine-tuning peak learning rate: this share of the preset's. Of 0.25, 0.5 and 1, the lowest
read held-out text best after two minutes on 100 KB (benchmarks/results/bases_lr.md)."""
WARMUP = 0.05
"""The share of the budget the rate warms up over (the fresh optimizer's moments settle first)."""
WORD_COVERAGE = 0.9
"""A word base is used when its vocabulary holds at least this share of the text's words."""
ARCHITECTURE = {
    "tokenizer": "data",
    "max_vocab": "data",
    "min_count": "data",
    "layout": "data",
    "input": "model",
    "embedding_dim": "model",
    "cell": "model",
    "units": "model",
    "layers": "model",
    "sampled_softmax": "model",
}
"""The settings that are the base's weights: a fine-tuned model keeps them."""
KEPT_IF_NOT_GIVEN = {
    "dropout": "model",
    "input_dropout": "model",
    "recurrent_dropout": "model",
    "maxlen": "data",
    "step": "data",
    "seq_len": "data",
}
"""The base's own values unless the user gave another."""


BASES = ("english",)
"""The bases the package ships (models/<name>, each with a base.json naming its texts)."""


@dataclass(frozen=True)
class Base:
    """A model folder to start from, read and checked (its weights are loaded when training starts)."""

    name: str
    """What the user called it: a bundled base's or a model's name, or the folder's name."""
    info: BundleInfo
    """The folder as read: config, tokenizer, state, the best model file."""

    @property
    def path(self) -> Path:
        return self.info.path

    def lineage(self) -> dict[str, Any]:
        """What the new folder records of where it started."""
        assert self.info.best_file is not None
        corpus = self.info.corpus
        return {
            "base": self.name,
            "path": str(self.path),
            "corpus": corpus.get("name") or Path(str(corpus.get("source", "?"))).name,
            "epoch": self.info.best_epoch,
            "weights_sha256": _sha256(self.info.best_file),
            "lineage": self.info.state.lineage,
        }


def base_names(tokenizer: str | None = None) -> list[str]:
    """The bundled bases, by name (a bundled model folder that carries base.json); `tokenizer`:
    only those that read text with that kind of token."""
    root = bundled_models_dir()
    if root is None:
        return []
    names = [p for p in root.iterdir() if (p / "base.json").is_file() and is_model(p)]
    if tokenizer is not None:
        names = [p for p in names if _tokenizer_of(p) == tokenizer]
    return sorted(p.name for p in names)


def _tokenizer_of(folder: Path) -> str | None:
    try:
        return json.loads((folder / "config.json").read_text(encoding="utf-8"))["data"]["tokenizer"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def find_base(ref: str | Path) -> Base:
    """`ref` as `resolve_model` finds it: a folder (a path that exists wins), a model in the models
    home, or a bundled one (`english`). ModelNotFound with the near names when nothing matches;
    BundleError for a folder that is not a whole model."""
    text = str(ref)
    folder = resolve_model(text)
    try:
        info = read_info(folder)
    except BundleError as exc:
        raise BundleError(f"cannot start from {text}: {exc}") from None
    if info.best_file is None or not info.best_file.exists():
        raise BundleError(f"cannot start from {text}: its folder has no model file")
    return Base(folder.name, info)


def fine_tune_config(base: Base, cfg: Config, given: dict[str, Any]) -> tuple[Config, list[str]]:
    """The run's settings: the base's architecture and tokenizer, the user's training settings
    (`cfg`: the preset with the user's choices; `given`: what the user chose), the fine-tuning
    rate. ConfigError when a choice would change the base's weights; what was changed, as notes."""
    given = {k: v for k, v in given.items() if v is not None}
    own = base.info.config
    sections = {"data": (cfg.data, own.data), "model": (cfg.model, own.model)}
    for name, section in ARCHITECTURE.items():
        value = getattr(sections[section][1], name)
        if name in given and given[name] != value:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{flag} {given[name]}: a model fine-tuned from {base.name} keeps its {name} ({value}); "
                "leave it out, or train from scratch"
            )
    out = cfg.copy()
    changes: list[str] = []
    for name, section in {**ARCHITECTURE, **KEPT_IF_NOT_GIVEN}.items():
        mine, theirs = getattr(out, section), getattr(own, section)
        if name not in given:
            setattr(mine, name, getattr(theirs, name))
    if "lowercase" in given and given["lowercase"] != own.data.lowercase:
        changes.append(
            f"lowercase: {'on' if given['lowercase'] else 'off'} → {'on' if own.data.lowercase else 'off'} "
            f"(follows the base {base.name})"
        )
    out.data.lowercase = own.data.lowercase
    if "learning_rate" not in given:
        out.train.learning_rate = cfg.train.learning_rate * LR_FACTOR
    if "warmup_fraction" not in given:
        out.train.warmup_fraction = WARMUP
    return out.validate(), changes


def base_tokenizer(base: Base, text: str, lowercase: bool) -> tuple[Tokenizer, list[str]]:
    """The tokenizer the new model reads `text` with, and the tokens added to the base's."""
    own = base.info.tokenizer
    if own.kind == "char":
        seen = set(CharTokenizer.fit(text, lowercase=lowercase).vocab)
        added = sorted(seen - set(own.vocab))
        return (CharTokenizer([*own.vocab, *added]) if added else own), added
    if own.kind in ("word", "clause"):
        sample = text.lower() if lowercase else text
        words = [t for t in own.split(sample[:2_000_000]) if t.strip() and len(t) > 1]
        covered = sum(1 for t in words if t in own.index) / max(1, len(words))
        if covered < WORD_COVERAGE:
            raise BundleError(
                f"the {base.name} base's vocabulary holds {covered:.0%} of this text's words "
                f"(at least {WORD_COVERAGE:.0%} needed): train from scratch, or start from a char or subword base"
            )
    return own, []


def transfer_weights(base_model, model, base_vocab: int) -> None:
    """Give `model` the base's weights. Arrays the added tokens widened keep the base's values in
    their first `base_vocab` rows (or columns) and fill the rest: an embedding row or an output
    column with the base's average, an output bias below the base's lowest (its rarest token's),
    so that the added tokens together take about as much probability as that one."""
    theirs = {w.path: w for w in base_model.weights}
    for w in model.weights:
        old = theirs.get(w.path)
        if old is None:
            raise BundleError(
                f"the base's model has no {w.path}: it is not the architecture its config names"
            )
        src = np.asarray(old.numpy())
        shape = tuple(w.shape)
        if src.shape == shape:
            w.assign(src)
            continue
        wider = [i for i, (a, b) in enumerate(zip(src.shape, shape)) if a != b]
        if len(src.shape) != len(shape) or len(wider) != 1 or src.shape[wider[0]] != base_vocab:
            if not w.trainable:  # the one-hot input: an identity of the new size already
                continue
            raise BundleError(f"the base's {w.path} has shape {src.shape}, not {shape}")
        axis = wider[0]
        extra = shape[axis] - base_vocab
        if src.ndim == 1:  # together the added tokens start about as likely as the rarest one
            fill = src.min(keepdims=True) - np.log1p(extra)
        else:
            fill = src.mean(axis=axis, keepdims=True)
        w.assign(np.concatenate([src, np.repeat(fill, extra, axis=axis)], axis=axis).astype(src.dtype))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
