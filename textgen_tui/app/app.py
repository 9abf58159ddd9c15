"""The Textual app: five panes (Corpus, Train, Generate, Models, Write) around the core engine.

Each pane owns its work (Corpus loads, Train runs the core `TrainingSession`, Generate streams from
the core `GenerationService`, Models changes folders). The App keeps what crosses panes: the
session and the generation service they share, a corpus → Train, a model opened → Generate or
Train, the Keras import, quitting.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text, failure_title
from textgen_tui.app.memory import RemembersApp
from textgen_tui.app.panes.corpus import CorpusPane
from textgen_tui.app.panes.generate import GeneratePane
from textgen_tui.app.panes.models import ModelsPane
from textgen_tui.app.panes.train import TrainPane
from textgen_tui.app.panes.train_form import ResumeOpened
from textgen_tui.app.panes.write import WritePane
from textgen_tui.app.screens.dialogs import HelpScreen, QuitDialog, help_rows
from textgen_tui.app.widgets.pane_tabs import PaneTabs
from textgen_tui.core.config import preset
from textgen_tui.core.generate.service import GenerationService
from textgen_tui.core.store.paths import bundled_model, default_out_dir
from textgen_tui.core.text.corpus import Corpus
from textgen_tui.core.train import session as ses

PANES = ("corpus", "train", "generate", "models", "write")
PANE_KEYS = ("F1", "F2", "F3", "F4", "F8")
TOAST_SECONDS = {"information": 3.0, "warning": 6.0, "error": 8.0}
"""How long a toast stays when its caller does not say: information briefly, problems longer."""


class Leaving(Screen):
    """Nothing: the app's last frame when it leaves a run to the terminal ("Keep training")."""

    DEFAULT_CSS = "Leaving { background: ansi_default; }"

    def compose(self) -> ComposeResult:
        yield from ()


