"""Soak test for the training stall of issue 8, bug 3.

Once, at the start of an epoch after a resume, training stopped for minutes at 0 % CPU with the pane
on "batch 123/123". The trace was read as a lost wake-up in TensorFlow's intra-op pool (oneDNN's
`dnnl::impl::parallel` waiting on a condition variable). This script tries to make it happen
again, many times over:

* every variant runs in a fresh child process whose environment differs: `default`,
  `onednn-off` (TF_ENABLE_ONEDNN_OPTS=0), `threads` (TEXTGEN_TUI_INTRA_OP_THREADS=2,
  TEXTGEN_TUI_INTER_OP_THREADS=1), `both` (the two together), `intra1` (1 and 1), and
  `autotune-on` (the soak turns tf.data autotuning back on in the product's datasets, which
  have it off since this soak: the variant brings back what the soak measured as `default`);
* in it, the `fast` preset trains on Nietzsche and the folder is resumed every `--epochs-per-run`
  epochs in the same process, as the app does. Epochs are either `--steps` batches
  (`--epoch-mode steps`: many epoch boundaries, one tf.data iterator per run) or full passes over
  the corpus or its first `--corpus-chars` characters (`--epoch-mode pass`, the app's default:
  Keras makes a new iterator every epoch);
* workloads: `headless` (training alone); `generate` (a thread streams from the numpy generator
  without pause while training runs, as Generate does beside Train: the live snapshot during a
  run, the folder's best model between runs); `keras` (the app's older path: the thread reloads
  the folder with Keras, `load_bundle(..., compile=False)`, and streams a little, over and over,
  so two threads use the TensorFlow runtime at once);
* the session's own watchdog (Stalled / StallCleared events) watches every run. The child also
  records each batch's time, the largest gap between consecutive batches (epoch boundaries
  included), and every silence of the trainer's heartbeat of `--silence-min` seconds or more (where
  it fell, and the process's CPU use meanwhile). A run that outlives its hard timeout counts as a
  hang. When a stall is reported the child dumps its Python stacks, and if the stall lasts the
  parent attaches gdb for the native stacks (attaching may itself end the stall: it did in the
  issue).

What it found (benchmarks/results/soak.md): no stuck train step, but pauses of 6–20 s at about
0 % CPU in the tf.data iterator's destructor (it waits for the autotune thread), at the end of every
`fit` and at the start of every full-pass epoch; autotuning off removes them (the product's
datasets have it off since; the tables' `autotune-off` rows are from before, `autotune-on` now
brings the old pipeline back).

    python -m benchmarks.soak --quick                    # a smoke run, under a minute
    nice -n 19 python -m benchmarks.soak                 # the soak (about 35 minutes on 2 cores)
    python -m benchmarks.soak --append --epoch-mode pass --variants default,autotune-on \
        --workloads headless --epochs 20 --other-epochs 20      # full-pass epochs (10 minutes)

Results: benchmarks/results/soak.{md,json}; `--append` adds a run to them, `--render --notes F`
rewrites the Markdown with a reading. A quick run prints its table and writes nothing unless --out
is given. Model folders (and a corpus slice) live in a temporary directory and are deleted.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CORPUS = ROOT.parent / "shared" / "corpora" / "nietzsche.txt"

INTRA_ENV = "TEXTGEN_TUI_INTRA_OP_THREADS"
INTER_ENV = "TEXTGEN_TUI_INTER_OP_THREADS"
ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
AUTOTUNE_ENV = "SOAK_TFDATA_AUTOTUNE"  # read by the soak's child only (see patch_autotune_on)
VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "onednn-off": {ONEDNN_ENV: "0"},
    "threads": {INTRA_ENV: "2", INTER_ENV: "1"},
    "both": {ONEDNN_ENV: "0", INTRA_ENV: "2", INTER_ENV: "1"},
    "intra1": {INTRA_ENV: "1", INTER_ENV: "1"},
    "autotune-on": {AUTOTUNE_ENV: "1"},
}
WORKLOADS = ("headless", "generate", "keras")
SEED_TEXT = "the free spirit "


# =============================================================================================
# The child: one variant × one workload, in its own process
# =============================================================================================
class Log:
    """JSON lines, flushed at once: the parent reads them while the child runs (and after a kill)."""

    def __init__(self, path: Path):
        self.f = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the child's life
        self.t0 = time.monotonic()
        self.lock = threading.Lock()

    def __call__(self, ev: str, **data) -> None:
        line = json.dumps({"ev": ev, "t": round(time.monotonic() - self.t0, 3), **data}, default=str)
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def python_stacks() -> str:
    with tempfile.TemporaryFile("w+") as f:
        faulthandler.dump_traceback(file=f, all_threads=True)
        f.seek(0)
        return f.read()


def apply_threads(log: Log) -> dict:
    """Import Keras the app's way, then make sure the thread counts asked for are in force (the
    product's backend is meant to honour the env vars; if it does not yet, apply them here)."""
    t = time.monotonic()
    from textgen_tui.core.nets.backend import import_keras

    import_keras()
    import tensorflow as tf

    info: dict = {"import_s": round(time.monotonic() - t, 2), "tf": tf.__version__}
    applied = None
    for env, get, put in (
        (INTRA_ENV, tf.config.threading.get_intra_op_parallelism_threads,
         tf.config.threading.set_intra_op_parallelism_threads),
        (INTER_ENV, tf.config.threading.get_inter_op_parallelism_threads,
         tf.config.threading.set_inter_op_parallelism_threads),
    ):  # fmt: skip
        want = os.environ.get(env)
        if not want:
            continue
        if get() == int(want):
            applied = applied or "backend"
        else:
            try:
                put(int(want))
                applied = "soak"
            except RuntimeError as exc:  # the context was already initialised
                info["threads_error"] = str(exc)
    info["threads_applied_by"] = applied
    info["intra_op_threads"] = tf.config.threading.get_intra_op_parallelism_threads()
    info["inter_op_threads"] = tf.config.threading.get_inter_op_parallelism_threads()
    try:
        from tensorflow.python.util import _pywrap_util_port

        info["onednn"] = bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # noqa: BLE001 - a private module; the env var says enough
        info["onednn"] = os.environ.get(ONEDNN_ENV, "1") != "0"
    return info


