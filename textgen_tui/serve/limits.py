"""How many apps `serve` runs at once: each browser tab is a process with TensorFlow, so the
default is sized from the memory this machine has free, and `--max-apps` sets it by hand.

Light on purpose: the CLI's parser reads `default_max_apps` for its --help."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

APP_MEMORY = 1_000_000_000
"""Bytes one tab's app is counted at: an idle app with TensorFlow loaded holds about 0.6-0.9 GB
(benchmarks/results/serve.md); a training run needs more, so the estimate keeps a margin."""

MAX_APPS_CEILING = 8
"""The default never goes above this, however much memory is free: each app also wants CPU."""

MAX_APPS_UNKNOWN = 4
"""The default where the free memory cannot be read (not Linux, no sysconf)."""

DEFAULT_RULE = f"the free memory / {APP_MEMORY / 1e9:g} GB per app, at most {MAX_APPS_CEILING}"
"""How the default is sized, in words (--help)."""


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None  # missing, or "max" (no cgroup limit)


def available_memory() -> int | None:
    """Bytes free for new processes: MemAvailable, or less under a container's memory limit
    (cgroup v2); half the physical memory where there is no /proc; None when nothing says."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        left = max(limit - used, 0)
        available = left if available is None else min(available, left)
    if available is None:
        try:
            available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
        except (AttributeError, ValueError, OSError):
            return None
    return available


def max_apps_for(available: int | None) -> int:
    """Free memory / `APP_MEMORY`, at least 1 and at most `MAX_APPS_CEILING`."""
    if available is None:
        return MAX_APPS_UNKNOWN
    return max(1, min(MAX_APPS_CEILING, available // APP_MEMORY))


def default_max_apps() -> tuple[int, str]:
    """The default limit on this machine now, and why (for --help and the startup line)."""
    available = available_memory()
    if available is None:
        return MAX_APPS_UNKNOWN, "the free memory is unknown here"
    why = f"{available / 1e9:.1f} GB free / {APP_MEMORY / 1e9:g} GB per app, at most {MAX_APPS_CEILING}"
    return max_apps_for(available), why


def max_apps_arg(text: str) -> int:
    """argparse type of --max-apps: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value
