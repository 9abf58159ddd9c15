"""Every token's surprise under a model: −ln p and the rank of what the text actually says.

One pass carries the net's state from a zero state over the whole text (as generation does, for
window models too); the output Dense, the log-softmax and the ranks are then matrix operations over
all positions at once, in chunks of rows so a 20,000-word vocabulary stays in bounded memory. Ranks
are shown in GLTR's four bands (Gehrmann, Strobelt & Rush, 2019): top 1, top 10, top 100, beyond.

Characters the vocabulary does not know are kept as tokens of their own (`known=False`), never fed
to the net and never dropped: the tokens always spell the text.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.text.subword import SubwordTokenizer
from textgen_tui.core.text.tokenizer_base import Tokenizer

GLTR_BANDS = (1, 10, 100)
"""Upper ranks of GLTR's first three bands: top 1, top 10, top 100; the fourth is beyond."""
BAND_NAMES = ("top 1", "top 10", "top 100", "beyond")
_CHUNK_CELLS = 1 << 22  # logits computed at a time (rows × vocabulary): 16 MB of float32


@dataclass(frozen=True)
class Span:
    """One piece of the text as the model reads it."""

    text: str
    """Its spelling (a subword character spelled in several byte tokens is one span)."""
    start: int
    """Its offset in the text as the model sees it (characters)."""
    known: bool
    """False: the vocabulary cannot spell it; it is not fed to the net."""


@dataclass(frozen=True)
class TokenSurprise:
    text: str
    """The token's spelling in the (lowercased, for lowercase models) text."""
    start: int
    """Its offset in the text given to surprise(), lowercased if asked (characters)."""
    nats: float | None
    """−ln p(token | all before); None for the first token and unknown ones."""
    rank: int | None
    """1 = the model's top choice; None where nats is None."""
    known: bool
    """False: a character the model does not know (not fed to the net)."""


@dataclass
class Segments:
    """A text cut into spans, and the model tokens the known ones are made of."""

    spans: list[Span]
    """Every piece of the text, in order; their texts joined are the text."""
    ids: np.ndarray
    """The token ids fed to the net (unknown spans contribute none)."""
    first: np.ndarray
    """Per span, the index in `ids` of its first token; -1 for an unknown span."""
    last: np.ndarray
    """Per span, the index in `ids` of its last token; for an unknown span, the last token fed
    before it (-1 when none was)."""
    unknown: list[str]
    """The unknown characters, named ("é (U+00E9)"), each once, in order of appearance."""


def name_char(ch: str) -> str:
    """A character as a user can recognise it: itself (or its repr) and its code point."""
    shown = ch if ch.isprintable() and not ch.isspace() else repr(ch)
    return f"{shown} (U+{ord(ch):04X})"


def segment(tokenizer: Tokenizer, text: str) -> Segments:
    """Cut `text` the way the tokenizer reads it; an out-of-vocabulary word falls back to its
    characters, as `Tokenizer.encode` does, and a character it cannot spell is its own span."""
    spans: list[Span] = []
    ids: list[int] = []
    first: list[int] = []
    last: list[int] = []
    unknown: dict[str, None] = {}
    pos = 0
    for piece, piece_ids in _pieces(tokenizer, text):
        if piece_ids:
            first.append(len(ids))
            ids.extend(piece_ids)
            spans.append(Span(piece, pos, True))
        else:
            unknown.setdefault(name_char(piece))
            first.append(-1)
            spans.append(Span(piece, pos, False))
        last.append(len(ids) - 1)
        pos += len(piece)
    return Segments(
        spans,
        np.asarray(ids, dtype=np.int64),
        np.asarray(first, dtype=np.int64),
        np.asarray(last, dtype=np.int64),
        list(unknown),
    )


def _pieces(tokenizer: Tokenizer, text: str):
    """(piece, its token ids) in order; ids empty for a character the vocabulary lacks."""
    if isinstance(tokenizer, SubwordTokenizer):  # byte fallback: every character is known
        decoder = tokenizer.stream_decoder(1)
        group: list[int] = []
        for i in tokenizer.encode(text).tolist():
            group.append(i)
            piece = decoder.feed([i])[0]
            if piece:  # the bytes so far make whole characters
                yield piece, group
                group = []
        return
    index = tokenizer.index
    for tok in tokenizer.split(text):
        i = index.get(tok)
        if i is not None:
            yield tok, [i]
            continue
        for ch in tok:
            j = index.get(ch)
            yield ch, ([] if j is None else [j])


