"""The book's method (Deep Learning with Python §8.1), written from its description.

One-hot windows of every sequence materialised as numpy arrays, LSTM(128) + softmax,
RMSprop(0.01), batch 128, and generation with one `model.predict` per character on the
last 60 characters. Used only as the baseline of the benchmarks.
"""

from __future__ import annotations

import numpy as np

MAXLEN = 60
STEP = 3


def vectorize(text: str, chars: list[str]):
    """The book's x (sequences, maxlen, vocab) bool and y (sequences, vocab) bool arrays."""
    index = {c: i for i, c in enumerate(chars)}
    sentences, next_chars = [], []
    for i in range(0, len(text) - MAXLEN, STEP):
        sentences.append(text[i : i + MAXLEN])
        next_chars.append(text[i + MAXLEN])
    x = np.zeros((len(sentences), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, index[char]] = 1
        y[i, index[next_chars[i]]] = 1
    return x, y


def build(vocab: int):
    import keras

    model = keras.Sequential(
        [
            keras.Input((MAXLEN, vocab)),
            keras.layers.LSTM(128),
            keras.layers.Dense(vocab, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
    return model


def sample(preds, temperature=1.0):
    """The book's sampling function (it takes log(0) when a probability is 0)."""
    preds = np.asarray(preds).astype("float64")
    with np.errstate(divide="ignore"):
        preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


def generate(model, seed: str, chars: list[str], temperature: float, length: int) -> str:
    """One model.predict call per generated character, as in the book."""
    index = {c: i for i, c in enumerate(chars)}
    generated = seed
    out = []
    for _ in range(length):
        sampled = np.zeros((1, MAXLEN, len(chars)))
        for t, char in enumerate(generated):
            sampled[0, t, index[char]] = 1.0
        preds = model.predict(sampled, verbose=0)[0]
        next_char = chars[sample(preds, temperature)]
        generated = generated[1:] + next_char
        out.append(next_char)
    return "".join(out)
