"""`tg.train` (blocking, with a progress display) and `tg.TrainingSession` (non-blocking): the
training session the app and the command line use, started from Python."""

from __future__ import annotations

import collections
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textgen_tui.api.model import Model, resolve
from textgen_tui.api.progress import ProgressDisplay
from textgen_tui.api.results import TextgenWarning
from textgen_tui.core import events as ev
from textgen_tui.core.errors import ConfigError, CorpusError, TextgenError
from textgen_tui.core.train.session import TrainingSession as CoreSession

__all__ = ["TrainingSession", "train"]

KEPT_EVENTS = 100_000
"""Events a session keeps for `events()` until they are read (the oldest go first)."""


class TrainingSession:
    """One training run, started without waiting for it: `start()`, then read `events()`,
    `stop()` it or `wait()` for the trained `Model`. It is the session the app and the command
    line train with (`core`), so a run from Python is the same run, with the same folder.

    Example:
        ```python
        session = tg.TrainingSession("my-book.txt", "my-book", epochs=2, units=64, seq_len=32)
        session.start()
        for event in session.events():
            if isinstance(event, tg.events.EpochEnd):
                print(f"epoch {event.epoch}: validation loss {event.val_loss:.3f}")
        small = session.wait()
        ```
    """

    def __init__(
        self,
        corpus: str | os.PathLike[str] | None = None,
        out: str | os.PathLike[str] | None = None,
        *,
        minutes: float | None = None,
        epochs: int | None = None,
        preset: str | None = None,
        tokenizer: str | None = None,
        from_: str | os.PathLike[str] | None = None,
        resume: bool = False,
        backend: str | None = None,
        devices: str | int | None = None,
        tensorboard: str | os.PathLike[str] | None = None,
        **settings: Any,
    ) -> None:
        """The run's settings, as `tg.train` takes them; nothing is checked or read until `start`."""
        self.corpus = corpus
        """A text file, a folder of .txt files or a catalog name; None: a resumed folder's own."""
        self._out = out
        self._options: dict[str, Any] = {
            "minutes": minutes,
            "epochs": epochs,
            "preset": preset,
            "tokenizer": tokenizer,
            "from_": from_,
            "resume": resume,
            "backend": backend,
            "devices": devices,
            "tensorboard": tensorboard,
        }
        self._settings = settings
        self._events: collections.deque[ev.TrainingEvent] = collections.deque(maxlen=KEPT_EVENTS)
        self._arrived = threading.Condition()
        self.core = CoreSession([self._keep])
        """The core's session (core/train/session.py) that trains."""

    def __repr__(self) -> str:
        return f"<TrainingSession {self.status}: {self.out or self._out or 'not started'}>"

    @property
    def out(self) -> Path | None:
        """The model folder that trains, once started (a copy, when the bundled model is resumed)."""
        return self.core.out_dir

    # -- the events -----------------------------------------------------------------------------
    def _keep(self, event: ev.TrainingEvent) -> None:
        with self._arrived:
            self._events.append(event)
            self._arrived.notify_all()

    def events(self, timeout: float | None = None) -> Iterator[ev.TrainingEvent]:
        """The run's events in order (`tg.events`: Started, BatchProgress, EpochEnd, the per-epoch
        samples, CheckpointSaved, Stopped, Finished or Failed...; also the session's
        status changes), as they come, until the run has ended and every event has been read.
        `timeout`: stop early when none arrives for that many seconds (0: only those waiting).
        Read them in one thread."""
        waited = 0.0
        while True:
            with self._arrived:
                while not self._events:
                    if self.done or (timeout is not None and waited >= timeout):
                        return
                    step = 0.2 if timeout is None else min(0.2, timeout - waited)
                    self._arrived.wait(step)  # short waits: Ctrl-C is seen between them
                    waited += step
                event = self._events.popleft()
            waited = 0.0
            yield event

    def _ended(self) -> bool:
        return self.core.wait(0)

    # -- control --------------------------------------------------------------------------------
    def start(self) -> Path:
        """Check the settings, read the corpus and start training in a thread of its own.
        Returns the model folder that trains.

        Raises:
            TextgenError: bad settings, a corpus that cannot be used, a folder that is not ours to
                write, all before any thread starts.
        """
        from textgen_tui.core.config import make_config
        from textgen_tui.core.text.catalog import resolve_corpus
        from textgen_tui.core.train.run_spec import RunSpec

        o = self._options
        if o["backend"]:
            from textgen_tui.core.nets.backend import choose

            choose(o["backend"])
        overrides = {"minutes": o["minutes"], "epochs": o["epochs"], "tokenizer": o["tokenizer"]}
        overrides.update(self._settings)
        if "temperatures" in overrides and isinstance(overrides["temperatures"], (int, float)):
            overrides["temperatures"] = (overrides["temperatures"],)
        if o["minutes"] is not None and o["epochs"] is not None:
            raise ConfigError("train for minutes or for epochs, not both: give minutes or epochs")
        if o["resume"] and o["from_"] is not None:
            raise ConfigError("from_ starts a new model and resume continues one: give one of them")
        if o["resume"]:
            if self._out is None:
                raise TextgenError("resume needs out: the model to continue")
            folder = resolve(self._out)
            spec = RunSpec.resumed(folder, overrides)  # fails fast, before the corpus loads
            if self.corpus is not None:
                spec.corpus = resolve_corpus(os.fspath(self.corpus), bool(spec.config.data.lowercase))
            out = self.core.resume(folder, spec=spec, devices=o["devices"], tensorboard=o["tensorboard"])
            if self.core.copied_from is not None:
                warnings.warn(
                    f"the bundled model is not changed: training a copy in {out}",
                    TextgenWarning,
                    stacklevel=2,
                )
            return out
        if self.corpus is None:
            raise CorpusError("a corpus is needed: a text file, a folder of .txt files or a catalog name")
        preset = o["preset"]
        config = make_config(preset or "fast", overrides)  # bad settings fail before the corpus loads
        base = None
        if o["from_"] is not None:
            from textgen_tui.core.train.fine_tune import find_base, fine_tune_config

            base = find_base(os.fspath(o["from_"]))
            fine_tune_config(base, config, overrides)  # its refusals too, before the corpus loads
        corpus = resolve_corpus(os.fspath(self.corpus))
        if preset is None:
            from textgen_tui.core.nets.backend import has_gpu

            preset = "gpu" if has_gpu() else "fast"
            if preset == "gpu":
                config = make_config(preset, overrides)
        return self.core.start(
            corpus,
            None if self._out is None else os.fspath(self._out),
            preset=preset,
            overrides=overrides,
            config=config,
            devices=o["devices"],
            tensorboard=o["tensorboard"],
            base=base,
        )

    def stop(self) -> bool:
        """Stop after the current batch; that epoch is validated and saved. False when nothing
        was training."""
        return self.core.stop()

    def wait(self, timeout: float | None = None) -> Model:
        """Wait for the run to end and return the trained model.

        Raises:
            TimeoutError: the run is still going after `timeout` seconds.
            TextgenError: the run failed (the message says why), or was never started.
        """
        if self.core.status == "idle":
            raise TextgenError("the session has not started: call start() first")
        if not self.core.wait(timeout):
            raise TimeoutError(
                f"still training after {timeout:g} s" if timeout is not None else "still training"
            )
        if self.core.error is not None:
            raise TextgenError(self.core.error)
        assert self.core.out_dir is not None
        return Model(self.core.out_dir)

    @property
    def status(self) -> str:
        """`idle`, `preparing`, `running`, `stopping`, `stalled`, `finished` or `failed`."""
        return self.core.status

    @property
    def done(self) -> bool:
        """The run has ended (or never started)."""
        return not self.core.active and self._ended()

    @property
    def error(self) -> str | None:
        """Why the run failed, in one line; None when it did not."""
        return self.core.error


