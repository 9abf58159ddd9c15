"""Generation speed: the book's `model.predict` per character against our numpy streams.

The same book-size model (one-hot input, LSTM(128), Dense softmax over the lowercased
Nietzsche vocabulary) serves both; speed does not depend on the weights' values.
"""

from __future__ import annotations

import time

import numpy as np

TEMPS = [0.2, 0.5, 1.0, 1.2]


def _rate(fn, n):
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def run(text: str, quick: bool = False) -> dict:
    from benchmarks import book
    from textgen_tui.core.config import preset
    from textgen_tui.core.generate.generator import Generator
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.nets.numpy_net import RecurrentNet
    from textgen_tui.core.text.tokenizers import CharTokenizer

    text = text.lower()
    tok = CharTokenizer.fit(text)
    chars = tok.vocab
    book_model = book.build(len(chars))
    ours = build_model(preset("book"), len(chars))
    ours.set_weights([np.eye(len(chars), dtype="float32"), *book_model.get_weights()])  # same weights
    gen = Generator(RecurrentNet.from_keras(ours), tok, 60)
    seed = text[:60]
    seed_ids = tok.encode(seed)

    n_book = 20 if quick else 200
    book_rate = _rate(lambda: book.generate(book_model, seed, chars, 0.5, n_book), n_book)

    def ours_rate(temps, n, exact):
        def go():
            for _ in gen.stream_ids(seed_ids, temps, n, rng_seed=0, exact_window=exact):
                pass

        return _rate(go, n)

    n_carry, n_window = (500, 100) if quick else (40_000, 4_000)
    carry1 = ours_rate([0.5], n_carry, False)
    carry4 = ours_rate(TEMPS, n_carry, False)
    window1 = ours_rate([0.5], n_window, True)
    window4 = ours_rate(TEMPS, n_window, True)
    # The per-epoch printout of the book preset: 4 temperatures x 400 characters, exact window.
    t = time.perf_counter()
    for _ in gen.stream_ids(seed_ids, TEMPS, 400, rng_seed=1, exact_window=True):
        pass
    samples_ours = time.perf_counter() - t
    return {
        "book_chars_per_s": book_rate,
        "book_chars_measured": n_book,
        "carry_1": carry1,
        "carry_4": carry4,
        "window_1": window1,
        "window_4": window4,
        "samples_ours_s": samples_ours,
        "samples_book_s": 4 * 400 / book_rate,
    }


if __name__ == "__main__":
    import json
    import sys

    from benchmarks.time_to_quality import CORPUS

    print(json.dumps(run(CORPUS.read_text(encoding="utf-8"), quick="--quick" in sys.argv), indent=1))
