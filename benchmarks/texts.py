"""Texts for the benchmarks beyond Nietzsche, none of them committed:

- `debian-reference`: the Debian Reference (English prose, ~0.7 MB), from Debian's
  `debian-reference-en` package, fetched with `apt-get download` and cached.
- `chinese`: Chinese made here from jieba's own dictionary: its words, drawn by part of speech
  and frequency, placed into sentence templates (no third-party prose).
- the catalog's `python-docs` (the standard library's docstrings) is always there.

    python -m benchmarks.texts debian-reference     # prints the cached file's path
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
    p.add_argument("text", choices=["debian-reference", "chinese"])
    p.add_argument("--chars", type=int, default=550_000)
    a = p.parse_args()
    print(debian_reference() if a.text == "debian-reference" else chinese_file(a.chars))


if __name__ == "__main__":
    main()
