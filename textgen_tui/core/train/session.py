"""A training session owns one run from start to end, for the CLI and the app alike.

It builds the Config (a preset plus the user's overrides, or a folder's own settings plus the
knobs that may change), checks everything it can before a thread starts (so a refusal is an
exception in the caller, at once), then trains in ONE thread that owns the backend. It reports
through the training-event stream, plus `SessionStatus` events on every change of status, and a
watchdog says when no batch has finished for a suspiciously long time. `stop()` stops after the
current batch (the epoch is saved); `close()` is what a shell calls when it quits.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textgen_tui.core import events as ev
from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, ConfigError, TextgenError, first_line
from textgen_tui.core.nets.parallel import SINGLE, Parallel, device_count, setup
from textgen_tui.core.store.folder import is_model
from textgen_tui.core.store.journal import is_locked
from textgen_tui.core.store.paths import bundled_model, default_out_dir
from textgen_tui.core.text.corpus import Corpus
from textgen_tui.core.train.fine_tune import Base, find_base
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.sizing import sizable

IDLE = "idle"
PREPARING = "preparing"
RUNNING = "running"
STOPPING = "stopping"
STALLED = "stalled"
FINISHED = "finished"
FAILED = "failed"
ACTIVE = (PREPARING, RUNNING, STOPPING, STALLED)


# What a collective says when another process of a multi-process run is gone.
PEER_SIGNS = ("Gloo", "Connection reset", "Connection closed", "CoordinationService", "heartbeat", "NCCL")


@dataclass(frozen=True)
class SessionStatus(ev.TrainingEvent):
    """The session's status changed (one of the names above)."""

    status: str
    out_dir: str
    detail: str = ""


def _checked(devices: str | int | None) -> str | int | None:
    """The devices setting, refused in one line before any thread starts when malformed."""
    if devices is None:
        return None
    count = device_count(devices)
    return "all" if count is None else count


def _checked_log_dir(log_dir: str | Path | None) -> Path | None:
    """A TensorBoard log folder: a folder (or nothing yet) and TensorFlow to write it."""
    if log_dir is None or not str(log_dir).strip():
        return None
    import importlib.util

    path = Path(str(log_dir).strip()).expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"the TensorBoard log folder {path} is a file")
    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("tensorboard") is None:
        raise ConfigError(
            "TensorBoard logs need TensorFlow and TensorBoard: pip install 'textgen-tui[tensorboard]'"
        )
    return path


