"""Reproduce the bundled model: the `fast` preset trained on Nietzsche for at most 10 minutes
(the same run as the benchmark's time-to-quality figure), then shipped without its optimizer.

    python -m benchmarks.make_bundled_model [--minutes 10] [--out models/nietzsche-char]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.time_to_quality import CORPUS, run

ROOT = Path(__file__).resolve().parents[1]


def make(out: Path, minutes: float, eval_every: float = 60.0) -> dict:
    from textgen_tui.core.store.keras_store import strip_optimizer

    result = run("fast", minutes, eval_every, [], 1.52, out, CORPUS, source_name="nietzsche")
    strip_optimizer(out)
    (out / "benchmark.json").write_text(
        json.dumps({k: v for k, v in result.items() if k != "config"}, indent=1)
    )
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--out", type=Path, default=ROOT / "models" / "nietzsche-char")
    a = p.parse_args()
    if a.out.exists():
        raise SystemExit(f"{a.out} exists: remove it first")
    make(a.out, a.minutes)


if __name__ == "__main__":
    main()
