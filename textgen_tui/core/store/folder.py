"""The model folder: everything needed to generate and to resume, changed as one unit.

    best.keras       the best epoch's model (what Generate, Models and `generate` use)
    last.keras       weights + optimizer at the end of the last finished epoch (what resume uses)
    config.json      the full Config
    tokenizer.json   tokenizer kind and vocabulary
    history.json     per-epoch loss, validation loss, learning rate and time
    samples.json     the samples generated after each epoch
    state.json       the manifest, written last: the marker that makes the folder a model, the
                     format, the epoch each .keras file belongs to (and its size), epochs done,
                     best epoch and value, the corpus, seeds for sampling

A checkpoint is committed through a journal (`folder_txn`), so a crash at any moment leaves the
previous epoch's set or the new one, never a mix. Loading cross-checks the manifest against the
files and falls back to the consistent ones. Folders of the first format (one `model.keras`, the
best epoch with its optimizer) still load and resume. Nothing is unpickled; Keras loads with
safe_mode=True, and generation reads the weights without Keras at all.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textgen_tui import __version__
from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, TextgenError, first_line
from textgen_tui.core.store.journal import JOURNAL, commit, recover, write_json_atomic
from textgen_tui.core.store.manifest import FORMAT, MARKER, RunState
from textgen_tui.core.text.tokenizers import Tokenizer

BEST_FILE = "best.keras"
LAST_FILE = "last.keras"
LEGACY_MODEL_FILE = "model.keras"  # format 1
CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
STATE_FILE = "state.json"
HISTORY_FILE = "history.json"
SAMPLES_FILE = "samples.json"

# Loading with Keras lives on the Keras side: core/store/keras_store.py (load_bundle, strip_optimizer...).


def _read_json(folder: Path, name: str) -> Any:
    import json

    path = folder / name
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise BundleError(f"{folder}: {name} is missing") from None
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, a 5000-digit number, deep nesting
        raise BundleError(f"{folder}: {name} is corrupt ({first_line(exc, 120)})") from None
    except OSError as exc:
        raise BundleError(f"{folder}: {name} cannot be read ({exc.strerror or exc})") from None


# -- what makes a folder a model -------------------------------------------------------------
def manifest_of(folder: Path) -> dict | None:
    """state.json when it carries the model marker (or is a first-format manifest), else None."""
    try:
        state = _read_json(Path(folder), STATE_FILE)
    except BundleError:
        return None
    if not isinstance(state, dict):
        return None
    if state.get("kind") == MARKER:
        return state
    # First format: no marker yet, but a format number, a version and an epoch count.
    if state.get("format") == 1 and "version" in state and "epochs_done" in state:
        return state
    return None


def is_model(folder: str | Path) -> bool:
    """A folder is a model only when its manifest says so (deleting and overwriting depend on it)."""
    folder = Path(folder)
    return folder.is_dir() and manifest_of(folder) is not None


def looks_like_model(folder: Path) -> bool:
    """Has some of a model's files (listed as broken when it is not a readable model)."""
    return any((folder / n).exists() for n in (STATE_FILE, BEST_FILE, LAST_FILE, LEGACY_MODEL_FILE))


# -- checking values ------------------------------------------------------------------------
def _bad(folder: Path, name: str, key: str, value: Any) -> BundleError:
    shown = repr(value)
    return BundleError(f"{folder}: {name} has a bad value for {key!r} ({shown[:60]})")


def _is_int(v: Any, lo: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= lo


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_time(v: Any) -> bool:
    """Seconds since 1970 that a date can be made of (year 1970 to 5138)."""
    return _is_number(v) and 0 <= v <= 1e11


def check_state(folder: Path, state: Any) -> dict:
    """Every value the app and the CLI read from state.json has the right type, or BundleError."""
    if not isinstance(state, dict):
        raise BundleError(f"{folder}: state.json is corrupt (not an object)")
    checks = {
        "epochs_done": lambda v: _is_int(v),
        "best_epoch": lambda v: v is None or _is_int(v, 1),
        "best_value": lambda v: v is None or _is_number(v),
        "params": lambda v: _is_int(v),
        "vocab_size": lambda v: _is_int(v, 1),
        "updated": _is_time,
        "created": _is_time,
        "monitor": lambda v: isinstance(v, str),
        "seeds": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
        "corpus": lambda v: isinstance(v, dict),
        "files": lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(f, dict) and _is_int(f.get("epoch"), 0) and _is_int(f.get("bytes"))
                for f in v.values()
            )
        ),
    }
    for key, ok in checks.items():
        if key in state and not ok(state[key]):
            raise _bad(folder, "state.json", key, state[key])
    return state


