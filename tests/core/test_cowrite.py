"""Co-writing (issue 24): the suggestions are the generator's own samples, and the saved states
make a pause feed only what changed, with the same result as reading the whole text again."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import make_text

from textgen_tui.core.generate.cowrite import CHECKPOINT_EVERY, CoWriter, PrefixState, SuggestOptions, _cut
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.generate.sampling import SamplingOptions
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.text.tokenizers import fit_tokenizer

TEXT = make_text(12)


def random_generator(kind: str = "char", cell: str = "gru", layers: int = 2, seed: int = 0) -> Generator:
    """A net with random weights (no Keras, no training): what matters here is the plumbing."""
    tokenizer = fit_tokenizer(kind, TEXT, max_vocab=300, min_count=1)
    rng = np.random.default_rng(seed)
    vocab, width, units = tokenizer.vocab_size, 8, 16
    gates = 3 if cell == "gru" else 4
    recurrent = []
    for _ in range(layers):
        bias = rng.normal(0, 0.1, (2, gates * units) if cell == "gru" else gates * units)
        recurrent.append(
            (
                cell,
                rng.normal(0, 0.5, (width, gates * units)),
                rng.normal(0, 0.5, (units, gates * units)),
                bias,
            )
        )
        width = units
    net = RecurrentNet.from_arrays(
        rng.normal(0, 0.5, (vocab, 8)), recurrent, rng.normal(0, 1.0, (units, vocab)), np.zeros(vocab)
    )
    return Generator(net, tokenizer)


def options(**kw) -> SuggestOptions:
    return SuggestOptions(
        **{"temperature": 0.8, "sampling": SamplingOptions(rng_seed=3), "whole_words": False, **kw}
    )


@pytest.mark.parametrize(
    "kind,cell", [("char", "gru"), ("char", "lstm"), ("word", "gru"), ("subword", "lstm")]
)
def test_suggestions_are_the_generators_own_samples(kind: str, cell: str) -> None:
    generator = random_generator(kind, cell)
    prefix = TEXT[:230]
    got = CoWriter(generator).suggest(prefix, options())
    assert got is not None and len(got.texts) == 3
    full = generator.generate(prefix, [0.8] * 3, 160, rng_seed=3)  # the same sampler, the same draws
    for mine, whole in zip(got.texts, full):
        assert whole.startswith(mine)
        assert len(mine) >= 40 or len(whole) == len(mine)
    if kind == "char":
        assert list(got.texts) == [w[:40] for w in full]
    assert len(set(got.texts)) > 1  # three independent rows, not one sample thrice


def test_the_saved_states_feed_only_what_changed() -> None:
    generator = random_generator("char", "lstm")
    writer = CoWriter(generator)

    def fresh(text: str):
        return CoWriter(generator).suggest(text, options())

    text = TEXT[:300]
    for end in range(10, 290, 29):  # typing, with pauses
        got = writer.suggest(text[:end], options())
        assert got.tokens == end
        assert got.texts == fresh(text[:end]).texts
    assert writer.suggest(text, options()).fed == 300 - end  # only what was typed since the last pause

    edited = (
        text[:150] + ("z" if text[150] != "z" else "q") + text[151:]
    )  # an edit in the middle goes back to the last saved state
    got = writer.suggest(edited, options())
    assert 150 <= got.fed <= 150 + CHECKPOINT_EVERY
    assert got.texts == fresh(edited).texts
    shorter = edited[:-7]  # deleting at the end
    got = writer.suggest(shorter, options())
    assert got.fed <= CHECKPOINT_EVERY
    assert got.texts == fresh(shorter).texts


def test_the_state_after_a_prefix_does_not_depend_on_the_path() -> None:
    generator = random_generator("char", "gru")
    net, tokenizer = generator.net, generator.tokenizer
    ids = tokenizer.encode(TEXT[:200])
    walked = PrefixState(net, every=16)
    for end in (50, 120, 90, 200, 130, 200):
        walked.feed_to(ids[:end])
    direct = PrefixState(net)
    direct.feed_to(ids[:200])
    for a, b in zip(walked.state, direct.state):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, atol=1e-6)


def test_a_cancelled_request_gives_nothing_and_the_next_is_whole() -> None:
    generator = random_generator("char", "gru")
    writer = CoWriter(generator)
    calls = iter(range(10**6))
    assert writer.suggest(TEXT[:400], options(), cancelled=lambda: next(calls) >= 3) is None
    assert 0 < len(writer.prefix.ids) < 400  # what was fed before the cancel is kept
    assert (
        writer.suggest(TEXT[:400], options()).texts
        == CoWriter(generator).suggest(TEXT[:400], options()).texts
    )


def test_lowercase_models_read_lowercase_and_unknown_characters_are_named() -> None:
    generator = random_generator("char", "gru")
    upper = CoWriter(generator, lowercase=True).suggest("THE QUICK BROWN ", options())
    lower = CoWriter(generator).suggest("the quick brown ", options())
    assert upper.text == "the quick brown "
    assert upper.texts == lower.texts
    odd = CoWriter(generator).suggest("the café ", options())
    assert "é" in odd.note and odd.tokens == len("the caf ")
    assert CoWriter(generator).suggest("", options()).texts == ()


def test_whole_words_and_distinct_ideas() -> None:
    assert _cut("the quick brown fox jumps over the lazy dog", 20, True) == "the quick brown fox "
    assert _cut("the quick brown fox jumps over the lazy dog", 20, False) == "the quick brown fox "
    assert _cut("the quick brown foxes jump", 19, True) == "the quick brown "
    assert _cut("abcdefghijklmnopqrstuvwxyz", 10, True) == "abcdefghij"  # no space: cut anyway
    generator = random_generator("char", "gru")
    greedy = CoWriter(generator).suggest(TEXT[:100], options(temperature=0))
    assert len(set(greedy.texts)) == 1 and greedy.distinct() == [greedy.texts[0]]


@pytest.mark.parametrize("kind", ["char", "word", "subword"])
def test_generation_takes_the_kinds_default_penalty(kind: str) -> None:
    """Word and subword models generate with the repetition penalty on unless told otherwise (char
    models: off); the Write pane's ideas take the same default."""
    from textgen_tui.core.generate.sampling import default_repetition_penalty

    generator = random_generator(kind, "lstm")
    seed = TEXT[:120]
    default = generator.generate(seed, [1.0], 200, rng_seed=2)
    assert default == generator.generate(
        seed, [1.0], 200, rng_seed=2, repetition_penalty=default_repetition_penalty(kind)
    )
    off = generator.generate(seed, [1.0], 200, rng_seed=2, repetition_penalty=1.0)
    assert (default == off) == (kind == "char")
