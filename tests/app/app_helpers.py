"""Shared helpers for the app tests: a tiny corpus, fake model folders, polling with a timeout."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from textgen_tui.core.config import preset
from textgen_tui.core.text.tokenizers import fit_tokenizer

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
    "minutes": "",  # no time budget: the epochs field is used
    "epochs": "1",
    "temperatures": "0.2, 0.5, 1, 1.2",
    "length": "40",
}


MIN_WAIT = 60.0
"""The shortest wait: a condition that holds is seen at once, so a short timeout only ever fails a
test on a loaded machine (CI runs two test processes on two cores, beside other work)."""


async def wait_for(pilot, condition, timeout: float = 90.0, what: str = "condition") -> None:
    """Poll `condition()` every 0.1 s (the UI keeps running) until it holds or `timeout` passes
    (at least MIN_WAIT seconds)."""
    timeout = max(timeout, MIN_WAIT)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = "; ".join(n.message for n in pilot.app._notifications) or "none"
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what} (notifications: {shown})"
            )
        await pilot.pause(0.1)


class EventLog(list):
    """Every training event of the app's session, kept (a short run can start and end between
    two polls of `app.training` on a loaded machine: CI once missed a whole 2-epoch run)."""

    def __init__(self, app) -> None:
        super().__init__()
        app.session.add_listener(self.append)

    def has(self, kind) -> bool:
        return any(isinstance(e, kind) for e in self)

    def number(self, kind) -> int:
        return sum(isinstance(e, kind) for e in self)


def notifications(app, severity: str | None = None) -> list[str]:
    return [n.message for n in app._notifications if severity is None or n.severity == severity]


def fake_bundle(
    folder: Path, *, updated: float = 1_700_000_000.0, epochs: int = 3, best: float = 1.2345
) -> Path:
    """A model folder with real JSON files, a real manifest and a tiny untrained .keras file
    written without Keras (`tiny_keras_file`)."""
    from textgen_tui.core.store.folder import MARKER

    folder.mkdir(parents=True, exist_ok=True)
    cfg = preset("fast")
    tokenizer = fit_tokenizer("char", TINY_TEXT)
    model = tiny_keras_file(tokenizer.vocab_size)
    for name in ("best.keras", "last.keras"):
        (folder / name).write_bytes(model)
    (folder / "config.json").write_text(json.dumps(cfg.to_dict()))
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer.to_dict()))
    (folder / "history.json").write_text("{}")
    (folder / "samples.json").write_text("[]")
    state = {
        "kind": MARKER,
        "format": 2,
        "version": "test",
        "epochs_done": epochs,
        "best_value": best,
        "best_epoch": epochs,
        "params": 12345,
        "vocab_size": tokenizer.vocab_size,
        "seeds": ["the quick brown fox ", "a stitch in time "],
        "corpus": {"source": "tiny.txt", "characters": len(TINY_TEXT), "encoding": "utf-8"},
        "files": {n: {"epoch": epochs, "bytes": len(model)} for n in ("best.keras", "last.keras")},
        "updated": updated,
        "created": updated,
    }
    (folder / "state.json").write_text(json.dumps(state))
    return folder


def tiny_keras_file(vocab: int, units: int = 4) -> bytes:
    """A Keras 3 archive of an Embedding → GRU → Dense model with zero weights, made with zipfile
    and h5py (no TensorFlow): whole enough for the listing's checks and the numpy generator."""
    import io
    import zipfile

    import h5py
    import numpy as np

    rnn = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True}
    layers = [
        {"class_name": "Embedding", "config": {"name": "embedding", "input_dim": vocab, "output_dim": units}},
        {"class_name": "GRU", "config": {"name": "gru", "units": units, "reset_after": True, **rnn}},
        {"class_name": "Dense", "config": {"name": "dense", "units": vocab, "activation": "softmax"}},
    ]
    shapes = {
        "embedding/vars": [(vocab, units)],
        "gru/cell/vars": [(units, 3 * units), (units, 3 * units), (2, 3 * units)],
        "dense/vars": [(units, vocab), (vocab,)],
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5:
        h5.create_group("layers/gru/vars")
        for group, arrays in shapes.items():
            for i, shape in enumerate(arrays):
                h5[f"layers/{group}/{i}"] = np.zeros(shape, dtype="float32")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"layers": layers}}))
        z.writestr("model.weights.h5", weights.getvalue())
    return archive.getvalue()


async def settle(pilot) -> None:
    await pilot.pause()
    await asyncio.sleep(0)


async def type_into(pilot, selector: str, text: str) -> None:
    """Click a field, clear it with the keyboard, and type `text` key by key, as a user does."""
    await pilot.click(selector)
    await pilot.press("end", "shift+home", "backspace")
    for ch in text:
        await pilot.press(ch)


async def choose_model(app, pilot, name: str) -> None:
    """Models pane (F4), move to the model's row, `g`: the Generate pane opens with it."""
    await pilot.press("f4")
    table = app.query_one("#models-table")
    await wait_for(
        pilot,
        lambda: any(str(table.get_row_at(i)[0]) == name for i in range(table.row_count)),
        timeout=30,
        what=f"{name} in the Models pane",
    )
    row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]) == name)
    await pilot.press("home", *["down"] * row, "g")
    await wait_for(
        pilot, lambda: (app.generate_pane.model or "").endswith(name), timeout=10, what="the model"
    )


async def load_tiny_corpus(app, pilot, from_scratch: bool = True) -> None:
    """Corpus pane (F1): type tiny.txt, Enter, wait until it is loaded (TensorFlow first).
    `from_scratch`: a run starts from random weights, as the tests' tiny settings need (a small
    English text like tiny.txt makes the Train pane start from the bundled english base)."""
    await wait_for(pilot, app.tf_ready.is_set, what="TensorFlow")
    await pilot.press("f1")
    await type_into(pilot, "#corpus-path", "tiny.txt")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.corpus is not None, what="the corpus")
    if from_scratch:
        await wait_for(pilot, lambda: not app.models_pane.reading, what="the models home")
        await pilot.pause()
        app.train_pane.suggest_base(None)
        await pilot.pause()
        assert app.train_pane.start_from is None
