"""The model folder: everything needed to generate and to resume, written atomically.

    model.keras      the Keras model with its optimizer state (the best epoch so far)
    config.json      the full Config
    tokenizer.json   tokenizer kind and vocabulary
    state.json       epochs done, best epoch and loss, corpus description, seeds for sampling
    history.json     per-epoch loss, validation loss, learning rate and time
    samples.json     the samples generated after each epoch

Every file is written to a temporary name and moved into place with os.replace, so a crash
never leaves a half-written file. Nothing is unpickled; Keras loads with safe_mode=True.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textgen_tui import __version__
from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, TextgenError
from textgen_tui.core.tokenizers import Tokenizer

MODEL_FILE = "model.keras"
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
STATE_FILE = "state.json"
HISTORY_FILE = "history.json"
SAMPLES_FILE = "samples.json"
REQUIRED = (MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE, STATE_FILE)
FORMAT = 1


def write_json_atomic(path: Path, obj: Any) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a model folder is meant to be shared
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def save_model_atomic(model, path: Path) -> None:
    """Keras writes straight into its target: write a temporary .keras, then os.replace."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp, overwrite=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(p: str) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _read_json(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise BundleError(f"{folder}: {name} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{folder}: {name} is corrupt ({exc})") from None
    except OSError as exc:
        raise BundleError(f"{folder}: {name} cannot be read ({exc.strerror or exc})") from None


@dataclass
class BundleInfo:
    """What a model folder says about itself, read without TensorFlow."""

    path: Path
    config: Config
    tokenizer: Tokenizer
    state: dict
    history: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def epochs_done(self) -> int:
        return int(self.state.get("epochs_done", 0))

    @property
    def best_value(self) -> float | None:
        v = self.state.get("best_value")
        return float(v) if v is not None else None

    @property
    def seeds(self) -> list[str]:
        return list(self.state.get("seeds", []))

    @property
    def corpus(self) -> dict:
        return dict(self.state.get("corpus", {}))


def read_info(folder: str | Path) -> BundleInfo:
    """Check a model folder and read its JSON files. Raises BundleError with a clear message."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise BundleError(f"{folder} does not exist")
    if not folder.is_dir():
        raise BundleError(f"{folder} is not a model folder (it is a file)")
    missing = [n for n in REQUIRED if not (folder / n).is_file()]
    if missing:
        raise BundleError(f"{folder} is not a complete model folder: {', '.join(missing)} missing")
    try:
        config = Config.from_dict(_read_json(folder, CONFIG_FILE)).validate()
    except BundleError:
        raise
    except (TextgenError, TypeError, ValueError) as exc:
        raise BundleError(f"{folder}: config.json is invalid ({exc})") from None
    try:
        tokenizer = Tokenizer.from_dict(_read_json(folder, TOKENIZER_FILE))
    except BundleError:
        raise
    except TextgenError as exc:
        raise BundleError(f"{folder}: {exc}") from None
    state = _read_json(folder, STATE_FILE)
    if not isinstance(state, dict):
        raise BundleError(f"{folder}: state.json is corrupt (not an object)")
    if state.get("vocab_size") not in (None, tokenizer.vocab_size):
        raise BundleError(
            f"{folder}: the vocabulary ({tokenizer.vocab_size} tokens) does not match the model "
            f"({state.get('vocab_size')} tokens)"
        )
    history = _read_json(folder, HISTORY_FILE) if (folder / HISTORY_FILE).exists() else {}
    samples = _read_json(folder, SAMPLES_FILE) if (folder / SAMPLES_FILE).exists() else []
    return BundleInfo(folder, config, tokenizer, state, history or {}, samples or [])


@dataclass
class Bundle:
    """A loaded model folder: its info plus the Keras model."""

    info: BundleInfo
    model: Any

    @property
    def config(self) -> Config:
        return self.info.config

    @property
    def tokenizer(self) -> Tokenizer:
        return self.info.tokenizer

    def generator(self):
        from textgen_tui.core.generation import Generator, RecurrentNet

        maxlen = self.config.data.maxlen if self.config.data.layout == "window" else None
        return Generator(RecurrentNet.from_keras(self.model), self.tokenizer, maxlen)


def load_bundle(folder: str | Path, *, compile: bool = True) -> Bundle:
    info = read_info(folder)
    from textgen_tui.core.tf_quiet import import_keras

    keras = import_keras()
    path = info.path / MODEL_FILE
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as exc:  # Keras raises many kinds for a damaged zip or config
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"{info.path}: model.keras is corrupt or unreadable ({first[:200]})") from None
    out = model.output_shape[-1]
    if out != info.tokenizer.vocab_size:
        raise BundleError(
            f"{info.path}: the model predicts {out} tokens but tokenizer.json has "
            f"{info.tokenizer.vocab_size}: the files do not belong together"
        )
    return Bundle(info, model)


def save_bundle(
    folder: str | Path,
    *,
    config: Config,
    tokenizer: Tokenizer,
    state: dict,
    history: dict,
    samples: list,
    model=None,
) -> None:
    """Write the folder. The model goes first, so state.json never names a model not yet saved."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if model is not None:
        save_model_atomic(model, folder / MODEL_FILE)
    state = {**state, "format": FORMAT, "version": __version__, "updated": time.time()}
    state.setdefault("created", state["updated"])
    state["vocab_size"] = tokenizer.vocab_size
    write_json_atomic(folder / CONFIG_FILE, config.to_dict())
    write_json_atomic(folder / TOKENIZER_FILE, tokenizer.to_dict())
    write_json_atomic(folder / HISTORY_FILE, history)
    write_json_atomic(folder / SAMPLES_FILE, samples)
    write_json_atomic(folder / STATE_FILE, state)


def is_bundle(folder: Path) -> bool:
    return folder.is_dir() and (folder / STATE_FILE).exists()


def list_bundles(*roots: str | Path) -> list[BundleInfo | tuple[Path, str]]:
    """Every model folder directly under the roots: info, or (path, error) for a broken one."""
    out: list[BundleInfo | tuple[Path, str]] = []
    seen: set[Path] = set()
    for root in roots:
        root = Path(root).expanduser()
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            key = folder.resolve()
            if key in seen or not any((folder / n).exists() for n in REQUIRED):
                continue
            seen.add(key)
            try:
                out.append(read_info(folder))
            except BundleError as exc:
                out.append((folder, str(exc)))
    return out


def strip_optimizer(folder: str | Path) -> None:
    """Re-save model.keras without its optimizer state (a third of the size): for shipping.
    Resuming such a folder starts a fresh optimizer."""
    from textgen_tui.core.tf_quiet import import_keras

    keras = import_keras()
    bundle = load_bundle(folder, compile=False)
    clone = keras.models.clone_model(bundle.model)
    clone.set_weights(bundle.model.get_weights())
    save_model_atomic(clone, Path(folder) / MODEL_FILE)
