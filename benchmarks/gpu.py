"""One GPU: the `gpu` preset's characters per second and validation against training seconds on
Nietzsche, with the book's recipe beside it, in one run. Runs where only JAX, numpy and the
project's small dependencies are installed (no TensorFlow).

    python -m benchmarks.gpu                       # 2 minutes of the gpu preset + one book epoch
    python -m benchmarks.gpu --minutes 1 --corpus shared/corpora/nietzsche.txt

Goal on one H200-class GPU (issue 9): >= 2 M characters/s and validation <= 1.25 nats/char
(benchmarks/metric.py's window-60 measure on the held-out last 10 %) within 2 minutes.
Results: benchmarks/results/gpu.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.backends import SPEED, run_json
from benchmarks.time_to_quality import CORPUS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET = 1.25


def find_corpus(given: Path | None) -> Path:
    for path in (given, CORPUS, ROOT / "shared" / "corpora" / "nietzsche.txt"):
        if path is not None and path.exists():
            return path
    raise SystemExit("nietzsche.txt not found: pass --corpus PATH")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--eval-every", type=float, default=10.0)
    p.add_argument("--book-epochs", type=int, default=1)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--preset", default="gpu")
    p.add_argument("--out", type=Path, default=RESULTS)
    a = p.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "jax")
    corpus = find_corpus(a.corpus)

    from textgen_tui.core.nets import backend

    backend.import_keras()
    where = backend.describe()
    print(f"backend: {where}", flush=True)
    # Speed in a fresh process (warm-up excluded), then quality in this one.
    speed, _ = run_json(["-c", SPEED, a.preset, "100", str(corpus)], ROOT, backend.current() or "jax")
    print(f"{a.preset} preset: {speed['chars_per_s']:,.0f} characters/s", flush=True)
    from benchmarks.time_to_quality import book_curve, run

    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ours = run(a.preset, a.minutes, a.eval_every, [], TARGET, Path(tmp) / "m", corpus)
    ours_wall = time.perf_counter() - t
    book = book_curve(a.book_epochs, corpus)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "backend": where,
        "preset": a.preset,
        "chars_per_s": round(speed["chars_per_s"]),
        "ms_per_batch": round(speed["ms_per_batch"], 2),
        "minutes": a.minutes,
        "curve": ours["curve"],
        "best_val": ours["best_val"],
        "reached_target_s": ours["reached_target_s"],
        "target": TARGET,
        "wall_s": round(ours_wall, 1),
        "params": ours["params"],
        "book_curve": book,
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "gpu.json").write_text(json.dumps(result, indent=1))
    (a.out / "gpu.md").write_text(table(result))
    print(table(result))


def table(r: dict) -> str:
    reached = r["reached_target_s"]
    book_s, book_v = r["book_curve"][-1] if r["book_curve"] else (None, None)
    rows = [
        ("backend and devices", r["backend"]),
        (f"{r['preset']} preset, characters/s trained", f"{r['chars_per_s']:,} (goal ≥ 2,000,000)"),
        (
            f"best validation in {r['minutes']:g} min, nats/char",
            f"{r['best_val']:.3f} (goal ≤ {r['target']})",
        ),
        (f"training seconds to ≤ {r['target']}", "not reached" if reached is None else f"{reached:.0f}"),
        (
            f"the book's recipe: {len(r['book_curve'])} epoch(s)",
            "—" if book_s is None else f"{book_s:.1f} s, validation {book_v:.3f}",
        ),
    ]
    lines = [f"`python -m benchmarks.gpu`, {r['date']}", "", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    curve = ", ".join(f"{s:g} s: {v:.3f}" for s, v in r["curve"])
    return "\n".join(lines) + f"\n\nValidation against training seconds: {curve}\n"


if __name__ == "__main__":
    main()