def _check_history(folder: Path, history: Any) -> dict:
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise BundleError(f"{folder}: history.json is corrupt (not an object of lists)")
    for key in ("loss", "val_loss", "lr", "seconds", "epoch"):
        for v in history.get(key, []):
            if v is not None and not isinstance(v, (int, float)):
                raise _bad(folder, "history.json", key, v)
    return history


def _check_samples(folder: Path, samples: Any) -> list:
    if not isinstance(samples, list) or not all(isinstance(s, dict) for s in samples):
        raise BundleError(f"{folder}: samples.json is corrupt (not a list of objects)")
    return samples


# -- reading --------------------------------------------------------------------------------
@dataclass
class BundleInfo:
    """What a model folder says about itself, read and checked without TensorFlow."""

    path: Path
    config: Config
    tokenizer: Tokenizer
    state: RunState
    history: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)
    best_file: Path | None = None
    """The model to generate with: best.keras (or the first format's model.keras)."""
    resume_file: Path | None = None
    """The model to resume from: last.keras when it is consistent, else the best one."""
    resume_epoch: int = 0
    """The epoch `resume_file` ends (history and samples are cut back to it on resume)."""
    notes: list[str] = field(default_factory=list)
    """What loading had to work around (a file that did not match the manifest...)."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def epochs_done(self) -> int:
        return int(self.state.epochs_done or 0)

    @property
    def best_value(self) -> float | None:
        v = self.state.best_value
        return float(v) if v is not None else None

    @property
    def best_epoch(self) -> int | None:
        v = self.state.best_epoch
        return int(v) if v is not None else None

    @property
    def seeds(self) -> list[str]:
        return list(self.state.seeds or [])

    @property
    def corpus(self) -> dict:
        return dict(self.state.corpus or {})

    @property
    def format(self) -> int:
        return FORMAT if self.state.kind == MARKER else 1


# The members of a Keras 3 archive that generation reads (core/store/weights_file.py reads them whole).
KERAS_MEMBERS = ("config.json", "model.weights.h5")


def archive_problem(path: Path) -> str | None:
    """Why a .keras file cannot be a model, found cheaply (no Keras, no weights read): it is not a
    zip archive (truncated, zeroed, another file), or lacks a member generation reads, or that
    member's header is damaged. None when it looks whole."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member in KERAS_MEMBERS:
                if member not in names:
                    return f"{path.name} has no {member} (it is incomplete)"
                with archive.open(member):  # reads the member's local header, not its data
                    pass
    except zipfile.BadZipFile:
        return f"{path.name} is not a Keras model file (not a zip archive, or a truncated one)"
    except Exception as exc:  # noqa: BLE001 - OSError, EOFError, ValueError... on a damaged file
        return f"{path.name} is unreadable ({first_line(exc, 120)})"
    return None


def _file_problem(folder: Path, name: str, entry: dict | None) -> str | None:
    """Why the manifest's `name` cannot be used (missing, another size than recorded, damaged)."""
    path = folder / name
    if entry is None:
        return f"{name} is not in the manifest"
    if not path.is_file():
        return f"{name} is missing"
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})"
    if size != entry.get("bytes"):
        return f"{name} has {size:,} bytes, the manifest says {entry.get('bytes'):,}"
    return archive_problem(path)


def read_info(folder: str | Path) -> BundleInfo:
    """Check a model folder and read its JSON files. Raises BundleError with a clear message.

    A folder caught in the middle of a save (its journal is being moved into place by the
    training thread) is read again once the save is done, for up to a few seconds."""
    deadline = time.monotonic() + SAVE_WAIT
    while True:
        try:
            return _read_info_once(folder)
        except BundleError:
            if time.monotonic() > deadline or not (Path(folder).expanduser() / JOURNAL).is_dir():
                raise
            time.sleep(0.05)


SAVE_WAIT = 5.0  # seconds a reader waits for a save under way


