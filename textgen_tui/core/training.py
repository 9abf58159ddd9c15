"""Training: `model.fit` with callbacks that emit the training-event stream.

`Trainer.run()` trains in the calling thread (the one that owns TensorFlow); `Trainer.stop()` may
be called from any other thread: it sets `model.stop_training`, the current batch finishes, the
epoch ends normally (validation, checkpoint) and a loadable model folder remains.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from textgen_tui.core import events as ev
from textgen_tui.core.backend import import_keras
from textgen_tui.core.budget import FIRST_PERIOD_STEPS, budget_lr, over_budget, patience_spent, plan_period
from textgen_tui.core.bundle import is_model, load_keras_model, read_info, save_checkpoint
from textgen_tui.core.config import Config, resume_config
from textgen_tui.core.corpus import Corpus
from textgen_tui.core.data import TokenBatches, as_dataset, example_length, split_ids
from textgen_tui.core.errors import BundleError, ConfigError, TextgenError
from textgen_tui.core.folder_txn import JOURNAL, LOCK, FolderBusy, folder_lock, recover
from textgen_tui.core.parallel import SINGLE, Parallel
from textgen_tui.core.tokenizers import fit_tokenizer

PROGRESS_INTERVAL = 0.1  # seconds between BatchProgress events
SEED_COUNT = 16  # random seeds stored in the folder for generation
QUICK_VALIDATION = 1.0  # seconds of validation after a quick stop (quitting)
AGREE_EVERY = 10  # batches between the processes' agreements on stopping (a collective)
BUDGET_EPOCHS = 100_000  # with a time budget, the epochs bound that never binds
LR_EVERY = 0.25  # seconds between learning-rate updates of a budget run (JAX syncs its state)


def check_new_out_dir(out: Path) -> None:
    """A new run writes only into a missing or empty folder, never over a model or a user's files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BundleError(f"{out} is a file: choose another output folder")
    recover(out)  # a crashed first save: committed → finished (then a model), else discarded
    if is_model(out):
        raise BundleError(f"{out} already holds a model: resume it, or choose another output folder")
    if any(p.name not in (LOCK, JOURNAL) for p in out.iterdir()):
        raise BundleError(f"{out} is not empty and is not a model folder: choose another output folder")


def cosine_lr(cfg: Config, step: int, total_steps: int) -> float:
    """The cosine schedule as a function of the step: from the learning rate down to
    `min_lr_fraction` of it over `total_steps` (Keras's CosineDecay with alpha)."""
    t = cfg.train
    lo = t.learning_rate * t.min_lr_fraction
    frac = min(max(step / max(total_steps, 1), 0.0), 1.0)
    return lo + (t.learning_rate - lo) * 0.5 * (1.0 + math.cos(math.pi * frac))


