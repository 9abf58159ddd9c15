"""Model folders left in a `./models` from before the models home existed, and moving them there.

Until the models home (see `core/store/paths.py`), training saved into the current folder's `models/`.
Those folders are found (`find_legacy`), offered for moving once per source folder (the offer is
remembered in `<home>/.legacy-offered.json`) and moved on request (`move_legacy`): each model
folder is moved, never copied, and never over another one (a taken name gets `-2`, `-3`...).
The bundled model, folders being trained, symbolic links and anything that is not a model stay.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from textgen_tui.core.errors import BundleError
from textgen_tui.core.store.folder import is_model
from textgen_tui.core.store.journal import LOCK, FolderBusy, folder_lock, is_locked, write_json_atomic
from textgen_tui.core.store.paths import (
    bundled_model,
    bundled_models_dir,
    is_checkout,
    same_folder,
    user_models_dir,
)

# The trash's move: the name is reserved first (never over another folder; a taken name gets
# -2, -3...), then one rename (a copy and delete only across file systems).
from textgen_tui.core.store.trash import _move

OFFERED_FILE = ".legacy-offered.json"
OFFERED_KIND = "textgen-tui legacy models offers"


@dataclass(frozen=True)
class Legacy:
    """A `./models` from before, outside the models home, and the model folders in it."""

    source: Path
    folders: tuple[Path, ...]


@dataclass(frozen=True)
class Moved:
    """What happened to one legacy folder: `target` is where it is now, or None with a `note`."""

    source: Path
    target: Path | None
    note: str = ""


def legacy_dir(cwd: Path | None = None) -> Path | None:
    """`<cwd>/models` (absolute) when it is a folder that is not the models home, else None."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    source = cwd.absolute() / "models"
    if source.is_symlink() or not source.is_dir():
        return None
    if same_folder(source, user_models_dir()):
        return None
    bundled = bundled_models_dir()
    if bundled is not None and same_folder(source, bundled):
        return None
    if is_checkout(cwd):  # another checkout's models/ belongs to that checkout
        return None
    return source


def find_legacy(cwd: Path | None = None) -> Legacy | None:
    """The model folders in `<cwd>/models` when it is not the home; None when there are none."""
    source = legacy_dir(cwd)
    if source is None:
        return None
    bundled = bundled_model()
    try:
        children = sorted(source.iterdir())
    except OSError:
        return None
    folders = tuple(
        p
        for p in children
        if not p.name.startswith(".")
        and not p.is_symlink()  # a moved link could point elsewhere: leave links alone
        and is_model(p)
        and not (bundled is not None and same_folder(p, bundled))
    )
    return Legacy(source, folders) if folders else None


def _offered_file(home: Path | None = None) -> Path:
    return (user_models_dir() if home is None else Path(home)) / OFFERED_FILE


def _offered(home: Path | None = None) -> list[str]:
    try:
        with open(_offered_file(home), encoding="utf-8") as f:
            record = json.load(f)
        sources = record.get("offered", []) if isinstance(record, dict) else []
        return [s for s in sources if isinstance(s, str)]
    except (OSError, ValueError, RecursionError):  # no record, or an unreadable one: nothing offered yet
        return []


def was_offered(source: Path, home: Path | None = None) -> bool:
    key = str(Path(source).absolute())
    return key in _offered(home)


def mark_offered(source: Path, home: Path | None = None) -> None:
    """Remember that `source` was offered (best effort: a read-only home just asks again)."""
    key = str(Path(source).absolute())
    sources = _offered(home)
    if key in sources:
        return
    path = _offered_file(home)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, {"kind": OFFERED_KIND, "offered": [*sources, key]})


def pending_offer(cwd: Path | None = None) -> Legacy | None:
    """Legacy model folders not offered yet for moving (the app asks, the CLI says so once)."""
    legacy = find_legacy(cwd)
    if legacy is None or was_offered(legacy.source):
        return None
    return legacy


def _move_one(folder: Path, home: Path) -> Moved:
    if is_locked(folder):
        return Moved(folder, None, "it is being trained")
    # Hold the lock while moving, so a training run cannot start writing into it half-way;
    # only when the lock file exists: taking it must not add a file to the folder.
    guard = folder_lock(folder) if (folder / LOCK).exists() else contextlib.nullcontext()
    try:
        with guard:
            target = _move(folder, home, folder.name, "")
    except FolderBusy:
        return Moved(folder, None, "it is being trained")
    except OSError as exc:
        return Moved(folder, None, f"it could not be moved ({exc.strerror or exc})")
    return Moved(folder, target)


def move_legacy(cwd: Path | None = None) -> list[Moved]:
    """Move every legacy model folder into the models home; one `Moved` per folder.

    The offer is recorded as made. BundleError when the home cannot be created."""
    legacy = find_legacy(cwd)
    if legacy is None:
        return []
    home = user_models_dir()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(
            f"the models folder {home} cannot be created ({exc.strerror or exc}): nothing was moved"
        ) from None
    moved = [_move_one(folder, home) for folder in legacy.folders]
    mark_offered(legacy.source)
    return moved
