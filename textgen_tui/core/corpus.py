"""Loading a corpus: a file or a folder of .txt files, any common encoding, with statistics."""

from __future__ import annotations

import codecs
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from textgen_tui.core.errors import CorpusError

# Share of undecodable bytes above which a "UTF-8 with a few bad bytes" guess is abandoned.
_MAX_REPLACED_SHARE = 0.01
# Share of control characters that marks a file as binary rather than text.
_MAX_CONTROL_SHARE = 0.05


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

    Order: BOMs, strict UTF-8, UTF-8 with a few bad bytes, GB18030, then Latin-1. Binary data
    (NUL bytes, or mostly control characters) is refused.
    """
    if data.startswith(codecs.BOM_UTF8):
        text, enc, replaced = _utf8(data[3:])
        return text, "utf-8-sig" if not replaced else enc, replaced
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[2:].decode(enc), "utf-16", 0
            except UnicodeDecodeError:
                raise CorpusError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16") from None
    if b"\x00" in data:
        raise CorpusError(f"{name} looks binary (it contains NUL bytes), not text")
    text, enc, replaced = _utf8(data)
    if enc == "utf-8" and (replaced == 0 or _mostly_utf8(text, replaced)):
        return _refuse_controls(text, name), enc, replaced
    try:
        return _refuse_controls(data.decode("gb18030"), name), "gb18030", 0
    except UnicodeDecodeError:
        pass
    return _refuse_controls(data.decode("latin-1"), name), "latin-1", 0


def _utf8(data: bytes) -> tuple[str, str, int]:
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        return text, "utf-8", text.count("\ufffd")


def _mostly_utf8(text: str, replaced: int) -> bool:
    """True when the text decoded as UTF-8 except for a few stray bytes."""
    valid_non_ascii = sum(1 for c in text if ord(c) > 127) - replaced
    return valid_non_ascii >= replaced and replaced <= _MAX_REPLACED_SHARE * max(len(text), 1)


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