class Trainer:
    def __init__(
        self,
        corpus: Corpus,
        config: Config,
        out_dir: str | Path,
        *,
        listeners: list[ev.Listener] | None = None,
        resume: bool = False,
        overrides: dict | None = None,
        parallel: Parallel = SINGLE,
        tensorboard: str | Path | None = None,
        sizable: frozenset[str] = frozenset(),
    ):
        """`config` is the run's settings for a new folder. Resuming, the folder's own config is
        used with `overrides` (field name → value, what the user asked for) applied: the knobs
        that can change do, the others must match (ConfigError otherwise). `epochs` then means
        epochs to add; without it, the run continues to the total planned before.
        `parallel`: the devices and processes of a data-parallel run; a process other than the
        first neither writes the folder nor samples, and reports only its epochs."""
        self.corpus = corpus
        self.config = config.copy().validate()
        self.out_dir = Path(out_dir).expanduser()
        self.listeners = list(listeners or [])
        self.resume = resume
        self.overrides = dict(overrides or {})
        self.parallel = parallel
        self.tensorboard = tensorboard  # a log folder for TensorBoard, or None
        self.sizable = sizable  # a new run: settings to size by the corpus or the budget (core/sizing.py)
        self._scratch: Path | None = None  # where a non-first process saves (see on_epoch_end)
        self.changes: list[str] = []
        self.model = None  # the model `fit` trains (`carry`: a second one over the same layers)
        self.core = None  # the model that is saved, sampled from and validated
        self._stop = threading.Event()
        self.quick = False
        self.stop_reason: str | None = None
        self.finished: ev.Finished | None = None
        self.epochs_saved = 0
        self.saved_lr: float | None = None  # resuming: the learning rate the folder's optimizer had
        # Liveness, read by the session's watchdog from another thread.
        self.last_beat = time.monotonic()
        self.position: tuple[int, int] = (0, 0)  # (epoch, batch) of the last finished batch
        self.batch_seconds: list[float] = []

    # -- control ------------------------------------------------------------------------------
    def add_listener(self, listener: ev.Listener) -> None:
        self.listeners.append(listener)

    def stop(self, quick: bool = False) -> None:
        """Ask training to stop after the current batch; the epoch is validated and saved.
        `quick` (quitting) cuts that validation short. Safe from any thread."""
        self.quick = self.quick or quick
        self._stop.set()
        model = self.model
        if model is not None:
            model.stop_training = True

    def scratch_file(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="textgen-tui-scratch-"))
        return self._scratch / "model.keras"

    def beat(self) -> None:
        self.last_beat = time.monotonic()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def emit(self, event: ev.TrainingEvent) -> None:
        if not self.parallel.chief and isinstance(event, _CHIEF_ONLY):
            return
        for listener in self.listeners:
            listener(event)

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> ev.Finished:
        """Train; return the Finished event. TextgenError for bad input, before any training."""
        try:
            return self._run()
        except TextgenError:
            raise
        except Exception as exc:
            last_good = str(self.out_dir) if is_model(self.out_dir) else None
            message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            self.emit(ev.Failed(message[:300], last_good))
            raise

    def _prepare(self):
        keras = import_keras()
        cfg = self.config
        if self.resume:
            info = read_info(self.out_dir)
            overrides = dict(self.overrides)
            add = overrides.pop("epochs", None)
            cfg, self.changes = resume_config(info.config, overrides)
            initial = info.resume_epoch
            planned = int(info.state.get("planned_epochs") or 0)
            if add is not None and overrides.get("minutes") is None and cfg.train.minutes is not None:
                self.changes.append(f"minutes: {cfg.train.minutes:g} → none ({add} epochs asked for)")
                cfg.train.minutes = None  # epochs instead of the folder's time budget
            if add is None:  # continue to the total planned before, or run the config's epochs again
                add = planned - initial if planned > initial else cfg.train.epochs
            if cfg.train.minutes is None:
                cfg.train.epochs = int(add)
            cfg.validate()
            self.config = cfg
            tokenizer = info.tokenizer
            ids = tokenizer.encode_seed(self._text()).ids
            assert info.resume_file is not None
            model = load_keras_model(info.resume_file, tokenizer, compile=True)
            state = dict(info.state)
            state["epochs_done"] = initial
            history = {k: list(v)[:initial] for k, v in info.history.items()}
            samples = [s for s in info.samples if int(s.get("epoch", 0)) <= initial]
        else:
            text, lower = self.corpus.text, cfg.data.lowercase
            tokenizer = fit_tokenizer(
                cfg.data.tokenizer, text, cfg.data.max_vocab, lowercase=lower, min_count=cfg.data.min_count
            )
            ids = tokenizer.encode(text, lowercase=lower)
            if self.sizable:
                from textgen_tui.core.sizing import size_for_budget, size_for_words

                train_tokens = int(len(ids) * (1 - cfg.data.val_fraction))
                self.changes += size_for_words(cfg, train_tokens, tokenizer.vocab_size, set(self.sizable))
                self.changes += size_for_budget(cfg, set(self.sizable))
                cfg.validate()
            model = None
            initial = 0
            state = {"epochs_done": 0, "best_value": None, "best_epoch": None}
            history = {}
            samples = []
        split = split_ids(ids, cfg.data)
        par = self.parallel
        if cfg.train.minutes is not None and par.processes > 1:
            raise ConfigError("a time budget (minutes) is for one process: with several, train for epochs")
        train_batches = TokenBatches(
            split.train,
            cfg,
            shuffle=True,
            steps=cfg.train.steps_per_epoch,
            first_pass=initial,
            share=par.share,
            drop_remainder=par.distributed,
            carry=cfg.data.carry if cfg.data.layout == "sequence" and not par.distributed else 1,
        )
        # The cosine schedule runs inside the compiled step (JAX keeps the optimizer's state
        # outside the Python objects while it trains), as a function of the optimizer's step
        # count, which the callback sets to this run's position at the start.
        planned_steps = len(train_batches) * (initial + cfg.train.epochs)
        if cfg.train.minutes is not None:  # the callback sets the rate from the clock
            planned_steps = None
            train_batches.steps = cfg.train.steps_per_epoch or FIRST_PERIOD_STEPS  # endless
        from textgen_tui.core.model import build_model

        if model is None:
            model = build_model(cfg, tokenizer.vocab_size, planned_steps)
            from textgen_tui.core.sampled_softmax import is_sampled, set_proposal

            if is_sampled(model):
                set_proposal(model, split.train)
        else:
            self.saved_lr = _fresh_optimizer(model, cfg, planned_steps)
        fit_model = model
        if train_batches.carry > 1:
            fit_model = _carry_model(model, cfg, train_batches.carry, planned_steps)
        if train_batches.carry != cfg.data.carry and cfg.data.layout == "sequence":
            why = "one device only" if par.distributed else "the corpus is short for runs of that many"
            self.changes.append(f"carry: {cfg.data.carry} → {train_batches.carry} ({why})")
        state["planned_epochs"] = initial + cfg.train.epochs if cfg.train.minutes is None else 0
        state["budget_minutes"] = cfg.train.minutes
        state["corpus"] = {
            "source": self.corpus.source,
            "characters": len(self.corpus.text),
            "encoding": self.corpus.encoding,
            "lowercase": cfg.data.lowercase,
        }
        state["params"] = int(model.count_params())
        rng = np.random.default_rng(cfg.train.seed)
        state["seeds"] = [_random_seed(split.train, tokenizer, cfg, rng) for _ in range(SEED_COUNT)]
        return keras, cfg, tokenizer, split, train_batches, model, fit_model, state, history, samples

    def _text(self) -> str:
        return self.corpus.text.lower() if self.config.data.lowercase else self.corpus.text

    def _run(self) -> ev.Finished:
        if not self.parallel.chief:  # the first process owns the folder
            try:
                with self.parallel.scope():
                    return self._locked_run()
            finally:
                if self._scratch is not None:
                    shutil.rmtree(self._scratch, ignore_errors=True)
        if self.resume:
            read_info(self.out_dir)  # a missing or broken folder: its clear error, before the lock
        else:
            check_new_out_dir(self.out_dir)
            self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            with folder_lock(self.out_dir), self.parallel.scope():
                return self._locked_run()
        except FolderBusy:
            raise BundleError(f"{self.out_dir} is being trained by another session") from None
        finally:
            if not self.resume and self.epochs_saved == 0:
                _remove_if_empty(self.out_dir)

    def _locked_run(self) -> ev.Finished:
        keras, cfg, tokenizer, split, train_batches, core, model, state, history, samples = self._prepare()
        self.model, self.core = model, core
        if self._stop.is_set():
            model.stop_training = True
        initial = int(state.get("epochs_done", 0))
        budget = None if cfg.train.minutes is None else cfg.train.minutes * 60.0
        total = initial + (cfg.train.epochs if budget is None else BUDGET_EPOCHS)
        par = self.parallel
        batches = len(train_batches)
        train_ds = as_dataset(train_batches)
        val_ds = None
        if split.val is not None:
            val_ds = as_dataset(
                TokenBatches(split.val, cfg, shuffle=False, share=par.share, drop_remainder=par.distributed)
            )
        monitor = "val_loss" if val_ds is not None else "loss"
        state["monitor"] = monitor
        self.emit(
            ev.Started(
                str(self.out_dir),
                total,
                initial,
                batches,
                tokenizer.vocab_size,
                int(core.count_params()),
                len(split.train),
                0 if split.val is None else len(split.val),
                cfg.preset,
                tuple(self.changes),
                budget,
            )
        )
        recorder = _EventCallback(
            self, cfg, tokenizer, split, state, history, samples, monitor, total, batches
        )
        callbacks: list = []  # NaN is caught by the recorder (Keras's TerminateOnNaN waits for every step)
        # With a budget the rate follows the clock and the recorder counts the patience: each
        # period is its own `fit`, and Keras's callbacks would forget their counts between them.
        if cfg.train.reduce_lr_patience > 0 and cfg.train.schedule == "plateau" and budget is None:
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor=monitor,
                    factor=cfg.train.reduce_lr_factor,
                    patience=cfg.train.reduce_lr_patience,
                    min_lr=1e-6,
                    verbose=0,
                )
            )
        if cfg.train.early_stopping_patience > 0 and budget is None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor, patience=cfg.train.early_stopping_patience, verbose=0
                )
            )
        if self.tensorboard and par.chief:
            from textgen_tui.core.tensorboard_log import TensorBoardLog

            self.add_listener(TensorBoardLog(self.tensorboard))
            if keras.backend.backend() == "tensorflow":  # Keras's own logs, where its callback works
                callbacks.append(
                    keras.callbacks.TensorBoard(
                        str(Path(self.tensorboard).expanduser()), write_graph=False, profile_batch=0
                    )
                )
        callbacks.append(recorder)  # last: it sees what the others decided this epoch
        start = time.monotonic()
        if budget is None:
            model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=total,
                initial_epoch=initial,
                steps_per_epoch=cfg.train.steps_per_epoch,
                validation_steps=cfg.train.validation_steps,
                callbacks=callbacks,
                shuffle=False,  # the dataset shuffles itself
                verbose=0,
            )
        else:
            self._fit_periods(model, train_ds, val_ds, train_batches, callbacks, recorder, initial)
        if recorder.nan:
            last_good = str(self.out_dir) if is_model(self.out_dir) else None
            where = f"the best model so far is in {last_good}" if last_good else "no model was saved"
            self.emit(ev.Stopped(recorder.epoch, "nan", f"the loss became NaN; {where}"))
            if last_good is None:
                self.emit(ev.Failed("the loss became NaN before any epoch finished", None))
                raise TextgenError(
                    "training diverged (NaN loss) before any epoch finished: lower the learning rate"
                )
        self.finished = ev.Finished(
            str(self.out_dir),
            int(state["epochs_done"]) - initial,
            int(state["epochs_done"]),
            state.get("best_epoch"),
            state.get("best_value"),
            monitor,
            time.monotonic() - start,
            history,
        )
        self.emit(self.finished)
        return self.finished

    def _fit_periods(self, model, train_ds, val_ds, train_batches, callbacks, recorder, initial) -> None:
        """A budget run: one `fit` per validation period, each as long as the recorder planned
        from the measured step time. The batches run on through the passes (the datasets start
        where the last period stopped), so the sequence is the same as one long run's."""
        cfg = self.config
        epoch = initial
        steps = cfg.train.steps_per_epoch or FIRST_PERIOD_STEPS
        while steps:
            recorder.period_steps = steps
            model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epoch + 1,
                initial_epoch=epoch,
                steps_per_epoch=steps,
                validation_steps=cfg.train.validation_steps,
                callbacks=callbacks,
                shuffle=False,
                verbose=0,
            )
            train_batches.base += recorder.batches_done
            epoch += 1
            if recorder.run_over or recorder.nan or self.stop_requested:
                return
            steps = recorder.next_steps


