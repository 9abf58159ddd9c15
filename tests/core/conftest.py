"""Shared fixtures: small texts written by the tests, and one tiny model trained per session."""

from __future__ import annotations

import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.text.corpus import corpus_from_text


@pytest.fixture(autouse=True)
def _hermetic_models_home(tmp_path_factory, monkeypatch):
    """No test writes into the checkout's models/ or the user's data folder (the CLI tests'
    processes inherit this too)."""
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(tmp_path_factory.mktemp("models-home")))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))


@pytest.fixture(scope="session")
def text() -> str:
    return make_text()


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory, text):
    """A window-layout (book-style) model trained for one epoch."""
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    out = tmp_path_factory.mktemp("models") / "tiny-book"
    Trainer(RunSpec.new(corpus_from_text(text, "tiny"), out, config=tiny_config("book"))).run()
    return out
