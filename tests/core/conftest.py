"""Shared fixtures: small texts written by the tests, and one tiny model trained per session."""

from __future__ import annotations

import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.corpus import corpus_from_text


@pytest.fixture(scope="session")
def text() -> str:
    return make_text()


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory, text):
    """A window-layout (book-style) model trained for one epoch."""
    from textgen_tui.core.training import Trainer

    out = tmp_path_factory.mktemp("models") / "tiny-book"
    Trainer(corpus_from_text(text, "tiny"), tiny_config("book"), out).run()
    return out
