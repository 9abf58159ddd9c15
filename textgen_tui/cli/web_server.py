"""textual-serve's server and app service, made to end what they start.

textual-serve as it comes runs each app through a shell and, when the server stops, leaves the
app processes running. Here each app runs directly, in its own process group (so a Ctrl-C in the
server's terminal reaches the server only and the server decides), the server keeps track of
them, and on Ctrl-C, SIGTERM or SIGHUP it asks every app to quit (SIGTERM: training stops after
the batch and saves), waits, and kills what is left. A second Ctrl-C kills them at once.

It also refuses cross-site websockets (any web page could otherwise open ws://127.0.0.1:8000/ws
and drive the app) and, on a local bind, Host names that are not this machine (DNS rebinding).
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

from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from textgen_tui.cli.hosts import SERVED_ENV, is_local

QUIT_GRACE = 30.0
"""Seconds an app gets to quit before it is killed: one batch plus the save (the app itself
gives the save 20 s, see `run_app`)."""


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
        ready: Callable[[], None] = lambda: None,
    ) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(shlex.join(argv), host=host, port=port, title="textgen-tui", public_url=public_url)
        self.argv = argv
        self.sock = sock
        self.local = local
        self.fixed_public_url = public_url
        self.services: set[TextgenAppService] = set()
        self.ready = ready
        self._hurry = False

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
        """textual-serve's handler with our app service, tracked until it has ended."""
        self._check_request(request, websocket=True)
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: TextgenAppService | None = None
        try:
            await websocket.prepare(request)
            service = TextgenAppService(
                self.argv,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.services.add(service)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a broken tab must not stop the server
            self.console.print(f"textgen-tui: a tab failed: {type(error).__name__}: {error}")
        finally:
            if service is not None:
                await asyncio.shield(service.stop())
                self.services.discard(service)
        return websocket

    # -- starting and stopping ------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        """Our banner, not textual-serve's; SIGHUP (the terminal closed) stops the server too."""
        hangup = getattr(signal, "SIGHUP", None)  # not on Windows
        with contextlib.suppress(NotImplementedError):
            if hangup is not None:
                asyncio.get_running_loop().add_signal_handler(hangup, self.request_exit)
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
        await asyncio.gather(*(service.end(signal.SIGTERM) for service in services))

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl-C, SIGTERM or SIGHUP, on the socket `serve` bound."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, self.request_exit)
        web.run_app(
            self._make_app(),
            sock=self.sock,
            handle_signals=False,
            loop=loop,
            print=lambda *args: None,
            shutdown_timeout=QUIT_GRACE + 5,
        )
