import numpy as np
import pytest

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.sampling import Sampler

LOGITS = np.log(np.array([[0.5, 0.3, 0.15, 0.05, 0.0]], dtype=np.float32) + 1e-30)


def test_temperature_reweighting_is_p_to_the_one_over_t():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    for t in (0.2, 0.5, 1.0, 1.2):
        s = Sampler([t])
        got = s.probabilities(np.log(p)[None, :].astype(np.float32))[0]
        want = p ** (1 / t) / (p ** (1 / t)).sum()
        assert np.allclose(got, want, atol=1e-6)


def test_zero_probability_tokens_give_no_warning_and_are_never_drawn():
    s = Sampler([1.0, 0.5], rng_seed=0)
    logits = np.repeat(np.array([[0.0, -np.inf, 0.0]], dtype=np.float32), 2, axis=0)
    with np.errstate(all="raise"):
        draws = [s.sample(logits) for _ in range(200)]
    assert 1 not in np.concatenate(draws)


def test_temperature_zero_is_greedy():
    s = Sampler([0.0], rng_seed=1)
    assert all(s.sample(LOGITS)[0] == 0 for _ in range(50))


@pytest.mark.parametrize("bad", [-1, -0.1, float("nan"), float("inf"), "hot"])
def test_bad_temperatures_are_refused(bad):
    with pytest.raises(GenerationError):
        Sampler([bad])


def test_top_k_and_top_p_limit_the_choices():
    s = Sampler([5.0], top_k=2, rng_seed=2)
    assert set(int(s.sample(LOGITS)[0]) for _ in range(300)) == {0, 1}
    s = Sampler([1.0], top_p=0.7, rng_seed=3)
    assert set(int(s.sample(LOGITS)[0]) for _ in range(300)) == {0, 1}
    with pytest.raises(GenerationError):
        Sampler([1.0], top_p=0)
    with pytest.raises(GenerationError):
        Sampler([1.0], top_k=-2)


def test_seeded_sampling_is_reproducible_and_follows_the_distribution():
    a = [int(Sampler([1.0], rng_seed=7).sample(LOGITS)[0]) for _ in range(5)]
    b = [int(Sampler([1.0], rng_seed=7).sample(LOGITS)[0]) for _ in range(5)]
    assert a == b
    s = Sampler([1.0], rng_seed=11)
    counts = np.bincount([int(s.sample(LOGITS)[0]) for _ in range(4000)], minlength=5) / 4000
    assert np.allclose(counts[:4], [0.5, 0.3, 0.15, 0.05], atol=0.03)
