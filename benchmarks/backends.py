"""The engine's CPU figures on each Keras backend, and against an older checkout (regressions).

    python -m benchmarks.backends                          # tensorflow and jax, this checkout
    python -m benchmarks.backends --root /tmp/base --label "before (337f131)" --backends tensorflow
    python -m benchmarks.backends --only paint             # some sections, merged into the results
    python -m benchmarks.backends --table                  # rebuild backends.md from backends.json

Each figure comes from a fresh process (Keras picks its backend once per process), run from the
checkout's folder so that it measures that checkout's code:
- ms per batch of the `book` and `fast` presets' training steps (our numpy/tf.data batches, after
  a warm-up of 5 batches that also compiles the step);
- peak resident memory (`/usr/bin/time -v`) of `train --preset book` on Nietzsche for
  `--book-batches` batches, and of the `fast` preset on a 100 MB text (20 batches), with its time
  from start to the first training step.
Results are merged into benchmarks/results/backends.json under "<label> · <backend>" and the
table is written to benchmarks/results/backends.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

SPEED = r"""
import json, sys, time
from benchmarks.time_to_quality import CORPUS
try:  # the core in subpackages
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.nets.batches import TokenBatches, as_dataset
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.text.tokenizers import CharTokenizer

    def make_dataset(ids, cfg, shuffle, repeat):
        batches = TokenBatches(ids, cfg, shuffle=shuffle)
        batches.steps = batches.per_pass  # endless, in epochs of one pass
        return as_dataset(batches)
except ImportError:  # a checkout from before them
    try:
        from textgen_tui.core.backend import import_keras
    except ImportError:  # before the backends
        from textgen_tui.core.tf_quiet import import_keras
    from textgen_tui.core.data import make_dataset
    from textgen_tui.core.model import build_model
    from textgen_tui.core.tokenizers import CharTokenizer
keras = import_keras()
from textgen_tui.core.config import preset

from pathlib import Path
name, n = sys.argv[1], int(sys.argv[2])
text = (Path(sys.argv[3]) if len(sys.argv) > 3 else CORPUS).read_text(encoding="utf-8").lower()
tok = CharTokenizer.fit(text)
cfg = preset(name)
cfg.train.steps_per_epoch = None
model = build_model(cfg, tok.vocab_size)
ds = make_dataset(tok.encode(text), cfg, shuffle=True, repeat=True)
skip = 5

