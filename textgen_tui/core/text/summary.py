"""What a corpus holds, for a given tokenizer: its statistics, its most frequent tokens, and the
vocabulary a run of the default preset would use (the Corpus pane shows it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from textgen_tui.core.config import preset
from textgen_tui.core.text.advice import tokenizer_advice
from textgen_tui.core.text.corpus import Corpus, CorpusStats
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


def summarise(corpus: Corpus, tokenizer: str, limit: int = SUMMARY_LIMIT) -> CorpusSummary:
    """Statistics for `tokenizer` (slow on a big corpus: the app calls it in a worker)."""
    stats = corpus.stats()
    advice = tokenizer_advice(corpus.text)
    if tokenizer == "char":
        return CorpusSummary(
            corpus, stats, tokenizer, stats.distinct, stats.most_common, stats.distinct, advice=advice
        )
    data = preset("fast").data
    text = corpus.text[:limit]
    tok = fit_tokenizer(tokenizer, text, data.max_vocab, min_count=data.min_count)
    counts = Counter(t for t in tok.split(text) if t.strip())
    return CorpusSummary(
        corpus, stats, tokenizer, len(counts), counts.most_common(10), tok.vocab_size, data.min_count, advice
    )
