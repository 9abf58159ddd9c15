"""Regenerate the README's pictures of the app (SVG, drawn by Textual itself):

- docs/generate.svg: 100×32, the bundled model writing at 4 temperatures;
- docs/train-chart.svg: 120×36, the Train pane's loss chart while a small model trains on a text
  this script writes (the standard library's docstrings, from the catalog: nothing third-party);
- docs/details.svg: 120×36, that model's details in the Models pane;
- docs/write.svg and docs/write-surprise.svg: 110×30, the Write pane with the bundled model's
  ideas after a phrase, then the same pane coloring a passage by surprise (the cursor on a word);
- docs/inspect.svg: `textgen-tui inspect` on a passage, as the terminal shows it.

python docs/make_screenshot.py
python docs/make_screenshot.py --write-only     # the Write pane's and inspect's pictures
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
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


PHRASE = "The philosopher of the future will be "
PASSAGE = (
    "What is the will to power? It is the feeling that power increases,\n"
    'that a resistance is overcome. "Not contentment", he said (not peace).\n'
)


async def write_pictures(tmp: str) -> None:
    from textgen_tui.app.panes.write import WritePane

    app = create_app(models_dir=tmp)
    async with app.run_test(size=(110, 30)) as pilot:
        while not app.tf_ready.is_set():  # the title says which backend, not "loading…"
            await pilot.pause(0.1)
        await pilot.press("f8")
        pane = app.query_one(WritePane)
        while not pane.area.has_focus:
            await pilot.pause(0.1)
        pane.rng_seed = 3
        await pilot.press(*PHRASE)
        for _ in range(300):
            await pilot.pause(0.1)
            if pane.area.ghost:
                break
        await pilot.press("ctrl+n")
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / "write.svg"))
        pane.area.text = PASSAGE
        await pilot.press("ctrl+g")
        for _ in range(300):
            await pilot.pause(0.1)
            if pane._report is not None and pane.area.overlay:
                break
        await pilot.press("up", "up", "home", *["right"] * 13)
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / "write-surprise.svg"))


def inspect_picture() -> None:
    from rich.console import Console

    from textgen_tui.cli.inspect_render import print_rich
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.inspect.surprise import surprise
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.store.paths import bundled_model

    generator = GenerationService().generator(bundled_model())
    lowercase = bool(read_info(bundled_model()).config.data.lowercase)
    t0 = time.perf_counter()
    report = surprise(generator, PASSAGE, lowercase=lowercase)
    seconds = time.perf_counter() - t0
    console = Console(record=True, width=100, highlight=False, soft_wrap=True, file=open(os.devnull, "w"))
    console.print("$ textgen-tui inspect passage.txt", style="bold")
    print_rich(report, None, seconds, console=console)
    console.save_svg(str(HERE / "inspect.svg"), title="textgen-tui inspect")


async def main() -> None:
    inspect_picture()
    with tempfile.TemporaryDirectory() as tmp:
        await write_pictures(tmp)
    if "--write-only" in sys.argv:  # the Write pane's and inspect's pictures only
        return
    with tempfile.TemporaryDirectory() as tmp:
        await generate_picture(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        await train_pictures(tmp)


if __name__ == "__main__":
    asyncio.run(main())
