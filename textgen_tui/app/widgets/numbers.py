"""The one parser of the numbers typed into the panes' fields (Train's form, Generate, Write)."""

from __future__ import annotations

import math

from textgen_tui.core.errors import TextgenError


def parse_number(
    text: str,
    name: str,
    *,
    kind: type = float,
    lo: float = -math.inf,
    hi: float = math.inf,
    lo_open: bool = False,
    error: type[TextgenError] = TextgenError,
    blank=...,
):
    """`text` as an int or a float in [lo, hi] ((lo, hi] with `lo_open`), else `error` naming the
    field. A blank field gives `blank` when one is passed, else it is an error like any other."""
    text = text.strip()
    if not text and blank is not ...:
        return blank
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise error(f"{name} must be {what} (got {text!r})") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise error(f"{name} must be a finite number (got {text!r})")
    low_ok = value > lo if lo_open else value >= lo
    if low_ok and value <= hi:
        return value
    if hi == math.inf:
        bound = f"more than {lo:g}" if lo_open else f"at least {lo:g}"
    elif lo == -math.inf:
        bound = f"at most {hi:g}"
    else:
        bound = f"in ({lo:g}, {hi:g}]" if lo_open else f"between {lo:g} and {hi:g}"
    raise error(f"{name} must be {bound} (got {value:g})")
