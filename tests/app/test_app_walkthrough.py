"""Issue 22: the bugs of a user's walk-through, each driven with keys (they failed before the fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import choose_model, fake_bundle, load_tiny_corpus, notifications, type_into, wait_for
from textual.widgets import Static

from textgen_tui.app.app import create_app
from textgen_tui.app.screens.dialogs import QuitDialog
from textgen_tui.core.store.paths import bundled_model

TINY_FORM = {
    "maxlen": "20",
    "seq_len": "20",
    "units": "24",
    "batch_size": "32",
    "minutes": "",
    "epochs": "5000",  # the run lasts until it is stopped
    "length": "30",
}


async def start_long_run(app, pilot) -> None:
    await load_tiny_corpus(app, pilot)
    await pilot.press("f2")
    await pilot.click("#preset")
    await pilot.press("down", "enter")  # book: no early stopping
    await wait_for(pilot, lambda: app.train_pane.preset_name == "book", what="the preset")
    for name, value in TINY_FORM.items():
        await type_into(pilot, f"#field-{name}", value)
    await pilot.press("f5")
    await wait_for(pilot, lambda: app.training, what="training to start")


async def test_ctrl_q_twice_quits_while_training(workdir: Path) -> None:
    """Bug 1: the second Ctrl+Q reached the App's own priority binding, which returned while the
    quit dialog was up; the run trained on behind it."""
    app = create_app(models_dir="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await start_long_run(app, pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitDialog), what="the quit dialog")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, timeout=45, what="the app to quit")
    assert app.session.wait(20)
    assert not app.session.active


async def test_emptying_the_trash_keeps_a_users_folder(workdir: Path) -> None:
    """Bug 2: a folder that is not a model, put in models/.trash by hand, was listed as a model
    and deleted for good by `e`."""
    fake_bundle(workdir / "models" / "alpha")
    mine = workdir / "models" / ".trash" / "userstuff"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("my notes")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        table = app.query_one("#models-table")
        await wait_for(pilot, lambda: table.row_count >= 1, timeout=10, what="the models")
        await pilot.press("home", "d")
        await wait_for(
            pilot,
            lambda: (
                "Delete model" in str(app.screen.query("Label").first().render())
                if app.screen is not app.screen_stack[0]
                else False
            ),
            timeout=10,
            what="the dialog",
        )
        await pilot.press("y")
        await wait_for(pilot, lambda: not (workdir / "models" / "alpha").exists(), timeout=10, what="trash")
        assert any("u restores" in m for m in notifications(app))  # in the trash view, as it says
        await pilot.press("x")
        await pilot.pause()
        assert table.row_count == 1, "only the trashed model is listed"
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen is not app.screen_stack[0], timeout=10, what="the dialog")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any("Emptied" in m for m in notifications(app)), timeout=10, what="done"
        )
    assert (mine / "notes.txt").read_text() == "my notes"
    assert [p.name for p in (workdir / "models" / ".trash").iterdir()] == ["userstuff"]


async def type_seed(app, pilot, *lines: str) -> None:
    app.generate_pane.seed_text = ""  # a text area: end/shift+home/backspace clears one line only
    await pilot.click("#seed")
    for i, line in enumerate(lines):
        await pilot.press(*(["enter"] if i else []), *line)


async def test_a_three_line_seed_comes_back_from_the_history(workdir: Path) -> None:
    """Bug 3: the history turned a multi-line seed into one line with ⏎, cut it at 60 characters
    and listed duplicates."""
    fake_bundle(workdir / "models" / "demo")
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    long_line = "the quick brown fox jumps over the lazy dog and then over the fence too"
    three = f"first line\nsecond line\n{long_line}"
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_model(app, pilot, "demo")
        await type_seed(app, pilot, "first line", "second line", long_line)
        assert app.generate_pane.seed_text == three
        await pilot.press("f5")
        await type_seed(app, pilot, "other seed")
        await pilot.press("f5")
        await type_seed(app, pilot, "first line", "second line", long_line)
        await pilot.press("f5")
        await pilot.pause()
        history = app.query_one("#seed-history")
        assert history.option_count == 2  # no duplicate
        await type_seed(app, pilot, "x")
        history.focus()
        await pilot.press("home", "down", "up", "enter")  # the newest: the three lines
        await wait_for(pilot, lambda: app.generate_pane.seed_text != "x", timeout=5, what="the seed")
        assert app.generate_pane.seed_text == three


async def test_a_failed_load_after_a_good_one_says_so(workdir: Path) -> None:
    """Bug 4: "Loading missing.txt…" stayed for good above the previous corpus's preview."""
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#corpus-path", "tiny.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, timeout=20, what="the corpus")
        await type_into(pilot, "#corpus-path", "missing.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notifications(app, "error"), timeout=20, what="the error")
        await pilot.pause()
        stats = str(app.query_one("#corpus-stats", Static).render())
        assert "Loading" not in stats
        assert "does not exist" in stats
        assert "Train uses tiny.txt" in stats
        assert app.corpus is not None and app.corpus.source == "tiny.txt"


@pytest.mark.skipif(bundled_model() is None, reason="needs the bundled model")
async def test_the_demo_does_not_pull_the_user_back(workdir: Path, tmp_path) -> None:
    """Bug 11: the welcome demo switched to Generate after the user had pressed F1 and typed."""
    app = create_app(models_dir="models", preload_tensorflow=False, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1", *"tiny")
        await wait_for(
            pilot, lambda: app.generate_pane.texts and app.generate_pane.texts[0], timeout=60, what="demo"
        )
        await pilot.pause()
        await pilot.press(*".txt")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "corpus"
        assert app.query_one("#corpus-path").value == "tiny.txt"
        assert "tiny" not in app.generate_pane.seed_text


async def test_at_80_by_24_the_samples_are_the_largest_thing_while_training(workdir: Path) -> None:
    """A user's first annoyance: at 80×24 the per-epoch samples had 0-2 lines under the form,
    the status, the chart and the epoch lines. While training the form is one summary line."""
    app = create_app(models_dir="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_long_run(app, pilot)
        samples = app.query_one("#samples")
        await wait_for(pilot, lambda: samples.query(".sample"), timeout=90, what="the first samples")
        await pilot.pause()
        assert samples.region.height >= 6 + 1, samples.region  # its top rule and 6 lines of text
        assert samples.region.width >= 70  # the form gave its columns to the live view
        summary = str(app.query_one("#run-summary").render())
        assert "units 24" in summary and "book" in summary  # the values in use
        await pilot.press("f6")
        await wait_for(pilot, lambda: not app.training, timeout=60, what="the stop")
        await pilot.pause()
        assert samples.region.height >= 7  # still there after the run
        await pilot.press("s")  # the settings come back for the next run
        await pilot.pause()
        assert app.query_one("#train-form").display


async def test_editing_keys_keep_their_place_among_typed_characters(workdir: Path) -> None:
    """Bug 10 (Textualize/textual#6605): bound editing keys (Backspace, Home, Ctrl+K...) bubbled to
    the app and ran after characters typed after them when the app was busy."""
    from textual import events

    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#corpus-path")
        keys = [*"tinyx", "backspace", *".txt", "home", *"./"]
        for key in keys:  # all queued at once, as a fast typist's keys reach a busy app
            char = key if len(key) == 1 else None
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#corpus-path").value == "./tiny.txt"
        await pilot.press("f2")
        await pilot.click("#field-maxlen")
        for key in ["tab"] * 8 + ["end", "backspace", "backspace", "2"]:  # Tab is a screen binding
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#field-minutes").value == "2"
        assert app.query_one("#field-maxlen").value == "60"
        app.generate_pane.seed_text = ""
        await pilot.press("f3")
        await pilot.click("#seed")
        for key in [*"abc", "backspace", "backspace", *"xy"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.pause()
        assert app.generate_pane.seed_text == "axy"


@pytest.mark.skipif(bundled_model() is None, reason="needs the bundled model")
async def test_ctrl_s_saves_to_the_users_folder_not_the_models(workdir: Path) -> None:
    """Ctrl+S wrote into the model folder (the text went to the trash with the model)."""
    import shutil

    shutil.copytree(bundled_model(), workdir / "models" / "nz")
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await choose_model(app, pilot, "nz")
        await type_into(pilot, "#gen-length", "20")
        await type_seed(app, pilot, "the free spirit ")
        await pilot.press("f5")
        pane = app.generate_pane
        await wait_for(
            pilot,
            lambda: pane.texts and all(pane.texts) and not pane.query_one("#generate").disabled,
            timeout=60,
            what="generation",
        )
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: any("Saved to" in m for m in notifications(app)), timeout=10, what="saved"
        )
    saved = list(workdir.glob("generated-*.txt"))
    assert len(saved) == 1 and "the free spirit" in saved[0].read_text()
    assert not list((workdir / "models" / "nz").glob("generated-*"))
    assert str(workdir) in notifications(app)[-1]


async def test_the_corpus_pane_counts_words_and_the_runs_vocabulary(workdir: Path) -> None:
    """Bug 9: an 18-character file of 3 words showed "17 distinct word tokens" (the tokenizer's
    vocabulary, characters included), and Nietzsche's count was not the vocabulary a run uses."""
    (workdir / "three.txt").write_text("one two three one\n")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.click("#tokenizer")
        await pilot.press("down", "enter")  # word
        await wait_for(pilot, lambda: app.corpus_options[0] == "word", timeout=10, what="word")
        await type_into(pilot, "#corpus-path", "three.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, timeout=20, what="the corpus")
        await pilot.pause()
        stats = str(app.query_one("#corpus-stats", Static).render())
        assert "4 tokens (words and marks), 3 distinct" in stats, stats
        assert "a run's vocabulary" in stats


async def test_pane_keys_focus_the_pane_and_dialogs_answer_arrows(workdir: Path) -> None:
    """F4 left the tab bar focused (g/d/x did nothing); F1-F4 over Details switched the hidden
    pane; c was missing from help until two models were marked; ← → did not move between Yes and
    No; the delete toast named a key that did nothing there."""
    from textual.widgets import DataTable

    from textgen_tui.app.screens.details import ModelDetails
    from textgen_tui.app.screens.dialogs import ConfirmDialog, HelpScreen

    fake_bundle(workdir / "models" / "alpha")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.focused, DataTable) and app.focused.id == "models-table"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, what="help")
        table = app.screen.query_one(DataTable)
        assert any("Compare" in str(table.get_row_at(i)[1]) for i in range(table.row_count))
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("home", "i")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelDetails), timeout=10, what="details")
        await pilot.press("f1")
        await pilot.pause()
        assert app.query_one("TabbedContent").active == "models"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModelDetails), timeout=5, what="back")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5, what="the dialog")
        assert app.screen.focused.id == "no"
        await pilot.press("left")
        assert app.screen.focused.id == "yes"
        await pilot.press("right")
        assert app.screen.focused.id == "no"
        await pilot.press("left", "enter")
        await wait_for(pilot, lambda: not (workdir / "models" / "alpha").exists(), timeout=10, what="trash")