def patch_autotune_on() -> None:
    """The `autotune-on` variant: the product's datasets with tf.data's autotuning enabled again
    (the product turns it off: its autotune thread's shutdown stalled the iterator's destructor).
    The trainer builds its datasets through `tf_support.tf_dataset`, looked up at each call."""
    import tensorflow as tf

    from textgen_tui.core.nets import tf_support

    original = tf_support.tf_dataset

    def tf_dataset(*args, **kwargs):
        options = tf.data.Options()
        options.autotune.enabled = True
        return original(*args, **kwargs).with_options(options)

    tf_support.tf_dataset = tf_dataset


class Generation:
    """A thread that streams text without pause while training runs (workload generate/keras)."""

    def __init__(self, kind: str, log: Log):
        from textgen_tui.core.generate.service import GenerationService

        self.kind = kind
        self.log = log
        self.service = GenerationService()
        self.folder: Path | None = None
        self.stop_event = threading.Event()
        self.chars = 0
        self.streams = 0
        self.keras_loads = 0
        self.errors = 0
        self.last_error = ""
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._loop, name="soak-generate", daemon=True)

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(30)
        self.seconds = time.monotonic() - self.t0

    def _generator(self, folder: Path):
        from textgen_tui.core.generate.load import keras_generator
        from textgen_tui.core.store.folder import is_model
        from textgen_tui.core.store.keras_store import load_bundle

        if self.kind == "keras":
            if not is_model(folder):
                return None
            self.keras_loads += 1
            return keras_generator(load_bundle(folder, compile=False))  # Keras beside the training thread
        if self.service.live_epoch(folder) is None and not is_model(folder):
            return None
        return self.service.generator(folder)

    def _loop(self) -> None:
        length = 200 if self.kind == "keras" else 400
        while not self.stop_event.is_set():
            folder = self.folder
            try:
                generator = None if folder is None else self._generator(folder)
                if generator is None:
                    time.sleep(0.2)
                    continue
                self.streams += 1
                for _ in generator.stream(SEED_TEXT, (0.5, 1.0), length):
                    self.chars += 1
                    if self.stop_event.is_set():
                        break
            except Exception as exc:  # noqa: BLE001 - counted; a folder mid-commit may refuse once
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {str(exc)[:200]}"
                time.sleep(0.2)

    def summary(self) -> dict:
        return {
            "chars": self.chars,
            "streams": self.streams,
            "keras_loads": self.keras_loads,
            "errors": self.errors,
            "last_error": self.last_error,
            "chars_per_s": round(self.chars / self.seconds, 1) if self.seconds else 0.0,
        }


