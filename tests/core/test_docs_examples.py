"""The Python examples of the documentation run, so they cannot drift from the code: every
```python block of the pages (each page's blocks in order, in one namespace, as a reader would
type them), and every example in the public API's docstrings that is not a block of a page."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest
from core_helpers import make_text

import textgen_tui.api as api

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^ *```python\n(.*?)^ *```", re.DOTALL | re.MULTILINE)
FASTER = {"minutes=1)": "minutes=0.05)"}
"""A run "for a minute" trains for three seconds here (the only change made to an example)."""
FILES = {"my-book.txt": make_text(30)}
"""The texts the examples train on, as a reader would have them."""


def blocks(text: str) -> list[str]:
    """The ```python blocks of a text, dedented."""
    out = []
    for match in BLOCK.finditer(text):
        lines = match.group(1).splitlines()
        indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
        out.append("\n".join(line[indent:] for line in lines) + "\n")
    return out


def faster(code: str) -> str:
    for slow, fast in FASTER.items():
        code = code.replace(slow, fast)
    return code


def run(code: str, name: str, namespace: dict) -> None:
    exec(compile(faster(code), name, "exec"), namespace)  # noqa: S102 - the documentation's own code


@pytest.fixture
def reader(tmp_path, monkeypatch) -> Path:
    """A fresh folder with the reader's texts, as the current folder."""
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_blocks_finds_fenced_python_and_dedents_it():
    text = "intro\n```python\nx = 1\n```\nand\n    ```python\n    y = 2\n    ```\n```text\nno\n```\n"
    assert blocks(text) == ["x = 1\n", "y = 2\n"]


@pytest.mark.parametrize(
    "page", [p for p in PAGES if blocks(p.read_text(encoding="utf-8"))], ids=lambda p: p.name
)
def test_the_python_blocks_of_a_page_run(page: Path, reader: Path, capsys):
    namespace: dict = {"__name__": "__docs__"}
    for i, code in enumerate(blocks(page.read_text(encoding="utf-8")), start=1):
        run(code, f"{page.name}, python block {i}", namespace)
    assert capsys.readouterr().out  # the examples print what they show


def _docstrings() -> list[tuple[str, str]]:
    """(qualified name, docstring) of every public name of the API and their public members."""
    found = []
    for name in api.__all__:
        obj = getattr(api, name)
        if inspect.ismodule(obj):
            continue
        found.append((name, inspect.getdoc(obj) or ""))
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if not member.startswith("_") and (callable(value) or isinstance(value, property)):
                    found.append((f"{name}.{member}", inspect.getdoc(value) or ""))
    return found


def _undocumented_fields(cls: type) -> list[str]:
    """The class's annotated fields with no docstring under them (what the reference shows)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    missing = []
    for node, after in zip(body, [*body[1:], None]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            documented = isinstance(after, ast.Expr) and isinstance(
                getattr(after, "value", None), ast.Constant
            )
            if not documented and not node.target.id.startswith("_"):
                missing.append(f"{cls.__name__}.{node.target.id}")
    return missing


def test_every_public_name_has_a_docstring():
    missing = [name for name, doc in _docstrings() if not doc.strip()]
    classes = [getattr(api, n) for n in api.__all__ if inspect.isclass(getattr(api, n))]
    missing += [field for cls in classes for field in _undocumented_fields(cls)]
    assert missing == []


def test_the_docstrings_examples_run(reader: Path, capsys):
    """In the order of `__all__`, in one namespace with `tg`; an example that is a block of the
    Python page already runs there (the training ones: each run costs seconds)."""
    page = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    namespace: dict = {"__name__": "__docs__", "tg": api}
    ran = 0
    for name, doc in sorted(_docstrings(), key=lambda item: item[0] != "load"):  # load first: the model
        for code in blocks(doc):
            if code.strip() in page:
                continue
            run(code, f"the docstring of {name}", namespace)
            ran += 1
    assert ran >= 3
