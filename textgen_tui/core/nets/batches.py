"""Token-id arrays → training batches, without ever materialising one-hot windows.

The corpus is one integer array. Each batch gathers its windows from it inside the pipeline,
so memory is the id array plus a few batches, whatever the corpus size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textgen_tui.core.config import Config, DataConfig
from textgen_tui.core.errors import CorpusError
from textgen_tui.core.nets.backend import import_keras, keras_classes

CARRY_GROUPS = 8
"""`carry`: a pass holds at least this many batches of runs (a pass drops the runs that do not
fill a batch: at most an eighth), else the runs are shortened."""


@dataclass
class Split:
    train: np.ndarray
    val: np.ndarray | None


def split_ids(ids: np.ndarray, cfg: DataConfig) -> Split:
    """Hold out the last `val_fraction` of the corpus; both parts must fit one example."""
    need = example_length(cfg) + 1
    if len(ids) < need:
        raise CorpusError(
            f"the corpus is too short: {len(ids):,} tokens, one training example needs {need:,}"
        )
    if cfg.val_fraction <= 0:
        return Split(ids, None)
    n_val = int(len(ids) * cfg.val_fraction)
    if n_val < need or len(ids) - n_val < need:
        raise CorpusError(
            f"the corpus is too short: {len(ids):,} tokens cannot give {need:,} for training and "
            f"{need:,} for validation (val_fraction {cfg.val_fraction:g}); add text or set it to 0"
        )
    return Split(ids[:-n_val], ids[-n_val:])


def example_length(cfg: DataConfig) -> int:
    return cfg.maxlen if cfg.layout == "window" else cfg.seq_len


def example_starts(n_tokens: int, cfg: DataConfig) -> np.ndarray:
    """Start offsets of the training examples in an id array of `n_tokens`."""
    length = example_length(cfg)
    stride = cfg.step if cfg.layout == "window" else cfg.seq_len
    dtype = np.int32 if n_tokens < 2**31 - 1 else np.int64  # int32 halves a big corpus's index
    return np.arange(0, n_tokens - length, stride, dtype=dtype)


class TokenBatches:
    """(inputs, targets) batches of int32 token ids drawn from an id array with numpy.

    Training (`shuffle`): each pass visits every example start once in a fresh random order, and
    sequence chunks move by a random offset inside their stride each time they are drawn, so every
    pass sees new chunk boundaries (nanoGPT samples random positions the same way). The order is a
    function of (seed, share, pass): a resumed run (`first_pass`) continues the sequence, and each
    process of a multi-process run (`share`) draws its own batches. `steps`: epochs of that many
    batches running on through the passes, instead of one pass per epoch.

    `share=(i, n)`: this process's part of a run over n processes: batches of batch_size / n;
    for validation, every n-th example from the i-th, so the n processes cover it together.
    `drop_remainder`: only full batches (a batch split across devices must divide evenly).

    `carry=K` (training, `sequence` layout, one process): a batch's rows are runs of K consecutive
    chunks, read one chunk a batch: batches g·K … g·K+K−1 of a pass hold chunks 0 … K−1 of the
    same `batch` runs, so a recurrent state carried from one batch to the next continues its own
    row's text (`core/nets/tbptt.py` resets it every K batches). Always full batches; a corpus too
    short for CARRY_GROUPS batches of such runs gets shorter runs (`self.carry`, down to 1).
    """

    def __init__(
        self,
        ids: np.ndarray,
        cfg: Config,
        *,
        shuffle: bool,
        steps: int | None = None,
        first_pass: int = 0,
        share: tuple[int, int] = (0, 1),
        drop_remainder: bool = False,
        carry: int = 1,
    ):
        d = cfg.data
        self.ids = ids
        self.layout = d.layout
        self.length = example_length(d)
        self.shuffle = shuffle
        self.steps = steps
        self.seed = cfg.train.seed
        self.index, self.count = share
        self.batch = cfg.train.batch_size // self.count
        starts = example_starts(len(ids), d)
        total = len(starts)
        if self.count > 1:
            drop_remainder = True  # several processes: always whole batches, as many in each
            if not shuffle:
                starts = starts[self.index :: self.count][: total // self.count]
        self.carry = 1
        self.run = self.length  # tokens a row reads before it jumps elsewhere
        if carry > 1 and shuffle and d.layout == "sequence" and self.count == 1:
            k = carry
            while k > 1:
                runs = np.arange(0, len(ids) - k * self.length, k * self.length, dtype=starts.dtype)
                if len(runs) >= CARRY_GROUPS * self.batch:
                    self.carry, self.run, starts = k, k * self.length, runs
                    break
                k -= 1
        self.starts = starts
        if self.carry > 1:
            self.per_pass = len(starts) // self.batch * self.carry  # whole runs: full batches
        elif shuffle and self.count > 1:
            self.per_pass = total // cfg.train.batch_size  # a pass: the run's global batches
        elif drop_remainder:
            self.per_pass = len(starts) // self.batch
        else:
            self.per_pass = -(-len(starts) // self.batch)
        if self.per_pass < 1:
            raise CorpusError(
                f"the corpus is too short for one batch of {cfg.train.batch_size:,} "
                f"({total:,} examples): lower the batch size"
            )
        self.offsets = np.arange(self.length + 1, dtype=starts.dtype)
        self.last_start = len(ids) - self.run - 1
        self.jitter = shuffle and d.layout == "sequence"
        self.next_pass = first_pass
        self.base = 0
        """`steps` epochs: the batches drawn by earlier `fit` calls (a budget run fits once per
        period); a new iterator starts after them."""
        self._order: tuple[int, np.ndarray] | None = None
        self.pass_of_fit: int | None = None
        """Without `steps`: the pass the next `fit` of one epoch reads (the trainer fits once per
        epoch); None: passes follow the dataset's epochs (the Keras iterator's own count)."""

    def __len__(self) -> int:
        return self.steps or self.per_pass

    def order(self, p: int) -> np.ndarray:
        """Example starts in the order of pass `p` (one permutation held at a time)."""
        if not self.shuffle:
            return self.starts
        if self._order is None or self._order[0] != p:
            rng = np.random.default_rng((self.seed, self.index, p))
            self._order = (p, rng.permutation(self.starts))
        return self._order[1]

    def starts_of(self, p: int, i: int) -> np.ndarray:
        """Where the examples of batch `i` of pass `p` start."""
        group, chunk = divmod(i, self.carry)  # without carry: group i, chunk 0
        starts = self.order(p)[group * self.batch : (group + 1) * self.batch]
        if self.jitter:
            rng = np.random.default_rng((self.seed, self.index, p, group))
            shift = rng.integers(0, self.run, len(starts), dtype=starts.dtype)
            starts = np.minimum(starts + shift, self.last_start)
        return starts + chunk * self.length if chunk else starts

    def gather(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        windows = self.ids[starts[:, None] + self.offsets[None, :]].astype(np.int32, copy=False)
        if self.layout == "window":
            return windows[:, :-1], windows[:, -1]
        return windows[:, :-1], windows[:, 1:]

    def get(self, p: int, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch `i` of pass `p`."""
        return self.gather(self.starts_of(p, i))

    def at(self, cursor: int) -> tuple[np.ndarray, np.ndarray]:
        """The `cursor`-th batch of an endless run through the passes (`steps` epochs)."""
        return self.gather(self.starts_at(cursor))

    def starts_at(self, cursor: int) -> np.ndarray:
        p, i = divmod(cursor, self.per_pass)
        return self.starts_of(self.next_pass + p, i)

    def generator(self):
        """One epoch: the next pass; with `steps`, batches for ever (one iterator spans epochs)."""
        for starts in self.start_generator():
            yield self.gather(starts)

    def start_generator(self):
        """`generator`'s batches as their start offsets (TensorFlow gathers the windows itself)."""
        if self.steps is not None:
            cursor = 0
            while True:
                yield self.starts_at(cursor)
                cursor += 1
        p = self.next_pass
        self.next_pass += 1
        for i in range(self.per_pass):
            yield self.starts_of(p, i)


def as_dataset(batches: TokenBatches):
    """`batches` as `model.fit` takes them on the running backend."""
    keras = import_keras()
    if keras.backend.backend() == "tensorflow":
        from textgen_tui.core.nets.tf_support import tf_dataset

        return tf_dataset(batches)
    return _py_dataset(batches)


@keras_classes
def _batches_class(keras):
    class Batches(keras.utils.PyDataset):
        # One worker, in order: batch i of an epoch is batch i of its pass. JAX dispatches the
        # step asynchronously, so the next batch is made while the device computes.
        def __init__(self, batches: TokenBatches):
            super().__init__(workers=1, use_multiprocessing=False)
            self.batches = batches
            self.pass_no = batches.next_pass

        @property
        def num_batches(self):
            b = self.batches
            return None if b.steps is not None else b.per_pass

        def __getitem__(self, i):
            b = self.batches
            if b.steps is not None:  # Keras keeps one iterator across `steps` epochs
                return b.at(b.base + i)
            return b.get(self.pass_no if b.pass_of_fit is None else b.pass_of_fit, i)

        def on_epoch_end(self):
            if self.batches.shuffle:
                self.pass_no += 1

    return Batches


def _py_dataset(batches: TokenBatches):
    return _batches_class()(batches)
