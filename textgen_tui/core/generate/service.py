"""Models for generation, loaded and streamed the same way for the CLI and the app.

Folders are read without Keras (the weights come straight from the .keras file), so generation
never touches the backend that a training thread owns. "The model being trained" is the numpy
snapshot the training thread hands over after each epoch, not a reload of its folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from textgen_tui.core import events as ev
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.store.folder import load_generator, read_info


@dataclass
class PreparedSeed:
    text: str
    """The seed as the model sees it (lowercased for a lowercase model)."""
    note: str | None
    """Unknown characters and the like, to show the user; None when all is well."""


class GenerationService:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple, Generator]] = {}
        self._lock = threading.Lock()
        self._live: tuple[Path, int, Generator, bool] | None = None  # folder, epoch, generator, lowercase

    # -- the model being trained ----------------------------------------------------------------
    def set_live(self, folder: str | Path, snapshot: ev.Snapshot) -> None:
        """Use this epoch's weights for `folder` until the run ends."""
        from textgen_tui.core.generate.generator import Generator

        cfg = snapshot.config
        generator = Generator.for_config(snapshot.net, snapshot.tokenizer, cfg)
        with self._lock:
            self._live = (Path(folder), snapshot.epoch, generator, bool(cfg.data.lowercase))

    def clear_live(self) -> None:
        with self._lock:
            self._live = None

    def live_epoch(self, folder: str | Path) -> int | None:
        live = self._live
        return live[1] if live is not None and live[0] == Path(folder) else None

    # -- folders --------------------------------------------------------------------------------
    def generator(self, folder: str | Path) -> Generator:
        """The live generator for the folder being trained, else the folder's best model (cached
        until its file changes). BundleError for a folder that cannot be used."""
        live = self._live
        if live is not None and live[0] == Path(folder):
            return live[2]
        key = str(folder)
        stamp = _stamp(Path(folder))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        generator = load_generator(folder)
        with self._lock:
            self._cache[key] = (stamp, generator)
        return generator

    def forget(self, folder: str | Path) -> None:
        with self._lock:
            self._cache.pop(str(folder), None)

    def prepare_seed(self, folder: str | Path, seed: str) -> PreparedSeed:
        """Lowercase the seed for a lowercase model, and say which characters it cannot read."""
        live = self._live
        if live is not None and live[0] == Path(folder):
            lower, tokenizer = live[3], live[2].tokenizer
        else:
            info = read_info(folder)
            lower, tokenizer = info.config.data.lowercase, info.tokenizer
        text = seed.lower() if lower else seed
        return PreparedSeed(text, tokenizer.encode_seed(text).note or None)

    def stream(
        self,
        folder: str | Path,
        seed: str,
        temperatures: Sequence[float],
        length: int,
        **options,
    ) -> tuple[PreparedSeed, Iterator[tuple[str, ...]]]:
        """(the seed as used, an iterator of one text piece per temperature per step)."""
        prepared = self.prepare_seed(folder, seed)
        generator = self.generator(folder)
        return prepared, generator.stream(prepared.text, temperatures, length, **options)


def _stamp(folder: Path) -> tuple:
    """Changes whenever the folder's best model changes (it is replaced, never edited in place)."""
    path = read_info(folder).best_file
    assert path is not None
    st = path.stat()
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
