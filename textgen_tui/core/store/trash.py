"""Deleting model folders safely: Delete moves a model to a trash folder it can come back from.

    <root>/.trash/<name>/               a deleted model folder, its files untouched
    <root>/.trash/<name>/.trashed.json  where it came from and when (removed again on restore)

`<root>` is the folder's parent (a models root); `.trash` is a dot-folder, so `list_bundles`
never lists what is in it. A folder goes to the trash only when it is a model (its state.json
carries the marker, or it holds a model's files and nothing else beside a damaged state.json: a
user's folder that merely sits under models/ is never touched), is not the bundled model, and is not being trained (no one holds its lock). Moving is one `os.rename`
within the same file system, so a model is either in its place or in the trash, never half of
each. `restore` moves it back (beside it, as `<name>-restored`, when the name is taken now);
`empty_trash` deletes the trash and nothing else. Listing the trash never raises.

The Models pane uses: `move_to_trash(folder)`, `list_trash(*model_roots())`,
`restore(entry)`, `empty_trash(root)`. Every refusal is a BundleError with one clear sentence.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shlex
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from textgen_tui.core.errors import BundleError
from textgen_tui.core.store.folder import (
    BEST_FILE,
    CONFIG_FILE,
    HISTORY_FILE,
    LAST_FILE,
    LEGACY_MODEL_FILE,
    SAMPLES_FILE,
    STATE_FILE,
    TOKENIZER_FILE,
    is_model,
)
from textgen_tui.core.store.journal import (
    JOURNAL,
    LOCK,
    FolderBusy,
    folder_lock,
    is_locked,
    write_json_atomic,
)
from textgen_tui.core.store.paths import bundled_model

TRASH = ".trash"
RECORD = ".trashed.json"
RECORD_KIND = "textgen-tui trash record"

# What a model folder holds: the files a save writes (and the bundled model's benchmark), the
# journal and lock of folder_txn, and a trash record.
OUR_NAMES = frozenset(
    {
        STATE_FILE,
        BEST_FILE,
        LAST_FILE,
        LEGACY_MODEL_FILE,
        CONFIG_FILE,
        TOKENIZER_FILE,
        HISTORY_FILE,
        SAMPLES_FILE,
        "benchmark.json",
        JOURNAL,
        LOCK,
        RECORD,
    }
)
# Besides state.json, at least one of these: a lone state.json may be anyone's.
_MODEL_FILES = (BEST_FILE, LAST_FILE, LEGACY_MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE)
_TEMP = re.compile(r"\.(?:state|best|last|model|config|tokenizer|history|samples)\..+\.(?:tmp|keras)")
"""A temporary file of folder_txn.atomic_file left by a crash: `.<stem>.<random>.tmp`."""


@dataclass(frozen=True)
class TrashEntry:
    """One deleted model folder in a trash."""

    path: Path
    """Where it is now: <root>/.trash/<entry name>."""
    original: Path
    """Where `restore` puts it back: <root>/<name>."""
    name: str
    """The folder's name before it was deleted."""
    trashed: float
    """When it was deleted (seconds since the epoch; the folder's mtime when unrecorded)."""
    note: str = ""
    """What was wrong with its record, if anything (the entry is still restorable)."""

    @property
    def root(self) -> Path:
        return self.path.parent.parent


def trash_dir(root: str | Path) -> Path:
    """The trash folder of a models root: `<root>/.trash` (it may not exist yet)."""
    return Path(root).expanduser() / TRASH


def _absolute(path: str | Path) -> Path:
    # absolute, not resolved: a symbolic link to a model folder is moved as the link it is
    return Path(os.path.abspath(Path(path).expanduser()))


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


def _check_trash(trash: Path) -> None:
    if trash.is_symlink():
        raise BundleError(f"{trash} is a symbolic link, not a trash folder: nothing was changed")
    if trash.exists() and not trash.is_dir():
        raise BundleError(f"{trash} is a file, not a trash folder: nothing was changed")


