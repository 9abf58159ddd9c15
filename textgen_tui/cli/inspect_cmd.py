"""`textgen-tui inspect [DIR] FILE`: a text seen through a model, every token colored by its rank
(GLTR's four bands), as a terminal printout, a standalone HTML page or one JSON object."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
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
    from textgen_tui.cli.args import default_model_dir
    from textgen_tui.cli.inspect_render import print_rich, unknown_note, write_page
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.text.corpus import load_corpus

    folder = default_model_dir(args.model)
    info = read_info(folder)  # a bad folder fails before the text is read
    html_out = Path(args.html).expanduser() if args.html else None
    if html_out is not None and not html_out.parent.is_dir():
        raise TextgenError(f"cannot write {html_out}: {html_out.parent} is not a folder")
    corpus = load_corpus(args.file)  # missing, empty, binary: the corpus loader's one-line errors
    if corpus.replaced:
        _warn(f"warning: {corpus.replaced:,} undecodable bytes in {corpus.source} were replaced with U+FFFD")
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.inspect.surprise import surprise

    generator = GenerationService().generator(folder)
    lowercase = bool(info.config.data.lowercase)
    t0 = time.perf_counter()
    report = surprise(generator, corpus.text, lowercase=lowercase)
    if report.scored == 0:
        raise TextgenError(
            f"{args.file} is too short to inspect: the model knows fewer than two of its tokens"
        )
    cells = None
    if args.cells:
        from textgen_tui.core.inspect.cells import find_cells

        cells = find_cells(generator, corpus.text, lowercase=lowercase)
    seconds = time.perf_counter() - t0
    if html_out is not None:
        write_page(html_out, report, cells, model=info.name, source=corpus.source)
    if args.json:
        print(json.dumps(as_json(report, cells, folder, lowercase)))  # \u escapes: any terminal
    else:
        print_rich(report, cells, seconds)
    if report.unknown:
        _warn(f"note: {unknown_note(report)}")
    if html_out is not None:
        _warn(f"wrote {html_out}")
    return 0


def _warn(message: str) -> None:
    print(f"textgen-tui: {message}", file=sys.stderr, flush=True)


def _number(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, digits)


def as_json(report, cells, folder, lowercase: bool) -> dict:
    """The report as one JSON object: tokens (text, start, nats, rank, known), the summary, the
    unknown characters, and the cells when asked."""
    out = {
        "model": str(folder),
        "lowercased": lowercase,
        "tokens": [
            {"text": t.text, "start": t.start, "nats": _number(t.nats), "rank": t.rank, "known": t.known}
            for t in report.tokens
        ],
        "nats_per_token": _number(report.nats_per_token),
        "bits_per_char": _number(report.bits_per_char),
        "scored": report.scored,
        "unknown": report.unknown,
    }
    if cells is not None:
        out["cells"] = [
            {"feature": c.feature, "layer": c.layer, "unit": c.unit, "r": _number(c.r, 4)} for c in cells
        ]
    return out
