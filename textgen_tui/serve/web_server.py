"""textual-serve's server and app service, made to end what they start.

textual-serve as it comes runs each app through a shell and, when the server stops, leaves the
app processes running. Here each app runs directly, in its own process group (so a Ctrl-C in the
server's terminal reaches the server only and the server decides), the server keeps track of
them, and on Ctrl-C, SIGTERM or SIGHUP it asks every app to quit (SIGTERM: training stops after
the batch and saves), waits, and kills what is left. A second Ctrl-C kills them at once.

It also refuses cross-site websockets (any web page could otherwise open ws://127.0.0.1:8000/ws
and drive the app) and, on a local bind, Host names that are not this machine (DNS rebinding).

Each app holds its own TensorFlow (most of a gigabyte), so at most `max_apps` run at once. A tab
that finds them all in use is told so in its page at once, waits `slot_wait` seconds for one to
end (a reloaded tab's old app is still quitting when the new page asks), and is then refused: its
page keeps the message, and no process is started for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMessage, WSMsgType, web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from textgen_tui.serve.hosts import SERVED_ENV, is_local

QUIT_GRACE = 30.0
"""Seconds an app gets to quit before it is killed: one batch plus the save (the app itself
gives the save 20 s, see `run_app`)."""

SLOT_WAIT = 10.0
"""Seconds a tab that finds every session in use waits for one to end before it is refused: an
idle app quits about a second after its tab closes (one that trains: after the batch and the save)."""


def _terminal_lines(*lines: str) -> bytes:
    """Text for the page's terminal (xterm.js): cleared, each line indented, CR LF endings."""
    return ("\x1b[2J\x1b[H\r\n" + "".join(f"  {line}\r\n" for line in lines)).encode()


def sessions_in_use(max_apps: int, waiting: bool) -> bytes:
    """What a tab past the limit shows: while it waits for a session, then once refused."""
    lines = [
        f"\x1b[1mtextgen-tui: all sessions are in use ({max_apps} of {max_apps}).\x1b[0m",
        "",
        f"This server runs at most {max_apps} app(s) at once, one per browser tab, each with its",
        "own TensorFlow (`textgen-tui serve --max-apps N` sets the limit).",
        "",
    ]
    if waiting:
        lines.append("Waiting a few seconds for one to end...")
    else:
        lines.append("None ended: close another textgen-tui tab, then reload this page.")
    return _terminal_lines(*lines)


_GONE = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR})
"""What a websocket's receive gives once the tab has gone."""


def _follow_resize(message: WSMessage, size: list[int]) -> None:
    """A waiting tab's ["resize", {"width": W, "height": H}] sets the size its app starts at."""
    with contextlib.suppress(ValueError, TypeError, KeyError, IndexError):
        kind, data = message.json() if message.type == WSMsgType.TEXT else (None, None)
        if kind == "resize":
            size[:] = [int(data["width"]), int(data["height"])]


class TextgenAppService(AppService):
    """One browser tab's app: started without a shell in a new session, ended for sure."""

    def __init__(self, argv: list[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        environment = self._build_environment(width=width, height=height)
        environment[SERVED_ENV] = str(os.getpid())  # the app quits if this server goes away
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def signal_app(self, signum: int) -> None:
        """Send a signal to the app's process group (the app and anything it started)."""
        if self._process is None or self._process.returncode is not None and signum != signal.SIGKILL:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    async def end(self, signum: int | None, grace: float = QUIT_GRACE) -> None:
        """Send `signum` (None: the quit message went already), wait up to `grace` s, then kill."""
        process = self._process
        if process is None:
            return
        if signum is not None:
            self.signal_app(signum)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), grace)
        except asyncio.TimeoutError:
            self.signal_app(signal.SIGKILL)
            await process.wait()

    async def stop(self) -> None:
        """The tab closed: the app quits as on Ctrl+Q from the web driver's quit message (training
        stops after the batch and saves); one that does not within the grace period is killed."""
        task = self._task
        if task is None:
            return
        self._task = None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        await self.end(None)
        await task


