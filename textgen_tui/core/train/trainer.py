"""Training: a loop of periods (one `model.fit` each), then the trainer's own end of period.

Like nanoGPT's loop: the run plan (core/train/plan.py) says the rate, each period's length and when to
stop; a thin Keras callback (core/train/progress.py) reports progress and honours Stop inside `fit`;
after each period the trainer itself records the history, picks the best epoch, samples and saves
(`_end_period`). `Trainer.run()` trains in the calling thread (the one that owns the
backend); `Trainer.stop()` may be called from any other thread: the current batch finishes, the
period ends normally (validation, checkpoint) and a loadable model folder remains.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textgen_tui.core import events as ev
from textgen_tui.core.config import Config
from textgen_tui.core.errors import BundleError, ConfigError, TextgenError, first_line
from textgen_tui.core.nets.backend import import_keras
from textgen_tui.core.nets.batches import Split, TokenBatches, as_dataset, example_length, split_ids
from textgen_tui.core.nets.parallel import SINGLE, Parallel
from textgen_tui.core.store.folder import is_model, save_checkpoint
from textgen_tui.core.store.journal import JOURNAL, LOCK, FolderBusy, folder_lock, recover
from textgen_tui.core.store.manifest import RunState
from textgen_tui.core.text.tokenizers import fit_tokenizer
from textgen_tui.core.train.fine_tune import base_tokenizer, transfer_weights
from textgen_tui.core.train.plan import FIRST_PERIOD_STEPS, PeriodTimes, Stop, make_plan
from textgen_tui.core.train.progress import Period, Pulse, StopFlag, progress_callback
from textgen_tui.core.train.run_spec import RunSpec

__all__ = ["Trainer", "check_new_out_dir"]

SEED_COUNT = 16  # random seeds stored in the folder for generation
BUDGET_EPOCHS = 100_000  # with a time budget, the epochs bound that never binds


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


@dataclass
class _Run:
    """One run as the loop sees it, built by `_prepare`."""

    cfg: Config
    tokenizer: object
    split: Split
    train_batches: TokenBatches
    core: object
    """The model that is saved, sampled from and validated."""
    model: object
    """The model `fit` trains (`carry`: a second one over the same layers)."""
    state: RunState
    history: dict
    samples: list
    initial: int
    plan: object = None
    monitor: str = "loss"
    total: int = 0
    rng: object = None
    """The per-epoch samples' random numbers."""
    callbacks: list = field(default_factory=list)
    nan: bool = False
    """The loss became NaN (or infinite) in the last period."""


