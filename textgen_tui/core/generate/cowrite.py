"""Co-writing: short continuations of a document being written, several at once, from its end.

Each pause in typing asks for a suggestion of the text before the cursor. Feeding a document of a
few thousand characters through the net again at every pause would cost more than the suggestion
itself, so the net's state is kept along the document (`PrefixState`): a pause feeds only the
tokens after the longest prefix that is unchanged since the last one, starting from a checkpoint
saved every few tokens. The alternatives are independent rows of one batched step (the numpy net
of `core/generate/generator.py`, never Keras, so this runs beside a training).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.generate.sampling import Sampler, SamplingOptions
from textgen_tui.core.nets.numpy_net import RecurrentNet

CHECKPOINT_EVERY = 32
"""Tokens between two saved states: an edit inside the document re-feeds at most this many
tokens before the edit (one GRU(256) state is 1 KB: 300 of them for a 10,000-character text)."""
CANCEL_CHECK = 64
"""Tokens fed between two looks at whether the request was cancelled (new typing)."""

State = list[list[np.ndarray]]


def _copy(state: State) -> State:
    return [[a.copy() for a in layer] for layer in state]


@dataclass(frozen=True)
class SuggestOptions:
    temperature: float = 0.5
    """Sampling temperature of every alternative (0: greedy, and the alternatives are the same)."""
    alternatives: int = 3
    """Continuations sampled at once (rows of one batched step)."""
    chars: int = 40
    """About how long each continuation is, in characters."""
    whole_words: bool = True
    """Cut a continuation that runs past `chars` after its last whole word (when that keeps at
    least half of it), not in the middle of one."""
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    """How the tokens are drawn (no repetition penalty named: the model's default, as Generate's)."""


@dataclass(frozen=True)
class Suggestions:
    text: str
    """The text that was continued, as the model read it (lowercased for a lowercase model)."""
    texts: tuple[str, ...]
    """One continuation per alternative, in sampling order (some may be equal or empty)."""
    tokens: int
    """Tokens of the text the net has read (the prefix's length in tokens)."""
    fed: int
    """Of those, the ones fed for this request (the rest came from the saved states)."""
    seconds: float
    """Time spent: feeding plus sampling."""
    note: str = ""
    """Characters the model does not know (dropped or mapped to <unk>), for the user; else empty."""

    def distinct(self) -> list[str]:
        """The non-empty continuations, each once, in sampling order (what Ctrl+N cycles through)."""
        return list(dict.fromkeys(t for t in self.texts if t))


class PrefixState:
    """The net's state after the tokens of a document fed so far, with a copy saved every
    `every` tokens so an edit inside the document goes back only to the last one before it."""

    def __init__(self, net: RecurrentNet, every: int = CHECKPOINT_EVERY):
        self.net = net
        self.every = max(1, int(every))
        self.ids = np.zeros(0, dtype=np.int64)
        """The tokens fed, in order: `state` is the net's state after them."""
        self.state: State = net.zero_state(1)
        self._saved: list[tuple[int, State]] = [(0, _copy(self.state))]

    def common(self, ids: np.ndarray) -> int:
        """How many leading tokens `ids` shares with the tokens fed."""
        n = min(len(ids), len(self.ids))
        differ = np.flatnonzero(self.ids[:n] != ids[:n])
        return int(differ[0]) if len(differ) else n

    def feed_to(self, ids: Sequence[int], cancelled: Callable[[], bool] | None = None) -> int | None:
        """Bring the state to just after `ids`: back to the last saved state inside the common
        prefix, then feed the rest one token at a time. Returns the tokens fed; None when
        `cancelled()` said so (the state then holds what was fed, consistently)."""
        ids = np.asarray(ids, dtype=np.int64)
        keep = self.common(ids)
        if keep < len(self.ids):
            while self._saved[-1][0] > keep:
                self._saved.pop()
            at, saved = self._saved[-1]
            self.state = _copy(saved)
            self.ids = self.ids[:at]
        start = len(self.ids)
        fed: list[int] = []
        try:
            for k in range(start, len(ids)):
                if cancelled is not None and (k - start) % CANCEL_CHECK == 0 and cancelled():
                    return None
                self.net.step(ids[k : k + 1], self.state)
                fed.append(int(ids[k]))
                if (start + len(fed)) % self.every == 0:
                    self._saved.append((start + len(fed), _copy(self.state)))
        finally:
            self.ids = np.concatenate([self.ids, np.asarray(fed, dtype=np.int64)])
        return len(ids) - start

    @property
    def top_h(self) -> np.ndarray:
        """The top layer's h after the last token fed, shape (1, units)."""
        return self.state[-1][0]


def _cut(text: str, chars: int, whole_words: bool) -> str:
    if len(text) <= chars:
        return text
    cut = text[:chars]
    if whole_words and not text[chars].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space >= chars // 2:
            cut = cut[: space + 1]
    return cut


class CoWriter:
    """Suggests continuations of one document for one model; keeps the net's state along the
    document between calls (thread-safe: a request waits for the one before it to give up)."""

    def __init__(self, generator: Generator, *, lowercase: bool = False, every: int = CHECKPOINT_EVERY):
        self.generator = generator
        self.lowercase = lowercase
        self.prefix = PrefixState(generator.net, every)
        self._lock = threading.Lock()

    def suggest(
        self,
        text: str,
        options: SuggestOptions | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Suggestions | None:
        """Continuations of `text` (the text before the cursor); None when cancelled. A text with
        no known token gets no continuation (empty `texts`)."""
        options = options or SuggestOptions()
        if options.alternatives < 1 or options.chars < 1:
            raise GenerationError("ask for at least one alternative of at least one character")
        started = time.perf_counter()
        text = text.lower() if self.lowercase else text
        tokenizer = self.generator.tokenizer
        encoded = tokenizer.encode_seed(text)
        with self._lock:
            fed = self.prefix.feed_to(encoded.ids, cancelled)
            if fed is None:
                return None
            texts: tuple[str, ...] = ()
            if len(encoded.ids):
                sampled = self._sample(options, cancelled)
                if sampled is None:
                    return None
                texts = tuple(_cut(t, options.chars, options.whole_words) for t in sampled)
        seconds = time.perf_counter() - started
        return Suggestions(text, texts, len(encoded.ids), fed, seconds, encoded.note)

    def _sample(self, options: SuggestOptions, cancelled: Callable[[], bool] | None) -> list[str] | None:
        """`options.alternatives` rows sampled from the state after the prefix, each until it
        holds `options.chars` characters (a subword character may take up to 4 byte tokens)."""
        n = options.alternatives
        net, tokenizer = self.generator.net, self.generator.tokenizer
        state = [[np.repeat(a, n, axis=0) for a in layer] for layer in self.prefix.state]
        h = state[-1][0]  # net.step updates it in place
        sampler = Sampler([options.temperature] * n, options.sampling, kind=tokenizer.kind)
        if sampler.watches:  # the loop controls look at the text before the cursor too
            window = max(sampler.penalty_window, sampler.no_repeat_ngram)
            sampler.prime(self.prefix.ids[-window:] if window else self.prefix.ids)
        guard = tokenizer.utf8_guard(n)
        if guard is not None:  # a character cut by the prefix's end is finished first
            for tok in self.prefix.ids[-4:].tolist():
                guard.observe(np.full(n, tok))
        decoder = tokenizer.stream_decoder(n)
        texts = ["" for _ in range(n)]
        for _ in range(4 * options.chars):
            if cancelled is not None and cancelled():
                return None
            logits = net.logits(h)
            ids = sampler.sample(logits if guard is None else guard.mask(logits))
            if guard is not None:
                guard.observe(ids)
            for s, piece in enumerate(decoder.feed(ids.tolist())):
                if len(texts[s]) < options.chars:
                    texts[s] += piece
            if all(len(t) >= options.chars for t in texts):
                break
            net.step(ids, state)
        return texts
