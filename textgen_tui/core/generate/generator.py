"""Fast streaming generation: the recurrent step in numpy, several temperatures in one batch.

The book calls `model.predict` once per character (about 15 characters per second here). We take
the trained weights out of Keras once and run the LSTM/GRU step ourselves, carrying the state
from token to token. For `window` models the book's exact semantics (each token predicted from
the last `maxlen` tokens, from a zero state) are kept with `maxlen` staggered lanes: lane k
restarts from zero every `maxlen` tokens, so one batched step per token serves every window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.sampling import Sampler, default_repetition_penalty
from textgen_tui.core.text.tokenizers import Tokenizer


@dataclass
class _Layer:
    cell: str  # "lstm" or "gru"
    units: int
    kernel: np.ndarray | None  # (inputs, gates*units); None for layer 0 (uses the input table)
    recurrent: np.ndarray  # (units, gates*units)
    bias: np.ndarray  # input bias (gates*units)
    recurrent_bias: np.ndarray | None  # GRU reset_after only


class RecurrentNet:
    """A stack of LSTM/GRU layers plus the output Dense, evaluated with numpy.

    LSTM gate columns are reordered to (i, f, o, g) and the sigmoid columns pre-scaled by 0.5,
    so one tanh gives all four gates: sigmoid(x) = 0.5 * tanh(x / 2) + 0.5.
    """

    def __init__(self, table: np.ndarray, layers: list[_Layer], dense_w: np.ndarray, dense_b: np.ndarray):
        self.table = table  # (vocab, gates*units) = embedding @ kernel + bias of layer 0
        self.layers = layers
        self.dense_w = dense_w
        self.dense_b = dense_b
        self.vocab_size = dense_w.shape[1]

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_keras(cls, model) -> RecurrentNet:
        """Read weights from a model built by `textgen_tui.core.nets.keras_model.build_model`."""
        embedding = None
        rnn_layers = []
        dense = None
        for layer in model.layers:
            name = type(layer).__name__
            if name == "Embedding":
                embedding = np.asarray(layer.get_weights()[0], dtype=np.float32)
            elif name in ("LSTM", "GRU"):
                rnn_layers.append(layer)
            elif name in ("Dense", "SampledOutput"):  # the latter: core/nets/sampled_softmax.py
                dense = layer
        if embedding is None or not rnn_layers or dense is None:
            raise GenerationError("the model is not an Embedding/one-hot → RNN → Dense stack")
        recurrent = []
        for layer in rnn_layers:
            cell = "lstm" if type(layer).__name__ == "LSTM" else "gru"
            if cell == "gru" and not getattr(layer.cell, "reset_after", True):
                raise GenerationError("GRU layers must use reset_after=True")
            recurrent.append((cell, *layer.get_weights()[:3]))
        return cls.from_arrays(embedding, recurrent, *dense.get_weights()[:2])

    @classmethod
    def from_arrays(
        cls,
        embedding: np.ndarray,
        recurrent: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
        dense_w: np.ndarray,
        dense_b: np.ndarray,
    ) -> RecurrentNet:
        """Build the net from Keras's arrays (from a live model or straight from a .keras file).

        `recurrent` holds (cell, kernel, recurrent_kernel, bias) per layer, bottom first; the GRU
        bias has shape (2, 3*units) (reset_after=True)."""
        embedding = np.asarray(embedding, dtype=np.float32)
        layers = []
        for cell, kernel, recurrent_kernel, bias in recurrent:
            kernel, recurrent_kernel, bias = (
                np.asarray(a, dtype=np.float32) for a in (kernel, recurrent_kernel, bias)
            )
            recurrent_bias = None
            if cell == "gru":
                bias, recurrent_bias = bias[0], bias[1]
            units = recurrent_kernel.shape[0]
            if cell == "lstm":
                kernel, recurrent_kernel, bias = (
                    _lstm_reorder(a, units) for a in (kernel, recurrent_kernel, bias)
                )
            layers.append(_Layer(cell, units, kernel, recurrent_kernel, bias, recurrent_bias))
        first = layers[0]
        table = embedding @ first.kernel + first.bias
        first.kernel = None
        dw, db = (np.asarray(a, dtype=np.float32) for a in (dense_w, dense_b))
        return cls(table.astype(np.float32), layers, dw, db)

    # -- evaluation -----------------------------------------------------------------------------
    def zero_state(self, n: int) -> list[list[np.ndarray]]:
        state = []
        for layer in self.layers:
            parts = 2 if layer.cell == "lstm" else 1
            state.append([np.zeros((n, layer.units), dtype=np.float32) for _ in range(parts)])
        return state

    def step(self, ids: np.ndarray, state: list[list[np.ndarray]]) -> np.ndarray:
        """Feed one token per row; update `state` in place; return the top layer's h."""
        x = None
        for li, layer in enumerate(self.layers):
            h = state[li][0]
            z = self.table[ids] if li == 0 else x @ layer.kernel + layer.bias
            u = layer.units
            if layer.cell == "lstm":
                c = state[li][1]
                z += h @ layer.recurrent
                np.tanh(z, out=z)
                gates = z[:, : 3 * u]
                gates *= 0.5
                gates += 0.5
                c *= gates[:, u : 2 * u]
                c += gates[:, :u] * z[:, 3 * u :]
                np.tanh(c, out=h)
                h *= gates[:, 2 * u : 3 * u]
            else:
                r_in = h @ layer.recurrent + layer.recurrent_bias
                with np.errstate(over="ignore"):  # exp overflow is a sigmoid of 0: fine
                    zr = 1.0 / (1.0 + np.exp(-(z[:, : 2 * u] + r_in[:, : 2 * u])))
                cand = np.tanh(z[:, 2 * u :] + zr[:, u:] * r_in[:, 2 * u :])
                h[...] = zr[:, :u] * h + (1.0 - zr[:, :u]) * cand
            x = h
        return x

    def logits(self, h: np.ndarray) -> np.ndarray:
        return h @ self.dense_w + self.dense_b