class RunProbe:
    """The session's listener plus a heartbeat poller, for one run."""

    def __init__(
        self,
        session,
        log: Log,
        run: int,
        generation: Generation | None,
        silence_min: float = 2.0,
        stacks_budget: list[int] | None = None,
    ):
        self.session = session
        self.log = log
        self.run = run
        self.generation = generation
        self.batch_times: list[float] = []
        self.first_batch_s: float | None = None
        self.epochs = 0
        self.batches_per_epoch = 0
        self.last_progress: float | None = None
        self.max_gap = 0.0
        self.max_gap_at = ""
        self.max_quiet = 0.0
        self.stalls = 0
        self.stall_seconds = 0.0
        self.started_at: float | None = None
        self.t_begin = time.monotonic()
        self.last_event = ("", self.t_begin)
        self.max_quiet_at = ""
        self.silence_min = silence_min
        self.silences: list[dict] = []
        self.stacks_budget = stacks_budget  # shared by the child's runs: dump Python stacks this often
        self.to_first_batch: float | None = None
        self.done = threading.Event()
        self.poller = threading.Thread(target=self._poll, name="soak-poll", daemon=True)

    def __call__(self, event) -> None:
        from textgen_tui.core import events as ev

        now = time.monotonic()
        self.last_event = (type(event).__name__, now)
        if isinstance(event, ev.Started):
            self.batches_per_epoch = event.batches_per_epoch
            self.started_at = now
            self.log("started", run=self.run, initial_epoch=event.initial_epoch, epochs=event.epochs)
        elif isinstance(event, ev.BatchProgress):
            if self.last_progress is None:
                self.to_first_batch = now - self.t_begin
            if self.last_progress is not None and now - self.last_progress > self.max_gap:
                self.max_gap = now - self.last_progress
                self.max_gap_at = f"epoch {event.epoch}, batch {event.batch}"
            self.last_progress = now
        elif isinstance(event, ev.EpochEnd):
            trainer = self.session.trainer
            done = trainer.position[1] if trainer is not None else 0
            times = list(trainer.batch_seconds[-done:]) if trainer is not None and done else []
            if self.first_batch_s is None and times:
                self.first_batch_s = times[0]
                times = times[1:]  # the run's first batch also traces the step: kept apart
            self.batch_times.extend(times)
            self.epochs += 1
            self.log("epoch", run=self.run, epoch=event.epoch, seconds=round(event.seconds, 2),
                     max_batch_s=round(max(times), 3) if times else None)  # fmt: skip
        elif isinstance(event, (ev.Finished, ev.Stopped, ev.Failed)):
            self.log(type(event).__name__.lower(), run=self.run)
        elif isinstance(event, ev.Snapshot):
            if self.generation is not None and self.session.out_dir is not None:
                self.generation.service.set_live(self.session.out_dir, event)
        elif isinstance(event, ev.Stalled):
            self.stalls += 1
            self.log("stalled", run=self.run, epoch=event.epoch, batch=event.batch,
                     seconds=round(event.seconds, 1), since=event.since, pid=os.getpid(), stacks=python_stacks())  # fmt: skip
            print(f"  STALLED: run {self.run}, epoch {event.epoch}, batch {event.batch}, "
                  f"quiet {event.seconds:.0f}s", flush=True)  # fmt: skip
        elif isinstance(event, ev.StallCleared):
            self.stall_seconds += event.seconds
            self.log("cleared", run=self.run, seconds=round(event.seconds, 1))
            print(f"  stall cleared after {event.seconds:.0f}s", flush=True)

    def _poll(self) -> None:
        """The trainer's heartbeat, every 50 ms: the longest silence, and every silence of at least
        `silence_min` seconds (where it began, what came just before, the process's CPU use)."""
        episode = None
        while not self.done.wait(0.05):
            trainer = self.session.trainer
            now = time.monotonic()
            if episode is not None and (
                trainer is None or trainer.last_beat != episode["beat"] or not self.session.active
            ):
                end = (
                    trainer.last_beat if trainer is not None and trainer.last_beat != episode["beat"] else now
                )
                cpu = cpu_seconds()
                episode["seconds"] = round(end - episode["beat"], 2)
                episode["ended_by"] = self.last_event[0] if not self.session.active else "heartbeat"
                episode["cpu_pct"] = round(
                    100 * (cpu - episode.pop("cpu0")) / max(1e-6, now - episode.pop("t0"))
                )
                del episode["beat"]
                self.silences.append(episode)
                self.log("silence", run=self.run, **episode)
                print(f"  silence {episode['seconds']:.1f}s at {episode['at']} ({episode['after']}), "
                      f"CPU {episode['cpu_pct']}%", flush=True)  # fmt: skip
                episode = None
            if trainer is None or not self.session.active or self.last_progress is None:
                continue  # from the first batch on: before it, the step is traced and compiled
            quiet = now - trainer.last_beat
            name, at = self.last_event
            where = f"epoch {trainer.position[0]}, batch {trainer.position[1]}"
            if quiet > self.max_quiet:
                self.max_quiet = quiet
                self.max_quiet_at = f"{where}, status {self.session.status}, {now - at:.1f}s after {name}"
            if episode is None and quiet >= self.silence_min:
                episode = {
                    "beat": trainer.last_beat,
                    "at": where,
                    "after": name,
                    "t0": now,
                    "cpu0": cpu_seconds(),
                }
                if self.stacks_budget and self.stacks_budget[0] > 0:
                    self.stacks_budget[0] -= 1
                    episode["python_stacks"] = python_stacks()

    def summary(self, seconds: float) -> dict:
        times = self.batch_times
        return {
            "run": self.run,
            "status": self.session.status,
            "error": self.session.error,
            "epochs": self.epochs,
            "batches": len(times) + (self.first_batch_s is not None),
            "seconds": round(seconds, 2),
            "median_batch_s": round(statistics.median(times), 4) if times else None,
            "max_batch_s": round(max(times), 3) if times else None,
            "first_batch_s": None if self.first_batch_s is None else round(self.first_batch_s, 3),
            "to_first_batch_s": None if self.to_first_batch is None else round(self.to_first_batch, 2),
            "max_progress_gap_s": round(self.max_gap, 3),
            "max_progress_gap_at": self.max_gap_at,
            "max_heartbeat_silence_s": round(self.max_quiet, 3),
            "max_heartbeat_silence_at": self.max_quiet_at,
            "stalls": self.stalls,
            "stall_seconds": round(self.stall_seconds, 1),
            "silences": self.silences,
        }


