"""The book's printout as Textual Content: the seed highlighted, each temperature in its colour.

Colours are theme variables, so the printout reads well in light and dark themes.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

TEMPERATURE_STYLES = ("$primary", "$success", "$warning", "$error", "$secondary", "$accent")
SEED_STYLE = "bold $foreground on $accent-muted"


def temperature_style(index: int) -> str:
    return TEMPERATURE_STYLES[index % len(TEMPERATURE_STYLES)]


def printout(
    seed: str,
    temperatures: Sequence[float],
    texts: Sequence[str],
    title: str = "",
) -> Content:
    """`title`, then for each temperature: a label line and the seed followed by its continuation."""
    parts: list[Content] = []
    if title:
        parts.append(Content.from_markup("[b]$title[/b]\n", title=title))
    for i, temp in enumerate(temperatures):
        parts.append(temperature_block(seed, temp, i, texts[i] if i < len(texts) else ""))
        parts.append(Content("\n"))
    return Content("").join(parts) if parts else Content("")


def temperature_block(seed: str, temp: float, index: int, text: str, label: bool = True) -> Content:
    """One temperature: its label line (unless `label` is False: it is named elsewhere), then the
    seed followed by the continuation."""
    style = temperature_style(index)
    head = [Content.from_markup(f"[{style} b]── temperature $t[/]\n", t=f"{temp:g}")] if label else []
    return Content("").join([*head, Content.styled(seed, SEED_STYLE), Content.styled(text, style)])
