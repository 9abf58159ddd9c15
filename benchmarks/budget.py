"""What a time budget buys: `textgen-tui train --minutes M` as a user runs it (the real Trainer,
everything inside the budget: compiling, validation, samples, saving), then the benchmark's
window-60 measure (benchmarks/metric.py) of the saved best model on the held-out last 10 %.

    python -m benchmarks.budget --minutes 10                       # Nietzsche, the fast preset
    python -m benchmarks.budget --minutes 1.26 --corpus python-docs --no-lowercase
    python -m benchmarks.budget --minutes 10 --set model.units=384 --json /tmp/r.json

The machine must be quiet: a budget is wall-clock time, so a busy machine trains fewer steps.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.time_to_quality import CORPUS, parse_set


def run(
    minutes: float,
    corpus: str | Path = CORPUS,
    preset_name: str = "fast",
    sets: list[str] | None = None,
    lowercase: bool | None = None,
    out: str | Path | None = None,
) -> dict:
    from benchmarks.metric import held_out, window_loss
    from textgen_tui.core import events as ev
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.store.keras_store import load_keras_model
    from textgen_tui.core.text.catalog import resolve_corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    import_keras()
    cfg = parse_set(preset(preset_name), sets)
    cfg.train.minutes = minutes
    if lowercase is not None:
        cfg.data.lowercase = lowercase
    cfg.validate()
    loaded = resolve_corpus(str(corpus), cfg.data.lowercase)
    out = Path(out or tempfile.mkdtemp(prefix="textgen-budget-")) / "m"
    epochs: list[dict] = []

    last: dict = {}

    def listener(e) -> None:
        if isinstance(e, ev.BatchProgress):
            last.update(batches=e.batch, tps=e.tokens_per_second)
        if isinstance(e, ev.EpochEnd):
            epochs.append(
                {
                    "epoch": e.epoch,
                    "loss": e.loss,
                    "val_loss": e.val_loss,
                    "lr": e.learning_rate,
                    "seconds": round(e.seconds, 1),
                    "batches": last.get("batches"),
                    "tokens_per_s": round(last.get("tps", 0.0)),
                }
            )
            print(
                f"epoch {e.epoch}: loss {e.loss:.4f} val_loss {e.val_loss} lr {e.learning_rate:.2g}",
                flush=True,
            )

    t0 = time.monotonic()
    from textgen_tui.core.train.sizing import sizable

    given = {a.split("=", 1)[0].split(".")[1] for a in sets or []}  # a --set is the user's choice
    free = frozenset(name for name in sizable(preset_name, {}) if name not in given)
    trainer = Trainer(RunSpec.new(loaded, out, config=cfg, sizable=free), listeners=[listener])
    finished = trainer.run()
    wall = time.monotonic() - t0
    info = read_info(out)
    tokenizer = info.tokenizer
    model = load_keras_model(info.best_file, tokenizer, compile=False)
    text = loaded.text.lower() if cfg.data.lowercase else loaded.text
    val = held_out(tokenizer.encode(text))[1]
    result = {
        "sized": list(trainer.changes),
        "corpus": str(corpus),
        "characters": len(loaded.text),
        "lowercase": cfg.data.lowercase,
        "preset": preset_name,
        "sets": list(sets or []),
        "minutes": minutes,
        "train_seconds": round(finished.seconds, 1),
        "wall_seconds": round(wall, 1),
        "epochs": len(epochs),
        "batches": sum(ep["batches"] or 0 for ep in epochs),
        "best_epoch": info.best_epoch,
        "val_window60": round(window_loss(model, val), 4),
        "params": int(info.state.get("params", 0)),
        "curve": epochs,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "curve"}), flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--corpus", default=str(CORPUS), help="a file, a folder or a catalog name")
    p.add_argument("--preset", default="fast")
    p.add_argument("--set", action="append", help="override, e.g. model.units=384")
    p.add_argument("--no-lowercase", action="store_true", help="keep the text's case")
    p.add_argument("--json", type=Path)
    a = p.parse_args()
    r = run(a.minutes, a.corpus, a.preset, a.set, False if a.no_lowercase else None)
    if a.json:
        a.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    sys.exit(main())
