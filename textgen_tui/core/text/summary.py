"""What a corpus holds, for a given tokenizer: its statistics, its most frequent tokens, and the
vocabulary a run of the default preset would use (the Corpus pane shows it).

The counts agree with each other: words are the word tokenizer's (jieba for Chinese) when it is
the one chosen, and are not given for Chinese or Japanese text otherwise (a count of what
whitespace separates is no count of words there); a run's vocabulary is said in its parts (the
longer tokens kept, the characters that spell the rest, the bytes of subword), so a vocabulary
larger than the distinct words reads as what it is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from textgen_tui.core.config import preset
from textgen_tui.core.text.advice import base_advice, suggested_base, tokenizer_advice
from textgen_tui.core.text.corpus import Corpus, CorpusStats
from textgen_tui.core.text.subword import BYTE_TOKENS
from textgen_tui.core.text.tokenizer_base import UNK
from textgen_tui.core.text.tokenizers import fit_tokenizer

SUMMARY_LIMIT = 5_000_000
"""Characters of the corpus a word or subword tokenizer is fitted on (a big corpus takes a while)."""


@dataclass
class CorpusSummary:
    """A loaded corpus as the Corpus pane shows it."""

    corpus: Corpus
    """The corpus described."""
    stats: CorpusStats
    """Its characters, words, lines, files and encoding."""
    tokenizer: str
    """The tokenizer the counts are for ("char", "word", ...)."""
    distinct_tokens: int
    """How many different tokens of that kind the text holds."""
    top_tokens: list[tuple[str, int]]
    """The most frequent tokens, with their counts, most frequent first."""
    vocabulary: int = 0
    """The vocabulary a run of the default preset uses (its min_count and max_vocab)."""
    min_count: int = 1
    """How often a token must occur to be in that vocabulary."""
    advice: str | None = None
    """One line on the tokenizer the measurements favour (Chinese or Japanese text), else None."""
    tokens: int = 0
    """How many tokens of that kind the text holds, whitespace left out (char: characters)."""
    words: int | None = None
    """Words: the word tokenizer's tokens that hold a letter or digit when it is chosen, else what
    whitespace separates; None for Chinese or Japanese text under another tokenizer."""
    vocab_chars: int = 0
    """Of `vocabulary`: single characters (word, clause: every character, spelling the rest;
    subword: the characters seen `min_count` times)."""
    vocab_longer: int = 0
    """Of `vocabulary`: tokens longer than a character (words or clauses kept, subword merges)."""
    vocab_bytes: int = 0
    """Of `vocabulary`: subword's 256 byte tokens, which spell any other character."""
    base: str | None = None
    """The bundled base a run should start from (a small English text), else None."""
    base_advice: str | None = None
    """One line saying so, else None."""

    def counts_line(self) -> str:
        """e.g. "2,358 characters · 1,480 words · 27 lines · 3 files"."""
        st = self.stats
        parts = [f"{st.characters:,} characters"]
        if self.words is not None:
            parts.append(f"{self.words:,} words")
        parts.append(f"{st.lines:,} lines")
        if st.files > 1:
            parts.append(f"{st.files} files")
        return " · ".join(parts)

    def vocabulary_line(self) -> str:
        """The tokens and a run's vocabulary, e.g. "1,790 tokens (words and marks), 290 distinct ·
        a run's vocabulary: 550 = 289 words seen 3+ times + 260 characters that spell the rest +
        <unk> · encoding utf-8"."""
        encoding = f"encoding {self.stats.encoding}"
        if self.tokenizer == "char":
            return f"{self.distinct_tokens:,} distinct char tokens · {encoding}"
        kind = self.tokenizer
        what = {"word": "tokens (words and marks)", "clause": "clauses"}.get(kind, f"{kind} tokens")
        head = f"{self.tokens:,} {what}, {self.distinct_tokens:,} distinct · a run's vocabulary: "
        if kind == "subword":
            body = (
                f"{self.vocabulary:,} = {self.vocab_chars:,} characters seen {self.min_count}+ times"
                f" + {self.vocab_longer:,} merges of them + {self.vocab_bytes} bytes for any other character"
            )
        else:
            extra = self.vocabulary - self.vocab_chars - self.vocab_longer
            body = (
                f"{self.vocabulary:,} = {self.vocab_longer:,} {kind}s seen {self.min_count}+ times"
                f" + {self.vocab_chars:,} characters that spell the rest" + (" + <unk>" if extra else "")
            )
        return f"{head}{body} · {encoding}"


def summarise(
    corpus: Corpus, tokenizer: str, limit: int = SUMMARY_LIMIT, bases: tuple[str, ...] = ()
) -> CorpusSummary:
    """Statistics for `tokenizer` (slow on a big corpus: the app calls it in a worker); `bases`:
    the bundled bases there are, for the advice to start from one."""
    summary = _summarise(corpus, tokenizer, limit)
    summary.base = suggested_base(corpus.text, bases)
    summary.base_advice = base_advice(corpus.text, bases)
    return summary


def _summarise(corpus: Corpus, tokenizer: str, limit: int) -> CorpusSummary:
    stats = corpus.stats()
    advice = tokenizer_advice(corpus.text)
    spaced = None if advice is not None else stats.words  # no words between spaces in Chinese
    if tokenizer == "char":
        return CorpusSummary(
            corpus,
            stats,
            tokenizer,
            stats.distinct,
            stats.most_common,
            stats.distinct,
            advice=advice,
            tokens=stats.characters,
            words=spaced,
            vocab_chars=stats.distinct,
        )
    data = preset("fast").data
    text = corpus.text[:limit]
    tok = fit_tokenizer(tokenizer, text, data.max_vocab, min_count=data.min_count)
    counts = Counter(t for t in tok.split(text) if t.strip())
    if tokenizer == "word":
        words = sum(n for t, n in counts.items() if any(c.isalnum() for c in t))
        if len(text) < len(corpus.text):  # the part fitted, scaled to the whole text
            words = round(words * len(corpus.text) / max(len(text), 1))
    else:
        words = spaced
    byte_tokens = set(BYTE_TOKENS) if tokenizer == "subword" else set()
    kept = [t for t in tok.vocab if t not in byte_tokens and t != UNK]
    chars = sum(len(t) == 1 for t in kept)
    return CorpusSummary(
        corpus,
        stats,
        tokenizer,
        len(counts),
        counts.most_common(10),
        tok.vocab_size,
        data.min_count,
        advice,
        tokens=sum(counts.values()),
        words=words,
        vocab_chars=chars,
        vocab_longer=len(kept) - chars,
        vocab_bytes=sum(t in byte_tokens for t in tok.vocab),
    )