def _lstm_reorder(a: np.ndarray, units: int) -> np.ndarray:
    """Keras (i, f, g, o) columns → (i, f, o, g), with the sigmoid gates scaled by 0.5."""
    i, f, g, o = (a[..., k * units : (k + 1) * units] for k in range(4))
    return np.concatenate([0.5 * i, 0.5 * f, 0.5 * o, g], axis=-1).astype(np.float32)


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
        *,
        top_k: int = 0,
        top_p: float = 1.0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
    ) -> Iterator[np.ndarray]:
        """Yield one array of token ids (one per temperature) per generated position. No
        `repetition_penalty`: the tokenizer kind's default (`default_repetition_penalty`)."""
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise GenerationError(f"length must be a whole number >= 0 (got {length!r})")
        if repetition_penalty is None:
            repetition_penalty = default_repetition_penalty(self.tokenizer.kind)
        sampler = Sampler(
            temperatures,
            top_k=top_k,
            top_p=top_p,
            rng_seed=rng_seed,
            repetition_penalty=repetition_penalty,
            no_repeat_ngram=no_repeat_ngram,
        )
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
        **options,
    ) -> Iterator[list[str]]:
        """Yield, per generated position, the new token's text for each temperature."""
        encoded = self.tokenizer.encode_seed(seed)
        decoder = self.tokenizer.stream_decoder(len(temperatures))
        for ids in self.stream_ids(encoded.ids, temperatures, length, **options):
            # A subword token may be one byte of a character: it shows once the character is whole.
            yield list(decoder.feed(ids.tolist()))
        tail = decoder.flush()
        if tail and any(tail):
            yield list(tail)

    def generate(self, seed: str, temperatures: Sequence[float], length: int, **options) -> list[str]:
        """The whole continuation for each temperature (without the seed)."""
        parts: list[list[str]] = [[] for _ in temperatures]
        for tokens in self.stream(seed, temperatures, length, **options):
            for acc, tok in zip(parts, tokens):
                acc.append(tok)
        return ["".join(p) for p in parts]
