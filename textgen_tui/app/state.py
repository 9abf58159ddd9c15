"""What the app remembers between launches (the welcome shown, the pane the user left): a small
JSON file in the user's state folder ($TEXTGEN_TUI_STATE replaces the folder: tests use it)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

APP_NAME = "textgen-tui"


def state_file() -> Path:
    folder = os.environ.get("TEXTGEN_TUI_STATE")
    if folder:
        return Path(folder) / "app-state.json"
    import platformdirs

    return platformdirs.user_state_path(APP_NAME) / "app-state.json"


def load_state() -> dict:
    try:
        with open(state_file(), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_state(**changes) -> None:
    """Merge `changes` into the state file; a folder that cannot be written is not an error."""
    data = {**load_state(), **changes}
    path = state_file()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
