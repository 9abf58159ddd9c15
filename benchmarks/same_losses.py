"""Same losses on the same seeds: tiny fixed-seed char runs whose per-epoch losses a refactor of
the trainer must leave unchanged (compare this script's output before and after).

    python -m benchmarks.same_losses [--backend jax]

Runs: the fast preset's cosine for 3 epochs, then resumed for 2 more; a plateau run with
reduce-on-plateau and early stopping (and one on noise, where both fire); fixed
`steps_per_epoch` epochs; the state carried over runs of 3 chunks, then resumed; a budget run
whose rate the clock barely moves (equal to about 1e-6). A `--minutes` run follows the clock (its
periods and rate), so only its first period's loss is printed, and it is not expected to repeat.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

SENTENCES = (
    "the quick brown fox jumps over the lazy dog. ",
    "a stitch in time saves nine. ",
    "all that glitters is not gold. ",
    "to be or not to be, that is the question. ",
)


def _text(repeats: int = 60) -> str:
    n = len(SENTENCES)
    return "\n".join("".join(SENTENCES[(i + k) % n] for k in range(n)) for i in range(repeats)) + "\n"


def _noise(n: int = 6000) -> str:
    """Random letters: validation cannot improve for long, so the plateau rules fire."""
    import numpy as np

    letters = np.array(list("abcdefgh "))
    return "".join(np.random.default_rng(0).choice(letters, n))


def _config(schedule: str = "cosine", **train):
    from textgen_tui.core.config import preset

    cfg = preset("fast")
    cfg.model.units, cfg.model.embedding_dim = 24, 8
    cfg.data.seq_len, cfg.data.maxlen, cfg.data.step = 24, 20, 2
    cfg.train.batch_size, cfg.train.minutes, cfg.train.schedule = 32, None, schedule
    cfg.sample.length = 30
    for k, v in train.items():
        setattr(cfg.train, k, v)
    return cfg


def _losses(finished) -> str:
    h = finished.history
    rows = zip(h.get("epoch", []), h.get("loss", []), h.get("val_loss", []), h.get("lr", []))
    return "\n".join(f"  {e} loss={lo!r} val={v!r} lr={lr!r}" for e, lo, v, lr in rows)


def _carried():
    cfg = _config(epochs=2, batch_size=8)
    cfg.data.carry = 3
    return cfg


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default=None)
    p.add_argument("--minutes", action="store_true", help="also a short budget run (not repeatable)")
    args = p.parse_args()
    from textgen_tui.core.nets import backend

    backend.choose(args.backend)
    from textgen_tui.core.text.corpus import Corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    corpus = Corpus(text=_text(), source="same_losses", encoding="utf-8")
    root = Path(tempfile.mkdtemp(prefix="same-losses-"))
    runs = [
        ("cosine, 3 epochs", _config(epochs=3), root / "a", False, None),
        ("cosine, resumed +2", None, root / "a", True, {"epochs": 2}),
        (
            "plateau + early stopping",
            _config("plateau", epochs=8, learning_rate=0.3, reduce_lr_patience=1, early_stopping_patience=2),
            root / "b",
            False,
            None,
        ),
        (
            "plateau on noise",
            _config("plateau", epochs=6, reduce_lr_patience=1, early_stopping_patience=2),
            root / "e",
            False,
            None,
        ),
        ("steps_per_epoch 7, 3 epochs", _config(epochs=3, steps_per_epoch=7), root / "c", False, None),
        ("carry 3, 2 epochs", _carried(), root / "f", False, None),
        ("carry 3, resumed +1", _carried(), root / "f", True, {"epochs": 1}),
    ]
    noise = Corpus(text=_noise(), source="noise", encoding="utf-8")
    for title, cfg, out, resume, overrides in runs:
        text = noise if "noise" in title else corpus
        spec = RunSpec.resumed(out, overrides, text) if resume else RunSpec.new(text, out, config=cfg)
        fin = Trainer(spec).run()
        print(f"{title}: epochs_done={fin.total_epochs} best={fin.best_epoch}\n{_losses(fin)}", flush=True)
    # A budget run made repeatable: a budget so long that the clock moves the rate by ~1e-8 of it,
    # fixed periods of 10 batches, and Stop after the third period.
    cfg = _config(minutes=10_000.0, steps_per_epoch=10, warmup_fraction=0.0)
    trainer = Trainer(RunSpec.new(corpus, root / "d", config=cfg))
    trainer.add_listener(
        lambda e: trainer.stop() if type(e).__name__ == "EpochEnd" and e.epoch == 3 else None
    )
    fin = trainer.run()
    print(f"budget, periods of 10, stopped after 3 (compare to ~1e-6):\n{_losses(fin)}", flush=True)
    if args.minutes:
        cfg = _config(minutes=0.2, steps_per_epoch=10)
        fin = Trainer(RunSpec.new(corpus, root / "g", config=cfg)).run()
        print(f"minutes 0.2 (first period only): {fin.history['loss'][0]!r}", flush=True)


if __name__ == "__main__":
    main()
