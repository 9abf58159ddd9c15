"""Memory per browser tab under `textgen-tui serve`: each tab is an app process with its own
TensorFlow, which is what `serve --max-apps` is sized by (textgen_tui/serve/limits.py).

A real server (`textgen-tui serve --port 0 --max-apps 3`) in a subprocess; tabs are websocket
clients that do what the page does (resize, then read the terminal bytes). Tabs 1, 2 and 3 are
opened one after another and left open; once a tab's app has drawn its first screen, loaded Keras
(the header shows the backend) and its memory has stopped growing, every app's process tree is
measured from /proc: RSS (what `top` shows), PSS (shared pages split between the processes that
map them) and private memory, and the drop in the machine's MemAvailable since before the first
tab. A fourth tab must be told that all sessions are in use, and start no process.

    python -m benchmarks.serve_memory            # writes benchmarks/results/serve.{md,json}
    python -m benchmarks.serve_memory --tabs 2 --out /tmp/x

The apps open as on a later launch (their state says the welcome was shown): no demo sample.
The last line printed is the results as JSON (benchmarks/run.py's "serve" section reads it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TIMEOUT = 240.0  # a tab's app: first screen and Keras loaded, on a busy 2-core machine
STILL_S = 3.0  # memory counts as settled once the tree's RSS moved less than STILL_MB for this long
STILL_MB = 3.0


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def tree(pid: int) -> list[int]:
    """`pid` and every process below it (the app and anything it started)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and private memory of `pid`'s process tree, in MB (10^6 bytes)."""
    rss = pss = private = 0
    for p in tree(pid):
        try:
            rss += _status_kb(p, "VmRSS")
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key == "Pss":
                    pss += int(rest.split()[0])
                elif key in ("Private_Clean", "Private_Dirty"):
                    private += int(rest.split()[0])
        except OSError:
            continue  # it ended while we looked
    return {"rss_mb": rss * 1.024 / 1000, "pss_mb": pss * 1.024 / 1000, "private_mb": private * 1.024 / 1000}


def mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1.024 / 1000
    return float("nan")


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                found.add(int(entry.name))
    return found


class Tab:
    """A websocket client doing what the page does, its terminal bytes collected."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.screen = b""
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.screen += message.data

    async def until(self, *needles: bytes, timeout: float = TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while not all(n in self.screen for n in needles):
            if time.monotonic() > deadline or self.reader.done():
                return False
            await asyncio.sleep(0.1)
        return True

    async def close(self) -> None:
        await self.ws.close()
        await self.reader


async def settle(pid: int) -> tuple[dict[str, float], float]:
    """Wait until the tree's RSS has stayed within STILL_MB for STILL_S: (its memory, seconds)."""
    t0 = time.monotonic()
    samples: list[tuple[float, float]] = []
    while time.monotonic() - t0 < TIMEOUT:
        now, rss = time.monotonic(), memory_mb(pid)["rss_mb"]
        samples = [s for s in samples if now - s[0] <= STILL_S] + [(now, rss)]
        window = [r for _, r in samples]
        if now - samples[0][0] >= STILL_S * 0.9 and max(window) - min(window) < STILL_MB:
            break
        await asyncio.sleep(0.5)
    return memory_mb(pid), time.monotonic() - t0