def hidden_states(net: RecurrentNet, ids: Sequence[int], layers: bool = False) -> list[np.ndarray]:
    """The h after each token, from a zero state, carried over the whole sequence: the top layer's
    (a list of one array), or every layer's, bottom first, when `layers`. Shape (T, units) each.

    Layer by layer: a layer's input projections for every position are one matrix product (the
    first layer's are rows of the net's input table), so the sequential loop holds only the
    recurrent product and the gates, on 1-D vectors (`RecurrentNet.step`'s math, fewer calls)."""
    ids = np.asarray(ids, dtype=np.int64)
    out: list[np.ndarray] = []
    h_below = None
    for li, layer in enumerate(net.layers):
        x = net.table[ids] if li == 0 else h_below @ layer.kernel + layer.bias
        h_below = _lstm_pass(layer, x) if layer.cell == "lstm" else _gru_pass(layer, x)
        if layers or li == len(net.layers) - 1:
            out.append(h_below)
    return out


def _lstm_pass(layer, x: np.ndarray) -> np.ndarray:
    """x: (T, 4u) input projections, gate columns (i, f, o, g), sigmoid ones pre-scaled by 0.5."""
    u, rec = layer.units, layer.recurrent
    out = np.empty((len(x), u), dtype=np.float32)
    h = np.zeros(u, dtype=np.float32)
    c = np.zeros(u, dtype=np.float32)
    for t in range(len(x)):
        z = x[t] + h @ rec
        np.tanh(z, out=z)
        gates = z[: 3 * u]
        gates *= 0.5
        gates += 0.5  # sigmoid(a) = 0.5 * tanh(a / 2) + 0.5
        c *= gates[u : 2 * u]
        c += gates[:u] * z[3 * u :]
        np.tanh(c, out=h)
        h *= gates[2 * u :]
        out[t] = h
    return out


def _gru_pass(layer, x: np.ndarray) -> np.ndarray:
    """x: (T, 3u) input projections (z, r, candidate), Keras's reset_after GRU."""
    u, rec, rec_bias = layer.units, layer.recurrent, layer.recurrent_bias
    out = np.empty((len(x), u), dtype=np.float32)
    h = np.zeros(u, dtype=np.float32)
    with np.errstate(over="ignore"):  # exp overflow is a sigmoid of 0: fine
        for t in range(len(x)):
            r_in = h @ rec
            r_in += rec_bias
            zr = x[t, : 2 * u] + r_in[: 2 * u]
            zr = 1.0 / (1.0 + np.exp(-zr))
            cand = np.tanh(x[t, 2 * u :] + zr[u:] * r_in[2 * u :])
            h = cand + zr[:u] * (h - cand)  # z * h + (1 - z) * cand
            out[t] = h
    return out


