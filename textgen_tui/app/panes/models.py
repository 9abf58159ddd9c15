"""The Models pane: every model folder under the model roots, with open / resume / delete."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text
from textgen_tui.app.panes.models_changes import FolderChanges, list_trashed
from textgen_tui.core.errors import TextgenError
from textgen_tui.core.store.folder import BundleInfo
from textgen_tui.core.store.paths import bundled_models_dir, model_roots

COLUMNS = ("name", "corpus", "tokenizer", "parameters", "epochs", "best val loss", "date")
WIDE_COLUMNS = (*COLUMNS, "why broken")
"""From `WIDE` columns on, a broken folder's row says why (narrower, the note under the table does)."""
WIDE = 160
TRASH_COLUMNS = ("name in the trash", "came from", "moved to the trash")


def row_for(entry: BundleInfo | tuple[Path, str], wide: bool = False) -> tuple[str, ...]:
    """A model's row; `wide`: with the "why broken" cell."""
    cells = _cells(entry)
    if not wide:
        return cells
    if not isinstance(entry, tuple):
        return (*cells, "")
    path, why = entry
    for prefix in (f"{path}: ", f"{path.name}: "):  # the row names the folder already
        why = why.removeprefix(prefix)
    return (*cells, why)


def _cells(entry: BundleInfo | tuple[Path, str]) -> tuple[str, ...]:
    if isinstance(entry, tuple):
        path, error = entry
        return (path.name, "⚠ broken", "", "", "", "", "")
    if not isinstance(entry, BundleInfo):
        return ("", "", "", "", "", "", "")
    info = entry
    source = str(info.corpus.get("source", "?"))
    corpus = Path(source).name or source
    if isinstance(info.state.lineage, dict):  # fine-tuned: the base it started from
        corpus += f" ← {info.state.lineage.get('base', '?')}"
    params = info.state.get("params")
    best = info.best_value
    updated = info.state.get("updated")
    date = _date(updated) if updated else ""
    return (
        info.name,
        corpus,
        info.config.data.tokenizer,
        f"{int(params):,}" if params is not None else "?",
        str(info.epochs_done),
        f"{best:.4f}" if best is not None else "—",
        date,
    )


def _date(seconds: float) -> str:
    """A timestamp as shown; "" when it is no date at all (a damaged record)."""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(float(seconds)))
    except (OverflowError, OSError, ValueError, TypeError):
        return ""


READING = "Reading the models home…"
"""The note while the lists are read (a folder being saved makes its read wait up to 5 s)."""


@dataclass
class Listing:
    """The model roots as read once (off the UI thread)."""

    entries: list[BundleInfo | tuple[Path, str]]
    """The model folders, a broken one as (path, why)."""
    roots: list[Path]
    """The folders that were searched for models."""
    trash: list = field(default_factory=list)
    """The trashed model folders of the writable roots."""
    others: list[Path] = field(default_factory=list)
    """Things in the trash folders that are not models (left alone)."""
    home: str = ""
    """Where models live and why (the summary's tooltip)."""


def read_listing() -> Listing:
    """Read every model root and its trash (slow: runs in the pane's worker)."""
    from textgen_tui.core.store.folder import list_bundles
    from textgen_tui.core.store.paths import describe_models_home

    roots = model_roots()
    entries = list_bundles(*roots)
    trash, others = list_trashed()
    return Listing(entries, roots, trash, others, describe_models_home())


def _short(path: Path) -> str:
    """The home folder as ~ (the user data folder's path is long for an 80-column line)."""
    try:
        return "~/" + str(path.relative_to(Path.home())) if path.is_absolute() else str(path)
    except (ValueError, RuntimeError):
        return str(path)


