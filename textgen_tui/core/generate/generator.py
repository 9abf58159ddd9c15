"""Fast streaming generation: the recurrent step in numpy, several temperatures in one batch.

The book calls `model.predict` once per character (about 15 characters per second here). We take
the trained weights out of Keras once and run the LSTM/GRU step ourselves, carrying the state
from token to token. For `window` models the book's exact semantics (each token predicted from
the last `maxlen` tokens, from a zero state) are kept with `maxlen` staggered lanes: lane k
restarts from zero every `maxlen` tokens, so one batched step per token serves every window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.sampling import Sampler, SamplingOptions
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.text.tokenizers import Tokenizer


class _Carry:
    """State carried from token to token: one lane per stream."""

    def __init__(self, net: RecurrentNet, streams: int):
        self.net = net
        self.streams = streams
        self.state = net.zero_state(streams)
        self.h = None

    def feed(self, ids: np.ndarray) -> None:
        self.h = self.net.step(ids, self.state)

    def logits(self) -> np.ndarray:
        return self.net.logits(self.h)


class _Window:
    """The book's semantics: predict from the last `maxlen` tokens, starting from zero state."""

    def __init__(self, net: RecurrentNet, streams: int, maxlen: int):
        self.net = net
        self.streams = streams
        self.maxlen = maxlen
        self.state = net.zero_state(maxlen * streams)
        self.pos = 0
        self.h = None

    def feed(self, ids: np.ndarray) -> None:
        lane = self.pos % self.maxlen
        rows = slice(lane * self.streams, (lane + 1) * self.streams)
        for layer_state in self.state:  # this lane starts its window at this token
            for arr in layer_state:
                arr[rows] = 0.0
        self.h = self.net.step(np.tile(ids, self.maxlen), self.state)
        self.pos += 1

    def logits(self) -> np.ndarray:
        lane = max(self.pos - self.maxlen, 0) % self.maxlen
        rows = slice(lane * self.streams, (lane + 1) * self.streams)
        return self.net.logits(self.h[rows])


class Generator:
    """Streams text from a trained net, one token per step for every temperature at once."""

    def __init__(self, net: RecurrentNet, tokenizer: Tokenizer, maxlen: int | None = None):
        if net.vocab_size != tokenizer.vocab_size:
            raise GenerationError(
                f"the model predicts {net.vocab_size} tokens but the vocabulary has {tokenizer.vocab_size}"
            )
        self.net = net
        self.tokenizer = tokenizer
        self.maxlen = maxlen

    @classmethod
    def for_config(cls, net: RecurrentNet, tokenizer: Tokenizer, config) -> Generator:
        """The generator of a model trained with `config`: a window model keeps its window (the
        exact-window sampler's context); a sequence model has none."""
        d = config.data
        return cls(net, tokenizer, d.maxlen if d.layout == "window" else None)

    def _runner(self, streams: int, exact_window: bool):
        if exact_window:
            if not self.maxlen:
                raise GenerationError("exact-window generation needs a window (maxlen) model")
            return _Window(self.net, streams, self.maxlen)
        return _Carry(self.net, streams)

    def _prime(self, seed_ids: np.ndarray, streams: int, exact_window: bool):
        if len(seed_ids) == 0:
            raise GenerationError("the seed is empty (or has no known characters): type some text")
        if exact_window:
            seed_ids = seed_ids[-self.maxlen :] if self.maxlen else seed_ids
        runner = self._runner(streams, exact_window)
        for tok in seed_ids:
            runner.feed(np.full(streams, tok, dtype=np.int64))
        return runner

    def next_token_probs(self, seed_ids: Sequence[int], exact_window: bool = False) -> np.ndarray:
        """Softmax over the vocabulary for the token after `seed_ids` (for checks and tests)."""
        runner = self._prime(np.asarray(seed_ids), 1, exact_window)
        z = runner.logits()[0].astype(np.float64)
        p = np.exp(z - z.max())
        return p / p.sum()

    def stream_ids(
        self,
        seed_ids: Sequence[int],
        temperatures: Sequence[float],
        length: int,
        options: SamplingOptions | None = None,
        *,
        exact_window: bool = False,
        **changes,
    ) -> Iterator[np.ndarray]:
        """Yield one array of token ids (one per temperature) per generated position. `options`
        (else the defaults) with `changes` (SamplingOptions' fields by name); no repetition penalty
        named: the tokenizer kind's default (`default_repetition_penalty`)."""
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise GenerationError(f"length must be a whole number >= 0 (got {length!r})")
        sampler = Sampler(temperatures, options, kind=self.tokenizer.kind, **changes)
        streams = len(sampler.temperatures)
        runner = self._prime(np.asarray(seed_ids), streams, exact_window)
        if sampler.watches:
            sampler.prime(seed_ids)
        guard = self.tokenizer.utf8_guard(streams)  # subword: byte tokens make whole characters
        if guard is not None:
            for tok in np.asarray(seed_ids).tolist():
                guard.observe(np.full(streams, tok))
        for _ in range(length):
            logits = runner.logits()
            ids = sampler.sample(logits if guard is None else guard.mask(logits))
            if guard is not None:
                guard.observe(ids)
            yield ids
            runner.feed(ids)

    def stream(
        self,
        seed: str,
        temperatures: Sequence[float],
        length: int,
        options: SamplingOptions | None = None,
        **changes,
    ) -> Iterator[list[str]]:
        """Yield, per generated position, the new token's text for each temperature (`changes`:
        `exact_window`, or SamplingOptions' fields by name, as `stream_ids` takes them)."""
        encoded = self.tokenizer.encode_seed(seed)
        decoder = self.tokenizer.stream_decoder(len(temperatures))
        for ids in self.stream_ids(encoded.ids, temperatures, length, options, **changes):
            # A subword token may be one byte of a character: it shows once the character is whole.
            yield list(decoder.feed(ids.tolist()))
        tail = decoder.flush()
        if tail and any(tail):
            yield list(tail)

    def generate(
        self,
        seed: str,
        temperatures: Sequence[float],
        length: int,
        options: SamplingOptions | None = None,
        **changes,
    ) -> list[str]:
        """The whole continuation for each temperature (without the seed)."""
        parts: list[list[str]] = [[] for _ in temperatures]
        for tokens in self.stream(seed, temperatures, length, options, **changes):
            for acc, tok in zip(parts, tokens):
                acc.append(tok)
        return ["".join(p) for p in parts]
