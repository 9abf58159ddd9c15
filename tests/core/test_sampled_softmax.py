"""The sampled softmax of word runs with large vocabularies: it learns the full distribution,
the saved folder is an ordinary model for generation and validation, and it resumes."""

from __future__ import annotations

import numpy as np
from core_helpers import tiny_config

from textgen_tui.core import events as ev
from textgen_tui.core.config import make_config
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.keras_store import load_bundle
from textgen_tui.core.store.weights_file import read_recurrent_net
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.sizing import SAMPLED, sizable, size_for_words
from textgen_tui.core.train.trainer import Trainer

WORDS = [f"w{i}" for i in range(80)]


def cycle_text(repeats: int = 24) -> str:
    """80 distinct words always in the same order: each next word is certain given the last."""
    return "\n".join(" ".join(WORDS) for _ in range(repeats)) + "\n"


def word_config(**train):
    cfg = tiny_config("fast")
    cfg.data.tokenizer = "word"
    cfg.data.min_count = 1
    cfg.data.lowercase = False
    cfg.model.units = 48
    cfg.model.embedding_dim = 16
    cfg.model.dropout = 0.0
    cfg.model.sampled_softmax = 16  # of a vocabulary of ~95 (the words, spaces, characters)
    cfg.train.learning_rate = 0.02
    cfg.train.steps_per_epoch = 30
    cfg.train.early_stopping_patience = 0
    for k, v in train.items():
        setattr(cfg.train, k, v)
    return cfg


def test_sizing_samples_the_softmax_of_large_vocabularies_only() -> None:
    free = set(sizable("fast", {"tokenizer": "word"}))
    big = make_config("fast", {"tokenizer": "word"})
    notes = size_for_words(big, 352_000, 12_207, free)
    assert big.model.sampled_softmax == SAMPLED and any(n.startswith("sampled_softmax: 0 → ") for n in notes)
    small = make_config("fast", {"tokenizer": "word"})
    size_for_words(small, 352_000, 1_500, free)
    assert small.model.sampled_softmax == 0  # a small output layer is cheap: the whole softmax
    chosen = make_config("fast", {"tokenizer": "word", "sampled_softmax": 64})
    assert "sampled_softmax" not in sizable("fast", {"tokenizer": "word", "sampled_softmax": 64})
    assert chosen.model.sampled_softmax == 64


def test_it_learns_the_whole_distribution_saves_an_ordinary_model_and_resumes(tmp_path) -> None:
    text = cycle_text()
    out = tmp_path / "m"
    seen: list = []
    Trainer(
        RunSpec.new(corpus_from_text(text), out, config=word_config(epochs=6)), listeners=[seen.append]
    ).run()
    info = read_info(out)
    vocab = info.tokenizer.vocab_size
    assert vocab > 16 * 5
    ends = [e for e in seen if isinstance(e, ev.EpochEnd)]
    # Validation scores the full softmax: far below a uniform guess once the cycle is learned.
    assert ends[-1].val_loss < 0.25 * np.log(vocab), [e.val_loss for e in ends]
    # The saved model predicts probabilities over the whole vocabulary, and the numpy generator
    # (which reads the file without Keras) computes the same ones.
    bundle = load_bundle(out)
    ids = info.tokenizer.encode(" ".join(WORDS[:10]))
    keras_probs = np.asarray(bundle.model.predict_on_batch(np.asarray([ids], dtype="int32")))[0, -1]
    assert keras_probs.shape == (vocab,) and abs(float(keras_probs.sum()) - 1) < 1e-4
    for net in (read_recurrent_net(info.best_file), RecurrentNet.from_keras(bundle.model)):
        probs = Generator(net, info.tokenizer).next_token_probs(ids)
        np.testing.assert_allclose(probs, keras_probs, atol=1e-4)
    nxt = int(np.argmax(keras_probs))
    assert info.tokenizer.decode([nxt]).strip() in ("w10", "")  # the cycle's next word (or its space)

    # Resumed, it keeps the proposal it was saved with (the training tokens' frequencies).
    before = np.asarray(bundle.model.layers[-1].log_proposal)
    assert np.isfinite(before).all() and np.ptp(before) > 0  # frequencies, not zeros
    seen.clear()
    Trainer(RunSpec.resumed(out, {"epochs": 1}, corpus_from_text(text)), listeners=[seen.append]).run()
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.initial_epoch == 6 and isinstance(seen[-1], ev.Finished)
    after = load_bundle(out)
    np.testing.assert_array_equal(np.asarray(after.model.layers[-1].log_proposal), before)
    assert read_info(out).config.model.sampled_softmax == 16
