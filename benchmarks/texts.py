"""Texts for the benchmarks beyond Nietzsche, none of them committed:

- `debian-reference`: the Debian Reference (English prose, ~0.7 MB), from Debian's
  `debian-reference-en` package, fetched with `apt-get download` and cached.
- `debian-handbook` and `debian-handbook-zh`: The Debian Administrator's Handbook, its
  paragraphs in English (~1 MB) and in its Chinese translation (the paragraphs in Chinese, ~0.3 M
  characters), from Debian's `debian-handbook` package (HTML), fetched the same way. Prose: the
  Debian Reference is 12 % ruled table lines, which a word model at T=0.5 draws without end.
- `chinese`: Chinese made here from jieba's own dictionary: its words, drawn by part of speech
  and frequency, placed into sentence templates (no third-party prose).
- the catalog's `python-docs` (the standard library's docstrings) is always there.

    python -m benchmarks.texts debian-reference     # prints the cached file's path
    python -m benchmarks.texts debian-handbook-zh
    python -m benchmarks.texts chinese --chars 550000
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "textgen-tui" / "texts"


def debian_reference() -> Path:
    """The Debian Reference as plain text (cached after the first fetch)."""
    out = CACHE / "debian-reference.txt"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["apt-get", "download", "debian-reference-en"], cwd=tmp, check=True, capture_output=True
        )
        deb = next(Path(tmp).glob("debian-reference-en_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), f"{tmp}/x"], check=True)
        gz = next(Path(f"{tmp}/x").rglob("debian-reference.en.txt.gz"))
        with gzip.open(gz, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return out


_HAN = re.compile(r"[\u4e00-\u9fff]")


class _Paragraphs(HTMLParser):
    """The text of a Publican (DocBook) page's paragraphs, `<div class="para">`, without the
    code blocks (`<pre>`), tables and navigation around them."""

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self._open: list[str] | None = None
        self._depth = 0  # divs open inside the paragraph
        self._pre = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "pre":
            self._pre += 1
        if tag != "div":
            return
        if self._open is not None:
            self._depth += 1
        elif ("class", "para") in attrs:
            self._open, self._depth = [], 0

    def handle_endtag(self, tag) -> None:
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag != "div" or self._open is None:
            return
        if self._depth:
            self._depth -= 1
            return
        text = re.sub(r"\s+", " ", "".join(self._open)).strip()
        if text:
            self.paragraphs.append(text)
        self._open = None

    def handle_data(self, data) -> None:
        if self._open is not None and not self._pre:
            self._open.append(data)


def debian_handbook(lang: str = "en-US") -> Path:
    """The Debian Administrator's Handbook's paragraphs in `lang` (cached after the first fetch)."""
    out = CACHE / f"debian-handbook-{lang}.txt"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", "debian-handbook"], cwd=tmp, check=True, capture_output=True)
        deb = next(Path(tmp).glob("debian-handbook_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), f"{tmp}/x"], check=True)
        pages = sorted(next(Path(f"{tmp}/x").rglob(f"html/{lang}")).glob("*.html"))
        paragraphs: list[str] = []
        for page in pages:
            parser = _Paragraphs()
            parser.feed(page.read_text(encoding="utf-8"))
            paragraphs += parser.paragraphs
    if lang.startswith("zh"):  # the translation's own paragraphs, not those left in English
        paragraphs = [p for p in paragraphs if len(_HAN.findall(p)) >= 0.25 * len(p)]
    out.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return out


# -- Chinese from jieba's dictionary ---------------------------------------------------------
TEMPLATES = (
    "{nr}{d}{v}{n}。",
    "{t}，{nr}在{ns}{v}了{m}{n}。",
    "{a}的{n}{v}{n}，{c}{n}{d}{a}。",
    "{r}{v}{n}，{d}{v}{a}的{n}。",
    "{ns}的{n}{d}{a}，{r}{v}{n}。",
    "{nr}说：“{r}{d}{v}{n}。”",
    "{n}{v}{n}吗？",
    "{t}{r}{v}{ns}，{v}{a}的{n}！",
    "{c}{n}{v}，{n}{d}{v}；{r}{v}{n}。",
    "{m}{n}、{m}{n}和{n}{d}{a}。",
)
POS = ("n", "nr", "ns", "v", "a", "d", "t", "m", "r", "c")


def chinese_text(chars: int = 550_000, seed: int = 7) -> str:
    """About `chars` characters of Chinese sentences: dictionary words by part of speech,
    weighted by their frequency (the 3,000 most frequent of each), in the templates above."""
    import jieba

    words: dict[str, list[tuple[str, int]]] = {p: [] for p in POS}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] in words and all("\u4e00" <= ch <= "\u9fff" for ch in parts[0]):
                words[parts[2]].append((parts[0], int(parts[1])))
    pools = {}
    for p, items in words.items():
        top = sorted(items, key=lambda wc: -wc[1])[:3000]
        pools[p] = ([w for w, _ in top], [c for _, c in top])
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < chars:
        template = rng.choice(TEMPLATES)  # every slot its own word, even two of one kind
        sentence = re.sub(r"\{(\w+)\}", lambda m: rng.choices(*pools[m.group(1)])[0], template)
        out.append(sentence)
        size += len(sentence)
        if rng.random() < 0.15:
            out.append("\n")
            size += 1
    return "".join(out)


def chinese_file(chars: int = 550_000) -> Path:
    out = CACHE / f"chinese-{chars}.txt"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        out.write_text(chinese_text(chars), encoding="utf-8")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", choices=["debian-reference", "debian-handbook", "debian-handbook-zh", "chinese"])
    p.add_argument("--chars", type=int, default=550_000, help="chinese: its length")
    a = p.parse_args()
    if a.text == "debian-reference":
        print(debian_reference())
    elif a.text.startswith("debian-handbook"):
        print(debian_handbook("zh-CN" if a.text.endswith("-zh") else "en-US"))
    else:
        print(chinese_file(a.chars))


if __name__ == "__main__":
    main()
