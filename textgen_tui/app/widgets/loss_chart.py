"""The Train pane's loss chart: the smoothed batch loss, the per-epoch training and validation
loss, the epoch boundaries and the best epoch over an x axis in epochs; the learning rate in a
small chart below, on the same x axis.

Data is kept in plain lists (bounded) and drawn from them at most `REDRAW_INTERVAL` apart, so
the cost of drawing does not grow with the rate of events or the length of the run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.widgets import Static
from textual_plot import HiResMode, NumericAxisFormatter, PlotWidget

REDRAW_INTERVAL = 1.0
"""Seconds between two redraws at least: once a second while batches stream in (3 a second cost
the app about 5 % of its training throughput on 2 cores, benchmarks/app_overhead.py)."""
MAX_BATCH_POINTS = 2000
"""Smoothed batch-loss points kept; beyond this, every other one is dropped (coarser, bounded)."""
SMOOTHING = 0.02
"""Weight of one batch in the exponential moving average of the batch loss."""
MAX_BOUNDARIES = 40
"""More epochs than this (or fewer than 3 columns an epoch): no boundary lines."""

BOUNDARY_STYLE = "#4e4e4e"
BATCH_STYLE = "#87afd7"
LOSS_STYLE = "bold #5fafff"
VAL_STYLE = "bold #ffaf00"
BEST_STYLE = "bold #ff5f87"
LR_STYLE = "#87d787"
LOSS_MARK, VAL_MARK, BEST_MARK = "●", "◆", "★"


class CompactFormatter(NumericAxisFormatter):
    """Nice ticks, short labels (0.003, 1e-05): the y axes have a narrow margin."""

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [f"{t:.3g}" for t in ticks]


class Plot(PlotWidget, can_focus=False):
    """A PlotWidget for a live chart: not focusable, no zoom or pan (a redraw would undo them)."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, allow_pan_and_zoom=False)


