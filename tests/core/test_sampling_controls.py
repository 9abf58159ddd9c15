"""The loop controls of core/generate/sampling.py on hand-made logits: a repetition penalty (CTRL) and a
no-repeat n-gram size (Hugging Face semantics)."""

import numpy as np
import pytest

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.sampling import Sampler

LOGITS = np.log(np.array([[0.1, 0.2, 0.3, 0.4]]))


def test_off_by_default_changes_nothing():
    plain = Sampler([1.0])
    assert not plain.watches
    plain.prime([3, 3, 3])
    np.testing.assert_allclose(plain.probabilities(LOGITS), [[0.1, 0.2, 0.3, 0.4]])


def test_penalty_lowers_a_repeated_token_positive_and_negative_logits():
    plain = Sampler([1.0]).probabilities(LOGITS)
    s = Sampler([1.0], repetition_penalty=2.0)
    s.prime([3])
    p = s.probabilities(LOGITS)
    assert p[0, 3] < plain[0, 3] and all(p[0, i] > plain[0, i] for i in range(3))
    # CTRL: a positive logit is divided by the penalty, a negative one multiplied
    z = np.array([[2.0, -1.0, 0.0]])
    s = Sampler([1.0], repetition_penalty=2.0)
    s.prime([0, 1])
    expected = np.exp([1.0, -2.0, 0.0]) / np.exp([1.0, -2.0, 0.0]).sum()
    np.testing.assert_allclose(s.probabilities(z)[0], expected)


def test_penalty_looks_at_the_recent_window_only():
    s = Sampler([1.0], repetition_penalty=3.0, penalty_window=2)
    s.prime([3, 0, 1])  # 3 has left the window
    p = s.probabilities(LOGITS)
    np.testing.assert_allclose(p[0, 3] / p[0, 2], 0.4 / 0.3)


def test_banned_ngram_gets_probability_zero():
    s = Sampler([1.0], no_repeat_ngram=2)
    s.prime([1, 3, 2, 1])  # the bigram (1, 3) was seen: after 1, 3 is banned
    p = s.probabilities(LOGITS)
    assert p[0, 3] == 0.0 and p[0].sum() == pytest.approx(1.0)
    assert s.banned(0) == {3}
    # greedy takes the best token that is not banned: (0, 3, 2) was seen, so not 2 after 0, 3
    z = np.array([[0.0, 0.0, 5.0, 1.0]])
    s2 = Sampler([0.0], no_repeat_ngram=3)
    s2.prime([0, 3, 2, 0, 3])
    assert s2.sample(z).tolist() == [3]


def test_sampling_never_repeats_an_ngram():
    rng = np.random.default_rng(0)
    s = Sampler([1.0, 0.5, 0.0], no_repeat_ngram=3, rng_seed=1)
    s.prime([0, 1])
    drawn = []
    for _ in range(60):
        ids = s.sample(rng.normal(size=(3, 40)))
        drawn.append(ids)
    for stream in np.array(drawn).T:
        seq = [0, 1, *stream.tolist()]
        grams = [tuple(seq[i : i + 3]) for i in range(len(seq) - 2)]
        assert len(grams) == len(set(grams))


def test_streams_keep_their_own_context():
    s = Sampler([1.0, 1.0], no_repeat_ngram=2)
    s.observe(np.array([1, 2]))
    s.observe(np.array([3, 3]))
    s.observe(np.array([1, 2]))
    assert s.banned(0) == {3} and s.banned(1) == {3}
    s.observe(np.array([0, 1]))
    assert s.banned(0) == set() and s.banned(1) == set()


@pytest.mark.parametrize(
    "kwargs", [{"repetition_penalty": 0.5}, {"no_repeat_ngram": -1}, {"no_repeat_ngram": 1.5}]
)
def test_bad_controls_are_generation_errors(kwargs):
    with pytest.raises(GenerationError):
        Sampler([1.0], **kwargs)


def test_the_default_penalty_is_on_for_word_and_subword_models_only():
    from textgen_tui.core.generate.sampling import default_repetition_penalty

    assert default_repetition_penalty("subword") == default_repetition_penalty("word") == 1.2
    assert default_repetition_penalty("char") == default_repetition_penalty("clause") == 1.0


def test_one_type_for_the_sampling_options():
    """SamplingOptions is what Generate, Write, the CLI and the per-epoch samples pass: checked
    when made; the Sampler's keywords are its fields; no penalty named is the model's default."""
    from textgen_tui.core.generate.sampling import SamplingOptions

    options = SamplingOptions(top_k=2, no_repeat_ngram=2, rng_seed=5)
    by_options = Sampler([1.0], options)
    by_keywords = Sampler([1.0], top_k=2, no_repeat_ngram=2, rng_seed=5)
    assert by_options.options == by_keywords.options == options
    assert [int(by_options.sample(LOGITS)[0]) for _ in range(6)] == [
        int(by_keywords.sample(LOGITS)[0]) for _ in range(6)
    ]
    assert Sampler([1.0], options, repetition_penalty=1.5).repetition_penalty == 1.5  # a field changed
    assert options.penalty_for("word") == 1.2 and options.penalty_for("char") == 1.0
    assert options.penalty_for(None) == 1.0  # no model: off, as in Hugging Face `generate`
    assert SamplingOptions(repetition_penalty=1.0).penalty_for("word") == 1.0  # named: kept
    assert Sampler([1.0], kind="word").repetition_penalty == 1.2
    bad = [{"top_k": -1}, {"top_p": 0.0}, {"top_p": 1.5}, {"repetition_penalty": 0.5}, {"rng_seed": -1}]
    for fields in bad:
        with pytest.raises(GenerationError):
            SamplingOptions(**fields)
    with pytest.raises(GenerationError, match=r"repetition penalty must be in \[1, 100\]"):
        SamplingOptions(repetition_penalty=101.0)
