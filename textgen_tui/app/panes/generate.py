"""The Generate pane: pick a model, type a seed, stream each temperature's continuation."""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text
from textgen_tui.app.render import printout, temperature_block
from textgen_tui.app.widgets.fields import KeyInput, KeyTextArea, parse_temperatures
from textgen_tui.core.config import BOOK_TEMPERATURES
from textgen_tui.core.errors import ConfigError, GenerationError, TextgenError

TRAINING_LABEL = "being trained"


@dataclass
class GenerateRequest:
    model: str
    seed: str
    temperatures: tuple[float, ...]
    length: int
    top_k: int
    top_p: float
    exact_window: bool
    rng_seed: int | None = None
    """Random seed of the sampler: the same request gives the same text (None: a fresh one)."""
    repetition_penalty: float | None = None
    """Divides the logits of recent tokens (CTRL's penalty); 1: off; None: the model's default."""
    no_repeat_ngram: int = 0
    """No n-gram of this many tokens twice (the seed's included); 0: off."""


def _history_line(seed: str, width: int = 60) -> str:
    """One line for the seed history: its lines joined with ⏎ and cut with … (display only)."""
    line = seed.replace("\n", "⏎")
    return line if len(line) <= width else line[: width - 1] + "…"


SIDE_BY_SIDE = 160  # columns from which the temperatures stream side by side


