"""Defaults sized by the run: word-level sizes from the corpus (chunks of words, an embedding
suited to the vocabulary, a network sized to the number of tokens rather than to the vocabulary
cap), and a smaller, more often updated character network for a short time budget.

The `fast` preset is tuned for characters. With `word` or `clause` tokens a corpus has four to
six times fewer tokens and a vocabulary of thousands, so the same sizes overfit at once and the
output layer alone dwarfs the data. The settings the user did not choose are set here, after
tokenizing and before the model is built, and the run lists what it set.
"""

from __future__ import annotations

from textgen_tui.core.config import Config

SIZED = (
    "seq_len",
    "embedding_dim",
    "units",
    "dropout",
    "input_dropout",
    "recurrent_dropout",
    "sampled_softmax",
    "batch_size",
    "learning_rate",
    "weight_decay",
)
"""The settings a run may size, when the user left them at the preset's values."""
WORD_SEQ_LEN = 32
"""Tokens per training chunk: about a sentence or two of words."""
PARAMS_PER_TOKEN = 4.0
"""The network's size: about this many parameters per training token (with dropout)."""
SUBWORD_PARAMS_PER_TOKEN = 2.0
"""The same for subword tokens: at 4 a subword network overfit the Handbook's Chinese by half its
budget; at 2 it trained the whole budget and read it better (benchmarks/results/tuning.md)."""
MIN_PARAMS, MAX_PARAMS = 200_000, 8_000_000
UNIT_CHOICES = (64, 96, 128, 192, 256, 384, 512)
WORD_DROPOUT = 0.3
SAMPLED = 512
"""Vocabulary entries the softmax is scored on per training step, for vocabularies of more than
four times as many (core/nets/sampled_softmax.py): a word model's output layer is most of its step
(measured in benchmarks/results/tuning.md)."""


SHORT_BUDGET_MINUTES = 6.0
"""A character run with a budget shorter than this trains SHORT_BUDGET's network: early on,
updates count more than width, and shorter chunks make a step cheaper; the two lines cross near
this budget (benchmarks/results/tuning.md). No weight decay and no dropout on the state: a short
run underfits."""
SHORT_BUDGET = {
    "units": 192,
    "seq_len": 32,
    "batch_size": 128,
    "learning_rate": 0.006,
    "weight_decay": 0.0,
    "recurrent_dropout": 0.0,
}


def sizable(preset_name: str, overrides: dict | None) -> frozenset[str]:
    """The settings a new run of `preset_name` may size: the SIZED ones the user left alone (not
    given, or given at the preset's own value, as the app's form sends them). Only the `fast`
    preset is sized; the book's and the gpu preset's sizes are theirs."""
    if preset_name != "fast":
        return frozenset()
    from textgen_tui.core.config import field_section, preset

    base = preset(preset_name)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return frozenset(
        name
        for name in SIZED
        if name not in given or given[name] == getattr(getattr(base, field_section(name)), name)
    )


def params(cfg: Config, vocab: int, units: int, embedding: int) -> int:
    """Parameters of the network for these sizes (Embedding → recurrent layers → Dense)."""
    gates = 4 if cfg.model.cell == "lstm" else 3
    rnn, width = 0, embedding
    for _ in range(cfg.model.layers):
        rnn += gates * ((width + units) * units + units * (2 if gates == 3 else 1))
        width = units
    return vocab * embedding + rnn + (units + 1) * vocab


def size_for_budget(cfg: Config, free: set[str]) -> list[str]:
    """Size the `free` settings of a new character run with a short time budget (SHORT_BUDGET).
    Changes `cfg`; returns "name: old → new (why)" lines."""
    minutes = cfg.train.minutes
    if cfg.data.tokenizer != "char" or minutes is None or minutes >= SHORT_BUDGET_MINUTES:
        return []
    wanted = {
        name: value
        for name, value in SHORT_BUDGET.items()
        if name in free and (name != "seq_len" or cfg.data.layout == "sequence")
    }
    return _apply(
        cfg,
        wanted,
        f"a {minutes:.3g}-minute budget: a smaller network updated more often, less regularized, learns more in it",
    )


def size_for_words(cfg: Config, train_tokens: int, vocab: int, free: set[str]) -> list[str]:
    """Size the `free` settings (a subset of SIZED) of a word or clause run on `train_tokens`
    tokens with a vocabulary of `vocab`. Changes `cfg`; returns "name: old → new (why)" lines."""
    if cfg.data.tokenizer == "char" or not free:
        return []
    m, d = cfg.model, cfg.data
    wanted = {}
    if "seq_len" in free and d.layout == "sequence":
        wanted["seq_len"] = WORD_SEQ_LEN
    embedding = m.embedding_dim
    per_token = SUBWORD_PARAMS_PER_TOKEN if d.tokenizer == "subword" else PARAMS_PER_TOKEN
    target = min(max(per_token * train_tokens, MIN_PARAMS), MAX_PARAMS)
    if "embedding_dim" in free and m.input == "embedding":
        embedding = 64 if vocab < 4000 else 128
        while embedding > 32 and vocab * embedding > target / 2:  # the table: at most half
            embedding //= 2
        wanted["embedding_dim"] = embedding
    if "units" in free:
        fitting = [u for u in UNIT_CHOICES if params(cfg, vocab, u, embedding) <= target]
        wanted["units"] = fitting[-1] if fitting else UNIT_CHOICES[0]
    if "dropout" in free:
        wanted["dropout"] = max(m.dropout, WORD_DROPOUT)
    if "input_dropout" in free and m.input_dropout is not None:  # words: the embedding's too
        wanted["input_dropout"] = max(m.input_dropout, WORD_DROPOUT)
    if "sampled_softmax" in free and vocab > 4 * SAMPLED:
        wanted["sampled_softmax"] = SAMPLED
    if "weight_decay" in free:  # words are regularized by dropout: the word checks had no decay
        wanted["weight_decay"] = 0.0
    if "recurrent_dropout" in free:  # nor dropout on the state
        wanted["recurrent_dropout"] = 0.0
    return _apply(
        cfg, wanted, f"sized for {train_tokens:,} {cfg.data.tokenizer} tokens, vocabulary {vocab:,}"
    )


def _apply(cfg: Config, wanted: dict, why: str) -> list[str]:
    """Set `wanted` in `cfg`; one "name: old → new (why)" line for each that changed."""
    from textgen_tui.core.config import field_section

    notes = []
    for name, value in wanted.items():
        section = getattr(cfg, field_section(name))
        old = getattr(section, name)
        if old != value:
            setattr(section, name, value)
            notes.append(f"{name}: {old:g} → {value:g} ({why})")
    return notes
