"""The Textual app: four panes (Corpus, Train, Generate, Models) around the core engine.

Threads: TensorFlow is imported by a background worker at start-up (the first screen never waits
for it); training runs in ONE thread worker that owns TensorFlow; corpus loading, model loading
and generation run in their own thread workers. Workers report back through Textual messages
(thread-safe `post_message`) and one `on_worker_state_changed` handler deals with their results
and errors.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from textgen_tui.app import messages as msg
from textgen_tui.app.dialogs import ConfirmDialog, MessageDialog
from textgen_tui.app.panes.corpus import CorpusPane, CorpusSummary, summarise
from textgen_tui.app.panes.generate import GeneratePane, GenerateRequest
from textgen_tui.app.panes.models import ModelsPane
from textgen_tui.app.panes.train import TrainPane
from textgen_tui.app.worker import ChunkBuffer, TrainingRelay
from textgen_tui.core import events as ev
from textgen_tui.core.bundle import BundleInfo, list_bundles, read_info
from textgen_tui.core.config import Config
from textgen_tui.core.corpus import Corpus
from textgen_tui.core.errors import BundleError, TextgenError
from textgen_tui.core.paths import bundled_model, default_out_dir, model_roots

PANES = ("corpus", "train", "generate", "models")
TRAINING_LABEL = "being trained (last checkpoint)"


class TextgenApp(App):
    TITLE = "textgen-tui"
    CSS_PATH = [
        "app.tcss",
        "panes/corpus.tcss",
        "panes/train.tcss",
        "panes/generate.tcss",
        "panes/models.tcss",
    ]
    BINDINGS = [
        Binding("f1", "show_pane('corpus')", "Corpus", priority=True),
        Binding("f2", "show_pane('train')", "Train", priority=True),
        Binding("f3", "show_pane('generate')", "Generate", priority=True),
        Binding("f4", "show_pane('models')", "Models", priority=True),
        *(Binding(str(i + 1), f"show_pane('{p}')", p.title(), show=False) for i, p in enumerate(PANES)),
    ]

    def __init__(
        self, *, preload_tensorflow: bool = True, generation_rate: float = 800.0, demo: bool = False
    ) -> None:
        super().__init__()
        self.preload_tensorflow = preload_tensorflow
        # demo: open on Generate with the bundled model and stream a first sample by itself
        self._demo_pending = demo
        self.generation_rate = generation_rate  # tokens per second per stream; 0: as fast as possible
        self.tf_ready = threading.Event()
        self.corpus: Corpus | None = None
        self.trainer = None
        self.training_dir: Path | None = None
        self._failure_shown = False
        self._stop_requested = False
        self._generators: dict[str, tuple[float, object]] = {}
        self._generator_lock = threading.Lock()
        self._gen_stop = threading.Event()
        self._gen_run = 0
        self._infos: dict[str, BundleInfo] = {}

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="corpus"):
            with TabPane("Corpus", id="corpus"):
                yield CorpusPane()
            with TabPane("Train", id="train"):
                yield TrainPane()
            with TabPane("Generate", id="generate"):
                yield GeneratePane()
            with TabPane("Models", id="models"):
                yield ModelsPane()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "TensorFlow loading…"
        if self.preload_tensorflow:  # after the first paint: the import competes for the GIL
            self.call_after_refresh(self.load_tensorflow)
        self.refresh_models()
        self.query_one("#corpus-path").focus()
        bundled = bundled_model()
        if self._demo_pending and bundled is not None:
            self.call_after_refresh(self._start_demo, str(bundled))
        else:
            self._demo_pending = False

    def _start_demo(self, path: str) -> None:
        """First launch delight: the bundled model, one of its seeds, generation on its own."""
        seeds = self.seeds_for(path)
        if seeds:  # an Input shows one line: the seed's line breaks become spaces
            self.query_one("#seed", Input).value = seeds[0].replace("\n", " ")
        self.open_for_generation(path)
        self.notify(
            "A pretrained Nietzsche model is writing. Type your own seed and press Enter.", title="Welcome"
        )

    FOCUS_ON_SHOW = {
        "corpus": "#corpus-path",
        "train": "#preset",
        "generate": "#seed",
        "models": "#models-table",
    }

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        target = self.FOCUS_ON_SHOW.get(event.pane.id or "")
        if target and not isinstance(self.screen, (MessageDialog, ConfirmDialog)):
            self.query_one(target).focus()

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

    def action_show_pane(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, pane in zip(("F1", "F2", "F3", "F4"), PANES):
            yield SystemCommand(f"{pane.title()} pane", f"Show the {pane} pane ({key})", self._show(pane))
        yield SystemCommand("Browse for a corpus", "Open the folder browser", self.corpus_pane.action_browse)
        yield SystemCommand(
            "Start training", "Train with the Train pane's settings", self.train_pane.action_start
        )
        yield SystemCommand("Stop training", "Stop after the current batch", self.stop_training)
        yield SystemCommand("Generate", "Generate from the seed", self.generate_pane.action_generate)
        yield SystemCommand("Refresh models", "Re-read the model folders", self.refresh_models)

    def _show(self, pane: str):
        return lambda: self.action_show_pane(pane)

    # -- TensorFlow -----------------------------------------------------------------------------
    @work(thread=True, group="tensorflow", exit_on_error=False, description="importing TensorFlow")
    def load_tensorflow(self) -> None:
        try:
            from textgen_tui.core.tf_quiet import import_keras

            import_keras()
            self.post_message(msg.TensorFlowReady())
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(msg.TensorFlowReady(f"{type(exc).__name__}: {exc}"))
        finally:
            self.tf_ready.set()

    def on_tensor_flow_ready(self, message: msg.TensorFlowReady) -> None:
        if message.error:
            self.sub_title = "TensorFlow failed to load"
            self.notify(message.error, title="TensorFlow", severity="error")
        else:
            self.sub_title = "TensorFlow ready"

    def _wait_for_tensorflow(self) -> None:
        """In a worker thread: TF must be imported by one thread only (see load_tensorflow)."""
        if not self.preload_tensorflow and not self.tf_ready.is_set():
            self.load_tensorflow()
        self.tf_ready.wait()

    # -- corpus ---------------------------------------------------------------------------------
    def load_corpus(self, spec: str) -> None:
        pane = self.corpus_pane
        pane.show_loading(spec)
        self._load_corpus(spec, pane.lowercase, pane.tokenizer)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False, description="loading the corpus")
    def _load_corpus(self, spec: str, lowercase: bool, tokenizer: str) -> CorpusSummary:
        from textgen_tui.core.catalog import resolve_corpus

        return summarise(resolve_corpus(spec, lowercase), tokenizer)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False, description="counting tokens")
    def _summarise(self, corpus: Corpus, tokenizer: str) -> CorpusSummary:
        return summarise(corpus, tokenizer)

    def corpus_options_changed(self, reload: bool) -> None:
        if self.corpus is None:
            return
        pane = self.corpus_pane
        if reload:
            self.load_corpus(self.corpus.source)
        else:
            self._summarise(self.corpus, pane.tokenizer)

    def apply_corpus_options(self, tokenizer: str, lowercase: bool) -> None:
        self.corpus_pane.set_options(tokenizer, lowercase)

    def _corpus_loaded(self, summary: CorpusSummary) -> None:
        new = self.corpus is None or summary.corpus.source != self.corpus.source
        self.corpus = summary.corpus
        self.corpus_pane.show(summary)
        if new and self.trainer is None:
            self.train_pane.out_dir = str(default_out_dir(self._corpus_name()))
        chars = len(summary.corpus.text)
        if chars < 2000:
            self.notify(
                f"Only {chars:,} characters: training needs a longer text to learn much.",
                title="Short corpus",
                severity="warning",
            )

    def _corpus_name(self) -> str:
        source = self.corpus.source if self.corpus else "model"
        return Path(source).stem or source

    # -- training -------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.trainer is not None or any(
            w.group == "train" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers
        )

    def start_training(self, cfg: Config, out_dir: str, *, resume: bool = False) -> None:
        if self.training:
            self.notify("Training is already running: stop it first (F6).", severity="warning")
            return
        if resume and not out_dir:
            self.notify("Type the model folder to resume in 'output folder'.", severity="error")
            return
        if not resume and self.corpus is None:
            self.notify("Load a corpus first (Corpus pane, F1).", title="Train", severity="error")
            return
        cfg.data.tokenizer = self.corpus_pane.tokenizer
        cfg.data.lowercase = self.corpus_pane.lowercase
        out = Path(out_dir) if out_dir else default_out_dir(self._corpus_name())
        self.train_pane.out_dir = str(out)
        self.training_dir = out
        self._failure_shown = False
        self._stop_requested = False
        self.train_pane.set_running(True)
        self.train_pane.live.reset(("Resuming " if resume else "Preparing ") + f"{out}…")
        self._train(cfg, out, resume, self.corpus)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False, description="training")
    def _train(self, cfg: Config, out: Path, resume: bool, corpus: Corpus | None) -> ev.Finished:
        from textgen_tui.core.training import Trainer

        if resume and corpus is None:
            from textgen_tui.core.catalog import resolve_corpus

            source = read_info(out).corpus.get("source")
            if not source:
                raise BundleError(f"{out} does not say which corpus it was trained on: load it first")
            corpus = resolve_corpus(str(source), cfg.data.lowercase)
        self._wait_for_tensorflow()
        trainer = Trainer(corpus, cfg, out, listeners=[TrainingRelay(self.post_message)], resume=resume)
        self.trainer = trainer
        return trainer.run()

    def stop_training(self) -> None:
        trainer = self.trainer
        if trainer is None:
            self.notify("Nothing is training.", severity="warning")
            return
        self._stop_requested = True
        trainer.stop()
        self.train_pane.live.set_status("Stopping after this batch (the epoch is validated and saved)…")

    def on_batch_progress(self, message: msg.BatchProgress) -> None:
        self.train_pane.live.show_batch(message.event)

    def on_sample_chunk(self, message: msg.SampleChunk) -> None:
        self.train_pane.live.sample_chunk(message.epoch, message.pieces)

    def on_training_event(self, message: msg.TrainingEvent) -> None:
        e = message.event
        live = self.train_pane.live
        if isinstance(e, ev.Started):
            live.started(e)
            self._refresh_generate_models()
        elif isinstance(e, ev.EpochEnd):
            live.epoch_end(e)
        elif isinstance(e, ev.SampleStarted):
            live.sample_started(e)
        elif isinstance(e, ev.SampleFinished):
            live.sample_finished(e)
        elif isinstance(e, ev.CheckpointSaved):
            self._refresh_generate_models()
        elif isinstance(e, ev.LearningRateReduced):
            self.notify(f"Learning rate {e.old:.3g} → {e.new:.3g} (plateau)", title=f"Epoch {e.epoch}")
        elif isinstance(e, ev.Stopped):
            # The core reports a stop asked for while the epoch's sample ran as early stopping.
            text = "stopped by request" if self._stop_requested and e.reason != "nan" else e.message
            self.notify(text, title=f"Stopped after epoch {e.epoch}", severity="warning")
        elif isinstance(e, ev.Finished):
            best = (
                ""
                if e.best_value is None
                else f", best {e.monitor} {e.best_value:.4f} (epoch {e.best_epoch})"
            )
            live.set_status(f"Done: {e.epochs_run} epoch(s) in {e.seconds:.0f}s{best}. Model: {e.out_dir}")
            self.notify(f"Model saved in {e.out_dir}", title="Training finished")
        elif isinstance(e, ev.Failed):
            self._show_failure(e.message, e.last_good)

    def _show_failure(self, message: str, last_good: str | None) -> None:
        if self._failure_shown:
            return
        self._failure_shown = True
        where = (
            f"The last good model is in {last_good}: it can be opened or resumed."
            if last_good
            else "No model was saved before the failure."
        )
        self.train_pane.live.set_status(f"Failed: {message}")
        self.push_screen(MessageDialog("Training failed", f"{message}\n\n{where}"))

    def _training_ended(self) -> None:
        self.trainer = None
        self.train_pane.set_running(False)
        if self.corpus is not None:
            self.train_pane.out_dir = str(default_out_dir(self._corpus_name()))
        self.refresh_models()
        trained = self.training_dir
        if trained is not None and (trained / "model.keras").exists() and self.generate_pane.model is None:
            self._refresh_generate_models(select=str(trained))  # ready to play with in Generate

    # -- generation -----------------------------------------------------------------------------
    def _model_options(self, entries) -> list[tuple[str, str]]:
        options: list[tuple[str, str]] = []
        running = self.trainer is not None and self.training_dir is not None
        bundled = bundled_model()
        if running:
            options.append((f"{self.training_dir.name}: {TRAINING_LABEL}", str(self.training_dir)))
        for entry in entries:
            if isinstance(entry, tuple):
                continue
            if running and entry.path.resolve() == self.training_dir.resolve():
                continue
            tag = " (bundled)" if bundled is not None and entry.path.resolve() == bundled.resolve() else ""
            options.append((f"{entry.name}{tag}", str(entry.path)))
        return options

    def _refresh_generate_models(self, select: str | None = None) -> None:
        entries = list_bundles(*model_roots())
        self.generate_pane.set_models(self._model_options(entries), select)

    def seeds_for(self, path: str | None) -> list[str]:
        if not path:
            return []
        try:
            return read_info(path).seeds
        except TextgenError:
            return []

    def _model_mtime(self, path: str) -> float:
        try:
            return (Path(path) / "model.keras").stat().st_mtime
        except OSError:
            return -1.0

    def _generator(self, path: str):
        """In a worker thread: the cached generator for a folder, reloaded when its model changed."""
        self._wait_for_tensorflow()
        with self._generator_lock:
            mtime = self._model_mtime(path)
            cached = self._generators.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            if mtime < 0 and self.training_dir is not None and Path(path) == self.training_dir:
                raise BundleError("the model being trained has no checkpoint yet: wait for the first epoch")
            from textgen_tui.core.bundle import load_bundle

            generator = load_bundle(path, compile=False).generator()
            self._generators[path] = (mtime, generator)
            return generator

    def prepare_generator(self, path: str) -> None:
        cached = self._generators.get(path)
        if cached is None or cached[0] != self._model_mtime(path):
            self._prepare(path)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False, description="loading a model")
    def _prepare(self, path: str) -> None:
        self._generator(path)

    def start_generation(self, request: GenerateRequest) -> None:
        self._gen_stop.set()
        self._gen_stop = threading.Event()
        self._gen_run += 1
        training = self.trainer is not None and self.training_dir is not None
        header = TRAINING_LABEL if training and Path(request.model) == self.training_dir else ""
        header = f"{Path(request.model).name} {header}".strip() + ": generating with seed"
        self.generate_pane.begin(request, header)
        self._generate(request, self._gen_run, self._gen_stop)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False, description="generating")
    def _generate(self, request: GenerateRequest, run: int, stop: threading.Event) -> bool:
        generator = self._generator(request.model)
        note = generator.tokenizer.encode_seed(request.seed).note
        if note:
            self.call_from_thread(self.notify, note, title="Seed", severity="warning")
        buffer = ChunkBuffer(len(request.temperatures))
        start = time.monotonic()
        stopped = False
        stream = generator.stream(
            request.seed,
            request.temperatures,
            request.length,
            top_k=request.top_k,
            top_p=request.top_p,
            exact_window=request.exact_window,
        )
        for i, pieces in enumerate(stream, 1):
            if stop.is_set():
                stopped = True
                break
            if buffer.add(pieces):
                self.post_message(msg.GenerationChunk(run, buffer.take() or ()))
            if self.generation_rate > 0:
                ahead = i / self.generation_rate - (time.monotonic() - start)
                if ahead > 0.005:
                    time.sleep(ahead)
        rest = buffer.take()
        if rest:
            self.post_message(msg.GenerationChunk(run, rest))
        self.post_message(msg.GenerationDone(run, stopped))
        return stopped

    def on_generation_chunk(self, message: msg.GenerationChunk) -> None:
        if message.run == self._gen_run and message.pieces:
            self.generate_pane.add(message.pieces)

    def on_generation_done(self, message: msg.GenerationDone) -> None:
        if message.run == self._gen_run:
            self.generate_pane.finish(message.stopped)

    def stop_generation(self) -> None:
        self._gen_stop.set()

    def save_generation(self, model: str | None, text: str) -> None:
        name = time.strftime("generated-%Y%m%d-%H%M%S.txt")
        bundled = bundled_model()
        folder = Path(model) if model else Path.cwd()
        if bundled is not None and folder.resolve() == bundled.resolve():
            folder = Path.cwd()
        for target in (folder / name, Path.cwd() / name):
            try:
                target.write_text(text, encoding="utf-8")
            except OSError:
                continue
            self.notify(f"Saved to {target}", title="Generate")
            return
        self.notify("Could not write the output (no writable folder).", severity="error")

    # -- models ---------------------------------------------------------------------------------
    def refresh_models(self) -> None:
        roots = model_roots()
        entries = list_bundles(*roots)
        self.models_pane.show(entries, roots)
        self.generate_pane.set_models(self._model_options(entries))

    def open_for_generation(self, path: str) -> None:
        self._refresh_generate_models(select=path)
        self.action_show_pane("generate")
        self.prepare_generator(path)

    def open_for_resume(self, path: str) -> None:
        try:
            info = read_info(path)
        except TextgenError as exc:
            self.notify(str(exc), severity="error")
            return
        pane = self.train_pane
        pane.fill(info.config)
        pane.out_dir = path
        self.corpus_pane.set_options(info.config.data.tokenizer, info.config.data.lowercase)
        self.action_show_pane("train")
        pane.query_one("#resume").focus()
        self.notify(
            f"{info.name}: {info.epochs_done} epoch(s) done. Set the epochs to add and press Resume (F7).",
            title="Resume training",
        )

    def delete_model(self, path: Path) -> None:
        bundled = bundled_model()
        if bundled is not None and path.resolve() == bundled.resolve():
            self.notify("The bundled model cannot be deleted.", severity="error")
            return
        if (
            self.trainer is not None
            and self.training_dir is not None
            and path.resolve() == self.training_dir.resolve()
        ):
            self.notify("This model is being trained: stop training first.", severity="error")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                shutil.rmtree(path)
            except OSError as exc:
                self.notify(f"Could not delete {path}: {exc.strerror or exc}", severity="error")
            else:
                self._generators.pop(str(path), None)
                self.notify(f"Deleted {path}", title="Models")
            self.refresh_models()

        self.push_screen(ConfirmDialog("Delete model", f"Delete {path} and everything in it?"), answer)

    # -- workers --------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if state == WorkerState.SUCCESS:
            if worker.group == "corpus" and isinstance(worker.result, CorpusSummary):
                self._corpus_loaded(worker.result)
            if worker.group == "model" and self._demo_pending:
                self._demo_pending = False
                self.generate_pane.action_generate()
        elif state == WorkerState.ERROR:
            error = worker.error
            if worker.group == "model":
                self._demo_pending = False
            if worker.group == "train" and self._failure_shown:
                pass  # the Failed event already opened the dialog
            elif isinstance(error, TextgenError):
                self.notify(str(error), title=worker.description.capitalize(), severity="error")
                if worker.group == "corpus":
                    self.corpus_pane.set_loading_failed(str(error))
            elif worker.group == "train":
                last = (
                    str(self.training_dir)
                    if self.training_dir and (self.training_dir / "model.keras").exists()
                    else None
                )
                self._show_failure(f"{type(error).__name__}: {error}", last)
            else:
                self.notify(f"{type(error).__name__}: {error}", title=worker.description, severity="error")
            if worker.group == "generate":
                self.generate_pane.finish(stopped=True)
        if worker.group == "train" and state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._training_ended()


def create_app(models_dir: str | os.PathLike | None = None, **options) -> TextgenApp:
    """Build the app; `models_dir` replaces ./models (it sets $TEXTGEN_TUI_MODELS for the core)."""
    if models_dir is not None:
        os.environ["TEXTGEN_TUI_MODELS"] = str(models_dir)
    return TextgenApp(**options)


def run_app(models_dir: str | None = None) -> None:
    app = create_app(models_dir, demo=True)
    with _screen_owns_stderr():
        app.run()


@contextlib.contextmanager
def _screen_owns_stderr():
    """Textual draws on stderr, and TensorFlow's C++ start-up logs write to file descriptor 2.
    Give Textual a private copy of the terminal and send fd 2 to a log file, so stray native
    output can never scribble over the screen."""
    try:
        terminal = os.dup(2)
    except OSError:  # no stderr at all: nothing to protect
        yield
        return
    saved = os.dup(2)
    log_path = Path(tempfile.gettempdir()) / "textgen-tui-stderr.log"
    previous = sys.__stderr__
    screen = os.fdopen(
        terminal, "w", encoding=getattr(previous, "encoding", None) or "utf-8", errors="replace"
    )
    try:
        with open(log_path, "ab") as log:
            os.dup2(log.fileno(), 2)
            sys.__stderr__ = screen
            try:
                yield
            finally:
                sys.__stderr__ = previous
                os.dup2(saved, 2)
    finally:
        os.close(saved)
        screen.close()
