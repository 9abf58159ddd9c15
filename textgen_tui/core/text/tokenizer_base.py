"""The tokenizer's shared base: encoding with a fallback to characters, seeds, streaming decode,
and the registry of kinds that `tokenizer.json` names (filled by tokenizers.py and subword.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from textgen_tui.core.errors import GenerationError, TextgenError

UNK = "<unk>"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, as `surrogateescape` keeps it

TOKENIZER_CLASSES: dict[str, type[Tokenizer]] = {}
"""Each kind's class, by the name `tokenizer.json` stores."""


@dataclass
class SeedEncoding:
    ids: np.ndarray
    """Token ids of the usable part of the seed."""
    unknown: list[str] = field(default_factory=list)
    """Pieces that are not in the vocabulary (mapped to <unk> or dropped)."""
    note: str = ""
    """A sentence for the user when something was unknown, else empty."""


class Tokenizer:
    kind = "base"

    def __init__(self, vocab: list[str]):
        if len(set(vocab)) != len(vocab):
            raise TextgenError("tokenizer vocabulary has duplicate entries")
        self.vocab = list(vocab)
        self.index = {t: i for i, t in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    # -- to implement -------------------------------------------------------------------------
    def split(self, text: str) -> list[str]:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------------
    def encode(self, text: str, lowercase: bool = False) -> np.ndarray:
        """Token ids of `text` (lowercased first if asked, without copying it whole for `char`)."""
        ids, _ = self._encode(text.lower() if lowercase else text)
        return ids

    def _encode(self, text: str) -> tuple[np.ndarray, list[str]]:
        out: list[int] = []
        unknown: list[str] = []
        unk = self.index.get(UNK)
        for tok in self.split(text):
            i = self.index.get(tok)
            if i is not None:
                out.append(i)
                continue
            for ch in tok:  # out-of-vocabulary token: fall back to its characters
                j = self.index.get(ch)
                if j is None:
                    unknown.append(ch)
                    if unk is not None:
                        out.append(unk)
                else:
                    out.append(j)
        return np.asarray(out, dtype=self.id_dtype), unknown

    @property
    def id_dtype(self):
        # The smallest type that holds every id: a 100 MB character corpus is 100 MB of ids.
        if self.vocab_size <= 256:
            return np.uint8
        return np.uint16 if self.vocab_size <= 65535 else np.int32

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in ids)

    @property
    def char_counts(self) -> np.ndarray:
        """Characters each token spells (bits per character divide by their sum)."""
        return np.array([len(t) for t in self.vocab])

    def utf8_guard(self, streams: int):
        """Subword: what keeps sampled byte tokens to whole characters; None: every token is."""
        return None

    def whole_characters(self, ids: np.ndarray) -> np.ndarray:
        """`ids` without a character cut at either end (subword byte tokens); as they are here."""
        return ids

    def stream_decoder(self, streams: int) -> _PieceStreams:
        """Turns one token id per stream into text, step by step (`feed(ids)`, then `flush()`)."""
        return _PieceStreams(self.vocab, streams)

    def encode_seed(self, text: str) -> SeedEncoding:
        """Encode user input: unknown pieces never raise, they are reported. GenerationError for
        text that is not Unicode: lone surrogates, which is how Python hands over the bytes of a
        command line that were not UTF-8."""
        bad = _LONE_SURROGATE.search(text)
        if bad is not None:
            where, char = bad.start() + 1, bad.group()
            if _ESCAPED.fullmatch(char):
                byte = char.encode("utf-8", "surrogateescape")[0]
                why = f"character {where} is the byte 0x{byte:02X}, which is not UTF-8: is the terminal set to UTF-8?"
            else:
                why = f"character {where} is U+{ord(char):04X}, half of a UTF-16 pair"
            raise GenerationError(f"the seed is not valid text ({why})")
        ids, unknown = self._encode(text)
        note = ""
        if unknown:
            shown = ", ".join(repr(u) for u in list(dict.fromkeys(unknown))[:8])
            what = "mapped to <unk>" if UNK in self.index else "dropped"
            note = f"{len(unknown)} unknown character(s) in the seed {what}: {shown}"
        return SeedEncoding(ids, unknown, note)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "vocab": self.vocab}

    @staticmethod
    def from_dict(d: dict) -> Tokenizer:
        try:
            kind, vocab = d["kind"], d["vocab"]
        except (KeyError, TypeError):
            raise TextgenError("tokenizer.json lacks 'kind' or 'vocab'") from None
        if kind not in TOKENIZER_CLASSES:
            raise TextgenError(f"tokenizer.json names an unknown tokenizer {kind!r}")
        if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab) or not vocab:
            raise TextgenError("tokenizer.json has an invalid vocabulary")
        return TOKENIZER_CLASSES[kind].from_saved(d)

    @classmethod
    def from_saved(cls, d: dict) -> Tokenizer:
        return cls(d["vocab"])


class _PieceStreams:
    """Token ids → their text, per stream (every token is whole characters)."""

    def __init__(self, vocab: list[str], streams: int):
        self.vocab = vocab

    def feed(self, ids) -> tuple[str, ...]:
        return tuple(self.vocab[int(i)] for i in ids)

    def flush(self) -> tuple[str, ...]:
        return ()
