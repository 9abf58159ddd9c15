"""Run by tests/core/test_backends.py in fresh processes: one Keras backend and one JAX device
layout per process. Trains a few steps of a tiny model through the core and writes its weights.

    python parallel_harness.py train OUT.npz FOLDER [--devices N] [--process I N PORT]
    python parallel_harness.py reference OUT.npz FOLDER_CONFIG_FROM  (one device, both shares)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from core_helpers import make_text, tiny_config  # noqa: E402

STEPS = 6


def config():
    cfg = tiny_config("fast")
    cfg.model.dropout = 0.0  # dropout masks would differ between layouts
    cfg.train.batch_size = 16
    cfg.train.steps_per_epoch = STEPS
    cfg.train.epochs = 1
    cfg.data.val_fraction = 0.1
    cfg.sample.length = 5
    return cfg


def train(out: str, folder: str, devices: str | None, process: tuple[int, int, int] | None) -> None:
    from textgen_tui.core.nets.backend import choose
    from textgen_tui.core.nets.parallel import setup
    from textgen_tui.core.text.corpus import corpus_from_text
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    choose("jax")
    cfg = config()
    if process is not None:
        i, n, port = process
        par = setup(None, coordinator=f"localhost:{port}", num_processes=n, process_id=i, batch_size=16)
    else:
        par = setup(devices, batch_size=16)
    trainer = Trainer(RunSpec.new(corpus_from_text(make_text(), "tiny"), folder, config=cfg), parallel=par)
    trainer.run()
    weights = [np.asarray(w) for w in trainer.model.get_weights()]
    # JAX runs never import TensorFlow (test_two_devices_train_like_one checks it)
    np.savez(out, *weights, devices=len(par.devices), tensorflow="tensorflow" in sys.modules)


def reference(out: str) -> None:
    """One process, one device, trained on the two processes' batches put together."""
    from textgen_tui.core.nets.backend import choose

    choose("jax")
    from textgen_tui.core.nets.batches import TokenBatches, split_ids
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    cfg = config()
    text = make_text().lower()
    tok = fit_tokenizer(cfg.data.tokenizer, text, cfg.data.max_vocab, lowercase=True)
    split = split_ids(tok.encode(text, lowercase=True), cfg.data)
    shares = [TokenBatches(split.train, cfg, shuffle=True, steps=STEPS, share=(i, 2)) for i in (0, 1)]
    model = build_model(cfg, tok.vocab_size, STEPS)
    for step in range(STEPS):
        parts = [s.at(step) for s in shares]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        model.train_on_batch(x, y)
    np.savez(
        out, *[np.asarray(w) for w in model.get_weights()], devices=1, tensorflow="tensorflow" in sys.modules
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "reference":
        reference(args[1])
    else:
        devices = args[args.index("--devices") + 1] if "--devices" in args else None
        process = None
        if "--process" in args:
            k = args.index("--process")
            process = (int(args[k + 1]), int(args[k + 2]), int(args[k + 3]))
        train(args[1], args[2], devices, process)
