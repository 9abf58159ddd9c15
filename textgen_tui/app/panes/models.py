"""The Models pane: every model folder under the model roots, with open / resume / delete."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from textgen_tui.app import messages as msg
from textgen_tui.core.bundle import BundleInfo
from textgen_tui.core.paths import bundled_models_dir

COLUMNS = ("name", "corpus", "tokenizer", "parameters", "epochs", "best val loss", "date")
TRASH_COLUMNS = ("name in the trash", "came from", "moved to the trash")


def row_for(entry: BundleInfo | tuple[Path, str]) -> tuple[str, ...]:
    if isinstance(entry, tuple):
        path, error = entry
        return (path.name, "⚠ broken", "", "", "", "", "")
    if not isinstance(entry, BundleInfo):
        return ("", "", "", "", "", "", "")
    info = entry
    source = str(info.corpus.get("source", "?"))
    corpus = Path(source).name or source
    params = info.state.get("params")
    best = info.best_value
    updated = info.state.get("updated")
    date = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(updated))) if updated else ""
    return (
        info.name,
        corpus,
        info.config.data.tokenizer,
        f"{int(params):,}" if params is not None else "?",
        str(info.epochs_done),
        f"{best:.4f}" if best is not None else "—",
        date,
    )


def _short(path: Path) -> str:
    """The home folder as ~ (the user data folder's path is long for an 80-column line)."""
    try:
        return "~/" + str(path.relative_to(Path.home())) if path.is_absolute() else str(path)
    except (ValueError, RuntimeError):
        return str(path)


class ModelsPane(Vertical):
    BINDINGS = [
        Binding("g", "open_generate", "Generate"),
        Binding("t", "open_resume", "Resume"),
        Binding("d,delete", "delete", "Delete"),
        Binding("r,f5", "refresh", "Refresh", show=False),  # also a button; the Footer must fit 80
        Binding("x", "toggle_trash", "Trash"),
        Binding("u", "restore", "Restore"),
        Binding("e", "empty_trash", "Empty"),
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
        self.showing_trash = False
        self.home = ""
        self._entries: list = []
        self.marked: list[Path] = []
        """Models marked (space) for comparing, two at most: the oldest mark gives way."""
        self._roots: list[Path] = []

    def compose(self) -> ComposeResult:
        table = DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="models-note")
        with Horizontal(id="models-buttons"):
            yield Button("Generate", id="open-generate", variant="primary", compact=True)
            yield Button("Resume training", id="open-resume", compact=True)
            yield Button("Delete", id="delete", variant="error", compact=True)
            yield Button("Refresh", id="refresh", compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """In the trash, only what makes sense there; the Footer follows."""
        if action in ("open_generate", "open_resume", "delete", "details", "mark"):
            return not self.showing_trash
        if action == "compare":  # in the Footer once two models are marked
            return not self.showing_trash and len(self.marked) == 2
        if action in ("restore", "empty_trash"):
            return self.showing_trash
        return True

    def show(
        self, entries: list[BundleInfo | tuple[Path, str]], roots: list[Path], trash=(), home: str = ""
    ) -> None:
        """`home` says where models live and why (the summary's tooltip)."""
        self._entries, self._roots, self.trash = list(entries), list(roots), list(trash)
        if home:
            self.home = home
        if self.showing_trash:
            self._show_trash()
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        self.paths = []
        self.broken = {}
        for entry in entries:
            path = entry[0] if isinstance(entry, tuple) else entry.path
            if isinstance(entry, tuple):
                self.broken[path] = entry[1]
            self.paths.append(path)
            cells = row_for(entry)
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
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.trashed)) if entry.trashed else ""
            self.paths.append(entry.path)
            table.add_row(entry.name, str(entry.original), when, key=str(entry.path))
        self.summary = (
            f"Trash: {len(self.trash)} model folder(s). u restores the selected one, e empties the trash, "
            "x goes back to the models."
            if self.trash
            else "The trash is empty. x goes back to the models."
        )
        self._show_note()

    def action_toggle_trash(self) -> None:
        self.showing_trash = not self.showing_trash
        self.show(self._entries, self._roots, self.trash)
        self.refresh_bindings()

    def action_restore(self) -> None:
        if not self.showing_trash:
            self.notify("Press x to see the trash first.", severity="warning")
            return
        path = self.selected
        if path is None:
            self.notify("Nothing in the trash is selected.", severity="warning")
            return
        self.post_message(msg.RestoreModel(str(path)))

    def action_empty_trash(self) -> None:
        if not self.showing_trash:
            self.notify("Press x to see the trash first.", severity="warning")
            return
        if not self.trash:
            self.notify("The trash is already empty.", severity="warning")
            return
        self.post_message(msg.EmptyTrash())

    def _show_note(self) -> None:
        path = self.selected
        error = self.broken.get(path) if path is not None else None
        note = self.query_one("#models-note", Static)
        note.update(error or self.summary)
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
            "refresh": self.action_refresh,
        }
        actions[event.button.id or "refresh"]()

    def action_open_generate(self) -> None:
        if self.showing_trash:
            self.action_restore()
            return
        path = self._chosen()
        if path is not None:
            self.post_message(msg.OpenModel(str(path), "generate"))

    def action_open_resume(self) -> None:
        path = self._chosen()
        if path is not None:
            self.post_message(msg.OpenModel(str(path), "resume"))

    def action_delete(self) -> None:
        path = self._chosen(usable=False)
        if path is not None:
            self.post_message(msg.DeleteModel(str(path)))

    def action_details(self) -> None:
        path = self._chosen()
        if path is not None:
            self.post_message(msg.ShowDetails(str(path)))

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
        self.post_message(msg.CompareWanted(tuple(str(p) for p in self.marked)))

    def action_refresh(self) -> None:
        self.post_message(msg.RefreshModels())

    def focus_first(self) -> None:
        self.query_one(DataTable).focus()
