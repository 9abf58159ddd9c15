"""Seeing a text through a model (core/inspect/surprise.py, core/inspect/cells.py): each token's surprise equals the
Keras model's, ranks agree with a sort, and the cell finder finds a unit planted by hand."""

import math

import numpy as np
import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.inspect.cells import FEATURES, CellReading, cell_activation, find_cells, text_features
from textgen_tui.core.inspect.surprise import band_of, segment, surprise
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.text.tokenizers import fit_tokenizer

TEXT = make_text(4)


def _keras_pair(kind: str, cell: str, layers: int):
    """A tiny sequence-layout Keras model with random weights, and the generator read from it."""
    from textgen_tui.core.nets.keras_model import build_model

    cfg = tiny_config("fast")
    cfg.data.layout = "sequence"
    cfg.model.cell, cfg.model.layers, cfg.model.units = cell, layers, 16
    tok = fit_tokenizer(kind, TEXT)
    model = build_model(cfg, tok.vocab_size)
    rng = np.random.default_rng(1)  # weights far from zero make differences visible
    model.set_weights([rng.normal(0, 0.4, w.shape).astype("float32") for w in model.get_weights()])
    return model, Generator(RecurrentNet.from_keras(model), tok)


@pytest.mark.parametrize(
    ("kind", "cell", "layers"),
    [("char", "lstm", 2), ("char", "gru", 1), ("word", "lstm", 1), ("word", "gru", 2)],
)
def test_surprise_equals_the_keras_model(kind, cell, layers):
    model, gen = _keras_pair(kind, cell, layers)
    text = TEXT[:120] + " zebra, the fox"  # 'zebra' is no word of the vocabulary: spelled in letters
    report = surprise(gen, text)
    assert "".join(t.text for t in report.tokens) == text and all(t.known for t in report.tokens)
    ids = gen.tokenizer.encode(text)
    assert len(ids) == len(report.tokens)
    probs = np.asarray(model(ids[None, :].astype("int32")))[0].astype(np.float64)  # (T, vocab)
    reference = -np.log(probs[np.arange(len(ids) - 1), ids[1:]])
    nats = np.array([t.nats for t in report.tokens[1:]])
    assert report.tokens[0].nats is None and report.tokens[0].rank is None
    assert np.abs(nats - reference).max() <= 1e-4
    assert report.nats_per_token == pytest.approx(reference.mean(), abs=1e-5)
    # The rank of each token is its place in the Keras distribution sorted from the most likely.
    order = np.argsort(-probs[:-1], axis=1)
    ranks = 1 + np.argmax(order == ids[1:, None], axis=1)
    assert [t.rank for t in report.tokens[1:]] == ranks.tolist()
    # What the model expected at a position: Keras's ten most likely, in order.
    k = len(ids) // 2
    top = report.top(k)
    assert [tok for tok, _ in top] == [gen.tokenizer.vocab[i] for i in order[k - 1, :10]]
    assert np.allclose([p for _, p in top], probs[k - 1, order[k - 1, :10]], atol=1e-5)
    assert report.top(0) == []


def _planted_net(tok, units: int = 6, planted: int = 2, step: float = 0.01) -> RecurrentNet:
    """An LSTM whose unit `planted` counts the characters since the last newline: its input and
    output gates are open, its forget gate is open except on a newline, and its candidate is a
    small constant, so c grows by `step` a character (tanh(c) ≈ c) and restarts at each newline.
    The other units have random weights."""
    vocab = tok.vocab_size
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 0.5, (vocab, 4 * units)).astype(np.float32)
    recurrent = rng.normal(0, 0.5, (units, 4 * units)).astype(np.float32)
    bias = np.zeros(4 * units, dtype=np.float32)
    gate_i, gate_f, gate_g, gate_o = (k * units + planted for k in range(4))  # Keras's (i, f, g, o)
    for col in (gate_i, gate_f, gate_g, gate_o):
        kernel[:, col] = 0.0
        recurrent[:, col] = 0.0
    bias[[gate_i, gate_f, gate_o]] = 10.0  # sigmoid(10) ≈ 1
    bias[gate_g] = math.atanh(step)
    kernel[tok.index["\n"], gate_f] = -20.0  # the newline closes the forget gate: the count restarts
    embedding = np.eye(vocab, dtype=np.float32)  # one-hot input: kernel rows are per character
    dense_w = rng.normal(0, 0.5, (units, vocab)).astype(np.float32)
    return RecurrentNet.from_arrays(embedding, [("lstm", kernel, recurrent, bias)], dense_w, np.zeros(vocab))


