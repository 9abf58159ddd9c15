"""`textgen-tui serve`: a real server in a subprocess, a websocket client as the browser tab.

Each tab's app is a process of its own: closing the tab ends it, and SIGTERM to the server ends
every app it started before the server exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest

from textgen_tui.serve.run import is_local

STARTUP_TIMEOUT = 60.0  # the 2-core CI machine is slow to import Textual
SCREEN_TIMEOUT = 60.0
END_TIMEOUT = 45.0  # QUIT_GRACE (30 s) is the worst case; an idle app quits in about a second


class Served:
    """The `serve` subprocess, its output lines collected by threads."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "textgen_tui", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._stdout = threading.Thread(target=self._pump, args=(self.process.stdout, None), daemon=True)
        self._stdout.start()
        threading.Thread(target=self._pump, args=(self.process.stderr, self.stderr), daemon=True).start()

    def _pump(self, stream, into: list[str] | None) -> None:
        for line in stream:
            (into.append if into is not None else self.lines.put)(line)

    def wait_line(self, needle: str, timeout: float = STARTUP_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and not self._stdout.is_alive():
                    break  # ended, and every line it printed has been read
                continue
            if needle in line:
                return line
        raise AssertionError(f"no line with {needle!r}; stderr: {''.join(self.stderr)[-2000:]}")

    def port(self) -> int:
        line = self.wait_line("serving on http://127.0.0.1:")
        return int(line.split("127.0.0.1:")[1].split()[0])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(END_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def wait_gone(pid: int, timeout: float = END_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert not alive(pid), f"app process {pid} still runs"


async def first_screen(ws: aiohttp.ClientWebSocketResponse) -> bytes:
    """What the page does: resize first, then read the terminal bytes until the app has drawn."""
    await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
    screen = b""
    deadline = time.monotonic() + SCREEN_TIMEOUT
    while not (b"Corpus" in screen and b"Train" in screen):
        left = deadline - time.monotonic()
        assert left > 0, f"no first screen; got {len(screen)} bytes"
        message = await ws.receive(timeout=left)
        assert message.type == aiohttp.WSMsgType.BINARY, f"unexpected {message.type}: {message.data!r}"
        screen += message.data
    return screen


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
async def test_serve_page_websocket_first_screen_and_every_app_ends(workdir) -> None:
    served = Served("--port", "0")
    try:
        limit = served.wait_line("app(s) at once, one per browser tab")  # the default, and why
        assert "GB free" in limit and "--max-apps N to change" in limit
        port = served.port()
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/") as response:
                assert response.status == 200
                page = await response.text()
            assert f"ws://127.0.0.1:{port}/ws" in page

            # Another site's page, and a rebound DNS name, are refused.
            async with http.get(base + "/ws", headers={"Origin": "http://evil.example"}) as response:
                assert response.status == 403
            async with http.get(base + "/", headers={"Host": f"evil.example:{port}"}) as response:
                assert response.status == 403

            # A tab: its own app; closing the tab ends that app.
            async with http.ws_connect(base + "/ws?width=100&height=30", headers={"Origin": base}) as ws:
                await first_screen(ws)
                (first_app,) = children(served.process.pid)
            await wait_gone(first_app)

            # Another tab, left open: SIGTERM to the server ends its app before the server exits.
            async with http.ws_connect(base + "/ws?width=100&height=30") as ws:
                await first_screen(ws)
                (second_app,) = children(served.process.pid)
                assert second_app != first_app
                served.process.send_signal(signal.SIGTERM)
                code = await asyncio.to_thread(served.process.wait, END_TIMEOUT)
        assert code == 0
        assert not alive(second_app)
        served.wait_line("server stopped", timeout=END_TIMEOUT)
    finally:
        served.stop()


def test_serve_refuses_a_remote_host_without_the_flag(workdir) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "textgen_tui", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("textgen-tui: error: --host 0.0.0.0") and "--allow-remote" in line


def test_serve_warns_on_a_remote_host(workdir) -> None:
    served = Served("--host", "0.0.0.0", "--port", "0", "--allow-remote", "--max-apps", "3")
    try:
        served.wait_line("at most 3 app(s) at once, one per browser tab (--max-apps)")
        served.wait_line("serving on http://")
        deadline = time.monotonic() + STARTUP_TIMEOUT  # the warning's lines may come one by one

        def warning() -> str:
            return "".join(served.stderr)

        while not ("no authentication" in warning() and "ssh -L" in warning()):
            assert time.monotonic() < deadline, f"no warning: {warning()!r}"
            time.sleep(0.1)
    finally:
        assert served.stop() == 0


def test_a_busy_port_is_one_line(workdir) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "textgen_tui", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"textgen-tui: error: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local


def test_the_app_command_is_this_interpreter() -> None:
    from textgen_tui.serve.run import app_argv

    assert app_argv(None) == [sys.executable, "-m", "textgen_tui.cli.main"]
    assert app_argv("jax")[-2:] == ["--backend", "jax"]
    assert os.path.isabs(app_argv(None)[0])


async def test_a_browser_tab_offers_no_keep_training(workdir, monkeypatch) -> None:
    """In a browser there is no terminal to keep training in: the quit dialog only stops."""
    from textual.widgets import Button

    from textgen_tui.app.app import TextgenApp, create_app
    from textgen_tui.app.screens.dialogs import QuitDialog

    monkeypatch.setattr(TextgenApp, "is_web", property(lambda self: True))
    app = create_app(models_dir="models")
    async with app.run_test(size=(100, 30)) as pilot:
        answers: list[str | None] = []
        app.push_screen(QuitDialog("models/tiny"), answers.append)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QuitDialog)
        assert [button.id for button in dialog.query(Button)] == ["stop", "cancel"]
        assert "Keep training" not in str(dialog.query_one("#dialog-message").render())
        await pilot.press("k")  # the terminal's "keep" key does nothing here
        await pilot.pause()
        assert app.screen is dialog and answers == []
        await pilot.press("escape")
        await pilot.pause()
        assert answers == [None]


def test_the_default_max_apps_is_sized_from_the_free_memory() -> None:
    from textgen_tui.serve.limits import APP_MEMORY, MAX_APPS_CEILING, MAX_APPS_UNKNOWN, max_apps_for

    assert max_apps_for(int(3.5 * APP_MEMORY)) == 3
    assert max_apps_for(100 * APP_MEMORY) == MAX_APPS_CEILING == 8
    assert max_apps_for(APP_MEMORY // 3) == 1  # short of memory, still one tab
    assert max_apps_for(None) == MAX_APPS_UNKNOWN


def test_max_apps_in_help_and_a_bad_value_is_one_line(capsys) -> None:
    from textgen_tui.cli.main import main

    with pytest.raises(SystemExit) as shown:
        main(["serve", "--help"])
    assert shown.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--max-apps N" in text and "the free memory / 1 GB per app, at most 8; here now" in text
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as refused:
            main(["serve", "--max-apps", bad])
        assert refused.value.code == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(
            "textgen-tui: error: argument --max-apps: must be a whole number of at least 1"
        )
