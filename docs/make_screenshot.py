"""Regenerate the README's pictures of the app (SVG, drawn by Textual itself):

- docs/generate.svg: 100×32, the bundled model writing at 4 temperatures;
- docs/train-chart.svg: 120×36, the Train pane's loss chart while a small model trains on a text
  this script writes (the standard library's docstrings, from the catalog: nothing third-party);
- docs/details.svg: 120×36, that model's details in the Models pane.

python docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from textgen_tui.app.app import create_app

HERE = Path(__file__).resolve().parent


async def generate_picture(tmp: str) -> None:
    app = create_app(models_dir=tmp, demo=True, generation_rate=0)
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(600):  # up to 60 s: TensorFlow, the model, then the generation
            await pilot.pause(0.1)
            pane = app.generate_pane
            if pane.texts and all(len(t) >= 200 for t in pane.texts) and not app._demo_pending:
                break
        await pilot.pause(1.0)
        app.clear_notifications()
        app.query_one("#gen-output-scroll").scroll_home(animate=False)  # start at temperature 0.2
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / "generate.svg"))


async def type_into(pilot, selector: str, text: str) -> None:
    await pilot.click(selector)
    await pilot.press("end", "shift+home", "backspace", *text)


async def train_pictures(tmp: str) -> None:
    os.chdir(tmp)
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 36)) as pilot:
        while not app.tf_ready.is_set():
            await pilot.pause(0.1)
        await pilot.press("f1")
        await type_into(pilot, "#corpus-path", "python-docs")
        await pilot.press("enter")
        while app.corpus is None:
            await pilot.pause(0.1)
        await pilot.press("f2")
        await pilot.pause(0.5)
        for name, value in (("units", "64"), ("epochs", "8"), ("steps_per_epoch", "40"), ("length", "200")):
            if app.query(f"#field-{name}"):
                await type_into(pilot, f"#field-{name}", value)
        await pilot.press("f5")
        while not app.training:
            await pilot.pause(0.1)
        while app.training and app.session.trainer is not None and app.session.trainer.position[0] < 6:
            await pilot.pause(0.2)
        await pilot.pause(1.0)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot(str(HERE / "train-chart.svg"))
        while app.training:
            await pilot.pause(0.2)
        app.clear_notifications()
        await pilot.press("f4")
        await pilot.pause(0.5)
        await pilot.press("home", "i")
        await pilot.pause(1.0)
        app.save_screenshot(str(HERE / "details.svg"))


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await generate_picture(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        await train_pictures(tmp)


if __name__ == "__main__":
    asyncio.run(main())
