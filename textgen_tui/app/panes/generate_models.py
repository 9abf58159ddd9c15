"""The Generate pane's models: the chooser (the run being trained first, then every model folder),
and loading the chosen model ahead of the first request; the welcome demo starts here.

`GenerateModels` is a part of `GeneratePane` (app/panes/generate.py).
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.widgets import Select

from textgen_tui.core.store.paths import same_folder

TRAINING_LABEL = "being trained"
NO_MODEL_PROMPT = "(no model yet: train one, or open a model folder: Enter)"
CHOOSE_PROMPT = "(choose a model: Enter opens the list)"
OPEN_FOLDER = "\x00open-folder"
"""The chooser's last entry: it opens a model folder from anywhere (outside the models home too)."""
OPEN_LABEL = "Open a model folder…"


class GenerateModels:
    """Owns the model chooser and the loading of the chosen model."""

    _demo: bool
    """The welcome: generate from the model's first stored seed once it is loaded."""
    _entries: tuple = ()
    """The models home's list as last shown (an opened folder is listed again with it)."""
    _outside: tuple[str, ...] = ()
    """Model folders opened from outside the models home, listed after its models."""
    _values: tuple[str, ...] = ()
    """The chooser's models (its values, OPEN_FOLDER left out)."""

    def show_models(self, entries, select: str | None = None) -> None:
        """The model list: the run being trained first (its live weights), then every folder of
        the models home, then the folders opened from elsewhere, then "Open a model folder…"."""
        from textgen_tui.core.store.paths import bundled_model

        self._entries = tuple(entries)
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
        listed = [Path(v) for _, v in options]
        for folder in self._outside:
            if not any(same_folder(folder, v) for v in listed):
                options.append((f"{Path(folder).name} ({_short(Path(folder).parent)})", folder))
        self.set_models(options, select)

    def set_models(self, options: list[tuple[str, str]], select: str | None = None) -> None:
        chooser = self.query_one("#gen-model", Select)
        current = chooser.value
        # Models listed but none chosen yet: the prompt says so (it said "no model yet").
        chooser.prompt = CHOOSE_PROMPT if options else NO_MODEL_PROMPT
        chooser.set_options([*options, (OPEN_LABEL, OPEN_FOLDER)])
        self._values = tuple(v for _, v in options)
        target = select if select in self._values else (current if current in self._values else None)
        if target is not None:
            chooser.value = target

    @property
    def model(self) -> str | None:
        value = self.query_one("#gen-model", Select).value
        return value if isinstance(value, str) and value != OPEN_FOLDER else None

    _chosen: str | None = None
    """The model chosen before "Open a model folder…" (the chooser goes back to it)."""

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "gen-model":
            return
        if event.value == OPEN_FOLDER:
            chooser = event.select
            if self._chosen in self._values:
                chooser.value = self._chosen
            else:
                chooser.clear()
            self.action_open_folder()
        elif isinstance(event.value, str):
            self._chosen = event.value
            self.load_model(event.value)

    # -- a model folder from anywhere -----------------------------------------------------------
    def action_open_folder(self) -> None:
        """A folder browser from the current folder: a path typed, the highlighted folder (Ctrl+O,
        "Use folder") or a file in it (Enter)."""
        from textgen_tui.app.screens.dialogs import PathPicker

        def chosen(path: str | None) -> None:
            if path:
                folder = Path(path)
                self.open_folder(str(folder.parent if folder.is_file() else folder))

        title = "Choose a model folder: type its path, or highlight it below and press Ctrl+O"
        self.app.push_screen(PathPicker(".", title=title), chosen)

    def open_folder(self, path: str, quiet: bool = False) -> None:
        """Choose the model in `path`: at once when it is listed, else once the folder is read
        (in a worker); one that is no model is said (unless `quiet`: a remembered folder)."""
        listed = next((v for v in self._values if same_folder(v, path)), None)
        if listed is not None:
            self.query_one("#gen-model", Select).value = listed
        else:
            self._read_folder(path, quiet)

    @work(thread=True, group="open-model", exit_on_error=False, description="opening a model folder")
    def _read_folder(self, path: str, quiet: bool) -> None:
        from textgen_tui.core.errors import TextgenError
        from textgen_tui.core.store.folder import read_info

        try:
            read_info(path)
        except TextgenError as exc:
            if not quiet:
                self.app.call_from_thread(self.notify, str(exc), title="Open a model", severity="error")
            return
        self.app.call_from_thread(self._folder_read, path)

    def _folder_read(self, path: str) -> None:
        listed = next((v for v in self._values if same_folder(v, path)), None)
        if listed is None:
            self._outside = (*self._outside, path)
            self.show_models(self._entries, select=path)
        else:
            self.query_one("#gen-model", Select).value = listed

    def fallback_model(self) -> str | None:
        """F5 with no model chosen: the bundled model (as the welcome and Write use), chosen in
        the list when it is listed; None when there is none."""
        from textgen_tui.core.store.paths import bundled_model

        bundled = bundled_model()
        if bundled is None:
            return None
        listed = next((v for v in self._values if same_folder(v, bundled)), None)
        if listed is not None:
            self.query_one("#gen-model", Select).value = listed
        return listed or str(bundled)

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


def _short(folder: Path) -> str:
    """A folder as the chooser shows it: under the home folder with ~."""
    try:
        return "~/" + str(folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)