def _remove_if_empty(folder: Path) -> None:
    """A new run that saved nothing leaves no folder behind (only its lock file, if anything)."""
    try:
        leftovers = [p for p in folder.iterdir() if p.name != ".lock"]
        if not leftovers:
            (folder / ".lock").unlink(missing_ok=True)
            folder.rmdir()
    except OSError:
        pass


def _fresh_optimizer(model, cfg: Config, total_steps: int | None = None) -> float | None:
    """Compile a resumed model with an optimizer built from the run's settings (a plain learning
    rate that the schedule callback sets each batch) and carry the saved optimizer's state over:
    step count and moments. A model saved without an optimizer starts a fresh one."""
    from textgen_tui.core.model import compile_model

    old = getattr(model, "optimizer", None)  # Keras 3: no attribute at all when never compiled
    old_vars = [] if old is None or not old.built else list(old.variables)
    old_lr = float(np.asarray(old.learning_rate)) if old_vars else None
    compile_model(model, cfg, total_steps)
    if not old_vars:
        model.optimizer.build(model.trainable_variables)
        return None
    return old_lr if _take_state(model, old_vars) else None  # another kind: the fresh one stays


def _take_state(model, old_vars) -> bool:
    """Build `model`'s optimizer and give it `old_vars`' state (step count and moments, not the
    rate); False, leaving it fresh, when the two optimizers' variables do not pair up."""
    new = model.optimizer
    new.build(model.trainable_variables)

    def state_vars(variables):
        return [v for v in variables if not v.path.endswith("learning_rate")]

    pairs = list(zip(state_vars(new.variables), state_vars(old_vars)))
    if len(state_vars(new.variables)) != len(state_vars(old_vars)) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in pairs
    ):
        return False
    for a, b in pairs:
        a.assign(b.value)
    return True


