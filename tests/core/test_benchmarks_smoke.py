"""A smoke run of the benchmark scripts (`--quick`: tiny sizes; the numbers mean nothing)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpora" / "nietzsche.txt"


@pytest.mark.skipif(not CORPUS.exists(), reason="the benchmark corpus (../shared) is not beside the repo")
def test_benchmarks_quick_smoke():
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", "generation,training"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| generation, carrying state, 1 stream (chars/s) |" in r.stdout
    assert "ms per batch of 128" in r.stdout
