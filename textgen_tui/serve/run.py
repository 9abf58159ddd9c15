"""`textgen-tui serve`: the app in a browser; each tab runs its own app process (textual-serve).

This module stays light (no aiohttp) because every served app imports it for `watch_server`;
the web server itself lives in `textgen_tui.serve.web_server`.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time

from textgen_tui.serve.hosts import LOCAL_NAMES, SERVED_ENV, WILDCARD_HOSTS, is_local
from textgen_tui.serve.limits import default_max_apps

__all__ = ["LOCAL_NAMES", "SERVED_ENV", "WILDCARD_HOSTS", "is_local", "serve", "watch_server"]


def app_argv(backend: str | None) -> list[str]:
    """The command each browser tab runs: this package's CLI with no command, on this interpreter."""
    argv = [sys.executable, "-m", "textgen_tui.cli.main"]
    if backend:
        argv += ["--backend", backend]
    return argv


def url_for(host: str, port: int) -> str:
    """What a browser should open for a server bound to host:port."""
    if host in WILDCARD_HOSTS:
        host = socket.gethostname()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything is printed so a busy port is a one-line error."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def serve(
    host: str,
    port: int,
    public_url: str | None,
    allow_remote: bool,
    backend: str | None,
    max_apps: int | None = None,
) -> tuple[int, str | None]:
    """Run the server until Ctrl-C, SIGTERM or SIGHUP, with at most `max_apps` apps at once
    (None: sized from the free memory). Returns (exit code, error message or None)."""
    local = is_local(host)
    if not local and not allow_remote:
        return 2, (
            f"--host {host} lets other machines reach the app, which has no authentication: "
            "add --allow-remote to do it anyway, or keep the default and tunnel over ssh"
        )
    if not 0 <= port <= 65535:
        return 2, f"--port {port} is not a port number (0 to 65535)"
    try:
        sock = bind(host, port)
    except OSError as exc:
        return 2, f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    port = sock.getsockname()[1]  # --port 0 picks a free one
    url = url_for(host, port)
    if max_apps is None:
        max_apps, why = default_max_apps()
        limit = f"at most {max_apps} app(s) at once, one per browser tab ({why}; --max-apps N to change)"
    else:
        limit = f"at most {max_apps} app(s) at once, one per browser tab (--max-apps)"

    def ready() -> None:  # printed once the signals are handled: a test may SIGTERM right away
        print(f"textgen-tui: {limit}", flush=True)
        if local:
            print(f"textgen-tui: serving on {url} (this machine only); Ctrl-C stops it", flush=True)
            return
        print(f"textgen-tui: serving on {url}; Ctrl-C stops it", flush=True)
        print(
            f"textgen-tui: warning: anyone who can reach {host}:{port} gets the app, with no "
            "authentication (it reads and writes files as you). Prefer the default host and an ssh "
            f"tunnel from your machine: ssh -L {port}:localhost:{port} THIS-HOST, then open "
            f"http://localhost:{port}",
            file=sys.stderr,
            flush=True,
        )

    from textgen_tui.serve.web_server import TextgenServer

    server = TextgenServer(
        app_argv(backend), sock=sock, local=local, public_url=public_url, max_apps=max_apps, ready=ready
    )
    server.serve()
    print("textgen-tui: server stopped", flush=True)
    return 0, None


def watch_server() -> None:
    """In a served app: when the server that started it is gone (even killed with SIGKILL), quit
    as on SIGTERM, which stops training after the batch and saves. A daemon thread polls the
    parent process id; does nothing outside `serve`."""
    try:
        server_pid = int(os.environ.get(SERVED_ENV, ""))
    except ValueError:
        return

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="textgen-serve-watch", daemon=True).start()
