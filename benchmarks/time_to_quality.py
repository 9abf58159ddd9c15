"""Train a configuration on Nietzsche for a time budget; report the validation loss (the
benchmark's window measure) against training wall time, evaluation time excluded.

    python -m benchmarks.time_to_quality --preset fast --minutes 10 [--save models/nietzsche-lstm]
    python -m benchmarks.time_to_quality --preset fast --set model.units=256 --minutes 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "nietzsche.txt"


def parse_set(cfg, assignments):
    for a in assignments or []:
        key, value = a.split("=", 1)
        section, field = key.split(".")
        target = getattr(cfg, section)
        old = getattr(target, field)
        if isinstance(old, bool):
            value = value.lower() in ("1", "true", "yes")
        elif isinstance(old, int) and not isinstance(old, bool):
            value = int(value)
        elif isinstance(old, float) or old is None:
            value = None if value == "none" else float(value)
        setattr(target, field, value)
    return cfg


def run(
    preset_name: str,
    minutes: float,
    eval_every: float,
    sets,
    target: float | None,
    save: str | None,
    corpus: Path,
):
    from benchmarks.metric import held_out, window_loss
    from textgen_tui.core.config import preset
    from textgen_tui.core.corpus import load_corpus
    from textgen_tui.core.data import make_dataset
    from textgen_tui.core.model import build_model
    from textgen_tui.core.tf_quiet import import_keras
    from textgen_tui.core.tokenizers import CharTokenizer

    import_keras()
    cfg = parse_set(preset(preset_name), sets).validate()
    text = load_corpus(corpus, lowercase=cfg.data.lowercase).text
    tok = CharTokenizer.fit(text)
    ids = tok.encode(text)
    train, val = held_out(ids)
    model = build_model(cfg, tok.vocab_size)
    ds = make_dataset(train, cfg, shuffle=True, repeat=True)
    it = iter(ds)
    # Find batches per eval interval from a short timing run.
    model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)  # build + trace (counted below)
    budget = minutes * 60
    trained = 0.0
    best = None
    curve = []
    lr_patience, since_best = 2, 0
    reached = None
    t_first = None
    while trained < budget:
        t0 = time.perf_counter()
        steps = 0
        while time.perf_counter() - t0 < min(eval_every, budget - trained):
            x, y = next(it)
            model.train_on_batch(x, y)
            steps += 1
        trained += time.perf_counter() - t0
        t_first = t_first or trained
        te = time.perf_counter()
        val_loss = window_loss(model, val)
        curve.append((round(trained, 1), round(val_loss, 4)))
        print(
            f"{trained:7.1f}s  val {val_loss:.4f}  lr {float(model.optimizer.learning_rate):.2g}  (eval {time.perf_counter() - te:.1f}s)",
            flush=True,
        )
        if target is not None and reached is None and val_loss <= target:
            reached = trained
        if best is None or val_loss < best:
            best, since_best = val_loss, 0
            if save:
                model.save(Path(save) / ".best.keras")
        else:
            since_best += 1
            if since_best >= lr_patience:  # the preset's ReduceLROnPlateau, per eval interval
                model.optimizer.learning_rate.assign(
                    float(model.optimizer.learning_rate) * cfg.train.reduce_lr_factor
                )
                since_best = 0
    result = {
        "preset": preset_name,
        "config": cfg.to_dict(),
        "minutes": minutes,
        "best_val": best,
        "reached_target_s": reached,
        "target": target,
        "curve": curve,
        "params": int(model.count_params()),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "config"}))
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="fast")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--eval-every", type=float, default=30.0)
    p.add_argument("--set", action="append")
    p.add_argument("--target", type=float, default=1.52)
    p.add_argument("--save")
    p.add_argument("--json")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    a = p.parse_args()
    if a.save:
        Path(a.save).mkdir(parents=True, exist_ok=True)
    r = run(a.preset, a.minutes, a.eval_every, a.set, a.target, a.save, a.corpus)
    if a.json:
        Path(a.json).write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    sys.exit(main())


def book_curve(
    epochs: int, corpus: Path = CORPUS, max_batches: int | None = None
) -> list[tuple[float, float]]:
    """The book's recipe (one-hot arrays, fit per epoch), validation measured after every epoch
    on the held-out last 10 %. Returns [(training seconds so far, val loss)]."""
    from benchmarks import book
    from benchmarks.metric import held_out, window_loss
    from textgen_tui.core.tf_quiet import import_keras
    from textgen_tui.core.tokenizers import CharTokenizer

    import_keras()
    text = corpus.read_text(encoding="utf-8").lower()
    tok = CharTokenizer.fit(text)
    chars = tok.vocab
    train_ids, val_ids = held_out(tok.encode(text))
    split = len(train_ids)
    x, y = book.vectorize(text[:split], chars)
    if max_batches:
        x, y = x[: max_batches * 128], y[: max_batches * 128]
    model = book.build(len(chars))
    curve, seconds = [], 0.0
    for epoch in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        seconds += time.perf_counter() - t
        v = window_loss(model, val_ids, onehot_vocab=len(chars))
        curve.append((round(seconds, 1), round(v, 4)))
        print(f"book epoch {epoch + 1}: {seconds:7.1f}s  val {v:.4f}", flush=True)
    return curve