class TextgenApp(RemembersApp, App):
    """The app; `RemembersApp` (app/memory.py) loads what it remembers, gives the panes their part
    back and saves it (its handlers run after this class's own, Textual calling both)."""

    TITLE = "textgen-tui"
    # From 160 columns the screen is "-wide": the forms widen, the Models rows say why a folder
    # is broken (the panes' .tcss and ModelsPane read it).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    CSS_PATH = ["app.tcss", *(f"panes/{pane}.tcss" for pane in PANES)]
    BINDINGS = [
        # The panes' keys come first in the Footer; F1-F4 and F8 are on the help screen (`?`), so
        # every pane's Footer fits 80 columns.
        *(
            Binding(k.lower(), f"show_pane('{p}')", p.title(), priority=True, show=False)
            for k, p in zip(PANE_KEYS, PANES)
        ),
        Binding("f10,question_mark", "help", "Help"),
        *(Binding(str(i + 1), f"show_pane('{p}')", p.title(), show=False) for i, p in enumerate(PANES)),
    ]

    def __init__(
        self,
        *,
        preload_tensorflow: bool = True,
        generation_rate: float = 800.0,
        demo: bool = False,
        session: ses.TrainingSession | None = None,
        initial_pane: str = "corpus",
        remember: bool = False,
    ) -> None:
        super().__init__()
        self.remember = remember  # the user's app (the launcher's): what it remembers, in and out
        self.load_memory()
        if remember:  # the welcome greets the first launch; later ones open where the user left
            demo = demo and not self.memory.welcomed
            initial_pane = self.memory.pane
        self.initial_pane = initial_pane if initial_pane in PANES else "corpus"
        self.last_pane = self.initial_pane
        self.preload_tensorflow = preload_tensorflow
        self._demo_pending = demo  # open on Generate; the bundled model writes a first sample
        self.generation_rate = generation_rate  # tokens per second per stream; 0: as fast as possible
        self.tf_ready = threading.Event()
        self.session = session or ses.TrainingSession()  # the Train pane listens to it
        self.generation = GenerationService()
        self.generation.follow(self.session)  # the model being trained: each epoch's weights
        self._quitting = False

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        # The welcome demo opens on Generate from the start: it never switches panes later (a user
        # who pressed F1 and typed stays where they are).
        demo = self._demo_pending and bundled_model() is not None
        with PaneTabs(initial="generate" if demo else self.initial_pane):
            for pane, widget in zip(PANES, (CorpusPane, TrainPane, GeneratePane, ModelsPane, WritePane)):
                with TabPane(pane.title(), id=pane):
                    yield widget()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        from textgen_tui.core.nets.backend import requested

        self.sub_title = f"Keras on {requested()}: loading…"
        if self.preload_tensorflow:  # after the first paint: the import competes for the GIL
            self.call_after_refresh(self.load_tensorflow)
        # The Corpus pane's options start as the default preset's, so a default run in the app
        # is the CLI's `train --preset fast`.
        self.corpus_pane.set_options("char", preset("fast").data.lowercase)
        self.refresh_models()
        self._focus_pane()
        self._demo_pending = self._demo_pending and (bundled := bundled_model()) is not None
        if self._demo_pending:
            self.call_after_refresh(self._start_demo, str(bundled))

    _demo_path: str | None = None
    """The bundled model the welcome demo writes with, until the model list shows it."""

    def _start_demo(self, path: str) -> None:
        """First launch delight: the bundled model, one of its seeds, generation on its own (once
        the Models pane's worker has listed it: Generate writes with the model it has chosen)."""
        self._demo_path = path
        self.refresh_models(select=path)

    def _demo_listed(self, path: str) -> None:
        self._demo_path = None
        self.generate_pane.start_demo(path)
        self.notify(  # the one toast that teaches: longer than information's
            "A pretrained Nietzsche model is writing. Type your own seed and press F5.",
            title="Welcome",
            timeout=6,
        )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.last_pane = event.pane.id or self.last_pane  # the launcher remembers it for next time
        self._focus_pane()

    def _focus_pane(self) -> None:
        """Focus the pane shown now (a late TabActivated once focused a hidden pane)."""
        tab = self.query_one(TabbedContent).active_pane
        if self.screen is self.screen_stack[0] and tab is not None and tab.children:
            tab.children[0].focus_first()

    @property
    def corpus_pane(self) -> CorpusPane:
        return self.query_one(CorpusPane)

    @property
    def train_pane(self) -> TrainPane:
        return self.query_one(TrainPane)

    @property
    def generate_pane(self) -> GeneratePane:
        return self.query_one(GeneratePane)

    @property
    def models_pane(self) -> ModelsPane:
        return self.query_one(ModelsPane)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show_pane", "help"):  # over Details, Compare or a dialog: the pane stays
            return self.screen is self.screen_stack[0]
        if action == "command_palette":  # Ctrl+P cycles the Write pane's ideas while they show
            return not getattr(self.focused, "wants_ctrl_p", False)
        return True

    def action_show_pane(self, pane: str) -> None:
        # The pane's key puts the focus in the pane now, not when TabActivated comes round: a key
        # typed right after it belongs to the pane it showed.
        self.query_one(TabbedContent).active = pane
        self._focus_pane()

    def action_help(self) -> None:
        """The help screen: every key active on the current pane, the hidden ones included."""
        if self.screen is self.screen_stack[0]:  # not over a dialog
            rows = help_rows(self, (CorpusPane, TrainPane, GeneratePane, ModelsPane, WritePane))
            self.push_screen(HelpScreen((self.query_one(TabbedContent).active or "app").title(), rows))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, pane in zip(PANE_KEYS, PANES):
            show = lambda pane=pane: self.action_show_pane(pane)  # noqa: E731
            yield SystemCommand(f"{pane.title()} pane", f"Show the {pane} pane ({key})", show)
        yield SystemCommand("Browse for a corpus", "Open the folder browser", self.corpus_pane.action_browse)
        yield SystemCommand(
            "Start training", "Train with the Train pane's settings", self.train_pane.action_start
        )
        yield SystemCommand("Stop training", "Stop after the current batch", self.train_pane.action_stop)
        yield SystemCommand("Generate", "Generate from the seed", self.generate_pane.action_generate)
        yield SystemCommand("Refresh models", "Re-read the model folders", self.refresh_models)

    # -- toasts ---------------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, brief unless it is a warning or an error (`TOAST_SECONDS`); once it has gone
        the whole screen is drawn again (a toast's text once stayed over the seed history, the
        box's border gone on its rows, until something else repainted)."""
        timeout = TOAST_SECONDS.get(severity, self.NOTIFICATION_TIMEOUT) if timeout is None else timeout
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        self.set_timer(timeout + 0.3, self._repaint_after_toast)

    def _repaint_after_toast(self) -> None:
        if self.is_running and self.screen_stack:
            self.screen.refresh(layout=True)

    # -- quitting -------------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quitting while training asks first; nothing trains on unseen after the screen goes."""
        if not self.session.active or self._quitting:  # again while stopping: leave (saves are journaled)
            self.exit()
            return
        if isinstance(self.screen, QuitDialog):
            # The second Ctrl+Q: Textual's own priority binding brings it here, not to the dialog.
            self.screen.dismiss("stop")
            return

        def answer(choice: str | None) -> None:
            if choice == "stop":
                self._stop_and_quit()
            elif choice == "keep":
                self._keep_training()

        self.push_screen(QuitDialog(str(self.session.out_dir or "")), answer)

    def _keep_training(self) -> None:
        """The screen goes, the run goes on in the terminal (the launcher follows it there). The
        last frame drawn is an empty screen: a terminal that keeps the alternate screen's last
        frame, or shows it, shows none of the app above the run's output."""
        self.push_screen(Leaving())
        self.call_after_refresh(self.exit, result="keep-training")

    def _stop_and_quit(self) -> None:
        self._quitting = True
        if not self.session.stop(quick=True):
            self.exit()
            return
        self.train_pane.live.set_status("Stopping after this batch, saving, then quitting…")
        self.notify("Stopping after this batch and saving; the app then quits.", title="Quit")
        self.set_timer(20.0, self.exit)  # a save that hangs must not keep the app open

    # -- the Keras backend ------------------------------------------------------------------------
    def load_tensorflow(self) -> None:
        """Import Keras in a daemon thread, not a Textual worker: quitting while it imports does not
        wait for it (a worker would keep the prompt away until the import ends)."""
        threading.Thread(target=self._import_keras, name="textgen-keras-import", daemon=True).start()

    def _import_keras(self) -> None:
        try:
            from textgen_tui.core.nets import backend

            backend.import_keras()
            ready = (backend.describe(), backend.has_gpu(), None)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            ready = ("", False, f"{type(exc).__name__}: {exc}")
        self.tf_ready.set()
        with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
            self.call_from_thread(self._backend_ready, *ready)

    def _backend_ready(self, description: str, gpu: bool, error: str | None) -> None:
        if error:
            self.sub_title = "Keras failed to load"
            self.notify(error, title="Keras", severity="error")
            return
        self.sub_title = description  # e.g. "jax · 2 CPU devices"
        if gpu and not self.training and self.memory.train is None:  # remembered settings stay
            self.train_pane.choose_preset("gpu")

    # -- corpus ---------------------------------------------------------------------------------
    @property
    def corpus(self) -> Corpus | None:
        return self.corpus_pane.corpus if self._panes_alive() else None

    @property
    def corpus_options(self) -> tuple[str, bool]:
        """(tokenizer, lowercase) as the Corpus pane shows them."""
        return self.corpus_pane.tokenizer, self.corpus_pane.lowercase

    def on_corpus_pane_loaded(self, message: CorpusPane.Loaded) -> None:
        if not self.session.active:  # a new corpus: a new run's folder is named after it
            source = message.corpus.source
            self.train_pane.out_dir = str(default_out_dir(Path(source).stem or source))
            self.train_pane.suggest_base(message.base)

    def on_train_pane_preset_chosen(self, message: TrainPane.PresetChosen) -> None:
        self.corpus_pane.set_options(message.tokenizer, message.lowercase)

    # -- training -------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.session.active

    def on_train_pane_models_changed(self, message: TrainPane.ModelsChanged) -> None:
        offer = message.trained and self._panes_alive() and self.generate_pane.model is None
        self.refresh_models(select=message.trained if offer else None)  # ready to play with in Generate

    def _panes_alive(self) -> bool:
        """False while quitting: the screens and the panes are gone, late messages find nothing."""
        return bool(self.screen_stack) and bool(self.screen_stack[0].query(ModelsPane))

    def on_train_pane_run_ended(self, message: TrainPane.RunEnded) -> None:
        if self._quitting:
            self.exit()
        elif self._panes_alive() and isinstance(self.screen, QuitDialog):
            self.screen.dismiss(None)  # nothing trains any more: the question is moot

    def _refresh_generate_models(self, select: str | None = None) -> None:
        self.generate_pane.show_models(self.models_pane.entries, select)

    # -- models ---------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        """Re-read the model folders (in the Models pane's worker); Generate's list follows, with
        `select` chosen in it (`on_models_pane_listed`)."""
        if self._panes_alive():
            self.models_pane.reload(select)

    def on_models_pane_listed(self, message: ModelsPane.Listed) -> None:
        if self._panes_alive():
            self.generate_pane.show_models(message.entries, message.select)
            self.train_pane.show_bases(message.entries)
            if self._demo_path is not None and message.select == self._demo_path:
                self._demo_listed(self._demo_path)

    def on_models_pane_changed(self, message: ModelsPane.Changed) -> None:
        if message.gone:
            self.generation.forget(Path(message.gone))
        self.refresh_models()

    def on_models_pane_open(self, message: ModelsPane.Open) -> None:
        """A model opened in the Models pane: Generate writes with it, or Train resumes it."""
        if message.purpose != "resume":
            self._refresh_generate_models(select=message.path)
            self.action_show_pane("generate")
            self.generate_pane.load_model(message.path)
        else:  # the folder is read in the Train pane's worker: `ResumeOpened` follows
            self.train_pane.open_for_resume(message.path)
            self.action_show_pane("train")

    def on_resume_opened(self, message: ResumeOpened) -> None:
        """A folder opened for resuming was read: the Corpus options are the model's."""
        info = message.info
        self.corpus_pane.set_options(info.config.data.tokenizer, info.config.data.lowercase)
        self.train_pane.focus_resume()

    # -- workers --------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker the panes did not handle failed: say so (the panes handle their own)."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            text = error_text(error)
            self.notify(text, title=failure_title(event.worker.description), severity="error")


def create_app(models_dir: str | os.PathLike | None = None, **options) -> TextgenApp:
    """Build the app; `models_dir` replaces the models home (it sets $TEXTGEN_TUI_MODELS for the core)."""
    if models_dir is not None:
        os.environ["TEXTGEN_TUI_MODELS"] = str(models_dir)
    return TextgenApp(**options)