def start_server(tabs: int, workdir: Path) -> tuple[subprocess.Popen, int]:
    state = workdir / "state"
    state.mkdir()
    (state / "state.json").write_text(json.dumps({"welcomed": True, "pane": "corpus"}))
    env = {**os.environ, "TEXTGEN_TUI_STATE": str(state), "TEXTGEN_TUI_MODELS": str(workdir / "models")}
    server = subprocess.Popen(
        [sys.executable, "-m", "textgen_tui", "serve", "--port", "0", "--max-apps", str(tabs)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=workdir,
        env=env,
    )
    for line in server.stdout:
        if "serving on http://127.0.0.1:" in line:
            return server, int(line.split("127.0.0.1:")[1].split()[0])
    raise RuntimeError("the server did not start")


async def measure(tabs: int) -> dict:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow").encode()
    workdir = Path(tempfile.mkdtemp(prefix="textgen-serve-mem-"))
    server, port = start_server(tabs, workdir)
    base = f"http://127.0.0.1:{port}"
    before = mem_available_mb()
    rows: list[dict] = []
    opened: list[Tab] = []
    apps: list[int] = []
    try:
        async with aiohttp.ClientSession() as http:
            for n in range(1, tabs + 1):
                t0 = time.monotonic()
                tab = Tab(await http.ws_connect(f"{base}/ws?width=100&height=30"))
                await tab.ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
                opened.append(tab)
                if not await tab.until(b"Corpus", b"Train"):
                    raise RuntimeError(f"tab {n}: no first screen: {tab.screen[-500:]!r}")
                first_screen_s = time.monotonic() - t0
                keras_loaded = await tab.until(backend + b" \xc2\xb7")  # the header: "tensorflow · CPU"
                (app,) = children(server.pid) - set(apps)
                apps.append(app)
                own, settle_s = await settle(app)
                rows.append(
                    {
                        "tabs": n,
                        "first_screen_s": round(first_screen_s, 2),
                        "ready_s": round(time.monotonic() - t0, 2),
                        "keras_loaded": keras_loaded,
                        "settle_s": round(settle_s, 1),
                        "new_app": {k: round(v) for k, v in own.items()},
                        "apps": [{k: round(v) for k, v in memory_mb(pid).items()} for pid in apps],
                        "available_drop_mb": round(before - mem_available_mb()),
                        "server_rss_mb": round(_status_kb(server.pid, "VmRSS") * 1.024 / 1000),
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            # One more tab than --max-apps: told in the page, and no process is started for it.
            extra = Tab(await http.ws_connect(f"{base}/ws?width=100&height=30"))
            refused = await extra.until(b"sessions are in use", b"then reload this page", timeout=60)
            refused_no_process = children(server.pid) == set(apps)
            await extra.close()
            for tab in opened:
                await tab.close()
    finally:
        server.terminate()
        server.wait(60)
    return {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "backend": backend.decode(),
        "max_apps": tabs,
        "rows": rows,
        "refused_told": refused,
        "refused_no_process": refused_no_process,
    }


def machine() -> str:
    total = _status_total_gb()
    return f"{os.cpu_count()} cores, {total:.0f} GB, Python {platform.python_version()}"


def _status_total_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / 1e9
    return float("nan")


def markdown(res: dict) -> str:
    lines = [
        "# Memory per browser tab under `textgen-tui serve`",
        "",
        f"Machine: {res['machine']}; {res['date']}; backend {res['backend']}; command: "
        "`python -m benchmarks.serve_memory`",
        "",
        "Each tab is an app process with its own Keras; the tabs stay open, so row *n* has *n* apps. "
        "MB are 10^6 bytes. RSS counts every page a process maps (shared libraries in each); PSS "
        "splits shared pages between the processes that map them (the apps' PSS add up to what "
        "they cost together); private is what closing that tab gives back.",
        "",
        "| tabs | new app: RSS / PSS / private MB | every app's PSS, MB | MemAvailable drop, MB "
        "| first screen, s | Keras loaded, s |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        a = r["new_app"]
        every = " + ".join(f"{x['pss_mb']:,}" for x in r["apps"])
        lines.append(
            f"| {r['tabs']} | {a['rss_mb']:,} / {a['pss_mb']:,} / {a['private_mb']:,} | "
            f"{every} | {r['available_drop_mb']:,} | "
            f"{r['first_screen_s']:.1f} | {r['ready_s']:.1f}{'' if r['keras_loaded'] else ' (not seen)'} |"
        )
    last = res["rows"][-1]
    pss = sum(app["pss_mb"] for app in last["apps"])
    private = max(app["private_mb"] for app in last["apps"])
    lines += [
        "",
        f"A tab past `--max-apps {res['max_apps']}`: told in the page that all sessions are in use: "
        f"{'yes' if res['refused_told'] else 'NO'}; no process started for it: "
        f"{'yes' if res['refused_no_process'] else 'NO'}.",
        "",
        f"With {last['tabs']} tabs open the apps' PSS add up to {pss:,} MB: about {pss / last['tabs']:,.0f} MB "
        f"per idle tab, of which up to {private:,} MB are its own (the rest, TensorFlow's libraries, is "
        f"shared). The server itself: {last['server_rss_mb']:,} MB RSS. The MemAvailable drop is noisy "
        "on a machine where other work runs. `serve` counts 1 GB per app for its default `--max-apps` "
        "(the free memory / 1 GB, at most 8): the margin above an idle tab is for a tab that trains "
        "(whole-process peaks of training runs: latest.md).",
        "",
    ]
    return "\n".join(lines)


def main() -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tabs", type=int, default=3, help="tabs to open (and --max-apps)")
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for serve.md and serve.json")
    p.add_argument("--no-write", action="store_true", help="print only")
    a = p.parse_args()
    res = asyncio.run(measure(a.tabs))
    md = markdown(res)
    if not a.no_write:
        a.out.mkdir(parents=True, exist_ok=True)
        (a.out / "serve.json").write_text(json.dumps(res, indent=1))
        (a.out / "serve.md").write_text(md)
    print(md, file=sys.stderr)
    print(json.dumps(res), flush=True)
    return res


if __name__ == "__main__":
    main()
