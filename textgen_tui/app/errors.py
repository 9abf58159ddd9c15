"""How the app words a failure: one text for a worker's error, whichever pane ran it."""

from __future__ import annotations

from textgen_tui.core.errors import TextgenError


def error_text(error: BaseException | None) -> str:
    """A TextgenError's own message (it is written for the user); anything else with its type,
    since its message alone ("list index out of range") says nothing to the user."""
    if isinstance(error, TextgenError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def failure_title(description: str) -> str:
    """A failed worker's toast title: "Loading the corpus failed" (its description alone read as
    if it were still loading)."""
    return f"{description.capitalize()} failed"
