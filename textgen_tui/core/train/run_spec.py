"""One run's settings, resolved once: the preset and the user's overrides (or the folder's own
settings and the knobs that may change), the folder, minutes or epochs, and what sizing may set.

The session resolves a `RunSpec` before its training thread starts (a refusal is an exception in
the caller); the trainer receives it. A resume reads the folder here, once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textgen_tui.core.config import Config, make_config, resume_config
from textgen_tui.core.store.folder import BundleInfo, read_info
from textgen_tui.core.text.corpus import Corpus
from textgen_tui.core.train.fine_tune import Base, fine_tune_config


@dataclass
class RunSpec:
    """Everything a run is, before a token is read."""

    config: Config
    """The run's settings: final for a resume; a new run's sizable settings are set by `sized`."""
    out_dir: Path
    """The folder that trains (a new, empty one; or the model folder resumed)."""
    corpus: Corpus | None = None
    """The text; None: a resume loads the folder's own corpus (in the training thread)."""
    info: BundleInfo | None = None
    """A resume: the folder as read once (tokenizer, history, samples, the file to resume)."""
    changes: list[str] = field(default_factory=list)
    """What differs from what was asked or saved ("name: old → new"), shown when training starts."""
    sizable: frozenset[str] = frozenset()
    """A new run: the settings the user left to the corpus or the budget (core/train/sizing.py)."""
    base: Base | None = None
    """A fine-tuning run: the model it starts from (core/train/fine_tune.py)."""
    keep_saved_lr: bool = True
    """A resumed plateau run continues at the rate its optimizer had lowered to (unless the user
    set a learning rate)."""

    @property
    def resume(self) -> bool:
        return self.info is not None

    @property
    def initial(self) -> int:
        """Epochs done before this run (a resume continues after them)."""
        return self.info.resume_epoch if self.info is not None else 0

    @classmethod
    def new(
        cls,
        corpus: Corpus,
        out_dir: str | Path,
        preset: str = "fast",
        overrides: dict[str, Any] | None = None,
        *,
        config: Config | None = None,
        sizable: frozenset[str] | None = None,
        base: Base | None = None,
    ) -> RunSpec:
        """A new folder: the preset with the overrides (or `config` as given); with `base`, its
        architecture, tokenizer and weights, and the fine-tuning rate (nothing is sized)."""
        changes: list[str] = []
        if config is None:
            from textgen_tui.core.train.sizing import sizable as left_to_size

            config = make_config(preset, overrides)
            sizable = left_to_size(preset, overrides) if sizable is None else sizable
        if base is not None:
            config, changes = fine_tune_config(base, config, overrides or {})
            sizable = frozenset()
        return cls(
            config.copy().validate(),
            Path(out_dir).expanduser(),
            corpus,
            changes=changes,
            sizable=sizable or frozenset(),
            base=base,
        )

    @classmethod
    def resumed(
        cls, folder: str | Path, overrides: dict[str, Any] | None = None, corpus: Corpus | None = None
    ) -> RunSpec:
        """Continue a model folder: its config with the changeable knobs applied (ConfigError for
        the others). `epochs` means epochs to add; without it, the run continues to the total
        planned before (or runs the config's epochs again). Epochs asked for replace the folder's
        time budget."""
        info = read_info(folder)
        keep_saved_lr = "learning_rate" not in (overrides or {})
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        add = overrides.pop("epochs", None)
        cfg, changes = resume_config(info.config, overrides)
        initial = info.resume_epoch
        if add is not None and "minutes" not in overrides and cfg.train.minutes is not None:
            changes.append(f"minutes: {cfg.train.minutes:g} → none ({add} epochs asked for)")
            cfg.train.minutes = None
        if add is None:
            planned = int(info.state.planned_epochs or 0)
            add = planned - initial if planned > initial else cfg.train.epochs
        if cfg.train.minutes is None:
            cfg.train.epochs = int(add)
        return cls(
            cfg.validate(),
            Path(folder).expanduser(),
            corpus,
            info=info,
            changes=changes,
            keep_saved_lr=keep_saved_lr,
        )

    def sized(self, config: Config, train_tokens: int, vocab_size: int) -> list[str]:
        """A new run, once its corpus is tokenized: set the sizable settings in `config` for the
        corpus and the budget (core/train/sizing.py); what changed."""
        if not self.sizable:
            return []
        from textgen_tui.core.train.sizing import size_for_budget, size_for_words

        changes = size_for_words(config, train_tokens, vocab_size, set(self.sizable))
        changes += size_for_budget(config, set(self.sizable))
        config.validate()
        return changes

    def moved_to(self, folder: Path) -> RunSpec:
        """The same resume in a copy of the folder (the bundled model is never trained itself)."""
        info = self.info
        if info is not None:

            def rebased(p: Path | None) -> Path | None:
                return None if p is None else folder / p.name

            info = dataclasses.replace(
                info, path=folder, best_file=rebased(info.best_file), resume_file=rebased(info.resume_file)
            )
        return dataclasses.replace(self, out_dir=folder, info=info)
