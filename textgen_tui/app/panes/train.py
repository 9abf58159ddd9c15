"""The Train pane: the hyper-parameter form (left) and the live view of the run (right)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select

from textgen_tui.app import messages as msg
from textgen_tui.app.panes.fields import (
    FIELDS,
    DevicesValidator,
    FieldValidator,
    KeyInput,
    field_docs,
    format_value,
    parse,
)
from textgen_tui.app.panes.train_live import COMPACT_HEIGHT, LiveView
from textgen_tui.core.config import CELLS, LAYOUTS, PRESETS, RESUMABLE, Config, preset
from textgen_tui.core.errors import ConfigError, TextgenError

# Form fields that belong to a saved model: shown from its folder, and fixed, when resuming it.
FIXED_WHEN_RESUMING = ("layout", "cell", *(f.name for f in FIELDS if f.name not in RESUMABLE))


class TrainPane(Horizontal):
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
            self.post_message(msg.PresetChosen(event.value, cfg.data.tokenizer, cfg.data.lowercase))

    # -- resuming -------------------------------------------------------------------------------
    resuming_info = None
    """The model folder named in "output folder", when there is one (F7 continues it)."""

    def _show_resume_mode(self) -> None:
        """When the output folder is a model: its fixed settings shown and locked, epochs to add."""
        from textgen_tui.core.bundle import read_info

        path = self.out_dir
        info = None
        if path:
            try:
                info = read_info(path)
            except TextgenError:
                info = None
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
        try:
            overrides = self.overrides()
        except ConfigError as exc:
            self.notify(str(exc), title="Settings", severity="error")
            return
        devices = self.query_one("#devices", Input).value.strip() or "1"
        logs = self.query_one("#tensorboard", Input).value.strip()
        self.post_message(msg.StartTraining(self.preset_name, overrides, self.out_dir, resume, devices, logs))

    def action_stop(self) -> None:
        self.post_message(msg.StopTraining())
