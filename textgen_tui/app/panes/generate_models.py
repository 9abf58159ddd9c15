"""The Generate pane's models: the chooser (the run being trained first, then every model folder),
and loading the chosen model ahead of the first request; the welcome demo starts here.

`GenerateModels` is a part of `GeneratePane` (app/panes/generate.py).
"""

from __future__ import annotations

from textual import work
from textual.widgets import Select

TRAINING_LABEL = "being trained"
NO_MODEL_PROMPT = "(no model yet: train one, or add a model folder to the models home)"
CHOOSE_PROMPT = "(choose a model: Enter opens the list)"


class GenerateModels:
    """Owns the model chooser and the loading of the chosen model."""

    _demo: bool
    """The welcome: generate from the model's first stored seed once it is loaded."""

    def show_models(self, entries, select: str | None = None) -> None:
        """The model list: the run being trained first (its live weights), then every folder."""
        from textgen_tui.core.store.paths import bundled_model

        generation = self.app.generation
        live_dir = generation.training_folder
        bundled = bundled_model()
        options: list[tuple[str, str]] = []
        if live_dir is not None:
            epoch = generation.live_epoch(live_dir)
            state = f"epoch {epoch}" if epoch else "no epoch finished yet"
            options.append((f"{live_dir.name}: {TRAINING_LABEL} ({state})", str(live_dir)))
        for entry in entries:
            if isinstance(entry, tuple) or (
                live_dir is not None and entry.path.resolve() == live_dir.resolve()
            ):
                continue
            tag = " (bundled)" if bundled is not None and entry.path.resolve() == bundled.resolve() else ""
            options.append((f"{entry.name}{tag}", str(entry.path)))
        self.set_models(options, select)

    def set_models(self, options: list[tuple[str, str]], select: str | None = None) -> None:
        chooser = self.query_one("#gen-model", Select)
        current = chooser.value
        # Models listed but none chosen yet: the prompt says so (it said "no model yet").
        chooser.prompt = CHOOSE_PROMPT if options else NO_MODEL_PROMPT
        chooser.set_options(options)
        values = [v for _, v in options]
        target = select if select in values else (current if current in values else None)
        if target is not None:
            chooser.value = target

    @property
    def model(self) -> str | None:
        value = self.query_one("#gen-model", Select).value
        return value if isinstance(value, str) else None

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "gen-model" and isinstance(event.value, str):
            self.load_model(event.value)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False, description="loading a model")
    def load_model(self, path: str) -> None:
        """Load the model's generator ahead of the first request (off the UI thread)."""
        generation = self.app.generation
        if self._demo:  # the welcome writes from the model's first stored seed
            from textgen_tui.core.store.folder import read_info

            seeds = read_info(path).seeds
            if seeds:
                self.app.call_from_thread(self._demo_seed, seeds[0])
        if generation.ready(path):  # the model being trained: nothing before its first epoch
            generation.loaded(path)

    def _demo_seed(self, seed: str) -> None:
        if not self.seed_text:
            self.seed_text = seed

    def start_demo(self, path: str) -> None:
        """The welcome: the bundled model writes from one of its seeds once it is loaded."""
        self._demo = True
        self.load_model(path)
