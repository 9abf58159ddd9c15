"""What the app remembers between launches: the welcome shown, the pane left, the corpus (path,
tokenizer, lowercase), the Train settings, Generate's model, seed and temperatures, the Write
pane's text, and a run that was interrupted (the next launch says so and fills in its folder).

It is plain data (`Remembered` and its parts) in one JSON file of the user's state folder
(`platformdirs.user_state_path("textgen-tui")`; $TEXTGEN_TUI_STATE replaces the folder, as the
tests do), written atomically (a temporary file in the same folder, then `os.replace`) and
versioned: a damaged file, or one of another version, is ignored with a note, never a crash.

`RemembersApp` is the App's part (a base class of `TextgenApp`): it loads the file when the app
starts, gives each pane its part back through the pane's own attributes, and saves — a second
after the last change the panes' messages report (fields, the seed, the Write text, a loaded
corpus, a run's start and end), and when the app exits. Textual calls a handler of every class
in the App's MRO, so its `on_mount`, `on_corpus_pane_loaded`... run after the App's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import work
from textual.message import Message

APP_NAME = "textgen-tui"
ENV_VAR = "TEXTGEN_TUI_STATE"
FILE_NAME = "app-state.json"
VERSION = 1
"""The file's format: a file of another version is ignored (with a note), not read half-way."""
SAVE_DELAY = 1.0
"""Seconds after the last change before the file is written (typing writes it once a pause)."""
WRITE_LIMIT = 1_000_000
"""Characters of the Write pane's text kept (a longer text is not remembered)."""


def state_file() -> Path:
    """`$TEXTGEN_TUI_STATE/app-state.json`, else the user's state folder's."""
    folder = os.environ.get(ENV_VAR)
    if folder:
        return Path(folder).expanduser() / FILE_NAME
    import platformdirs

    return platformdirs.user_state_path(APP_NAME) / FILE_NAME


# -- the data -----------------------------------------------------------------------------------
@dataclass
class CorpusPart:
    path: str = ""
    """The corpus loaded last: an absolute path, or a catalog name."""
    tokenizer: str = "char"
    lowercase: bool = False


@dataclass
class TrainPart:
    preset: str = "fast"
    layout: str = ""
    cell: str = ""
    fields: dict = field(default_factory=dict)
    """Each form field's text as typed (`#field-NAME`), valid or not."""
    out_dir: str = ""
    devices: str = "1"
    tensorboard: str = ""


@dataclass
class GeneratePart:
    model: str = ""
    """The model chosen (an absolute folder, in the models home or outside it)."""
    seed: str = ""
    temperatures: str = ""


@dataclass
class WritePart:
    text: str = ""


@dataclass
class RunPart:
    folder: str = ""
    """The run's model folder (absolute)."""
    state: str = "running"
    """'running' (the app went while it trained) or 'stopped' (F6, a quit, a failure)."""


PARTS = {
    "corpus": CorpusPart,
    "train": TrainPart,
    "generate": GeneratePart,
    "write": WritePart,
    "run": RunPart,
}


@dataclass
class Remembered:
    welcomed: bool = False
    """The welcome demo was shown (it greets the first launch only)."""
    pane: str = "corpus"
    """The pane shown when the app quit."""
    corpus: CorpusPart | None = None
    train: TrainPart | None = None
    generate: GeneratePart | None = None
    write: WritePart | None = None
    run: RunPart | None = None
    """A run that did not finish: the next launch offers to resume it."""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"version": VERSION, "welcomed": self.welcomed, "pane": self.pane}
        for name in PARTS:
            part = getattr(self, name)
            if part is not None:
                out[name] = dataclasses.asdict(part)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Remembered:
        """ValueError, naming what is wrong, for anything but this version's data."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, this textgen-tui reads {VERSION}")
        out = cls(welcomed=_typed(data, "welcomed", False), pane=_typed(data, "pane", "corpus"))
        for name, kind in PARTS.items():
            if data.get(name) is None:
                continue
            if not isinstance(data[name], dict):
                raise ValueError(f"{name!r} is not an object")
            values = {f.name: _typed(data[name], f.name, _default(f), name) for f in dataclasses.fields(kind)}
            setattr(out, name, kind(**values))
        if out.train is not None and not all(
            isinstance(k, str) and isinstance(v, str) for k, v in out.train.fields.items()
        ):
            raise ValueError("'train.fields' holds something other than text")
        return out


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _typed(data: dict, key: str, default: Any, where: str = "") -> Any:
    value = data.get(key, default)
    if type(value) is not type(default):  # bool is not int, nor int bool
        raise ValueError(
            f"{where + '.' if where else ''}{key} is {type(value).__name__}, not {type(default).__name__}"
        )
    return value


# -- the file -----------------------------------------------------------------------------------
def load(path: Path | None = None) -> tuple[Remembered, str | None]:
    """What the file remembers, and a note when it was there but is not used (damaged, unreadable
    or of another version); a missing file is a first launch: nothing remembered, no note."""
    path = path or state_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Remembered(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Remembered(), f"{path} could not be read ({exc.__class__.__name__}): the app starts afresh."
    try:
        return Remembered.from_dict(json.loads(text)), None
    except ValueError as exc:  # json.JSONDecodeError included
        reason = str(exc).splitlines()[0][:120]
        return (
            Remembered(),
            f"{path} is damaged or from another version ({reason}): ignored, the app starts afresh.",
        )


def save(memory: Remembered, path: Path | None = None) -> bool:
    """Write the file atomically (never half a file); False when the folder cannot be written
    (not an error: the app runs on, it only forgets)."""
    path = path or state_file()
    data = json.dumps(memory.to_dict(), ensure_ascii=False, indent=1)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as f:
            tmp = f.name
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


def absolute(path: str) -> str:
    """A typed path made absolute (the next launch may start in another folder); "" stays ""."""
    return os.path.abspath(os.path.expanduser(path)) if path.strip() else ""


# -- the App's part -----------------------------------------------------------------------------
class MemoryTouched(Message):
    """A pane's remembered part changed where no bubbling message says so (the Write text)."""


