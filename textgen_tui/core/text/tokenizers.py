"""Lossless tokenizers: char, word (jieba for Chinese/Japanese), clause and subword (core/text/subword.py:
BPE learned from the corpus, with byte fallback: lossless for every text).

Word and clause vocabularies are capped; a token outside the vocabulary falls back to its
characters, so decode(encode(text)) == text for any text whose characters were seen in training.
Characters never seen map to the unknown token (or are dropped for `char`), with a note.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from textgen_tui.core.errors import ConfigError, TextgenError
from textgen_tui.core.text.subword import SubwordTokenizer
from textgen_tui.core.text.tokenizer_base import TOKENIZER_CLASSES, UNK, Tokenizer

CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words, whitespace runs, and punctuation: a run of one mark ("-----", "...") is a token of up to
# MARK_RUN marks, so a ruled line does not fill a word model's whole context with single dashes.
# Capped, because rules of every length are each too rare to keep: spelled in characters, a
# model learns "- follows -" and loops on it (the Debian Reference at T=0.5).
MARK_RUN = 8
_WORD = re.compile(rf"\w+|\s+|([^\w\s])\1{{0,{MARK_RUN - 1}}}", re.UNICODE)
_PUNCT = r"，。！？；：、,.!?;:…"
_CLAUSE = re.compile(rf"\s+|[{_PUNCT}][^\s{_PUNCT}]*|[^\s{_PUNCT}]+")
_CHUNK = 1 << 20  # characters encoded at a time, to bound memory on big corpora


class CharTokenizer(Tokenizer):
    """One token per character; the vocabulary is sorted by code point."""

    kind = "char"

    def __init__(self, vocab: list[str]):
        super().__init__(vocab)
        if any(len(t) != 1 for t in vocab):
            raise TextgenError("a char vocabulary must hold single characters")
        self._codes = np.array([ord(c) for c in vocab], dtype=np.uint32)
        self._order = np.argsort(self._codes)
        self._sorted = self._codes[self._order]

    @classmethod
    def fit(cls, text: str, max_vocab: int | None = None, lowercase: bool = False) -> CharTokenizer:
        seen: set[str] = set()
        for chunk in _chunks(text, lowercase):
            seen.update(chunk)
        return cls(sorted(seen))

    def split(self, text: str) -> list[str]:
        return list(text)

    def encode(self, text: str, lowercase: bool = False) -> np.ndarray:
        ids, _ = self._encode(text, lowercase)
        return ids

    def _encode(self, text: str, lowercase: bool = False) -> tuple[np.ndarray, list[str]]:
        # Vectorised: code points through a sorted lookup, a megabyte at a time, into one
        # preallocated array (a 100 MB corpus never exists twice, as text or as ids).
        out = np.empty(len(text), dtype=self.id_dtype)
        n, unknown = 0, []
        for chunk in _chunks(text, lowercase):
            codes = np.frombuffer(chunk.encode("utf-32-le"), dtype="<u4")
            pos = np.searchsorted(self._sorted, codes)
            pos = np.minimum(pos, len(self._sorted) - 1)
            ok = self._sorted[pos] == codes
            if not ok.all():
                unknown.extend(chr(c) for c in codes[~ok])
                pos = pos[ok]
            if n + len(pos) > len(out):  # lowercasing lengthened the text (e.g. 'İ' → 'i̇')
                out = np.resize(out, n + len(pos) + _CHUNK)
            out[n : n + len(pos)] = self._order[pos]
            n += len(pos)
        return out[:n], unknown

    def decode(self, ids) -> str:
        return "".join([self.vocab[int(i)] for i in ids])


class _CappedTokenizer(Tokenizer):
    """Common part of word and clause: top tokens + every character + <unk>."""

    @classmethod
    def fit(cls, text: str, max_vocab: int = 20000, min_count: int = 1) -> Tokenizer:
        """The most frequent tokens seen at least `min_count` times (a word seen once or twice is
        spelled in characters: the model learns little from it and it costs an output row)."""
        chars = sorted(set(text))
        # A clause may read "<unk>" in the text: it is that token already (a vocabulary holds it once).
        counts = Counter(t for t in cls._split_text(text) if len(t) > 1 and t != UNK)
        room = max(0, max_vocab - len(chars) - 1)
        common = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda kv: (-kv[1], kv[0]))
        return cls([UNK, *chars, *(w for w, _ in common[:room])])

    def split(self, text: str) -> list[str]:
        return self._split_text(text)

    @staticmethod
    def _split_text(text: str) -> list[str]:
        raise NotImplementedError


class WordTokenizer(_CappedTokenizer):
    """Words, punctuation and whitespace runs are tokens; CJK runs are segmented by jieba."""

    kind = "word"

    @staticmethod
    def _split_text(text: str) -> list[str]:
        tokens: list[str] = []
        for tok in (m.group() for m in _WORD.finditer(text)):
            if CJK_RUN.search(tok):
                tokens.extend(_segment_cjk(tok))
            else:
                tokens.append(tok)
        return tokens


class ClauseTokenizer(_CappedTokenizer):
    """The appendix's variant: a break before each punctuation mark and at spaces."""

    kind = "clause"

    @staticmethod
    def _split_text(text: str) -> list[str]:
        return _CLAUSE.findall(text)


def _chunks(text: str, lowercase: bool):
    for start in range(0, len(text), _CHUNK):
        chunk = text[start : start + _CHUNK]
        yield chunk.lower() if lowercase else chunk


def _segment_cjk(token: str) -> list[str]:
    """Split a \\w+ run that contains CJK: jieba for the CJK parts, the rest kept whole."""
    out: list[str] = []
    pos = 0
    for m in CJK_RUN.finditer(token):
        if m.start() > pos:
            out.append(token[pos : m.start()])
        out.extend(_jieba_cut(m.group()))
        pos = m.end()
    if pos < len(token):
        out.append(token[pos:])
    return out


def _jieba_cut(text: str) -> list[str]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [t for t in jieba.cut(text, HMM=True) if t]


TOKENIZER_CLASSES.update(
    char=CharTokenizer, word=WordTokenizer, clause=ClauseTokenizer, subword=SubwordTokenizer
)


def fit_tokenizer(
    kind: str,
    text: str,
    max_vocab: int = 20000,
    lowercase: bool = False,
    min_count: int = 1,
    held_out: float = 0.0,
) -> Tokenizer:
    """`held_out`: the run's validation fraction (the tail of the ids). A subword tokenizer learns
    from the training part only: the text before the last `held_out * SUBWORD_MARGIN` of its
    characters (the tail is cut by tokens, and a tail's tokens may span a little more than its
    share of the characters)."""
    if kind not in TOKENIZER_CLASSES:
        raise ConfigError(f"tokenizer must be one of {', '.join(TOKENIZER_CLASSES)} (got {kind!r})")
    if kind == "char":
        return CharTokenizer.fit(text, lowercase=lowercase)
    if kind == "subword":
        cut = len(text) - int(len(text) * min(held_out * SUBWORD_MARGIN, 0.5)) if held_out > 0 else len(text)
        part = text[:cut]
        return TOKENIZER_CLASSES[kind].fit(part.lower() if lowercase else part, max_vocab, min_count)
    return TOKENIZER_CLASSES[kind].fit(text.lower() if lowercase else text, max_vocab, min_count)


SUBWORD_MARGIN = 1.5
