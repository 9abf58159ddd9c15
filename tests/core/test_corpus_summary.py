"""The corpus summary the Corpus pane shows (core/text/summary.py): counts per tokenizer."""

from __future__ import annotations

from textgen_tui.core.config import preset
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.text.summary import CorpusSummary, summarise

TEXT = "the cat sat on the mat. the dog sat on the log.\n" * 20


def test_a_char_summary_is_the_corpus_statistics() -> None:
    corpus = corpus_from_text(TEXT)
    s = summarise(corpus, "char")
    assert isinstance(s, CorpusSummary)
    stats = corpus.stats()
    assert s.corpus is corpus and s.tokenizer == "char"
    assert s.distinct_tokens == stats.distinct == s.vocabulary
    assert s.top_tokens == stats.most_common
    assert s.top_tokens[0] == (" ", TEXT.count(" "))
    assert s.min_count == 1 and s.advice is None


def test_a_word_summary_counts_words_and_the_runs_vocabulary() -> None:
    s = summarise(corpus_from_text(TEXT), "word")
    assert s.tokenizer == "word"
    assert dict(s.top_tokens)["the"] == 80  # four a line, twenty lines
    assert s.top_tokens[0] == ("the", 80)
    assert len(s.top_tokens) <= 10
    assert s.distinct_tokens >= len({"the", "cat", "sat", "on", "mat", "dog", "log"})
    assert s.min_count == preset("fast").data.min_count
    assert s.vocabulary > 0


def test_only_the_first_characters_are_fitted() -> None:
    """A big corpus: the tokenizer sees `limit` characters (the counts are of that part)."""
    text = "alpha beta " * 50 + "gamma " * 50
    s = summarise(corpus_from_text(text), "word", limit=len("alpha beta ") * 50)
    assert "gamma" not in dict(s.top_tokens)
    assert s.stats.characters == len(text)  # the statistics are of the whole text
