"""Regenerate docs/generate.svg: the app at 100×32 with the bundled model writing at 4 temperatures.

python docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from textgen_tui.app.app import create_app

HERE = Path(__file__).resolve().parent


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
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


if __name__ == "__main__":
    asyncio.run(main())
