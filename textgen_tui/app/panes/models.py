"""The Models pane: every model folder under the model roots, with open / resume / delete."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Static

from textgen_tui.app.screens.dialogs import ConfirmDialog
from textgen_tui.core.errors import TextgenError
from textgen_tui.core.store.folder import BundleInfo
from textgen_tui.core.store.paths import (
    bundled_model,
    bundled_models_dir,
    model_roots,
    same_folder,
    user_models_dir,
)

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


def writable_roots() -> list[Path]:
    """The model roots the user may change (not the bundled models' folder)."""
    bundled = bundled_model()
    return [r for r in model_roots() if bundled is None or r.resolve() != bundled.parent.resolve()]


def list_trashed() -> tuple[list, list[Path]]:
    """The trashed model folders of the writable roots, and the other things found in their
    `.trash` folders (a user's own folder put there): those are never listed as models nor
    deleted by emptying the trash."""
    from textgen_tui.core.store.trash import is_ours, list_trash

    models, others = [], []
    for root in writable_roots():
        for entry in list_trash(root):
            if is_ours(entry.path):  # a model, or one whose state.json was damaged
                models.append(entry)
            else:
                others.append(entry.path)
    return models, others


def empty_trashed(entries) -> int:
    """Delete the trashed model folders `entries` for good; returns how many went."""
    import shutil

    from textgen_tui.core.store.trash import TRASH, is_ours

    removed, failed = 0, []
    for entry in entries:
        path = entry.path
        if path.is_symlink() or path.parent.name != TRASH or not is_ours(path):
            continue  # only model folders inside a trash folder, never through a link
        try:
            shutil.rmtree(path)
            removed += 1
        except OSError as exc:
            failed.append(f"{path.name} ({exc.strerror or exc})")
    if failed:
        raise TextgenError(f"{removed} deleted, but {len(failed)} could not be: {', '.join(failed[:3])}")
    return removed


def _short(path: Path) -> str:
    """The home folder as ~ (the user data folder's path is long for an 80-column line)."""
    try:
        return "~/" + str(path.relative_to(Path.home())) if path.is_absolute() else str(path)
    except (ValueError, RuntimeError):
        return str(path)


class ModelsPane(Vertical):
    """Lists the models and owns what changes them: delete (to the trash), restore, empty the
    trash, moving legacy folders; each with its dialog. The App re-reads the lists on `Changed`."""

    @dataclass
    class Open(Message):
        """Open a model folder: "generate" (the Generate pane) or "resume" (the Train pane)."""

        path: str
        purpose: str

    @dataclass
    class Changed(Message):
        """Model folders moved or went: the lists are re-read; `gone` is a folder no longer there."""

        gone: str | None = None

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
        if action == "compare":  # greyed until two models are marked (listed in help all along)
            return False if self.showing_trash else (True if len(self.marked) == 2 else None)
        if action in ("restore", "empty_trash"):
            return self.showing_trash
        return True

    @property
    def entries(self) -> list:
        """The model folders listed (as last read)."""
        return self._entries

    def reload(self) -> list:
        """Read the model roots and their trash again and show them; returns the model entries."""
        from textgen_tui.core.store.folder import list_bundles
        from textgen_tui.core.store.paths import describe_models_home

        roots = model_roots()
        entries = list_bundles(*roots)
        trash, others = list_trashed()
        self.show(entries, roots, trash, home=describe_models_home(), others=others)
        return entries

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

    def action_toggle_trash(self) -> None:
        self.showing_trash = not self.showing_trash

    def watch_showing_trash(self) -> None:
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
        from textgen_tui.core.store.trash import restore

        entry = next((t for t in self.trash if t.path == path), None)
        if entry is None:
            self.notify("That trash entry is gone.", severity="warning")
            return
        try:
            back = restore(entry)
        except TextgenError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Restored {back}", title="Models")
        self.post_message(self.Changed())

    def action_empty_trash(self) -> None:
        if not self.showing_trash:
            self.notify("Press x to see the trash first.", severity="warning")
            return
        if not self.trash:
            self.notify("The trash is already empty.", severity="warning")
            return
        entries = list(self.trash)

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                count = empty_trashed(entries)
            except TextgenError as exc:
                self.notify(str(exc), title="Models", severity="error")
            else:
                kept = f"; {len(self.others)} other folder(s) left alone" if self.others else ""
                self.notify(
                    f"Emptied the trash ({count} model folder(s) deleted for good{kept}).", title="Models"
                )
            self.post_message(self.Changed())

        self.app.push_screen(
            ConfirmDialog("Empty trash", f"Delete the {len(entries)} model folder(s) in the trash for good?"),
            answer,
        )

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
            self.post_message(self.Open(str(path), "generate"))

    def action_open_resume(self) -> None:
        path = self._chosen()
        if path is not None:
            self.post_message(self.Open(str(path), "resume"))

    def action_delete(self) -> None:
        path = self._chosen(usable=False)
        if path is None:
            return
        session = self.app.session
        if session.active and session.out_dir is not None and path.resolve() == session.out_dir.resolve():
            self.notify("This model is being trained: stop training first.", severity="error")
            return
        from textgen_tui.core.store.trash import is_ours, not_ours_message

        bundled = bundled_model()
        if bundled is not None and same_folder(path, bundled):
            # It ships with textgen-tui (the demo, Write's default); outside the home its trash
            # would not even be listed, so it could not be restored.
            self.notify(
                f"{path.name} is the bundled model: it ships with textgen-tui and is not deleted.",
                title="Models",
                severity="warning",
            )
            return
        if not is_ours(path):  # a model, or a model's files beside a damaged state.json
            # markup off: a folder's name may hold square brackets
            self.notify(not_ours_message(path), title="Models", severity="error", timeout=20, markup=False)
            return

        def answer(yes: bool | None) -> None:
            from textgen_tui.core.store.trash import move_to_trash

            if not yes:
                return
            try:
                entry = move_to_trash(path)
            except TextgenError as exc:
                self.notify(str(exc), severity="error")
                self.post_message(self.Changed())
                return
            self.notify(
                f"Moved {path.name} to the trash ({entry.path.parent}); x shows the trash, u restores it there.",
                title="Models",
            )
            self.post_message(self.Changed(gone=str(path)))

        self.app.push_screen(
            ConfirmDialog(
                "Delete model", f"Move {path} to the trash? It can be restored from the Models pane."
            ),
            answer,
        )

    def offer_legacy(self) -> None:
        """Model folders in a ./models from before the models home: offered for moving, once."""
        from textgen_tui.core.store.legacy_models import mark_offered, move_legacy, pending_offer

        legacy = pending_offer()
        if legacy is None:
            return
        mark_offered(legacy.source)  # asked once, whatever the answer
        home = user_models_dir()

        def answer(yes: bool | None) -> None:
            if not yes:
                self.notify(
                    f"{legacy.source} stays as it is; `textgen-tui models --move-legacy` moves it later.",
                    title="Models",
                )
                return
            try:
                results = move_legacy()
            except TextgenError as exc:
                self.notify(str(exc), title="Models", severity="error")
                return
            moved = sum(1 for r in results if r.target is not None)
            self.notify(f"Moved {moved} model folder(s) to {home}.", title="Models")
            for r in results:
                if r.target is None:
                    self.notify(
                        f"{r.source} stays where it is: {r.note}.", title="Models", severity="warning"
                    )
            self.post_message(self.Changed())

        self.app.push_screen(
            ConfirmDialog(
                "Models from before",
                f"Move {len(legacy.folders)} model folder(s) from {legacy.source} to {home}? "
                "Models now live there, whatever the current folder. No leaves them where they are.",
            ),
            answer,
        )

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
