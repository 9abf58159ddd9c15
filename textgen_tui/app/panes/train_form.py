"""The Train pane's settings form (left): its fields, the preset, and the output folder, which,
when it names a model, is read in a worker and shows that model's fixed settings (F7 resumes it)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from textgen_tui.app.widgets.fields import (
    FIELDS,
    DevicesValidator,
    FieldValidator,
    KeyInput,
    field_docs,
    format_value,
    parse,
)
from textgen_tui.core.config import CELLS, LAYOUTS, PRESETS, RESUMABLE, Config, preset
from textgen_tui.core.errors import TextgenError
from textgen_tui.core.store.folder import BundleInfo, read_info
from textgen_tui.core.train.fine_tune import BASES, KEPT_IF_NOT_GIVEN, LR_FACTOR

FROM_THE_BASE = ("layout", "cell", "units", "layers")
"""Form fields a fine-tuned run takes from its base (shown, and fixed, when one is chosen)."""

# Form fields that belong to a saved model: shown from its folder, and fixed, when resuming it.
FIXED_WHEN_RESUMING = ("layout", "cell", *(f.name for f in FIELDS if f.name not in RESUMABLE))


def compose_form() -> ComposeResult:
    """The form's widgets (ids the pane and the tests use: #preset, #field-NAME, #out-dir...)."""
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
            yield Label("start from", classes="field-label")
            start = Select([(NOTHING_LABEL, "")], value="", allow_blank=False, id="start-from", compact=True)
            start.tooltip = (
                "Fine-tune a model that already knows the language (a bundled base, or any model "
                "folder): its architecture, tokenizer and weights are kept. 'nothing': random weights."
            )
            yield start
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
                f"more than 1 needs the JAX backend (textgen-tui --backend jax{_jax_note()})."
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


NOTHING_LABEL = "nothing (random weights)"


def _jax_note() -> str:
    """How to get JAX when it is not installed (the tooltip offers only what works)."""
    from textgen_tui.core.nets.backend import EXTRA, installed

    return "" if installed("jax") else f"; first {EXTRA['jax']}"


@dataclass
class ResumeOpened(Message):
    """A folder opened for resuming (the Models pane's `t`) was read: the App shows Train, with the
    Corpus options of the model."""

    info: BundleInfo
    """The folder as read."""


