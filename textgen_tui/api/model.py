"""`tg.load` and `Model`: generate, evaluate, inspect and co-write with a model folder.

Generation, inspection and suggestions run on the numpy network read from the folder (no Keras,
safe beside a training run); `evaluate` and `keras_model` load the model with Keras.
"""

from __future__ import annotations

import numbers
import os
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from textgen_tui.api.results import (
    Cell,
    Evaluation,
    Inspection,
    ModelInfo,
    TextgenWarning,
    TokenScore,
)
from textgen_tui.core.errors import BundleError, GenerationError, TextgenError

if TYPE_CHECKING:
    from textgen_tui.core.generate.cowrite import CoWriter
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.store.folder import BundleInfo
    from textgen_tui.core.store.keras_store import Bundle

__all__ = ["GenerationStream", "Model", "load"]

Chunk = TypeVar("Chunk", str, dict[float, str])


def resolve(ref: str | os.PathLike[str] | None) -> Path:
    """The model folder `ref` names (core/store/names.py: a folder that exists, else a name in the
    models home or among the bundled models); None: the bundled model. ModelNotFound (a
    TextgenError) with the near names when it names none."""
    from textgen_tui.core.store.names import resolve_model
    from textgen_tui.core.store.paths import bundled_model

    if ref is None:
        bundled = bundled_model()
        if bundled is None:
            raise BundleError("no model folder given and no bundled model found: train one first")
        return bundled
    return resolve_model(os.fspath(ref))


def load(name_or_path: str | os.PathLike[str] | None = None) -> Model:
    """Open a model: a name in the models home (`"nietzsche-char"`), a model folder, or, with no
    argument, the bundled Nietzsche model.

    The folder is read and checked at once (no Keras): a missing, foreign or damaged folder raises
    `TextgenError` with the one line the command line prints.

    Example:
        ```python
        model = tg.load()                      # the bundled model
        print(model.generate("the will to power ", temperature=0.5, length=60, rng_seed=1))
        ```
    """
    return Model(resolve(name_or_path))


class GenerationStream(Generic[Chunk]):
    """The iterator `Model.generate(..., stream=True)` returns: the seed first, then one chunk
    per generated token (a string for one temperature, `{temperature: piece}` for a list).
    Joined, the chunks are what the blocking call returns for the same `rng_seed`."""

    def __init__(self, seed: str, note: str | None, chunks: Iterator[Chunk]) -> None:
        self.seed = seed
        """The seed as the model read it (lowercased for a lowercase model)."""
        self.note = note
        """The seed's characters the model does not know, in words; None when it knows them all."""
        self._chunks: Iterator[Chunk] = chunks

    def __iter__(self) -> GenerationStream[Chunk]:
        return self

    def __next__(self) -> Chunk:
        return next(self._chunks)


