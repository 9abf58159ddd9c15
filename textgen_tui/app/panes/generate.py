"""The Generate pane: pick a model, type a seed, stream each temperature's continuation.

The pane is in four parts: this one (the form, the request and its stream), its models
(`GenerateModels`, app/panes/generate_models.py), its seeds (`GenerateSeeds`,
app/panes/generate_seeds.py) and its output (`GenerateOutput`, app/panes/generate_output.py).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text, failure_title
from textgen_tui.app.panes.generate_models import (
    CHOOSE_PROMPT,
    NO_MODEL_PROMPT,
    TRAINING_LABEL,
    GenerateModels,
)
from textgen_tui.app.panes.generate_output import GenerateOutput, output_folder
from textgen_tui.app.panes.generate_seeds import GenerateSeeds
from textgen_tui.app.widgets.fields import KeyInput, KeyTextArea, parse_temperatures
from textgen_tui.app.widgets.numbers import parse_number
from textgen_tui.core.config import BOOK_TEMPERATURES
from textgen_tui.core.errors import ConfigError, GenerationError
from textgen_tui.core.generate.sampling import SamplingOptions
from textgen_tui.core.generate.service import GenerateRequest

__all__ = ["CHOOSE_PROMPT", "NO_MODEL_PROMPT", "GeneratePane", "GenerateRequest", "output_folder"]


class GeneratePane(GenerateModels, GenerateSeeds, GenerateOutput, Vertical):
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
        self.notify(text, title=failure_title(worker.description), severity="error")
        if worker.group == "generate":
            self.finish(stopped=True)

    # -- requests -------------------------------------------------------------------------------
    def build_request(self) -> GenerateRequest:
        model = self.model or self.fallback_model()  # nothing chosen: the bundled model
        if model is None:
            raise GenerationError("choose a model first (train one, or open one from the Models pane)")
        seed = self.seed_text
        if not seed.strip():
            raise GenerationError("the seed is empty: type some text (Ctrl+R draws a random one)")
        try:
            temps = parse_temperatures(self.query_one("#gen-temps", Input).value)
        except ConfigError as exc:
            raise GenerationError(str(exc)) from None
        exact = self.query_one("#exact-window", Checkbox).value
        return GenerateRequest(
            model, seed, temps, self._number("#gen-length", "length", lo=1), self.sampling(), exact
        )

    def sampling(self) -> SamplingOptions:
        """The sampling fields (GenerationError naming a bad one). The counts are checked here, the
        probabilities and the penalty by SamplingOptions (one text for a range, the CLI's too)."""
        return SamplingOptions(
            top_k=self._number("#gen-top-k", "top-k", lo=0),
            top_p=self._number("#gen-top-p", "top-p", kind=float),
            repetition_penalty=self._number(
                "#gen-repetition", "the repetition penalty", kind=float, blank=None
            ),
            no_repeat_ngram=self._number("#gen-no-repeat", "no-repeat n-gram size", lo=0),
            rng_seed=self._number("#gen-rng", "rng seed", lo=0, blank=None),
        )

    def _number(self, field: str, name: str, *, kind: type = int, lo: float = -math.inf, blank=...):
        """A number field's value; a blank one gives `blank` when one is passed."""
        value = self.query_one(field, Input).value
        return parse_number(value, name, kind=kind, lo=lo, error=GenerationError, blank=blank)

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
        generation = self.app.generation
        live = generation.live_epoch(request.model)
        header = f"{TRAINING_LABEL} (epoch {live})" if live and generation.training(request.model) else ""
        header = f"{Path(request.model).name} {header}".strip() + ": generating with seed"
        self.begin(request, header)
        self._stream(request, self._run, self._stop)

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False, description="generating")
    def _stream(self, request: GenerateRequest, run: int, stop: threading.Event) -> bool:
        from textgen_tui.app.relay import ChunkBuffer

        prepared, stream = self.app.generation.stream(  # GenerationError before a first epoch
            request.model,
            request.seed,
            request.temperatures,
            request.length,
            request.sampling,
            exact_window=request.exact_window,
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

    def focus_first(self) -> None:
        self.query_one("#seed", TextArea).focus()
