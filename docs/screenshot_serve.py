"""Check `textgen-tui serve` in a real headless browser and screenshot the Train pane mid-training.

    apt-get install chromium          # Debian's Chromium
    pip install playwright            # no `playwright install`: we drive the system Chromium
    python docs/screenshot_serve.py   # writes docs/serve-train.png

It starts `textgen-tui serve --port 0` in a scratch folder (models go there too), opens the page,
clicks Start if the page asks, loads a small generated corpus (F1, path, Enter), starts training
(F2, F5), waits, and saves the screenshot. Then it closes the tab and checks that the app process
stopped training and saved its model folder (closing a tab during training stops after the batch
and saves), and stops the server with SIGTERM.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = "river stone light window garden morning paper letter quiet winter green small old far".split()


def write_corpus(path: Path, sentences: int = 6000) -> None:
    """A small made-up corpus (nobody's text): random short sentences from a few words."""
    rng = random.Random(0)
    lines = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 9))]
        lines.append(" ".join(words).capitalize() + ".")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def click(page, column: int, row: int) -> None:
    """Click a terminal cell (the page's font makes cells 10 x 18 px at a 1200 px wide window)."""
    page.locator(".textual-terminal").click(position={"x": column * 10 + 5, "y": row * 18 + 8})
    page.wait_for_timeout(1500)


def app_processes(server_pid: int) -> list[int]:
    """The server's live child processes (the tabs' apps), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(ppid) == server_pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def start_server(folder: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "textgen_tui", "serve", "--port", "0"],
        cwd=folder,
        stdout=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "TEXTGEN_TUI_MODELS": "models"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        print("server:", line.rstrip())
        if "serving on http://127.0.0.1:" in line:
            return process, int(line.split("127.0.0.1:")[1].split()[0])
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="browser executable")
    parser.add_argument("--out", default=str(Path(__file__).parent / "serve-train.png"))
    parser.add_argument("--train-seconds", type=float, default=20.0, help="training time before the shot")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="textgen-serve-"))
    write_corpus(folder / "words.txt")
    server, port = start_server(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, headless=True)
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(f"http://127.0.0.1:{port}/")
            start = page.locator("#start")
            if start.is_visible():
                start.click()
            page.wait_for_selector("body.-first-byte", timeout=60_000)
            # The app imports Keras and the demo model writes: give it time, as a person would.
            page.wait_for_timeout(10_000)
            # Mouse clicks on the tabs (10 x 18 px cells here) rather than F1/F2: a key pressed
            # before the terminal has the page's focus goes to the Generate pane's seed.
            click(page, 3, 1)  # the Corpus tab
            click(page, 15, 5)  # the path field
            page.keyboard.type("words.txt")
            page.keyboard.press("Enter")
            page.wait_for_timeout(10_000)  # the corpus loads
            click(page, 10, 1)  # the Train tab
            page.keyboard.press("F5")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (folder / "models" / "words").exists():
                page.wait_for_timeout(500)
            if not (folder / "models" / "words").exists():
                print("training did not start (see the screenshot)")
            page.wait_for_timeout(args.train_seconds * 1000)
            page.screenshot(path=args.out)
            print("saved", args.out)
            page.close()  # the tab closes mid-training: the app stops after the batch and saves
            browser.close()
        closed = time.monotonic()
        while time.monotonic() < closed + 60 and app_processes(server.pid):
            time.sleep(0.2)
        left = app_processes(server.pid)
        print(
            f"the tab's app process: {'still runs' if left else 'ended'} ({time.monotonic() - closed:.1f} s)"
        )
        saved = sorted(str(p.relative_to(folder)) for p in (folder / "models").glob("*/*.keras"))
        print("saved after the tab closed:", saved or "nothing")
    finally:
        server.send_signal(signal.SIGTERM)
        print("server exit code:", server.wait(60))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
