"""A recurrent network evaluated with numpy: the trained LSTM/GRU stack and its output layer, read
out of Keras (or straight from a .keras file) once, so generation and reading never call the
backend that a training thread owns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textgen_tui.core.errors import GenerationError


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