def score(net: RecurrentNet, hidden: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(−ln p, rank) of `targets[n]` under the distribution read from `hidden[n]`, for every row
    at once (in chunks of rows, to bound the rows × vocabulary logits)."""
    n = len(targets)
    nats = np.empty(n, dtype=np.float64)
    ranks = np.empty(n, dtype=np.int64)
    rows = max(1, _CHUNK_CELLS // max(net.vocab_size, 1))
    for s in range(0, n, rows):
        z = net.logits(hidden[s : s + rows]).astype(np.float64)
        t = targets[s : s + rows]
        zt = z[np.arange(len(t)), t]
        m = z.max(axis=1)
        lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))
        nats[s : s + rows] = lse - zt
        ranks[s : s + rows] = 1 + (z > zt[:, None]).sum(axis=1)
    return nats, ranks


@dataclass
class SurpriseReport:
    tokens: list[TokenSurprise]
    """The text's tokens, in order: their texts joined are the text."""
    nats_per_token: float
    """Mean −ln p over the model tokens that were scored (nan when none was)."""
    unknown: list[str]
    """The unknown characters, named ("é (U+00E9)"), each once."""
    text: str = ""
    """The text as the model read it (lowercased for a lowercase model)."""
    bits_per_char: float = math.nan
    """The scored tokens' total surprise in bits over the characters they spell."""
    scored: int = 0
    """Model tokens scored (every fed token but the first)."""
    _net: RecurrentNet | None = field(default=None, repr=False, compare=False)
    _hidden: np.ndarray | None = field(default=None, repr=False, compare=False)
    _rows: np.ndarray | None = field(default=None, repr=False, compare=False)
    """Per token, the row of `_hidden` whose prediction it met; -1 for none (the first)."""
    _vocab: list[str] = field(default_factory=list, repr=False, compare=False)
    _starts: list[int] = field(default_factory=list, repr=False, compare=False)

    def top(self, index: int, k: int = 10) -> list[tuple[str, float]]:
        """The model's k most likely tokens at position `index` (what it expected there), with
        probabilities, most likely first; [] for the first token."""
        if self._rows is None or not 0 <= index < len(self.tokens) or self._rows[index] < 0:
            return []
        z = self._net.logits(self._hidden[self._rows[index] : self._rows[index] + 1])[0].astype(np.float64)
        p = np.exp(z - z.max())
        p /= p.sum()
        k = min(k, len(p))
        best = np.argpartition(-p, k - 1)[:k]
        best = best[np.argsort(-p[best], kind="stable")]
        return [(self._vocab[int(i)], float(p[i])) for i in best]

    def token_at(self, offset: int) -> int | None:
        """The index of the token covering character `offset` of the text."""
        if not self.tokens or not 0 <= offset < len(self.text):
            return None
        if len(self._starts) != len(self.tokens):  # built once: the pane asks at every cursor move
            self._starts = [t.start for t in self.tokens]
        return bisect.bisect_right(self._starts, offset) - 1


def surprise(generator: Generator, text: str, *, lowercase: bool = False) -> SurpriseReport:
    """Each token of `text` scored by the model reading all the text before it."""
    net = generator.net
    text = text.lower() if lowercase else text
    seg = segment(generator.tokenizer, text)
    ids = seg.ids
    hidden = hidden_states(net, ids)[0] if len(ids) else np.zeros((0, 1), dtype=np.float32)
    nats = ranks = np.zeros(0)
    if len(ids) > 1:
        nats, ranks = score(net, hidden[:-1], ids[1:])
    tokens: list[TokenSurprise] = []
    # The row of `hidden` each span met: the state before its first token; for an unknown span,
    # the state after the last known one (what the model expected there).
    rows = np.where(seg.first >= 0, seg.first - 1, seg.last)
    nats_list, rank_list = nats.tolist(), ranks.tolist()
    for span, a, b in zip(seg.spans, seg.first.tolist(), seg.last.tolist()):
        if a <= 0:  # unknown, or the first token: nothing scored
            tokens.append(TokenSurprise(span.text, span.start, None, None, a == 0))
            continue
        # A character spelled in several byte tokens: p(character) is the product of theirs.
        value = nats_list[a - 1] if b == a else float(nats[a - 1 : b].sum())
        tokens.append(TokenSurprise(span.text, span.start, value, rank_list[a - 1], True))
    total = float(nats.sum())
    chars = int(generator.tokenizer.char_counts[ids[1:]].sum()) if len(ids) > 1 else 0
    return SurpriseReport(
        tokens=tokens,
        nats_per_token=total / len(nats) if len(nats) else math.nan,
        unknown=seg.unknown,
        text=text,
        bits_per_char=total / math.log(2) / chars if chars else math.nan,
        scored=len(nats),
        _net=net,
        _hidden=hidden,
        _rows=rows,
        _vocab=generator.tokenizer.vocab,
    )


def band_of(rank: int | None) -> int | None:
    """GLTR's band of a rank: 0 top 1, 1 top 10, 2 top 100, 3 beyond; None for no rank."""
    return None if rank is None else bisect.bisect_left(GLTR_BANDS, rank)
