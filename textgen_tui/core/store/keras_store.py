"""Model folders on the Keras side: loading a .keras file with Keras, and re-saving one.

The folder format itself (core/store/folder.py) reads, commits and lists without Keras; this module is
imported lazily, by what trains, evaluates or ships a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, first_line
from textgen_tui.core.nets.backend import import_keras
from textgen_tui.core.store.folder import (
    BEST_FILE,
    FORMAT,
    LAST_FILE,
    STATE_FILE,
    BundleInfo,
    read_info,
)
from textgen_tui.core.store.journal import atomic_file, write_json_atomic
from textgen_tui.core.text.tokenizers import Tokenizer


@dataclass
class Bundle:
    """A loaded model folder: its info plus the Keras model (training and evaluation only)."""

    info: BundleInfo
    model: Any

    @property
    def config(self) -> Config:
        return self.info.config

    @property
    def tokenizer(self) -> Tokenizer:
        return self.info.tokenizer


def save_model_atomic(model, path: Path) -> None:
    """Keras writes straight into its target: write a temporary .keras, then os.replace."""
    atomic_file(path, lambda tmp: model.save(tmp, overwrite=True), suffix=".keras")


def load_keras_model(path: Path, tokenizer: Tokenizer, *, compile: bool = True):
    """Load one .keras file with Keras (in the thread that owns the backend). A file whose arrays
    do not fit its config is refused first, with the array named (Keras only says that "1 object
    could not be loaded")."""
    from textgen_tui.core.store.weights_file import model_file_problem

    problem = model_file_problem(path)
    if problem is not None:
        raise BundleError(problem)
    keras = import_keras()
    from textgen_tui.core.nets.sampled_softmax import classes

    classes()  # registers the sampled softmax's layer and loss with Keras
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as exc:  # Keras raises many kinds for a damaged zip or config
        raise BundleError(
            f"{path.parent}: {path.name} is corrupt or unreadable ({first_line(exc, 200)})"
        ) from None
    out = model.output_shape[-1]
    if out != tokenizer.vocab_size:
        raise BundleError(
            f"{path.parent}: the model predicts {out} tokens but tokenizer.json has "
            f"{tokenizer.vocab_size}: the files do not belong together"
        )
    return model


def load_bundle(folder: str | Path, *, compile: bool = True) -> Bundle:
    """Load the folder's best model with Keras (training's thread, evaluation, shipping)."""
    info = read_info(folder)
    assert info.best_file is not None
    return Bundle(info, load_keras_model(info.best_file, info.tokenizer, compile=compile))


def strip_optimizer(folder: str | Path, *, drop_last: bool = False) -> None:
    """Re-save the best model without its optimizer state (a third of the size): for shipping.
    Resuming such a folder starts a fresh optimizer. `drop_last`: remove last.keras too (the
    manifest then names best.keras alone, which generation and resume read)."""
    keras = import_keras()
    bundle = load_bundle(folder, compile=False)
    clone = keras.models.clone_model(bundle.model)
    clone.set_weights(bundle.model.get_weights())
    target = bundle.info.best_file
    assert target is not None
    save_model_atomic(clone, target)
    if bundle.info.format == FORMAT:  # the manifest records sizes: keep it true
        state = bundle.info.state.copy()
        files = dict(state.files or {})
        if drop_last:
            files.pop(LAST_FILE, None)
        for name in (BEST_FILE, LAST_FILE):
            if name in files and (Path(folder) / name).exists():
                files[name] = {**files[name], "bytes": (Path(folder) / name).stat().st_size}
        state.files = files
        write_json_atomic(Path(folder) / STATE_FILE, state.to_json())
        if drop_last:  # after the manifest stopped naming it
            (Path(folder) / LAST_FILE).unlink(missing_ok=True)