def child(spec: dict) -> int:
    log = Log(Path(spec["log"]))
    faulthandler.enable()
    info = apply_threads(log)
    log("ready", pid=os.getpid(), **info)
    from textgen_tui.core.text.corpus import load_corpus
    from textgen_tui.core.train.session import TrainingSession

    if os.environ.get(AUTOTUNE_ENV) == "1":
        patch_autotune_on()
        log("patched", what="tf.data autotune enabled on the training and validation datasets")
    corpus = load_corpus(spec["corpus"])
    folder = Path(spec["folder"])
    generation = None
    if spec["workload"] in ("generate", "keras"):
        generation = Generation(spec["workload"], log)
        generation.folder = folder
        generation.start()
    session = TrainingSession(stall_after=spec["stall_after"], stall_factor=spec["stall_factor"], poll=0.5)
    hung = False
    stacks_budget = [spec.get("stacks_silences", 0)]
    for run, epochs in enumerate(spec["runs"]):
        probe = RunProbe(session, log, run, generation, spec.get("silence_min", 2.0), stacks_budget)
        session.listeners = [probe]
        log("run_begin", run=run, resume=run > 0, epochs=epochs)
        t = time.monotonic()
        if run == 0:
            overrides = {
                "steps_per_epoch": spec["steps"] or None,
                "epochs": epochs,
                "early_stopping_patience": 0,
            }
            overrides.update(spec.get("overrides") or {})
            session.start(corpus, folder, preset="fast", overrides=overrides)
        else:
            session.resume(folder, corpus=corpus, overrides={"epochs": epochs})
        probe.poller.start()
        deadline = t + spec["run_timeout"]
        while not session.wait(1.0):
            if time.monotonic() > deadline:
                hung = True
                break
        probe.done.set()
        if generation is not None:
            generation.service.clear_live()  # the run is over: Generate reads the folder again
        summary = probe.summary(time.monotonic() - t)
        summary["hung"] = hung
        log("run_end", **summary)
        status = "HUNG" if hung else summary["status"]
        print(f"  run {run}: {status}, {summary['epochs']} epochs in {summary['seconds']:.0f}s, "
              f"max gap {summary['max_progress_gap_s']:.2f}s, stalls {summary['stalls']}", flush=True)  # fmt: skip
        if hung:
            log("hang", run=run, pid=os.getpid(), stacks=python_stacks())
            break
        if summary["status"] != "finished":
            break
    if generation is not None:
        generation.stop()
        log("generation", **generation.summary())
    log("done", hung=hung)
    if hung:
        os._exit(3)  # the training thread is stuck in C++: do not wait for it
    return 0


# =============================================================================================
# The parent: one child per variant × workload, a timeout each, the tables
# =============================================================================================
def machine() -> dict:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        tf_version = version("tensorflow")
    except Exception:  # noqa: BLE001
        tf_version = "?"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "tensorflow": tf_version,
        "nice": os.nice(0),
    }


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # a line cut by a kill
    return out