async def test_the_chart_plots_the_recent_batches_loss(workdir: Path) -> None:
    """Bug 8: the "batch loss (smoothed)" curve smoothed Keras' running mean over the epoch (it
    lags far behind late in an epoch); the core now reports the mean of the recent batches."""
    from textgen_tui.core import events as ev

    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        live = app.train_pane.live
        live.started(ev.Started("models/tiny", 5, 0, 100, 40, 12345, 5000, 500, "fast", budget_seconds=120.0))
        for batch in range(1, 101):  # the running mean stays at 1.5; the recent batches reach 0.6
            recent = 1.5 - 0.9 * batch / 100
            live.show_batch(
                ev.BatchProgress(2, 5, batch, 100, 1.5, 0.01, 1000.0, 1.0, 1.0, recent_loss=recent)
            )
        await pilot.pause()
        assert live.chart.batch_y[-1] < 1.2  # smoothed, but following the recent batches, not 1.5
        assert "validated about every" not in str(app.query_one("#train-status").render())


async def test_at_80_columns_generate_shows_one_temperature_at_a_time(workdir: Path) -> None:
    """At 80×24 the four temperatures were stacked and scrolled to T=1.2: one is shown whole, and
    Ctrl+T shows the next."""
    from textgen_tui.app.panes.generate import GenerateRequest

    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        pane = app.generate_pane
        request = GenerateRequest("models/alpha", "the quick ", (0.2, 0.5, 1.0, 1.2), 20)
        pane.begin(request, "alpha: generating with seed")
        pane.add(("cold text", "cool text", "warm text", "hot text"))
        pane.finish(stopped=False)
        await pilot.pause()
        shown = str(app.query_one("#gen-output", Static).render())
        assert "cold text" in shown and "cool text" not in shown
        assert "1/4" in app.query_one("#gen-output-scroll").border_title
        await pilot.press("ctrl+t")
        shown = str(app.query_one("#gen-output", Static).render())
        assert "cool text" in shown and "cold text" not in shown
        assert all(t in pane.plain_text() for t in ("cold", "cool", "warm", "hot"))  # Ctrl+S: all