class RemembersApp:
    """Loading, giving back and saving what the app remembers (a base class of `TextgenApp`;
    `remember=False` apps, the tests', neither read nor write the file)."""

    remember = False
    memory: Remembered
    _memory_note: str | None = None
    _save_timer = None
    _kept_out_dir: str | None = None
    """The output folder the restore wants kept when the restored corpus's `Loaded` comes (the
    App then names a fresh folder after the corpus)."""
    _pending_model: str | None = None
    """Generate's remembered model, chosen once the models home's list comes."""

    def load_memory(self) -> None:
        self.memory, self._memory_note = load() if self.remember else (Remembered(), None)

    # -- giving back ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        if not self.remember:
            return
        if self._memory_note:
            self.notify(self._memory_note, title="Remembered state", severity="warning", timeout=10)
        m = self.memory
        if m.corpus is not None:
            self._restore_corpus(m.corpus)
        if m.train is not None:
            self._restore_train(m.train)
        if m.generate is not None:
            self._restore_generate(m.generate)
        if self._pending_model is None:  # else once the model is chosen: Write asks Generate's
            self._restore_write()
        if m.run is not None and m.run.folder:
            self._check_run(m.run)

    def _restore_corpus(self, part: CorpusPart) -> None:
        pane = self.corpus_pane
        pane.set_options(part.tokenizer, part.lowercase)
        if part.path:
            pane.query_one("#corpus-path").value = part.path
            self._kept_out_dir = self.memory.train.out_dir if self.memory.train else None
            pane.load(part.path)

    def _restore_train(self, part: TrainPart) -> None:
        from textual.widgets import Select
        from textual.widgets.select import InvalidSelectValueError

        pane = self.train_pane
        pane.preset_name = part.preset  # first: the preset's own values must not replace the fields
        for name, value in (("preset", part.preset), ("layout", part.layout), ("cell", part.cell)):
            if value:
                with contextlib.suppress(InvalidSelectValueError):  # a preset or layout gone since
                    pane.query_one(f"#{name}", Select).value = value
        for name, value in part.fields.items():
            for field_input in pane.query(f"#field-{name}"):
                field_input.value = value
        pane.query_one("#devices").value = part.devices
        pane.query_one("#tensorboard").value = part.tensorboard
        if part.out_dir:
            pane.out_dir = part.out_dir

    def _restore_generate(self, part: GeneratePart) -> None:
        pane = self.generate_pane
        if part.temperatures:
            pane.query_one("#gen-temps").value = part.temperatures
        if part.seed:
            pane.seed_text = part.seed
        if part.model:
            self._pending_model = part.model

    def _restore_write(self) -> None:
        part = self.memory.write
        if part is not None and part.text and self._panes_alive():
            area = self.query_one("WritePane").area
            area.text = part.text
            area.move_cursor(area.document.end)

    def on_models_pane_listed(self, message) -> None:
        """The first list of the models home: Generate's remembered model is chosen in it (or
        opened from outside the home, in a worker), when the folder is still there; then the
        Write text comes back (its first suggestion asks that model)."""
        pending, self._pending_model = self._pending_model, None
        if pending is None or not self._panes_alive():
            return
        if Path(pending).is_dir():
            self.generate_pane.open_folder(pending, quiet=True)
        self._restore_write()

    @work(thread=True, exit_on_error=False, group="memory", description="reading the interrupted run")
    def _check_run(self, run: RunPart) -> None:
        """Read the interrupted run's folder (in a worker): when it can go on, the next launch
        says so and Train names it (F7 resumes it); a run finished meanwhile is forgotten."""
        from textgen_tui.core.errors import TextgenError
        from textgen_tui.core.store.folder import read_info

        try:
            info = read_info(run.folder)
        except TextgenError:
            info = None
        planned = int(info.state.planned_epochs or 0) if info is not None else 0
        done = (
            info is None
            or (planned and info.resume_epoch >= planned)
            or (run.state == "running" and not planned)
        )
        self.call_from_thread(self._run_checked, run, None if done else info)

    def _run_checked(self, run: RunPart, info) -> None:
        if info is None:
            if self.memory.run is run:
                self.memory.run = None
            return
        if not self._panes_alive() or self.session.active:
            return
        self._kept_out_dir = run.folder
        self.train_pane.out_dir = run.folder
        self.notify(
            f"{info.name} stopped at epoch {info.resume_epoch} — F7 resumes it (Train, F2).",
            title="Interrupted run",
            timeout=15,
        )

    # -- what changed ---------------------------------------------------------------------------
    def on_corpus_pane_loaded(self, message) -> None:
        """After the App's own handler (which names a fresh output folder after the corpus)."""
        spec = self.corpus_pane.query_one("#corpus-path").value.strip()
        path = Path(spec).expanduser()
        source = spec if not path.exists() else absolute(spec)
        options = self.corpus_options
        self.memory.corpus = CorpusPart(source or message.corpus.source, *options)
        kept, self._kept_out_dir = self._kept_out_dir, None
        if kept and not self.session.active:
            self.train_pane.out_dir = kept
        self.memory_touched()

    def on_training_event(self, message) -> None:
        from textgen_tui.core import events as ev

        e = message.event
        run = self.memory.run
        if isinstance(e, ev.Started):
            self.memory.run = RunPart(absolute(str(e.out_dir)), "running")
        elif run is not None and isinstance(e, ev.Stopped) and e.reason == "user":
            run.state = "stopped"
        elif run is not None and isinstance(e, ev.Failed) and e.started:
            run.state = "stopped"
        elif run is not None and isinstance(e, ev.Finished) and run.state != "stopped":
            self.memory.run = None
        else:
            return
        self.memory_touched()

    def on_input_changed(self, message) -> None:
        self.memory_touched()

    def on_select_changed(self, message) -> None:
        self.memory_touched()

    def on_checkbox_changed(self, message) -> None:
        self.memory_touched()

    def on_text_area_changed(self, message) -> None:
        self.memory_touched()

    def on_memory_touched(self, message: MemoryTouched) -> None:
        self.memory_touched()

    def on_tabbed_content_tab_activated(self, message) -> None:
        self.memory_touched()

    def memory_touched(self) -> None:
        """Save a second after the last change (the timer starts again at each)."""
        if not self.remember:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self.save_memory)

    # -- saving ---------------------------------------------------------------------------------
    def collect_memory(self) -> None:
        """The panes' parts as they show them now (while the panes are there)."""
        if not self._panes_alive():
            return
        m = self.memory
        m.welcomed, m.pane = True, self.last_pane
        corpus = m.corpus or CorpusPart()
        corpus.tokenizer, corpus.lowercase = self.corpus_options
        m.corpus = corpus
        m.train = self._train_part()
        g = self.generate_pane
        m.generate = GeneratePart(absolute(g.model or ""), g.seed_text, g.query_one("#gen-temps").value)
        text = self.query_one("WritePane").area.text
        m.write = WritePart(text if len(text) <= WRITE_LIMIT else "")

    def _train_part(self) -> TrainPart:
        from textual.widgets import Select

        from textgen_tui.app.widgets.fields import FIELDS

        pane = self.train_pane
        layout, cell = (pane.query_one(f"#{n}", Select).value for n in ("layout", "cell"))
        return TrainPart(
            pane.preset_name,
            layout if isinstance(layout, str) else "",
            cell if isinstance(cell, str) else "",
            {f.name: pane.query_one(f"#field-{f.name}").value for f in FIELDS},
            absolute(pane.out_dir),
            pane.query_one("#devices").value,
            pane.query_one("#tensorboard").value,
        )

    def save_memory(self) -> None:
        if not self.remember:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.collect_memory()
        save(self.memory)

    def exit(self, *args, **kwargs) -> None:
        self.save_memory()  # the panes are still there: their last values are kept
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        if self.remember:
            save(self.memory)  # what was collected last (the panes are gone)
