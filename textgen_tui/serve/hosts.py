"""Names `serve` and its web server share: the served app's environment variable and which hosts
are this machine's (both modules import them from here)."""

from __future__ import annotations

import ipaddress

SERVED_ENV = "TEXTGEN_TUI_SERVED_BY"
"""Set in each served app's environment to the server's process id (see `watch_server`)."""

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def is_local(host: str) -> bool:
    """True for a name or address that only this machine can reach (a loopback)."""
    host = host.strip().strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