class TrainingSession:
    def __init__(
        self,
        listeners: list[ev.Listener] | None = None,
        *,
        stall_after: float = 30.0,
        stall_factor: float = 20.0,
        poll: float = 1.0,
        first_batch_after: float = 120.0,
        parallel: Parallel = SINGLE,
    ) -> None:
        """`stall_after` and `stall_factor`: training counts as stalled when nothing has moved
        for max(stall_after, stall_factor × the median batch time so far); before the first batch
        (which also traces and compiles the step), for max(stall_after, first_batch_after).
        `parallel`: this process's part in a data-parallel run; with several processes, no
        progress for `parallel.peer_timeout` seconds means one of them is gone (`peer_lost`)."""
        self.listeners: list[ev.Listener] = list(listeners or [])
        self.stall_after = stall_after
        self.stall_factor = stall_factor
        self.poll = poll
        self.first_batch_after = first_batch_after
        self.parallel = parallel
        self.peer_lost: str | None = None
        self.tensorboard: Path | None = None  # the current run's TensorBoard log folder
        self.status = IDLE
        self.out_dir: Path | None = None
        self.copied_from: Path | None = None
        self.config: Config | None = None
        self.spec: RunSpec | None = None  # the current run's, resolved once by start or resume
        self._started = False  # the trainer said Started: a failure now is a failed run, not a refusal
        self.trainer = None
        self.error: str | None = None
        self.finished: ev.Finished | None = None
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._stall_started: float | None = None
        self._status_before_stall = RUNNING
        self._lock = threading.Lock()

    # -- listeners ------------------------------------------------------------------------------
    def add_listener(self, listener: ev.Listener) -> None:
        self.listeners.append(listener)

    def emit(self, event: ev.TrainingEvent) -> None:
        for listener in list(self.listeners):
            listener(event)

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        self.emit(SessionStatus(status, str(self.out_dir or ""), detail))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    # -- starting -------------------------------------------------------------------------------
    def start(
        self,
        corpus: Corpus,
        out_dir: str | Path | None = None,
        *,
        preset: str = "fast",
        overrides: dict[str, Any] | None = None,
        config: Config | None = None,
        devices: str | int | None = None,
        tensorboard: str | Path | None = None,
        base: Base | str | Path | None = None,
    ) -> Path:
        """Train a new model folder: `preset` with `overrides`, or `config` when the caller built
        that already (the CLI, which checks it before loading the corpus; `preset` and `overrides`
        still say what sizing may set). `tensorboard`: a folder for TensorBoard logs of the run.
        `devices` ("all", a count): data-parallel on that many local devices (JAX); None keeps the
        session's `parallel`. Refusals (bad settings, a folder that is not ours to write) raise
        TextgenError here, before any thread starts. `base`: fine-tune that model (a Base, or a name
        or folder for `find_base`). Returns the folder."""
        self._check_idle()
        from textgen_tui.core.train.trainer import check_new_out_dir

        out = Path(out_dir).expanduser() if out_dir else default_out_dir(Path(corpus.source).stem or "model")
        if base is not None and not isinstance(base, Base):
            base = find_base(base)
        spec = RunSpec.new(
            corpus, out, preset, overrides, config=config, sizable=sizable(preset, overrides), base=base
        )
        if self.parallel.chief:
            check_new_out_dir(out)
        self.tensorboard = _checked_log_dir(tensorboard)
        self._launch(spec, _checked(devices))
        return out

    def resume(
        self,
        out_dir: str | Path,
        *,
        corpus: Corpus | None = None,
        overrides: dict[str, Any] | None = None,
        devices: str | int | None = None,
        tensorboard: str | Path | None = None,
        spec: RunSpec | None = None,
    ) -> Path:
        """Continue a model folder at its next epoch. Without `corpus`, the folder's own corpus is
        loaded (in the training thread). The bundled model is never trained: a copy is, and
        `out_dir` names the copy. `spec`: the resume already resolved (the CLI's, which checked
        it before loading the corpus), instead of `overrides`. Returns the folder that trains."""
        self._check_idle()
        folder = Path(out_dir).expanduser()
        self.tensorboard = _checked_log_dir(tensorboard)
        if spec is None:  # a missing, foreign or broken folder: its one-line error
            spec = RunSpec.resumed(folder, overrides, corpus)
        if is_locked(folder):
            raise BundleError(f"{folder} is being trained by another session")
        copied_from = None
        bundled = bundled_model()
        if bundled is not None and folder.resolve() == bundled.resolve():
            copied_from = folder
            folder = default_out_dir(bundled.name)
            shutil.copytree(copied_from, folder, ignore=shutil.ignore_patterns(".lock", ".saving"))
            spec = spec.moved_to(folder)
        self.copied_from = copied_from
        self._launch(spec, _checked(devices))
        return folder

    def _check_idle(self) -> None:
        if self.active:
            raise TextgenError("training is already running: stop it first")
        if self._thread is not None and self._thread.is_alive():
            raise TextgenError("the previous run is still ending: try again in a moment")

    def _launch(self, spec: RunSpec, devices) -> None:
        self.out_dir = spec.out_dir
        self.config = spec.config
        self.spec = spec
        self.error = None
        self.finished = None
        self.trainer = None
        self._started = False
        self._stall_started = None
        self._set_status(PREPARING, "resuming" if spec.resume else "starting")
        self._thread = threading.Thread(
            target=self._train, args=(spec, devices), name="textgen-train", daemon=True
        )
        self._thread.start()

    # -- the training thread --------------------------------------------------------------------
    def _train(self, spec: RunSpec, devices) -> None:
        from textgen_tui.core.train.trainer import Trainer

        trainer = None
        try:
            if devices is not None:  # lists the backend's devices: Keras loads in this thread
                batch = spec.config.train.batch_size  # the user's, or the preset's, or the folder's
                self.parallel = setup(devices, batch_size=batch) if devices != 1 else SINGLE
            if spec.corpus is None:
                spec.corpus = self._folder_corpus(spec)
            trainer = Trainer(
                spec, listeners=[self._relay], parallel=self.parallel, tensorboard=self.tensorboard
            )
            with self._lock:
                self.trainer = trainer
                stop_early = self.status == STOPPING
            if stop_early:
                trainer.stop()
            self.finished = trainer.run()
            self._set_status(FINISHED, trainer.stop_reason or "done")
        except TextgenError as exc:
            # Refused before training, or failed after it began (a NaN in the first epoch): the
            # trainer's own Failed event said which.
            self._fail(str(exc), trainer, started=self._started)
        except Exception as exc:  # noqa: BLE001 - reported as an event; the shells show it
            first = first_line(exc, 300, empty="")
            message = f"{type(exc).__name__}: {first}"
            signs = [first.find(w) for w in PEER_SIGNS if w in first]
            if self.parallel.processes > 1 and signs:
                message = f"another process of the run stopped ({first[min(signs) :][:200]})"
            self._fail(message, trainer, started=True)

    def _folder_corpus(self, spec: RunSpec) -> Corpus:
        from textgen_tui.core.text.catalog import resolve_corpus

        info = spec.info
        source = info.corpus.get("source") if info is not None else None
        if not source:
            raise BundleError(f"{spec.out_dir} does not say which corpus it was trained on: load it first")
        return resolve_corpus(str(source), bool(info.config.data.lowercase))

    def _fail(self, message: str, trainer, *, started: bool) -> None:
        saved = trainer.epochs_saved if trainer is not None else 0
        if self.copied_from is not None and saved == 0 and self.out_dir is not None:
            shutil.rmtree(self.out_dir, ignore_errors=True)  # our own copy, and nothing trained in it
            self.out_dir = self.copied_from
        self.error = message
        last_good = str(self.out_dir) if self.out_dir is not None and is_model(self.out_dir) else None
        self.emit(ev.Failed(message, last_good, started=started))
        self._set_status(FAILED, message)

    def _relay(self, event: ev.TrainingEvent) -> None:
        """Every trainer event passes here (in the training thread) on its way to the listeners."""
        if isinstance(event, ev.Failed):
            return  # the session reports failures itself, once (`_fail`, with `started` kept)
        if isinstance(event, ev.Started):
            self._started = True
            self.emit(event)
            if self.status == PREPARING:
                self._set_status(RUNNING)
            self._start_watchdog()
            return
        self.emit(event)

    # -- control --------------------------------------------------------------------------------
    def stop(self, quick: bool = False) -> bool:
        """Stop after the current batch; the epoch is saved. `quick` (quitting) also cuts its
        validation short. Returns False when nothing was training."""
        with self._lock:
            if not self.active:
                return False
            trainer = self.trainer
            if self.status != STOPPING:
                self.status = STOPPING
        if trainer is not None:
            trainer.stop(quick=quick)
        self.emit(SessionStatus(STOPPING, str(self.out_dir or ""), "after this batch"))
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the training thread; True when it has ended."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def close(self, timeout: float = 30.0) -> bool:
        """Quitting: stop quickly, wait for the save. True when the thread ended in time."""
        self.stop(quick=True)
        return self.wait(timeout)

    # -- the watchdog ---------------------------------------------------------------------------
    def stall_threshold(self) -> float:
        trainer = self.trainer
        times = list(trainer.batch_seconds) if trainer is not None else []
        if not times:  # the first batch also traces and compiles the step: give it longer
            return max(self.stall_after, self.first_batch_after)
        return max(self.stall_after, self.stall_factor * statistics.median(times))

    def _start_watchdog(self) -> None:
        if self._watchdog is not None and self._watchdog.is_alive():
            return
        self._watchdog = threading.Thread(target=self._watch, name="textgen-watchdog", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        thread = self._thread
        while thread is not None and thread.is_alive() and self.active:
            time.sleep(self.poll)
            self.check_stall()

    def check_stall(self) -> None:
        """One look at the trainer's heartbeat (the watchdog calls this every `poll` seconds)."""
        trainer = self.trainer
        if trainer is None or not self.active:
            return
        quiet = time.monotonic() - trainer.last_beat
        par = self.parallel
        if (
            par.processes > 1
            and self.peer_lost is None
            and quiet > max(par.peer_timeout, self.stall_threshold())
        ):
            self.peer_lost = (
                f"no progress for {quiet:.0f} s: another process of the run stopped answering "
                f"(process {par.process_id} of {par.processes}); this one stops too"
            )
            self.error = self.peer_lost
            self.emit(ev.Failed(self.peer_lost, None, started=True))
            self._set_status(FAILED, self.peer_lost)
            return
        if self._stall_started is None and quiet > self.stall_threshold():
            self._stall_started = trainer.last_beat
            epoch, batch = trainer.position
            before = self.status
            self.status = STALLED
            self._status_before_stall = before
            self.emit(ev.Stalled(epoch, batch, time.time() - quiet, quiet))
            self.emit(SessionStatus(STALLED, str(self.out_dir or ""), f"epoch {epoch}, batch {batch}"))
        elif self._stall_started is not None and trainer.last_beat > self._stall_started:
            lasted = trainer.last_beat - self._stall_started
            self._stall_started = None
            if self.status == STALLED:
                self.status = self._status_before_stall
            self.emit(ev.StallCleared(lasted))
            self.emit(SessionStatus(self.status, str(self.out_dir or ""), "progress again"))
