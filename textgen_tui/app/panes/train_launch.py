"""Starting and resuming a run from the Train pane, off the UI thread: the checks of the output
folder, the read of a folder to resume and the copy of the bundled model (all in `session.start` /
`session.resume`) run in the pane's "launch" worker, and the pane hears back by message."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import work
from textual.message import Message

from textgen_tui.app.errors import error_text
from textgen_tui.app.widgets.fields import KeyInput
from textgen_tui.core.config import Config, make_config
from textgen_tui.core.errors import ConfigError, TextgenError
from textgen_tui.core.store.folder import BundleInfo, is_model, read_info
from textgen_tui.core.store.paths import default_out_dir
from textgen_tui.core.text.corpus import Corpus


class RunGate:
    """The pane's door for the run's messages (the session's relay posts through it). While a run
    is being launched it holds them back, so the pane hears "launched" before the run's first
    events (a run refused at once reports Failed from the training thread meanwhile)."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self.post = post
        self._lock = threading.Lock()
        self._held: list[Message] | None = None

    def __call__(self, message: Message) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(message)
                return
        self.post(message)

    def hold(self) -> None:
        with self._lock:
            self._held = []

    def release(self, first: Message) -> None:
        """Post `first`, then what was held, in order; the door is open again."""
        with self._lock:
            held, self._held = self._held or [], None
            for message in (first, *held):
                self.post(message)


@dataclass
class LaunchRequest:
    """What a Start or Resume needs, taken from the form and the app on the UI thread."""

    resume: bool
    """F7 (continue the folder) rather than F5 (a new folder)."""
    overrides: dict
    """The form's settings as Config field → value."""
    devices: str
    """'all' or a number of local devices."""
    logs: str | None
    """A TensorBoard log folder, or None."""
    preset: str
    """The preset the form started from."""
    out_dir: str
    """The form's output folder ("" when blank)."""
    corpus: Corpus | None
    """The loaded corpus (None: none yet; a resume then reads the folder's own)."""
    info: BundleInfo | None
    """The folder to resume as read when it was named (None: not read yet, or not a model)."""
    config: Config | None = None
    """A new run's settings, built (and checked) from `preset` and `overrides` on the UI thread."""
    notes: list[str] = field(default_factory=list)
    """What the launch changed on the way (a fresh folder instead of a model's), said after it."""
    base: str | None = None
    """A new run's start: the model folder it fine-tunes, or None (random weights)."""


@dataclass
class RunLaunched(Message):
    """The session took the run (its own messages follow this one)."""

    request: LaunchRequest
    """The Start or Resume that launched it."""
    out: Path
    """The folder that trains."""
    copied: bool
    """The bundled model was asked for: a copy of it trains."""


@dataclass
class RunRefused(Message):
    """The session refused the run (a folder not ours, a missing model...): nothing started."""

    request: LaunchRequest
    """The Start or Resume refused."""
    message: str
    """Why, for the user."""


class RunLaunch:
    """The Train pane's Start, Resume and Stop (a mixin of `TrainPane`: it uses the pane's form,
    `live`, `set_running`, `_gate` and `ModelsChanged`)."""

    launching = False
    """A Start or Resume is in the launch worker (another press waits for it)."""

    def action_start(self) -> None:
        self._launch(resume=False)

    def action_resume(self) -> None:
        self._launch(resume=True)

    def _launch(self, resume: bool) -> None:
        """Start or resume with the form's settings; any refusal is a notification and the pane
        stays ready for the next try. Settings are checked here; folders in the worker."""
        if self.launching:
            return  # the last press is still starting its run
        app = self.app
        try:
            overrides = self.overrides()
        except ConfigError as exc:
            self.notify(str(exc), title="Settings", severity="error")
            return
        config = None
        try:
            if not resume:
                tokenizer, lowercase = app.corpus_options
                overrides = {**overrides, "tokenizer": tokenizer, "lowercase": lowercase}
                config = make_config(self.preset_name, overrides)  # bad settings are named first
                if self.start_from:  # the base's own settings, except those changed in the form
                    overrides = changed_from_preset(self.preset_name, overrides)
                if app.corpus is None:
                    raise TextgenError("Load a corpus first (Corpus pane, F1).")
            elif not self.out_dir:
                raise TextgenError("Type the model folder to resume in 'output folder'.")
        except TextgenError as exc:
            self.notify(str(exc), title="Resume" if resume else "Train", severity="error")
            return
        request = LaunchRequest(
            resume,
            overrides,
            self.query_one("#devices", KeyInput).value.strip() or "1",
            self.query_one("#tensorboard", KeyInput).value.strip() or None,
            self.preset_name,
            self.out_dir,
            app.corpus,
            self.resuming_info,
            config,
            base=None if resume else self.start_from,
        )
        self.launching = True
        self._gate.hold()
        self._run_launch(request)

    @work(thread=True, exclusive=True, group="launch", exit_on_error=False, description="starting the run")
    def _run_launch(self, request: LaunchRequest) -> None:
        try:
            first: Message = self._resume(request) if request.resume else self._start(request)
        except Exception as exc:  # noqa: BLE001 - said to the user; the pane stays ready
            first = RunRefused(request, error_text(exc))
        self._gate.release(first)

    def _start(self, request: LaunchRequest) -> RunLaunched:
        out = request.out_dir
        if not out or (Path(out).exists() and is_model(out)):
            # The form still names a model (the last run's): a new run gets a fresh folder.
            source = request.corpus.source
            fresh = default_out_dir(Path(source).stem or source)
            if out:
                request.notes.append(f"{out} holds a model (F7 resumes it): starting {fresh} instead.")
            out = str(fresh)
        folder = self.app.session.start(
            request.corpus,
            out,
            preset=request.preset,
            overrides=request.overrides,
            config=request.config,
            devices=request.devices,
            tensorboard=request.logs,
            base=request.base,
        )
        return RunLaunched(request, folder, copied=False)

    def _resume(self, request: LaunchRequest) -> RunLaunched:
        info = request.info  # read when the folder was named
        if info is None or Path(info.path).resolve() != Path(request.out_dir).resolve():
            info = read_info(request.out_dir)  # typed just now: its read has not come back yet
        corpus = request.corpus
        if corpus is not None and corpus.lowercase != info.config.data.lowercase:
            corpus = None  # the folder's own corpus, read as the model was trained
        session = self.app.session
        folder = session.resume(  # the bundled model: copied here, and the copy trains
            request.out_dir,
            corpus=corpus,
            overrides=request.overrides,
            devices=request.devices,
            tensorboard=request.logs,
        )
        return RunLaunched(request, folder, copied=session.copied_from is not None)

    def on_run_launched(self, message: RunLaunched) -> None:
        message.stop()
        self.launching = False
        for note in message.request.notes:
            self.notify(note, title="Train")
        out, resume = message.out, message.request.resume
        self.out_dir = str(out)
        self.set_running(True)
        self.live.reset(f"{'Resuming' if resume else 'Preparing'} {out}…")
        if resume:
            self._show_history(message.request.info, out)
        if message.copied:
            self.notify(f"The bundled model stays as shipped: training a copy in {out}.", title="Resume")
        self.post_message(self.ModelsChanged())

    def on_run_refused(self, message: RunRefused) -> None:
        message.stop()
        self.launching = False
        title = "Resume" if message.request.resume else "Train"
        self.notify(message.message, title=title, severity="error")

    def _show_history(self, info: BundleInfo | None, folder: Path) -> None:
        """A resumed run: the loss chart first shows the epochs the folder has done (cut back to
        the epoch it resumes from, as the trainer does)."""
        if info is None or Path(info.path).resolve() != Path(folder).resolve():
            return  # the trainer reports what is wrong with the folder
        done = info.resume_epoch
        history = {key: list(values)[:done] for key, values in info.history.items()}
        self.live.show_history(history, info.best_epoch)

    def action_stop(self) -> None:
        if not self.app.session.stop():
            self.notify("Nothing is training.", severity="warning")
            return
        self.live.set_status("Stopping after this batch (the epoch is validated and saved)…")


def changed_from_preset(preset_name: str, overrides: dict) -> dict:
    """The form's settings that differ from the preset's: what the user chose (the form shows
    every setting, so the rest is the preset's and a fine-tuned run takes the base's instead)."""
    from textgen_tui.core.config import field_section, preset

    cfg = preset(preset_name)
    return {
        name: value
        for name, value in overrides.items()
        if value != getattr(getattr(cfg, field_section(name)), name, None)
    }
