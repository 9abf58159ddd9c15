"""The README and the documentation pages against the code: the keys the app page lists are the keys
the app binds, the README stays short and keeps CI's test command, and no lab note leaks into
user-facing text. (The site's links and anchors are checked by `mkdocs build --strict` in CI.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
USER_FACING = [README, *sorted(DOCS.glob("*.md"))]

# Textual's key names → how the pages write them.
NAMED_KEYS = {
    "question_mark": "?",
    "comma": ",",
    "full_stop": ".",
    "left": "←",
    "right": "→",
    "escape": "Escape",
    "enter": "Enter",
    "delete": "Delete",
    "space": "space",
    "tab": "Tab",
}


def shown(key: str) -> str:
    """'ctrl+o' → 'Ctrl+O', 'f5' → 'F5', 'g' → 'g', 'question_mark' → '?'."""
    *mods, last = key.split("+")
    if last in NAMED_KEYS:
        name = NAMED_KEYS[last]
    elif re.fullmatch(r"f\d+", last):
        name = last.upper()
    else:
        name = last.upper() if mods else last
    return "+".join([*(m.capitalize() for m in mods), name])


def section(text: str, heading: str) -> str:
    """The text under a `## heading` (up to the next `## `)."""
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def bound_keys(cls) -> list[str]:
    keys: list[str] = []
    for binding in cls.BINDINGS:
        keys.extend(k.strip() for k in binding.key.split(","))
    return keys


def test_shown_writes_keys_as_the_pages_do():
    assert [shown(k) for k in ("ctrl+o", "f5", "g", "question_mark", "ctrl+enter", "delete")] == [
        "Ctrl+O",
        "F5",
        "g",
        "?",
        "Ctrl+Enter",
        "Delete",
    ]


def test_the_app_page_lists_every_key_the_app_binds():
    from textgen_tui.app.app import TextgenApp
    from textgen_tui.app.panes.corpus import CorpusPane
    from textgen_tui.app.panes.generate import GeneratePane
    from textgen_tui.app.panes.models import ModelsPane
    from textgen_tui.app.panes.train import TrainPane
    from textgen_tui.app.panes.write import WritePane
    from textgen_tui.app.screens.details import CompareModels, ModelDetails
    from textgen_tui.app.screens.dialogs import ConfirmDialog, HelpScreen, MessageDialog, QuitDialog
    from textgen_tui.app.widgets.write_area import CoWriteArea

    page = (DOCS / "app.md").read_text(encoding="utf-8")
    where = {
        "Keys everywhere": [TextgenApp],
        "Corpus": [CorpusPane],
        "Train": [TrainPane],
        "Generate": [GeneratePane],
        "Models": [ModelsPane, ModelDetails, CompareModels],
        "Write": [WritePane, CoWriteArea],
        "Dialogs": [ConfirmDialog, MessageDialog, HelpScreen],
        "Quitting while a model trains": [QuitDialog],
    }
    missing = [
        f"{cls.__name__}: {shown(key)} not under '## {heading}'"
        for heading, classes in where.items()
        for cls in classes
        for key in bound_keys(cls)
        if f"`{shown(key)}`" not in section(page, heading)
    ]
    assert not missing, "\n".join(missing)


def test_the_readme_is_short_and_keeps_the_test_command_ci_runs():
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert 'pip install -e ".[test,jax]" && python -m pytest -q' in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q" in ci and "mkdocs build --strict" in ci


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: p.name)
def test_no_issue_numbers_or_dated_notes_in_user_facing_text(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(issue|bug)s? #?\d+|#\d{1,4}\b", text, re.IGNORECASE)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "a dated note: keep it in benchmarks/results/"


def test_every_page_is_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r"^  - .+: (\S+\.md)$", config, re.MULTILINE))
    assert nav == {p.name for p in DOCS.glob("*.md")}
