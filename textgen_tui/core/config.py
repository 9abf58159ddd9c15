"""Hyper-parameters as typed dataclasses, the presets, and their validation.

A saved model folder stores the whole `Config` as JSON, so it can be rebuilt, resumed and sampled
without guessing anything.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import Any

from textgen_tui.core.errors import ConfigError

TOKENIZERS = ("char", "word", "clause", "subword")
LAYOUTS = ("window", "sequence")
INPUTS = ("onehot", "embedding")
CELLS = ("lstm", "gru")
OPTIMIZERS = ("rmsprop", "adam")
SCHEDULES = ("plateau", "cosine")
BOOK_TEMPERATURES = (0.2, 0.5, 1.0, 1.2)


@dataclass
class DataConfig:
    tokenizer: str = "char"
    """How text becomes tokens: `char`, `word` (jieba for Chinese) or `clause`."""
    lowercase: bool = False
    """Lowercase the corpus before tokenizing (the book does)."""
    layout: str = "sequence"
    """`window`: predict the token after `maxlen` tokens (the book); `sequence`: predict every
    position of a `seq_len` chunk (char-rnn)."""
    maxlen: int = 60
    """Window length in tokens (`window` layout) and the context of the exact-window sampler."""
    step: int = 3
    """Distance between the starts of consecutive windows (`window` layout)."""
    seq_len: int = 100
    """Chunk length in tokens (`sequence` layout)."""
    carry: int = 1
    """`sequence` layout: training reads runs of this many consecutive chunks, each chunk starting
    from the recurrent state the one before it ended with (truncated backpropagation through
    time), so the model learns from `carry × seq_len` tokens of context at the cost of chunks of
    `seq_len`. 1: every chunk starts from a zero state. One device only."""
    val_fraction: float = 0.1
    """Share of the corpus, taken from its end, held out for validation (0 disables it)."""
    max_vocab: int = 20000
    """Vocabulary cap for `word` and `clause` tokens; rarer ones fall back to characters."""
    min_count: int = 3
    """`word` and `clause`: a token seen fewer times than this is spelled in characters."""


@dataclass
class ModelConfig:
    input: str = "embedding"
    """`onehot` (the book) or a trainable `embedding`."""
    embedding_dim: int = 64
    """Embedding width (ignored for one-hot input)."""
    cell: str = "lstm"
    """Recurrent cell: `lstm` or `gru`."""
    units: int = 512
    """Units per recurrent layer."""
    layers: int = 1
    """Number of stacked recurrent layers."""
    dropout: float = 0.0
    """Dropout on the last recurrent layer's output and, unless `input_dropout` is set, on each
    recurrent layer's inputs (the state's is `recurrent_dropout`)."""
    input_dropout: float | None = None
    """Dropout on the recurrent layers' inputs alone, when it should differ from `dropout` (None:
    the same). 0 keeps only the output's: on a CPU the masks inside the recurrent loop make a
    step slower (benchmarks/results/tuning.md)."""
    recurrent_dropout: float = 0.0
    """Dropout on the state each recurrent step reads (one mask a sequence, as in Gal and
    Ghahramani's variational RNNs). A GPU loses the cuDNN kernel with it; on a CPU it costs a
    multiply a step."""
    sampled_softmax: int = 0
    """While training, score the softmax on this many vocabulary entries drawn per step by
    frequency (plus the targets) instead of on all of them (0: all). For words the output layer
    is most of a step; generation and validation always use the whole softmax."""

    @property
    def inputs_dropout(self) -> float:
        """The dropout the recurrent layers' inputs get: `input_dropout`, else `dropout`."""
        return self.dropout if self.input_dropout is None else self.input_dropout


@dataclass
class TrainConfig:
    optimizer: str = "adam"
    """`rmsprop` (the book) or `adam`."""
    learning_rate: float = 0.004
    """Initial learning rate."""
    clipnorm: float | None = 1.0
    """Gradient clipping by norm; None disables it (the book does not clip)."""
    weight_decay: float = 0.0
    """Decoupled weight decay (AdamW's): each step shrinks the weights, not the biases, by
    `weight_decay × learning rate` of themselves (0: off)."""
    adam_beta_2: float = 0.999
    """Adam's decay of its squared-gradient average (Keras's `beta_2`): lower adapts faster."""
    batch_size: int = 64
    """Sequences per batch."""
    epochs: int = 20
    """Epochs to run (an upper bound when early stopping is on). Unused with `minutes`."""
    minutes: float | None = None
    """A time budget in minutes for the whole run (compiling, validation, samples and saving
    included). Set: the learning rate follows the elapsed share of the budget (warm-up, then
    cosine to `min_lr_fraction`), epochs are validation periods sized so that the last one ends
    just before the budget does, and the run stops there with the best weights saved. None:
    train for `epochs`."""
    warmup_fraction: float = 0.02
    """With `minutes`: the share of the budget over which the learning rate rises linearly from a
    tenth of `learning_rate` (0: no warm-up)."""
    steps_per_epoch: int | None = None
    """Batches per epoch; None means one pass over the training data."""
    schedule: str = "plateau"
    """Learning-rate schedule: `plateau` (constant, halved when validation stalls) or `cosine`
    (decays to `min_lr_fraction` of the start over all the planned steps)."""
    min_lr_fraction: float = 0.05
    """Where the cosine schedule ends, as a fraction of the initial learning rate."""
    validation_steps: int | None = None
    """Validation batches per epoch; None means the whole held-out part."""
    reduce_lr_patience: int = 1
    """Epochs without validation improvement before the learning rate is halved; 0 disables it."""
    reduce_lr_factor: float = 0.5
    """Factor applied to the learning rate on a plateau."""
    early_stopping_patience: int = 3
    """Epochs without validation improvement before training stops; 0 disables it."""
    jit_compile: bool = False
    """Compile the training step with XLA."""
    seed: int = 1337
    """Random seed for weights, shuffling and the per-epoch samples."""


@dataclass
class SampleConfig:
    temperatures: tuple[float, ...] = BOOK_TEMPERATURES
    """Temperatures of the per-epoch samples (and the generation default)."""
    length: int = 400
    """Tokens generated per sample."""
    top_k: int = 0
    """Keep only the k most likely tokens (0: off)."""
    top_p: float = 1.0
    """Keep the smallest set of tokens whose probability reaches p (1.0: off)."""


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    preset: str = "fast"
    """Name of the preset this configuration started from."""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["sample"]["temperatures"] = list(self.sample.temperatures)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Config:
        """Rebuild from JSON, ignoring unknown keys so older folders stay loadable."""
        if not isinstance(d, dict):
            raise ConfigError("configuration must be a JSON object")

        def build(kind, values):
            if not isinstance(values, dict):
                raise ConfigError(f"configuration section for {kind.__name__} must be an object")
            names = {f.name for f in fields(kind)}
            return kind(**{k: v for k, v in values.items() if k in names})

        cfg = cls(
            data=build(DataConfig, d.get("data", {})),
            model=build(ModelConfig, d.get("model", {})),
            train=build(TrainConfig, d.get("train", {})),
            sample=build(SampleConfig, d.get("sample", {})),
            preset=str(d.get("preset", "custom")),
        )
        cfg.sample.temperatures = tuple(float(t) for t in cfg.sample.temperatures)
        return cfg

    def copy(self) -> Config:
        return Config.from_dict(self.to_dict())

    def validate(self) -> Config:
        """Raise ConfigError with a clear message for the first out-of-range value."""
        d, m, t, s = self.data, self.model, self.train, self.sample
        _choice("tokenizer", d.tokenizer, TOKENIZERS)
        _choice("layout", d.layout, LAYOUTS)
        _choice("input", m.input, INPUTS)
        _choice("cell", m.cell, CELLS)
        _choice("optimizer", t.optimizer, OPTIMIZERS)
        _choice("schedule", t.schedule, SCHEDULES)
        _float_range("min_lr_fraction", t.min_lr_fraction, 0.0, 1.0)
        _int_range("maxlen", d.maxlen, 1, 100_000)
        _int_range("step", d.step, 1, 100_000)
        _int_range("seq_len", d.seq_len, 2, 100_000)
        _int_range("carry", d.carry, 1, 10_000)
        _float_range("val_fraction", d.val_fraction, 0.0, 0.5)
        _int_range("max_vocab", d.max_vocab, 16, 2_000_000)
        _int_range("min_count", d.min_count, 1, 1_000_000)
        _int_range("embedding_dim", m.embedding_dim, 1, 100_000)
        _int_range("units", m.units, 1, 100_000)
        _int_range("layers", m.layers, 1, 16)
        _float_range("dropout", m.dropout, 0.0, 0.9)
        _float_range("recurrent_dropout", m.recurrent_dropout, 0.0, 0.9)
        if m.input_dropout is not None:
            _float_range("input_dropout", m.input_dropout, 0.0, 0.9)
        _int_range("sampled_softmax", m.sampled_softmax, 0, 1_000_000)
        _float_range("learning_rate", t.learning_rate, 1e-7, 10.0)
        _float_range("weight_decay", t.weight_decay, 0.0, 10.0)
        _float_range("adam_beta_2", t.adam_beta_2, 0.5, 0.99999)
        if t.clipnorm is not None:
            _float_range("clipnorm", t.clipnorm, 1e-6, 1e6)
        _int_range("batch_size", t.batch_size, 1, 1_000_000)
        _int_range("epochs", t.epochs, 1, 100_000)
        if t.minutes is not None:
            _float_range("minutes", t.minutes, 0.01, 1_000_000.0)
        _float_range("warmup_fraction", t.warmup_fraction, 0.0, 0.5)
        if t.steps_per_epoch is not None:
            _int_range("steps_per_epoch", t.steps_per_epoch, 1, 10_000_000)
        if t.validation_steps is not None:
            _int_range("validation_steps", t.validation_steps, 1, 10_000_000)
        _int_range("reduce_lr_patience", t.reduce_lr_patience, 0, 1000)
        _float_range("reduce_lr_factor", t.reduce_lr_factor, 0.01, 0.99)
        _int_range("early_stopping_patience", t.early_stopping_patience, 0, 1000)
        if not s.temperatures:
            raise ConfigError("at least one sampling temperature is needed")
        for temp in s.temperatures:
            check_temperature(temp)
        _int_range("sample length", s.length, 1, 1_000_000)
        _int_range("top_k", s.top_k, 0, 10_000_000)
        _float_range("top_p", s.top_p, 1e-6, 1.0)
        return self


def parse_temperatures(text: str) -> tuple[float, ...]:
    """ "0.2, 0.5 1" → (0.2, 0.5, 1.0); each checked by `check_temperature`. The CLI and the app
    read temperature lists through this one function."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise ConfigError("at least one sampling temperature is needed")
    return tuple(check_temperature(p) for p in parts)


def check_temperature(t: Any) -> float:
    """Temperatures are finite and >= 0 (0 means greedy); anything else is refused."""
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise ConfigError(f"temperature {t!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise ConfigError(f"temperature {t} must be a finite number")
    if value < 0:
        raise ConfigError(f"temperature {value:g} is negative: use 0 for greedy or a value > 0")
    return value


def _choice(name: str, value: Any, options: tuple[str, ...]) -> None:
    if value not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)} (got {value!r})")


def _int_range(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a whole number from {lo} to {hi} (got {value!r})")


def _float_range(name: str, value: Any, lo: float, hi: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or math.isnan(value) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a number from {lo:g} to {hi:g} (got {value!r})")


def book_preset() -> Config:
    """Deep Learning with Python §8.1, exactly."""
    return Config(
        data=DataConfig(tokenizer="char", lowercase=True, layout="window", maxlen=60, step=3),
        model=ModelConfig(input="onehot", cell="lstm", units=128, layers=1),
        train=TrainConfig(
            optimizer="rmsprop",
            learning_rate=0.01,
            clipnorm=None,
            batch_size=128,
            epochs=60,
            reduce_lr_patience=0,
            early_stopping_patience=0,
        ),
        sample=SampleConfig(temperatures=BOOK_TEMPERATURES, length=400),
        preset="book",
    )


def fast_preset() -> Config:
    """Every-position training, tuned for a 2-core CPU (see the README's benchmark section), for
    a 10-minute budget."""
    return Config(
        # chunks of 32 in batches of 128: more updates for nearly the same characters per
        # second; GRU(384) is the widest that pays in ten minutes (benchmarks/results/tuning.md)
        data=DataConfig(tokenizer="char", lowercase=True, layout="sequence", seq_len=32),
        model=ModelConfig(
            input="embedding",
            embedding_dim=64,
            cell="gru",
            units=384,
            layers=1,
            dropout=0.15,
            input_dropout=0.0,  # only the output's: masks inside the recurrent loop slow a step
            recurrent_dropout=0.1,  # GRU(384) overfits a ten-minute budget (tuning.md)
        ),
        train=TrainConfig(
            optimizer="adam",
            learning_rate=0.006,
            # GRU(384) overfits in ten minutes: weight decay helps (tuning.md)
            weight_decay=0.1,
            clipnorm=1.0,
            batch_size=128,
            epochs=40,
            minutes=10.0,  # people ask "how good in ten minutes?"; --epochs N trains for epochs
            schedule="cosine",
            min_lr_fraction=0.05,
            early_stopping_patience=3,
            jit_compile=False,  # XLA on CPU makes dropout's random masks slower than the rest
        ),
        preset="fast",
    )


def gpu_preset() -> Config:
    """Sized for one modern GPU on JAX (cuDNN LSTM): two LSTM(512) layers over chunks of 128,
    256 chunks a batch, epochs of 200 batches (about 6.5 M characters) so that saving and sampling
    stay a small share of the time. The default when the backend sees a GPU; run
    `python -m benchmarks.gpu` to measure it."""
    return Config(
        data=DataConfig(tokenizer="char", lowercase=True, layout="sequence", seq_len=128),
        model=ModelConfig(input="embedding", embedding_dim=64, cell="lstm", units=512, layers=2, dropout=0.3),
        train=TrainConfig(
            optimizer="adam",
            learning_rate=0.002,
            clipnorm=1.0,
            batch_size=256,
            epochs=30,
            steps_per_epoch=200,
            schedule="cosine",
            min_lr_fraction=0.05,
            early_stopping_patience=4,
        ),
        preset="gpu",
    )


PRESETS = {"fast": fast_preset, "book": book_preset, "gpu": gpu_preset}


def preset(name: str) -> Config:
    try:
        return PRESETS[name]()
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}: choose {' or '.join(PRESETS)}") from None


# -- one place that turns a preset and the user's choices into a Config ----------------------
def _sections(cfg: Config) -> dict[str, Any]:
    return {"data": cfg.data, "model": cfg.model, "train": cfg.train, "sample": cfg.sample}


def field_section(name: str) -> str:
    """The section ("data", "model", "train", "sample") that holds the field `name`."""
    for section, kind in (
        ("data", DataConfig),
        ("model", ModelConfig),
        ("train", TrainConfig),
        ("sample", SampleConfig),
    ):
        if name in {f.name for f in fields(kind)}:
            return section
    raise ConfigError(f"unknown setting {name!r}")


def make_config(preset_name: str = "fast", overrides: dict[str, Any] | None = None) -> Config:
    """The preset with the user's overrides (field name → value), validated.

    The CLI (its flags) and the app (its form) both build their Config here, so the same choices
    give the same run. A word or clause tokenizer on the book preset keeps its window layout."""
    cfg = preset(preset_name)
    sections = _sections(cfg)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if "minutes" in given and "epochs" in given:
        raise ConfigError("train for minutes or for epochs, not both: give one of them")
    if "epochs" in given:
        cfg.train.minutes = None  # epochs asked for: the preset's time budget gives way
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name == "temperatures":
            value = tuple(float(t) for t in value)
        setattr(sections[field_section(name)], name, value)
    if (overrides or {}).get("tokenizer") not in (None, "char") and preset_name == "book":
        cfg.data.layout = "window"
    return cfg.validate()


# Knobs a resumed run may change; everything else belongs to the saved model and its data.
RESUMABLE = frozenset(
    {
        "epochs",
        "minutes",
        "warmup_fraction",
        "learning_rate",
        "weight_decay",
        "carry",
        "batch_size",
        "steps_per_epoch",
        "validation_steps",
        "min_lr_fraction",
        "reduce_lr_patience",
        "reduce_lr_factor",
        "early_stopping_patience",
        "seed",
        "temperatures",
        "length",
        "top_k",
        "top_p",
    }
)


def resume_config(saved: Config, overrides: dict[str, Any] | None = None) -> tuple[Config, list[str]]:
    """The saved folder's Config with the changeable knobs applied.

    Returns (config, what changed as "name: old → new"). A fixed knob (architecture, tokenizer,
    layout...) that differs from the folder's raises ConfigError naming it."""
    cfg = saved.copy()
    sections = _sections(cfg)
    changed: list[str] = []
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        target = sections[field_section(name)]
        old = getattr(target, name)
        if name == "temperatures":
            value = tuple(float(t) for t in value)
        if value == old:
            continue
        if name not in RESUMABLE:
            raise ConfigError(
                f"{name} cannot change when resuming (this model has {_shown(old)}, asked "
                f"{_shown(value)}): train a new folder to change it"
            )
        setattr(target, name, value)
        changed.append(f"{name}: {_shown(old)} → {_shown(value)}")
    return cfg.validate(), changed


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)
