"""Which tokenizer the measurements favour for a text: one line the Corpus pane shows for Chinese
or Japanese text (the figures: benchmarks/results/kinds.md, `python -m benchmarks.token_kinds`)."""

from __future__ import annotations

CJK_SHARE = 0.3
"""A text is Chinese or Japanese when at least this share of its letters are Han or kana."""
SAMPLE = 100_000
"""Characters looked at (the start of the text): enough to tell, quick on a big corpus."""

MEASURED = {"word": 4.949, "subword": 4.968, "char": 5.119}
"""Held-out bits per character on Chinese prose, 10 minutes a model: the Chinese prose rows of
benchmarks/results/kinds.json (a test checks they agree)."""
CLEAN: tuple[str, ...] = ("word", "subword", "char")
"""The kinds whose text at temperature 0.5 passed both the punctuation and the loop checks there."""


def _advice() -> str:
    ranked = sorted(MEASURED, key=MEASURED.get)
    scores = ", ".join(f"{k} {MEASURED[k]:.2f}" for k in ranked)
    line = f"Chinese or Japanese text. On Chinese prose, bits/char held out (lower reads better): {scores}"
    if set(CLEAN) != set(MEASURED):  # all clean: nothing to tell them apart by
        line += f"; clean text at 0.5: {', '.join(CLEAN) or 'none'}"
    return line


CJK_ADVICE = _advice()


def cjk_share(text: str) -> float:
    """The share of Han and kana among the letters of the start of `text` (the characters the
    word tokenizer hands to jieba)."""
    from textgen_tui.core.text.tokenizers import CJK_RUN

    sample = text[:SAMPLE]
    letters = sum(c.isalpha() for c in sample)
    return sum(map(len, CJK_RUN.findall(sample))) / letters if letters else 0.0


def tokenizer_advice(text: str) -> str | None:
    """One line for a Chinese or Japanese text, None for any other."""
    if cjk_share(text) < CJK_SHARE:
        return None
    return CJK_ADVICE
