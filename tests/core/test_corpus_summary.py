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


# Issue 32, bug 4: a Chinese text read "27 words · 27 lines" (what whitespace separates) beside
# "290 distinct words", and "a run's vocabulary: 550 tokens", more than the distinct words.
CHINESE = (
    "春天来了，山上的花都开了。我们在河边走了很久，谈起小时候的事情。老师说读书要有耐心，不能只看热闹。"
    "城市的夜晚很安静，只有远处的火车还在响。他每天早上六点起床，先喝一杯茶，然后去公园跑步。\n"
    "这本书讲的是一个渔夫和大海的故事。朋友们常常问我，为什么喜欢一个人旅行。雨下了一整夜，第二天的空气特别清新。"
    "妈妈在厨房里做饭，香味飘满了整个屋子。学习一门新的语言并不容易，但是很有意思。\n"
) * 12


def test_chinese_counts_agree_with_each_other() -> None:
    corpus = corpus_from_text(CHINESE)
    lines = CHINESE.count("\n")
    for kind in ("char", "word", "clause", "subword"):
        s = summarise(corpus, kind)
        counts = s.counts_line()
        assert f"{lines} lines" in counts
        assert f"· {lines} words" not in counts, counts  # whitespace separates lines, not words here
        assert s.vocabulary == s.vocab_chars + s.vocab_longer + s.vocab_bytes + (kind in ("word", "clause"))
        assert s.distinct_tokens <= s.tokens
        if kind != "char":
            assert f"a run's vocabulary: {s.vocabulary:,} = " in s.vocabulary_line()
    word = summarise(corpus, "word")
    assert word.words is not None and word.words > 20 * lines  # jieba's words, not whitespace's
    assert f"{word.words:,} words" in word.counts_line()
    assert word.distinct_tokens <= word.words <= word.tokens
    assert word.vocab_longer <= word.distinct_tokens  # the words kept are among the distinct ones
    line = word.vocabulary_line()
    assert f"{word.vocab_longer:,} words seen 3+ times + {word.vocab_chars:,} characters" in line, line
    subword = summarise(corpus, "subword")
    assert subword.vocab_bytes == 256 and "256 bytes for any other character" in subword.vocabulary_line()
    assert summarise(corpus, "char").words is None


def test_english_words_are_what_spaces_separate_or_the_word_tokens() -> None:
    corpus = corpus_from_text(TEXT)
    assert summarise(corpus, "char").words == len(TEXT.split())
    assert summarise(corpus, "subword").words == len(TEXT.split())
    word = summarise(corpus, "word")
    assert word.words == len(TEXT.split())  # "mat." is one word and one mark
    assert word.tokens == len(TEXT.split()) + TEXT.count(".")
    assert (
        "240 words" in word.counts_line()
        and "280 tokens (words and marks), 8 distinct" in word.vocabulary_line()
    )
