"""Loading a corpus: a file or a folder of .txt files, any common encoding, with statistics.

Encodings are found in this order (see `decode_bytes`): a byte-order mark (UTF-8, UTF-16); strict
UTF-8, the common case and the only full pass such a file gets; UTF-8 with a few bad bytes; else
detection by charset-normalizer on a bounded sample of the file, limited to well-known encodings
and steered towards cp1252 for Western European text, after which the whole file is decoded with
the chosen codec.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textgen_tui.core.errors import CorpusError

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

# Share of undecodable bytes above which a "UTF-8 with a few bad bytes" guess is abandoned.
_MAX_REPLACED_SHARE = 0.01
# The same, in the sample of a big file taken for detection (`_sample`).
_SAMPLE_REPLACED_SHARE = 0.05
# Share of control characters that marks a file as binary rather than text.
_MAX_CONTROL_SHARE = 0.05
# Share of NUL high bytes that marks a file without a byte-order mark as UTF-16 (`_bomless_utf16`).
_UTF16_NUL_SHARE = 0.5

# Encoding detection. At most _SAMPLE_BYTES of a file, taken as _SAMPLE_WINDOWS slices (its head,
# the region of the first byte that is not UTF-8, and slices spread over the rest) go to
# charset-normalizer, which reads _DETECT_STEPS chunks of _DETECT_CHUNK bytes of that sample.
_SAMPLE_BYTES = 1 << 20
_SAMPLE_WINDOWS = 8
_DETECT_STEPS = 16
_DETECT_CHUNK = 2048
# The encodings considered (charset-normalizer's names, which are Python codec names). Rare code
# pages (mac_turkish, cp1006, hp_roman8, ...) are left out: on short samples they win by chance.
_CANDIDATES = (
    "cp1252", "latin_1", "iso8859_15",  # Western European
    "cp1250", "iso8859_2",  # Central European
    "cp1251", "koi8_r", "koi8_u", "iso8859_5",  # Cyrillic
    "cp1253", "iso8859_7",  # Greek
    "cp1254", "iso8859_9",  # Turkish
    "cp1255", "iso8859_8",  # Hebrew
    "cp1256", "iso8859_6",  # Arabic
    "cp1257", "iso8859_13",  # Baltic
    "cp874",  # Thai
    "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950",  # Chinese
    "shift_jis", "cp932", "euc_jp",  # Japanese
    "euc_kr", "cp949",  # Korean
)  # fmt: skip
_MULTI_BYTE = frozenset(_CANDIDATES[_CANDIDATES.index("gb18030") :])
# Decode with the superset, so that characters outside the sample's subset still decode.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}
# Runs of three or more bytes >= 0x80 (0xA0, the no-break space of every Latin code page, counts
# as a separator). Western European text has few: its accented letters stand alone or in pairs
# ("ção", "Grüße"). In CJK, Cyrillic, Greek, Hebrew, ... text most non-ASCII bytes are in such runs.
_HIGH_BYTES = re.compile(rb"[\x80-\x9f\xa1-\xff]")
_LONG_HIGH_RUNS = re.compile(rb"[\x80-\x9f\xa1-\xff]{3,}")
_MAX_LONG_RUN_SHARE = 1 / 3
# Bytes that are never the second, third or fourth byte of a character in UTF-8, GB18030, Big5,
# Shift_JIS or EUC: a sample cut just after one never splits a character.
_BOUNDARY = re.compile(rb"[\x00-\x2f]")
# Where cp1252 and Latin-1 differ (cp1252: punctuation such as curly quotes; Latin-1: controls).
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_SURROGATE_ESCAPES = re.compile("[\udc80-\udcff]")

_replace_counts = threading.local()


def _replace_and_count(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: one U+FFFD per undecodable byte, counted per thread."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    n = exc.end - exc.start
    _replace_counts.n = getattr(_replace_counts, "n", 0) + n
    return "\ufffd" * n, exc.end


_REPLACE_AND_COUNT = "textgen_tui.replace_and_count"
codecs.register_error(_REPLACE_AND_COUNT, _replace_and_count)


@dataclass
class Corpus:
    text: str
    """The decoded text, line endings normalised, lowercased if asked."""
    source: str
    """The path it came from (or a catalog name)."""
    encoding: str
    """The encoding that was used to decode it (the first file's, for a folder)."""
    replaced: int = 0
    """How many undecodable bytes were replaced with U+FFFD."""
    files: list[str] = field(default_factory=list)
    """The files that were read, in order."""
    lowercase: bool = False

    def __len__(self) -> int:
        return len(self.text)

    def stats(self, top: int = 10) -> CorpusStats:
        counts = Counter(self.text)
        return CorpusStats(
            characters=len(self.text),
            distinct=len(counts),
            lines=self.text.count("\n") + (1 if self.text and not self.text.endswith("\n") else 0),
            words=len(self.text.split()),
            most_common=counts.most_common(top),
            encoding=self.encoding,
            replaced=self.replaced,
            files=len(self.files),
        )


@dataclass
class CorpusStats:
    characters: int
    distinct: int
    lines: int
    words: int
    most_common: list[tuple[str, int]]
    encoding: str
    replaced: int
    files: int

    def summary(self) -> str:
        parts = [
            f"{self.characters:,} characters",
            f"{self.distinct:,} distinct",
            f"{self.words:,} words",
            f"{self.lines:,} lines",
            f"encoding {self.encoding}",
        ]
        if self.files > 1:
            parts.append(f"{self.files} files")
        if self.replaced:
            parts.append(f"{self.replaced:,} undecodable bytes replaced")
        return ", ".join(parts)


def decode_bytes(data: bytes, name: str = "file") -> tuple[str, str, int]:
    """Decode bytes of unknown encoding; return (text, encoding, replaced byte count).

    The encoding is a Python codec name. In order:

    - a byte-order mark: UTF-8 ("utf-8-sig") or UTF-16 ("utf-16");
    - NUL bytes: UTF-16 without a byte-order mark when they fall in every other byte
      ("utf-16-le" or "utf-16-be", `_bomless_utf16`), else refused as binary;
    - strict UTF-8 ("utf-8"): most files, decoded in one pass with no detection;
    - UTF-8 with a few bad bytes ("utf-8"): each bad byte becomes U+FFFD and is counted;
    - otherwise charset-normalizer picks among well-known encodings (`_CANDIDATES`), looking at a
      bounded sample only (`_sample`); Western European text, where it guesses poorly (cp1250 or
      cp1257 for French, anything at all for a short line), goes to cp1252 whenever that is one
      of its plausible answers (`_detect`). The whole file is then decoded with the chosen codec;
      bytes it cannot decode become U+FFFD and are counted. cp1252 text without any byte in
      0x80-0x9F is reported as "latin-1", which decodes it identically.

    Text that is mostly control characters is refused as binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        text, replaced = _decode_utf8(data[3:])
        return text, "utf-8-sig" if not replaced else "utf-8", replaced
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[2:].decode(enc), "utf-16", 0
            except UnicodeDecodeError:
                raise CorpusError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16") from None
    if b"\x00" in data:
        utf16 = _bomless_utf16(data, name)
        if utf16 is None:
            raise CorpusError(f"{name} looks binary (it contains NUL bytes), not text")
        return utf16
    try:
        return _refuse_controls(data.decode("utf-8"), name), "utf-8", 0
    except UnicodeDecodeError as exc:
        sample = _sample(data, exc.start)
    # A big file is only decoded again as UTF-8 if its sample passes (loosely: the sample holds the
    # region of the first bad byte, so it can hold more than its share of them).
    if len(data) <= _SAMPLE_BYTES or _mostly_utf8(*_decode_utf8(sample), max_share=_SAMPLE_REPLACED_SHARE):
        text, replaced = _decode_utf8(data)
        if _mostly_utf8(text, replaced):
            return _refuse_controls(text, name), "utf-8", replaced
    encoding = _detect(sample)
    if encoding is None:  # nothing fits: text with many C1 control bytes is binary, else cp1252
        _refuse_controls(data.decode("latin-1"), name)
        encoding = "cp1252"
    text, replaced = _decode(data, encoding)
    return _refuse_controls(text, name), _codec_name(encoding, data), replaced


def _bomless_utf16(data: bytes, name: str) -> tuple[str, str, int] | None:
    """UTF-16 without a byte-order mark, told by its NULs: in text of the Latin scripts every
    other byte (the high byte of each code unit) is NUL and the others are not. None when the NULs
    do not fall that way (then the file is binary)."""
    if len(data) < 4:  # a NUL or two: nothing to tell by
        return None
    even, odd = data[0::2], data[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) < _UTF16_NUL_SHARE * len(high) or low.count(0) > _MAX_CONTROL_SHARE * len(low):
            continue
        what = f"{name} looks like UTF-16 without a byte-order mark"
        if len(data) % 2:
            raise CorpusError(f"{what}, but has an odd number of bytes (is it cut short?)")
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise CorpusError(f"{what}, but is not valid UTF-16") from None
        return _refuse_controls(text, name), encoding, 0
    return None


def _decode_utf8(data: bytes) -> tuple[str, int]:
    """UTF-8 with each undecodable byte replaced by U+FFFD; return (text, bytes replaced)."""
    text = data.decode("utf-8", errors="surrogateescape")  # one U+DC80-U+DCFF per bad byte
    return _SURROGATE_ESCAPES.subn("\ufffd", text)


def _decode(data: bytes, encoding: str) -> tuple[str, int]:
    """Decode with `encoding`, each undecodable byte replaced by U+FFFD; return (text, bytes replaced)."""
    try:
        return data.decode(encoding), 0
    except UnicodeDecodeError:
        pass
    _replace_counts.n = 0
    text = data.decode(encoding, errors=_REPLACE_AND_COUNT)
    return text, _replace_counts.n


def _mostly_utf8(text: str, replaced: int, max_share: float = _MAX_REPLACED_SHARE) -> bool:
    """True when the text decoded as UTF-8 except for a few stray bytes."""
    valid_non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    return valid_non_ascii >= replaced and replaced <= max_share * max(len(text), 1)


def _sample(data: bytes, first_bad: int) -> bytes:
    """At most _SAMPLE_BYTES of `data` for detection: its head, the region around `first_bad` (the
    first byte that is not UTF-8) and slices spread over the rest, each cut where no character of
    a multi-byte encoding can be split."""
    if len(data) <= _SAMPLE_BYTES:
        return data
    size = _SAMPLE_BYTES // _SAMPLE_WINDOWS
    last = len(data) - size
    starts = {0, min(max(first_bad - size // 2, 0), last)}
    starts.update(i * last // (_SAMPLE_WINDOWS - 2) for i in range(1, _SAMPLE_WINDOWS - 1))
    parts = []
    for start in sorted(starts):
        window = data[start : start + size]
        if start > 0 and (m := _BOUNDARY.search(window)):
            window = window[m.end() :]
        if start < last and (m := _BOUNDARY.search(window[::-1])):
            window = window[: len(window) - m.start()]
        parts.append(window)
    return b"".join(parts)


def _detect(sample: bytes) -> str | None:
    """The codec for a sample that is not UTF-8 (a charset-normalizer name), or None if none fits.

    charset-normalizer ranks Western European text badly: "Déjà vu" comes out as cp1250, a French
    page as cp1257, "Für Elise" as Big5. So when cp1252 is among the encodings it finds plausible
    and the sample's non-ASCII bytes mostly stand alone (accented letters between ASCII ones, not
    the runs of CJK, Cyrillic or Greek text), cp1252 wins.
    """
    from charset_normalizer import from_bytes  # imported here: only non-UTF-8 files need it

    matches = from_bytes(
        sample, steps=_DETECT_STEPS, chunk_size=_DETECT_CHUNK, cp_isolation=list(_CANDIDATES)
    )
    best = matches.best()
    if best is None:
        return None
    if _looks_western(sample) and any("cp1252" in m.could_be_from_charset for m in matches):
        return "cp1252"
    if best.encoding in _MULTI_BYTE:
        # Short CJK samples tie ("我们去公园。" is cp949 or gb18030 to it): prefer by _CANDIDATES.
        tied = [m.encoding for m in matches if m.encoding in _MULTI_BYTE and _same_score(m, best)]
        best_name = min(tied, key=_CANDIDATES.index)
    else:
        best_name = best.encoding
    return _SUPERSETS.get(best_name, best_name)


def _same_score(a: CharsetMatch, b: CharsetMatch) -> bool:
    return abs(a.chaos - b.chaos) < 1e-6 and abs(a.coherence - b.coherence) < 1e-6


def _looks_western(sample: bytes) -> bool:
    """True when most bytes >= 0x80 stand alone or in pairs, as accented letters do in Western
    European text, rather than in the longer runs of non-Latin scripts."""
    high = len(_HIGH_BYTES.findall(sample))
    in_long_runs = sum(map(len, _LONG_HIGH_RUNS.findall(sample)))
    return in_long_runs <= _MAX_LONG_RUN_SHARE * high


def _codec_name(encoding: str, data: bytes) -> str:
    """The Python codec name to report; cp1252 text with no byte in 0x80-0x9F is plain Latin-1."""
    if encoding == "latin_1" or (encoding == "cp1252" and not _C1_BYTES.search(data)):
        return "latin-1"
    return codecs.lookup(encoding).name


def _refuse_controls(text: str, name: str) -> str:
    sample = text[:100_000]
    controls = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f\v") or 0x7F <= ord(c) < 0xA0)
    if sample and controls > _MAX_CONTROL_SHARE * len(sample):
        raise CorpusError(f"{name} looks binary (mostly undecodable bytes), not text")
    return text


def normalise(text: str, lowercase: bool = False) -> str:
    if "\r" in text:  # each replace copies the text: skip them when there is nothing to do
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.lower() if lowercase else text


def read_text_file(path: Path) -> tuple[str, str, int]:
    try:
        data = path.read_bytes()
    except PermissionError:
        raise CorpusError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise CorpusError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise CorpusError(f"{path} is empty")
    return decode_bytes(data, str(path))


def load_corpus(path: str | Path, lowercase: bool = False) -> Corpus:
    """Load a text file, or every *.txt in a folder (sorted, joined by a blank line)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise CorpusError(f"{p} does not exist")
    if p.is_dir():
        files = sorted(f for f in p.glob("*.txt") if f.is_file())
        if not files:
            raise CorpusError(f"{p} is a folder without .txt files")
        texts, encodings, replaced = [], [], 0
        for f in files:
            text, enc, rep = read_text_file(f)
            texts.append(text.strip("\n"))
            encodings.append(enc)
            replaced += rep
        encoding = encodings[0] if len(set(encodings)) == 1 else "mixed: " + ", ".join(sorted(set(encodings)))
        text = "\n\n".join(texts) + "\n"
        file_names = [str(f) for f in files]
    else:
        text, encoding, replaced = read_text_file(p)
        file_names = [str(p)]
    text = normalise(text, lowercase)
    if not text.strip():
        raise CorpusError(f"{p} holds only whitespace")
    return Corpus(text, str(p), encoding, replaced, file_names, lowercase)


def corpus_from_text(text: str, source: str = "<text>", lowercase: bool = False) -> Corpus:
    text = normalise(text, lowercase)
    if not text.strip():
        raise CorpusError(f"{source} is empty")
    return Corpus(text, source, "utf-8", 0, [source], lowercase)
