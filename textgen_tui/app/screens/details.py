"""A model's details (its history chart, configuration, corpus and per-epoch samples) and two
models compared on one chart. Screens opened from the Models pane."""

from __future__ import annotations

import math
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plot import HiResMode

from textgen_tui.app.render import printout
from textgen_tui.app.widgets.loss_chart import CompactFormatter, LossChart, Plot, nice_ticks
from textgen_tui.core.store.folder import BundleInfo
from textgen_tui.core.store.manifest import describe_lineage

COMPARE_STYLES = (("bold #5fafff", "#5f87af"), ("bold #ffaf00", "#af875f"))
"""(validation, training) line styles of the first and second model."""


def describe(info: BundleInfo) -> str:
    """The facts of a model folder, a line each."""
    cfg, state = info.config, info.state
    corpus = info.corpus
    chars = corpus.get("characters")
    updated = state.get("updated")
    best = info.best_value
    planned = state.get("planned_epochs")
    budget = state.get("budget_minutes")
    lines = [
        f"corpus      {corpus.get('source', '?')}" + (f" ({int(chars):,} characters)" if chars else ""),
        *([f"from        {describe_lineage(state.lineage)}"] if state.lineage else []),
        f"tokens      {cfg.data.tokenizer}, vocabulary {info.tokenizer.vocab_size:,}"
        + (", lowercased" if cfg.data.lowercase else ""),
        f"epochs      {info.epochs_done}"
        + (f" of {planned} planned" if planned else "")
        + (f" (last run: a {budget:g}-minute budget)" if isinstance(budget, (int, float)) else ""),
        "best        "
        + (
            f"{best:.4f} ({state.get('monitor', 'val_loss')}, epoch {state.get('best_epoch')})"
            if best is not None
            else "—"
        ),
        f"parameters  {int(state['params']):,}" if state.get("params") is not None else "parameters  ?",
        "updated     "
        + (time.strftime("%Y-%m-%d %H:%M", time.localtime(float(updated))) if updated else "?"),
        "",
        f"preset      {cfg.preset}",
        "layout      "
        + (
            f"window of {cfg.data.maxlen}, every {cfg.data.step}"
            if cfg.data.layout == "window"
            else f"sequence chunks of {cfg.data.seq_len}"
            + (f", carry {cfg.data.carry}" if cfg.data.carry > 1 else "")  # --carry K
        ),
        "network     "
        + ("one-hot" if cfg.model.input == "onehot" else f"Embedding({cfg.model.embedding_dim})")
        + f" → {cfg.model.cell.upper()}({cfg.model.units}) × {cfg.model.layers}",
        *_dropout(cfg),
        *(
            [f"softmax     {cfg.model.sampled_softmax:,} sampled a step in training"]
            if cfg.model.sampled_softmax
            else []
        ),
        f"optimizer   {cfg.train.optimizer} {cfg.train.learning_rate:g}, {cfg.train.schedule}"
        + (f", clip {cfg.train.clipnorm:g}" if cfg.train.clipnorm else ""),
        # its own line: the optimizer's would wrap in the facts column
        *(
            [f"decay       {cfg.train.weight_decay:g} of the weights × rate a step"]
            if cfg.train.weight_decay
            else []
        ),
        f"batch       {cfg.train.batch_size}",
    ]
    return "\n".join(lines)


def _dropout(cfg) -> list[str]:
    """The dropout lines: none without dropout; the inputs' rate when it differs from the
    output's; the recurrent state's on a line of its own (one line would wrap at 80 columns)."""
    m = cfg.model
    inputs = m.inputs_dropout
    lines = []
    if m.dropout or inputs:
        same = inputs == m.dropout
        lines.append(f"{m.dropout:g}" if same else f"{m.dropout:g} on the output, {inputs:g} on the inputs")
    if m.recurrent_dropout:
        lines.append(f"{m.recurrent_dropout:g} on the recurrent state")
    return [("dropout     " if i == 0 else " " * 12) + line for i, line in enumerate(lines)]


