"""The numpy generator against the Keras model itself: same next-token probabilities."""

import numpy as np
import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.nets.keras_model import build_model
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.text.tokenizers import fit_tokenizer

TEXT = make_text(4)


def _model(layout, input_kind, layers, cell="lstm", **model_settings):
    cfg = tiny_config("book" if layout == "window" else "fast")
    for name, value in model_settings.items():
        setattr(cfg.model, name, value)
    cfg.data.layout = layout
    cfg.model.input = input_kind
    cfg.model.layers = layers
    cfg.model.cell = cell
    cfg.model.units = 16
    tok = fit_tokenizer("char", TEXT)
    model = build_model(cfg, tok.vocab_size)
    # Random weights far from zero make differences visible.
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype("float32") for w in model.get_weights()])
    return cfg, tok, model


@pytest.mark.parametrize("input_kind", ["onehot", "embedding"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_both_modes_match_keras(input_kind, layers, cell):
    cfg, tok, model = _model("window", input_kind, layers, cell)
    gen = Generator(RecurrentNet.from_keras(model), tok, cfg.data.maxlen)
    ids = tok.encode(TEXT[:75])  # longer than the window (20)
    # carrying state == the model run over the whole history
    full = model(ids[None, :].astype("int32")).numpy()[0]
    assert np.abs(gen.next_token_probs(ids) - full).max() <= 1e-5
    # exact window == the model run on the last maxlen tokens, from a zero state
    window = model(ids[None, -cfg.data.maxlen :].astype("int32")).numpy()[0]
    assert np.abs(gen.next_token_probs(ids, exact_window=True) - window).max() <= 1e-5
    # a seed shorter than the window
    short = model(ids[None, :7].astype("int32")).numpy()[0]
    assert np.abs(gen.next_token_probs(ids[:7], exact_window=True) - short).max() <= 1e-5


def test_exact_window_stays_exact_while_generating():
    cfg, tok, model = _model("window", "onehot", 2)
    gen = Generator(RecurrentNet.from_keras(model), tok, cfg.data.maxlen)
    seed = tok.encode(TEXT[:30])
    out = [int(i[0]) for i in gen.stream_ids(seed, [0.0], 45, exact_window=True)]
    history = list(seed)
    for tok_id in out:  # greedy: each step must be Keras's argmax on the last 20 tokens
        probs = model(np.array([history[-cfg.data.maxlen :]], dtype="int32")).numpy()[0]
        assert tok_id == int(np.argmax(probs))
        history.append(tok_id)


def test_sequence_model_matches_at_every_position():
    cfg, tok, model = _model("sequence", "embedding", 2)
    gen = Generator(RecurrentNet.from_keras(model), tok)
    ids = tok.encode(TEXT[:40])
    per_position = model(ids[None, :].astype("int32")).numpy()[0]
    for n in (1, 13, 40):
        assert np.abs(gen.next_token_probs(ids[:n]) - per_position[n - 1]).max() <= 1e-5


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_dropout_on_the_state_is_training_only(cell):
    """`recurrent_dropout` (the fast preset's) changes training steps, not the network the
    generator reads: outside training Keras and the generator agree as without it."""
    cfg, tok, model = _model(
        "sequence", "embedding", 2, cell, recurrent_dropout=0.3, dropout=0.0, input_dropout=0.0
    )
    recurrent = [layer for layer in model.layers if layer.name.startswith(f"{cell}_")]
    assert len(recurrent) == 2 and all(float(layer.recurrent_dropout) == 0.3 for layer in recurrent)
    gen = Generator(RecurrentNet.from_keras(model), tok)
    ids = tok.encode(TEXT[:40])[None, :].astype("int32")
    per_position = model(ids).numpy()[0]
    assert np.abs(gen.next_token_probs(ids[0]) - per_position[-1]).max() <= 1e-5
    assert np.abs(model(ids, training=True).numpy()[0] - per_position).max() > 1e-3  # it is there


def test_several_temperatures_in_one_pass_and_reproducible():
    cfg, tok, model = _model("window", "onehot", 1)
    gen = Generator(RecurrentNet.from_keras(model), tok, cfg.data.maxlen)
    a = gen.generate("the quick", [0.2, 0.5, 1.0, 1.2], 60, rng_seed=5)
    b = gen.generate("the quick", [0.2, 0.5, 1.0, 1.2], 60, rng_seed=5)
    assert a == b and len(a) == 4 and all(len(t) == 60 for t in a)
    greedy = gen.generate("the quick", [0.0, 0.0], 30)
    assert greedy[0] == greedy[1]


def test_generation_errors_are_clear():
    from textgen_tui.core.errors import GenerationError

    cfg, tok, model = _model("sequence", "embedding", 1)
    gen = Generator(RecurrentNet.from_keras(model), tok)
    with pytest.raises(GenerationError, match="empty"):
        list(gen.stream("\u2603\u2603", [1.0], 5))  # only unknown characters
    with pytest.raises(GenerationError, match="window"):
        list(gen.stream("the", [1.0], 5, exact_window=True))
    with pytest.raises(GenerationError, match="negative"):
        list(gen.stream("the", [-1], 5))
