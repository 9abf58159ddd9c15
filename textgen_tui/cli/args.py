"""Argument helpers the CLI's parser and its commands share."""

from __future__ import annotations

import argparse
from pathlib import Path

from textgen_tui.core.errors import TextgenError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"textgen-tui: error: {message} (see {self.prog} --help)\n")


def float_list(values: list[str] | None) -> list[float] | None:
    """Repeated or comma-separated -t values; None when none were given."""
    from textgen_tui.core.config import parse_temperatures

    return None if values is None else list(parse_temperatures(" ".join(values)))


def backend_option(parser: argparse.ArgumentParser, default) -> None:
    """--backend: only the backends the engine runs on (torch is refused: it is not offered)."""
    from textgen_tui.core.nets.backend import BACKENDS, offered

    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=default,
        help=f"Keras backend: {offered()} (default: KERAS_BACKEND, else tensorflow)",
    )


MODEL_HELP = "a model's name in the models home (see `textgen-tui models`) or its folder"


def default_model_dir(arg: str | None) -> Path:
    """The model `arg` names (a folder that exists, else a name in the models home or among the
    bundled models), else the bundled model."""
    from textgen_tui.core.store.names import resolve_model
    from textgen_tui.core.store.paths import bundled_model

    if arg:
        return resolve_model(arg)
    bundled = bundled_model()
    if bundled is None:
        raise TextgenError("no model folder given and no bundled model found: train one first")
    return bundled