class TextgenServer(Server):
    """textual-serve's Server on a socket bound beforehand, tracking and ending its apps."""

    def __init__(
        self,
        argv: list[str],
        *,
        sock: socket.socket,
        local: bool,
        public_url: str | None,
        max_apps: int,
        slot_wait: float = SLOT_WAIT,
        ready: Callable[[], None] = lambda: None,
    ) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(shlex.join(argv), host=host, port=port, title="textgen-tui", public_url=public_url)
        self.argv = argv
        self.sock = sock
        self.local = local
        self.fixed_public_url = public_url
        self.max_apps = max_apps
        self.slot_wait = slot_wait
        self.services: set[TextgenAppService] = set()
        """The apps running, one per tab: each holds a slot until its process has ended."""
        self.turned_away: set[web.WebSocketResponse] = set()
        """Tabs past the limit, waiting for a slot or showing the refusal (closed on shutdown)."""
        self.ready = ready
        self._hurry = False
        self._slot_waiters: set[asyncio.Future[None]] = set()

    # -- requests -------------------------------------------------------------------------------
    def _check_request(self, request: web.Request, websocket: bool) -> None:
        host = (request.url.host or "").lower()
        fixed_host = urlsplit(self.fixed_public_url).hostname if self.fixed_public_url else None
        if self.local and not is_local(host) and host != fixed_host:
            raise web.HTTPForbidden(text=f"textgen-tui serves this machine only, not {host!r}\n")
        origin = request.headers.get("Origin")
        if websocket and origin is not None:  # browsers always send it on a websocket handshake
            allowed = {request.host.lower()}
            if self.fixed_public_url:
                allowed.add(urlsplit(self.fixed_public_url).netloc.lower())
            if urlsplit(origin).netloc.lower() not in allowed:
                raise web.HTTPForbidden(text="a websocket from another site\n")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        self._check_request(request, websocket=False)
        # Without --public-url, the page's links use the address the browser used (an ssh tunnel
        # on another port, a host name): no await comes between this and the template reading it.
        self.public_url = self.fixed_public_url or f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler with our app service, tracked until it has ended; a tab past
        `max_apps` gets no app."""
        self._check_request(request, websocket=True)
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: TextgenAppService | None = None
        try:
            await websocket.prepare(request)
            candidate = TextgenAppService(
                self.argv,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            size = [width, height]
            if not await self._take_slot(candidate, websocket, size):
                await self._turn_away(websocket)
                return websocket
            service = candidate
            await service.start(*size)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a broken tab must not stop the server
            self.console.print(f"textgen-tui: a tab failed: {type(error).__name__}: {error}")
        finally:
            if service is not None:
                try:
                    await asyncio.shield(service.stop())
                finally:
                    self._free_slot(service)
        return websocket

    # -- the limit on apps ----------------------------------------------------------------------
    async def _take_slot(
        self, service: TextgenAppService, websocket: web.WebSocketResponse, size: list[int]
    ) -> bool:
        """Count `service` among the running apps if fewer than `max_apps` run, or once one ends
        within `slot_wait` seconds; meanwhile the tab is told that it waits, and `size` follows
        its resizes. False: no slot, or the tab went."""
        if len(self.services) < self.max_apps:  # no await between the test and the add
            self.services.add(service)
            return True
        self.turned_away.add(websocket)
        with contextlib.suppress(ConnectionError):  # the tab went already: the read below says so
            await websocket.send_bytes(sessions_in_use(self.max_apps, waiting=True))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.slot_wait
        reading: asyncio.Task[Any] | None = None
        try:
            while len(self.services) >= self.max_apps:
                left = deadline - loop.time()
                if left <= 0 or self._hurry:
                    return False
                woken = loop.create_future()
                self._slot_waiters.add(woken)
                reading = reading or asyncio.ensure_future(websocket.receive())
                try:
                    await asyncio.wait({woken, reading}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    self._slot_waiters.discard(woken)
                    woken.cancel()
                if reading.done():
                    message, reading = reading.result(), None
                    if message.type in _GONE:
                        return False
                    _follow_resize(message, size)
            self.services.add(service)
            self.turned_away.discard(websocket)
            return True
        finally:
            if reading is not None:
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading

    def _free_slot(self, service: TextgenAppService) -> None:
        """`service`'s app has ended: wake the tabs waiting for a slot (each tests again)."""
        self.services.discard(service)
        self._wake_slot_waiters()

    def _wake_slot_waiters(self) -> None:
        for woken in self._slot_waiters:
            if not woken.done():
                woken.set_result(None)

    async def _turn_away(self, websocket: web.WebSocketResponse) -> None:
        """No app for this tab: its page says so and keeps saying it (a closed websocket would
        cover the message with the page's "Session ended" box) until the tab goes."""
        self.turned_away.add(websocket)
        try:
            if self._hurry or websocket.closed:
                return
            print(
                f"textgen-tui: a new tab was refused: all sessions are in use ({self.max_apps} of "
                f"--max-apps {self.max_apps})",
                flush=True,
            )
            with contextlib.suppress(ConnectionError):
                await websocket.send_bytes(sessions_in_use(self.max_apps, waiting=False))
            async for _message in websocket:  # until the tab closes, or the server stops
                pass
        finally:
            self.turned_away.discard(websocket)
            await websocket.close()

    # -- starting and stopping ------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        """Our banner, not textual-serve's."""
        self.ready()

    def request_exit(self) -> None:
        if self._hurry:  # a second Ctrl-C while the apps quit: kill them now
            for service in list(self.services):
                service.signal_app(signal.SIGKILL)
            return
        raise GracefulExit()

    async def on_shutdown(self, app: web.Application) -> None:
        """Every app this server started ends before the server does."""
        self._hurry = True
        services = list(self.services)
        if services:
            print(
                f"textgen-tui: stopping {len(services)} app(s); training stops after the batch and "
                "saves (Ctrl-C again: kill them now)",
                flush=True,
            )
        self._wake_slot_waiters()
        await asyncio.gather(
            *(service.end(signal.SIGTERM) for service in services),
            *(websocket.close() for websocket in list(self.turned_away)),
        )

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl-C, SIGTERM or SIGHUP, on the socket `serve` bound."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # SIGHUP (the terminal closed, not on Windows) stops the server too.
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(getattr(signal, name), self.request_exit)
        web.run_app(
            self._make_app(),
            sock=self.sock,
            handle_signals=False,
            loop=loop,
            print=lambda *args: None,
            shutdown_timeout=QUIT_GRACE + 5,
        )

    async def start(self) -> web.AppRunner:
        """Serve on the socket inside the running event loop, without taking its signals (tests);
        `await runner.cleanup()` stops it and ends every app, as SIGTERM does in `serve`."""
        runner = web.AppRunner(await self._make_app(), shutdown_timeout=QUIT_GRACE + 5)
        await runner.setup()
        await web.SockSite(runner, self.sock).start()
        return runner
