"""The Corpus pane: a path with completion, a folder browser, the catalog, options, statistics, preview
(the statistics are the core's `summarise`, run in a worker; the pane only shows them)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from textgen_tui.app.errors import error_text, failure_title
from textgen_tui.app.widgets.fields import KeyInput
from textgen_tui.app.widgets.suggest import PathSuggester
from textgen_tui.core.config import TOKENIZERS
from textgen_tui.core.text.catalog import CATALOG
from textgen_tui.core.text.corpus import Corpus
from textgen_tui.core.text.summary import CorpusSummary, summarise
from textgen_tui.core.train.fine_tune import base_names

PREVIEW_CHARS = 4000


def shown(token: str) -> str:
    return {"\n": "⏎", " ": "␣", "\t": "⇥"}.get(token, token)


class CorpusPane(Horizontal):
    """Chooses, loads (in a worker) and describes the corpus; `Loaded` tells the App, which hands
    it to the Train pane."""

    @dataclass
    class Loaded(Message):
        corpus: Corpus
        """The corpus that loaded."""
        base: str | None = None
        """The bundled base a run on it should start from (a small English text), else None."""

    corpus: Corpus | None = None
    """The corpus Train uses (the last one that loaded)."""

    BINDINGS = [
        Binding("ctrl+o", "browse", "Browse"),
        Binding("ctrl+l", "load", "Load"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="corpus-side"):
            yield Label("File or folder of .txt", classes="heading")
            yield KeyInput(
                placeholder="path/to/text.txt",
                suggester=PathSuggester(),
                id="corpus-path",
                compact=True,
            )
            with Horizontal(classes="buttons"):
                yield Button("Load", id="load", variant="primary", compact=True)
                yield Button("Browse…", id="browse", compact=True)
            yield Label("Catalog", classes="heading")
            yield OptionList(
                *[
                    Option(Content.from_markup("[b]$t[/b]\n$d", t=e.name, d=e.title), id=e.name)
                    for e in CATALOG.values()
                ],
                id="catalog",
                compact=True,
            )
            with Horizontal(classes="row"):
                yield Label("tokenizer", classes="option-label")
                yield Select(
                    [(t, t) for t in TOKENIZERS],
                    value="char",
                    allow_blank=False,
                    id="tokenizer",
                    compact=True,
                )
            yield Checkbox("lowercase", id="lowercase", compact=True)
        with Vertical(id="corpus-main"):
            yield Static(
                "No corpus loaded. Type a path, browse (Ctrl+O) or pick from the catalog.", id="corpus-stats"
            )
            with VerticalScroll(id="corpus-preview"):
                yield Static("", id="preview-text", markup=False)

    # -- options --------------------------------------------------------------------------------
    @property
    def tokenizer(self) -> str:
        value = self.query_one("#tokenizer", Select).value
        return value if isinstance(value, str) else "char"

    @property
    def lowercase(self) -> bool:
        return self.query_one("#lowercase", Checkbox).value

    def set_options(self, tokenizer: str, lowercase: bool) -> None:
        self.query_one("#tokenizer", Select).value = tokenizer
        self.query_one("#lowercase", Checkbox).value = lowercase

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "tokenizer" and self.corpus is not None:
            self._summarise(self.corpus, self.tokenizer)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if self.corpus is not None:
            self.load(self.corpus.source)  # read again, lowercased or not

    def load(self, spec: str) -> None:
        self.show_loading(spec)
        self._load(spec, self.lowercase, self.tokenizer)

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False, description="loading the corpus")
    def _load(self, spec: str, lowercase: bool, tokenizer: str) -> CorpusSummary:
        from textgen_tui.core.text.catalog import resolve_corpus

        return summarise(resolve_corpus(spec, lowercase), tokenizer, bases=tuple(base_names(tokenizer)))

    @work(thread=True, exclusive=True, group="corpus", exit_on_error=False, description="counting tokens")
    def _summarise(self, corpus: Corpus, tokenizer: str) -> CorpusSummary:
        return summarise(corpus, tokenizer, bases=tuple(base_names(tokenizer)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if worker.group != "corpus":
            return
        event.stop()
        if state == WorkerState.SUCCESS and isinstance(worker.result, CorpusSummary):
            summary = worker.result
            new = self.corpus is None or summary.corpus.source != self.corpus.source
            self.corpus = summary.corpus
            self.show(summary)
            if new:
                self.post_message(self.Loaded(summary.corpus, summary.base))
            chars = len(summary.corpus.text)
            if chars < 2000:
                self.notify(
                    f"Only {chars:,} characters: training needs a longer text to learn much.",
                    title="Short corpus",
                    severity="warning",
                )
        elif state == WorkerState.ERROR:
            error = worker.error
            text = error_text(error)
            self.notify(text, title=failure_title(worker.description), severity="error")
            self.set_loading_failed(text, self.corpus)

    def focus_first(self) -> None:
        self.query_one("#corpus-path", Input).focus()

    # -- choosing -------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "corpus-path":
            self.action_load()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "browse":
            self.action_browse()
        else:
            self.action_load()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.query_one("#corpus-path", Input).value = event.option.id
            self.load(event.option.id)

    def action_load(self) -> None:
        spec = self.query_one("#corpus-path", Input).value.strip()
        if not spec:
            self.notify("Type a path to a text file or folder first.", severity="warning")
            return
        self.load(spec)

    def action_browse(self) -> None:
        from textgen_tui.app.screens.dialogs import PathPicker

        def chosen(path: str | None) -> None:
            if path:
                self.query_one("#corpus-path", Input).value = path
                self.load(path)

        start = self.query_one("#corpus-path", Input).value.strip() or "."
        self.app.push_screen(PathPicker(start), chosen)

    # -- showing --------------------------------------------------------------------------------
    loaded = False

    def show_loading(self, spec: str) -> None:
        self.query_one("#corpus-stats", Static).update(Content.from_markup("Loading [b]$s[/b]…", s=spec))

    def show(self, s: CorpusSummary) -> None:
        self.loaded = True
        st = s.stats
        top = "  ".join(f"{shown(t)} {n:,}" for t, n in s.top_tokens[:8])
        lines = [
            Content.from_markup("[b]$src[/b]", src=s.corpus.source),
            Content(s.counts_line()),  # the core's counts agree with each other (Chinese too)
            Content(s.vocabulary_line()),
            Content.from_markup("most frequent: [$text-accent]$top[/]", top=top),
        ]
        if s.advice:
            lines.append(Content.from_markup("[$text-success]$a[/]", a=s.advice))
        if s.base_advice:
            lines.append(Content.from_markup("[$text-success]$a[/]", a=s.base_advice))
        if st.replaced:
            lines.append(
                Content.from_markup("[$text-warning]$n undecodable bytes replaced[/]", n=f"{st.replaced:,}")
            )
        self.query_one("#corpus-stats", Static).update(Content("\n").join(lines))
        text = s.corpus.text
        more = f"\n… ({len(text) - PREVIEW_CHARS:,} more characters)" if len(text) > PREVIEW_CHARS else ""
        self.query_one("#preview-text", Static).update(text[:PREVIEW_CHARS] + more)

    def set_loading_failed(self, error: str, current: Corpus | None = None) -> None:
        """The load failed: say why, and which corpus Train uses now (the preview stays that one's)."""
        uses = (
            Content.from_markup("Train uses [b]$s[/b] (shown below).", s=current.source)
            if current is not None
            else Content("No corpus loaded: Train has none yet.")
        )
        self.query_one("#corpus-stats", Static).update(
            Content("\n").join([Content.from_markup("[$text-error]$e[/]", e=error), uses])
        )
