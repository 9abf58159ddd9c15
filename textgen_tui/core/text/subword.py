"""Subword tokens learned from the corpus: byte-pair encoding with byte fallback (Hugging Face
`tokenizers`), lossless for any text.

- The text is cut into pieces by a regex that keeps every character (letters with their marks,
  numbers, runs of other marks, whitespace runs; an optional leading space stays with the next
  piece, as in GPT-2), so no normalizer or space marker ever changes a character.
- BPE merges are learned inside those pieces. Characters seen fewer than `min_count` times are not
  in the alphabet: they, and characters never seen, are spelled as their UTF-8 bytes (`<0xNN>`,
  all 256 are in the vocabulary), so decode(encode(text)) == text for every text.
- Decoding concatenates the tokens' bytes; a stream of tokens is decoded incrementally, so a
  character spelled in bytes is shown once it is whole, never half a UTF-8 sequence.
- The vocabulary is sized by the corpus: the kept alphabet plus one merge per CHARS_PER_MERGE
  characters of training text, up to `max_vocab`. Chinese needs no word segmenter: the merges find
  its words.

Why BPE rather than Unigram (both in the library, both with byte fallback): on the same text and
vocabulary BPE trained faster and its tokens were as long or longer (benchmarks/results/tuning.md,
"Subword: BPE or Unigram"); its merges are also deterministic, so a corpus gives the same
vocabulary on every machine.
"""

from __future__ import annotations

import codecs
import json
from collections import Counter

import numpy as np

from textgen_tui.core.errors import TextgenError, first_line
from textgen_tui.core.text.tokenizer_base import Tokenizer

PIECES = r" ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+"
"""The pre-tokenizer's pieces (Oniguruma syntax); their concatenation is always the text."""
CHARS_PER_MERGE = 300
"""One learned merge per this many characters of training text (untuned: the measurements in
benchmarks/results/tuning.md decide it)."""
MIN_MERGES = 64
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]
_ENCODE_CHUNK = 1 << 16  # characters per piece of text handed to the library (cut after a newline)


