"""The Train pane: the hyper-parameter form (left) and the live view of the run (right)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Select, TextArea

from textgen_tui.app.panes.train_form import SettingsForm, compose_form
from textgen_tui.app.panes.train_launch import RunGate, RunLaunch
from textgen_tui.app.relay import BatchProgress, SampleChunk, TrainingEvent, TrainingRelay
from textgen_tui.app.widgets.train_live import COMPACT_HEIGHT, LiveView, grouped_changes, run_summary
from textgen_tui.core import events as ev
from textgen_tui.core.config import preset
from textgen_tui.core.store.folder import is_model
from textgen_tui.core.train import session as ses


class TrainPane(SettingsForm, RunLaunch, Horizontal):
    """The form, and the run: starts, stops and resumes the app's training session and shows its
    events (they come from the session's thread through a `TrainingRelay` to this pane). The form
    is `SettingsForm` (train_form.py), Start/Resume/Stop `RunLaunch` (train_launch.py)."""

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
        yield from compose_form()
        yield LiveView(id="live")

    def on_mount(self) -> None:
        self.fill(preset("fast"))
        self._gate = RunGate(self.post_message)  # a launch holds the run's messages back meanwhile
        self._relay = TrainingRelay(self._gate)
        self.app.session.add_listener(self._relay)

    def on_unmount(self) -> None:
        listeners = self.app.session.listeners
        if self._relay in listeners:  # the screen is gone: a run kept in the terminal goes on
            listeners.remove(self._relay)

    def focus_first(self) -> None:
        if self.show_form:
            self.query_one("#preset", Select).focus()
        else:
            self.live.query_one("#samples").focus()

    def focus_resume(self) -> None:
        self.query_one("#resume", Button).focus()

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
        if action == "toggle_form":  # the key works wherever it cannot be a typed letter
            return not self.show_form or not isinstance(self.app.focused, (Input, TextArea))
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
            live.finished()
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
