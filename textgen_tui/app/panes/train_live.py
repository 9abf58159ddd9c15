"""The live view of a training run: epoch, progress, metrics, loss chart and per-epoch samples."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, ProgressBar, Sparkline, Static

from textgen_tui.app.render import printout
from textgen_tui.core import events as ev

MAX_CHART_POINTS = 400


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class SampleView(Static):
    """One epoch's printout; pieces stream in."""

    def __init__(self, epoch: int, seed: str, temperatures: tuple[float, ...]) -> None:
        super().__init__(classes="sample")
        self.epoch = epoch
        self.seed = seed
        self.temperatures = temperatures
        self.texts = ["" for _ in temperatures]

    def on_mount(self) -> None:
        self.refresh_text()

    def add(self, pieces: tuple[str, ...]) -> None:
        self.texts = [t + p for t, p in zip(self.texts, pieces)]
        self.refresh_text()

    def finish(self, texts: tuple[str, ...]) -> None:
        self.texts = list(texts)
        self.refresh_text()

    def refresh_text(self) -> None:
        self.update(
            printout(self.seed, self.temperatures, self.texts, f"Epoch {self.epoch}: generating with seed")
        )


class LiveView(Vertical):
    """Everything that changes while training runs."""

    def compose(self) -> ComposeResult:
        yield Static("Not training. Load a corpus, check the settings, press F5 to start.", id="train-status")
        yield ProgressBar(total=1, id="epoch-progress", show_eta=False)
        yield Static("", id="train-metrics")
        yield Label("loss per batch", id="chart-label")
        yield Sparkline([], id="loss-chart")
        yield Static("", id="epoch-losses")
        yield VerticalScroll(id="samples")

    def on_mount(self) -> None:
        self.losses: list[float] = []
        self.epoch_lines: list[str] = []
        self.current: SampleView | None = None

    def reset(self, message: str) -> None:
        self.losses = []
        self.epoch_lines = []
        self.current = None
        self.query_one("#loss-chart", Sparkline).data = []
        self.query_one("#epoch-losses", Static).update("")
        self.query_one("#train-metrics", Static).update("")
        self.query_one("#epoch-progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#samples", VerticalScroll).remove_children()
        self.set_status(message)

    def set_status(self, text: str) -> None:
        self.query_one("#train-status", Static).update(text)

    # -- events ---------------------------------------------------------------------------------
    def started(self, e: ev.Started) -> None:
        self.set_status(
            f"Epoch {e.initial_epoch + 1} of {e.epochs} · {e.params:,} parameters · "
            f"{e.vocab_size} tokens · {e.batches_per_epoch} batches per epoch"
        )
        self.query_one("#epoch-progress", ProgressBar).update(total=e.batches_per_epoch, progress=0)

    def show_batch(self, e: ev.BatchProgress) -> None:
        self.set_status(f"Epoch {e.epoch} of {e.epochs} · batch {e.batch}/{e.batches}")
        self.query_one("#epoch-progress", ProgressBar).update(total=e.batches, progress=e.batch)
        self.query_one("#train-metrics", Static).update(
            f"loss {e.loss:.4f}   lr {e.learning_rate:.3g}   {e.tokens_per_second:,.0f} tok/s   "
            f"ETA {clock(e.eta_seconds)}   elapsed {clock(e.elapsed)}"
        )
        if e.loss == e.loss:  # not NaN
            self.losses.append(e.loss)
            del self.losses[:-MAX_CHART_POINTS]
            self.query_one("#loss-chart", Sparkline).data = list(self.losses)

    def epoch_end(self, e: ev.EpochEnd) -> None:
        val = "—" if e.val_loss is None else f"{e.val_loss:.4f}"
        mark = " ✓ best" if e.best else ""
        self.epoch_lines.append(f"epoch {e.epoch}: loss {e.loss:.4f}  val {val}  ({e.seconds:.0f}s){mark}")
        self.query_one("#epoch-losses", Static).update("\n".join(self.epoch_lines[-3:]))
        self.query_one("#train-metrics", Static).update(
            f"loss {e.loss:.4f}   val_loss {val}   lr {e.learning_rate:.3g}"
        )

    def sample_started(self, e: ev.SampleStarted) -> None:
        self.current = SampleView(e.epoch, e.seed, e.temperatures)
        samples = self.query_one("#samples", VerticalScroll)
        samples.mount(self.current)
        samples.scroll_end(animate=False)

    def sample_chunk(self, epoch: int, pieces: tuple[str, ...]) -> None:
        if self.current is not None and self.current.epoch == epoch:
            self.current.add(pieces)
            self.query_one("#samples", VerticalScroll).scroll_end(animate=False)

    def sample_finished(self, e: ev.SampleFinished) -> None:
        if self.current is not None and self.current.epoch == e.epoch:
            self.current.finish(e.texts)
            self.query_one("#samples", VerticalScroll).scroll_end(animate=False)