def gdb_stacks(pid: int, frames: int = 30) -> str:
    """Native stacks of every thread. Slow: gdb stops the process while it reads TensorFlow's
    symbols (about 20 s here), so only for a stall that has already lasted --gdb-after seconds."""
    gdb = shutil.which("gdb")
    if gdb is None:
        return "(gdb not found)"
    try:
        r = subprocess.run(
            [gdb, "-p", str(pid), "-batch", "-nx", "-ex", "set pagination off", "-ex", f"thread apply all bt {frames}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return r.stdout[-60_000:]
    except (subprocess.SubprocessError, OSError) as exc:
        return f"(gdb failed: {exc})"


def run_child(name: str, variant: str, workload: str, runs: list[int], args, work: Path) -> dict:
    folder = work / f"{variant}-{workload}"
    log_path = work / f"{variant}-{workload}.jsonl"
    per_epoch = args.steps or max(1, int((args.corpus_chars or 600_000) * 0.9 / 8192))
    run_timeout = args.run_timeout or (120 + 25 * max(runs) * per_epoch / 20)
    spec = {
        "variant": variant,
        "workload": workload,
        "runs": runs,
        "steps": args.steps,
        "stall_after": args.stall_after,
        "stall_factor": args.stall_factor,
        "run_timeout": run_timeout,
        "corpus": str(args.corpus_file),
        "silence_min": args.silence_min,
        "stacks_silences": args.stacks_silences,
        "folder": str(folder),
        "log": str(log_path),
        "overrides": {"validation_steps": args.validation_steps, "length": args.sample_length},
    }
    env = {k: v for k, v in os.environ.items() if k not in (ONEDNN_ENV, INTRA_ENV, INTER_ENV, AUTOTUNE_ENV)}
    env.update(VARIANTS[variant])
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "benchmarks.soak", "--child", json.dumps(spec)]
    size = f"{args.steps} batches" if args.steps else "full passes"
    print(f"{name}: {variant} / {workload}: {len(runs)} runs × {runs[0]} epochs × {size}"
          f"  env {VARIANTS[variant] or '{}'}", flush=True)  # fmt: skip
    t = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = t + 180 + run_timeout * len(runs)
    gdb_out = None
    killed = False
    while proc.poll() is None:
        time.sleep(1.0)
        if args.gdb_after > 0 and gdb_out is None:
            events = read_log(log_path)
            stalled = [e for e in events if e["ev"] == "stalled"]
            if stalled and not any(
                e["ev"] in ("cleared", "run_end") and e["t"] > stalled[-1]["t"] for e in events
            ):
                if time.time() - stalled[-1]["since"] > args.gdb_after:
                    print("  the stall lasts: attaching gdb for the native stacks", flush=True)
                    gdb_out = gdb_stacks(proc.pid)
        if time.monotonic() > deadline:
            killed = True
            if gdb_out is None and args.gdb_after > 0:
                gdb_out = gdb_stacks(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    wall = time.monotonic() - t
    events = read_log(log_path)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return summarise(variant, workload, runs, events, wall, proc.returncode, killed, gdb_out)


def summarise(variant, workload, runs, events, wall, rc, killed, gdb_out) -> dict:
    ready = next((e for e in events if e["ev"] == "ready"), {})
    ends = [e for e in events if e["ev"] == "run_end"]
    generation = next((e for e in events if e["ev"] == "generation"), None)
    stalls = [e for e in events if e["ev"] == "stalled"]
    hangs = [e for e in events if e["ev"] == "hang"]
    hung = killed or bool(hangs) or any(e.get("hung") for e in ends)
    epochs = sum(e["epochs"] for e in ends)
    batches = sum(e["batches"] for e in ends)
    train_s = sum(e["seconds"] for e in ends)
    medians = [e["median_batch_s"] for e in ends if e["median_batch_s"] is not None]

    def biggest(key):
        values = [e[key] for e in ends if e.get(key) is not None]
        return max(values) if values else None

    gap_run = max(ends, key=lambda e: e["max_progress_gap_s"], default=None)
    silences = [{"run": e["run"], **x} for e in ends for x in e.get("silences", [])]
    kinds = {"between epochs": 0, "end of run": 0, "inside an epoch": 0}
    per_epoch = max((e["batches"] // max(1, e["epochs"]) for e in ends if e["epochs"]), default=0)
    for x in silences:
        if x.get("ended_by") not in (None, "heartbeat"):
            x["kind"] = "end of run"
        elif x["at"].endswith(f"batch {per_epoch}") or x["at"].endswith("batch 0"):
            x["kind"] = "between epochs"
        else:
            x["kind"] = "inside an epoch"
        kinds[x["kind"]] += 1
    longest = max(silences, key=lambda x: x["seconds"], default=None)
    return {
        "variant": variant,
        "workload": workload,
        "env": VARIANTS[variant],
        "planned_runs": len(runs),
        "planned_epochs": sum(runs),
        "runs": len(ends),
        "resumes": max(0, len(ends) - 1),
        "epochs": epochs,
        "batches": batches,
        "epoch_boundaries": epochs,
        "train_seconds": round(train_s, 1),
        "wall_seconds": round(wall, 1),
        "batches_per_s": round(batches / train_s, 3) if train_s else None,
        "median_batch_ms": round(1000 * statistics.median(medians), 1) if medians else None,
        "max_batch_s": biggest("max_batch_s"),
        "max_first_batch_s": biggest("first_batch_s"),
        "max_to_first_batch_s": biggest("to_first_batch_s"),
        "max_progress_gap_s": biggest("max_progress_gap_s"),
        "max_progress_gap_at": f"run {gap_run['run']}, {gap_run['max_progress_gap_at']}" if gap_run else "",
        "max_heartbeat_silence_s": biggest("max_heartbeat_silence_s"),
        "silences": silences,
        "silence_kinds": kinds,
        "longest_silence": longest,
        "stalled_events": len(stalls),
        "stall_seconds": round(sum(e["stall_seconds"] for e in ends), 1),
        "hung": hung,
        "killed": killed,
        "returncode": rc,
        "failed": [e["error"] for e in ends if e["status"] not in ("finished",) and e.get("error")],
        "stall_reproduced": bool(stalls) or hung,
        "tf": ready.get("tf"),
        "onednn": ready.get("onednn"),
        "intra_op_threads": ready.get("intra_op_threads"),
        "inter_op_threads": ready.get("inter_op_threads"),
        "threads_applied_by": ready.get("threads_applied_by"),
        "generation": generation,
        "stall_stacks": [e.get("stacks") for e in stalls + hangs][:3],
        "gdb_stacks": gdb_out,
        "runs_detail": ends,
    }


def fmt(v, spec="{:.2f}") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return spec.format(v)
    return str(v)


def table(rows: list[dict]) -> str:
    head = (
        "| variant | workload | oneDNN | intra/inter threads | runs (resumes) | epochs | batches "
        "| training s | batches/s | median batch ms | max batch s | max gap between batches s "
        "| longest heartbeat silence s | silences ≥ threshold: between epochs / end of run / inside "
        "| start/resume to 1st batch, max s | Stalled events | hung | generated positions/s |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        if r.get("skipped"):
            lines.append(f"| {r['variant']} | {r['workload']} | skipped: {r['skipped']} |" + " |" * 15)
            continue
        gen = r.get("generation") or {}
        gen_rate = f"{gen.get('chars_per_s', 0):.0f}"
        if gen and r["workload"] == "keras":
            gen_rate = f"{gen_rate} ({gen.get('keras_loads')} Keras loads)"
        threads = f"{r['intra_op_threads']}/{r['inter_op_threads']}"
        if r["intra_op_threads"] == 0:
            threads = "TF default (0/0)"
        kinds = r.get("silence_kinds")
        kinds = "—" if kinds is None else " / ".join(str(v) for v in kinds.values())
        silence = fmt(r["max_heartbeat_silence_s"])
        longest = r.get("longest_silence")
        if longest and longest.get("cpu_pct") is not None:
            silence += f" (CPU {longest['cpu_pct']}%)"
        lines.append(
            f"| {r['variant']} | {r['workload']} | {fmt(r['onednn'])} | {threads} "
            f"| {r['runs']} ({r['resumes']}) | {r['epochs']} | {r['batches']} | {fmt(r['train_seconds'], '{:.0f}')} "
            f"| {fmt(r['batches_per_s'])} | {fmt(r['median_batch_ms'], '{:.0f}')} | {fmt(r['max_batch_s'])} "
            f"| {fmt(r['max_progress_gap_s'])} | {silence} | {kinds} "
            f"| {fmt(r['max_to_first_batch_s'], '{:.1f}')} "
            f"| {r['stalled_events']} | {fmt(r['hung'])} | {fmt(gen_rate) if gen else '—'} |"
        )
    return head + "\n".join(lines) + "\n"


def plan(args) -> list[tuple[str, str, list[int]]]:
    """(variant, workload, epochs per run), the most telling first: if the time budget runs out,
    what is skipped is the least important."""
    out = []
    for workload in args.workloads:
        for variant in args.variants:
            if workload in args.default_only and variant != "default":
                continue
            main_row = variant == "default" and workload not in args.default_only
            total = args.epochs if main_row else args.other_epochs
            k = min(args.epochs_per_run, total)
            runs = [k] * (total // k) + ([total % k] if total % k else [])
            out.append((variant, workload, runs))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Soak training (the fast preset, many short epochs, a resume every few epochs) "
        "under several TensorFlow thread/oneDNN settings, with and without generation alongside, "
        "looking for the training stall of issue 8, bug 3.",
    )
    p.add_argument("--quick", action="store_true", help="a smoke run: 2 variants, a few epochs (< 1 minute)")
    p.add_argument("--variants", default="default,onednn-off,threads,both",
                   help=f"comma list of {', '.join(VARIANTS)} (default: %(default)s)")  # fmt: skip
    p.add_argument("--workloads", default="headless,generate,keras",
                   help=f"comma list of {', '.join(WORKLOADS)} (default: %(default)s)")  # fmt: skip
    p.add_argument("--default-only", default="keras",
                   help="workloads run for the default variant only (default: %(default)s)")  # fmt: skip
    p.add_argument("--epochs", type=int, default=60,
                   help="epochs for the default variant's workloads, but the default-only ones (default: 60)")  # fmt: skip
    p.add_argument("--other-epochs", type=int, default=24, help="epochs for the other rows (default: 24)")
    p.add_argument(
        "--epochs-per-run", type=int, default=4, help="resume the folder every K epochs (default: 4)"
    )
    p.add_argument("--epoch-mode", choices=("steps", "pass"), default="steps",
                   help="steps: epochs of --steps batches (steps_per_epoch; one tf.data iterator per run); "
                   "pass: epochs are full passes over the corpus, the app's default (a new iterator "
                   "every epoch), made short with --corpus-chars (default: steps)")  # fmt: skip
    p.add_argument("--steps", type=int, default=16, help="batches per epoch in steps mode (default: 16)")
    p.add_argument("--corpus-chars", type=int, default=None,
                   help="train on the corpus's first N characters (pass mode: 150000, about 16 batches "
                   "per epoch; 0: the whole corpus)")  # fmt: skip
    p.add_argument("--validation-steps", type=int, default=None,
                   help="validation batches per epoch (default: the preset's, the whole held-out part)")  # fmt: skip
    p.add_argument("--sample-length", type=int, default=None,
                   help="characters per per-epoch sample (default: the preset's)")  # fmt: skip
    p.add_argument("--stall-after", type=float, default=20.0, help="watchdog: seconds (default: 20)")
    p.add_argument("--stall-factor", type=float, default=20.0, help="watchdog: × median batch (default: 20)")
    p.add_argument("--silence-min", type=float, default=2.0,
                   help="report every heartbeat silence at least this long (default: 2 s)")  # fmt: skip
    p.add_argument("--stacks-silences", type=int, default=2,
                   help="dump the Python stacks of the first N silences of each child (default: 2). "
                   "For native stacks run gdb by hand: attaching stops the process for about 20 s "
                   "while it reads TensorFlow's symbols")  # fmt: skip
    p.add_argument("--run-timeout", type=float, default=0.0,
                   help="hard limit per run in seconds; a run past it counts as hung (default: from the run's size)")  # fmt: skip
    p.add_argument("--gdb-after", type=float, default=60.0,
                   help="attach gdb when a reported stall has lasted this long (0: never; default: 60)")  # fmt: skip
    p.add_argument("--budget-min", type=float, default=0.0,
                   help="start no new row after this many minutes (0: no limit)")  # fmt: skip
    p.add_argument("--nice", type=int, default=19, help="niceness of the soak and its children (default: 19)")
    p.add_argument("--corpus", type=Path, default=CORPUS)
    p.add_argument("--out", type=Path, default=None,
                   help="results prefix (default: benchmarks/results/soak; a quick run writes nothing)")  # fmt: skip
    p.add_argument("--append", action="store_true",
                   help="add this run to the results already in --out instead of replacing them")  # fmt: skip
    p.add_argument("--notes", type=Path, default=None,
                   help="a Markdown file: the reading of the results, kept in the JSON and shown first")  # fmt: skip
    p.add_argument("--render", action="store_true", help="only rewrite the .md from the .json (with --notes)")
    p.add_argument("--keep", action="store_true", help="keep the model folders (their path is printed)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        return child(json.loads(args.child))

    out = args.out if args.out is not None else (None if args.quick else RESULTS / "soak")
    if args.render:
        if out is None:
            p.error("--render needs results (--out)")
        payload = load_results(out)
        if args.notes is not None:
            payload["notes"] = args.notes.read_text(encoding="utf-8")
        write_results(out, payload)
        return 0

    if args.quick:
        args.variants = "default,threads" if args.variants == p.get_default("variants") else args.variants
        args.workloads = (
            "headless,generate" if args.workloads == p.get_default("workloads") else args.workloads
        )
        args.epochs, args.other_epochs, args.epochs_per_run, args.steps = 2, 2, 1, 3
        args.validation_steps = args.validation_steps or 1
        args.sample_length = args.sample_length or 40
    if args.epoch_mode == "pass":
        args.steps = 0
        args.corpus_chars = 150_000 if args.corpus_chars is None else args.corpus_chars
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.default_only = [w.strip() for w in args.default_only.split(",") if w.strip()]
    for v in args.variants:
        if v not in VARIANTS:
            p.error(f"unknown variant {v!r}: choose from {', '.join(VARIANTS)}")
    for w in args.workloads + args.default_only:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w!r}: choose from {', '.join(WORKLOADS)}")
    if not args.corpus.exists():
        p.error(f"{args.corpus} does not exist")
    if args.nice > os.nice(0):
        os.nice(args.nice - os.nice(0))

    command = "python -m benchmarks.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    info = machine()
    started = time.strftime("%Y-%m-%d %H:%M")
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="textgen-soak-"))
    args.corpus_file = args.corpus
    if args.corpus_chars:  # a slice, in the temporary folder (the corpus is never copied elsewhere)
        text = args.corpus.read_text(encoding="utf-8")[: args.corpus_chars]
        args.corpus_file = work / f"{args.corpus.stem}-first-{args.corpus_chars}.txt"
        args.corpus_file.write_text(text, encoding="utf-8")
    rows: list[dict] = []
    try:
        for i, (variant, workload, runs) in enumerate(plan(args), 1):
            if args.budget_min and time.monotonic() - t0 > 60 * args.budget_min:
                rows.append({"variant": variant, "workload": workload, "skipped": "time budget spent"})
                continue
            rows.append(run_child(f"[{i}]", variant, workload, runs, args, work))
            r = rows[-1]
            print(f"  → {r['epochs']} epochs, {r['batches_per_s']} batches/s, max gap {r['max_progress_gap_s']}s, "
                  f"silences {r['silence_kinds']}, stalls {r['stalled_events']}, hung {r['hung']}", flush=True)  # fmt: skip
    finally:
        if args.keep:
            print(f"model folders kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "child"}
    invocation = {
        "command": command,
        "date": started,
        "minutes": round((time.monotonic() - t0) / 60, 1),
        "machine": info,
        "settings": settings,
        "results": rows,
    }
    print()
    print(section(invocation))
    if out is not None:
        payload = load_results(out) if args.append else {"invocations": []}
        payload["invocations"].append(invocation)
        if args.notes is not None:
            payload["notes"] = args.notes.read_text(encoding="utf-8")
        write_results(out, payload)
        print(f"written: {out.with_suffix('.md')}, {out.with_suffix('.json')}")
    done = [r for r in rows if not r.get("skipped")]
    return 1 if any(r.get("stall_reproduced") for r in done) else 0


def load_results(out: Path) -> dict:
    path = out.with_suffix(".json")
    if not path.exists():
        return {"invocations": []}
    payload = json.loads(path.read_text(encoding="utf-8"))
    if "invocations" not in payload:  # the first layout: one invocation at the top level
        payload = {"invocations": [payload]}
    return payload


def write_results(out: Path, payload: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = ["# Soak: the training stall (issue 8, bug 3)", ""]
    if payload.get("notes"):
        parts += [payload["notes"].rstrip(), ""]
    for n, invocation in enumerate(payload["invocations"], 1):
        parts += [section(invocation, n)]
    out.with_suffix(".md").write_text("\n".join(parts), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")


def section(invocation: dict, n: int | None = None) -> str:
    info, a, rows = invocation["machine"], invocation["settings"], invocation["results"]
    done = [r for r in rows if not r.get("skipped")]
    epochs = sum(r["epochs"] for r in done)
    resumes = sum(r["resumes"] for r in done)
    batches = sum(r["batches"] for r in done)
    stalls = sum(r["stalled_events"] for r in done)
    hung = [
        f"{r['variant']}/{r['workload']} ({'reported' if r['stalled_events'] else 'NOT reported'} by the watchdog)"
        for r in done
        if r["hung"]
    ]
    reproduced = [f"{r['variant']}/{r['workload']}" for r in done if r["stall_reproduced"]]
    steps = a.get("steps")
    chars = a.get("corpus_chars")
    corpus = Path(a.get("corpus", "nietzsche.txt")).stem + (
        f" (its first {chars:,} characters)" if chars else ""
    )
    size = (
        f"{steps} batches per epoch (steps_per_epoch: one tf.data iterator per run)"
        if steps
        else ("epochs that are full passes over it (the app's default: a new tf.data iterator every epoch)")
    )
    silence_min = a.get("silence_min")
    title = f"## Run {n}: `{invocation['command']}`" if n else f"## `{invocation['command']}`"
    lines = [
        title,
        "",
        f"Run under `nice -n {info['nice']}`; {invocation['date']}; {invocation['minutes']:.0f} minutes in all  ",
        f"Machine: {info['cores']} cores ({info['cpu']}), shared with other work; Python {info['python']}, "
        f"TensorFlow {info['tensorflow']}  ",
        f"Each row: one fresh process; the `fast` preset on {corpus}, {size}, early stopping off, the "
        f"folder resumed every {a['epochs_per_run']} epochs in the same process; watchdog "
        f"stall_after={a['stall_after']:g} s, stall_factor={a['stall_factor']:g}. "
        "`generate`: a thread streams from the numpy generator without pause (2 temperatures × 400 "
        "characters per stream; the live snapshot during a run, the folder's best model between runs). "
        "`keras`: the thread reloads the folder with Keras (`load_bundle`, the app's older path) and "
        "streams 200 characters, over and over. `autotune-off`: the soak wraps the product's "
        "datasets with tf.data autotuning disabled.",
        "",
        "Max batch: the slowest batch, each run's first batch (which traces the step) left out. Max gap "
        "between batches: between consecutive batch-progress events, epoch boundaries (validation, "
        "sample, save) included. Heartbeat silence: how long the trainer's heartbeat (what the watchdog "
        "reads) stayed still from each run's first batch on, sampled every 50 ms"
        + (
            f"; silences of {silence_min:g} s or more are counted by where they fell, and the longest "
            "one's CPU use (the whole process) is shown"
            if silence_min
            else ""
        )
        + ". Start/resume to 1st batch: from `start()`/`resume()` to the first batch's end (load, "
        "build, trace). Generated positions/s: steps of the generation thread (one character per "
        "temperature each).",
        "",
        table(rows),
        f"**Totals**: {epochs} epochs ({epochs} epoch starts), {resumes} resumes, {batches} batches; "
        f"Stalled events: {stalls}; hung runs: {', '.join(hung) if hung else 'none'}.",
        "",
        "**Stall reported by the watchdog or hung**: "
        + (", ".join(reproduced) if reproduced else "no")
        + ".",
        "",
    ]
    base = {(r["workload"]): r for r in done if r["variant"] == "default"}
    speed = []
    for r in done:
        b = base.get(r["workload"])
        if r["variant"] != "default" and b and b.get("batches_per_s") and r.get("batches_per_s"):
            change = 100 * (r["batches_per_s"] / b["batches_per_s"] - 1)
            speed.append(f"{r['variant']}/{r['workload']}: {change:+.0f}%")
    if speed:
        lines += ["Training speed (batches/s over whole runs) against `default` with the same workload: "
                  + "; ".join(speed) + ".", ""]  # fmt: skip
    long = sorted((x for r in done for x in (r.get("silences") or [])), key=lambda x: -x["seconds"])
    if long:
        lines += ["Longest silences: " + "; ".join(
            f"{x['seconds']:.1f} s ({x['kind']}, run {x['run']}, {x['at']}, after {x['after']}, CPU {x['cpu_pct']}%)"
            for x in long[:5]) + ".", ""]  # fmt: skip
    for r in done:
        if r["threads_applied_by"] == "soak":
            lines += [f"Note: in `{r['variant']}` the thread counts were applied by the soak script, "
                      "not by the product (backend did not honour the env vars yet).", ""]  # fmt: skip
            break
    for r in done:
        gen = r.get("generation") or {}
        if gen.get("errors"):
            lines += [f"Generation errors in {r['variant']}/{r['workload']}: {gen['errors']} "
                      f"(last: {gen['last_error']})", ""]  # fmt: skip
        if r["failed"]:
            lines += [f"Failed runs in {r['variant']}/{r['workload']}: {'; '.join(r['failed'])}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
