"""A model folder changes as one unit: a small write-ahead journal, and a lock for its one writer.

Every file of a checkpoint is first written into `<folder>/.saving/`; then a COMMIT file (written
atomically) lists them; then each is moved into place with `os.replace`; then the journal goes.
A crash before COMMIT leaves the old set untouched (the journal is discarded); a crash after it is
finished by `recover()` (every rename is idempotent). So the folder always holds one consistent
set of files: the previous epoch's or the new one's, never a mix.

One process trains a folder at a time: it holds an exclusive `flock` on `<folder>/.lock`. Readers
recover an interrupted journal only when they can take that lock, so they never touch the
journal of a save under way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere locking is skipped (one writer is then the user's job)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

JOURNAL = ".saving"
COMMIT = "COMMIT"
LOCK = ".lock"

# Fault injection for the crash test: seconds to sleep between the steps of a commit.
_PAUSE = float(os.environ.get("TEXTGEN_TUI_TEST_COMMIT_PAUSE", "0") or 0)


def atomic_file(path: Path, write: Callable[[Path], None], suffix: str = ".tmp") -> None:
    """`write(tmp)` writes a temporary file beside `path`; it is synced and moved into place, so
    `path` is the old file or the whole new one, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model folder is meant to be shared
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)

    atomic_file(path, write)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pause() -> None:
    if _PAUSE > 0:
        time.sleep(_PAUSE)


Writer = Callable[[Path], None]


def commit(folder: Path, writers: list[tuple[str, Writer]], remove: tuple[str, ...] = ()) -> None:
    """Write every (name, writer) into the journal, then move them all into `folder` at once.

    `writer(path)` writes one file at `path`. Names are moved in the order given: put the
    manifest last. `remove` names files to delete once the new set is in place."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recover(folder, force=True)
    journal = folder / JOURNAL
    if journal.exists():
        shutil.rmtree(journal)
    journal.mkdir()
    for name, write in writers:
        write(journal / name)
        _pause()
    _fsync_dir(journal)
    write_json_atomic(journal / COMMIT, {"files": [n for n, _ in writers], "remove": list(remove)})
    _fsync_dir(journal)
    _pause()
    _apply(folder)


def _apply(folder: Path) -> None:
    journal = folder / JOURNAL
    with open(journal / COMMIT, encoding="utf-8") as f:
        plan = json.load(f)
    for name in plan.get("files", []):
        src = journal / name
        if src.exists():
            os.replace(src, folder / name)
            _pause()
    for name in plan.get("remove", []):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    _fsync_dir(folder)
    (journal / COMMIT).unlink()
    shutil.rmtree(journal, ignore_errors=True)


def recover(folder: Path, *, force: bool = False) -> bool:
    """Finish a committed journal or discard an uncommitted one. Returns True if it acted.

    Without `force`, only when no writer holds the folder's lock (and the folder is writable)."""
    folder = Path(folder)
    journal = folder / JOURNAL
    if not journal.is_dir():
        return False
    if not force:
        try:
            with folder_lock(folder):
                return _recover(folder)
        except (FolderBusy, OSError):
            return False
    return _recover(folder)


def _recover(folder: Path) -> bool:
    journal = folder / JOURNAL
    if not journal.is_dir():
        return False
    try:
        committed = (journal / COMMIT).is_file() and isinstance(
            json.loads((journal / COMMIT).read_text(encoding="utf-8")), dict
        )
    except (OSError, ValueError):
        committed = False
    if committed:
        _apply(folder)
    else:
        shutil.rmtree(journal, ignore_errors=True)
    return True


class FolderBusy(Exception):
    """Another session holds the folder's lock."""


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's writer lock (non-blocking: FolderBusy when someone else has it)."""
    folder = Path(folder)
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(str(folder)) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(folder: Path) -> bool:
    """True when a writer (in this process or another) holds the folder's lock."""
    folder = Path(folder)
    if fcntl is None or not (folder / LOCK).exists():  # pragma: no cover - trivial
        return False
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
