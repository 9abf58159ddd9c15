"""Which tokenizer the measurements favour for a text: one line the Corpus pane shows for Chinese
or Japanese text (the figures: benchmarks/results/kinds.md, `python -m benchmarks.token_kinds`)."""

from __future__ import annotations

CJK_SHARE = 0.3
"""A text is Chinese or Japanese when at least this share of its letters are Han or kana."""
SAMPLE = 100_000
"""Characters looked at (the start of the text): enough to tell, quick on a big corpus."""

CJK_ADVICE = (
    "Chinese or Japanese text: subword tokens need no segmenter; the docs' Tokens page compares the "
    "tokenizers on Chinese prose"
)


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return (
        0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF  # extension A
        or 0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= o <= 0x2FA1F  # the supplementary planes' ideographs
    )


def cjk_share(text: str) -> float:
    """The share of Han and kana among the letters of the start of `text`."""
    letters = [c for c in text[:SAMPLE] if c.isalpha()]
    return sum(map(_is_cjk, letters)) / len(letters) if letters else 0.0


def tokenizer_advice(text: str) -> str | None:
    """One line for a Chinese or Japanese text, None for any other."""
    if cjk_share(text) < CJK_SHARE:
        return None
    return CJK_ADVICE
