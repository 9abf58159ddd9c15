"""The public Python API type-checks under `mypy --strict` (the module alone: pyproject.toml's
[tool.mypy]), and a checker infers the documented types at its call sites (typed_usage.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_api_passes_mypy_strict():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
