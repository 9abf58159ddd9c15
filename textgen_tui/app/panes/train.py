"""The Train pane: the hyper-parameter form (left) and the live view of the run (right)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select

from textgen_tui.app.panes.fields import FIELDS, FieldValidator, apply, field_docs, format_value
from textgen_tui.app.panes.train_live import LiveView
from textgen_tui.core.config import CELLS, LAYOUTS, PRESETS, Config, preset
from textgen_tui.core.errors import ConfigError


class TrainPane(Horizontal):
    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "stop", "Stop"),
        Binding("f7", "resume", "Resume"),
    ]

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
                    field_input = Input(
                        id=f"field-{f.name}",
                        validators=[FieldValidator(f)],
                        compact=True,
                        select_on_focus=False,
                    )
                    field_input.tooltip = docs.get((f.section, f.name))
                    yield field_input
            yield Label("output folder", classes="field-label wide")
            yield Input(id="out-dir", compact=True, placeholder="models/<corpus>")
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

    def build_config(self) -> Config:
        """The form as a validated Config (ConfigError names the first bad field)."""
        cfg = preset(self.preset_name)
        layout = self.query_one("#layout", Select).value
        if isinstance(layout, str):
            cfg.data.layout = layout
        cell = self.query_one("#cell", Select).value
        if isinstance(cell, str):
            cfg.model.cell = cell
        for f in FIELDS:
            apply(cfg, f, self.query_one(f"#field-{f.name}", Input).value)
        return cfg.validate()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "preset" and isinstance(event.value, str) and event.value != self.preset_name:
            self.preset_name = event.value
            cfg = preset(event.value)
            self.fill(cfg)
            self.app.apply_corpus_options(cfg.data.tokenizer, cfg.data.lowercase)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("field-"):
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

    def set_running(self, running: bool) -> None:
        self.query_one("#start", Button).disabled = running
        self.query_one("#resume", Button).disabled = running
        self.query_one("#stop", Button).disabled = not running

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
            cfg = self.build_config()
        except ConfigError as exc:
            self.app.notify(str(exc), title="Settings", severity="error")
            return
        self.app.start_training(cfg, self.out_dir, resume=resume)

    def action_stop(self) -> None:
        self.app.stop_training()
