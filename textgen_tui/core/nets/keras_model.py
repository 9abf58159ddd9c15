"""The Keras model: token ids → one-hot or Embedding → N × LSTM/GRU → Dense softmax."""

from __future__ import annotations

from textgen_tui.core.config import Config
from textgen_tui.core.nets.backend import import_keras


def build_model(cfg: Config, vocab_size: int, total_steps: int | None = None, *, learning_rate=None):
    """Build and compile the model described by `cfg` for a vocabulary of `vocab_size`.
    `learning_rate`: the run plan's (a rate or a Keras schedule); else `total_steps` of the
    configured schedule, else the configured rate."""
    if learning_rate is None and total_steps:
        learning_rate = cosine_schedule(cfg, total_steps)
    keras = import_keras()
    m, d = cfg.model, cfg.data
    keras.utils.set_random_seed(cfg.train.seed)
    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    if m.input == "onehot":
        # A frozen identity embedding is exactly one-hot encoding, without materialising it.
        x = keras.layers.Embedding(
            vocab_size, vocab_size, embeddings_initializer="identity", trainable=False, name="onehot"
        )(inputs)
    else:
        x = keras.layers.Embedding(vocab_size, m.embedding_dim, name="embedding")(inputs)
    rnn = keras.layers.LSTM if m.cell == "lstm" else keras.layers.GRU
    for i in range(m.layers):
        last = i == m.layers - 1
        x = rnn(
            m.units,
            return_sequences=(not last) or d.layout == "sequence",
            dropout=m.inputs_dropout,
            recurrent_dropout=m.recurrent_dropout,
            name=f"{m.cell}_{i}",
        )(x)
    if m.dropout > 0:  # also between the last recurrent layer and the softmax (char-rnn's place)
        x = keras.layers.Dropout(m.dropout, name="output_dropout")(x)
    # (The loss tells hidden states from probabilities by their width: not when the two are equal.)
    if 0 < m.sampled_softmax < vocab_size and m.units != vocab_size:
        from textgen_tui.core.nets.sampled_softmax import classes

        output = classes()[0](vocab_size, negatives=m.sampled_softmax, seed=cfg.train.seed, name="next_token")
    else:
        output = keras.layers.Dense(vocab_size, activation="softmax", name="next_token")
    outputs = output(x)
    model = keras.Model(inputs, outputs, name="textgen")
    compile_model(model, cfg, learning_rate)
    return model


def make_optimizer(cfg: Config, learning_rate=None):
    """The configured optimizer; its rate is the run plan's (core/train/plan.py), else the configured one."""
    keras = import_keras()
    t = cfg.train
    kwargs = {"learning_rate": t.learning_rate if learning_rate is None else learning_rate}
    if t.clipnorm is not None:
        kwargs["clipnorm"] = t.clipnorm
    if t.weight_decay:
        kwargs["weight_decay"] = t.weight_decay
    if t.optimizer == "rmsprop":
        opt = keras.optimizers.RMSprop(**kwargs)
    else:
        opt = keras.optimizers.Adam(beta_2=t.adam_beta_2, **kwargs)
    if t.weight_decay:  # a bias is an offset, not a capacity to limit (AdamW's convention)
        opt.exclude_from_weight_decay(var_names=["bias"])
    return opt


def compile_model(model, cfg: Config, learning_rate=None) -> None:
    keras = import_keras()
    from textgen_tui.core.nets.sampled_softmax import classes, is_sampled

    if is_sampled(model):  # the layer hands its hidden states to this loss while training
        loss = classes()[1](model.layers[-1])
    else:  # integer targets: the same value as the book's categorical crossentropy on one-hot ones
        loss = keras.losses.SparseCategoricalCrossentropy()
    model.compile(
        optimizer=make_optimizer(cfg, learning_rate),
        loss=loss,
        # JAX always compiles its step (unjitted, it runs op by op); the option is TensorFlow's XLA.
        jit_compile=cfg.train.jit_compile or keras.backend.backend() == "jax",
    )


def cosine_schedule(cfg: Config, total_steps: int):
    """What an optimizer is compiled with for `total_steps` planned steps: the cosine as Keras's
    schedule of its step count (computed inside the step, so JAX needs no sync; the same formula
    as the plan's `learning_rate`), or the plain rate."""
    t = cfg.train
    if t.schedule != "cosine" or not total_steps:
        return t.learning_rate
    keras = import_keras()
    return keras.optimizers.schedules.CosineDecay(t.learning_rate, total_steps, alpha=t.min_lr_fraction)