def _lines_text() -> str:
    words = "the quick brown fox jumps over the lazy dog and runs away".split()
    lines = [" ".join(words[(i * 3) % len(words) :] + words[: (i * 7) % 9]) for i in range(24)]
    return "\n".join(lines) + "\n"


def test_the_cell_finder_recovers_a_planted_line_position_unit():
    text = _lines_text()
    tok = fit_tokenizer("char", text)
    gen = Generator(_planted_net(tok), tok)
    cells = find_cells(gen, text, per_feature=3)
    line = [c for c in cells if c.feature == "position_in_line"]
    assert (line[0].layer, line[0].unit) == (0, 2) and line[0].r > 0.9
    assert abs(line[1].r) < line[0].r  # the others, by |r|, below it
    # Coloring the text by that unit: it restarts at each newline and grows along the line.
    spans, values = cell_activation(gen, text, 0, 2)
    assert "".join(s.text for s in spans) == text and len(values) == len(spans)
    assert np.all(np.abs(values) <= 1.0)
    first_line = values[: text.index("\n")]
    assert np.all(np.diff(first_line) > 0) and values[text.index("\n")] < 0.02
    with pytest.raises(Exception, match="unit 6 does not exist"):
        cell_activation(gen, text, 0, 6)


def test_a_cell_reading_is_one_pass_that_any_unit_is_read_from():
    """CellReading (what the Write pane's cells view keeps): the matches find_cells gives, and any
    unit's values per span as cell_activation computes them, without reading the text again; an
    unknown character is a span of its own, showing the state it left unchanged."""
    text = _lines_text() + "é"
    tok = fit_tokenizer("char", _lines_text())
    gen = Generator(_planted_net(tok), tok)
    reading = CellReading.of(gen, text.upper(), lowercase=True)
    assert reading.text == text.upper() and "".join(s.text for s in reading.spans) == text
    assert reading.matches == find_cells(gen, text.upper(), lowercase=True)
    assert (reading.matches[0].layer, reading.matches[0].unit) == (0, 2)
    for unit in (2, 5):
        assert np.allclose(reading.values(0, unit), cell_activation(gen, text, 0, unit)[1])
    assert reading.values(0, 2)[-1] == reading.values(0, 2)[-2]  # "é" is not fed
    assert reading.match(0, 2) is reading.matches[0] and reading.match(0, 5) in (None, *reading.matches)
    starts, ends = reading.bounds()
    assert starts[0] == 0 and ends[-1] == len(text) and starts[1:] == ends[:-1]
    assert reading.span_at(0) == 0 and reading.span_at(len(text) + 10) == len(reading.spans) - 1
    with pytest.raises(GenerationError, match="layer 1 does not exist"):
        reading.values(1, 0)
    with pytest.raises(GenerationError, match="unit 6 does not exist"):
        reading.values(0, 6)
    empty = CellReading.of(gen, "")
    assert empty.layers == [] and empty.matches == [] and empty.span_at(0) is None


