"""A sampled softmax for large vocabularies: while training, the loss scores the targets against
a few hundred vocabulary entries drawn per step by frequency, not against all of them.

A word model's output layer is most of its step (a 12,207-way softmax over 8,192 positions is
~38 GFLOP a step on top of a GRU's 2). The layer is a Dense softmax that, while training, hands
its input to the loss instead (`SampledSoftmaxLoss` reads its kernel and bias); in inference it
is the plain Dense softmax, so generation, validation and the saved model are unchanged.

The estimate is the usual one (Jean et al. 2015; TensorFlow's `sampled_softmax_loss`): logits
corrected by log(k·q), draws that hit the target removed. It is lower than the full loss, so the
training loss of such a run (the chart's and the log's) is not on the validation loss's scale.
"""

from __future__ import annotations

import numpy as np

from textgen_tui.core.nets.backend import keras_classes

PROPOSAL_POWER = 0.75
"""The proposal is unigram frequency to this power (word2vec's): flatter than the counts, so a
draw of a few hundred is not half full stops."""


@keras_classes
def classes(keras):
    """(SampledOutput, SampledSoftmaxLoss), defined once Keras has its backend."""
    ops = keras.ops

    @keras.saving.register_keras_serializable(package="textgen_tui")
    class SampledOutput(keras.layers.Dense):
        """Dense softmax whose training output is its input (for `SampledSoftmaxLoss`)."""

        def __init__(self, units, negatives: int = 512, seed: int | None = None, **kwargs):
            kwargs.setdefault("activation", "softmax")
            super().__init__(units, **kwargs)
            self.negatives = int(negatives)
            self.seed = seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def build(self, input_shape):
            super().build(input_shape)
            # Saved with the model, so a resumed run draws from the same proposal.
            self.log_proposal = self.add_weight(
                shape=(self.units,), initializer="zeros", trainable=False, name="log_proposal"
            )

        # Dense saves only its kernel and bias: the proposal is the third array.
        def save_own_variables(self, store):
            for i, v in enumerate((self.kernel, self.bias, self.log_proposal)):
                store[str(i)] = v

        def load_own_variables(self, store):
            for i, v in enumerate((self.kernel, self.bias, self.log_proposal)):
                v.assign(store[str(i)])

        def call(self, inputs, training=None):
            if training:
                return inputs
            return super().call(inputs)

        def get_config(self):
            return {**super().get_config(), "negatives": self.negatives, "seed": self.seed}

    @keras.saving.register_keras_serializable(package="textgen_tui")
    class SampledSoftmaxLoss(keras.losses.Loss):
        """Sampled softmax cross-entropy of integer targets, given the hidden states (the
        training output of `layer`). Built without a layer (a compiled model loaded from disk),
        it cannot run: training recompiles with one."""

        def __init__(self, layer=None, name: str = "sampled_softmax", **kwargs):
            super().__init__(name=name, **kwargs)
            self.layer = layer

        def call(self, y_true, y_pred):
            layer = self.layer
            if layer is None:
                raise RuntimeError("SampledSoftmaxLoss needs its output layer: compile with one")
            if y_pred.shape[-1] == layer.units:  # probabilities (Keras's symbolic build, evaluate())
                return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
            k = layer.negatives
            h = ops.reshape(y_pred, (-1, ops.shape(y_pred)[-1]))
            y = ops.reshape(ops.cast(y_true, "int32"), (-1,))
            log_q = ops.convert_to_tensor(layer.log_proposal)
            drawn = keras.random.categorical(log_q[None, :], k, seed=layer.seed_generator)
            drawn = ops.cast(ops.reshape(drawn, (-1,)), "int32")
            w, b = ops.convert_to_tensor(layer.kernel), ops.convert_to_tensor(layer.bias)
            log_k = float(np.log(k))
            true_logit = (
                ops.sum(h * ops.transpose(ops.take(w, y, axis=1)), axis=-1)
                + ops.take(b, y)
                - (log_k + ops.take(log_q, y))
            )
            drawn_logits = ops.matmul(h, ops.take(w, drawn, axis=1)) + (
                ops.take(b, drawn) - (log_k + ops.take(log_q, drawn))
            )
            hits = ops.equal(y[:, None], drawn[None, :])  # a draw of the target is not a negative
            drawn_logits = ops.where(hits, ops.full_like(drawn_logits, -1e9), drawn_logits)
            logits = ops.concatenate([true_logit[:, None], drawn_logits], axis=1)
            loss = ops.logsumexp(logits, axis=1) - true_logit
            return ops.reshape(loss, ops.shape(y_true))

    return SampledOutput, SampledSoftmaxLoss


def is_sampled(model) -> bool:
    """Whether `model` ends in the sampled softmax layer."""
    return type(model.layers[-1]).__name__ == "SampledOutput"


def set_proposal(model, train_ids: np.ndarray) -> None:
    """Set the layer's proposal from the training tokens' frequencies (add-one smoothed)."""
    layer = model.layers[-1]
    counts = np.bincount(np.asarray(train_ids, dtype=np.int64), minlength=layer.units)[: layer.units]
    q = (counts.astype(np.float64) + 1.0) ** PROPOSAL_POWER
    layer.log_proposal.assign(np.log(q / q.sum()).astype("float32"))
