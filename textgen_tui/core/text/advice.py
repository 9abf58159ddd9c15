"""What the measurements advise for a text, as lines the Corpus pane shows: the tokenizer for
Chinese or Japanese text (benchmarks/results/kinds.md, `python -m benchmarks.token_kinds`), and
starting from a base for a small English text (benchmarks/results/bases.md, `python -m
benchmarks.bases`)."""

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


BASE_BELOW = 1_000_000
"""Texts shorter than this (characters) are where a base helps most: on 1 MB it no longer
matters much (benchmarks/results/bases.md)."""
ENGLISH_WORDS = frozenset("the and of to a in is that it was for with as his he on be not by".split())
ENGLISH_SHARE = 0.12
"""A text reads as English when these words are at least this share of its words (about a fifth
of English prose; under a twentieth of other languages written in Latin letters)."""
ASCII_LETTERS = 0.9
"""... and at least this share of its letters are a–z or A–Z."""


def looks_english(text: str) -> bool:
    """Whether the start of `text` reads as English prose (letters and its commonest words)."""
    sample = text[:SAMPLE]
    letters = [c for c in sample if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) < ASCII_LETTERS * len(letters):
        return False
    words = sample.lower().split()
    return bool(words) and sum(w.strip(".,;:!?\"'()") in ENGLISH_WORDS for w in words) >= ENGLISH_SHARE * len(
        words
    )


def suggested_base(text: str, bases: list[str] | tuple[str, ...]) -> str | None:
    """The bundled base to start from for `text` (`bases`: those there are), or None: a small
    English text starts from `english`."""
    if "english" in bases and len(text) < BASE_BELOW and looks_english(text):
        return "english"
    return None


def base_advice(text: str, bases: list[str] | tuple[str, ...]) -> str | None:
    """One line when starting from a base should help, None otherwise."""
    name = suggested_base(text, bases)
    if name is None:
        return None
    return (
        f"A small English text ({len(text) / 1000:,.0f} KB): starting from the {name} base should help; "
        f"Train's 'start from' is set to it"
    )
