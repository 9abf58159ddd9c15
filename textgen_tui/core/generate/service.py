"""Models for generation, loaded and streamed the same way for the CLI and the app.

Folders are read without Keras (the weights come straight from the .keras file), so generation
never touches the backend that a training thread owns. "The model being trained" is the numpy
snapshot the training thread hands over after each epoch (`follow`), not a reload of its folder.

A folder's generator is cached with what a request needs besides it (whether the model reads
lowercase text); whether the cache is current is a few `stat` calls, never a read of the folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from textgen_tui.core import events as ev
from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.generate.load import generator_of
from textgen_tui.core.generate.sampling import SamplingOptions
from textgen_tui.core.store.folder import BEST_FILE, LAST_FILE, LEGACY_MODEL_FILE, STATE_FILE, read_info
from textgen_tui.core.store.journal import JOURNAL

NO_EPOCH_YET = "the model being trained has no finished epoch yet: wait for the first one"


class Followed(Protocol):
    """What the service reads of a training session (core/train's TrainingSession is one)."""

    out_dir: Path | None

    @property
    def active(self) -> bool: ...

    def add_listener(self, listener: ev.Listener) -> None: ...


@dataclass(frozen=True)
class PreparedSeed:
    text: str
    """The seed as the model sees it (lowercased for a lowercase model)."""
    note: str | None
    """Unknown characters and the like, to show the user; None when all is well."""


@dataclass(frozen=True)
class Loaded:
    """A model ready to generate, and what the requests to it need to know."""

    generator: Generator
    """The numpy generator (its tokenizer is the model's)."""
    lowercase: bool
    """The model was trained on lowercased text: seeds and documents are lowercased for it."""
    epoch: int | None = None
    """The epoch of the live weights of a run; None for a folder's model."""


@dataclass(frozen=True)
class GenerateRequest:
    model: str
    """The model folder."""
    seed: str
    """The text the model continues (several lines if the user likes)."""
    temperatures: tuple[float, ...]
    """One continuation per temperature, streamed side by side."""
    length: int
    """Tokens generated per temperature."""
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    """How the tokens are drawn (top-k, top-p, the loop controls, the rng seed)."""
    exact_window: bool = False
    """A window (book) model predicts each token from its last `maxlen` tokens only."""


class GenerationService:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple, Loaded]] = {}
        self._lock = threading.Lock()
        self._live: tuple[Path, Loaded] | None = None
        self._session: Followed | None = None

    # -- the model being trained ----------------------------------------------------------------
    def follow(self, session: Followed) -> None:
        """Take each epoch's weights from `session` as "the model being trained" of its folder,
        until its run ends (the listener runs in the training thread)."""
        self._session = session
        session.add_listener(self.on_event)

    def on_event(self, event: ev.TrainingEvent) -> None:
        session = self._session
        if session is None:
            return
        if isinstance(event, ev.Snapshot):
            if session.out_dir is not None:
                self.set_live(session.out_dir, event)
        elif self._live is not None and not session.active:  # the run has ended, however it did
            self.clear_live()

    def set_live(self, folder: str | Path, snapshot: ev.Snapshot) -> None:
        """Use this epoch's weights for `folder` until the run ends."""
        cfg = snapshot.config
        generator = Generator.for_config(snapshot.net, snapshot.tokenizer, cfg)
        loaded = Loaded(generator, bool(cfg.data.lowercase), snapshot.epoch)
        with self._lock:
            self._live = (Path(folder), loaded)

    def clear_live(self) -> None:
        with self._lock:
            self._live = None

    def live_epoch(self, folder: str | Path) -> int | None:
        """The epoch of the live weights `folder` generates from; None when it has none."""
        live = self._live
        return live[1].epoch if live is not None and live[0] == Path(folder) else None

    @property
    def training_folder(self) -> Path | None:
        """The folder the followed session is training into now; None when none is training."""
        session = self._session
        return session.out_dir if session is not None and session.active else None

    def training(self, folder: str | Path) -> bool:
        """Whether the followed session is training into `folder` now."""
        training = self.training_folder
        return training is not None and training == Path(folder)

    def ready(self, folder: str | Path) -> bool:
        """False only for the folder being trained before its run's first epoch has ended (its
        files, if any, are an older run's: the panes wait for the new weights)."""
        return not self.training(folder) or self.live_epoch(folder) is not None

    # -- folders --------------------------------------------------------------------------------
    def loaded(self, folder: str | Path) -> Loaded:
        """The live weights for the folder being trained, else the folder's best model (cached
        until the folder commits another). GenerationError before the run's first epoch;
        BundleError for a folder that cannot be used."""
        live = self._live
        if live is not None and live[0] == Path(folder):
            return live[1]
        if not self.ready(folder):
            raise GenerationError(NO_EPOCH_YET)
        key = str(folder)
        stamp = _stamp(Path(folder))
        with self._lock:
            cached = self._cache.get(key)
            if stamp is not None and cached is not None and cached[0] == stamp:
                return cached[1]
        loaded = _load(folder)
        if stamp is not None:  # taken before the read: a commit meanwhile only costs a reload
            with self._lock:
                self._cache[key] = (stamp, loaded)
        return loaded

    def generator(self, folder: str | Path) -> Generator:
        """The generator `loaded` gives."""
        return self.loaded(folder).generator

    def lowercase(self, folder: str | Path) -> bool:
        """Whether the model reads lowercased text (a seed is lowercased for it)."""
        return self.loaded(folder).lowercase

    def forget(self, folder: str | Path) -> None:
        with self._lock:
            self._cache.pop(str(folder), None)

    def prepare_seed(self, folder: str | Path, seed: str) -> PreparedSeed:
        """Lowercase the seed for a lowercase model, and say which characters it cannot read."""
        return _prepared(self.loaded(folder), seed)

    def stream(
        self,
        folder: str | Path,
        seed: str,
        temperatures: Sequence[float],
        length: int,
        options: SamplingOptions | None = None,
        *,
        exact_window: bool = False,
    ) -> tuple[PreparedSeed, Iterator[tuple[str, ...]]]:
        """(the seed as used, an iterator of one text piece per temperature per step)."""
        loaded = self.loaded(folder)  # once: the seed is prepared for the model that streams
        prepared = _prepared(loaded, seed)
        return prepared, loaded.generator.stream(
            prepared.text, temperatures, length, options, exact_window=exact_window
        )


def _prepared(loaded: Loaded, seed: str) -> PreparedSeed:
    text = seed.lower() if loaded.lowercase else seed
    return PreparedSeed(text, loaded.generator.tokenizer.encode_seed(text).note or None)


def _load(folder: str | Path) -> Loaded:
    """The folder's best model, read without Keras, and whether it reads lowercase text."""
    info = read_info(folder)
    return Loaded(generator_of(info), bool(info.config.data.lowercase))


def _stamp(folder: Path) -> tuple | None:
    """Changes whenever the folder commits: every commit replaces the manifest (state.json),
    last, and the model files it names are replaced, never edited in place. None (no cached
    answer) while a save is under way or when the manifest is gone."""
    folder = folder.expanduser()
    stamp: list = []
    try:
        for name in (STATE_FILE, BEST_FILE, LAST_FILE, LEGACY_MODEL_FILE):
            try:
                st = os.stat(folder / name)
            except FileNotFoundError:
                if name == STATE_FILE:
                    return None
                stamp.append(None)
                continue
            stamp.append((st.st_ino, st.st_mtime_ns, st.st_size))
        if os.path.isdir(folder / JOURNAL):
            return None
    except OSError:
        return None
    return tuple(stamp)
