"""Temperature, top-k and top-p sampling on logits, vectorised over several streams, and two
controls against loops (off in the Sampler, as in Hugging Face `generate`; a model's generator
turns the penalty on for word and subword tokens, `default_repetition_penalty`):

- a repetition penalty (CTRL, Keskar et al. 2019): the logit of every token already in the recent
  context (the last `penalty_window` tokens, the seed's included) is divided by the penalty when
  positive and multiplied by it when negative, before the temperature;
- a no-repeat n-gram size N: a token that would complete an N-gram already in the stream (the
  seed's included) gets probability 0 (Hugging Face's `no_repeat_ngram_size`).

Reweighting works on logits (`softmax(logits / T)` is the book's `p ** (1 / T)` renormalised), so
there is no `log(0)`. T = 0 means greedy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from textgen_tui.core.config import check_temperature
from textgen_tui.core.errors import GenerationError

_BLOCK = 512  # uniform draws made at a time per stream
PENALTY_WINDOW = 32
"""Tokens of recent context the repetition penalty looks at, by default (the whole text would
penalize every character of a character model)."""


DEFAULT_PENALTY = {"word": 1.2, "subword": 1.2}
"""The repetition penalty a model's generation uses unless told otherwise, by tokenizer kind (the
others: 1.0, off): word and subword models loop at low temperatures without it; char models, the
book's, keep the book's sampling (measured: benchmarks/results/loop_controls.md)."""


def default_repetition_penalty(kind: str) -> float:
    """The repetition penalty for a model of this tokenizer kind when none is given."""
    return DEFAULT_PENALTY.get(kind, 1.0)


def check_top(top_k: int, top_p: float) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise GenerationError(f"top-k must be a whole number >= 0 (got {top_k!r})")
    if not isinstance(top_p, (int, float)) or not 0.0 < float(top_p) <= 1.0:
        raise GenerationError(f"top-p must be in (0, 1] (got {top_p!r})")


def check_loop_controls(repetition_penalty: float, no_repeat_ngram: int, penalty_window: int) -> None:
    if isinstance(repetition_penalty, bool) or not isinstance(repetition_penalty, (int, float)):
        raise GenerationError(f"the repetition penalty must be a number >= 1 (got {repetition_penalty!r})")
    if not 1.0 <= float(repetition_penalty) <= 100.0:
        raise GenerationError(f"the repetition penalty must be in [1, 100] (got {repetition_penalty!r})")
    for name, value in (("no-repeat n-gram size", no_repeat_ngram), ("penalty window", penalty_window)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise GenerationError(f"the {name} must be a whole number >= 0 (got {value!r})")


@dataclass(frozen=True)
class SamplingOptions:
    """How tokens are drawn, whatever draws them: Generate, Write, the CLI's `generate` and the
    per-epoch samples. Checked when made (GenerationError). The temperatures are not here: each
    caller has its own (several streams, one, a config's list)."""

    top_k: int = 0
    """Keep the k most likely tokens (0: all)."""
    top_p: float = 1.0
    """Keep the smallest set of tokens holding this much probability (1: all)."""
    repetition_penalty: float | None = None
    """Divides the logits of recent tokens (CTRL's penalty), in [1, 100]; 1: off; None: the
    model's default (`default_repetition_penalty` of its tokenizer kind)."""
    no_repeat_ngram: int = 0
    """No n-gram of this many tokens twice in a stream (the seed's included); 0: off."""
    rng_seed: int | None = None
    """Random seed of the draws: the same options give the same text (None: a fresh one)."""
    penalty_window: int = PENALTY_WINDOW
    """Tokens of recent context the repetition penalty looks at (0: all of them)."""

    def __post_init__(self) -> None:
        check_top(self.top_k, self.top_p)
        penalty = 1.0 if self.repetition_penalty is None else self.repetition_penalty
        check_loop_controls(penalty, self.no_repeat_ngram, self.penalty_window)
        seed = self.rng_seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise GenerationError(f"the rng seed must be a whole number >= 0 (got {seed!r})")

    def penalty_for(self, kind: str | None) -> float:
        """The repetition penalty to use for a model of tokenizer `kind` (None: no model, off)."""
        if self.repetition_penalty is not None:
            return float(self.repetition_penalty)
        return 1.0 if kind is None else default_repetition_penalty(kind)


class Sampler:
    """Draws one token per stream from a (streams, vocab) array of logits."""

    def __init__(
        self,
        temperatures: Sequence[float],
        options: SamplingOptions | None = None,
        *,
        kind: str | None = None,
        **changes,
    ):
        """`options` (else the defaults) with `changes`, SamplingOptions' fields by name. `kind`:
        the model's tokenizer kind, whose default repetition penalty applies when the options
        name none; without it the penalty is off (as in Hugging Face `generate`)."""
        options = replace(options or SamplingOptions(), **changes)
        try:
            temps = np.array([check_temperature(t) for t in temperatures], dtype=np.float64)
        except Exception as exc:  # ConfigError -> GenerationError, same message
            raise GenerationError(str(exc)) from None
        if temps.size == 0:
            raise GenerationError("at least one temperature is needed")
        self.options = options
        self.temperatures = temps
        self.greedy = temps == 0
        self.inv_t = np.where(self.greedy, 1.0, 1.0 / np.where(self.greedy, 1.0, temps))[:, None]
        self.inv_t = self.inv_t.astype(np.float32)
        self.top_k = int(options.top_k)
        self.top_p = float(options.top_p)
        self.repetition_penalty = options.penalty_for(kind)
        self.no_repeat_ngram = int(options.no_repeat_ngram)
        self.penalty_window = int(options.penalty_window)
        self._history: list[list[int]] = [[] for _ in range(temps.size)]
        self._seen: list[dict[tuple[int, ...], set[int]]] = [{} for _ in range(temps.size)]
        self.rng = np.random.default_rng(options.rng_seed)
        self._uniform = np.empty((0, temps.size))
        self._u_pos = 0

    def _next_uniform(self) -> np.ndarray:
        if self._u_pos >= len(self._uniform):
            self._uniform = self.rng.random((_BLOCK, self.temperatures.size))
            self._u_pos = 0
        u = self._uniform[self._u_pos]
        self._u_pos += 1
        return u

    # -- the context the loop controls look at ----------------------------------------------------
    @property
    def watches(self) -> bool:
        """Whether the loop controls are on (the sampler then keeps each stream's tokens)."""
        return self.repetition_penalty != 1.0 or self.no_repeat_ngram > 0

    def prime(self, seed_ids: Sequence[int]) -> None:
        """The seed's tokens, the context every stream starts from."""
        for tok in np.asarray(seed_ids).tolist():
            self.observe(np.full(len(self._history), tok))

    def observe(self, ids: np.ndarray) -> None:
        """One token per stream, appended to its context (`sample` does this itself)."""
        if not self.watches:
            return
        n = self.no_repeat_ngram
        for s, tok in enumerate(np.asarray(ids).tolist()):
            hist = self._history[s]
            hist.append(int(tok))
            if n > 0 and len(hist) >= n:
                self._seen[s].setdefault(tuple(hist[len(hist) - n : -1]), set()).add(int(tok))
            keep = max(self.penalty_window, n)
            if len(hist) > 4 * keep + 64:  # only the tail is ever read
                del hist[: len(hist) - keep]

    def banned(self, stream: int) -> set[int]:
        """Tokens that would repeat an n-gram of `stream` (empty when the control is off)."""
        n = self.no_repeat_ngram
        hist = self._history[stream]
        if n <= 0 or len(hist) < n - 1:
            return set()
        return self._seen[stream].get(tuple(hist[len(hist) - n + 1 :]) if n > 1 else (), set())

    def _controlled(self, logits: np.ndarray) -> np.ndarray:
        if not self.watches:
            return logits
        z = np.array(logits, dtype=np.float64)
        for s in range(z.shape[0]):
            hist = self._history[s]
            if self.repetition_penalty != 1.0 and hist:
                recent = hist[-self.penalty_window :] if self.penalty_window else hist
                idx = np.unique(np.asarray(recent, dtype=np.int64))
                row = z[s, idx]
                z[s, idx] = np.where(row > 0, row / self.repetition_penalty, row * self.repetition_penalty)
            ban = self.banned(s)
            if ban and len(ban) < z.shape[1]:
                z[s, list(ban)] = -np.inf
        return z

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """The reweighted distribution each stream samples from (rows sum to 1)."""
        p = self._weights(logits)
        return p / p.sum(axis=1, keepdims=True)

    def _weights(self, logits: np.ndarray) -> np.ndarray:
        logits = self._controlled(logits)
        z = logits * self.inv_t
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        if self.greedy.any():
            g = np.zeros_like(p[self.greedy])
            g[np.arange(len(g)), logits[self.greedy].argmax(axis=1)] = 1.0
            p[self.greedy] = g
        vocab = p.shape[1]
        if 0 < self.top_k < vocab:
            kth = np.partition(p, vocab - self.top_k, axis=1)[:, vocab - self.top_k, None]
            p = np.where(p >= kth, p, 0.0)
        if self.top_p < 1.0:
            order = np.argsort(-p, axis=1)
            sorted_p = np.take_along_axis(p, order, axis=1)
            cum = np.cumsum(sorted_p, axis=1)
            cum /= cum[:, -1:]
            # keep a token while the mass before it is still below top_p (the first always stays)
            keep_sorted = (cum - sorted_p / sorted_p.sum(axis=1, keepdims=True)) < self.top_p
            keep = np.zeros_like(keep_sorted)
            np.put_along_axis(keep, order, keep_sorted, axis=1)
            p = np.where(keep, p, 0.0)
        return p

    def sample(self, logits: np.ndarray) -> np.ndarray:
        """One token id per stream."""
        p = self._weights(logits)
        cdf = np.cumsum(p, axis=1)
        u = self._next_uniform() * cdf[:, -1]
        idx = (cdf <= u[:, None]).sum(axis=1)
        idx = np.minimum(idx, p.shape[1] - 1)
        if self.watches:
            self.observe(idx)
        return idx
