"""The live view of a training run: epoch, progress, metrics, loss chart and per-epoch samples."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.widgets import ProgressBar, Static

from textgen_tui.app.widgets.loss_chart import LossChart
from textgen_tui.app.widgets.sample_stream import SampleScroll, SampleView
from textgen_tui.core import events as ev
from textgen_tui.core.train.plan import clock_text as clock
from textgen_tui.core.train.plan import period_seconds

__all__ = ["COMPACT_HEIGHT", "LiveView", "SampleView", "grouped_changes", "run_summary"]

COMPACT_HEIGHT = 30
"""Shorter than this (an 80×24 terminal), the live view leaves out the learning-rate chart."""


def run_summary(preset_name: str, cfg, e: ev.Started) -> str:
    """One line of the settings a run uses (after sizing: a short budget's 192 units, not 384)."""
    d, m, t = cfg.data, cfg.model, cfg.train
    window = f"maxlen {d.maxlen}" if d.layout != "sequence" else f"seq_len {d.seq_len}"
    length = f"{clock(e.budget_seconds)}" if e.budget_seconds else f"{e.epochs} epochs"
    return (
        f"{preset_name} · {d.tokenizer} · {m.cell} units {m.units}×{m.layers} · {window} · "
        f"batch {t.batch_size} · lr {t.learning_rate:g} · {length}"
    )


def grouped_changes(changes) -> str:
    """ "name: old → new (why)" lines, each reason said once after the settings it changed."""
    by_reason: dict[str, list[str]] = {}
    for line in changes:
        head, sep, why = line.partition(" (")
        if sep and why.endswith(")"):
            by_reason.setdefault(why[:-1], []).append(head)
        else:
            by_reason.setdefault("", []).append(line)
    return "; ".join(", ".join(heads) + (f" ({why})" if why else "") for why, heads in by_reason.items())


class LiveView(Vertical):
    """Everything that changes while training runs."""

    def compose(self) -> ComposeResult:
        yield Static("", id="run-summary")
        yield Static("Not training. Load a corpus, check the settings, press F5 to start.", id="train-status")
        yield ProgressBar(total=1, id="epoch-progress", show_eta=False)
        yield Static("", id="train-metrics")
        yield LossChart(id="loss-chart")
        yield Static("", id="epoch-losses")
        yield SampleScroll(id="samples")

    def on_mount(self) -> None:
        self.epoch_lines: list[str] = []
        self.current: SampleView | None = None

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.height < COMPACT_HEIGHT, "-compact")

    def show_summary(self, show: bool) -> None:
        self.query_one("#run-summary").display = show

    def set_summary(self, text: str) -> None:
        """The settings in use (the form is folded during a run); `s` shows the form."""
        self.query_one("#run-summary", Static).update(text)

    @property
    def samples(self) -> SampleScroll:
        """The epochs' samples: they follow the newest (also while the pane is hidden: shown
        again, it is the newest that shows) until the user scrolls up; End follows again."""
        return self.query_one(SampleScroll)

    @property
    def chart(self) -> LossChart:
        return self.query_one(LossChart)

    def reset(self, message: str) -> None:
        self.epoch_lines = []
        self.current = None
        self.chart.reset()
        self.query_one("#epoch-losses", Static).update("")
        self.query_one("#train-metrics", Static).update("")
        self.query_one("#epoch-progress", ProgressBar).update(total=1, progress=0)
        self.samples.remove_children()
        self.samples.follow()  # the new run's samples, newest first in view
        self.set_status(message)

    def set_status(self, text: str) -> None:
        self.query_one("#train-status", Static).update(text)

    # -- events ---------------------------------------------------------------------------------
    def started(self, e: ev.Started) -> None:
        if e.budget_seconds:  # the bar runs over the whole budget
            self.set_status(
                f"Training for {clock(e.budget_seconds)} · {e.params:,} parameters · {e.vocab_size} tokens · "
                f"validated each period (about {period_seconds(e.budget_seconds):.0f}s planned)"
            )
            self.query_one("#epoch-progress", ProgressBar).update(total=e.budget_seconds, progress=0)
        else:
            self.set_status(
                f"Epoch {e.initial_epoch + 1} of {e.epochs} · {e.params:,} parameters · "
                f"{e.vocab_size} tokens · {e.batches_per_epoch} batches per epoch"
            )
            self.query_one("#epoch-progress", ProgressBar).update(total=e.batches_per_epoch, progress=0)
        self.chart.start(e.initial_epoch)

    def show_history(self, history: dict, best_epoch: int | None = None) -> None:
        """A resumed run: the epochs its folder has done, charted and listed before the new ones."""
        self.chart.show_history(history, best_epoch)
        chart = self.chart
        self.epoch_lines = [
            self._epoch_line(epoch, loss, val, None, epoch == chart.best_epoch)
            for epoch, loss, val in zip(chart.epochs, chart.loss, chart.val_loss)
        ]
        self._show_epoch_lines()

    def _show_epoch_lines(self) -> None:
        shown = 1 if self.has_class("-compact") else 3
        self.query_one("#epoch-losses", Static).update("\n".join(self.epoch_lines[-shown:]))

    @staticmethod
    def _epoch_line(
        epoch: int, loss: float, val_loss: float | None, seconds: float | None, best: bool
    ) -> str:
        val = "—" if val_loss is None else f"{val_loss:.4f}"
        took = "" if seconds is None else f"  ({seconds:.0f}s)"
        return f"epoch {epoch}: loss {loss:.4f}  val {val}{took}{' ✓ best' if best else ''}"

    def show_batch(self, e: ev.BatchProgress) -> None:
        bar = self.query_one("#epoch-progress", ProgressBar)
        if e.budget_seconds:
            self.set_status(
                f"Epoch {e.epoch} · {clock(e.elapsed)} of {clock(e.budget_seconds)} · batch {e.batch}/{e.batches}"
            )
            bar.update(total=e.budget_seconds, progress=min(e.elapsed, e.budget_seconds))
            eta = max(0.0, e.budget_seconds - e.elapsed)
        else:
            self.set_status(f"Epoch {e.epoch} of {e.epochs} · batch {e.batch}/{e.batches}")
            bar.update(total=e.batches, progress=e.batch)
            eta = e.eta_seconds
        self.query_one("#train-metrics", Static).update(
            f"loss {e.loss:.4f}   lr {e.learning_rate:.3g}   {e.tokens_per_second:,.0f} tok/s   "
            f"ETA {clock(eta)}   elapsed {clock(e.elapsed)}"
        )
        recent = getattr(e, "recent_loss", None)  # the mean of the batches since the last report
        self.chart.add_batch(e.epoch, e.batch, e.batches, e.loss, e.learning_rate, recent)

    def epoch_end(self, e: ev.EpochEnd) -> None:
        val = "—" if e.val_loss is None else f"{e.val_loss:.4f}"
        self.epoch_lines.append(self._epoch_line(e.epoch, e.loss, e.val_loss, e.seconds, e.best))
        self.chart.add_epoch(e.epoch, e.loss, e.val_loss, e.best)
        self._show_epoch_lines()
        self.query_one("#train-metrics", Static).update(
            f"loss {e.loss:.4f}   val_loss {val}   lr {e.learning_rate:.3g}"
        )

    def sample_started(self, e: ev.SampleStarted) -> None:
        self.current = SampleView(e.epoch, e.seed, e.temperatures)
        self.samples.add_epoch(self.current)

    def sample_chunk(self, epoch: int, pieces: tuple[str, ...]) -> None:
        if self.current is not None and self.current.epoch == epoch:
            self.current.add(pieces)
            self.samples.changed()

    def sample_finished(self, e: ev.SampleFinished) -> None:
        if self.current is not None and self.current.epoch == e.epoch:
            self.current.finish(e.texts)
            self.samples.changed()

    def finished(self) -> None:
        """The run is done: its bar full (a budget run ends a little before its budget's clock)."""
        bar = self.query_one("#epoch-progress", ProgressBar)
        bar.update(progress=bar.total or 1)
