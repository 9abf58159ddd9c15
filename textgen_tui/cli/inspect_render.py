"""What `inspect` shows: the text colored by rank in the terminal (Rich, with a legend) or as one
standalone HTML page (inline CSS, no scripts), each token a span whose title gives its rank and
probability."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from textgen_tui.core.errors import TextgenError
from textgen_tui.core.inspect.surprise import BAND_NAMES, band_of
from textgen_tui.core.store.journal import atomic_file

BAND_COLORS = ("#adff80", "#ffea80", "#ff9280", "#e5b0ff")
"""GLTR's own colors: green top 1, yellow top 10, red top 100, purple beyond."""
BAND_STYLES = ("black on green", "black on yellow", "black on red", "black on magenta")
"""The same in the terminal's own colors: GLTR's hex colors fall to two shades of yellow on a
16-color terminal."""
UNKNOWN_STYLE = "bold white on blue"


def unknown_note(report) -> str:
    count = sum(1 for t in report.tokens if not t.known)
    shown = ", ".join(report.unknown[:8]) + (", …" if len(report.unknown) > 8 else "")
    return f"{count} character(s) the model does not know, shown but not scored: {shown}"


def summary(report) -> str:
    return (
        f"{report.nats_per_token:.4f} nats per token, {report.bits_per_char:.4f} bits per character "
        f"({report.scored:,} tokens scored)"
    )


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
pre { font-family: ui-monospace, monospace; white-space: pre-wrap; line-height: 1.5; }
.legend span { padding: 0 .4em; margin-right: .4em; }
.u { background: #1565c0; color: #fff; }
table { border-collapse: collapse; } td, th { padding: .1em .8em; text-align: left; }
""" + "".join(f".b{i} {{ background: {c}; }}\n" for i, c in enumerate(BAND_COLORS))


def token_title(t) -> str:
    if not t.known:
        return "not in the model's vocabulary: not scored"
    if t.rank is None:
        return "the first token: nothing before it to predict it"
    return f"rank {t.rank}, p={math.exp(-t.nats):.3g}"


def page(report, cells, *, model: str, source: str) -> str:
    spans = []
    for t in report.tokens:
        band = band_of(t.rank)
        cls = "u" if not t.known else "" if band is None else f"b{band}"
        attr = f' class="{cls}"' if cls else ""
        spans.append(f'<span{attr} title="{escape(token_title(t))}">{escape(t.text)}</span>')
    legend = "".join(f'<span class="b{i}">{name}</span>' for i, name in enumerate(BAND_NAMES))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(source)} through {escape(model)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(Path(source).name)} <small>through {escape(model)}</small></h1>",
        f"<p>{escape(summary(report))}</p>",
        f'<p class="legend">rank: {legend}<span class="u">not in the vocabulary</span></p>',
    ]
    if report.unknown:
        parts.append(f"<p>{escape(unknown_note(report))}</p>")
    parts.append(f"<pre>{''.join(spans)}</pre>")
    if cells:
        rows = "".join(
            f"<tr><td>{c.feature}</td><td>{c.layer}</td><td>{c.unit}</td><td>{c.r:+.2f}</td></tr>"
            for c in cells
        )
        parts.append(
            "<h2>Cells</h2><p>Pearson r of a unit's activation with a feature of the text.</p>"
            f"<table><tr><th>feature</th><th>layer</th><th>unit</th><th>r</th></tr>{rows}</table>"
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_page(path: Path, report, cells, *, model: str, source: str) -> None:
    """Written beside `path` and moved into place: never half a page."""
    content = page(report, cells, model=model, source=source)
    try:
        atomic_file(path, lambda tmp: tmp.write_text(content, encoding="utf-8"))
    except OSError as exc:
        raise TextgenError(f"cannot write {path}: {exc.strerror or exc}") from None


def print_rich(report, cells, seconds: float, console=None) -> None:
    """The text colored by rank, the legend, the summary and the cells (`console`: docs' picture).

    In a terminal (or a recording) the text wraps at word boundaries; into a pipe or a file it is
    written as it is, its own line breaks only."""
    from rich.console import Console
    from rich.text import Text

    console = console or Console(highlight=False)
    text = Text()
    for t in report.tokens:
        band = band_of(t.rank)
        style = UNKNOWN_STYLE if not t.known else "" if band is None else BAND_STYLES[band]
        text.append(t.text, style=style)
    console.print(text, soft_wrap=not (console.is_terminal or console.record))
    legend = Text("rank: ")
    for name, style in zip(BAND_NAMES, BAND_STYLES):
        legend.append(f" {name} ", style=style)
        legend.append(" ")
    legend.append(" not in the vocabulary ", style=UNKNOWN_STYLE)
    console.print(legend)
    took = f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
    console.print(f"{summary(report)}; {took}")
    if cells:
        console.print("cells (Pearson r of a unit's activation with a feature of the text):")
        for c in cells:
            console.print(f"  {c.feature:<20} layer {c.layer} unit {c.unit:<4} r = {c.r:+.2f}")
