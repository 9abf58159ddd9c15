"""Workloads run in a fresh process under `/usr/bin/time -v` by benchmarks.run (peak memory).

    python -m benchmarks.probe book-recipe [--batches N]   the book's code: one-hot arrays + fit
    python -m benchmarks.probe book-preset [--batches N]   ours: `train --preset book`
    python -m benchmarks.probe big --mb 100                ours, fast preset, on a 100 MB text
    python -m benchmarks.probe import-tf                   the floor: importing TensorFlow
Each prints one JSON line with its timings.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()

from benchmarks.time_to_quality import CORPUS  # noqa: E402


def book_recipe(batches: int | None) -> dict:
    from benchmarks import book
    from textgen_tui.core.nets.backend import import_keras

    import_keras()
    text = CORPUS.read_text(encoding="utf-8").lower()
    chars = sorted(set(text))
    t = time.perf_counter()
    x, y = book.vectorize(text, chars)
    vec_s = time.perf_counter() - t
    model = book.build(len(chars))
    t = time.perf_counter()
    if batches:
        model.fit(x[: batches * 128], y[: batches * 128], batch_size=128, epochs=1, verbose=0)
    else:
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    fit_s = time.perf_counter() - t
    return {
        "onehot_mb": (x.nbytes + y.nbytes) / 1e6,
        "vectorize_s": vec_s,
        "fit_s": fit_s,
        "sequences": len(x),
    }


def ours(corpus: Path, preset_name: str, batches: int | None, val_batches: int | None) -> dict:
    from textgen_tui.core import events as ev
    from textgen_tui.core.config import preset
    from textgen_tui.core.text.corpus import load_corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    cfg = preset(preset_name)
    cfg.train.epochs = 1
    cfg.train.steps_per_epoch = batches
    cfg.train.validation_steps = val_batches
    first = {}

    def listener(e):
        if isinstance(e, ev.BatchProgress) and "first_step_s" not in first:
            first["first_step_s"] = time.perf_counter() - T0
        if isinstance(e, ev.EpochEnd):
            first["epoch_s"] = e.seconds

    corpus_obj = load_corpus(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        Trainer(RunSpec.new(corpus_obj, Path(tmp) / "m", config=cfg), listeners=[listener]).run()
    return {**first, "characters": len(corpus_obj.text)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["book-recipe", "book-preset", "big", "import-tf"])
    p.add_argument("--batches", type=int)
    p.add_argument("--mb", type=float, default=100)
    a = p.parse_args()
    if a.what == "import-tf":
        from textgen_tui.core.nets.backend import import_keras

        import_keras()
        out = {"import_s": time.perf_counter() - T0}
    elif a.what == "book-recipe":
        out = book_recipe(a.batches)
    elif a.what == "book-preset":
        out = ours(CORPUS, "book", a.batches, None)
    else:
        big = Path(tempfile.gettempdir()) / f"textgen-big-{int(a.mb)}mb.txt"
        if not big.exists() or big.stat().st_size < a.mb * 1e6:
            base = CORPUS.read_bytes()
            with open(big, "wb") as f:
                for _ in range(int(a.mb * 1e6 // len(base)) + 1):
                    f.write(base)
        out = ours(big, "fast", a.batches or 20, 5)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