class Model:
    """A trained model folder, ready to generate, evaluate, inspect and suggest.

    Made by `tg.load` or returned by `tg.train`. Generation follows the folder: a model still
    being trained generates with its latest saved best epoch.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open the model folder at `path` (`tg.load` also accepts names); `TextgenError` when it
        is not a readable model."""
        from textgen_tui.core.generate.service import GenerationService
        from textgen_tui.core.store.folder import read_info

        self.path = Path(path)
        """The model folder."""
        self._info: BundleInfo = read_info(self.path)
        self._service: GenerationService = GenerationService()
        self._bundle: Bundle | None = None
        self._writer: tuple[object, CoWriter] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        info = self._info
        return f"<Model {info.name!r}: {info.config.data.tokenizer}, {info.epochs_done} epochs, {self.path}>"

    @property
    def name(self) -> str:
        """The folder's name."""
        return self.path.name

    # -- what the folder says -------------------------------------------------------------------
    @property
    def info(self) -> ModelInfo:
        """Settings, history, lineage and the corpus, as read when the model was loaded."""
        info = self._info
        state = info.state
        lineage = state.get("lineage")
        history = {str(k): [float(x) for x in v] for k, v in info.history.items() if isinstance(v, list)}
        return ModelInfo(
            name=info.name,
            path=info.path,
            tokenizer=str(info.config.data.tokenizer),
            vocab_size=int(info.tokenizer.vocab_size),
            lowercase=bool(info.config.data.lowercase),
            params=None if state.params is None else int(state.params),
            epochs_done=info.epochs_done,
            best_epoch=info.best_epoch,
            best_value=info.best_value,
            monitor=str(state.monitor or "loss"),
            settings=info.config.to_dict(),
            history=history,
            corpus=info.corpus,
            lineage=dict(lineage) if isinstance(lineage, dict) else None,
            seeds=info.seeds,
        )

    @property
    def keras_model(self) -> Any:
        """The Keras model itself (loaded with Keras on first use, then kept): for summaries,
        plots or your own training loop. Generation never needs it."""
        return self._keras_bundle().model

    def _keras_bundle(self) -> Bundle:
        with self._lock:
            if self._bundle is None:
                from textgen_tui.core.store.keras_store import load_bundle

                self._bundle = load_bundle(self.path)
            return self._bundle

    # -- generation -----------------------------------------------------------------------------
    @overload
    def generate(
        self,
        seed: str = "",
        *,
        temperature: float = 0.5,
        length: int = 400,
        top_k: int = 0,
        top_p: float = 1.0,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        stream: Literal[False] = False,
    ) -> str: ...
    @overload
    def generate(
        self,
        seed: str = "",
        *,
        temperature: Sequence[float],
        length: int = 400,
        top_k: int = 0,
        top_p: float = 1.0,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        stream: Literal[False] = False,
    ) -> dict[float, str]: ...
    @overload
    def generate(
        self,
        seed: str = "",
        *,
        temperature: float = 0.5,
        length: int = 400,
        top_k: int = 0,
        top_p: float = 1.0,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        stream: Literal[True],
    ) -> GenerationStream[str]: ...
    @overload
    def generate(
        self,
        seed: str = "",
        *,
        temperature: Sequence[float],
        length: int = 400,
        top_k: int = 0,
        top_p: float = 1.0,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        stream: Literal[True],
    ) -> GenerationStream[dict[float, str]]: ...
    def generate(
        self,
        seed: str = "",
        *,
        temperature: float | Sequence[float] = 0.5,
        length: int = 400,
        top_k: int = 0,
        top_p: float = 1.0,
        repetition_penalty: float | None = None,
        no_repeat_ngram: int = 0,
        rng_seed: int | None = None,
        exact_window: bool = False,
        stream: bool = False,
    ) -> str | dict[float, str] | GenerationStream[str] | GenerationStream[dict[float, str]]:
        """Continue `seed` for `length` tokens; the result starts with the seed as the model read
        it (lowercased for a lowercase model).

        Args:
            seed: the text to continue; empty: one of the excerpts of the corpus stored in the
                folder, drawn with `rng_seed`.
            temperature: one temperature (a string comes back) or a list of them (a dict
                `{temperature: text}`, all generated in one batched pass); 0 is greedy.
            length: tokens to generate.
            top_k: sample from the k most likely tokens (0: off).
            top_p: nucleus sampling: the smallest set of tokens holding this probability (1: off).
            repetition_penalty: CTRL's penalty on tokens of the recent context, in [1, 100] (1:
                off; None: the model's default, 1.2 for word and subword models, off for char).
            no_repeat_ngram: never repeat an n-gram of this many tokens (0: off).
            rng_seed: the same seed gives the same text.
            exact_window: a window (book) model predicts each token from its last `maxlen`
                tokens only, as in the book.
            stream: return a `GenerationStream` that yields the seed, then each token's text as
                it is generated, instead of the whole text at the end.

        Raises:
            TextgenError: bad settings (a negative temperature, top-p of 0...), before any text.

        Example:
            ```python
            texts = model.generate("the ", temperature=[0.2, 1.0], length=40, rng_seed=1)
            for piece in model.generate("the ", length=40, rng_seed=1, stream=True):
                print(piece, end="")
            ```
        """
        if isinstance(temperature, (int, float)) or isinstance(temperature, numbers.Real):  # numpy floats too
            many, temps = False, [float(temperature)]
        else:
            many, temps = True, [float(t) for t in temperature]
        if many and len(set(temps)) != len(temps):
            raise GenerationError(f"each temperature once: {temps} repeats one")
        prepared, note, pieces = self._start(
            seed,
            temps,
            length,
            top_k=top_k,
            top_p=top_p,
            repetition_penalty=repetition_penalty,
            no_repeat_ngram=no_repeat_ngram,
            rng_seed=rng_seed,
            exact_window=exact_window,
        )
        if not stream:
            if note:
                warnings.warn(note, TextgenWarning, stacklevel=2)
            parts: list[list[str]] = [[] for _ in temps]
            for step in pieces:
                for acc, piece in zip(parts, step):
                    acc.append(piece)
            texts = [prepared + "".join(p) for p in parts]
            return dict(zip(temps, texts)) if many else texts[0]
        if many:
            return GenerationStream(prepared, note, _keyed(prepared, temps, pieces))
        return GenerationStream(prepared, note, _single(prepared, pieces))

    def _start(
        self,
        seed: str,
        temps: list[float],
        length: int,
        *,
        top_k: int,
        top_p: float,
        repetition_penalty: float | None,
        no_repeat_ngram: int,
        rng_seed: int | None,
        exact_window: bool,
    ) -> tuple[str, str | None, Iterator[Sequence[str]]]:
        """Check everything, then (the seed as read, its note, the pieces per step)."""
        import numpy as np

        from textgen_tui.core.generate.sampling import Sampler, SamplingOptions

        options = SamplingOptions(
            top_k=top_k,
            top_p=top_p,
            repetition_penalty=repetition_penalty,
            no_repeat_ngram=no_repeat_ngram,
            rng_seed=rng_seed,
        )
        Sampler(temps, options)  # the temperatures too, before any text
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise GenerationError(f"length must be a whole number >= 0 (got {length!r})")
        info = self._info
        if exact_window and info.config.data.layout != "window":
            raise GenerationError(
                "exact-window generation needs a window-layout model (the book preset); this one is "
                f"'{info.config.data.layout}'"
            )
        if not seed:
            seeds = info.seeds
            if not seeds:
                raise GenerationError("this model folder has no stored seeds: give a seed text")
            seed = seeds[int(np.random.default_rng(rng_seed).integers(len(seeds)))]
        prepared, pieces = self._service.stream(
            self.path, seed, temps, length, options, exact_window=exact_window
        )
        return prepared.text, prepared.note, pieces

    # -- reading a text -------------------------------------------------------------------------
    def evaluate(self, text: str) -> Evaluation:
        """Cross-entropy of the model on `text`, in nats per token and bits per character (what
        `textgen-tui evaluate` prints). Window models score every token after a full window;
        sequence models every position of consecutive chunks. Loads the model with Keras.

        Raises:
            TextgenError: the text is too short for one window or chunk.
        """
        from textgen_tui.core.inspect.evaluate import evaluate_text

        bundle = self._keras_bundle()
        t0 = time.monotonic()
        result = evaluate_text(bundle, text)
        return Evaluation(
            nats_per_token=float(result.nats_per_token),
            bits_per_char=float(result.bits_per_char),
            tokens=int(result.tokens),
            characters=int(result.characters),
            unknown=int(result.unknown),
            method=str(result.method),
            seconds=time.monotonic() - t0,
        )

    def inspect(self, text: str, cells: bool = False) -> Inspection:
        """Every token of `text` scored by the model reading all the text before it: its surprise
        (−ln p) and its rank (1 = the model's first choice), as `textgen-tui inspect` shows them;
        with `cells`, the recurrent units that track position in line and word, quotes and
        parentheses. One pass, the state carried from the start (window models too).

        Raises:
            TextgenError: the model knows fewer than two of the text's tokens.

        Example:
            ```python
            seen = model.inspect("the quick brown fox")
            worst = max((t for t in seen.tokens if t.nats is not None), key=lambda t: t.nats)
            ```
        """
        from textgen_tui.core.inspect.surprise import surprise

        loaded = self._service.loaded(self.path)
        t0 = time.perf_counter()
        report = surprise(loaded.generator, text, lowercase=loaded.lowercase)
        if report.scored == 0:
            raise TextgenError(
                "the text is too short to inspect: the model knows fewer than two of its tokens"
            )
        found: list[Cell] | None = None
        if cells:
            from textgen_tui.core.inspect.cells import find_cells

            found = [
                Cell(c.feature, c.layer, c.unit, float(c.r))
                for c in find_cells(loaded.generator, text, lowercase=loaded.lowercase)
            ]
        seconds = time.perf_counter() - t0
        return Inspection(
            model=str(self.path),
            lowercased=loaded.lowercase,
            tokens=[TokenScore(t.text, t.start, t.nats, t.rank, t.known) for t in report.tokens],
            nats_per_token=float(report.nats_per_token),
            bits_per_char=float(report.bits_per_char),
            scored=int(report.scored),
            unknown=list(report.unknown),
            cells=found,
            seconds=seconds,
        )

    def suggest(
        self,
        text: str,
        n: int = 3,
        *,
        temperature: float = 0.5,
        length: int = 40,
        rng_seed: int | None = None,
    ) -> list[str]:
        """Up to `n` different short continuations of `text` (the Write pane's ideas), each about
        `length` characters, cut after a whole word. The model's state along the text is kept
        between calls, so asking again as the text grows reads only what was added.

        Example:
            ```python
            ideas = model.suggest("Once upon a time", n=3, rng_seed=1)
            ```
        """
        from textgen_tui.core.generate.cowrite import CoWriter, SuggestOptions
        from textgen_tui.core.generate.sampling import SamplingOptions

        options = SuggestOptions(
            temperature=temperature,
            alternatives=n,
            chars=length,
            sampling=SamplingOptions(rng_seed=rng_seed),
        )
        loaded = self._service.loaded(self.path)
        with self._lock:
            if self._writer is None or self._writer[0] is not loaded.generator:  # a new commit
                self._writer = (loaded.generator, CoWriter(loaded.generator, lowercase=loaded.lowercase))
            writer = self._writer[1]
        result = writer.suggest(text, options)
        return [] if result is None else result.distinct()


def _single(seed: str, pieces: Iterator[Sequence[str]]) -> Iterator[str]:
    yield seed
    for step in pieces:
        yield step[0]


def _keyed(seed: str, temps: list[float], pieces: Iterator[Sequence[str]]) -> Iterator[dict[float, str]]:
    yield dict.fromkeys(temps, seed)
    for step in pieces:
        yield dict(zip(temps, step))
