"""English texts for the base models and for measuring them, fetched from Debian's package
registry (`apt-get download`, no root needed; nothing is installed) and turned into plain text.

Nothing here is committed: the packages and the texts live in a cache folder
(`$TEXTGEN_BASE_TEXTS`, default `~/.cache/textgen-tui/base-texts`).

    python -m benchmarks.base_texts            # fetch everything, print what each text holds

The training texts of the `english` base and the held-out texts of the benchmark never overlap:
`TRAIN` and `HELD_OUT` name different packages.
"""

from __future__ import annotations

import gzip
import html.parser
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("TEXTGEN_BASE_TEXTS", Path.home() / ".cache" / "textgen-tui" / "base-texts"))
NIETZSCHE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "nietzsche.txt"


@dataclass(frozen=True)
class Source:
    name: str
    """The text's name in the tables."""
    package: str
    """The Debian package that carries it (bookworm)."""
    licence: str
    """The licence, as the package's copyright file gives it."""
    description: str
    """What the text is."""


TRAIN = (
    Source("fortunes", "fortunes", "public domain / BSD (fortune-mod)", "the fortune cookies: quotations, jokes, verse"),
    Source("jargon", "dict-jargon", "public domain", "The Jargon File, a lexicon of hacker slang"),
    Source("devil", "dict-devil", "public domain", "Ambrose Bierce's The Devil's Dictionary (1911)"),
    Source("debian-reference", "debian-reference-en", "GPL-2+", "the Debian Reference guide (HTML, as text)"),
    Source("python-guides", "python3.11-doc", "PSF-2.0", "Python's tutorial, HOWTOs and FAQ (reST)"),
    Source("debian-docs", "doc-debian", "GPL-2+ / OPL", "Debian's constitution, social contract, FAQ"),
)  # fmt: skip
"""The `english` base's training texts."""

HELD_OUT = (
    Source("handbook", "debian-handbook", "GPL-2+ / CC-BY-SA-3.0", "The Debian Administrator's Handbook (HTML, as text)"),
)  # fmt: skip
"""Texts no base has read, for the fine-tuning benchmark (with the book's Nietzsche)."""


def fetch(package: str) -> Path:
    """The package unpacked under the cache (downloaded once)."""
    root = CACHE / "pkg" / package
    if root.exists():
        return root
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob(f"{package}_*.deb")):
        subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True)
    (deb,) = debs.glob(f"{package}_*.deb")
    tmp = root.with_suffix(".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
    tmp.rename(root)
    return root


class _Text(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "tr", "pre", "dt", "dd", "title", "table"}
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    """Paragraphs of single-spaced lines, at most one blank line between them."""
    text = text.replace("\r", "").replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _dictd(root: Path, name: str) -> str:
    (dz,) = (root / "usr/share/dictd").glob(f"{name}*.dict.dz")
    return tidy(gzip.decompress(dz.read_bytes()).decode("utf-8", errors="replace"))


def _text_of(source: Source) -> str:
    root = fetch(source.package)
    if source.name == "fortunes":
        folder = root / "usr/share/games/fortunes"
        cookies = [
            p.read_text(encoding="latin-1")
            for p in sorted(folder.iterdir())
            if p.is_file() and "." not in p.name
        ]
        return tidy("\n".join(cookies).replace("\n%\n", "\n\n"))
    if source.name in ("jargon", "devil"):
        return _dictd(root, source.name)
    if source.name == "debian-reference":
        return "".join(html_text(p) for p in sorted((root / "usr/share/debian-reference").glob("*.en.html")))
    if source.name == "python-guides":
        base = root / "usr/share/doc/python3.11/html/_sources"
        files = [p for d in ("tutorial", "howto", "faq") for p in sorted((base / d).glob("*.txt"))]
        return tidy("".join(_rst(p.read_text(encoding="utf-8")) for p in files))
    if source.name == "debian-docs":
        files = sorted((root / "usr/share/doc/debian").glob("*.txt.gz"))
        return tidy("".join(gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace") for p in files))
    if source.name == "handbook":
        folder = root / "usr/share/doc/debian-handbook/html/en-US"
        return "".join(html_text(p) for p in sorted(folder.glob("*.html")))
    raise KeyError(source.name)


def _rst(text: str) -> str:
    """reST with its directives, labels and markup of roles dropped; prose and code kept."""
    text = re.sub(r"^\.\. .*$", "", text, flags=re.M)
    text = re.sub(r":[a-z:]+:`~?([^`<]*?)(?: <[^>]*>)?`", r"\1", text)
    text = re.sub(r"^[=\-~^*#]{3,}$", "", text, flags=re.M)
    return text.replace("``", "")


def text(name: str) -> str:
    """A source's text by name (cached as a .txt); `nietzsche` is the book's corpus."""
    if name == "nietzsche":
        return NIETZSCHE.read_text(encoding="utf-8")
    out = CACHE / f"{name}.txt"
    if not out.exists():
        (source,) = [s for s in TRAIN + HELD_OUT if s.name == name]
        out.write_text(_text_of(source), encoding="utf-8")
    return out.read_text(encoding="utf-8")


def training_text(out: Path) -> Path:
    """The `english` base's training texts, one after another, in a file."""
    out.write_text("\n\n".join(text(s.name) for s in TRAIN), encoding="utf-8")
    return out


def main() -> None:
    for source in TRAIN + HELD_OUT:
        body = text(source.name)
        print(
            f"{source.name:18} {len(body):>10,} chars  {source.package} ({source.licence})", file=sys.stderr
        )


if __name__ == "__main__":
    main()