def _carry_model(core, cfg: Config, chunks: int, total_steps: int | None):
    """The model that trains `core` with its state carried over `chunks` batches (core/carry.py),
    compiled with `core`'s optimizer state (a resumed run's moments), which `core` then saves."""
    from textgen_tui.core.carry import carry_model
    from textgen_tui.core.model import compile_model

    model = carry_model(core, chunks, cfg.train.batch_size)
    compile_model(model, cfg, total_steps)
    if core.optimizer.built:  # resuming: `_fresh_optimizer` gave the core the saved state
        _take_state(model, core.optimizer.variables)
    core.optimizer = model.optimizer  # one optimizer: saved with the core model, resumed from it
    return model


def _random_seed(ids: np.ndarray, tokenizer, cfg: Config, rng) -> str:
    """About `maxlen` tokens of the corpus, starting after a space so no word is cut in two."""
    n = min(cfg.data.maxlen, len(ids) - 1)
    start = int(rng.integers(0, max(1, len(ids) - 2 * n)))
    text = tokenizer.decode(ids[start : start + 2 * n])
    length = len(tokenizer.decode(ids[start : start + n]))
    cut = next((i + 1 for i, c in enumerate(text[: len(text) // 2]) if c.isspace()), 0)
    return text[cut : cut + length].strip() or text[:length]


def _lr(model) -> float:
    lr = model.optimizer.learning_rate
    try:
        return float(np.asarray(lr))
    except TypeError:  # a schedule
        return float(np.asarray(lr(model.optimizer.iterations)))


def _build_event_callback_class():
    keras = import_keras()

    class EventCallback(keras.callbacks.Callback):
        def __init__(self, trainer, cfg, tokenizer, split, state, history, samples, monitor, total, batches):
            super().__init__()
            self.trainer = trainer
            self.cfg = cfg
            self.tokenizer = tokenizer
            self.split = split
            self.state = state
            self.history = history
            self.samples = samples
            self.monitor = monitor
            self.total = total
            self.batches = batches
            self.nan = False
            self.epoch = 0
            self.rng = np.random.default_rng(cfg.train.seed + 1 + int(state.get("epochs_done", 0)))
            self.tokens_per_batch = cfg.train.batch_size * example_length(cfg.data)
            self.best = state.get("best_value")
            # A time budget (seconds): the periods' plan and the clock the rate follows.
            self.budget = None if cfg.train.minutes is None else cfg.train.minutes * 60.0
            self.t0: float | None = None
            self.period_steps = batches
            self.next_steps: int | None = None
            self.batches_done = 0
            self.run_over = False
            self.cut = False
            self.lr_now = cfg.train.learning_rate
            self.t_lr = 0.0
            self.t_last_batch = 0.0  # when this period's last batch ended
            self.period_batch_seconds: list[float] = []

        # batches -------------------------------------------------------------------------
        def on_train_begin(self, logs=None):
            if self.budget is not None:  # called again by every period's fit
                if self.t0 is None:
                    self.t0 = self.t_train = time.monotonic()
                self._apply_lr(force=True)
                return
            self.t_train = time.monotonic()
            if self.cfg.train.schedule == "plateau":
                self.model.optimizer.learning_rate.assign(self._planned_lr(0))
            else:  # the schedule's position: where this run starts in the planned total
                initial = int(self.state.get("epochs_done", 0))
                self.model.optimizer.iterations.assign(initial * self.batches)

        def _budget_share(self) -> float:
            return (time.monotonic() - (self.t0 or time.monotonic())) / self.budget

        def _apply_lr(self, force: bool = False) -> None:
            """Budget runs: set the rate the clock says, at most every LR_EVERY seconds. JAX keeps
            the optimizer's state outside its variables during an epoch: sync it first, so the
            next step reads the new rate."""
            now = time.monotonic()
            if not force and now - self.t_lr < LR_EVERY:
                return
            self.t_lr = now
            self.lr_now = budget_lr(self.cfg, self._budget_share())
            sync = getattr(self.model, "jax_state_sync", None)
            if sync is not None:
                sync()
            self.model.optimizer.learning_rate.assign(self.lr_now)

        def _planned_lr(self, step: int) -> float:
            t = self.cfg.train
            if t.schedule == "cosine":
                return cosine_lr(self.cfg, step, self.batches * self.total)
            saved = self.trainer.saved_lr
            if saved is not None and "learning_rate" not in self.trainer.overrides:
                return saved  # plateau: keep what the last run had lowered it to
            return t.learning_rate

        def on_epoch_begin(self, epoch, logs=None):
            if self.budget is not None:
                self.batches = self.period_steps
                self.batches_done = 0
                self.period_batch_seconds = []
            self.epoch = epoch + 1
            self.t_epoch = time.monotonic()
            self.t_last = 0.0
            self.t_batch = self.t_epoch
            self.lr_begin = self._current_lr(0)
            self.trainer.beat()

        def _current_lr(self, batch: int) -> float:
            """The rate at `batch` of this epoch: the cosine schedule is a function of the position
            in the whole run's planned length, which a resumed run re-plans (no Keras schedule
            object is frozen into the save)."""
            if self.budget is not None:
                return self.lr_now
            if self.cfg.train.schedule == "cosine":
                step = (self.epoch - 1) * self.batches + batch
                return cosine_lr(self.cfg, step, self.batches * self.total)
            return _lr(self.model)

        def _agreed_stop(self) -> bool:
            """The user's Stop; in a multi-process run, anyone's (each process must ask at the
            same points: it is a collective)."""
            trainer = self.trainer
            stop = trainer.stop_requested
            if trainer.parallel.processes > 1:
                stop = trainer.parallel.any(stop)
                if stop and not trainer.stop_requested:
                    trainer.stop()
            return stop

        def on_train_batch_end(self, batch, logs=None):
            if self.trainer.parallel.processes == 1 or (batch + 1) % AGREE_EVERY == 0:
                if self._agreed_stop():
                    self.model.stop_training = True
            now = time.monotonic()
            trainer = self.trainer
            trainer.batch_seconds.append(now - self.t_batch)
            del trainer.batch_seconds[:-200]
            done = batch + 1
            if self.budget is not None:
                self.period_batch_seconds.append(now - self.t_batch)
                self.batches_done = done
                self.t_last_batch = now
                if over_budget(now - self.t0, self.budget):
                    self.cut = True  # slower than planned: end the period (it validates and saves)
                    self.model.stop_training = True
                else:
                    self._apply_lr()
            self.t_batch = now
            trainer.position = (self.epoch, done)
            trainer.beat()
            if done != 1 and done != self.batches and now - self.t_last < PROGRESS_INTERVAL:
                return  # reading the loss waits for the step: JAX would lose its asynchrony
            loss = float((logs or {}).get("loss", math.nan))
            if not math.isfinite(loss):
                self.nan = True
                self.model.stop_training = True
            self.t_last = now
            spent = now - self.t_epoch
            per_batch = spent / done
            lr = (
                self._current_lr(done)
                if self.cfg.train.schedule == "cosine" or self.budget
                else self.lr_begin
            )
            trainer.emit(
                ev.BatchProgress(
                    self.epoch,
                    self.total,
                    done,
                    self.batches,
                    loss,
                    lr,
                    self.tokens_per_batch / per_batch if per_batch > 0 else 0.0,
                    max(0.0, (self.batches - done) * per_batch),
                    now - self.t_train,
                    self.budget,
                )
            )

        def on_test_begin(self, logs=None):
            self.t_test = time.monotonic()
            self.trainer.beat()

        def on_test_batch_end(self, batch, logs=None):
            self.trainer.beat()
            if self.trainer.quick and time.monotonic() - self.t_test > QUICK_VALIDATION:
                self.model.stop_evaluating = True  # quitting: a partial validation will do
                self.partial_validation = True

        # epochs --------------------------------------------------------------------------
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.trainer.beat()
            seconds = time.monotonic() - self.t_epoch
            loss = float(logs.get("loss", math.nan))
            val = logs.get("val_loss")
            val = None if val is None else float(val)
            value = val if self.monitor == "val_loss" else loss
            if value is not None and not math.isfinite(value):
                self.nan = True
            lr_now = _lr(self.model)
            h = self.history
            for key, v in (
                ("epoch", epoch + 1),
                ("loss", loss),
                ("val_loss", val),
                ("lr", self.lr_begin),
                ("seconds", seconds),
            ):
                h.setdefault(key, []).append(v)
            self.state["epochs_done"] = epoch + 1
            partial = getattr(self, "partial_validation", False)
            best = (
                not partial
                and value is not None
                and math.isfinite(value)
                and (self.best is None or value < self.best)
            )
            self.trainer.emit(ev.EpochEnd(epoch + 1, self.total, loss, val, self.lr_begin, seconds, best))
            if (
                self.cfg.train.schedule == "plateau"
                and self.budget is None
                and lr_now < self.lr_begin * 0.999
            ):
                self.trainer.emit(ev.LearningRateReduced(epoch + 1, self.lr_begin, lr_now))
            from textgen_tui.core.generation import RecurrentNet

            chief = self.trainer.parallel.chief
            core = self.trainer.core
            net = RecurrentNet.from_keras(core) if chief else None  # the shells generate from this
            user_stop = self._agreed_stop()
            if user_stop:
                self.model.stop_training = True
            if not user_stop and not self.nan and chief:
                self._sample(epoch + 1, net)
            if best:
                self.best = value
                self.state["best_value"] = value
                self.state["best_epoch"] = epoch + 1
            out = self.trainer.out_dir
            if not chief and (not self.nan or best):
                # Saving runs collectives in multi-process JAX: every process saves as often as
                # the first one, the others into a scratch file they throw away.
                core.save(self.trainer.scratch_file(), overwrite=True)
            if chief and (not self.nan or best):
                save_checkpoint(
                    out,
                    config=self.cfg,
                    tokenizer=self.tokenizer,
                    state=self.state,
                    history=self.history,
                    samples=self.samples,
                    model=core,
                    epoch=epoch + 1,
                    best=best,
                )
                self.trainer.epochs_saved += 1
                self.trainer.beat()
            self.trainer.emit(ev.Snapshot(epoch + 1, net, self.tokenizer, self.cfg))
            if best:
                self.trainer.emit(ev.CheckpointSaved(epoch + 1, str(out), self.monitor, value))
            if self.trainer.parallel.processes == 1:  # Stop may come while we sampled
                user_stop = user_stop or self.trainer.stop_requested
            if user_stop:
                self.trainer.stop_reason = "user"
                self.trainer.emit(ev.Stopped(epoch + 1, "user", "stopped by request"))
            elif self.budget is not None:
                if not self.nan:
                    self._end_of_period(epoch + 1)
            elif self.model.stop_training and not self.nan:
                self.trainer.stop_reason = "early_stopping"
                self.trainer.emit(
                    ev.Stopped(epoch + 1, "early_stopping", f"no {self.monitor} improvement; best epoch kept")
                )

        def _end_of_period(self, epoch: int) -> None:
            """A budget run after its period `epoch`: stop for patience or for the budget, else
            plan the next period from this one's step time and end-of-period seconds."""
            t = self.cfg.train
            now = time.monotonic()
            best_epoch = self.state.get("best_epoch")
            if patience_spent(epoch, best_epoch, t.early_stopping_patience, now - self.t0, self.budget):
                self._over(epoch, "early_stopping", f"no {self.monitor} improvement; best epoch kept")
                return
            times = self.period_batch_seconds[1:] or self.period_batch_seconds  # the first compiles
            step = float(np.median(times)) if times else 1.0
            overhead = now - self.t_last_batch
            remaining = self.budget - (now - self.t0)
            plan = None if self.cut else plan_period(remaining, step, overhead, self.budget)
            if plan is not None and t.steps_per_epoch:  # fixed periods: the next one must fit whole
                fits = remaining >= t.steps_per_epoch * step + overhead
                plan = None if not fits else plan
            if plan is None:
                kept = f"; best epoch {best_epoch} kept" if best_epoch else ""
                self._over(epoch, "budget", f"the {t.minutes:g}-minute budget is spent{kept}")
                return
            self.next_steps = t.steps_per_epoch or plan.steps

        def _over(self, epoch: int, reason: str, message: str) -> None:
            self.run_over = True
            self.trainer.stop_reason = reason
            self.trainer.emit(ev.Stopped(epoch, reason, message))

        def _sample(self, epoch: int, net) -> None:
            from textgen_tui.core.generation import Generator

            s = self.cfg.sample
            maxlen = self.cfg.data.maxlen
            generator = Generator(net, self.tokenizer, maxlen)
            train = self.split.train
            n = min(maxlen, len(train) - 1)
            start = int(self.rng.integers(0, max(1, len(train) - n)))
            seed_ids = train[start : start + n]
            seed = self.tokenizer.decode(seed_ids)
            temps = tuple(float(t) for t in s.temperatures)
            self.trainer.emit(ev.SampleStarted(epoch, seed, temps))
            parts: list[list[str]] = [[] for _ in temps]
            vocab = self.tokenizer.vocab
            for ids in generator.stream_ids(
                seed_ids,
                temps,
                s.length,
                top_k=s.top_k,
                top_p=s.top_p,
                rng_seed=int(self.rng.integers(2**31)),
                exact_window=self.cfg.data.layout == "window",  # the book's semantics for its models
            ):
                pieces = tuple(vocab[i] for i in ids.tolist())
                self.trainer.beat()
                for acc, piece in zip(parts, pieces):
                    acc.append(piece)
                self.trainer.emit(ev.SampleStep(epoch, pieces))
            texts = tuple("".join(p) for p in parts)
            self.samples.append(
                {"epoch": epoch, "seed": seed, "temperatures": list(temps), "texts": list(texts)}
            )
            self.trainer.emit(ev.SampleFinished(epoch, seed, texts, temps))

    return EventCallback


class _LazyCallback:
    """Builds the Keras callback class on first use, so importing this module stays TF-free."""

    cls = None

    def __call__(self, *args, **kwargs):
        if _LazyCallback.cls is None:
            _LazyCallback.cls = _build_event_callback_class()
        return _LazyCallback.cls(*args, **kwargs)


_EventCallback = _LazyCallback()

# What only the first process of a multi-process run reports; the others report their epochs.
_CHIEF_ONLY = (
    ev.BatchProgress,
    ev.SampleStarted,
    ev.SampleStep,
    ev.SampleFinished,
    ev.Snapshot,
    ev.CheckpointSaved,
)
