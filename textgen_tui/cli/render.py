"""Training events → the terminal: a Rich progress bar with ETA and the book's colored printout,
or plain lines with --plain."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from textgen_tui.core import events as ev
from textgen_tui.core.train.plan import clock_text, period_seconds

TEMPERATURE_COLORS = ("blue", "green", "yellow", "red", "magenta", "cyan")


def temperature_color(index: int) -> str:
    return TEMPERATURE_COLORS[index % len(TEMPERATURE_COLORS)]


def fmt_loss(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


class RichListener:
    """Renders the event stream with Rich (a live progress bar) or as plain lines."""

    def __init__(self, plain: bool = False, console: Console | None = None, writer: bool = True):
        """`writer`: this process writes the model folder (not so for the other processes of a
        multi-process run, whose lines then say "best" without "saved")."""
        self.plain = plain
        self.writer = writer
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.progress: Progress | None = None
        self.task = None
        self.budget: float | None = None  # seconds, when the run trains for a time budget

    def __call__(self, e: ev.TrainingEvent) -> None:
        handler = getattr(self, f"on_{type(e).__name__}", None)
        if handler:
            handler(e)

    # progress -----------------------------------------------------------------------------
    def _start_bar(self, e: ev.BatchProgress) -> None:
        # A budget run: one bar over the whole budget (elapsed of it, the rest as ETA); else the epoch's.
        budget = bool(e.budget_seconds)
        where = (
            "epoch {task.fields[epoch]} · {task.fields[clock]}"
            if budget
            else "epoch {task.fields[epoch]}/{task.fields[epochs]}"
        )
        self.progress = Progress(
            TextColumn(where),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("loss {task.fields[loss]:.4f}  {task.fields[tps]:,.0f} tok/s"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        total = e.budget_seconds if budget else e.batches
        self.task = self.progress.add_task(
            "train", total=total, epoch=e.epoch, epochs=e.epochs, loss=e.loss, tps=0, clock=""
        )

    def _stop_bar(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def on_Started(self, e: ev.Started) -> None:
        resumed = f", resuming after epoch {e.initial_epoch}" if e.initial_epoch else ""
        self.budget = e.budget_seconds
        length = (
            f"for {clock_text(e.budget_seconds)} (validated about every "
            f"{period_seconds(e.budget_seconds):.0f}s)"
            if e.budget_seconds
            else f"{e.batches_per_epoch:,} batches per epoch"
        )
        self._line(
            f"training {e.preset} model → {e.out_dir}: {e.params:,} parameters, vocabulary {e.vocab_size}, "
            f"{e.train_tokens:,} training / {e.val_tokens:,} validation tokens, {length}{resumed}"
        )
        if e.changes:
            self._line("changed for this run: " + "; ".join(e.changes))

    def on_BatchProgress(self, e: ev.BatchProgress) -> None:
        if self.plain:
            return
        if self.progress is None:
            self._start_bar(e)
        if e.budget_seconds:
            clock = f"{clock_text(e.elapsed)} of {clock_text(e.budget_seconds)}"
            self.progress.update(
                self.task,
                completed=min(e.elapsed, e.budget_seconds),
                epoch=e.epoch,
                loss=e.loss,
                tps=e.tokens_per_second,
                clock=clock,
            )
            return
        self.progress.update(
            self.task, completed=e.batch, total=e.batches, epoch=e.epoch, loss=e.loss, tps=e.tokens_per_second
        )

    def on_EpochEnd(self, e: ev.EpochEnd) -> None:
        self._stop_bar()
        star = ("  (best, saved)" if self.writer else "  (best)") if e.best else ""
        of = "" if self.budget else f"/{e.epochs}"
        self._line(
            f"epoch {e.epoch}{of}: loss {fmt_loss(e.loss)}, val_loss {fmt_loss(e.val_loss)}, "
            f"lr {e.learning_rate:.3g}, {e.seconds:.1f}s{star}"
        )

    def on_SampleFinished(self, e: ev.SampleFinished) -> None:
        if self.plain:
            self._line(f"--- epoch {e.epoch} samples, seed: {e.seed!r}")
            for t, text in zip(e.temperatures, e.texts):
                self._line(f"--- temperature {t:g}\n{e.seed}{text}")
            return
        self.console.print(Text.assemble(("── seed: ", "bold"), (e.seed, "reverse")))
        for i, (t, text) in enumerate(zip(e.temperatures, e.texts)):
            color = temperature_color(i)
            self.console.print(Text(f"── temperature {t:g}", style=f"bold {color}"))
            self.console.print(Text.assemble((e.seed, "dim"), (text, color)))

    def on_LearningRateReduced(self, e: ev.LearningRateReduced) -> None:
        self._line(f"learning rate reduced {e.old:.3g} → {e.new:.3g}")

    def on_Stopped(self, e: ev.Stopped) -> None:
        self._stop_bar()
        self._line(f"stopped after epoch {e.epoch}: {e.message}")

    def on_Finished(self, e: ev.Finished) -> None:
        self._stop_bar()
        best = (
            f"best {e.monitor} {fmt_loss(e.best_value)} at epoch {e.best_epoch}"
            if e.best_epoch
            else "no checkpoint"
        )
        where = f"model folder {e.out_dir}" if self.writer else "process 0 wrote the model folder"
        self._line(f"done: {e.epochs_run} epoch(s) in {e.seconds:.0f}s, {best}; {where}")

    def on_Failed(self, e: ev.Failed) -> None:
        self._stop_bar()

    def on_Stalled(self, e: ev.Stalled) -> None:
        import time

        since = time.strftime("%H:%M:%S", time.localtime(e.since))
        print(
            f"textgen-tui: training seems stalled: no progress since {since} ({e.seconds:.0f}s) "
            f"at epoch {e.epoch}, batch {e.batch}",
            file=sys.stderr,
            flush=True,
        )

    def on_StallCleared(self, e: ev.StallCleared) -> None:
        print(f"textgen-tui: training goes on again after {e.seconds:.0f}s", file=sys.stderr, flush=True)

    def _line(self, text: str) -> None:
        if self.plain:
            print(text, flush=True)
        else:
            self.console.print(text)

    def close(self) -> None:
        self._stop_bar()
        sys.stdout.flush()
