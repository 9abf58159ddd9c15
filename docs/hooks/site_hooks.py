"""Build-time hooks of the documentation site (mkdocs.yml `hooks:`).

- A line `<!-- textgen-tui help COMMAND -->` in a page becomes that command's `--help`, formatted
  by the CLI's own parser at 100 columns, so the command-line page cannot drift from the code
  (`<!-- textgen-tui help -->` alone: the top-level help).
- The measurement notes in benchmarks/results/ (the tuning history, the soak...) are published
  beside the pages as plain text, `results/NAME.txt`: the site holds only what is under docs/.
  A page links to `../benchmarks/results/NAME.md` (a link that works when browsing the
  repository) and the site's copy of the page points at `results/NAME.txt` instead.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
HELP_WIDTH = "100"

HELP_MARKER = re.compile(r"^<!-- textgen-tui help ?([a-z]*) -->$", re.MULTILINE)
NOTE_LINK = re.compile(r"\]\(\.\./benchmarks/results/([\w-]+)\.md(#[\w-]+)?\)")


def on_files(files, config):
    for path in sorted(RESULTS.glob("*.md")):
        files.append(File.generated(config, f"results/{path.stem}.txt", abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = HELP_MARKER.sub(lambda m: f"```text\n{help_text(m.group(1))}```", markdown)
    return NOTE_LINK.sub(lambda m: f"](results/{m.group(1)}.txt)", markdown)


def help_text(command: str) -> str:
    """`textgen-tui [COMMAND] --help`, as the terminal shows it at 100 columns."""
    from textgen_tui.cli.main import build_parser

    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH  # argparse sizes its help from the terminal
    try:
        parser = build_parser()
        if command:
            parser = _subcommands(parser)[command]
        return parser.format_help()
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
