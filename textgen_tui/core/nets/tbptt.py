"""Truncated backpropagation through time: the recurrent state carried from batch to batch.

A chunk of 32 characters gives its first positions almost no context, while the benchmark (and
generation) read 60 or more. `carry_model(core, K)` is a second Keras model over the same layers
as `core` (the model that is saved, generated from and validated): its recurrent layers start
each training batch from the state they ended the last one with, and from zeros every K batches,
when `TokenBatches(carry=K)` moves every row to a new run of the text. Only training steps carry;
evaluation starts from zeros, as `core` does.

The state lives in non-trainable variables of this model only (every backend updates them inside
its compiled step, JAX included), so the saved model has exactly `core`'s weights.
"""

from __future__ import annotations

from textgen_tui.core.nets.backend import import_keras, keras_classes


def carry_model(core, chunks: int, batch: int):
    """A model sharing `core`'s layers whose recurrent states carry over `chunks` batches of
    `batch` rows. `core` is the `sequence` layout's functional model of `core/nets/keras_model.py`."""
    keras = import_keras()
    carried, keep = _classes()
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = tokens
    for layer in core.layers[1:]:
        if not isinstance(layer, keras.layers.RNN):
            x = layer(x)
            continue
        sizes = layer.cell.state_size  # GRU: units; LSTM: [units, units]
        sizes = sizes if isinstance(sizes, (list, tuple)) else [sizes]
        state = carried(batch, sizes, chunks, name=f"{layer.name}_state")
        # The same cell: the same weights, stepped by a plain RNN that returns its last state.
        rnn = keras.layers.RNN(
            layer.cell, return_sequences=True, return_state=True, name=f"{layer.name}_carried"
        )
        out = rnn(x, initial_state=state(x))
        x = keep(state, name=f"{layer.name}_keep")([out[0], *out[1:]])
    return keras.Model(tokens, x, name="textgen_carry")


@keras_classes
def _classes(keras):
    """The two layers, defined on first use (importing this module stays Keras-free)."""
    ops = keras.ops

    class CarriedState(keras.layers.Layer):
        """The initial state of one recurrent layer: what it ended the last training batch with,
        zeros every `chunks` batches (and always outside training)."""

        def __init__(self, batch, sizes, chunks, **kwargs):
            super().__init__(**kwargs)
            self.sizes, self.chunks = list(sizes), chunks
            self.states = [
                self.add_weight(shape=(batch, s), initializer="zeros", trainable=False, name=f"h{i}")
                for i, s in enumerate(self.sizes)
            ]
            self.count = self.add_weight(
                shape=(), dtype="int32", initializer="zeros", trainable=False, name="count"
            )

        def call(self, x, training=False):
            if not training:
                return [ops.zeros((ops.shape(x)[0], s), dtype=x.dtype) for s in self.sizes]
            keep = ops.cast(ops.not_equal(ops.mod(self.count, self.chunks), 0), x.dtype)
            return [ops.stop_gradient(ops.cast(v, x.dtype)) * keep for v in self.states]

        def compute_output_spec(self, x, training=False):
            return [keras.KerasTensor((x.shape[0], s), dtype=x.dtype) for s in self.sizes]

    class KeepState(keras.layers.Layer):
        """Passes the layer's outputs on; in training, stores its last state for the next batch."""

        def __init__(self, state, **kwargs):
            super().__init__(**kwargs)
            self.state = state

        def call(self, inputs, training=False):
            outputs, *last = inputs
            if training:
                for v, s in zip(self.state.states, last):
                    v.assign(ops.cast(ops.stop_gradient(s), v.dtype))
                self.state.count.assign(self.state.count + 1)
            return outputs

        def compute_output_spec(self, inputs, training=False):
            return keras.KerasTensor(inputs[0].shape, dtype=inputs[0].dtype)

    return CarriedState, KeepState