class ModelsPane(FolderChanges, Vertical):
    """Lists the models and owns what changes them: delete (to the trash), restore, empty the
    trash; each with its dialog. The App re-reads the lists on `Changed`."""

    @dataclass
    class Open(Message):
        """Open a model folder: "generate" (the Generate pane) or "resume" (the Train pane)."""

        path: str
        purpose: str

    @dataclass
    class Changed(Message):
        """Model folders moved or went: the lists are re-read; `gone` is a folder no longer there."""

        gone: str | None = None

    @dataclass
    class Listed(Message):
        """The lists were read again and are shown (the App hands the models to Generate)."""

        entries: list
        """The model folders listed."""
        select: str | None = None
        """A model Generate should select (asked for with `reload`)."""

    showing_trash: reactive[bool] = reactive(False, init=False)
    """The trash is listed instead of the models (x); the table and the Footer follow."""

    BINDINGS = [
        Binding("g", "open_generate", "Generate"),
        Binding("t", "open_resume", "Resume"),
        Binding("d,delete", "delete", "Delete"),
        Binding("r,f5", "refresh", "Refresh", show=False),  # also a button; the Footer must fit 80
        Binding("x", "toggle_trash", "Trash"),
        Binding("u", "restore", "Restore"),
        Binding("e", "empty_trash", "Empty"),
        # In the models list u and e say where they work (the trash's own, above, are off there).
        Binding("u,e", "trash_hint", "In the trash (x): u restores, e empties it", show=False),
        Binding("i", "details", "Details"),
        Binding("space", "mark", "Mark to compare", show=False),
        Binding("c", "compare", "Compare"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.paths: list[Path] = []
        self.broken: dict[Path, str] = {}
        self.summary = ""
        self.trash: list = []
        self.home = ""
        self._entries: list = []
        self.marked: list[Path] = []
        """Models marked (space) for comparing, two at most: the oldest mark gives way."""
        self._roots: list[Path] = []
        self.others: list[Path] = []
        """Things in the trash folders that are not models (left alone)."""

    def compose(self) -> ComposeResult:
        # The note (a broken folder's reason, else the summary) above the table: toasts stack at
        # the screen's foot and hid it at 80×24 until they went.
        yield Static("", id="models-note")
        table = DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield table
        with Horizontal(id="models-buttons"):
            yield Button("Generate", id="open-generate", variant="primary", compact=True)
            yield Button("Resume training", id="open-resume", compact=True)
            yield Button("Delete", id="delete", variant="error", compact=True)
            yield Button("Restore", id="restore", variant="primary", compact=True, classes="trash")
            yield Button("Empty the trash", id="empty-trash", variant="error", compact=True, classes="trash")
            yield Button("Refresh", id="refresh", compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self._show_buttons()

    def _show_buttons(self) -> None:
        """The list's buttons, or the trash's: a button is there only where it works."""
        for button in self.query("#models-buttons Button"):
            if button.id != "refresh":
                button.display = button.has_class("trash") == self.showing_trash

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """In the trash, only what makes sense there; the Footer follows."""
        if action in ("open_generate", "open_resume", "delete", "details", "mark"):
            return not self.showing_trash
        if action == "compare":  # greyed until two models are marked (listed in help all along)
            return False if self.showing_trash else (True if len(self.marked) == 2 else None)
        if action in ("restore", "empty_trash"):
            return self.showing_trash
        if action == "trash_hint":
            return not self.showing_trash
        return True

    def action_trash_hint(self) -> None:
        self.notify("u restores and e empties in the trash: x shows it.", title="Models")

    @property
    def entries(self) -> list:
        """The model folders listed (as last read)."""
        return self._entries

    reading = False
    """The lists are being read (the note says so until they are shown)."""

    def reload(self, select: str | None = None) -> None:
        """Read the model roots and their trash again, in a worker (a folder being saved makes its
        read wait); they are shown when it comes back, and `Listed` carries `select` on."""
        if select is not None:
            self._select = select  # kept when a newer read replaces this one
        self.reading = True
        self._show_note()
        self._read_lists()

    _select: str | None = None

    @work(thread=True, exclusive=True, group="models-list", exit_on_error=False, description=READING)
    def _read_lists(self) -> Listing:
        return read_listing()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "models-list":
            return
        event.stop()
        if worker.is_cancelled or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return  # a newer read replaced it
        self.reading = False
        if event.state == WorkerState.ERROR:
            self.notify(error_text(worker.error), title="Models", severity="error")
            self._show_note()
            return
        listing: Listing = worker.result
        self.show(listing.entries, listing.roots, listing.trash, home=listing.home, others=listing.others)
        select, self._select = self._select, None
        self.post_message(self.Listed(listing.entries, select))

    def show(
        self,
        entries: list[BundleInfo | tuple[Path, str]],
        roots: list[Path],
        trash=(),
        home: str = "",
        others=None,
    ) -> None:
        """`home` says where models live and why (the summary's tooltip)."""
        self._entries, self._roots, self.trash = list(entries), list(roots), list(trash)
        if others is not None:  # None: as before (marking or toggling the trash re-shows the lists)
            self.others = list(others)
        if home:
            self.home = home
        if self.showing_trash:
            self._show_trash()
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        self._wide = wide = self.app.size.width >= WIDE
        table.add_columns(*(WIDE_COLUMNS if wide else COLUMNS))
        self.paths = []
        self.broken = {}
        for entry in entries:
            path = entry[0] if isinstance(entry, tuple) else entry.path
            if isinstance(entry, tuple):
                self.broken[path] = entry[1]
            self.paths.append(path)
            cells = row_for(entry, wide)
            if path in self.marked:
                cells = (f"✓ {cells[0]}", *cells[1:])
            table.add_row(*cells, key=str(path))
        if self.paths:
            table.move_cursor(row=min(row, len(self.paths) - 1))
        bundled = bundled_models_dir()
        # The bundled folder's absolute path says nothing useful (and differs per install).
        where = " and ".join(
            "the bundled models" if bundled is not None and r.resolve() == bundled.resolve() else _short(r)
            for r in roots
        )
        self.summary = (
            f"{len(self.paths)} model folder(s) in {where}"
            if self.paths
            else f"No model folders in {where} yet."
        )
        if self.trash:
            self.summary += f" · {len(self.trash)} in the trash (x shows it)"
        self._show_note()

    def _show_trash(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*TRASH_COLUMNS)
        self.paths = []
        self.broken = {}
        for entry in self.trash:
            when = _date(entry.trashed) if entry.trashed else ""
            self.paths.append(entry.path)
            table.add_row(entry.name, str(entry.original), when, key=str(entry.path))
        self.summary = (
            f"Trash: {len(self.trash)} model folder(s). u restores the selected one, e empties the trash, "
            "x goes back to the models."
            if self.trash
            else "The trash has no models. x goes back to the models."
        )
        if self.others:
            names = ", ".join(p.name for p in self.others[:3])
            self.summary += f" Not models, left alone: {names}."
        self._show_note()

    _wide = False
    """The table has the "why broken" column (the screen was wide when it was filled)."""

    def on_resize(self) -> None:
        if (self.app.size.width >= WIDE) != self._wide and not self.showing_trash:
            self.show(self._entries, self._roots, self.trash)

    def action_toggle_trash(self) -> None:
        self.showing_trash = not self.showing_trash

    def watch_showing_trash(self) -> None:
        self.show(self._entries, self._roots, self.trash)
        self._show_buttons()
        self.refresh_bindings()

    def _show_note(self) -> None:
        path = self.selected
        error = self.broken.get(path) if path is not None else None
        note = self.query_one("#models-note", Static)
        note.update(error or (READING if self.reading else self.summary))
        note.set_class(bool(error), "error")
        note.tooltip = self.home or None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_note()

    @property
    def selected(self) -> Path | None:
        table = self.query_one(DataTable)
        if not self.paths or table.cursor_row < 0 or table.cursor_row >= len(self.paths):
            return None
        return self.paths[table.cursor_row]

    def _chosen(self, usable: bool = True) -> Path | None:
        path = self.selected
        if path is None:
            self.notify("No model folder selected.", severity="warning")
            return None
        if usable and path in self.broken:
            self.notify(f"{path.name} is broken and cannot be opened.", severity="error")
            return None
        return path

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_generate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "open-generate": self.action_open_generate,
            "open-resume": self.action_open_resume,
            "delete": self.action_delete,
            "restore": self.action_restore,
            "empty-trash": self.action_empty_trash,
            "refresh": self.action_refresh,
        }
        actions[event.button.id or "refresh"]()

    def action_open_generate(self) -> None:
        if self.showing_trash:
            self.action_restore()
            return
        path = self._chosen()
        if path is not None:
            self.post_message(self.Open(str(path), "generate"))

    def action_open_resume(self) -> None:
        path = self._chosen()
        if path is not None:
            self.post_message(self.Open(str(path), "resume"))

    def action_details(self) -> None:
        path = self._chosen()
        if path is not None:
            self._open_details((str(path),))

    def action_mark(self) -> None:
        path = self._chosen()
        if path is None:
            return
        if path in self.marked:
            self.marked.remove(path)
        else:
            self.marked = [*self.marked, path][-2:]
        self.show(self._entries, self._roots, self.trash)
        self.refresh_bindings()
        if len(self.marked) == 2:
            self.notify("Two models marked: c compares them.", title="Compare")

    def action_compare(self) -> None:
        if len(self.marked) != 2:
            self.notify("Mark two models with space first, then c compares them.", severity="warning")
            return
        self._open_details(tuple(str(p) for p in self.marked))

    @work(thread=True, exclusive=True, group="details", exit_on_error=False, description="reading a model")
    def _open_details(self, paths: tuple[str, ...]) -> None:
        """Details (one folder) or Compare (two): the folders are read off the UI thread (a read
        can wait for a save in progress)."""
        from textgen_tui.app.screens.details import CompareModels, ModelDetails
        from textgen_tui.core.store.folder import read_info

        title = "Details" if len(paths) == 1 else "Compare"
        try:
            infos = [read_info(p) for p in paths]
        except TextgenError as exc:
            self.app.call_from_thread(self.notify, str(exc), title=title, severity="error")
            return
        screen = ModelDetails(infos[0]) if len(infos) == 1 else CompareModels(*infos)
        self.app.call_from_thread(self.app.push_screen, screen)

    def action_refresh(self) -> None:
        self.post_message(self.Changed())

    def focus_first(self) -> None:
        self.query_one(DataTable).focus()
