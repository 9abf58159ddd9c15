"""What changes model folders, for the Models pane: delete (to the trash), restore, empty the
trash; each asks with its dialog and then posts `Changed`, so the lists are read again."""

from __future__ import annotations

from pathlib import Path

from textgen_tui.app.screens.dialogs import ConfirmDialog
from textgen_tui.core.errors import TextgenError
from textgen_tui.core.store.paths import bundled_model, model_roots, same_folder


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


class FolderChanges:
    """The Models pane's actions that change folders (a mixin of `ModelsPane`: it uses the pane's
    `selected`, `trash`, `others`, `showing_trash`, `_chosen` and `Changed`)."""

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