def nice_ticks(lo: float, hi: float, rows: int) -> list[float]:
    """Ticks at nice values, no more than one every other row (labels must not collide)."""
    if not hi > lo:
        return [lo]
    ticks = NumericAxisFormatter().get_ticks(lo, hi)
    most = max(2, rows // 2)
    step = math.ceil(len(ticks) / most)
    return ticks[::step]


class LossChart(Vertical):
    """The loss of a run as it trains (and, resumed, the epochs before it)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.batch_x: list[float] = []
        self.batch_y: list[float] = []
        """The smoothed batch loss; x in epochs (epoch - 1 + batch / batches)."""
        self.lr_x: list[float] = []
        self.lr_y: list[float] = []
        self.epochs: list[int] = []
        self.loss: list[float] = []
        self.val_loss: list[float | None] = []
        self.best_epoch: int | None = None
        self.x_end = 1.0
        """The right end of the x axis: the end of the epoch being trained."""
        self.redraws = 0
        self._ema: float | None = None
        self._step = 0.0
        self._last_draw = -1e9
        self._pending = False

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-legend")
        yield Plot(id="loss-plot")
        with Vertical(id="lr-box"):
            yield Static(Text.assemble(("⠤⠤", LR_STYLE), " learning rate"), id="lr-label")
            yield Plot(id="lr-plot")

    def on_mount(self) -> None:
        for plot in self.query(Plot):
            plot.margin_top = 0  # the legend line above names the series and axes
            plot.margin_bottom = 1  # tick labels only
            plot.margin_left = 7
            plot.set_y_formatter(CompactFormatter())
        self.redraw()

    # -- data -----------------------------------------------------------------------------------
    def reset(self) -> None:
        self.batch_x, self.batch_y, self.lr_x, self.lr_y = [], [], [], []
        self.epochs, self.loss, self.val_loss = [], [], []
        self.best_epoch = None
        self.x_end = 1.0
        self._ema = None
        self._step = 0.0
        self._changed(now=True)

    def start(self, initial_epoch: int) -> None:
        """A run starts after `initial_epoch` epochs (0 for a new one)."""
        self.x_end = max(self.x_end, initial_epoch + 1.0)
        self._changed(now=True)

    def show_history(self, history: dict, best_epoch: int | None = None) -> None:
        """The epochs a model folder has done (its history.json: lists by key), before going on."""
        epochs = [int(e) for e in history.get("epoch", [])]
        n = len(epochs)

        def column(key: str) -> list:
            values = list(history.get(key, []))[:n]
            return values + [None] * (n - len(values))

        self.epochs = epochs
        self.loss = [math.nan if v is None else float(v) for v in column("loss")]
        self.val_loss = [None if v is None else float(v) for v in column("val_loss")]
        self.lr_x, self.lr_y = [], []
        for epoch, lr in zip(epochs, column("lr")):
            if lr is not None:  # a step per epoch: the rate an epoch started with
                self.lr_x += [epoch - 1.0, float(epoch)]
                self.lr_y += [float(lr), float(lr)]
        if best_epoch not in epochs:
            best_epoch = self._lowest()
        self.best_epoch = best_epoch
        if epochs:
            self.x_end = max(self.x_end, float(max(epochs)))
        self._changed(now=True)

    def add_batch(
        self,
        epoch: int,
        batch: int,
        batches: int,
        loss: float,
        learning_rate: float,
        recent: float | None = None,
    ) -> None:
        """`loss`: Keras' running mean over the epoch so far (it restarts each epoch, so late in an
        epoch it lags far behind); `recent`: the mean of the batches since the previous report,
        plotted when the core sends it."""
        x = epoch - 1 + batch / max(1, batches)
        if recent is not None and math.isfinite(recent):
            loss = recent
        if math.isfinite(loss):
            # The relay drops batches: weigh the new loss by the batches since the last one.
            steps = (x - self._step) * max(1, batches)
            if self._ema is None or steps <= 0:
                self._ema = loss
            else:
                weight = 1 - (1 - SMOOTHING) ** steps
                self._ema += weight * (loss - self._ema)
            self._step = x
            self.batch_x.append(x)
            self.batch_y.append(self._ema)
        if math.isfinite(learning_rate):
            self.lr_x.append(x)
            self.lr_y.append(learning_rate)
        if len(self.batch_x) > MAX_BATCH_POINTS:
            self.batch_x, self.batch_y = self.batch_x[::2], self.batch_y[::2]
        if len(self.lr_x) > MAX_BATCH_POINTS:
            self.lr_x, self.lr_y = self.lr_x[::2], self.lr_y[::2]
        self.x_end = max(self.x_end, float(epoch))
        self._changed()

    def add_epoch(self, epoch: int, loss: float, val_loss: float | None, best: bool) -> None:
        self.epochs.append(epoch)
        self.loss.append(loss)
        self.val_loss.append(val_loss)
        if best:
            self.best_epoch = epoch
        self.x_end = max(self.x_end, float(epoch))
        self._changed(now=True)

    def _lowest(self) -> int | None:
        """The epoch of the lowest validation loss (training loss without validation)."""
        best: tuple[float, int] | None = None
        for epoch, loss, val in zip(self.epochs, self.loss, self.val_loss):
            value = val if val is not None else loss
            if math.isfinite(value) and (best is None or value < best[0]):
                best = (value, epoch)
        return None if best is None else best[1]

    def best_point(self) -> tuple[int, float] | None:
        """(epoch, loss) of the best epoch: its validation loss, or its training loss without one."""
        if self.best_epoch not in self.epochs:
            return None
        i = self.epochs.index(self.best_epoch)
        value = self.val_loss[i] if self.val_loss[i] is not None else self.loss[i]
        return self.best_epoch, value

    # -- drawing --------------------------------------------------------------------------------
    def _changed(self, now: bool = False) -> None:
        """Redraw soon: now if the last redraw is old enough (or `now`: an epoch, a history, a
        new run, which are rare), else once when it is."""
        if not self.is_mounted or (self._pending and not now):
            return
        wait = 0.0 if now else self._last_draw + REDRAW_INTERVAL - time.monotonic()
        if self._pending and now:
            self.call_later(self._draw_due)  # the pending timer may be a second away: sooner
            return
        self._pending = True
        if wait > 0:
            self.set_timer(wait, self._draw_due)
        else:  # (a timer of 0 s divides by zero in Textual)
            self.call_later(self._draw_due)

    def _draw_due(self) -> None:
        if not self._pending:
            return  # drawn already (an urgent redraw overtook the timer)
        self._pending = False
        self.redraw()

    def on_resize(self, event: Resize) -> None:
        self._changed(now=True)  # tick spacing depends on the size (and resizes are rare)

    def redraw(self) -> None:
        self._last_draw = time.monotonic()
        self.redraws += 1
        self._draw_legend()
        self._draw_loss()
        self._draw_lr()

    def _draw_legend(self) -> None:
        text = Text.assemble(
            ("⠤⠤", BATCH_STYLE),
            " batch loss (smoothed)  ",
            (LOSS_MARK, LOSS_STYLE),
            " loss  ",
            (VAL_MARK, VAL_STYLE),
            " val_loss  ",
            ("│", BOUNDARY_STYLE),
            " epoch",
        )
        best = self.best_point()
        if best is not None:
            text.append_text(
                Text.assemble("  ", (BEST_MARK, BEST_STYLE), f" best: epoch {best[0]} ({best[1]:.4f})")
            )
        self.query_one("#chart-legend", Static).update(text)

    def _x_axis(self, plot: Plot) -> None:
        width = max(1, plot.size.width - plot.margin_left - 2)
        # One column more than the epochs: the last epoch's markers would sit on the frame.
        plot.set_xlimits(0.0, self.x_end * (1 + 1 / max(1, width - 1)))
        if self.x_end <= 12:  # few epochs: a tick at each (labels are one or two digits)
            ticks = [float(e) for e in range(int(self.x_end) + 1)]
            plot.set_xticks(ticks if len(ticks) * 3 <= width else ticks[:: math.ceil(len(ticks) * 3 / width)])
        else:
            plot.set_xticks(None)

    def _draw_loss(self) -> None:
        plot = self.query_one("#loss-plot", Plot)
        plot.clear()
        self._x_axis(plot)
        ys = [
            y
            for y in (*self.batch_y, *self.loss, *(v for v in self.val_loss if v is not None))
            if math.isfinite(y)
        ]
        if not ys:
            plot.set_ylimits(0.0, 1.0)
            plot.set_yticks([])
            return
        lo, hi = min(ys), max(ys)
        pad = (hi - lo) * 0.05 or 0.05
        lo, hi = lo - pad, hi + pad
        plot.set_ylimits(lo, hi)
        rows = max(1, plot.size.height - plot.margin_bottom - 2)
        plot.set_yticks(nice_ticks(lo, hi, rows))
        # Drawn first, so the curves and markers come over them.
        columns = plot.size.width - plot.margin_left - 2
        if self.x_end <= MAX_BOUNDARIES and self.x_end * 3 <= columns:  # else they hide the curves
            for epoch in range(1, math.ceil(self.x_end)):
                plot.plot([epoch, epoch], [lo, hi], line_style=BOUNDARY_STYLE, hires_mode=HiResMode.BRAILLE)
        if self.batch_x:
            bx, by = self._thin(self.batch_x, self.batch_y, 2 * plot.size.width)
            plot.plot(bx, by, line_style=BATCH_STYLE, hires_mode=HiResMode.BRAILLE)
        if self.epochs:
            plot.plot(self.epochs, self.loss, line_style=LOSS_STYLE, hires_mode=HiResMode.BRAILLE)
            val = [(e, v) for e, v in zip(self.epochs, self.val_loss) if v is not None]
            if val:
                plot.plot(*zip(*val), line_style=VAL_STYLE, hires_mode=HiResMode.BRAILLE)
            plot.scatter(self.epochs, self.loss, marker=LOSS_MARK, marker_style=LOSS_STYLE)
            if val:
                plot.scatter(*zip(*val), marker=VAL_MARK, marker_style=VAL_STYLE)
        best = self.best_point()
        if best is not None:
            plot.scatter([best[0]], [best[1]], marker=BEST_MARK, marker_style=BEST_STYLE)

    def _draw_lr(self) -> None:
        if not self.query_one("#lr-box").display:
            return  # hidden on short screens
        plot = self.query_one("#lr-plot", Plot)
        plot.clear()
        self._x_axis(plot)
        top = max(self.lr_y, default=0.0)
        top = top * 1.1 if top > 0 else 1.0
        # From zero (a constant rate is a flat line, not noise); a little below, so that the 0
        # tick is inside the frame, not on its corner.
        plot.set_ylimits(-0.05 * top, top)
        rows = max(1, plot.size.height - plot.margin_bottom - 2)
        plot.set_yticks(nice_ticks(0.0, top, rows) if self.lr_y else [])
        if self.lr_x:
            lx, ly = self._thin(*self._corners(self.lr_x, self.lr_y), 2 * plot.size.width)
            plot.plot(lx, ly, line_style=LR_STYLE, hires_mode=HiResMode.BRAILLE)

    @staticmethod
    def _corners(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
        """The points where the rate changes (a constant rate is two points, not thousands)."""
        keep = [i for i in range(len(xs)) if i in (0, len(xs) - 1) or not ys[i - 1] == ys[i] == ys[i + 1]]
        return [xs[i] for i in keep], [ys[i] for i in keep]

    @staticmethod
    def _thin(xs: list[float], ys: list[float], most: int) -> tuple[list[float], list[float]]:
        """At most `most` points (about two per column in braille): drawing more shows nothing more."""
        step = max(1, math.ceil(len(xs) / max(1, most)))
        if step == 1:
            return xs, ys
        return xs[::step] + xs[-1:], ys[::step] + ys[-1:]
