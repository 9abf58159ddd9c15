"""The Train pane: the hyper-parameter form (left) and the live view of the run (right)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select

from textgen_tui.app.relay import BatchProgress, SampleChunk, TrainingEvent, TrainingRelay
from textgen_tui.app.widgets.fields import (
    FIELDS,
    DevicesValidator,
    FieldValidator,
    KeyInput,
    field_docs,
    format_value,
    parse,
)
from textgen_tui.app.widgets.train_live import COMPACT_HEIGHT, LiveView, grouped_changes, run_summary
from textgen_tui.core import events as ev
from textgen_tui.core.config import CELLS, LAYOUTS, PRESETS, RESUMABLE, Config, make_config, preset
from textgen_tui.core.errors import ConfigError, TextgenError
from textgen_tui.core.store.folder import is_model, read_info
from textgen_tui.core.store.paths import default_out_dir
from textgen_tui.core.train import session as ses

# Form fields that belong to a saved model: shown from its folder, and fixed, when resuming it.
FIXED_WHEN_RESUMING = ("layout", "cell", *(f.name for f in FIELDS if f.name not in RESUMABLE))


class TrainPane(Horizontal):
    """The form, and the run: starts, stops and resumes the app's training session and shows its
    events (they come from the session's thread through a `TrainingRelay` to this pane)."""

    @dataclass
    class ModelsChanged(Message):
        """A run made or changed a model folder: the lists are re-read (`trained`: the run's
        folder once it has ended, offered in Generate when nothing is chosen there)."""

        trained: str | None = None

    @dataclass
    class PresetChosen(Message):
        """A preset was picked: the Corpus pane shows its tokenizer and case."""

        name: str
        tokenizer: str
        lowercase: bool

    @dataclass
    class RunEnded(Message):
        """The run is over (finished, stopped or failed)."""

    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "stop", "Stop"),
        Binding("f7", "resume", "Resume"),
        Binding("s", "toggle_form", "Settings"),
    ]

    show_form: reactive[bool] = reactive(True)
    """The settings form; a run folds it into the live view's summary line, so the samples get
    the width and height (at 80×24 they had 0-2 lines under the form)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.preset_name = "fast"

    def compose(self) -> ComposeResult:
        docs = field_docs()
        with VerticalScroll(id="train-form"):
            with Horizontal(classes="row"):
                yield Label("preset", classes="field-label")
                yield Select(
                    [(name, name) for name in PRESETS],
                    value="fast",
                    allow_blank=False,
                    id="preset",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("layout", classes="field-label")
                yield Select([(n, n) for n in LAYOUTS], allow_blank=False, id="layout", compact=True)
            with Horizontal(classes="row"):
                yield Label("cell", classes="field-label")
                yield Select([(n, n) for n in CELLS], allow_blank=False, id="cell", compact=True)
            for f in FIELDS:
                with Horizontal(classes="row"):
                    yield Label(f.label, classes="field-label")
                    field_input = KeyInput(
                        id=f"field-{f.name}",
                        validators=[FieldValidator(f)],
                        compact=True,
                        select_on_focus=False,
                    )
                    field_input.tooltip = docs.get((f.section, f.name))
                    yield field_input
            yield Label("output folder", classes="field-label wide")
            yield KeyInput(id="out-dir", compact=True, placeholder="<models home>/<corpus>")
            with Horizontal(classes="row"):
                yield Label("devices", classes="field-label")
                devices = KeyInput("1", id="devices", compact=True, validators=[DevicesValidator()])
                devices.tooltip = (
                    "Train data-parallel on this many local devices ('all' for every one); "
                    "more than 1 needs the JAX backend (textgen-tui --backend jax)."
                )
                yield devices
            with Horizontal(classes="row"):
                yield Label("tensorboard", classes="field-label")
                logs = KeyInput("", id="tensorboard", compact=True, placeholder="log folder (optional)")
                logs.tooltip = (
                    "A folder for TensorBoard logs of the run (loss, validation, learning rate, "
                    "tokens/s, samples); view with `tensorboard --logdir FOLDER`."
                )
                yield logs
            yield Label("", id="resume-hint")
            yield Label("", id="form-error")
            with Horizontal(id="train-buttons"):
                yield Button("Start", id="start", variant="success", compact=True)
                yield Button("Stop", id="stop", variant="error", compact=True, disabled=True)
                yield Button("Resume", id="resume", compact=True)
        yield LiveView(id="live")

    def on_mount(self) -> None:
        self.fill(preset("fast"))
        self._relay = TrainingRelay(self.post_message)
        self.app.session.add_listener(self._relay)

    def on_unmount(self) -> None:
        listeners = self.app.session.listeners
        if self._relay in listeners:  # the screen is gone: a run kept in the terminal goes on
            listeners.remove(self._relay)

    # -- the form -------------------------------------------------------------------------------
    def fill(self, cfg: Config) -> None:
        self.query_one("#layout", Select).value = cfg.data.layout
        self.query_one("#cell", Select).value = cfg.model.cell
        for f in FIELDS:
            value = getattr(getattr(cfg, f.section), f.name)
            self.query_one(f"#field-{f.name}", Input).value = format_value(f, value)

    def overrides(self) -> dict:
        """The form as Config field → value (ConfigError names the first field that is not a number)."""
        out: dict = {}
        for name in ("layout", "cell"):
            value = self.query_one(f"#{name}", Select).value
            if isinstance(value, str):
                out[name] = value
        for f in FIELDS:
            out[f.name] = parse(f, self.query_one(f"#field-{f.name}", Input).value)
        if out.get("minutes") is not None:
            del out["epochs"]  # a time budget: epochs are validation periods the run sizes itself
        return out

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "preset" and isinstance(event.value, str) and event.value != self.preset_name:
            self.preset_name = event.value
            cfg = preset(event.value)
            self.fill(cfg)
            self._show_resume_mode()
            self.post_message(self.PresetChosen(event.value, cfg.data.tokenizer, cfg.data.lowercase))

    # -- resuming -------------------------------------------------------------------------------
    resuming_info = None
    """The model folder named in "output folder", when there is one (F7 continues it)."""

    def _show_resume_mode(self) -> None:
        """When the output folder is a model: its fixed settings shown and locked, epochs to add.
        The folder is read in a worker (a read can wait for a save in progress)."""
        self._read_folder(self.out_dir)

    @work(
        thread=True, exclusive=True, group="resume-info", exit_on_error=False, description="reading a model"
    )
    def _read_folder(self, path: str) -> None:
        info = None
        if path:
            try:
                info = read_info(path)
            except TextgenError:
                info = None
        self.app.call_from_thread(self._apply_folder, path, info)

    def _apply_folder(self, path: str, info) -> None:
        if path != self.out_dir:
            return  # the field changed again: its own read follows
        previous, self.resuming_info = self.resuming_info, info
        hint = self.query_one("#resume-hint", Label)
        if info is None:
            hint.update("")
            for name in FIXED_WHEN_RESUMING:
                self._widget(name).disabled = False
            return
        cfg = info.config
        self.query_one("#layout", Select).value = cfg.data.layout
        self.query_one("#cell", Select).value = cfg.model.cell
        for f in FIELDS:
            if f.name in FIXED_WHEN_RESUMING:
                self.query_one(f"#field-{f.name}", Input).value = format_value(
                    f, getattr(getattr(cfg, f.section), f.name)
                )
        for name in FIXED_WHEN_RESUMING:
            self._widget(name).disabled = True
        if previous is None or previous.path != info.path:
            planned = int(info.state.get("planned_epochs") or 0)
            left = planned - info.resume_epoch if planned > info.resume_epoch else cfg.train.epochs
            self.query_one("#field-epochs", Input).value = str(left)
            minutes = cfg.train.minutes
            self.query_one("#field-minutes", Input).value = "" if minutes is None else f"{minutes:g}"
        hint.update(
            f"{info.name}: {info.resume_epoch} epoch(s) done. F7 resumes it (greyed: fixed by the model); "
            "F5 starts a new folder."
        )

    def _widget(self, name: str):
        return self.query_one(f"#{name}" if name in ("layout", "cell") else f"#field-{name}")

    def choose_preset(self, name: str) -> None:
        """Select a preset as if picked from the list (the app's default on a GPU)."""
        self.query_one("#preset", Select).value = name

    def focus_first(self) -> None:
        if self.show_form:
            self.query_one("#preset", Select).focus()
        else:
            self.live.query_one("#samples").focus()

    def focus_resume(self) -> None:
        self.query_one("#resume", Button).focus()

    def open_for_resume(self, path: str):
        """The Models pane's `t`: the form names the folder (its settings shown and fixed), the
        focus on Resume. Returns the folder's info (None when it cannot be read)."""
        try:
            info = read_info(path)  # the one read on the UI thread: the user asked for this folder
        except TextgenError:
            info = None
        self.query_one("#out-dir", KeyInput).value = path
        self._apply_folder(path, info)
        if info is None:
            self.notify(f"{path} cannot be resumed: it is not a readable model folder.", severity="error")
            return None
        self.show_form = True
        self.focus_resume()
        self.notify(
            f"{info.name}: {info.resume_epoch} epoch(s) done. Set the epochs to add and press Resume (F7).",
            title="Resume training",
        )
        return info

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "out-dir":
            self._show_resume_mode()
        if event.input.id == "field-minutes":  # minutes or epochs: the other one is not used
            self.query_one("#field-epochs", Input).disabled = bool(event.value.strip())
        if event.input.id and (event.input.id.startswith("field-") or event.input.id == "devices"):
            error = ""
            if event.validation_result is not None and not event.validation_result.is_valid:
                error = event.validation_result.failure_descriptions[0]
            self.query_one("#form-error", Label).update(error)

    @property
    def out_dir(self) -> str:
        return self.query_one("#out-dir", Input).value.strip()

    @out_dir.setter
    def out_dir(self, value: str) -> None:
        self.query_one("#out-dir", Input).value = value
        self._show_resume_mode()  # also when the value is unchanged but the folder is now a model

    def set_running(self, running: bool) -> None:
        self.query_one("#start", Button).disabled = running
        self.query_one("#resume", Button).disabled = running
        self.query_one("#stop", Button).disabled = not running
        self.running = running
        if running:
            self.show_form = False
        elif self.size.height >= COMPACT_HEIGHT:
            self.show_form = True  # a short screen keeps the samples in view after the run, until `s`
        self.refresh_bindings()

    running = False

    def watch_show_form(self, show: bool) -> None:
        self.query_one("#train-form").display = show
        self.set_class(not show, "-folded")
        self.live.show_summary(not show)
        focused = self.app.focused
        if not show and focused is not None and self.query_one("#train-form") in focused.ancestors:
            self.live.query_one("#samples").focus()  # not left on a hidden field
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "toggle_form":  # the key works only where it cannot be a typed letter
            return not self.show_form
        return True

    def action_toggle_form(self) -> None:
        self.show_form = not self.show_form
        self.focus_first()

    @property
    def live(self) -> LiveView:
        return self.query_one(LiveView)

    # -- actions --------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = {"start": self.action_start, "stop": self.action_stop, "resume": self.action_resume}
        action[event.button.id or "start"]()

    def action_start(self) -> None:
        self._launch(resume=False)

    def action_resume(self) -> None:
        self._launch(resume=True)

    def _launch(self, resume: bool) -> None:
        """Start or resume with the form's settings; any refusal is a notification and the pane
        stays ready for the next try."""
        try:
            overrides = self.overrides()
        except ConfigError as exc:
            self.notify(str(exc), title="Settings", severity="error")
            return
        devices = self.query_one("#devices", KeyInput).value.strip() or "1"
        logs = self.query_one("#tensorboard", KeyInput).value.strip() or None
        session = self.app.session
        try:
            out = self._resume(overrides, devices, logs) if resume else self._start(overrides, devices, logs)
        except TextgenError as exc:
            self.notify(str(exc), title="Resume" if resume else "Train", severity="error")
            return
        self.out_dir = str(out)
        self.set_running(True)
        self.live.reset(f"{'Resuming' if resume else 'Preparing'} {out}…")
        if resume:
            self._show_history(out)
        if session.copied_from is not None:
            self.notify(f"The bundled model stays as shipped: training a copy in {out}.", title="Resume")
        self.post_message(self.ModelsChanged())

    def _start(self, overrides: dict, devices: str, logs: str | None) -> Path:
        app = self.app
        tokenizer, lowercase = app.corpus_options
        overrides = {**overrides, "tokenizer": tokenizer, "lowercase": lowercase}
        make_config(self.preset_name, overrides)  # bad settings are named first
        if app.corpus is None:
            raise TextgenError("Load a corpus first (Corpus pane, F1).")
        out = self.out_dir
        if not out or (Path(out).exists() and is_model(out)):
            # The form still names a model (the last run's): a new run gets a fresh folder.
            source = app.corpus.source
            fresh = default_out_dir(Path(source).stem or source)
            if out:
                self.notify(f"{out} holds a model (F7 resumes it): starting {fresh} instead.", title="Train")
            out = str(fresh)
        return app.session.start(
            app.corpus, out, preset=self.preset_name, overrides=overrides, devices=devices, tensorboard=logs
        )

    def _resume(self, overrides: dict, devices: str, logs: str | None) -> Path:
        if not self.out_dir:
            raise TextgenError("Type the model folder to resume in 'output folder'.")
        info = self.resuming_info  # read when the folder was named
        if info is None or Path(info.path).resolve() != Path(self.out_dir).resolve():
            info = read_info(self.out_dir)  # typed just now: its read has not come back yet
        corpus = self.app.corpus
        if corpus is not None and corpus.lowercase != info.config.data.lowercase:
            corpus = None  # the folder's own corpus, read as the model was trained
        return self.app.session.resume(
            self.out_dir, corpus=corpus, overrides=overrides, devices=devices, tensorboard=logs
        )

    def _show_history(self, folder: Path) -> None:
        """A resumed run: the loss chart first shows the epochs the folder has done (cut back to
        the epoch it resumes from, as the trainer does)."""
        info = self.resuming_info  # read when the folder was named (the form shows it)
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

    # -- the run's events (from the relay) ------------------------------------------------------
    def on_batch_progress(self, message: BatchProgress) -> None:
        self.live.show_batch(message.event)

    def on_sample_chunk(self, message: SampleChunk) -> None:
        self.live.sample_chunk(message.epoch, message.pieces)

    def on_training_event(self, message: TrainingEvent) -> None:
        e, live, session = message.event, self.live, self.app.session
        if isinstance(e, ev.Started):
            live.started(e)
            # The trainer's config is the one in use (a short budget sizes the network down).
            used = getattr(session.trainer, "config", None) or session.config
            if used is not None:
                live.set_summary(run_summary(self.preset_name, used, e))
            if e.changes:
                self.notify(grouped_changes(e.changes), title="Changed for this run")
            self.post_message(self.ModelsChanged())
        elif isinstance(e, ev.EpochEnd):
            live.epoch_end(e)
        elif isinstance(e, ev.SampleStarted):
            live.sample_started(e)
        elif isinstance(e, ev.SampleFinished):
            live.sample_finished(e)
        elif isinstance(e, ev.Snapshot):
            if session.out_dir is not None:  # Generate has the weights (GenerationService.follow)
                self.post_message(self.ModelsChanged())  # the folder is a model now (or has a new epoch)
        elif isinstance(e, ev.LearningRateReduced):
            self.notify(f"Learning rate {e.old:.3g} → {e.new:.3g} (plateau)", title=f"Epoch {e.epoch}")
        elif isinstance(e, ev.Stalled):
            since = time.strftime("%H:%M:%S", time.localtime(e.since))
            text = f"Training seems stalled: no progress since {since} (epoch {e.epoch}, batch {e.batch})."
            live.set_status(text)
            self.notify(text + " F6 stops it.", title="Stalled?", severity="warning", timeout=30)
        elif isinstance(e, ev.StallCleared):
            self.notify(f"Training goes on again after {e.seconds:.0f}s.", title="Training")
        elif isinstance(e, ev.Stopped):
            self.notify(e.message, title=f"Stopped after epoch {e.epoch}", severity="warning")
        elif isinstance(e, ev.Finished):
            best = (
                ""
                if e.best_value is None
                else f", best {e.monitor} {e.best_value:.4f} (epoch {e.best_epoch})"
            )
            live.set_status(f"Done: {e.epochs_run} epoch(s) in {e.seconds:.0f}s{best}. Model: {e.out_dir}")
            self.notify(f"Model saved in {e.out_dir}", title="Training finished")
        elif isinstance(e, ev.Failed):
            self._show_failure(e)
        elif isinstance(e, ses.SessionStatus) and e.status not in ses.ACTIVE:
            self._ended()

    def _ended(self) -> None:
        """The run has ended (finished or failed): the pane is ready for the next try, and its
        output folder keeps naming the run's folder, so F7 continues it."""
        session = self.app.session
        self.set_running(False)
        trained = session.out_dir if session.out_dir is not None and is_model(session.out_dir) else None
        if trained is not None:
            self.out_dir = str(trained)
        self.post_message(self.ModelsChanged(str(trained) if trained else None))
        self.post_message(self.RunEnded())

    def _show_failure(self, e: ev.Failed) -> None:
        from textgen_tui.app.screens.dialogs import MessageDialog

        if not e.started:  # refused or failed before training: say why, the pane stays ready
            self.live.set_status(f"Not started: {e.message}")
            self.notify(e.message, title="Train", severity="error")
            return
        where = (
            f"The last good model is in {e.last_good}: it can be opened or resumed."
            if e.last_good
            else "No model was saved before the failure."
        )
        self.live.set_status(f"Failed: {e.message}")
        self.app.push_screen(MessageDialog("Training failed", f"{e.message}\n\n{where}"))
