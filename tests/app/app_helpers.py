"""Shared helpers for the app tests: a tiny corpus, fake model folders, polling with a timeout."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from textgen_tui.core.bundle import save_bundle
from textgen_tui.core.config import preset
from textgen_tui.core.tokenizers import fit_tokenizer

SENTENCES = (
    "the quick brown fox jumps over the lazy dog. ",
    "a stitch in time saves nine. ",
    "all that glitters is not gold. ",
    "the early bird catches the worm. ",
)
TINY_TEXT = "".join(SENTENCES * 40)  # about 5 KB

TINY_SETTINGS = {
    "maxlen": "20",
    "step": "3",
    "seq_len": "20",
    "units": "24",
    "layers": "1",
    "dropout": "0",
    "batch_size": "32",
    "learning_rate": "0.01",
    "epochs": "1",
    "temperatures": "0.2, 0.5, 1, 1.2",
    "length": "40",
}


async def wait_for(pilot, condition, timeout: float = 90.0, what: str = "condition") -> None:
    """Poll `condition()` every 0.1 s (the UI keeps running) until it holds or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.1)


def notifications(app, severity: str | None = None) -> list[str]:
    return [n.message for n in app._notifications if severity is None or n.severity == severity]


def fake_bundle(
    folder: Path, *, updated: float = 1_700_000_000.0, epochs: int = 3, best: float = 1.2345
) -> Path:
    """A model folder with real JSON files and a placeholder model.keras (enough for listing)."""
    cfg = preset("fast")
    tokenizer = fit_tokenizer("char", TINY_TEXT)
    state = {
        "epochs_done": epochs,
        "best_value": best,
        "best_epoch": epochs,
        "params": 12345,
        "seeds": ["the quick brown fox ", "a stitch in time "],
        "corpus": {"source": "tiny.txt", "characters": len(TINY_TEXT), "encoding": "utf-8"},
    }
    save_bundle(folder, config=cfg, tokenizer=tokenizer, state=state, history={}, samples=[])
    (folder / "model.keras").write_bytes(b"placeholder")
    data = json.loads((folder / "state.json").read_text())
    data["updated"] = data["created"] = updated
    (folder / "state.json").write_text(json.dumps(data))
    return folder


async def settle(pilot) -> None:
    await pilot.pause()
    await asyncio.sleep(0)