def _read_info_once(folder: str | Path) -> BundleInfo:
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise BundleError(f"{folder} does not exist")
    if not folder.is_dir():
        raise BundleError(f"{folder} is not a model folder (it is a file)")
    recover(folder)  # finish or discard a save that a crash interrupted
    if not (folder / STATE_FILE).is_file():
        raise BundleError(f"{folder} is not a model folder: state.json missing")
    state = RunState.from_dict(check_state(folder, _read_json(folder, STATE_FILE)))
    if manifest_of(folder) is None:
        raise BundleError(f"{folder} is not a textgen-tui model folder (its state.json has no model marker)")
    missing = [n for n in (CONFIG_FILE, TOKENIZER_FILE) if not (folder / n).is_file()]
    if missing:
        raise BundleError(f"{folder} is not a complete model folder: {', '.join(missing)} missing")
    try:
        config = Config.from_dict(_read_json(folder, CONFIG_FILE)).validate()
    except BundleError:
        raise
    except (TextgenError, TypeError, ValueError) as exc:
        raise BundleError(f"{folder}: config.json is invalid ({exc})") from None
    try:
        tokenizer = Tokenizer.from_dict(_read_json(folder, TOKENIZER_FILE))
    except BundleError:
        raise
    except TextgenError as exc:
        raise BundleError(f"{folder}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any wrong-typed value is a broken folder, not a crash
        raise BundleError(f"{folder}: tokenizer.json is invalid ({type(exc).__name__}: {exc})") from None
    if state.vocab_size not in (None, tokenizer.vocab_size):
        raise BundleError(
            f"{folder}: the vocabulary ({tokenizer.vocab_size} tokens) does not match the model "
            f"({state.vocab_size} tokens)"
        )
    history = (
        _check_history(folder, _read_json(folder, HISTORY_FILE)) if (folder / HISTORY_FILE).exists() else {}
    )
    samples = (
        _check_samples(folder, _read_json(folder, SAMPLES_FILE)) if (folder / SAMPLES_FILE).exists() else []
    )
    info = BundleInfo(folder, config, tokenizer, state, history, samples)
    _resolve_files(info)
    return info


def _resolve_files(info: BundleInfo) -> None:
    """Cross-check the manifest with the model files; pick what generation and resume use."""
    folder, state = info.path, info.state
    done = info.epochs_done
    if info.format == 1:
        if not (folder / LEGACY_MODEL_FILE).is_file():
            raise BundleError(f"{folder} is not a complete model folder: model.keras missing")
        problem = archive_problem(folder / LEGACY_MODEL_FILE)
        if problem is not None:
            raise BundleError(f"{folder}: {problem}")
        info.best_file = info.resume_file = folder / LEGACY_MODEL_FILE
        # The first format kept only the best epoch: resuming continues from it.
        info.resume_epoch = info.best_epoch or done
        return
    files = state.files or {}
    best_problem = _file_problem(folder, BEST_FILE, files.get(BEST_FILE))
    last_problem = _file_problem(folder, LAST_FILE, files.get(LAST_FILE))
    best_ok, last_ok = best_problem is None, last_problem is None
    if last_ok:
        info.resume_file, info.resume_epoch = folder / LAST_FILE, int(files[LAST_FILE]["epoch"])
    elif best_ok:
        info.resume_file, info.resume_epoch = folder / BEST_FILE, int(files[BEST_FILE]["epoch"])
        if files.get(LAST_FILE) is not None:
            info.notes.append(f"{last_problem}: resuming from the best epoch {info.resume_epoch}")
    if best_ok:
        info.best_file = folder / BEST_FILE
    elif last_ok:
        info.best_file = folder / LAST_FILE
        if files.get(BEST_FILE) is not None:
            info.notes.append(f"{best_problem}: using the last epoch's model")
    if info.best_file is None:
        if not files:
            raise BundleError(f"{folder} is not a complete model folder: its manifest names no model file")
        raise BundleError(
            f"{folder} is not a complete model folder: best.keras and last.keras are missing or damaged "
            f"({best_problem}; {last_problem})"
        )


# -- writing --------------------------------------------------------------------------------
def save_checkpoint(
    folder: str | Path,
    *,
    config: Config,
    tokenizer: Tokenizer,
    state: RunState | dict,
    history: dict,
    samples: list,
    model,
    epoch: int,
    best: bool,
) -> dict:
    """Commit one epoch: last.keras (and best.keras when `best`), the JSON files, the manifest.

    Returns the manifest written. Without `best`, the manifest keeps naming the earlier
    best.keras (which stays in place). `created` stays what the folder's first save wrote."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    previous = manifest_of(folder) or {}
    files = dict(previous.get("files", {})) if previous.get("kind") == MARKER else {}
    now = time.time()
    run = state.copy() if isinstance(state, RunState) else RunState.from_dict(dict(state))
    run.kind, run.format, run.version = MARKER, FORMAT, __version__
    run.updated, run.vocab_size = now, tokenizer.vocab_size
    run.created = run.created or previous.get("created") or now
    manifest = run.to_json()
    sizes: dict[str, int] = {}

    def write_last(path: Path) -> None:
        model.save(path, overwrite=True)
        with open(path, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(path, 0o644)
        sizes[LAST_FILE] = path.stat().st_size

    def write_best(path: Path) -> None:
        last = path.parent / LAST_FILE
        try:
            os.link(last, path)  # the same bytes: a second name costs nothing
        except OSError:
            shutil.copy2(last, path)
        sizes[BEST_FILE] = path.stat().st_size

    def write_manifest(path: Path) -> None:
        files[LAST_FILE] = {"epoch": epoch, "bytes": sizes[LAST_FILE]}
        if best:
            files[BEST_FILE] = {"epoch": epoch, "bytes": sizes[BEST_FILE]}
        manifest["files"] = files
        write_json_atomic(path, manifest)

    writers: list = [(LAST_FILE, write_last)]
    if best:
        writers.append((BEST_FILE, write_best))
    elif BEST_FILE not in files and (folder / LEGACY_MODEL_FILE).is_file():
        # A first-format folder resumed without a better epoch: its model.keras becomes best.keras.
        legacy_epoch = int(previous.get("best_epoch") or previous.get("epochs_done") or 0)

        def write_legacy(path: Path) -> None:
            try:
                os.link(folder / LEGACY_MODEL_FILE, path)
            except OSError:
                shutil.copy2(folder / LEGACY_MODEL_FILE, path)
            files[BEST_FILE] = {"epoch": legacy_epoch, "bytes": path.stat().st_size}

        writers.append((BEST_FILE, write_legacy))
    writers += [
        (CONFIG_FILE, lambda p: write_json_atomic(p, config.to_dict())),
        (TOKENIZER_FILE, lambda p: write_json_atomic(p, tokenizer.to_dict())),
        (HISTORY_FILE, lambda p: write_json_atomic(p, history)),
        (SAMPLES_FILE, lambda p: write_json_atomic(p, samples)),
        (STATE_FILE, write_manifest),  # last: the manifest names what is now in place
    ]
    commit(folder, writers, remove=(LEGACY_MODEL_FILE,))
    return manifest


# -- listing --------------------------------------------------------------------------------
def _model_file_problem(info: BundleInfo) -> str | None:
    """What stops generation in the model file, looked at as far as its arrays' shapes (a listing
    shows a folder with weights of the wrong shape as broken, not only `generate`)."""
    from textgen_tui.core.store.weights_file import model_file_problem

    assert info.best_file is not None
    return model_file_problem(info.best_file)


def list_bundles(*roots: str | Path) -> list[BundleInfo | tuple[Path, str]]:
    """Every model folder directly under the roots: info, or (path, reason) for a broken one
    (its files, or its model file's arrays, cannot be read as a model).

    Folders that are not models (no marker, no model files) are left out; nothing here raises."""
    out: list[BundleInfo | tuple[Path, str]] = []
    seen: set[Path] = set()
    for root in roots:
        root = Path(root).expanduser()
        try:
            children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            continue
        for folder in children:
            try:
                key = folder.resolve()
                if key in seen or not looks_like_model(folder):
                    continue
                seen.add(key)
                if manifest_of(folder) is None and not (folder / STATE_FILE).is_file():
                    continue  # model-like files without a manifest: not ours to list
                info = read_info(folder)
                problem = _model_file_problem(info)
                out.append(info if problem is None else (folder, problem))
            except BundleError as exc:
                out.append((folder, str(exc)))
            except Exception as exc:  # noqa: BLE001 - a listing never crashes
                out.append((folder, f"{folder}: unreadable ({type(exc).__name__}: {exc})"))
    return out
