"""TensorBoard logs of a run: a listener of the training events (`--tensorboard DIR`).

Per epoch: the training and validation loss, the learning rate, tokens per second; the per-epoch
samples as text. `tensorboard --logdir DIR` shows them (pip install tensorboard).
"""

from __future__ import annotations

import math
from pathlib import Path

from textgen_tui.core import events as ev


class TensorBoardLog:
    def __init__(self, log_dir: str | Path) -> None:
        from textgen_tui.core.nets.tf_support import SummaryWriter

        self.log_dir = Path(log_dir).expanduser()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.writer = SummaryWriter(str(self.log_dir / "textgen"))
        self.tokens_per_second: float | None = None

    def __call__(self, e: ev.TrainingEvent) -> None:
        if isinstance(e, ev.BatchProgress):
            self.tokens_per_second = e.tokens_per_second
        elif isinstance(e, ev.EpochEnd):
            values = {"loss": e.loss, "learning_rate": e.learning_rate, "epoch_seconds": e.seconds}
            if e.val_loss is not None:
                values["val_loss"] = e.val_loss
            if self.tokens_per_second:
                values["tokens_per_second"] = self.tokens_per_second
            self.writer.scalars(e.epoch, {k: v for k, v in values.items() if math.isfinite(v)})
        elif isinstance(e, ev.SampleFinished):
            # Markdown: a heading per temperature, the seed in bold, the text as a quote.
            parts = [
                f"**temperature {t:g}**\n\n> **{_md(e.seed)}**{_md(text)}"
                for t, text in zip(e.temperatures, e.texts)
            ]
            self.writer.text("samples", "\n\n".join(parts), e.epoch)
        elif isinstance(e, (ev.Finished, ev.Failed)):
            self.writer.close()


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("\n", "  \n> ")
