"""Path completion for Input widgets: the first existing entry that extends what was typed."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    """Suggest file and folder names (folders end with a separator); hidden entries only on '.'."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return suggest_path(value)


def suggest_path(value: str) -> str | None:
    if not value:
        return None
    expanded = os.path.expanduser(value)
    head, tail = os.path.split(expanded)
    folder = Path(head or ".")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if name.startswith(tail) and name != tail and (tail.startswith(".") or not name.startswith(".")):
            suffix = name[len(tail) :]
            if (folder / name).is_dir():
                suffix += os.sep
            return value + suffix
    if tail and tail in names and (folder / tail).is_dir() and not value.endswith(os.sep):
        return value + os.sep
    return None
