"""Tuning aid: train a configuration for a number of steps on Nietzsche and print the
validation loss (the benchmark's window measure, `--stride` for speed) against steps, tokens
and training seconds. Step counts do not depend on machine load; seconds do.

    python -m benchmarks.tune --steps 1500 --every 250 --set model.cell=gru --set model.units=256
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks.time_to_quality import CORPUS, parse_set


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="fast")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--every", type=int, default=250)
    p.add_argument("--stride", type=int, default=10)
    p.add_argument("--set", action="append")
    a = p.parse_args()

    from benchmarks.metric import endless_dataset, held_out, window_loss
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.text.corpus import load_corpus
    from textgen_tui.core.text.tokenizers import CharTokenizer

    import_keras()
    cfg = parse_set(preset(a.preset), a.set).validate()
    text = load_corpus(CORPUS, lowercase=cfg.data.lowercase).text
    tok = CharTokenizer.fit(text)
    train, val = held_out(tok.encode(text))
    model = build_model(cfg, tok.vocab_size, total_steps=a.steps)
    ds = endless_dataset(train, cfg)
    tokens_per_step = cfg.train.batch_size * (
        cfg.data.seq_len if cfg.data.layout == "sequence" else cfg.data.maxlen
    )
    done, seconds, curve = 0, 0.0, []
    while done < a.steps:
        k = min(a.every, a.steps - done)
        t0 = time.perf_counter()
        model.fit(ds, steps_per_epoch=k, epochs=1, verbose=0, shuffle=False)
        seconds += time.perf_counter() - t0
        done += k
        v = window_loss(model, val, stride=a.stride)
        curve.append((done, round(seconds, 1), round(v, 4)))
        print(
            f"step {done:6d}  {done * tokens_per_step / 1e6:6.2f}M tok  {seconds:7.1f}s  val {v:.4f}",
            flush=True,
        )
    print(json.dumps({"set": a.set, "curve": curve}))


if __name__ == "__main__":
    main()