def _move(src: Path, parent: Path, stem: str, suffix: str) -> Path:
    """Move `src` into `parent` as `<stem>`, or `<stem><suffix>`, `<stem><suffix>-2`... if taken.

    The name is reserved with mkdir (never two movers on one name), then `os.rename` replaces
    that empty directory in one step."""
    names = [stem, f"{stem}{suffix}"] if suffix else [stem]
    n = 2
    while True:
        if names:
            target = parent / names.pop(0)
        else:
            target = parent / f"{stem}{suffix}-{n}"
            n += 1
        try:
            target.mkdir()
        except FileExistsError:
            continue
        break
    try:
        if src.is_symlink():  # a link cannot replace a directory: free the name first
            target.rmdir()
        os.rename(src, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.rmdir()
        if exc.errno != errno.EXDEV:
            raise
        shutil.move(str(src), str(target))  # another file system: copy, then delete
    return target


def _manifest_damaged(state: Path) -> bool:
    """state.json is there but is not a JSON object (cut short, zeroed, overwritten)."""
    try:
        with open(state, encoding="utf-8") as f:
            return not isinstance(json.load(f), dict)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return True
    except OSError:
        return False


def foreign_names(folder: Path) -> list[str]:
    """What in `folder` no model save writes (sorted); [] for a folder of our files only."""
    return sorted(n for n in os.listdir(folder) if n not in OUR_NAMES and not _TEMP.fullmatch(n))


def is_damaged_model(folder: str | Path) -> bool:
    """A model folder whose manifest is damaged: its state.json is not a JSON object, another of a
    model's files is beside it, and nothing in it is anything but a model's files. Such a folder is
    ours (it may go to the trash); a folder with anything else in it never is."""
    folder = Path(folder)
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
        state = folder / STATE_FILE
        if state.is_symlink() or not state.is_file():
            return False
        if not any((folder / n).exists() for n in _MODEL_FILES) or foreign_names(folder):
            return False
    except OSError:
        return False
    return _manifest_damaged(state)


def is_ours(folder: str | Path) -> bool:
    """A model folder, readable or with a damaged manifest: what Delete may move to the trash."""
    return is_model(folder) or is_damaged_model(folder)


def not_ours_message(folder: str | Path) -> str:
    """The refusal for a folder that is not a model, and how to remove it by hand."""
    folder = _absolute(folder)
    try:
        others = foreign_names(folder) if folder.is_dir() else []
    except OSError:
        others = []
    why = f" (it holds {', '.join(others[:3])}{', ...' if len(others) > 3 else ''})" if others else ""
    return (
        f"{folder} is not a textgen-tui model folder: nothing was deleted{why}. If you want it gone, "
        f"look inside, then remove it yourself: rm -r -- {shlex.quote(str(folder))}"
    )


def move_to_trash(folder: str | Path) -> TrashEntry:
    """Move a model folder to `<its parent>/.trash/`; returns the entry (see `restore`).

    Refused with BundleError, and nothing moved, when the folder does not exist, is not a
    textgen-tui model (its state.json lacks the marker, and it is not a model with a damaged
    state.json: `is_ours`), is the bundled model, is already in a trash, or is being trained."""
    folder = _absolute(folder)
    if not folder.exists():
        raise BundleError(f"{folder} does not exist: nothing was deleted")
    if not is_ours(folder):
        raise BundleError(not_ours_message(folder))
    bundled = bundled_model()
    if bundled is not None and _same(folder, Path(bundled)):
        raise BundleError(f"{folder} is the bundled model: it cannot be deleted")
    if folder.parent.name == TRASH:
        raise BundleError(f"{folder} is already in the trash: empty the trash to delete it")
    if is_locked(folder):
        raise BundleError(f"{folder} is being trained: stop training before deleting it")
    trash = trash_dir(folder.parent)
    _check_trash(trash)
    # Hold the lock while moving, so a training run cannot start writing into it half-way.
    # Only when the lock file exists: taking it must not add a file to the folder.
    guard = folder_lock(folder) if (folder / LOCK).exists() else contextlib.nullcontext()
    try:
        with guard:
            trash.mkdir(exist_ok=True)
            target = _move(folder, trash, folder.name, "")
    except FolderBusy:
        raise BundleError(f"{folder} is being trained: stop training before deleting it") from None
    except OSError as exc:
        raise BundleError(f"{folder} could not be moved to the trash ({exc.strerror or exc})") from None
    now = time.time()
    with contextlib.suppress(OSError):  # a read-only folder is still restorable, by its name
        write_json_atomic(
            target / RECORD,
            {"kind": RECORD_KIND, "name": folder.name, "original": str(folder), "trashed": now},
        )
    return TrashEntry(target, folder, folder.name, now)


def _valid_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and (os.altsep is None or os.altsep not in name)
        and os.sep not in name
        and "\0" not in name
    )