def vocab_size_for(n_chars: int, alphabet: int, max_vocab: int) -> int:
    """The vocabulary for a training text of `n_chars` characters (its kept alphabet, the merges and
    the 256 byte tokens), capped at `max_vocab` (but never below the alphabet and bytes)."""
    merges = max(MIN_MERGES, n_chars // CHARS_PER_MERGE)
    return max(min(alphabet + merges + 256, max_vocab), alphabet + 256 + 1)


class SubwordTokenizer(Tokenizer):
    kind = "subword"

    def __init__(self, vocab: list[str], hf: dict, model: str = "bpe"):
        super().__init__(vocab)
        self.model = model
        self.hf_dict = hf
        missing = [b for b in BYTE_TOKENS if b not in self.index]
        if missing:
            raise TextgenError("a subword vocabulary must hold the 256 byte tokens")
        byte_ids = {self.index[b]: bytes([n]) for n, b in enumerate(BYTE_TOKENS)}
        self._bytes = [byte_ids.get(i, t.encode("utf-8")) for i, t in enumerate(self.vocab)]
        self._byte_value = np.full(len(self.vocab), -1, dtype=np.int32)  # -1: not a byte token
        for i, b in byte_ids.items():
            self._byte_value[i] = b[0]
        # Characters per token: the UTF-8 sequences it starts (bytes that are not continuations).
        self._char_counts = np.array([sum((b & 0xC0) != 0x80 for b in bs) for bs in self._bytes])
        self._hf = None

    @property
    def char_counts(self) -> np.ndarray:
        return self._char_counts

    # -- the library's tokenizer ----------------------------------------------------------------
    @property
    def hf(self):
        if self._hf is None:
            from tokenizers import Tokenizer as HFTokenizer

            try:
                hf = HFTokenizer.from_str(json.dumps(self.hf_dict))
            except Exception as exc:  # noqa: BLE001 - the library raises a bare Exception for bad JSON
                raise TextgenError(
                    f"tokenizer.json's subword model cannot be read ({first_line(exc, 160)})"
                ) from None
            got = hf.get_vocab_size(with_added_tokens=True)
            if got != self.vocab_size:
                raise TextgenError(f"the subword model has {got} tokens, the vocabulary {self.vocab_size}")
            self._hf = hf  # kept only once checked: a second use raises the same error again
        return self._hf

    @classmethod
    def fit(
        cls, text: str, max_vocab: int = 20000, min_count: int = 3, model: str = "bpe"
    ) -> SubwordTokenizer:
        from tokenizers import Regex, models, pre_tokenizers, trainers
        from tokenizers import Tokenizer as HFTokenizer

        counts = Counter(text)
        alphabet = sorted(c for c, n in counts.items() if n >= max(min_count, 1))
        size = vocab_size_for(len(text), len(alphabet), max_vocab)
        if model == "bpe":
            hf = HFTokenizer(models.BPE(byte_fallback=True))
            trainer = trainers.BpeTrainer(
                vocab_size=size - 256,
                min_frequency=max(min_count, 2),
                limit_alphabet=len(alphabet),
                initial_alphabet=alphabet,
                show_progress=False,
            )
        elif model == "unigram":
            hf = HFTokenizer(models.Unigram())
            trainer = trainers.UnigramTrainer(
                vocab_size=size - 256,
                initial_alphabet=alphabet,
                show_progress=False,
                special_tokens=["<unk>"],
                unk_token="<unk>",
                max_piece_length=16,
            )
        else:
            raise TextgenError(f"unknown subword model {model!r}")
        hf.pre_tokenizer = pre_tokenizers.Split(Regex(PIECES), behavior="isolated")
        hf.train_from_iterator(_pieces(text), trainer=trainer, length=None)
        d = json.loads(hf.to_str())
        m = d["model"]
        if model == "bpe":
            # The alphabet trimmed to the kept characters; the 256 byte tokens appended.
            vocab = sorted(m["vocab"], key=m["vocab"].get)
            vocab = [t for t in vocab if t not in BYTE_TOKENS] + BYTE_TOKENS
            m["vocab"] = {t: i for i, t in enumerate(vocab)}
            m["byte_fallback"] = True
            m["unk_token"] = None
        else:
            pieces = [p for p in m["vocab"] if p[0] not in BYTE_TOKENS]
            low = min(s for _, s in pieces) - 1.0
            pieces += [[b, low] for b in BYTE_TOKENS]
            m["vocab"] = pieces
            m["byte_fallback"] = True
            vocab = [p[0] for p in pieces]
        d["decoder"] = {
            "type": "Sequence",
            "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}],
        }
        d["added_tokens"] = []
        d["normalizer"] = None
        d["post_processor"] = None
        return cls(vocab, d, model)

    # -- encoding and decoding ------------------------------------------------------------------
    def split(self, text: str) -> list[str]:
        """The text's tokens as text (a character spelled in byte tokens is one piece, itself)."""
        stream = self.stream_decoder(1)
        pieces = (stream.feed([i])[0] for i in self.encode(text).tolist())
        return [p for p in pieces if p]

    def encode(self, text: str, lowercase: bool = False) -> np.ndarray:
        ids, _ = self._encode(text.lower() if lowercase else text)
        return ids

    def _encode(self, text: str) -> tuple[np.ndarray, list[str]]:
        parts = []
        chunks = list(_cut(text))
        for start in range(0, len(chunks), 64):
            for enc in self.hf.encode_batch(chunks[start : start + 64], add_special_tokens=False):
                parts.append(np.asarray(enc.ids, dtype=self.id_dtype))
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=self.id_dtype)
        return ids, []  # byte fallback: no character is unknown

    def decode(self, ids) -> str:
        return b"".join(self._bytes[int(i)] for i in ids).decode("utf-8", errors="replace")

    def token_bytes(self, i: int) -> bytes:
        return self._bytes[int(i)]

    def stream_decoder(self, streams: int) -> _ByteStreams:
        return _ByteStreams(self._bytes, streams)

    def utf8_guard(self, streams: int) -> Utf8Guard:
        """Keeps sampled byte tokens to well-formed UTF-8 (see Utf8Guard)."""
        return Utf8Guard(self, streams)

    def whole_characters(self, ids: np.ndarray) -> np.ndarray:
        """`ids` without the byte tokens of a character cut at either end (a seed taken from the
        middle of the corpus)."""
        ids = np.asarray(ids)
        lo, hi = 0, len(ids)
        while lo < hi and self._byte_value[int(ids[lo])] in _CONTINUATION:
            lo += 1
        end = hi  # a lead byte near the end whose continuation bytes are not all there
        for k in range(hi - 1, max(lo, hi - 4) - 1, -1):
            b = self._byte_value[int(ids[k])]
            if b < 0 or b < 0x80:
                break
            if b >= 0xC0:
                need = 1 if b < 0xE0 else 2 if b < 0xF0 else 3
                if hi - 1 - k < need:
                    end = k
                break
        return ids[lo:end]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "model": self.model, "vocab": self.vocab, "hf": self.hf_dict}

    @classmethod
    def from_saved(cls, d: dict) -> SubwordTokenizer:
        hf = d.get("hf")
        if not isinstance(hf, dict) or "model" not in hf:
            raise TextgenError("tokenizer.json's subword tokenizer lacks the library's model ('hf')")
        return cls(d["vocab"], hf, str(d.get("model", "bpe")))