def train(
    corpus: str | os.PathLike[str] | None,
    out: str | os.PathLike[str] | None = None,
    *,
    minutes: float | None = None,
    epochs: int | None = None,
    preset: str | None = None,
    tokenizer: str | None = None,
    from_: str | os.PathLike[str] | None = None,
    resume: bool = False,
    on_event: Callable[[ev.TrainingEvent], object] | None = None,
    progress: bool = True,
    backend: str | None = None,
    devices: str | int | None = None,
    tensorboard: str | os.PathLike[str] | None = None,
    **settings: Any,
) -> Model:
    """Train a model on `corpus` and return it, showing its progress (a bar in a terminal, a live
    line in a notebook). The same run as `textgen-tui train`: the model folder is saved after
    every epoch, and interrupting (Ctrl-C, or the notebook's stop button) stops after the
    current batch with that epoch saved.

    Args:
        corpus: a text file, a folder of .txt files or a catalog name; with `resume`, None trains
            on the folder's own corpus.
        out: the model folder (None: a new folder in the models home named after the corpus);
            with `resume`, the model to continue (a name or a folder).
        minutes: a time budget for the whole run (the `fast` preset's default is 10).
        epochs: train for this many epochs instead (with `resume`: epochs to add).
        preset: `fast`, `book` or `gpu` (None: `gpu` when the backend sees a GPU, else `fast`).
        tokenizer: `char`, `word`, `clause` or `subword`.
        from_: fine-tune: start from this model's weights (a bundled base, a model's name in the
            models home, or a model folder); its architecture and tokenizer are kept, and the
            new folder records where it started (`ModelInfo.lineage`).
        resume: continue the model `out` names, at its next epoch.
        on_event: called with each training event (`tg.events`), in this thread.
        progress: show the progress display.
        backend: the Keras backend, `tensorflow` or `jax`, before Keras is first imported.
        devices: train data-parallel on `"all"` local devices or that many (JAX).
        tensorboard: a folder for TensorBoard logs of the run.
        **settings: any other setting by its configuration name: `units`, `layers`, `cell`,
            `seq_len`, `batch_size`, `learning_rate`, `dropout`, `steps_per_epoch`,
            `temperatures`, `length` (of the per-epoch samples)... (see `ModelInfo.settings`).

    Raises:
        TextgenError: bad settings or corpus (before training starts), or a failed run.

    Example:
        ```python
        model = tg.train("my-book.txt", minutes=1)
        ```
    """
    session = TrainingSession(
        corpus,
        out,
        minutes=minutes,
        epochs=epochs,
        preset=preset,
        tokenizer=tokenizer,
        from_=from_,
        resume=resume,
        backend=backend,
        devices=devices,
        tensorboard=tensorboard,
        **settings,
    )
    display = ProgressDisplay() if progress else None

    def show(event: ev.TrainingEvent) -> None:
        if display is not None:
            display(event)
        if on_event is not None:
            on_event(event)

    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", TextgenWarning)
        session.start()
    for note in notes:
        if display is not None:
            display.line(str(note.message))
        else:
            warnings.warn(note.message, TextgenWarning, stacklevel=2)
    try:
        try:
            for event in session.events():
                show(event)
        except KeyboardInterrupt:
            session.stop()
            if display is not None:
                display.line("stopping after this batch (the epoch is saved); interrupt again to leave now")
            for event in session.events():
                show(event)
        except BaseException:
            session.stop()
            session.core.wait()
            raise
    finally:
        if display is not None:
            display.close()
    return session.wait()
