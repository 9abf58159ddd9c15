"""What the Write pane draws over its text: tokens colored by their GLTR band (surprise) or by one
recurrent unit's activation (cells), the legends, and token spellings a user can read."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from rich.color import Color
from rich.style import Style
from textual.content import Content

from textgen_tui.app.widgets.write_area import Overlay
from textgen_tui.core.inspect.surprise import BAND_NAMES, SurpriseReport, band_of

# GLTR's own colors (Gehrmann, Strobelt & Rush, 2019): green, yellow, red, violet; dark text on them.
BAND_COLORS = ("#ADFF80", "#FFEA80", "#FF9280", "#E5B0FF")
BAND_STYLES = tuple(Style(color="black", bgcolor=c) for c in BAND_COLORS)
UNKNOWN_STYLE = Style(color="#ff5f5f", underline=True)
"""A character the model does not know (it was not fed to the net)."""

# A cell's activation: blue below zero, red above (Karpathy, Johnson & Fei-Fei, 2015), in steps.
_NEGATIVE, _POSITIVE, _BASE = (Color.parse(c).triplet for c in ("#4a7dff", "#ff4a3d", "#202020"))
LEVELS = 8


def _blend(target, amount: float) -> str:
    r, g, b = (round(base + (t - base) * amount) for base, t in zip(_BASE, target))
    return f"#{r:02x}{g:02x}{b:02x}"


CELL_STYLES = {
    (sign, level): Style(color="white", bgcolor=_blend(_POSITIVE if sign > 0 else _NEGATIVE, level / LEVELS))
    for sign in (-1, 1)
    for level in range(1, LEVELS + 1)
}


def cell_style(value: float) -> Style | None:
    """The style of an activation in [-1, 1] (None near zero: the text stays as it is)."""
    level = min(LEVELS, round(abs(value) * LEVELS))
    return CELL_STYLES[(1 if value > 0 else -1, level)] if level else None


def readable(token: str) -> str:
    """A token as a table shows it: spaces, newlines and tabs made visible."""
    return token.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥") or "∅"


def line_starts(text: str, newline: str = "\n") -> list[int]:
    """The offset of each line's first character (lines as the editor splits them)."""
    starts = [0]
    at = text.find(newline)
    while at >= 0:
        starts.append(at + len(newline))
        at = text.find(newline, at + len(newline))
    return starts


def overlay_of(spans: Iterable[tuple[int, int, Style | None]], text: str, newline: str = "\n") -> Overlay:
    """Styled character ranges (start, end offsets in `text`) as the editor's per-row spans; a
    range that crosses lines is cut at each newline."""
    starts = line_starts(text, newline)
    overlay: Overlay = {}
    for start, end, style in spans:
        if style is None or end <= start:
            continue
        row = bisect.bisect_right(starts, start) - 1
        while start < end and row < len(starts):
            line_end = starts[row + 1] - len(newline) if row + 1 < len(starts) else len(text)
            stop = min(end, line_end)
            if stop > start:
                overlay.setdefault(row, []).append((start - starts[row], stop - starts[row], style))
            row += 1
            start = starts[row] if row < len(starts) else end
    return overlay


def surprise_overlay(report: SurpriseReport, text: str, newline: str = "\n") -> Overlay:
    """Each token colored by its rank's band; unknown characters underlined in red."""

    def spans():
        for tok in report.tokens:
            band = band_of(tok.rank)
            style = UNKNOWN_STYLE if not tok.known else (BAND_STYLES[band] if band is not None else None)
            yield tok.start, tok.start + len(tok.text), style

    return overlay_of(spans(), text, newline)


NATS_TOP = 8.0
"""−ln p at which the scale is fully violet (p ≈ 0.03%)."""
_CALM, _STARTLED = (Color.parse(c).triplet for c in ("#ADFF80", "#E5B0FF"))


def _mix(a, b, amount: float) -> str:
    r, g, bl = (round(x + (y - x) * amount) for x, y in zip(a, b))
    return f"#{r:02x}{g:02x}{bl:02x}"


NATS_STYLES = [Style(color="black", bgcolor=_mix(_CALM, _STARTLED, k / LEVELS)) for k in range(LEVELS + 1)]


def nats_overlay(report: SurpriseReport, text: str, newline: str = "\n") -> Overlay:
    """Each token colored by −ln p on a scale from GLTR's green (0) to its violet (NATS_TOP and
    more); unknown characters underlined in red."""

    def spans():
        for tok in report.tokens:
            if not tok.known:
                style = UNKNOWN_STYLE
            elif tok.nats is None:
                style = None
            else:
                style = NATS_STYLES[min(LEVELS, round(tok.nats / NATS_TOP * LEVELS))]
            yield tok.start, tok.start + len(tok.text), style

    return overlay_of(spans(), text, newline)


def nats_legend() -> Content:
    """The −ln p scale, from 0 to NATS_TOP nats."""
    steps = [Content.styled("  ", f"on {NATS_STYLES[k].bgcolor.name}") for k in range(0, LEVELS + 1, 2)]
    return Content.assemble("0 ", Content("").join(steps), f" {NATS_TOP:g}+ nats")


def cells_overlay(
    starts: Sequence[int], ends: Sequence[int], values: Sequence[float], text: str, newline: str = "\n"
) -> Overlay:
    """Each token colored by the unit's activation after reading it."""
    return overlay_of(((s, e, cell_style(float(v))) for s, e, v in zip(starts, ends, values)), text, newline)


def band_legend() -> Content:
    """The four bands, each in its color, two to a line: 'top 1  top 10' / 'top 100  beyond'."""
    items = [Content.styled(f" {name} ", f"black on {color}") for name, color in zip(BAND_NAMES, BAND_COLORS)]
    return Content("\n").join([Content(" ").join(items[:2]), Content(" ").join(items[2:])])


def cell_legend() -> Content:
    """The activation scale: −1 blue, 0, +1 red."""
    low, high = (_blend(c, 1.0) for c in (_NEGATIVE, _POSITIVE))
    return Content(" ").join(
        [
            Content.styled(" −1 ", f"white on {low}"),
            Content(" 0 "),
            Content.styled(" +1 ", f"white on {high}"),
        ]
    )
