"""`serve` under load: the limit on apps holds when more tabs come at once than it allows.

The server is textgen-tui's own, run in the test's event loop, but each tab's app is a tiny
script that speaks textual-serve's protocol (no Textual, no TensorFlow): a load test of the server
should not start TensorFlow six times on a 2-core machine. The real app behind the same server is
tested in test_serve.py.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from textgen_tui.serve.run import bind
from textgen_tui.serve.web_server import TextgenServer

MARK = "textgen-serve-load-test-app"
"""In each tiny app's command line, so the test finds every one of them in /proc."""

TINY_APP = r"""
import json, os, sys
out, stdin = sys.stdout.buffer, sys.stdin.buffer

def packet(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()

out.write(b"__GANGLION__\n")
packet(b"D", b"tiny app %d is up" % os.getpid())
while len(head := stdin.read(5)) == 5:  # textual-serve's packets: kind, length, payload
    payload = stdin.read(int.from_bytes(head[1:], "big"))
    if head[:1] == b"D":  # keys typed in the page come back, so a test sees the app answer
        packet(b"D", b"echo " + payload)
    elif head[:1] == b"M" and json.loads(payload).get("type") == "quit":
        break
"""

TIMEOUT = 60.0  # generous: the 2-core machine may be busy with the rest of the suite
MAX_APPS = 2

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def tiny_apps() -> set[int]:
    """Live (not zombie) tiny apps started by this process, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if (
                int(ppid) == os.getpid()
                and state != "Z"
                and MARK.encode() in (entry / "cmdline").read_bytes()
            ):
                found.add(int(entry.name))
        except OSError:
            continue  # it ended while we looked
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, OSError):
        return False
    return state != "Z"


async def until(condition, what: str) -> None:
    """Await `condition()` becoming true: polled, with a generous deadline (never a timing assert)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def first_words(ws: aiohttp.ClientWebSocketResponse, *needles: bytes) -> bytes:
    """The terminal bytes a tab gets until one of `needles` has come."""
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while not any(needle in got for needle in needles):
        left = deadline - time.monotonic()
        assert left > 0, f"none of {needles} came; got {got!r}"
        message = await ws.receive(timeout=left)
        assert message.type == aiohttp.WSMsgType.BINARY, f"unexpected {message.type}: {message.data!r}"
        got += message.data
    return got


APP_UP = b"tiny app"
REFUSED = b"close another textgen-tui tab, then reload this page"


async def test_past_max_apps_a_tab_is_told_and_gets_no_app(tmp_path) -> None:
    server = TextgenServer(
        [sys.executable, "-c", TINY_APP, MARK],
        sock=bind("127.0.0.1", 0),
        local=True,
        public_url=None,
        max_apps=MAX_APPS,
        slot_wait=0.5,  # no app ends during the first rush: a short wait keeps the test short
    )
    runner = await server.start()
    port = server.sock.getsockname()[1]
    most = 0  # the most tiny apps seen alive at once, sampled from /proc throughout

    async def watch() -> None:
        nonlocal most
        while True:
            most = max(most, len(tiny_apps()))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    order = random.Random()
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
            # N + 2 tabs at once: N get an app, 2 are told that all sessions are in use.
            tabs = await asyncio.gather(*(http.ws_connect(url) for _ in range(MAX_APPS + 2)))
            said = await asyncio.gather(*(first_words(ws, APP_UP, REFUSED) for ws in tabs))
            served = [ws for ws, words in zip(tabs, said, strict=True) if APP_UP in words]
            refused = [ws for ws, words in zip(tabs, said, strict=True) if REFUSED in words]
            assert len(served) == MAX_APPS and len(refused) == 2, said
            for words in (w for w in said if REFUSED in w):
                assert f"all sessions are in use ({MAX_APPS} of {MAX_APPS})".encode() in words
            assert len(server.services) == MAX_APPS and len(tiny_apps()) == MAX_APPS
            pids = {service.pid for service in server.services}
            assert pids == tiny_apps()
            for ws in served:  # the tabs that have an app go on as before
                await ws.send_str('["stdin", "hello"]')
                assert b"echo hello" in await first_words(ws, b"echo hello")

            # A closed tab frees its slot: a tab that finds them all in use is told it waits,
            # and gets the app the closing tab leaves room for.
            server.slot_wait = TIMEOUT
            waiting = await http.ws_connect(url)
            await first_words(waiting, b"Waiting a few seconds")
            leaving = order.choice(served)
            served.remove(leaving)
            await leaving.close()
            assert APP_UP in await first_words(waiting, APP_UP)
            served.append(waiting)
            await until(lambda: len(tiny_apps()) == MAX_APPS and tiny_apps() != pids, "the new app")
            pids |= tiny_apps()

            # Every tab closes, in random order: no app is left, none was ever over the limit.
            everyone = served + refused
            order.shuffle(everyone)
            for ws in everyone:
                await ws.close()
            await until(lambda: not server.services and not tiny_apps(), "every app to end")
            await until(lambda: not server.turned_away, "the refused tabs to be let go")
        assert len(pids) == MAX_APPS + 1
        assert not any(alive(pid) for pid in pids)
        assert most <= MAX_APPS
    finally:
        watcher.cancel()
        await runner.cleanup()
    assert not tiny_apps()
