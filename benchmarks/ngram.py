"""What the word-level punctuation check asks of a model: count-based n-gram models of a text's
word tokens (the `word` tokenizer with its defaults), sampled at temperature 0.5 like the check in
benchmarks/words.py, with their held-out loss. A model that writes no better than a bigram's
structure over-produces punctuation at T=0.5 (the frequent marks win once probabilities are
squared); the check shows where a neural model's text stands against these references.

    python -m benchmarks.ngram --text chinese
    python -m benchmarks.ngram --text english --tokens 3000
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict

import numpy as np

from benchmarks.words import TEXTS


def run(name: str, tokens: int = 3000, seed: int = 1) -> dict:
    from benchmarks.words import is_punctuation, text_path
    from textgen_tui.core.config import make_config
    from textgen_tui.core.text.corpus import load_corpus
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    cfg = make_config("fast", {"tokenizer": "word", "lowercase": False}).data
    text = load_corpus(text_path(name)).text
    tok = fit_tokenizer("word", text, cfg.max_vocab, min_count=cfg.min_count)
    ids = tok.encode(text)
    cut = int(len(ids) * (1 - cfg.val_fraction))
    train, val = ids[:cut].tolist(), ids[cut:].tolist()
    vocab = tok.vocab_size
    punct = np.array([is_punctuation(t) for t in tok.vocab])
    space = np.array([not t.strip() for t in tok.vocab])
    unigram = np.bincount(train, minlength=vocab) + 0.1
    unigram /= unigram.sum()
    follows: list[dict] = [defaultdict(Counter), defaultdict(Counter)]  # after 1 token, after 2
    for i in range(1, len(train)):
        follows[0][train[i - 1]][train[i]] += 1
        if i >= 2:
            follows[1][(train[i - 2], train[i - 1])][train[i]] += 1

    def probs(context: list[int], order: int) -> np.ndarray:
        """Interpolated with the unigram (weight 0.3, near the best held-out loss for a bigram
        here); a trigram backs off to the bigram when its context was never seen."""
        p = 0.3 * unigram
        for n in range(order - 1, 0, -1):
            key = context[-1] if n == 1 else tuple(context[-2:])
            seen = follows[n - 1].get(key)
            if seen:
                total = sum(seen.values())
                for t, c in seen.items():
                    p[t] += 0.7 * c / total
                return p / p.sum()
        return unigram

    def share(written: list[int]) -> float:
        w = np.array(written)
        w = w[~space[w]]
        return float(punct[w].mean()) if len(w) else 0.0

    result = {"text": name, "vocab": vocab, "corpus_share": round(share(train), 4)}
    for order, label in ((1, "unigram"), (2, "bigram"), (3, "trigram")):
        nats = [-math.log(probs(val[:i], order)[val[i]]) for i in range(2, min(len(val), 20_000))]
        rng = np.random.default_rng(seed)
        context, written = list(train[:2]), []
        for _ in range(tokens):
            p = probs(context, order) ** 2  # temperature 0.5
            nxt = int(rng.choice(vocab, p=p / p.sum()))
            written.append(nxt)
            context = [context[-1], nxt]
        result[label] = {
            "val_nats_per_token": round(float(np.mean(nats)), 4),
            "punctuation_share_t05": round(share(written), 4),
        }
        print(label, json.dumps(result[label]), flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", choices=TEXTS, default="chinese")
    p.add_argument("--tokens", type=int, default=3000)
    a = p.parse_args()
    print(json.dumps(run(a.text, a.tokens), ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
