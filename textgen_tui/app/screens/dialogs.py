"""Modal dialogs: a message (training failures), a yes/no confirmation, a folder/file picker."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Footer, Input, Label, Static


class MessageDialog(ModalScreen[None]):
    """A title and a message, dismissed with OK or Escape."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, message: str, *, error: bool = True) -> None:
        super().__init__(classes="error" if error else "")
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.message, id="dialog-message", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
        yield Footer(compact=True)  # its keys, listed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    async def action_dismiss(self, result=None) -> None:
        self.dismiss(None)


def help_rows(app, panes: tuple[type, ...]) -> list[tuple[str, str]]:
    """The keys active on the app's screen, one row per action (its keys together: F1 and 1): the
    pane's own keys first, then the app's, then the focused widget's. Keys a pane greys out for
    now (c before two models are marked) are listed too."""

    def rank(item) -> int:
        node = item[1].node
        return 0 if isinstance(node, panes) else 1 if node is app else 2

    by_action: dict[str, tuple[list[str], str]] = {}
    extra: tuple[tuple[str, str], ...] = ()  # keys a pane's widget reads itself (the Write pane's Tab)
    for _, active in sorted(app.screen.active_bindings.items(), key=rank):
        binding = active.binding
        description = binding.description or binding.action.replace("_", " ")
        by_action.setdefault(binding.action, ([], description))[0].append(app.get_key_display(binding))
        extra = extra or (getattr(active.node, "HELP_KEYS", ()) if isinstance(active.node, panes) else ())
    rows = [(" / ".join(dict.fromkeys(keys)), description) for keys, description in by_action.values()]
    return [*extra, *rows]


class HelpScreen(ModalScreen[None]):
    """Every key of the pane the user is on, with what it does (`?`)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,enter,question_mark,q", "dismiss", "Close")]

    def __init__(self, pane: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pane = pane
        self.rows = rows

    def compose(self) -> ComposeResult:
        from textual.widgets import DataTable

        with Vertical(id="dialog"):
            yield Label(f"Keys of the {self.pane} pane", id="dialog-title")
            table = DataTable(id="help-keys", show_cursor=False, zebra_stripes=True)
            table.add_columns("key", "does")
            for key, description in self.rows:
                table.add_row(key, description)
            yield table
            yield Static(
                "Tabs and buttons take clicks too; Ctrl+P opens the command palette. Escape closes this.",
                id="help-footer",
            )

    async def action_dismiss(self, result=None) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A question answered Yes (y) or No (n / Escape)."""

    CSS_PATH = "dialogs.tcss"
    # Focus by selector when the screen activates: an answer typed ahead can dismiss the dialog
    # before its on_mount would have run (and found no buttons left to focus).
    AUTO_FOCUS = "#no"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
        Binding("left,right", "switch", "Yes/No", show=False),  # ← → move between the buttons
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title")
            yield Static(self.question, id="dialog-message", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Yes", variant="error", id="yes")
                yield Button("No", variant="primary", id="no")
        yield Footer(compact=True)  # its keys, listed

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_switch(self) -> None:
        self.query_one("#no" if self.focused is self.query_one("#yes") else "#yes", Button).focus()


class QuitDialog(ModalScreen[str | None]):
    """Quitting while training: "stop" (stop after the batch, save, quit — the default: Enter or a
    second Ctrl+Q), "keep" (quit the screen; training goes on in the terminal, visibly, and
    Ctrl-C stops it there) or None (cancel: back to the app)."""

    CSS_PATH = "dialogs.tcss"
    AUTO_FOCUS = "#stop"  # Enter: the safe default
    BINDINGS = [
        Binding("ctrl+q", "answer('stop')", "Stop and quit", priority=True),
        Binding("k", "answer('keep')", "Keep training"),
        Binding("escape,c", "answer(None)", "Cancel"),
    ]

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        web = self.app.is_web  # in a browser (`serve`) there is no terminal to keep training in
        keep = (
            ""
            if web
            else " Keep training closes the screen and shows the run in the terminal until it ends "
            "(Ctrl-C stops it there)."
        )
        with Vertical(id="dialog"):
            yield Label("Training is running", id="dialog-title")
            yield Static(
                f"Quit now? Stop and quit stops after the current batch and saves {self.folder}; "
                f"it can be resumed later (F7).{keep}",
                id="dialog-message",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Stop and quit", variant="error", id="stop")
                if not web:
                    yield Button("Keep training", id="keep")
                yield Button("Cancel", variant="primary", id="cancel")
        yield Footer(compact=True)  # its keys: ^q, k, esc

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "answer" and parameters == ("keep",) and self.app.is_web)

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)


class PathPicker(ModalScreen[str | None]):
    """Browse the filesystem; Enter on a file picks it, 'Use folder' picks the highlighted folder."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+o", "use_folder", "Use folder"),
    ]

    def __init__(
        self, start: str | Path = ".", title: str = "Choose a text file, or a folder of .txt files"
    ) -> None:
        super().__init__()
        self.title_text = title
        start = Path(start).expanduser()
        self.start = start if start.is_dir() else (start.parent if start.parent.is_dir() else Path("."))
        self.highlighted: Path = self.start

    def compose(self) -> ComposeResult:
        from textgen_tui.app.widgets.suggest import PathSuggester

        with Vertical(id="picker"):
            yield Label(self.title_text, id="dialog-title")
            yield Input(  # any folder, the tree's or not (the tree cannot climb above its start)
                placeholder="or type a path (→ completes it), then Enter",
                suggester=PathSuggester(),
                id="picker-path",
                compact=True,
            )
            yield DirectoryTree(self.start, id="tree")
            with Horizontal(id="dialog-buttons"):
                yield Button("Use folder", id="use-folder")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    def on_tree_node_highlighted(self, event) -> None:
        data = getattr(event.node, "data", None)
        if data is not None and getattr(data, "path", None) is not None:
            self.highlighted = Path(data.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if not typed:
            return
        path = Path(typed).expanduser()
        if path.exists():
            self.dismiss(str(path))
        else:
            self.notify(f"{typed} does not exist.", title="Browse", severity="warning")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(str(event.path))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "use-folder":
            self.action_use_folder()
        else:
            self.dismiss(None)

    def action_use_folder(self) -> None:
        path = self.highlighted
        self.dismiss(str(path if path.is_dir() else path.parent))

    def action_cancel(self) -> None:
        self.dismiss(None)
