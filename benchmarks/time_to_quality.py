"""Time to quality on Nietzsche: train with the real Trainer (the same code as `textgen-tui
train`) and measure the benchmark's validation loss (benchmarks/metric.py) every `eval_every`
seconds of training; evaluation time is excluded from the training clock.

    python -m benchmarks.time_to_quality --minutes 10 --out models/nietzsche-char
    python -m benchmarks.time_to_quality --minutes 2 --set model.units=256 --out /tmp/try
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
        elif value == "none":
            value = None
        elif isinstance(old, float):
            value = float(value)
        elif old is None:
            value = float(value) if "." in value or "e" in value else int(value)
        setattr(target, field, value)
    return cfg


def run(
    preset_name: str,
    minutes: float,
    eval_every: float,
    sets,
    target: float | None,
    out: str | Path,
    corpus: Path = CORPUS,
    max_chars: int | None = None,
    source_name: str | None = None,
) -> dict:
    from benchmarks.metric import window_loss
    from textgen_tui.core import events as ev
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.text.corpus import corpus_from_text, load_corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    import_keras()
    cfg = parse_set(preset(preset_name), sets)
    cfg.train.minutes = None  # this clock leaves out evaluation; benchmarks/budget.py runs budgets
    cfg.validate()
    loaded = load_corpus(corpus)
    if max_chars:
        loaded = corpus_from_text(loaded.text[:max_chars], str(corpus))
    if source_name:
        loaded.source = source_name  # e.g. the catalog name, so a resume finds it anywhere
    text = loaded.text.lower() if cfg.data.lowercase else loaded.text
    budget = minutes * 60
    clock = {"start": None, "paused": 0.0, "next": eval_every}
    curve: list[tuple[float, float]] = []
    state = {"val": None, "trainer": None}

    def training_seconds() -> float:
        return time.perf_counter() - clock["start"] - clock["paused"]

    def evaluate(trainer) -> None:
        t = time.perf_counter()
        val = state["val"]
        v = window_loss(trainer.core, val)  # the saved model (a carried run fits another)
        curve.append((round(training_seconds(), 1), round(v, 4)))
        print(f"{curve[-1][0]:7.1f}s  val {v:.4f}  (eval {time.perf_counter() - t:.1f}s)", flush=True)
        clock["paused"] += time.perf_counter() - t

    def listener(e) -> None:
        trainer = state["trainer"]
        if isinstance(e, ev.Started):
            from benchmarks.metric import held_out

            # The Trainer holds out the same last 10 %: score the identical characters.
            state["val"] = held_out(trainer_tokenizer(trainer).encode(text))[1]
            clock["start"] = time.perf_counter()
        elif isinstance(e, ev.BatchProgress) and clock["start"] is not None:
            spent = training_seconds()
            if spent >= clock["next"] or spent >= budget:
                evaluate(trainer)
                clock["next"] = training_seconds() + eval_every
                if training_seconds() >= budget:
                    trainer.stop()
        elif isinstance(e, ev.SampleStarted):
            clock["sample_t"] = time.perf_counter()
        elif isinstance(e, ev.SampleFinished):
            clock["paused"] += time.perf_counter() - clock.pop("sample_t")  # samples are not training
        elif isinstance(e, ev.EpochEnd):
            print(
                f"epoch {e.epoch}: loss {e.loss:.4f} val_loss {e.val_loss:.4f} lr {e.learning_rate:.2g}",
                flush=True,
            )

    trainer = Trainer(RunSpec.new(loaded, out, config=cfg), listeners=[listener])
    state["trainer"] = trainer
    trainer.run()
    if not curve or curve[-1][0] < training_seconds() - 1:
        evaluate(trainer)  # the final weights
    best = min(v for _, v in curve)
    reached = next((s for s, v in curve if target is not None and v <= target), None)
    result = {
        "preset": preset_name,
        "config": cfg.to_dict(),
        "minutes": minutes,
        "best_val": best,
        "reached_target_s": reached,
        "target": target,
        "curve": curve,
        "params": int(trainer.core.count_params()),
        "out": str(out),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "config"}), flush=True)
    return result


def trainer_tokenizer(trainer):
    """The tokenizer the Trainer fitted (it is saved in the folder before the first epoch ends)."""
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    cfg = trainer.config
    text = trainer.corpus.text.lower() if cfg.data.lowercase else trainer.corpus.text
    return fit_tokenizer(cfg.data.tokenizer, text, cfg.data.max_vocab)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="fast")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--eval-every", type=float, default=60.0)
    p.add_argument("--set", action="append", help="override, e.g. model.units=256")
    p.add_argument("--target", type=float, default=1.52)
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--json")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    a = p.parse_args()
    r = run(a.preset, a.minutes, a.eval_every, a.set, a.target, a.out, a.corpus)
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
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.text.tokenizers import CharTokenizer

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