_CONTINUATION = range(0x80, 0xC0)


def _after_lead(b: int) -> tuple[int, int, int] | None:
    """(continuation bytes to come, range of the next one) after a lead byte; None if `b` cannot
    start a character (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF)."""
    if 0xC2 <= b <= 0xDF:
        return 1, 0x80, 0xBF
    if 0xE0 <= b <= 0xEF:
        return 2, 0xA0 if b == 0xE0 else 0x80, 0x9F if b == 0xED else 0xBF
    if 0xF0 <= b <= 0xF4:
        return 3, 0x90 if b == 0xF0 else 0x80, 0x8F if b == 0xF4 else 0xBF
    return None


class Utf8Guard:
    """Per stream, the tokens that keep the generated bytes well-formed UTF-8: after a lead byte
    only its continuation bytes; otherwise no stray continuation byte or impossible lead byte. An
    untrained model draws byte tokens at random; with the guard its text never shows U+FFFD."""

    def __init__(self, tok: SubwordTokenizer, streams: int):
        values = tok._byte_value
        self.values = values
        self.start = ~((values >= 0x80) & ((values < 0xC2) | (values > 0xF4)))
        self.state: list[tuple[int, int, int]] = [(0, 0, 0)] * streams  # (to come, lo, hi)

    def mask(self, logits: np.ndarray) -> np.ndarray:
        """`logits` with the tokens each stream may not draw now set to -inf."""
        out = np.array(logits, dtype=np.float32)
        for s, (left, lo, hi) in enumerate(self.state):
            allowed = self.start if left == 0 else (self.values >= lo) & (self.values <= hi)
            out[s, ~allowed] = -np.inf
        return out

    def observe(self, ids) -> None:
        for s, i in enumerate(np.asarray(ids).tolist()):
            b = int(self.values[i])
            left = self.state[s][0]
            if left > 0 and 0x80 <= b <= 0xBF:
                self.state[s] = (left - 1, 0x80, 0xBF) if left > 1 else (0, 0, 0)
            elif b >= 0xC0:
                self.state[s] = _after_lead(b) or (0, 0, 0)
            else:
                self.state[s] = (0, 0, 0)


class _ByteStreams:
    """Token ids → text, per stream, buffering bytes until they make whole characters."""

    def __init__(self, table: list[bytes], streams: int):
        self.table = table
        self.decoders = [codecs.getincrementaldecoder("utf-8")(errors="replace") for _ in range(streams)]

    def feed(self, ids) -> tuple[str, ...]:
        return tuple(d.decode(self.table[int(i)]) for d, i in zip(self.decoders, ids))

    def flush(self) -> tuple[str, ...]:
        """The end of the streams: the bytes of a character the last tokens left unfinished are
        dropped (the length ran out in the middle of it), never shown as U+FFFD."""
        for d in self.decoders:
            d.reset()
        return tuple("" for _ in self.decoders)


def _cut(text: str):
    """The text in pieces of about _ENCODE_CHUNK characters, each ending after a newline when one is
    near (the library encodes them in parallel; a piece never spans a newline cut)."""
    pos = 0
    while pos < len(text):
        end = pos + _ENCODE_CHUNK
        if end < len(text):
            nl = text.rfind("\n", pos + _ENCODE_CHUNK // 2, end)
            end = nl + 1 if nl >= 0 else end
        yield text[pos:end]
        pos = end


def _pieces(text: str):
    yield from _cut(text)
