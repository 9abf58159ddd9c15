"""The app's overhead: one book-preset epoch on a slice of Nietzsche trained headless and
inside the app (driven by Textual's Pilot, the screen rendering throughout), and the time from
launching `textgen-tui` to its first painted screen.

    python -m benchmarks.app_overhead [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.time_to_quality import CORPUS

ROOT = Path(__file__).resolve().parents[1]

FIRST_PAINT = """
import sys
from textgen_tui.app.app import create_app
app = create_app(models_dir=sys.argv[1])
async def painted(pilot):
    print("PAINTED", flush=True)
    app.exit()
app.run(headless=True, auto_pilot=painted)
"""


def first_paint_seconds(models_dir: str, runs: int = 3) -> float:
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(
            [sys.executable, "-c", FIRST_PAINT, models_dir], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for line in p.stdout:
            if "PAINTED" in line:
                seconds = time.perf_counter() - t
                break
        p.wait(timeout=60)
        best = seconds if best is None else min(best, seconds)
    return best


def headless_epoch(text_path: Path, out: Path) -> float:
    from textgen_tui.core.config import preset
    from textgen_tui.core.text.corpus import load_corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    cfg = preset("book")
    cfg.train.epochs = 1
    Trainer(RunSpec.new(load_corpus(text_path), out, config=cfg)).run()
    return json.loads((out / "history.json").read_text())["seconds"][0]


async def app_epoch(text_path: Path, models: Path) -> float:
    from textual.widgets import Input, Select

    from textgen_tui.app.app import create_app

    app = create_app(models_dir=str(models))
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.tf_ready.is_set():
            await pilot.pause(0.1)
        app.action_show_pane("corpus")
        await pilot.pause()
        path = app.query_one("#corpus-path", Input)
        path.value = str(text_path)
        path.focus()
        await pilot.press("enter")
        while app.corpus is None:
            await pilot.pause(0.1)
        await pilot.press("f2")
        app.query_one("#preset", Select).value = "book"
        while app.train_pane.preset_name != "book":
            await pilot.pause(0.1)
        await pilot.pause()
        app.query_one("#field-epochs", Input).value = "1"
        await pilot.pause()
        out = Path(app.train_pane.out_dir)
        await pilot.press("f5")
        while not app.training:
            await pilot.pause(0.1)
        while app.training:
            await pilot.pause(0.1)
    out = out if out.is_absolute() else Path.cwd() / out
    return json.loads((out / "history.json").read_text())["seconds"][0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    chars = 20_000 if a.quick else 150_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        text_path = tmp / "slice.txt"
        text_path.write_text(CORPUS.read_text(encoding="utf-8")[:chars], encoding="utf-8")
        paint = first_paint_seconds(str(tmp / "empty-models"), runs=1 if a.quick else 3)
        from textgen_tui.core.nets.backend import import_keras

        import_keras()
        headless = headless_epoch(text_path, tmp / "headless")
        os.chdir(tmp)
        in_app = asyncio.run(app_epoch(text_path, tmp / "app-models"))
    print(
        json.dumps(
            {
                "headless_epoch_s": headless,
                "app_epoch_s": in_app,
                "ratio": headless / in_app,
                "first_paint_s": paint,
            }
        )
    )


if __name__ == "__main__":
    main()