class SettingsForm:
    """The form's behaviour (a mixin of `TrainPane`: it uses the pane's `preset_name`, `show_form`,
    `focus_resume` and `PresetChosen`)."""

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
        if event.select.id == "start-from":
            chosen = event.value if isinstance(event.value, str) and event.value else None
            if chosen == self._base_shown:
                return  # the list was set again (set_options): the same choice
            self._base_shown = chosen
            info = self._start_infos.get(chosen) if chosen else None
            self._show_base(info)
            cfg = info.config if info is not None else preset(self.preset_name)
            # the Corpus options follow what the run reads with
            self.post_message(self.PresetChosen(self.preset_name, cfg.data.tokenizer, cfg.data.lowercase))
            return
        if event.select.id == "preset" and isinstance(event.value, str) and event.value != self.preset_name:
            self.preset_name = event.value
            cfg = preset(event.value)
            self.fill(cfg)
            self._show_resume_mode()
            self.post_message(self.PresetChosen(event.value, cfg.data.tokenizer, cfg.data.lowercase))

    # -- starting from a base --------------------------------------------------------------------
    _suggested_base: str | None = None
    """The base the last corpus offered, not listed yet: applied when the models are listed."""
    _start_options: list[tuple[str, str]] = []
    """The choices of "start from" as (label, folder)."""
    _start_infos: dict[str, BundleInfo] = {}
    """The models offered, by folder."""
    _base_shown: str | None = None
    """The folder the form shows the settings of (None: the preset's)."""

    def show_bases(self, entries: list) -> None:
        """The models to start from: the bundled bases first, then every readable model folder."""
        select = self.query_one("#start-from", Select)
        current = select.value
        models = [e for e in entries if isinstance(e, BundleInfo)]
        models.sort(key=lambda info: (info.name not in BASES, info.name))
        options = [(NOTHING_LABEL, "")] + [
            (f"{info.name} (base)" if info.name in BASES else info.name, str(info.path)) for info in models
        ]
        select.set_options(options)
        self._start_options = options
        self._start_infos = {str(info.path): info for info in models}
        values = {value for _, value in options}
        select.value = current if current in values else ""
        if self._suggested_base is not None:  # the last corpus's offer, waiting for the list
            self.suggest_base(self._suggested_base)

    def suggest_base(self, name: str | None) -> None:
        """A corpus loaded: start from `name` (a bundled base), else from nothing. The offer is
        made once: until the models are listed it waits; later listings (after a run) keep what
        the user chose."""
        select = self.query_one("#start-from", Select)
        match = [value for label, value in self._start_options if name and label == f"{name} (base)"]
        self._suggested_base = name if name and not match else None
        select.value = match[0] if match else ""

    def _show_base(self, info: BundleInfo | None) -> None:
        """A base chosen: the form shows the run's settings (the base's architecture, greyed, and
        the fine-tuning rate); nothing: the preset's again."""
        if self.resuming_info is not None:
            return  # the folder's own settings are shown and fixed
        own = preset(self.preset_name)
        cfg = info.config if info is not None else own
        for name in FROM_THE_BASE:
            self._widget(name).disabled = info is not None
        self.query_one("#layout", Select).value = cfg.data.layout
        self.query_one("#cell", Select).value = cfg.model.cell
        for f in FIELDS:
            if f.name in FROM_THE_BASE or f.name in KEPT_IF_NOT_GIVEN:  # the base's unless changed
                self.query_one(f"#field-{f.name}", Input).value = format_value(
                    f, getattr(getattr(cfg, f.section), f.name)
                )
        rate = own.train.learning_rate * (LR_FACTOR if info is not None else 1.0)
        self.query_one("#field-learning_rate", Input).value = f"{rate:g}"
        self.query_one("#resume-hint", Label).update(
            f"Starting from {info.name}: its architecture and tokenizer (greyed), a quarter of the "
            "preset's learning rate."
            if info is not None
            else ""
        )

    @property
    def start_from(self) -> str | None:
        """The model folder a new run starts from, or None (random weights)."""
        value = self.query_one("#start-from", Select).value
        return value if isinstance(value, str) and value else None

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

    def _apply_folder(self, path: str, info: BundleInfo | None) -> None:
        if path != self.out_dir:
            return  # the field changed again: its own read follows
        self._show_folder(info)
        self._opened(path, info)

    def _show_folder(self, info: BundleInfo | None) -> None:
        previous, self.resuming_info = self.resuming_info, info
        hint = self.query_one("#resume-hint", Label)
        if info is None:
            hint.update("")
            for name in FIXED_WHEN_RESUMING:
                self._widget(name).disabled = False
            if self.start_from is not None:  # a new run from a base: its settings stay shown
                self._show_base(self._start_infos.get(self.start_from))
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

    _opening: str | None = None
    """A folder the Models pane opened for resuming, until its read comes back."""

    def open_for_resume(self, path: str) -> None:
        """The Models pane's `t`: the form names the folder at once; when its read comes back (in
        the worker), its settings are shown and fixed, the focus goes to Resume and `ResumeOpened`
        tells the App (or the pane says the folder cannot be resumed)."""
        self._opening = path
        self.out_dir = path

    def _opened(self, path: str, info: BundleInfo | None) -> None:
        if self._opening != path:
            return  # an ordinary read of the output folder
        self._opening = None
        if info is None:
            self.notify(f"{path} cannot be resumed: it is not a readable model folder.", severity="error")
            return
        self.show_form = True
        self.focus_resume()
        self.notify(
            f"{info.name}: {info.resume_epoch} epoch(s) done. Set the epochs to add and press Resume (F7).",
            title="Resume training",
        )
        self.post_message(ResumeOpened(info))

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