class Trainer:
    def __init__(
        self,
        spec: RunSpec,
        *,
        listeners: list[ev.Listener] | None = None,
        parallel: Parallel = SINGLE,
        tensorboard: str | Path | None = None,
    ):
        """One run of a resolved `spec` (`RunSpec.new` for a new folder, `RunSpec.resumed` to
        continue one). `parallel`: the devices and processes of a data-parallel run; a process
        other than the first neither writes the folder nor samples, and reports only its epochs."""
        self.spec = spec
        self.corpus = spec.corpus
        self.config = spec.config.copy().validate()
        self.out_dir = spec.out_dir
        self.resume = spec.resume
        self.listeners = list(listeners or [])
        self.parallel = parallel
        self.tensorboard = tensorboard  # a log folder for TensorBoard, or None
        self._scratch: Path | None = None  # where a non-first process saves (see _save)
        self.changes: list[str] = []
        self.model = None  # the model `fit` trains
        self.core = None  # the model that is saved, sampled from and validated
        self.flag = StopFlag()
        self.pulse = Pulse()
        self.stop_reason: str | None = None
        self.finished: ev.Finished | None = None
        self.epochs_saved = 0
        self.saved_lr: float | None = None  # resuming: the learning rate the folder's optimizer had

    # -- control ------------------------------------------------------------------------------
    def add_listener(self, listener: ev.Listener) -> None:
        self.listeners.append(listener)

    def stop(self, quick: bool = False) -> None:
        """Ask training to stop after the current batch; the epoch is validated and saved.
        `quick` (quitting) cuts that validation short. Safe from any thread."""
        self.flag.request(quick)
        model = self.model
        if model is not None:
            model.stop_training = True

    @property
    def quick(self) -> bool:
        return self.flag.quick

    @property
    def stop_requested(self) -> bool:
        return self.flag.set

    # Liveness, read by the session's watchdog from another thread.
    @property
    def last_beat(self) -> float:
        return self.pulse.last_beat

    @property
    def position(self) -> tuple[int, int]:
        return self.pulse.position

    @property
    def batch_seconds(self) -> list[float]:
        return self.pulse.batch_seconds

    def beat(self) -> None:
        self.pulse.beat()

    def scratch_file(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="textgen-tui-scratch-"))
        return self._scratch / "model.keras"

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
            self.emit(ev.Failed(f"{type(exc).__name__}: {first_line(exc, 300, empty='')}"[:300], last_good))
            raise

    def _run(self) -> ev.Finished:
        if not self.parallel.chief:  # the first process owns the folder
            try:
                with self.parallel.scope():
                    return self._locked_run()
            finally:
                if self._scratch is not None:
                    shutil.rmtree(self._scratch, ignore_errors=True)
        if not self.resume:
            check_new_out_dir(self.out_dir)
        if not self.resume:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            with folder_lock(self.out_dir), self.parallel.scope():
                return self._locked_run()
        except FolderBusy:
            raise BundleError(f"{self.out_dir} is being trained by another session") from None
        finally:
            if not self.resume and self.epochs_saved == 0:
                _remove_if_empty(self.out_dir)

    # -- preparing ----------------------------------------------------------------------------
    def _tokens(self, spec: RunSpec):
        """(config, tokenizer, ids, state, history, samples): the resumed folder's, or new ones
        (a new run's sizable settings sized by the corpus and the budget here)."""
        cfg = spec.config.copy()
        self.changes = list(spec.changes)
        info = spec.info
        if info is not None:
            text = self.corpus.text.lower() if cfg.data.lowercase else self.corpus.text
            initial = spec.initial
            state = info.state.copy()
            state.epochs_done = initial
            history = {k: list(v)[:initial] for k, v in info.history.items()}
            samples = [s for s in info.samples if int(s.get("epoch", 0)) <= initial]
            return cfg, info.tokenizer, info.tokenizer.encode_seed(text).ids, state, history, samples
        text, lower = self.corpus.text, cfg.data.lowercase
        if spec.base is not None:
            tokenizer, added = base_tokenizer(spec.base, text, lower)
            if added:
                shown = "".join(added[:20]).replace("\n", "\\n") + ("…" if len(added) > 20 else "")
                what = "character" if len(added) == 1 else "characters"
                self.changes.append(
                    f"vocabulary: {tokenizer.vocab_size - len(added)} → {tokenizer.vocab_size} "
                    f"({len(added)} {what} {spec.base.name} lacks added: {shown})"
                )
            return cfg, tokenizer, tokenizer.encode(text, lowercase=lower), RunState(), {}, []
        tokenizer = fit_tokenizer(
            cfg.data.tokenizer,
            text,
            cfg.data.max_vocab,
            lowercase=lower,
            min_count=cfg.data.min_count,
            held_out=cfg.data.val_fraction,  # subword: learned from the training part only
        )
        ids = tokenizer.encode(text, lowercase=lower)
        train_tokens = int(len(ids) * (1 - cfg.data.val_fraction))
        self.changes += spec.sized(cfg, train_tokens, tokenizer.vocab_size)
        return cfg, tokenizer, ids, RunState(), {}, []

    def _prepare(self) -> _Run:
        spec = self.spec
        if self.corpus is None:
            raise TextgenError("no corpus to train on")
        cfg, tokenizer, ids, state, history, samples = self._tokens(spec)
        self.config = cfg
        initial = spec.initial
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
        if cfg.train.minutes is not None:  # periods run on through the passes
            train_batches.steps = cfg.train.steps_per_epoch or FIRST_PERIOD_STEPS
        core, plan = self._core_model(spec, cfg, tokenizer, split, train_batches, initial)
        run = _Run(cfg, tokenizer, split, train_batches, core, core, state, history, samples, initial, plan)
        if train_batches.carry > 1:
            run.model = _carry_model(core, cfg, train_batches.carry, run.plan.optimizer_rate())
        if train_batches.carry != cfg.data.carry and cfg.data.layout == "sequence":
            why = "one device only" if par.distributed else "the corpus is short for runs of that many"
            self.changes.append(f"carry: {cfg.data.carry} → {train_batches.carry} ({why})")
        self._fill_state(run)
        return run

    def _core_model(self, spec: RunSpec, cfg: Config, tokenizer, split: Split, batches, initial: int):
        """(model, plan): the model to train, the resumed one with a fresh optimizer carrying the
        saved state, or a new one; the run plan, which gives the optimizer its rate."""
        from textgen_tui.core.nets.keras_model import build_model

        monitor = "val_loss" if split.val is not None else "loss"
        if spec.info is not None:
            from textgen_tui.core.store.keras_store import load_keras_model

            assert spec.info.resume_file is not None
            model = load_keras_model(spec.info.resume_file, tokenizer, compile=True)
            saved_lr = _saved_rate(model)
            self.saved_lr = saved_lr
            kept = saved_lr if spec.keep_saved_lr else None
            plan = make_plan(cfg, len(batches), initial, kept, monitor)
            if not _fresh_optimizer(model, cfg, plan.optimizer_rate()):  # another kind: a fresh one
                self.saved_lr = None
                plan = make_plan(cfg, len(batches), initial, None, monitor)
            return model, plan
        plan = make_plan(cfg, len(batches), initial, None, monitor)
        model = build_model(cfg, tokenizer.vocab_size, learning_rate=plan.optimizer_rate())
        if spec.base is not None:
            from textgen_tui.core.store.keras_store import load_keras_model

            base = spec.base.info
            assert base.best_file is not None
            transfer_weights(
                load_keras_model(base.best_file, base.tokenizer, compile=False),
                model,
                base.tokenizer.vocab_size,
            )
        from textgen_tui.core.nets.sampled_softmax import is_sampled, set_proposal

        if is_sampled(model):
            set_proposal(model, split.train)
        return model, plan

    def _fill_state(self, run: _Run) -> None:
        cfg, state = run.cfg, run.state
        run.monitor = run.plan.monitor
        run.total = run.initial + (cfg.train.epochs if cfg.train.minutes is None else BUDGET_EPOCHS)
        state.planned_epochs = run.initial + cfg.train.epochs if cfg.train.minutes is None else 0
        state.budget_minutes = cfg.train.minutes
        state.corpus = {
            "source": self.corpus.source,
            "characters": len(self.corpus.text),
            "encoding": self.corpus.encoding,
            "lowercase": cfg.data.lowercase,
        }
        state.params = int(run.model.count_params())
        if self.spec.base is not None:
            state.lineage = self.spec.base.lineage()
        state.monitor = run.monitor
        rng = np.random.default_rng(cfg.train.seed)
        state.seeds = [_random_seed(run.split.train, run.tokenizer, cfg, rng) for _ in range(SEED_COUNT)]
        run.rng = np.random.default_rng(cfg.train.seed + 1 + run.initial)

    # -- the loop -----------------------------------------------------------------------------
    def _locked_run(self) -> ev.Finished:
        run = self._prepare()
        self.model, self.core = run.model, run.core
        if self.flag.set:
            run.model.stop_training = True
        cfg, par = run.cfg, self.parallel
        train_ds = as_dataset(run.train_batches)
        val_ds = None
        if run.split.val is not None:
            val_ds = as_dataset(
                TokenBatches(
                    run.split.val, cfg, shuffle=False, share=par.share, drop_remainder=par.distributed
                )
            )
        self._emit_started(run)
        callback = progress_callback(
            run.plan,
            self.pulse,
            self.flag,
            self.emit,
            self._agreed_stop,
            par.processes,
            cfg.train.batch_size * example_length(cfg.data),
        )
        run.callbacks = [*self._tensorboard_callbacks(), callback]
        run.plan.start(run.model.optimizer)
        start = time.monotonic()
        epoch = run.initial
        while run.plan.more(epoch):
            steps = run.plan.period_steps()
            # One pass an epoch (PyDataset, JAX): the pass after `epoch`, as the single `fit`
            # over all epochs read them before (its first epoch-end count came before any batch).
            run.train_batches.pass_of_fit = epoch + 1
            callback.start_period(Period(epoch + 1, run.total, steps or len(run.train_batches)))
            fitted = run.model.fit(
                train_ds,
                validation_data=val_ds,
                epochs=epoch + 1,
                initial_epoch=epoch,
                steps_per_epoch=steps,
                validation_steps=cfg.train.validation_steps,
                callbacks=run.callbacks,
                shuffle=False,  # the dataset shuffles itself
                verbose=0,
            )
            if run.train_batches.steps is not None:  # the next period's batches follow on
                run.train_batches.base += callback.batches_done
            epoch += 1
            logs = {k: v[-1] for k, v in fitted.history.items() if v}
            if self._end_period(run, epoch, logs, callback):
                break
        return self._finish(run, callback, start)

    def _emit_started(self, run: _Run) -> None:
        split = run.split
        budget = run.plan.budget
        self.emit(
            ev.Started(
                str(self.out_dir),
                run.total,
                run.initial,
                len(run.train_batches),
                run.tokenizer.vocab_size,
                int(run.core.count_params()),
                len(split.train),
                0 if split.val is None else len(split.val),
                run.cfg.preset,
                tuple(self.changes),
                budget,
            )
        )

    def _tensorboard_callbacks(self) -> list:
        if not (self.tensorboard and self.parallel.chief):
            return []
        from textgen_tui.core.train.tensorboard_log import TensorBoardLog

        self.add_listener(TensorBoardLog(self.tensorboard))
        keras = import_keras()
        if keras.backend.backend() != "tensorflow":
            return []
        # Keras's own logs, where its callback works
        path = str(Path(self.tensorboard).expanduser())
        return [keras.callbacks.TensorBoard(path, write_graph=False, profile_batch=0)]

    def _agreed_stop(self) -> bool:
        """The user's Stop; in a multi-process run, anyone's (each process must ask at the same
        points: it is a collective)."""
        stop = self.stop_requested
        if self.parallel.processes > 1:
            stop = self.parallel.any(stop)
            if stop and not self.stop_requested:
                self.stop()
        return stop

    def _finish(self, run: _Run, callback, start: float) -> ev.Finished:
        if run.nan:
            last_good = str(self.out_dir) if is_model(self.out_dir) else None
            where = f"the best model so far is in {last_good}" if last_good else "no model was saved"
            self.emit(ev.Stopped(callback.period.epoch, "nan", f"the loss became NaN; {where}"))
            if last_good is None:
                self.emit(ev.Failed("the loss became NaN before any epoch finished", None))
                raise TextgenError(
                    "training diverged (NaN loss) before any epoch finished: lower the learning rate"
                )
        state = run.state
        self.finished = ev.Finished(
            str(self.out_dir),
            int(state.epochs_done) - run.initial,
            int(state.epochs_done),
            state.best_epoch,
            state.best_value,
            run.monitor,
            time.monotonic() - start,
            run.history,
        )
        self.emit(self.finished)
        return self.finished

    # -- the end of a period: the trainer's own step ------------------------------------------
    def _end_period(self, run: _Run, epoch: int, logs: dict, callback) -> bool:
        """After period `epoch`: history, the plan's rate, samples, saving, the stop. True when the
        run ends here."""
        self.beat()
        seconds = time.monotonic() - callback.t_epoch
        loss = float(logs.get("loss", math.nan))
        val = logs.get("val_loss")
        val = None if val is None else float(val)
        value = val if run.monitor == "val_loss" else loss
        nan = callback.nan or (value is not None and not math.isfinite(value))
        run.nan = nan
        lr_begin = callback.period.lr
        for key, v in (
            ("epoch", epoch),
            ("loss", loss),
            ("val_loss", val),
            ("lr", lr_begin),
            ("seconds", seconds),
        ):
            run.history.setdefault(key, []).append(v)
        state = run.state
        state.epochs_done = epoch
        best = (
            not callback.partial_validation
            and value is not None
            and math.isfinite(value)
            and (state.best_value is None or value < state.best_value)
        )
        self.emit(ev.EpochEnd(epoch, run.total, loss, val, lr_begin, seconds, best))
        lowered = run.plan.judge(epoch, value)
        if lowered is not None:
            run.model.optimizer.learning_rate.assign(lowered)
            self.emit(ev.LearningRateReduced(epoch, lr_begin, _read_lr(run.model)))
        chief = self.parallel.chief
        from textgen_tui.core.nets.numpy_net import RecurrentNet

        net = RecurrentNet.from_keras(run.core) if chief else None  # the shells generate from this
        user_stop = self._agreed_stop()
        # A period stopped by the user has its samples too (Details skipped the epoch), unless
        # the app is quitting: then the save comes first and the prompt back at once.
        if not (user_stop and self.quick) and not nan and chief:
            self._sample(run, epoch, net)
        if best:
            state.best_value, state.best_epoch = value, epoch
        if not nan or best:
            self._save(run, epoch, best)
        self.emit(ev.Snapshot(epoch, net, run.tokenizer, run.cfg))
        if best:
            self.emit(ev.CheckpointSaved(epoch, str(self.out_dir), run.monitor, value))
        if self.parallel.processes == 1:  # Stop may come while we sampled
            user_stop = user_stop or self.stop_requested
        return self._verdict(run, epoch, callback, user_stop, nan)

    def _verdict(self, run: _Run, epoch: int, callback, user_stop: bool, nan: bool) -> bool:
        """Whether the run ends after period `epoch`, with its Stopped event."""
        stop: Stop | None = None
        if user_stop:
            stop = Stop("user", "stopped by request")
        elif not nan:
            times = PeriodTimes(callback.batch_seconds, callback.last_batch_end, callback.cut)
            stop = run.plan.verdict(epoch, run.state.best_epoch, time.monotonic(), times)
        if stop is not None:
            self.stop_reason = stop.reason
            self.emit(ev.Stopped(epoch, stop.reason, stop.message))
        return stop is not None or nan or self.stop_requested

    def _save(self, run: _Run, epoch: int, best: bool) -> None:
        if not self.parallel.chief:
            # Saving runs collectives in multi-process JAX: every process saves as often as the
            # first one, the others into a scratch file they throw away.
            run.core.save(self.scratch_file(), overwrite=True)
            return
        save_checkpoint(
            self.out_dir,
            config=run.cfg,
            tokenizer=run.tokenizer,
            state=run.state,
            history=run.history,
            samples=run.samples,
            model=run.core,
            epoch=epoch,
            best=best,
        )
        self.epochs_saved += 1
        self.beat()

    def _sample(self, run: _Run, epoch: int, net) -> None:
        """The per-epoch samples, streamed as events and kept in the folder's samples."""
        from textgen_tui.core.generate.generator import Generator
        from textgen_tui.core.generate.sampling import SamplingOptions

        cfg, tokenizer = run.cfg, run.tokenizer
        s, maxlen = cfg.sample, cfg.data.maxlen
        generator = Generator.for_config(net, tokenizer, cfg)
        train = run.split.train
        n = min(maxlen, len(train) - 1)
        start = int(run.rng.integers(0, max(1, len(train) - n)))
        seed_ids = tokenizer.whole_characters(train[start : start + n])  # subword: no cut character
        seed = tokenizer.decode(seed_ids)
        temps = tuple(float(t) for t in s.temperatures)
        self.emit(ev.SampleStarted(epoch, seed, temps))
        parts: list[list[str]] = [[] for _ in temps]
        decoder = tokenizer.stream_decoder(len(temps))  # subword: whole characters only
        options = SamplingOptions(top_k=s.top_k, top_p=s.top_p, rng_seed=int(run.rng.integers(2**31)))
        for ids in generator.stream_ids(
            seed_ids,
            temps,
            s.length,
            options,
            exact_window=cfg.data.layout == "window",  # the book's semantics for its models
        ):
            pieces = decoder.feed(ids.tolist())
            self.beat()
            for acc, piece in zip(parts, pieces):
                acc.append(piece)
            self.emit(ev.SampleStep(epoch, pieces))
        for acc, piece in zip(parts, decoder.flush()):
            acc.append(piece)
        texts = tuple("".join(p) for p in parts)
        run.samples.append({"epoch": epoch, "seed": seed, "temperatures": list(temps), "texts": list(texts)})
        self.emit(ev.SampleFinished(epoch, seed, texts, temps))


