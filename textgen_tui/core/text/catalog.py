"""The corpus catalog: named corpora besides the user's own files.

- `nietzsche`: the book's corpus, downloaded once into Keras's cache (where the book's
  `keras.utils.get_file` puts it). Offline it fails within seconds (a short connection probe first).
- `python-docs`: docstrings of the Python standard library on this machine: always there offline,
  and no third-party text ships with the project.
- `python-code`: source code of a selection of standard-library modules.
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import sysconfig
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from textgen_tui.core.errors import CorpusError
from textgen_tui.core.text.corpus import Corpus, corpus_from_text, load_corpus

NIETZSCHE_URL = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"
PROBE_TIMEOUT = 3.0
DOWNLOAD_TIMEOUT = 20.0
PYTHON_DOCS_LIMIT = 1_500_000  # characters
PYTHON_CODE_MODULES = (
    "argparse", "collections/__init__", "dataclasses", "difflib", "fractions", "functools",
    "heapq", "inspect", "json/decoder", "json/encoder", "pathlib", "pprint", "random",
    "shutil", "statistics", "string", "textwrap", "threading", "typing",
)  # fmt: skip


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    title: str
    description: str
    offline: bool


CATALOG = {
    "nietzsche": CatalogEntry(
        "nietzsche",
        "Nietzsche (the book's corpus)",
        "600 KB of Nietzsche in English translation, downloaded once and cached under ~/.keras/datasets.",
        offline=False,
    ),
    "python-docs": CatalogEntry(
        "python-docs",
        "Python standard-library docstrings",
        "Docstrings of this Python's standard library (about 800 KB): always available offline.",
        offline=True,
    ),
    "python-code": CatalogEntry(
        "python-code",
        "Python standard-library source",
        "The source of a few standard-library modules (about 950 KB of Python code): offline.",
        offline=True,
    ),
}


def nietzsche_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "nietzsche.txt"


def load_nietzsche(lowercase: bool = False) -> Corpus:
    cached = nietzsche_cache()
    if not cached.exists():
        _probe(NIETZSCHE_URL)
        try:
            _download(NIETZSCHE_URL, cached)
        except (OSError, ValueError) as exc:
            raise CorpusError(
                f"could not download the nietzsche corpus ({exc}); {_offline_choices()}"
            ) from None
    corpus = load_corpus(cached, lowercase)
    corpus.source = "nietzsche"
    return corpus


def _download(url: str, dest: Path) -> None:
    """`url` into `dest`, whole or not at all (a partial file would pass for the corpus)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, open(part, "wb") as out:
        shutil.copyfileobj(response, out)
    os.replace(part, dest)


def _offline_choices() -> str:
    offline = ", ".join(e.name for e in CATALOG.values() if e.offline)
    return f"offline you can use {offline}, or any text file or folder of your own"


def _probe(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        socket.create_connection((host, 443), timeout=PROBE_TIMEOUT).close()
    except OSError:
        raise CorpusError(
            f"cannot reach {host} to download the nietzsche corpus; {_offline_choices()}"
        ) from None


def _stdlib() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def python_docs_text(limit: int = PYTHON_DOCS_LIMIT) -> str:
    """Docstrings of the standard library, in a fixed order, up to `limit` characters."""
    parts: list[str] = []
    size = 0
    for path in sorted(_stdlib().glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef)))]
        for node in nodes:
            doc = ast.get_docstring(node)
            if doc and len(doc) > 80:
                parts.append(doc.strip())
                size += len(doc) + 2
                if size >= limit:
                    return "\n\n".join(parts) + "\n"
    return "\n\n".join(parts) + "\n"


def python_code_text() -> str:
    parts = []
    for name in PYTHON_CODE_MODULES:
        path = _stdlib() / f"{name}.py"
        if path.exists():
            parts.append(path.read_text(encoding="utf-8"))
    return "\n\n".join(parts)


def load_catalog(name: str, lowercase: bool = False) -> Corpus:
    if name == "nietzsche":
        return load_nietzsche(lowercase)
    if name == "python-docs":
        return corpus_from_text(python_docs_text(), "python-docs", lowercase)
    if name == "python-code":
        return corpus_from_text(python_code_text(), "python-code", lowercase)
    raise CorpusError(f"{name!r} is not in the catalog ({', '.join(CATALOG)})")


def resolve_corpus(spec: str, lowercase: bool = False) -> Corpus:
    """A path to a file or folder, else a catalog name."""
    path = Path(spec).expanduser()
    if path.exists() or spec not in CATALOG:
        if not path.exists() and os.sep not in spec and "." not in spec:
            raise CorpusError(
                f"{spec!r} is neither a file, a folder nor a catalog name ({', '.join(CATALOG)})"
            )
        return load_corpus(path, lowercase)
    return load_catalog(spec, lowercase)
