"""Interpretable cells (Karpathy, Johnson & Fei-Fei, 2015): recurrent units whose activation
follows a simple feature of the text, found by correlation.

The state is carried from a zero state over the whole text, collecting every layer's h after each
token (one pass, as generation reads a seed); the Pearson r of every unit with every feature is then
one matrix product. A feature that does not vary in the text (no quotes at all) finds no unit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.inspect.surprise import Span, hidden_states, segment

FEATURES = ("position_in_line", "position_in_word", "inside_quotes", "inside_parentheses")
"""What the finder correlates units with, each read at a token's first character:
- position_in_line: characters since the last newline (0 at a newline; the text starts a line);
- position_in_word: 1 at a word's first letter, 2 at its second…; 0 outside words (letters only);
- inside_quotes: 1 from an opening double quote (", “ or «) to its closing one, else 0;
- inside_parentheses: 1 from an opening parenthesis to the one that closes it, else 0."""

_QUOTES = re.compile('["\u201c\u201d\u00ab\u00bb]')
_OPENS = "\u201c\u00ab"  # always open; their partners always close; '"' toggles


@dataclass(frozen=True)
class CellMatch:
    feature: str
    """One of FEATURES."""
    layer: int
    """The recurrent layer, 0 = the bottom one."""
    unit: int
    """The unit in that layer."""
    r: float
    """Pearson r (signed) of the unit's h with the feature over the text's tokens."""


def layer_sizes(generator: Generator) -> list[int]:
    """Units per recurrent layer, bottom first (what a layer/unit picker offers)."""
    return [layer.units for layer in generator.net.layers]


def activations(generator: Generator, ids: Sequence[int]) -> list[np.ndarray]:
    """Per recurrent layer (bottom first), the hidden state h after each token: shape (T, units).
    One pass carrying state from a zero state."""
    return hidden_states(generator.net, ids, layers=True)


def text_features(pieces: Sequence[str]) -> dict[str, np.ndarray]:
    """Per token (its spelling), the value of each feature at the token's first character."""
    text = "".join(pieces)
    per_char = _char_features(text)
    starts = np.cumsum([0, *(len(p) for p in pieces)])[:-1]
    starts = np.minimum(starts, max(len(text) - 1, 0))  # an empty last piece reads the last character
    if not text:
        return {name: np.zeros(len(pieces)) for name in FEATURES}
    return {name: values[starts] for name, values in per_char.items()}


def _char_features(text: str) -> dict[str, np.ndarray]:
    """Every feature at every character (vectorised: 20,000 characters in about a millisecond)."""
    n = len(text)
    idx = np.arange(n)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4") if n else np.zeros(0, dtype="<u4")
    last_newline = np.maximum.accumulate(np.where(codes == 10, idx, -1)) if n else idx
    line = idx - last_newline
    letters = np.fromiter((c.isalpha() for c in text), dtype=bool, count=n)
    last_other = np.maximum.accumulate(np.where(letters, -1, idx)) if n else idx
    word = np.where(letters, idx - last_other, 0)
    # Parentheses: the depth walk reflected at zero (a stray ')' does not make later text "outside").
    steps = (codes == ord("(")).astype(np.int64) - (codes == ord(")"))
    walk = np.cumsum(steps)
    depth = walk - np.minimum(np.minimum.accumulate(walk), 0) if n else walk
    return {
        "position_in_line": line.astype(np.float64),
        "position_in_word": word.astype(np.float64),
        "inside_quotes": _inside_quotes(text, idx),
        "inside_parentheses": (depth > 0).astype(np.float64),
    }


def _inside_quotes(text: str, idx: np.ndarray) -> np.ndarray:
    """1 after reading an opening quote until its closing one (the closing quote itself: 0)."""
    marks = [(m.start(), m.group()) for m in _QUOTES.finditer(text)]
    value = np.zeros(len(text) + 1)  # value[k + 1]: inside after the k-th mark; value[0]: before any
    at = np.zeros(len(text), dtype=bool)
    inside = False
    for k, (pos, q) in enumerate(marks):
        inside = (not inside) if q == '"' else q in _OPENS
        value[k + 1] = inside
        at[pos] = True
    # The mark each character follows (or none): its value carries forward.
    count = np.cumsum(at)
    return value[count] if len(text) else np.zeros(0)


def correlations(acts: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """Pearson r of every column of `acts` (N, units) with every column of `feats` (N, features):
    (units, features); 0 where either side does not vary."""
    a = acts.astype(np.float64)
    f = feats.astype(np.float64)
    a -= a.mean(axis=0)
    f -= f.mean(axis=0)
    na = np.sqrt((a * a).sum(axis=0))
    nf = np.sqrt((f * f).sum(axis=0))
    denom = np.outer(na, nf)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a.T @ f) / denom
    return np.where(denom > 1e-12, r, 0.0)


def find_cells(
    generator: Generator, text: str, *, per_feature: int = 3, lowercase: bool = False
) -> list[CellMatch]:
    """The best `per_feature` units by |r| for each feature, best first (features in FEATURES
    order); a feature that does not vary in the text has none."""
    seg = segment(generator.tokenizer, text.lower() if lowercase else text)
    known = seg.first >= 0
    if known.sum() < 2:
        return []
    layers = activations(generator, seg.ids)
    rows = seg.last[known]  # the state after each known token
    acts = np.concatenate([h[rows] for h in layers], axis=1)
    feats = text_features([s.text for s in seg.spans])
    table = np.stack([feats[name][known] for name in FEATURES], axis=1)
    r = correlations(acts, table)
    where = [(li, u) for li, h in enumerate(layers) for u in range(h.shape[1])]
    matches: list[CellMatch] = []
    for k, name in enumerate(FEATURES):
        if np.ptp(table[:, k]) == 0:
            continue
        best = np.argsort(-np.abs(r[:, k]), kind="stable")[:per_feature]
        matches.extend(CellMatch(name, where[i][0], where[i][1], float(r[i, k])) for i in best)
    return matches


def cell_activation(
    generator: Generator, text: str, layer: int, unit: int, *, lowercase: bool = False
) -> tuple[list[Span], np.ndarray]:
    """The text's spans and, per span, unit `unit` of layer `layer` after reading it, in [-1, 1]
    (an unknown span, not fed to the net, shows the state it left unchanged)."""
    sizes = layer_sizes(generator)
    if not 0 <= layer < len(sizes):
        raise GenerationError(f"layer {layer} does not exist: the model has {len(sizes)} recurrent layer(s)")
    if not 0 <= unit < sizes[layer]:
        raise GenerationError(f"unit {unit} does not exist: layer {layer} has {sizes[layer]} units")
    seg = segment(generator.tokenizer, text.lower() if lowercase else text)
    column = activations(generator, seg.ids)[layer][:, unit] if len(seg.ids) else np.zeros(0)
    values = np.where(seg.last >= 0, column[np.maximum(seg.last, 0)] if len(column) else 0.0, 0.0)
    return seg.spans, values.astype(np.float64)


@dataclass(frozen=True)
class CellReading:
    """A text read once through every layer: the units that follow its features, and any unit's
    value per span (so looking at another unit costs no second pass)."""

    text: str
    """The text as written (the spans are of it as the model read it: lowercased or not)."""
    spans: list[Span]
    """Every piece of the text, known to the model or not, in order."""
    layers: list[np.ndarray]
    """Per layer (bottom first), h after each fed token: shape (tokens fed, units)."""
    last: np.ndarray
    """Per span, the index of the last token fed up to it (-1: none yet)."""
    matches: list[CellMatch]
    """The units that follow a feature, best first per feature (`find_cells`)."""

    @classmethod
    def of(cls, generator: Generator, text: str, *, lowercase: bool = False) -> CellReading:
        seg = segment(generator.tokenizer, text.lower() if lowercase else text)
        layers = activations(generator, seg.ids) if len(seg.ids) else []
        matches = find_cells(generator, text, lowercase=lowercase)
        return cls(text, seg.spans, layers, seg.last, matches)

    def values(self, layer: int, unit: int) -> np.ndarray:
        """Unit `unit` of layer `layer` after each span (as `cell_activation` computes it)."""
        if not 0 <= layer < len(self.layers):
            raise GenerationError(f"layer {layer} does not exist: the model has {len(self.layers)} layer(s)")
        units = self.layers[layer].shape[1]
        if not 0 <= unit < units:
            raise GenerationError(f"unit {unit} does not exist: layer {layer} has {units} units")
        column = self.layers[layer][:, unit]
        return np.where(self.last >= 0, column[np.maximum(self.last, 0)], 0.0)

    def bounds(self) -> tuple[list[int], list[int]]:
        """Each span's start and end offset."""
        return [s.start for s in self.spans], [s.start + len(s.text) for s in self.spans]

    def span_at(self, offset: int) -> int | None:
        """The index of the span under `offset` (the last one past the end); None: no span."""
        if not self.spans:
            return None
        starts = [s.start for s in self.spans]
        return max(0, min(bisect.bisect_right(starts, offset) - 1, len(self.spans) - 1))

    def match(self, layer: int, unit: int) -> CellMatch | None:
        """The match found for this unit, if it is one."""
        return next((m for m in self.matches if (m.layer, m.unit) == (layer, unit)), None)