def _int(text: str, name: str, lo: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise GenerationError(f"{name} must be a whole number (got {text.strip()!r})") from None
    if value < lo:
        raise GenerationError(f"{name} must be at least {lo} (got {value})")
    return value


def _top_p(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise GenerationError(f"top-p must be a number (got {text.strip()!r})") from None
    if not 0 < value <= 1:
        raise GenerationError(f"top-p must be in (0, 1] (got {value:g})")
    return value


def _penalty(text: str) -> float | None:
    if not text.strip():
        return None  # the model's default: on for word and subword models
    try:
        value = float(text.strip())
    except ValueError:
        raise GenerationError(f"the repetition penalty must be a number (got {text.strip()!r})") from None
    if not 1.0 <= value <= 100.0:
        raise GenerationError(f"the repetition penalty must be in [1, 100] (1 is off; got {value:g})")
    return value


def _rng_seed(text: str) -> int | None:
    if not text.strip():
        return None
    return _int(text, "rng seed", 0)


def output_folder() -> Path:
    """Where Ctrl+S saves: the current folder when it can be written, else ~/textgen-output (never
    inside a model folder: deleting the model would take the text to the trash with it)."""
    cwd = Path.cwd()
    if os.access(cwd, os.W_OK) and not (cwd / "state.json").exists():
        return cwd
    folder = Path.home() / "textgen-output"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


NO_MODEL_PROMPT = "(no model yet: train one, or add a model folder to the models home)"
CHOOSE_PROMPT = "(choose a model: Enter opens the list)"


class GeneratePane(Vertical):
    """Owns generation: the request, its `@work` stream (paced, in a thread: numpy only, so it runs
    beside training), the buffer of chunks, stopping and saving."""

    @dataclass
    class Seeded(Message):
        """The seed as the model reads it (lowercased for a lowercase model)."""

        run: int
        seed: str

    @dataclass
    class Chunk(Message):
        """Generated text since the previous chunk, one piece per temperature."""

        run: int
        pieces: tuple[str, ...]

    @dataclass
    class Done(Message):
        run: int
        stopped: bool

    shown: reactive[int] = reactive(0, init=False)
    """The temperature shown when the columns do not fit (Ctrl+T: the next one)."""

    BINDINGS = [
        Binding("f5", "generate", "Generate"),
        Binding("f6", "stop", "Stop"),
        Binding("ctrl+r", "random_seed", "Random seed"),
        Binding("ctrl+s", "save", "Save"),
        # The seed is a text area (Enter is a new line): Ctrl+Enter generates, where the terminal
        # can tell it from Enter; F5 always does.
        Binding("ctrl+enter", "generate", "Generate", show=False),
        Binding("ctrl+t", "next_temperature", "Next temp"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = ""
        self.temperatures: tuple[float, ...] = ()
        self.texts: list[str] = []
        self.header = ""
        self._stop = threading.Event()
        self._run = 0
        self._demo = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("model", classes="gen-label")
            yield Select(
                [],
                prompt=NO_MODEL_PROMPT,
                id="gen-model",
                compact=True,
            )
        with Horizontal(id="seed-row"):
            yield Label("seed", classes="gen-label")
            seed = KeyTextArea(id="seed", soft_wrap=True, compact=True, show_line_numbers=False)
            seed.placeholder = (
                "type a seed (several lines if you like); F5 or Ctrl+Enter generates, Ctrl+R: random"
            )
            yield seed
        with Horizontal(classes="row", id="temps-row"):
            yield Label("temps", classes="gen-label")
            yield KeyInput(", ".join(f"{t:g}" for t in BOOK_TEMPERATURES), id="gen-temps", compact=True)
            yield Label("length", classes="small-label")
            yield KeyInput("400", id="gen-length", compact=True, classes="num")
        with Horizontal(classes="row", id="sampling-row"):
            yield Label("sample", classes="gen-label")
            yield Label("top-k", classes="small-label")
            yield KeyInput("0", id="gen-top-k", compact=True, classes="num")
            yield Label("top-p", classes="small-label")
            yield KeyInput("1.0", id="gen-top-p", compact=True, classes="num")
            yield Label("rng", classes="small-label")
            rng = KeyInput("", id="gen-rng", compact=True, classes="num", placeholder="random")
            rng.tooltip = (
                "Random seed of the sampler: the same number gives the same text again (CLI: --rng-seed)"
            )
            yield rng
            yield Label("rep", classes="small-label")
            rep = KeyInput("", id="gen-repetition", compact=True, classes="num", placeholder="auto")
            rep.tooltip = (
                "Repetition penalty (CTRL): the recent tokens' logits are divided by it; 1 is off. "
                "Empty (auto): 1.2 for word and subword models, which loop at low temperatures "
                "without it, off for char models (CLI: --repetition-penalty)"
            )
            yield rep
            yield Label("no-rep n", classes="small-label")
            ngram = KeyInput("0", id="gen-no-repeat", compact=True, classes="num")
            ngram.tooltip = (
                "No n-gram of this many tokens appears twice (the seed's included); 0 is off "
                "(CLI: --no-repeat-ngram)"
            )
            yield ngram
        with Horizontal(classes="row"):
            yield Checkbox("exact window (book models)", id="exact-window", compact=True)
            yield Button("Generate", id="generate", variant="primary", compact=True)
            yield Button("Stop", id="stop-gen", compact=True, disabled=True)
            yield Button("Random seed", id="random-seed", compact=True)
            yield Button("Save", id="save", compact=True)
        with Horizontal(id="gen-body"):
            with VerticalScroll(id="gen-output-scroll"):
                yield Static("", id="gen-output")
                yield Horizontal(id="gen-columns")  # wide screens: one column per temperature
            with Vertical(id="gen-history-box"):
                yield Label("seed history", classes="gen-heading")
                yield OptionList(id="seed-history", compact=True)

    # -- models ---------------------------------------------------------------------------------
    def show_models(self, entries, select: str | None = None) -> None:
        """The model list: the run being trained first (its live weights), then every folder."""
        from textgen_tui.core.store.paths import bundled_model

        session, generation = self.app.session, self.app.generation
        live_dir = session.out_dir if session.active else None
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
        session, generation = self.app.session, self.app.generation
        if self._demo:  # the welcome writes from the model's first stored seed
            from textgen_tui.core.store.folder import read_info

            seeds = read_info(path).seeds
            if seeds:
                self.app.call_from_thread(self._demo_seed, seeds[0])
        if session.active and session.out_dir == Path(path) and not generation.live_epoch(path):
            return  # nothing to load until the first epoch ends
        generation.generator(path)

    def _demo_seed(self, seed: str) -> None:
        if not self.seed_text:
            self.seed_text = seed

    def start_demo(self, path: str) -> None:
        """The welcome: the bundled model writes from one of its seeds once it is loaded."""
        self._demo = True
        self.load_model(path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if worker.group not in ("model", "generate", "seeds"):
            return
        event.stop()
        if worker.group == "model" and state in (WorkerState.SUCCESS, WorkerState.ERROR):
            demo, self._demo = self._demo, False
            if demo and state == WorkerState.SUCCESS:
                self.action_generate()
        if state != WorkerState.ERROR:
            return
        error = worker.error
        text = error_text(error)
        self.notify(text, title=worker.description.capitalize(), severity="error")
        if worker.group == "generate":
            self.finish(stopped=True)

    # -- requests -------------------------------------------------------------------------------
    def build_request(self) -> GenerateRequest:
        model = self.model
        if model is None:
            raise GenerationError("choose a model first (train one, or open one from the Models pane)")
        seed = self.seed_text
        if not seed.strip():
            raise GenerationError("the seed is empty: type some text (Ctrl+R draws a random one)")
        try:
            temps = parse_temperatures(self.query_one("#gen-temps", Input).value)
        except ConfigError as exc:
            raise GenerationError(str(exc)) from None
        return GenerateRequest(
            model,
            seed,
            temps,
            _int(self.query_one("#gen-length", Input).value, "length", 1),
            _int(self.query_one("#gen-top-k", Input).value, "top-k", 0),
            _top_p(self.query_one("#gen-top-p", Input).value),
            self.query_one("#exact-window", Checkbox).value,
            _rng_seed(self.query_one("#gen-rng", Input).value),
            _penalty(self.query_one("#gen-repetition", Input).value),
            _int(self.query_one("#gen-no-repeat", Input).value, "no-repeat n-gram size", 0),
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_generate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "generate": self.action_generate,
            "stop-gen": self.action_stop,
            "random-seed": self.action_random_seed,
            "save": self.action_save,
        }
        actions[event.button.id or "generate"]()

    def action_generate(self) -> None:
        try:
            request = self.build_request()
        except GenerationError as exc:
            self.notify(str(exc), title="Generate", severity="error")
            return
        self.remember(request.seed)
        self.start(request)

    def start(self, request: GenerateRequest) -> None:
        self._stop.set()  # a stream still running ends: its chunks carry an old run number
        self._stop = threading.Event()
        self._run += 1
        session, generation = self.app.session, self.app.generation
        live = generation.live_epoch(request.model)
        header = f"{TRAINING_LABEL} (epoch {live})" if live and session.active else ""
        header = f"{Path(request.model).name} {header}".strip() + ": generating with seed"
        self.begin(request, header)
        self._stream(request, self._run, self._stop)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False, description="generating")
    def _stream(self, request: GenerateRequest, run: int, stop: threading.Event) -> bool:
        from textgen_tui.app.relay import ChunkBuffer

        session, generation = self.app.session, self.app.generation
        if session.active and session.out_dir == Path(request.model):
            if not generation.live_epoch(request.model):
                raise TextgenError(
                    "the model being trained has no finished epoch yet: wait for the first one"
                )
        prepared, stream = generation.stream(
            request.model,
            request.seed,
            request.temperatures,
            request.length,
            top_k=request.top_k,
            top_p=request.top_p,
            exact_window=request.exact_window,
            rng_seed=request.rng_seed,
            repetition_penalty=request.repetition_penalty,
            no_repeat_ngram=request.no_repeat_ngram,
        )
        if prepared.text != request.seed:
            self.post_message(self.Seeded(run, prepared.text))
        if prepared.note:
            self.app.call_from_thread(self.notify, prepared.note, title="Seed", severity="warning")
        buffer = ChunkBuffer(len(request.temperatures))
        rate = self.app.generation_rate  # tokens per second per stream; 0: as fast as possible
        start = time.monotonic()
        stopped = False
        for i, pieces in enumerate(stream, 1):
            if stop.is_set():
                stopped = True
                break
            if buffer.add(pieces):
                self.post_message(self.Chunk(run, buffer.take() or ()))
            if rate > 0:
                ahead = i / rate - (time.monotonic() - start)
                if ahead > 0.005:
                    time.sleep(ahead)
        rest = buffer.take()
        if rest:
            self.post_message(self.Chunk(run, rest))
        self.post_message(self.Done(run, stopped))
        return stopped

    def on_generate_pane_seeded(self, message: Seeded) -> None:
        if message.run == self._run:
            self.use_seed(message.seed)

    def on_generate_pane_chunk(self, message: Chunk) -> None:
        if message.run == self._run and message.pieces:
            self.add(message.pieces)

    def on_generate_pane_done(self, message: Done) -> None:
        if message.run == self._run:
            self.finish(message.stopped)

    def action_stop(self) -> None:
        self._stop.set()

    def action_random_seed(self) -> None:
        self._seeds(self.model)

    @work(thread=True, exclusive=True, group="seeds", exit_on_error=False, description="reading seeds")
    def _seeds(self, model: str | None) -> None:
        from textgen_tui.core.store.folder import read_info

        try:
            seeds = read_info(model).seeds if model else []
        except TextgenError:
            seeds = []
        self.app.call_from_thread(self.offer_seeds, seeds)

    def offer_seeds(self, seeds: list[str]) -> None:
        """The chosen model's stored seeds (read in a worker): one at random."""
        if not seeds:
            self.notify("This model has no stored seeds (or no model is chosen).", severity="warning")
            return
        self.seed_text = random.choice(seeds)
        self.query_one("#seed", TextArea).focus()

    @property
    def seed_text(self) -> str:
        return self.query_one("#seed", TextArea).text

    @seed_text.setter
    def seed_text(self, text: str) -> None:
        area = self.query_one("#seed", TextArea)
        area.text = text
        area.move_cursor(area.document.end)

    def focus_first(self) -> None:
        self.query_one("#seed", TextArea).focus()

    def action_save(self) -> None:
        if not self.texts:
            self.notify("Nothing generated yet.", severity="warning")
            return
        name = time.strftime("generated-%Y%m%d-%H%M%S.txt")
        try:
            target = output_folder() / name
            target.write_text(self.plain_text(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write the output: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Saved to {target} (your folder, not the model's)", title="Generate")

    # -- history --------------------------------------------------------------------------------
    history: list[str]
    """The seeds used, newest first, each once and whole (the list shows a shortened line)."""

    def remember(self, seed: str) -> None:
        self.history = list(dict.fromkeys([seed, *getattr(self, "history", [])]))[:50]
        self.query_one("#seed-history", OptionList).set_options(
            Option(Content(_history_line(s)), id=str(i)) for i, s in enumerate(self.history)
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        seeds = getattr(self, "history", [])
        if 0 <= event.option_index < len(seeds):
            self.seed_text = seeds[event.option_index]
            self.query_one("#seed", TextArea).focus()

    # -- output ---------------------------------------------------------------------------------
    def begin(self, request: GenerateRequest, header: str) -> None:
        self.seed = request.seed
        self.temperatures = request.temperatures
        self.texts = ["" for _ in request.temperatures]
        self.header = header
        self.set_running(True)
        self._paint_output()
        self.refresh_bindings()

    def use_seed(self, seed: str) -> None:
        """The seed as the model reads it (a lowercase model sees a lowercased seed)."""
        self.seed = seed
        self._paint_output()

    def add(self, pieces: tuple[str, ...]) -> None:
        self.texts = [t + p for t, p in zip(self.texts, pieces)]
        self._paint_output()

    def finish(self, stopped: bool) -> None:
        self.set_running(False)
        if stopped:
            self.header += " (stopped)"
        self._paint_output()

    @property
    def side_by_side(self) -> bool:
        """Wide enough to compare the temperatures in columns (one per temperature)."""
        return self.size.width >= SIDE_BY_SIDE and len(self.temperatures) > 1

    def on_resize(self) -> None:
        if self.temperatures:
            self._paint_output()

    def _paint_output(self) -> None:
        output = self.query_one("#gen-output", Static)
        columns = self.query_one("#gen-columns", Horizontal)
        wide = self.side_by_side
        columns.display = wide
        if wide:
            output.update(printout(self.seed, (), (), self.header))  # the title line only
            if len(columns.children) != len(self.temperatures):
                columns.remove_children()
                columns.mount_all(Static(classes="gen-column") for _ in self.temperatures)
                self.call_after_refresh(self._paint_output)  # the new columns exist after this refresh
                return
            for i, (column, temp) in enumerate(zip(columns.query(".gen-column"), self.temperatures)):
                text = self.texts[i] if i < len(self.texts) else ""
                column.update(temperature_block(self.seed, temp, i, text))
        elif len(self.temperatures) > 1:  # one temperature at a time, whole: Ctrl+T switches
            i = self.shown % len(self.temperatures)
            text = self.texts[i] if i < len(self.texts) else ""
            title = f"{self.header} · {i + 1}/{len(self.temperatures)}, Ctrl+T next"
            output.update(
                Content("").join(
                    [
                        Content.from_markup("[b]$title[/b]\n", title=title),
                        temperature_block(self.seed, self.temperatures[i], i, text),
                    ]
                )
            )
        else:
            output.update(printout(self.seed, self.temperatures, self.texts, self.header))
        self.query_one("#gen-output-scroll", VerticalScroll).scroll_end(animate=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_temperature":  # in the Footer when the temperatures are shown one by one
            return len(self.temperatures) > 1 and not self.side_by_side
        return True

    def action_next_temperature(self) -> None:
        if self.temperatures:
            self.shown = (self.shown + 1) % len(self.temperatures)

    def watch_shown(self) -> None:
        self._paint_output()

    def set_running(self, running: bool) -> None:
        self.query_one("#generate", Button).disabled = running
        self.query_one("#stop-gen", Button).disabled = not running

    def column_texts(self) -> list[str]:
        """What each side-by-side column shows (empty when stacked)."""
        columns = self.query_one("#gen-columns", Horizontal)
        if not columns.display:
            return []
        return [str(c.render()) for c in columns.query(".gen-column")]

    def plain_text(self) -> str:
        return printout(self.seed, self.temperatures, self.texts, self.header).plain
