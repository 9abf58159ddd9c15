"""`tg.train`'s progress display, drawn in the caller's thread from the training events: a Rich
progress bar in a terminal, a live line (an HTML progress bar) in a Jupyter notebook, plain lines
anywhere else (a log file, CI)."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from textgen_tui.core import events as ev

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

NOTEBOOK, TERMINAL, PLAIN = "notebook", "terminal", "plain"
UPDATE_EVERY = 0.5
"""Seconds between two redraws of a notebook's progress line."""


def in_notebook() -> bool:
    """Running in a Jupyter kernel (the shell of an IPython kernel, not a terminal IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 - an IPython too old or half-imported: not a notebook
        return False
    return shell is not None and hasattr(shell, "kernel")


def choose_mode(out: TextIO | None = None) -> str:
    """The display that fits where the output goes."""
    if in_notebook():
        return NOTEBOOK
    stream = out or sys.stdout
    return TERMINAL if getattr(stream, "isatty", lambda: False)() else PLAIN


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _loss(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def started_line(e: ev.Started) -> str:
    """The line a run starts with."""
    length = (
        f"for {_clock(e.budget_seconds)}"
        if e.budget_seconds
        else f"{e.batches_per_epoch:,} batches per epoch"
    )
    resumed = f", resuming after epoch {e.initial_epoch}" if e.initial_epoch else ""
    return (
        f"training {e.preset} model → {e.out_dir}: {e.params:,} parameters, vocabulary {e.vocab_size}, "
        f"{e.train_tokens:,} training / {e.val_tokens:,} validation tokens, {length}{resumed}"
    )


def epoch_line(e: ev.EpochEnd, budget: bool) -> str:
    """The line each epoch ends with."""
    of = "" if budget else f"/{e.epochs}"
    star = "  (best, saved)" if e.best else ""
    return (
        f"epoch {e.epoch}{of}: loss {_loss(e.loss)}, val_loss {_loss(e.val_loss)}, "
        f"lr {e.learning_rate:.3g}, {e.seconds:.1f}s{star}"
    )


def finished_line(e: ev.Finished) -> str:
    """The line a run ends with."""
    best = (
        f"best {e.monitor} {_loss(e.best_value)} at epoch {e.best_epoch}" if e.best_epoch else "no checkpoint"
    )
    return f"done: {e.epochs_run} epoch(s) in {e.seconds:.0f}s, {best}; model folder {e.out_dir}"


class _Status:
    """The notebook's live line: an HTML progress bar, or text where HTML is not shown."""

    def __init__(self, text: str, done: float, total: float) -> None:
        self.text, self.done, self.total = text, done, total

    def _repr_html_(self) -> str:
        from html import escape

        return (
            f'<progress value="{self.done:.3f}" max="{max(self.total, 1e-9):.3f}" '
            f'style="width: 16em; vertical-align: middle"></progress> '
            f"<code>{escape(self.text)}</code>"
        )

    def __repr__(self) -> str:
        share = self.done / self.total if self.total else 0.0
        filled = int(round(20 * min(max(share, 0.0), 1.0)))
        return f"[{'#' * filled}{'.' * (20 - filled)}] {share:4.0%} {self.text}"


class ProgressDisplay:
    """Shows a run as its events arrive: call it with each event, in one thread, then `close`."""

    def __init__(self, mode: str | None = None, out: TextIO | None = None) -> None:
        """`mode`: NOTEBOOK, TERMINAL or PLAIN (None: the one that fits, `choose_mode`); `out`:
        where lines go (standard output by default)."""
        self.mode = mode or choose_mode(out)
        self.out = out
        self.budget = False
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._handle: Any = None
        self._drawn = 0.0

    def __call__(self, event: ev.TrainingEvent) -> None:
        """Show one event."""
        if isinstance(event, ev.Started):
            self.budget = bool(event.budget_seconds)
            self.line(started_line(event))
            if event.changes:
                self.line("changed for this run: " + "; ".join(event.changes))
        elif isinstance(event, ev.BatchProgress):
            self._batch(event)
        elif isinstance(event, ev.EpochEnd):
            self._end_bar()
            self.line(epoch_line(event, self.budget))
        elif isinstance(event, ev.LearningRateReduced):
            self.line(f"learning rate reduced {event.old:.3g} → {event.new:.3g}")
        elif isinstance(event, ev.Stalled):
            self.line(f"training seems stalled: no progress for {event.seconds:.0f}s at epoch {event.epoch}")
        elif isinstance(event, ev.StallCleared):
            self.line(f"training goes on again after {event.seconds:.0f}s")
        elif isinstance(event, ev.Stopped):
            self._end_bar()
            self.line(f"stopped after epoch {event.epoch}: {event.message}")
        elif isinstance(event, ev.Finished):
            self._end_bar()
            self.line(finished_line(event))
        elif isinstance(event, ev.Failed):
            self._end_bar()

    def line(self, text: str) -> None:
        """One line of text, below the bar."""
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, soft_wrap=True)
            return
        print(text, file=self.out or sys.stdout, flush=True)

    def _where(self, e: ev.BatchProgress) -> tuple[str, float, float]:
        if e.budget_seconds:
            where = f"epoch {e.epoch} · {_clock(e.elapsed)} of {_clock(e.budget_seconds)}"
            return where, min(e.elapsed, e.budget_seconds), e.budget_seconds
        return f"epoch {e.epoch}/{e.epochs}", float(e.batch), float(e.batches)

    def _batch(self, e: ev.BatchProgress) -> None:
        where, done, total = self._where(e)
        stats = f"loss {e.loss:.4f}  {e.tokens_per_second:,.0f} tok/s"
        if self.mode == TERMINAL:
            self._terminal_bar(where, done, total, stats)
        elif self.mode == NOTEBOOK:
            now = time.monotonic()
            if self._handle is not None and now - self._drawn < UPDATE_EVERY:
                return
            self._drawn = now
            left = (total - done) if e.budget_seconds else e.eta_seconds
            status = _Status(f"{where}  {stats}  {_clock(left)} left", done, total)
            if self._handle is None:
                from IPython import display as ipython_display

                show: Any = ipython_display.display  # IPython has no type hints
                self._handle = show(status, display_id=True)
            else:
                self._handle.update(status)

    def _terminal_bar(self, where: str, done: float, total: float, stats: str) -> None:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            console = Console(file=self.out, highlight=False, soft_wrap=True)
            self._progress = Progress(
                TextColumn("{task.fields[where]}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[stats]}"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("train", total=total, where=where, stats=stats)
        assert self._task is not None
        self._progress.update(self._task, completed=done, total=total, where=where, stats=stats)

    def _end_bar(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None

    def close(self) -> None:
        """Take the bar away (the lines stay; a notebook's line shows where the run ended)."""
        self._end_bar()
        self._handle = None