async def test_a_chinese_text_gets_the_measured_tokenizer_advice(workdir: Path) -> None:
    """A Chinese or Japanese corpus: one line says which tokenizer the measurements favour; an
    English one gets no such line."""
    (workdir / "zh.txt").write_text("我们今天去公园散步，天气很好。" * 40 + "\n", encoding="utf-8")
    (workdir / "en.txt").write_text("we walk in the park today, the weather is fine.\n" * 40)
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 30)) as pilot:
        for name, advised in (("zh.txt", True), ("en.txt", False)):
            await type_into(pilot, "#corpus-path", name)
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda name=name: app.corpus is not None and app.corpus.source.endswith(name),
                timeout=20,
                what=name,
            )
            await pilot.pause()
            stats = str(app.query_one("#corpus-stats", Static).render())
            assert ("Chinese or Japanese text" in stats) is advised, stats


async def test_models_listed_but_none_chosen_are_not_called_no_model(workdir: Path) -> None:
    """With the bundled model in the list, Generate's chooser said "no model yet"."""
    from textual.widgets import Select

    from textgen_tui.app.panes.generate import CHOOSE_PROMPT

    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f3")
        chooser = app.query_one("#gen-model", Select)
        await wait_for(pilot, lambda: chooser.prompt == CHOOSE_PROMPT, timeout=10, what="the prompt")
        assert str(chooser.query_one("SelectCurrent #label", Static).render()) == CHOOSE_PROMPT
        await pilot.click("#gen-model")
        await pilot.pause()
        assert chooser.expanded