def _remove_if_empty(folder: Path) -> None:
    """A new run that saved nothing leaves no folder behind (only its lock file, if anything)."""
    try:
        leftovers = [p for p in folder.iterdir() if p.name != ".lock"]
        if not leftovers:
            (folder / ".lock").unlink(missing_ok=True)
            folder.rmdir()
    except OSError:
        pass


def _saved_rate(model) -> float | None:
    """The learning rate a loaded model's optimizer was saved with (None: never compiled)."""
    old = getattr(model, "optimizer", None)  # Keras 3: no attribute at all when never compiled
    if old is None or not old.built or not list(old.variables):
        return None
    return float(np.asarray(old.learning_rate))


def _fresh_optimizer(model, cfg: Config, rate) -> bool:
    """Compile a resumed model with an optimizer built from the run's settings (`rate`: the
    plan's) and carry the saved optimizer's state over: step count and moments. False when the
    model was saved without an optimizer, or with another kind: it starts a fresh one."""
    from textgen_tui.core.nets.keras_model import compile_model

    old = getattr(model, "optimizer", None)
    old_vars = [] if old is None or not old.built else list(old.variables)
    compile_model(model, cfg, rate)
    if not old_vars:
        model.optimizer.build(model.trainable_variables)
        return False
    return _take_state(model, old_vars)


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


def _carry_model(core, cfg: Config, chunks: int, rate):
    """The model that trains `core` with its state carried over `chunks` batches (core/nets/tbptt.py),
    compiled with `core`'s optimizer state (a resumed run's moments), which `core` then saves."""
    from textgen_tui.core.nets.keras_model import compile_model
    from textgen_tui.core.nets.tbptt import carry_model

    model = carry_model(core, chunks, cfg.train.batch_size)
    compile_model(model, cfg, rate)
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


def _read_lr(model) -> float:
    """The optimizer's rate now (a schedule: at its step count)."""
    lr = model.optimizer.learning_rate
    try:
        return float(np.asarray(lr))
    except TypeError:  # a schedule
        return float(np.asarray(lr(model.optimizer.iterations)))


# What only the first process of a multi-process run reports; the others report their epochs.
_CHIEF_ONLY = (
    ev.BatchProgress,
    ev.SampleStarted,
    ev.SampleStep,
    ev.SampleFinished,
    ev.Snapshot,
    ev.CheckpointSaved,
)