class ModelDetails(Screen[None]):
    """One model: facts and settings, its loss history, its samples epoch by epoch."""

    CSS_PATH = "details.tcss"
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("left,comma", "sample(-1)", "Earlier samples", key_display="←"),
        Binding("right,full_stop", "sample(1)", "Later samples", key_display="→"),
    ]

    def __init__(self, info: BundleInfo) -> None:
        super().__init__()
        self.info = info
        self.samples = sorted(info.samples, key=lambda s: int(s.get("epoch", 0)))
        self.index = len(self.samples) - 1  # the latest epoch first

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.info.name}", style="bold"), id="details-title")
        with Horizontal(id="details-top"):
            # Scrolls when the terminal is too short for every line (80×24 cut them off).
            with VerticalScroll(id="details-facts-box"):
                yield Static(describe(self.info), id="details-facts", markup=False)
            yield LossChart(id="details-chart")
        yield Static("", id="details-samples-title")
        with VerticalScroll(id="details-samples"):
            yield Static("", id="details-sample")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LossChart).show_history(self.info.history, self.info.state.get("best_epoch"))
        self._show_sample()

    def on_resize(self, event) -> None:
        # Short screens (80×24): the loss chart without the learning-rate chart, so it has rows.
        self.set_class(event.size.height < 30, "-compact")

    def action_sample(self, step: int) -> None:
        if self.samples:
            self.index = max(0, min(len(self.samples) - 1, self.index + step))
            self._show_sample()

    def _show_sample(self) -> None:
        title = self.query_one("#details-samples-title", Static)
        body = self.query_one("#details-sample", Static)
        if not self.samples:
            title.update("no samples saved")
            body.update("")
            return
        s = self.samples[self.index]
        title.update(
            f" samples of epoch {s.get('epoch')}  ({self.index + 1} of {len(self.samples)}; ← → browse)"
        )
        temps = tuple(float(t) for t in s.get("temperatures", []))
        body.update(printout(str(s.get("seed", "")), temps, [str(t) for t in s.get("texts", [])]))

    @property
    def sample_epoch(self) -> int | None:
        return int(self.samples[self.index].get("epoch", 0)) if self.samples else None


class CompareModels(Screen[None]):
    """Two models' training and validation loss on one chart, by epoch."""

    CSS_PATH = "details.tcss"
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(self, first: BundleInfo, second: BundleInfo) -> None:
        super().__init__()
        self.infos = (first, second)

    def compose(self) -> ComposeResult:
        a, b = self.infos
        yield Static(Text(f" {a.name}  vs  {b.name}", style="bold"), id="details-title")
        legend = Text(" ")
        for info, (val_style, loss_style) in zip(self.infos, COMPARE_STYLES):
            best = info.best_value
            legend.append("━━ ", style=val_style)
            legend.append(f"{info.name} validation" + (f" (best {best:.4f})" if best is not None else ""))
            legend.append("   ┄┄ ", style=loss_style)
            legend.append("training   ")
        yield Static(legend, id="compare-legend")
        yield Plot(id="compare-plot")
        with Horizontal(id="compare-facts"):
            for info in self.infos:
                yield Static(describe(info), classes="compare-facts", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        plot = self.query_one("#compare-plot", Plot)
        plot.margin_top = 0
        plot.margin_left = 7
        plot.set_y_formatter(CompactFormatter())
        plot.set_xlabel("epoch")
        last = 1
        for info, (val_style, loss_style) in zip(self.infos, COMPARE_STYLES):
            epochs, loss, val = self.series(info)
            if epochs:
                last = max(last, max(epochs))
                plot.plot(epochs, loss, line_style=loss_style, hires_mode=HiResMode.BRAILLE)
                pairs = [(e, v) for e, v in zip(epochs, val) if v is not None]
                if pairs:
                    plot.plot(
                        [e for e, _ in pairs],
                        [v for _, v in pairs],
                        line_style=val_style,
                        hires_mode=HiResMode.BRAILLE,
                    )
        plot.set_xlimits(0, last)
        self._last = last
        self.call_after_refresh(self._axes)

    def on_resize(self) -> None:
        self.call_after_refresh(self._axes)

    def _axes(self) -> None:
        """Ticks for the plot's size (its own automatic ticks gave 2.3, 2.6, 2.4, 1.2, 1.6 from the
        top at 80×24): nice values no closer than every other row, whole epochs."""
        plot = self.query_one("#compare-plot", Plot)
        ys = [
            y
            for info in self.infos
            for series in self.series(info)[1:]
            for y in series
            if y is not None and math.isfinite(y)
        ]
        if not ys or plot.size.height < 3:
            return
        lo, hi = min(ys), max(ys)
        pad = (hi - lo) * 0.05 or 0.05
        plot.set_ylimits(lo - pad, hi + pad)
        plot.set_yticks(nice_ticks(lo - pad, hi + pad, max(1, plot.size.height - plot.margin_bottom - 2)))
        last = getattr(self, "_last", 1)
        every = max(1, math.ceil(last / max(1, (plot.size.width - plot.margin_left) // 6)))
        plot.set_xticks(list(range(0, last + 1, every)))

    @staticmethod
    def series(info: BundleInfo) -> tuple[list[int], list[float], list[float | None]]:
        h = info.history
        epochs = [int(e) for e in h.get("epoch", [])]
        loss = [
            float(v) if v is not None and math.isfinite(float(v)) else math.nan for v in h.get("loss", [])
        ]
        val = [float(v) if v is not None else None for v in h.get("val_loss", [])]
        n = min(len(epochs), len(loss))
        return epochs[:n], loss[:n], (val + [None] * n)[:n]