def _entry(path: Path) -> TrashEntry:
    """Read one trash entry (a directory); a missing or bad record falls back on its name."""
    root = path.parent.parent
    name, trashed, note = path.name, None, ""
    try:
        with open(path / RECORD, encoding="utf-8") as f:
            record = json.load(f)
        if not isinstance(record, dict):
            raise ValueError("not an object")
        if _valid_name(record.get("name")):
            name = record["name"]
        else:
            note = "its record has no valid name"
        value = record.get("trashed")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            trashed = float(value)
    except FileNotFoundError:
        note = "no record of when it was deleted"
    except (OSError, ValueError, RecursionError) as exc:  # JSON or UTF-8 errors are ValueErrors
        note = f"its record is unreadable ({getattr(exc, 'strerror', None) or exc})"
    if trashed is None:
        try:
            trashed = path.lstat().st_mtime
        except OSError:
            trashed = 0.0
    return TrashEntry(path, root / name, name, trashed, note)


def list_trash(*roots: str | Path) -> list[TrashEntry]:
    """The model folders in the roots' trash folders, newest first. Never raises.

    Only directories are entries; stray files, broken links and a `.trash` that is not a
    folder are left out (`empty_trash` still removes them)."""
    out: list[TrashEntry] = []
    for root in roots:
        trash = trash_dir(root)
        try:
            if trash.is_symlink() or not trash.is_dir():
                continue
            children = sorted(trash.iterdir())
        except OSError:
            continue
        for path in children:
            try:
                if path.is_symlink() or not path.is_dir():
                    continue
                out.append(_entry(path))
            except Exception:  # noqa: BLE001 - a listing never crashes
                continue
    out.sort(key=lambda e: e.trashed, reverse=True)
    return out


def restore(entry: TrashEntry | str | Path) -> Path:
    """Move a trashed model back to its root: as its old name, or `<name>-restored`,
    `<name>-restored-2`... when that name is taken now. Returns where it is."""
    path = entry.path if isinstance(entry, TrashEntry) else _absolute(entry)
    if path.parent.name != TRASH:
        raise BundleError(f"{path} is not in a trash folder: nothing was restored")
    if path.is_symlink() or not path.is_dir():
        raise BundleError(f"{path} is no longer in the trash: nothing was restored")
    info = _entry(path)
    try:
        target = _move(path, info.root, info.name, "-restored")
    except OSError as exc:
        raise BundleError(f"{path} could not be restored ({exc.strerror or exc})") from None
    with contextlib.suppress(OSError):  # the folder is back as it was before it was deleted
        (target / RECORD).unlink()
    return target


def _make_removable(path: Path) -> None:
    """Give the owner rwx on every directory under `path` (never through a symbolic link)."""
    with contextlib.suppress(OSError):
        if not path.is_symlink():
            os.chmod(path, stat.S_IRWXU | stat.S_IMODE(path.stat().st_mode))
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            p = Path(dirpath) / d
            with contextlib.suppress(OSError):
                if not p.is_symlink():
                    os.chmod(p, stat.S_IRWXU | stat.S_IMODE(p.stat().st_mode))


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
        return
    try:
        shutil.rmtree(path)  # does not follow symbolic links inside
    except OSError:
        _make_removable(path)  # a folder without read or write permission, then once more
        shutil.rmtree(path)


def empty_trash(root: str | Path) -> int:
    """Delete everything in `<root>/.trash`; returns how many entries went. Nothing outside it
    is touched (a `.trash` that is a symbolic link is refused). BundleError, after removing all
    it can, when something could not be removed."""
    trash = trash_dir(root)
    if not trash.exists() and not trash.is_symlink():
        return 0
    _check_trash(trash)
    try:
        children = list(trash.iterdir())
    except OSError:
        _make_removable(trash)
        try:
            children = list(trash.iterdir())
        except OSError as exc:
            raise BundleError(
                f"{trash} cannot be read ({exc.strerror or exc}): nothing was deleted"
            ) from None
    removed, failed = 0, []
    for path in children:
        try:
            _remove(path)
            removed += 1
        except OSError as exc:
            failed.append(f"{path.name} ({exc.strerror or exc})")
    if failed:
        raise BundleError(
            f"{removed} item(s) were deleted but {len(failed)} could not be: {', '.join(failed[:3])}"
        )
    return removed
