"""`textgen-tui inspect [DIR] FILE`: a text seen through a model, every token colored by its rank
(GLTR's four bands), as a terminal printout, a standalone HTML page or one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from textgen_tui.core.errors import TextgenError


def add_parser(sub) -> None:
    """The `inspect` subcommand (called by cli/main.py's build_parser)."""
    i = sub.add_parser(
        "inspect",
        help="a text seen through a model: each token's surprise, and the cells that track the text",
        description="Color each token of FILE by its rank under the model (GLTR's bands: top 1, top "
        "10, top 100, beyond) and report nats per token and bits per character. The model reads the "
        "whole text in one pass carrying its state from the start, window (book) models too, as "
        "generation does.",
    )
    from textgen_tui.cli.args import MODEL_HELP

    i.add_argument("model", nargs="?", help=f"{MODEL_HELP} (default: the bundled Nietzsche model)")
    i.add_argument("file", help="the text file to inspect")
    i.add_argument("--json", action="store_true", help="print one JSON object instead of colored text")
    i.add_argument("--html", metavar="OUT", help="also write the colored text as a standalone HTML page")
    i.add_argument(
        "--cells",
        action="store_true",
        help="also find the units that track position in line/word, quotes and parentheses",
    )


def inspect(args: argparse.Namespace) -> int:
    """`Model.inspect` (the Python API's) on a file, printed, written as a page or as JSON."""
    from textgen_tui.api.model import load
    from textgen_tui.cli.inspect_render import print_rich, unknown_note, write_page
    from textgen_tui.core.text.corpus import load_corpus

    model = load(args.model)  # a bad folder fails before the text is read
    html_out = Path(args.html).expanduser() if args.html else None
    if html_out is not None and not html_out.parent.is_dir():
        raise TextgenError(f"cannot write {html_out}: {html_out.parent} is not a folder")
    corpus = load_corpus(args.file)  # missing, empty, binary: the corpus loader's one-line errors
    if corpus.replaced:
        _warn(f"warning: {corpus.replaced:,} undecodable bytes in {corpus.source} were replaced with U+FFFD")
    seen = model.inspect(corpus.text, cells=args.cells)
    if html_out is not None:
        write_page(html_out, seen, seen.cells, model=model.name, source=corpus.source)
    if args.json:
        print(json.dumps(seen.to_dict()))  # \u escapes: any terminal
    else:
        print_rich(seen, seen.cells, seen.seconds)
    if seen.unknown:
        _warn(f"note: {unknown_note(seen)}")
    if html_out is not None:
        _warn(f"wrote {html_out}")
    return 0


def _warn(message: str) -> None:
    print(f"textgen-tui: {message}", file=sys.stderr, flush=True)