class Clock(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == skip:
            self.t0 = time.perf_counter()
        self.last, self.n = time.perf_counter(), batch - skip

clock = Clock()
model.fit(ds, steps_per_epoch=n + skip + 1, verbose=0, shuffle=False, callbacks=[clock])
ms = (clock.last - clock.t0) / clock.n * 1000
length = cfg.data.maxlen if cfg.data.layout == "window" else cfg.data.seq_len
print(json.dumps({"ms_per_batch": ms, "chars_per_s": cfg.train.batch_size * length / ms * 1000,
                  "backend": keras.backend.backend()}))
"""


def run_json(args: list[str], root: Path, backend: str, timeout: int = 3600) -> tuple[dict, float | None]:
    """Run under /usr/bin/time -v in `root`: (the last JSON line printed, peak RSS in MB)."""
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    r = subprocess.run(
        [*timer, sys.executable, *args],
        capture_output=True, text=True, cwd=root, env=env, timeout=timeout,
    )  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} on {backend} failed: {r.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1]), (int(peak.group(1)) / 1024 if peak else None)


def first_paint(root: Path, backend: str, runs: int) -> float:
    """Seconds from launching the app (no models) to its first painted screen: best of `runs`."""
    from benchmarks.app_overhead import FIRST_PAINT

    best = None
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=str(root))
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(
            [sys.executable, "-c", FIRST_PAINT, str(root / "no-such-models")],
            stdout=subprocess.PIPE, text=True, cwd=root, env=env,
        )  # fmt: skip
        seconds = None
        for line in p.stdout:
            if "PAINTED" in line:
                seconds = time.perf_counter() - t
                break
        p.wait(timeout=120)
        if seconds is not None:
            best = seconds if best is None else min(best, seconds)
    return best


SECTIONS = ("paint", "speed", "memory")


def measure(root: Path, backend: str, quick: bool, book_batches: int, only=SECTIONS) -> dict:
    n = 10 if quick else 100
    out: dict = {"backend": backend}
    if "paint" in only:
        out["first_paint_s"] = round(first_paint(root, backend, 1 if quick else 3), 2)
        print(f"  {backend}: first paint {out['first_paint_s']} s", flush=True)
    if "speed" in only:
        for name in ("book", "fast"):
            speed, _ = run_json(["-c", SPEED, name, str(n)], root, backend)
            out[f"{name}_ms_per_batch"] = round(speed["ms_per_batch"], 2)
            out[f"{name}_chars_per_s"] = round(speed["chars_per_s"])
            print(f"  {backend}: {name} {speed['ms_per_batch']:.1f} ms/batch", flush=True)
    if "memory" in only:
        probe = ["-m", "benchmarks.probe", "book-preset", "--batches", str(20 if quick else book_batches)]
        res, peak = run_json(probe, root, backend)
        out["book_peak_mb"] = round(peak)
        out["book_first_step_s"] = round(res.get("first_step_s", 0), 1)
        print(f"  {backend}: book preset peak {peak:.0f} MB", flush=True)
        big = ["-m", "benchmarks.probe", "big", "--mb", "5" if quick else "100"]
        res, peak = run_json(big, root, backend)
        out["big_peak_mb"] = round(peak)
        out["big_first_step_s"] = round(res.get("first_step_s", 0), 1)
        print(f"  {backend}: 100 MB peak {peak:.0f} MB, first step {out['big_first_step_s']} s", flush=True)
    return out


ROWS = (
    ("book_ms_per_batch", "training, book preset, ms per batch of 128 windows"),
    ("fast_ms_per_batch", "training, fast preset, ms per batch (128 × 64; 256 × 64 from 2026-12-01)"),
    ("fast_chars_per_s", "training, fast preset, characters per second"),
    ("book_peak_mb", "book preset on Nietzsche, peak MB"),
    ("big_peak_mb", "fast preset on a 100 MB text, peak MB"),
    ("big_first_step_s", "100 MB text: start to first training step, s"),
    ("first_paint_s", "app: launch to first paint, s"),
)


def table(results: dict) -> str:
    cols = list(results["runs"])
    lines = [
        f"Machine: {results['machine']}; command: `python -m benchmarks.backends` (see its docstring)",
        "",
        "| figure | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for key, label in ROWS:
        cells = []
        for c in cols:
            v = results["runs"][c].get(key)
            cells.append(
                "—"
                if v is None
                else f"{v:,}"
                if isinstance(v, int)
                else f"{v:,.2f}"
                if v < 10
                else f"{v:,.1f}"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backends", default="tensorflow,jax")
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    p.add_argument("--label", default="now")
    p.add_argument("--book-batches", type=int, default=400)
    p.add_argument("--quick", action="store_true", help="smoke run: numbers not meaningful")
    p.add_argument("--only", default=",".join(SECTIONS), help="some of: " + ", ".join(SECTIONS))
    p.add_argument("--table", action="store_true")
    p.add_argument("--out", type=Path, default=RESULTS)
    a = p.parse_args()
    path = a.out / "backends.json"
    results = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    if not a.table:
        for backend in a.backends.split(","):
            print(f"{a.label} · {backend}", flush=True)
            row = measure(a.root.resolve(), backend, a.quick, a.book_batches, a.only.split(","))
            row["date"] = time.strftime("%Y-%m-%d")
            key = f"{a.label} · {backend}"
            results["runs"][key] = {**results["runs"].get(key, {}), **row}  # --only merges
            results["machine"] = f"{os.cpu_count()} cores, Python {platform.python_version()}"
            a.out.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(results, indent=1))
    (a.out / "backends.md").write_text(table(results))
    print(table(results))


if __name__ == "__main__":
    main()