def test_text_features_at_each_tokens_first_character():
    f = text_features(["ab", " ", '"', "cd", '"', " (", "x", ")", "\n", "y"])
    assert f["position_in_line"].tolist() == [1, 3, 4, 5, 7, 8, 10, 11, 0, 1]
    assert f["position_in_word"].tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]
    assert f["inside_quotes"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    assert f["inside_parentheses"].tolist() == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert set(f) == set(FEATURES)


def test_unknown_characters_are_kept_named_and_not_scored():
    text = "the quick brown fox.\n"
    tok = fit_tokenizer("char", text)
    gen = Generator(_planted_net(tok), tok)
    report = surprise(gen, "The fox é jumps", lowercase=True)
    assert "".join(t.text for t in report.tokens) == "the fox é jumps"
    unknown = [t for t in report.tokens if not t.known]
    assert [t.text for t in unknown] == ["é", "j", "m", "p", "s"]
    assert all(t.nats is None and t.rank is None for t in unknown)
    assert report.unknown[0] == "é (U+00E9)" and len(report.unknown) == 5
    # The token after an unknown one is predicted from what came before the unknown one.
    e = report.token_at(8)
    assert report.tokens[e].text == "é" and report.top(e, 3) == report.top(e + 1, 3)
    assert report.token_at(len("the fox é jumps")) is None


def test_a_character_spelled_in_bytes_is_one_token_with_their_summed_surprise():
    text = "über die Brücke gehen wir. " * 4 + "the end\n"
    tok = fit_tokenizer("subword", text, max_vocab=300)
    rng = np.random.default_rng(3)
    units, vocab = 8, tok.vocab_size
    net = RecurrentNet.from_arrays(
        rng.normal(0, 0.5, (vocab, 4)),
        [
            (
                "gru",
                rng.normal(0, 0.5, (4, 3 * units)),
                rng.normal(0, 0.5, (units, 3 * units)),
                np.zeros((2, 3 * units)),
            )
        ],
        rng.normal(0, 0.5, (units, vocab)),
        np.zeros(vocab),
    )
    gen = Generator(net, tok)
    sample = "a Brücke → ünter"  # '→' is in no training text: spelled in byte tokens
    report = surprise(gen, sample)
    assert "".join(t.text for t in report.tokens) == sample
    arrow = next(i for i, t in enumerate(report.tokens) if "→" in t.text)
    seg = segment(tok, sample)
    first, last = int(seg.first[arrow]), int(seg.last[arrow])
    assert last > first  # several byte tokens make the arrow
    ids = seg.ids.tolist()
    expected = sum(-math.log(gen.next_token_probs(ids[:j])[ids[j]]) for j in range(first, last + 1))
    assert report.tokens[arrow].nats == pytest.approx(expected, abs=1e-4)


def test_gltr_bands():
    assert [band_of(r) for r in (1, 2, 10, 11, 100, 101, 5000)] == [0, 1, 1, 2, 2, 3, 3]
    assert band_of(None) is None


@pytest.fixture(scope="module")
def repetitive_model(tmp_path_factory, text):
    """A tiny book-style (window) model trained for three epochs (a few seconds) on the session's
    repetitive text: it has learned which letters follow which."""
    from textgen_tui.core.text.corpus import corpus_from_text
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    cfg = tiny_config("book")
    cfg.train.epochs = 3
    out = tmp_path_factory.mktemp("inspect") / "book-3"
    Trainer(RunSpec.new(corpus_from_text(text, "tiny"), out, config=cfg)).run()
    return out


def test_a_text_is_far_less_surprising_than_its_characters_shuffled(repetitive_model, text):
    """Read by the same carried-state pass as a sequence model, though it is a window model."""
    from textgen_tui.core.generate.load import load_generator
    from textgen_tui.core.store.folder import read_info

    info = read_info(repetitive_model)
    assert info.config.data.layout == "window"
    gen = load_generator(repetitive_model)
    sample = text[:1500]
    shuffled = "".join(np.random.default_rng(0).permutation(list(sample)))
    real = surprise(gen, sample, lowercase=info.config.data.lowercase)
    noise = surprise(gen, shuffled, lowercase=info.config.data.lowercase)
    # Measured: 1.39 against 4.58 nats per token.
    assert real.nats_per_token < 0.5 * noise.nats_per_token, (real.nats_per_token, noise.nats_per_token)
    assert real.bits_per_char < 0.5 * noise.bits_per_char
    # Most of a text the model has learned is its first choice; little of the shuffled text is.
    top1 = [sum(band_of(t.rank) == 0 for t in r.tokens) / r.scored for r in (real, noise)]
    assert top1[0] > 0.45 and top1[1] < 0.25, top1  # measured: 0.63 and 0.11
