"""Word-level defaults: rare words spelled in characters, and the sizes the user left alone set
from the corpus (tokens, vocabulary), listed by the run. One real (tiny) word-level run."""

from __future__ import annotations

from pathlib import Path

from textgen_tui.core import events as ev
from textgen_tui.core.config import make_config, preset
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.text.tokenizers import fit_tokenizer
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.sizing import MAX_PARAMS, PARAMS_PER_TOKEN, params, sizable, size_for_words
from textgen_tui.core.train.trainer import Trainer


def test_words_seen_fewer_than_min_count_times_are_spelled_in_characters() -> None:
    text = "common common common rare rare once"
    tok = fit_tokenizer("word", text, min_count=3)
    assert "common" in tok.index and "rare" not in tok.index and "once" not in tok.index
    assert tok.decode(tok.encode(text)) == text  # still lossless
    assert "rare" in fit_tokenizer("word", text, min_count=2).index
    assert make_config("fast", {"tokenizer": "word"}).data.min_count == 3


def test_a_word_model_is_sized_to_its_tokens_not_to_the_vocabulary_cap() -> None:
    cfg = make_config("fast", {"tokenizer": "word"})
    notes = size_for_words(cfg, 185_000, 4_000, set(sizable("fast", {"tokenizer": "word"})))
    m = cfg.model
    assert cfg.data.seq_len == 32 and m.dropout >= 0.3
    assert params(cfg, 4_000, m.units, m.embedding_dim) <= PARAMS_PER_TOKEN * 185_000
    assert any("units" in n and "185,000 word tokens" in n for n in notes)
    big = make_config("fast", {"tokenizer": "word"})
    size_for_words(big, 20_000_000, 20_000, {"units", "embedding_dim"})
    assert big.model.units > m.units and params(big, 20_000, big.model.units, 128) <= MAX_PARAMS
    small = make_config("fast", {"tokenizer": "word"})
    size_for_words(small, 2_000, 20_000, {"units"})
    assert small.model.units == 64  # never below the smallest choice


def test_only_what_the_user_left_alone_is_sized() -> None:
    base = preset("fast")
    assert sizable("fast", {"units": 300}) == {
        "seq_len",
        "embedding_dim",
        "dropout",
        "input_dropout",
        "recurrent_dropout",
        "sampled_softmax",
        "batch_size",
        "learning_rate",
        "weight_decay",
    }
    assert "units" in sizable("fast", {"units": base.model.units})  # the app's form, unchanged
    assert sizable("book", {}) == frozenset()
    char = make_config("fast", {})
    assert size_for_words(char, 100_000, 60, {"units"}) == []  # characters keep the preset


def test_a_word_run_lists_the_sizes_it_chose(tmp_path: Path, text: str) -> None:
    overrides = {"tokenizer": "word", "epochs": 1, "batch_size": 16, "length": 10}
    cfg = make_config("fast", overrides)
    seen: list = []
    out = tmp_path / "w"
    Trainer(
        RunSpec.new(corpus_from_text(text), out, config=cfg, sizable=sizable("fast", overrides)),
        listeners=[seen.append],
    ).run()
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert any(c.startswith("dropout: 0.15 → 0.3 (sized for") for c in started.changes)
    saved = read_info(out).config
    listed = {c.split(":")[0]: c.split("→ ")[1].split(" ")[0] for c in started.changes}
    assert saved.data.seq_len == 32 and str(saved.model.units) == listed["units"]  # what it said, it saved
    assert saved.model.dropout == 0.3 and saved.model.input_dropout == 0.3  # the embedding's too
    assert saved.train.weight_decay == 0.0  # decay is for the character preset's GRU(384)
    assert saved.model.recurrent_dropout == 0.0 < preset("fast").model.recurrent_dropout  # and the state's


def test_a_short_character_budget_trains_a_smaller_network_updated_more_often() -> None:
    from textgen_tui.core.train.sizing import SHORT_BUDGET, SHORT_BUDGET_MINUTES, size_for_budget

    short = make_config("fast", {"minutes": 1.26})
    notes = size_for_budget(short, set(sizable("fast", {"minutes": 1.26})))
    assert (short.model.units, short.train.batch_size) == (SHORT_BUDGET["units"], SHORT_BUDGET["batch_size"])
    assert short.train.learning_rate == SHORT_BUDGET["learning_rate"]
    assert short.data.seq_len == SHORT_BUDGET["seq_len"]
    assert short.train.weight_decay == 0.0 < preset("fast").train.weight_decay
    assert short.model.recurrent_dropout == 0.0 < preset("fast").model.recurrent_dropout
    assert any(n.startswith("units: 384 → 192") and "1.26-minute budget" in n for n in notes)
    mine = make_config("fast", {"minutes": 1.0, "units": 512})  # the user's width stays
    size_for_budget(mine, set(sizable("fast", {"minutes": 1.0, "units": 512})))
    assert mine.model.units == 512 and mine.train.batch_size == SHORT_BUDGET["batch_size"]
    five = make_config("fast", {"minutes": 5.0})  # measured: the small network wins at 5, not at 7.5
    size_for_budget(five, set(sizable("fast", {"minutes": 5.0})))
    assert five.model.units == SHORT_BUDGET["units"]
    for overrides in (
        {"minutes": 7.5},
        {"minutes": SHORT_BUDGET_MINUTES},
        {"epochs": 1},
        {"minutes": 1.0, "tokenizer": "word"},
    ):
        cfg = make_config("fast", overrides)
        assert size_for_budget(cfg, set(sizable("fast", overrides))) == []
    assert cfg.model.units == preset("fast").model.units
