"""Fixtures of the app tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import TINY_TEXT


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A fresh current folder holding tiny.txt and models/ (relative paths keep screens stable)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", "models")
    monkeypatch.setenv("TEXTGEN_TUI_STATE", str(tmp_path / "state"))  # the app's memory between launches
    (tmp_path / "tiny.txt").write_text(TINY_TEXT, encoding="utf-8")
    (tmp_path / "models").mkdir()
    return tmp_path
