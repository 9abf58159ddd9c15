"""Generators made from a model folder (without Keras) or from a model loaded with Keras."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textgen_tui.core.errors import BundleError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.store.folder import BundleInfo, read_info
from textgen_tui.core.store.weights_file import read_recurrent_net

if TYPE_CHECKING:
    from textgen_tui.core.store.keras_store import Bundle


def load_generator(folder: str | Path) -> Generator:
    """A Generator for the folder's best model, read without Keras (safe beside training)."""
    return generator_of(read_info(folder))


def generator_of(info: BundleInfo) -> Generator:
    """A Generator for the best model of a folder already read (`read_info`), without Keras."""
    assert info.best_file is not None
    net = read_recurrent_net(info.best_file)
    if net.vocab_size != info.tokenizer.vocab_size:
        raise BundleError(
            f"{info.path}: the model predicts {net.vocab_size} tokens but tokenizer.json has "
            f"{info.tokenizer.vocab_size}: the files do not belong together"
        )
    return Generator.for_config(net, info.tokenizer, info.config)


def keras_generator(bundle: Bundle) -> Generator:
    """A Generator for a model loaded with Keras (its weights copied out once)."""
    return Generator.for_config(RecurrentNet.from_keras(bundle.model), bundle.tokenizer, bundle.config)
