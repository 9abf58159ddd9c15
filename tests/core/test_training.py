"""Real (tiny) training runs: events, the model folder, stop from another thread, resume."""

import json
import threading

import pytest
from core_helpers import tiny_config

from textgen_tui.core import events as ev
from textgen_tui.core.errors import CorpusError, TextgenError
from textgen_tui.core.generate.load import keras_generator
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.keras_store import load_bundle
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.trainer import Trainer


def test_event_stream_and_model_folder(tmp_path, text):
    seen = []
    cfg = tiny_config()
    cfg.train.epochs = 2
    out = tmp_path / "m"
    Trainer(RunSpec.new(corpus_from_text(text), out, config=cfg), listeners=[seen.append]).run()
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "Started" and kinds[-1] == "Finished"
    assert kinds.count("EpochEnd") == 2 and kinds.count("SampleFinished") == 2
    assert "BatchProgress" in kinds and "CheckpointSaved" in kinds
    progress = [e for e in seen if isinstance(e, ev.BatchProgress)]
    assert all(e.batch <= e.batches and e.eta_seconds >= 0 and e.tokens_per_second > 0 for e in progress)
    steps = [e for e in seen if isinstance(e, ev.SampleStep) and e.epoch == 1]
    first = next(e for e in seen if isinstance(e, ev.SampleFinished))
    assert len(steps) == cfg.sample.length
    assert "".join(s.pieces[0] for s in steps) == first.texts[0]
    assert len(first.texts) == 4 and first.seed
    for name in (
        "best.keras",
        "last.keras",
        "config.json",
        "tokenizer.json",
        "state.json",
        "history.json",
        "samples.json",
    ):
        assert (out / name).is_file()
    assert not [
        p for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"
    ]  # no temporary files
    info = read_info(out)
    assert info.epochs_done == 2 and len(info.history["val_loss"]) == 2
    assert info.best_value == min(info.history["val_loss"])
    assert len(json.loads((out / "samples.json").read_text())) == 2


def test_stop_from_another_thread_leaves_a_loadable_model(tmp_path, text):
    cfg = tiny_config()
    cfg.train.epochs = 50
    out = tmp_path / "stopped"
    trainer = None

    def listener(e):
        if isinstance(e, ev.BatchProgress) and e.batch >= 2:
            threading.Thread(target=trainer.stop).start()

    trainer = Trainer(RunSpec.new(corpus_from_text(text), out, config=cfg), listeners=[listener])
    result = trainer.run()
    assert trainer.stop_reason == "user"
    assert result.total_epochs == 1
    bundle = load_bundle(out)
    assert keras_generator(bundle).generate("the ", [0.5], 10, rng_seed=1)[0]


def test_resume_continues_epochs_history_and_optimizer(tmp_path, text, trained_folder):
    import shutil

    out = tmp_path / "resumed"
    shutil.copytree(trained_folder, out)
    before = load_bundle(out).model.optimizer.iterations.numpy()
    cfg = tiny_config("book")
    cfg.train.epochs = 1
    seen = []
    Trainer(RunSpec.resumed(out, {"epochs": 1}, corpus_from_text(text)), listeners=[seen.append]).run()
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.initial_epoch == 1 and started.epochs == 2
    info = read_info(out)
    assert info.epochs_done == 2 and info.history["epoch"] == [1, 2]
    assert load_bundle(out).model.optimizer.iterations.numpy() > before > 0


def test_refusals_before_training(tmp_path, text, trained_folder):
    with pytest.raises(CorpusError, match="too short"):
        Trainer(RunSpec.new(corpus_from_text("tiny text"), tmp_path / "x", config=tiny_config())).run()
    with pytest.raises(TextgenError, match="already holds a model"):
        Trainer(RunSpec.new(corpus_from_text(text), trained_folder, config=tiny_config())).run()
    with pytest.raises(TextgenError, match="does not exist"):
        Trainer(RunSpec.resumed(tmp_path / "nope", None, corpus_from_text(text))).run()


def test_divergence_keeps_the_best_weights(tmp_path, text, trained_folder):
    import shutil

    out = tmp_path / "diverged"
    shutil.copytree(trained_folder, out)
    best_bytes = (out / "best.keras").read_bytes()
    best = read_info(out).best_value
    cfg = tiny_config("book")
    cfg.train.epochs = 2
    seen = []
    # Resume with an absurd learning rate: every later epoch is worse.
    wreck = {"epochs": 2, "learning_rate": 10.0}
    Trainer(RunSpec.resumed(out, wreck, corpus_from_text(text)), listeners=[seen.append]).run()
    ends = [e for e in seen if isinstance(e, ev.EpochEnd)]
    assert len(ends) == 2 and all(e.val_loss > best and not e.best for e in ends)
    assert (out / "best.keras").read_bytes() == best_bytes  # the best weights survived
    info = read_info(out)
    assert info.best_value == best and info.state["best_epoch"] == 1 and info.epochs_done == 3


def test_datasets_do_not_autotune(text):
    """An autotuned tf.data iterator stalls when Keras destroys it at an epoch start
    (benchmarks/results/soak.md): no autotuning, fixed sizes."""
    from textgen_tui.core.nets.batches import TokenBatches, as_dataset, split_ids
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    cfg = tiny_config()
    tok = fit_tokenizer("char", text)
    split = split_ids(tok.encode(text), cfg.data)
    train, val = TokenBatches(split.train, cfg, shuffle=True), TokenBatches(split.val, cfg, shuffle=False)
    for ds in (as_dataset(train), as_dataset(val)):  # as the trainer makes them
        assert ds.options().autotune.enabled is False
        inputs, targets = next(iter(ds))
        assert 0 < inputs.shape[0] <= cfg.train.batch_size and targets.shape[0] == inputs.shape[0]
