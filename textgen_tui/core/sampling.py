"""Temperature, top-k and top-p sampling on logits, vectorised over several streams.

Reweighting works on logits (`softmax(logits / T)` is the book's `p ** (1 / T)` renormalised), so
there is no `log(0)`. T = 0 means greedy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textgen_tui.core.config import check_temperature
from textgen_tui.core.errors import GenerationError

_BLOCK = 512  # uniform draws made at a time per stream


def check_top(top_k: int, top_p: float) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise GenerationError(f"top-k must be a whole number >= 0 (got {top_k!r})")
    if not isinstance(top_p, (int, float)) or not 0.0 < float(top_p) <= 1.0:
        raise GenerationError(f"top-p must be in (0, 1] (got {top_p!r})")


class Sampler:
    """Draws one token per stream from a (streams, vocab) array of logits."""

    def __init__(
        self,
        temperatures: Sequence[float],
        *,
        top_k: int = 0,
        top_p: float = 1.0,
        rng_seed: int | None = None,
    ):
        try:
            temps = np.array([check_temperature(t) for t in temperatures], dtype=np.float64)
        except Exception as exc:  # ConfigError -> GenerationError, same message
            raise GenerationError(str(exc)) from None
        if temps.size == 0:
            raise GenerationError("at least one temperature is needed")
        check_top(top_k, top_p)
        self.temperatures = temps
        self.greedy = temps == 0
        self.inv_t = np.where(self.greedy, 1.0, 1.0 / np.where(self.greedy, 1.0, temps))[:, None]
        self.inv_t = self.inv_t.astype(np.float32)
        self.top_k = int(top_k)
        self.top_p = float(top_p)
        self.rng = np.random.default_rng(rng_seed)
        self._uniform = np.empty((0, temps.size))
        self._u_pos = 0

    def _next_uniform(self) -> np.ndarray:
        if self._u_pos >= len(self._uniform):
            self._uniform = self.rng.random((_BLOCK, self.temperatures.size))
            self._u_pos = 0
        u = self._uniform[self._u_pos]
        self._u_pos += 1
        return u

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """The reweighted distribution each stream samples from (rows sum to 1)."""
        p = self._weights(logits)
        return p / p.sum(axis=1, keepdims=True)

    def _weights(self, logits: np.ndarray) -> np.ndarray:
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
        return np.minimum(idx, p.shape[1] - 1)
