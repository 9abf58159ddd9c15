"""Issue 24: the Write pane. Co-writing with ghost text (type, pause, Tab, Esc, Ctrl+N), the text
seen through the model (the heatmap and the top-10 table follow the cursor, the cells), errors,
saving, and SVG snapshots at 80×24 and 200×50. The bundled model writes: fixed weights, and a
fixed sampler seed, so what it suggests is the same on every run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from app_helpers import TINY_TEXT, notifications, settle, type_into, wait_for
from rich.cells import cell_len
from textual.widgets import DataTable, Input, OptionList, Static, TextArea
from textual.widgets._footer import FooterKey

from textgen_tui.app.app import create_app
from textgen_tui.app.panes.write import PAUSE, Ask, WritePane
from textgen_tui.app.widgets.write_view import LEVELS, NATS_STYLES, NATS_TOP
from textgen_tui.core.generate.cowrite import CoWriter, Suggestions, SuggestOptions
from textgen_tui.core.generate.sampling import SamplingOptions
from textgen_tui.core.inspect.surprise import band_of

PHRASE = "the philosopher is "
PASSAGE = (
    "What is the will to power? It is the feeling that power increases,\n"
    'that a resistance is overcome. "Not contentment", he said (not peace).'
)


async def open_write(pilot, rng_seed: int = 7) -> WritePane:
    app = pilot.app
    await pilot.press("f8")
    pane = app.query_one(WritePane)
    tabs = app.query_one("TabbedContent")
    await wait_for(pilot, lambda: tabs.active == "write" and pane.area.has_focus, what="the Write pane")
    pane.rng_seed = rng_seed
    return pane


def assert_fits(app, pane: WritePane) -> None:
    """Everything of the pane is on the screen, and every Footer key is drawn whole."""
    width, height = app.size
    for selector in (
        "#write-model",
        "#write-temp",
        "#write-top-p",
        "#write-editor",
        "#write-side",
        "#write-status",
    ):
        region = pane.query_one(selector).region
        assert region.width > 0 and region.height > 0 and region.right <= width and region.bottom <= height, (
            selector
        )
    keys = [k for k in app.screen.query(FooterKey) if k.display]
    assert any(k.description == "Help" for k in keys)
    assert all(k.region.width > 0 and k.region.right <= width for k in keys)


async def type_and_pause(pilot, pane: WritePane, text: str) -> None:
    """Type `text` key by key; the model is asked after the last key only (on a loaded machine a
    pause between two keys would otherwise bring ideas for a part of it)."""
    pane.pause = 600
    await pilot.press(*text[:-1])
    pane.pause = PAUSE
    await pilot.press(text[-1])


async def ghost_after_pause(pilot, pane: WritePane) -> str:
    await wait_for(pilot, lambda: pane.area.ghost, what="a suggestion")
    return pane.area.ghost


def ghost_fits(area, ghost: str) -> bool:
    """The editor shows `ghost` (newlines as ⏎) whole, or cut with "…" where the row ends: its
    last cell is on the screen either way."""
    shown, drawn = ghost.replace("\n", "⏎"), area.suggestion
    whole = drawn == shown
    cut = drawn.endswith("…") and shown.startswith(drawn[:-1]) and len(drawn) <= len(shown)
    x = area.wrapped_document.location_to_offset(area.cursor_location).x
    return (whole or cut) and x + cell_len(drawn) < area.scrollable_content_region.width


async def test_type_pause_take_a_word_dismiss_and_cycle(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_write(pilot)
        area = pane.area
        assert "nietzsche-char (bundled)" in str(pane.query_one("#write-model", Static).render())
        assert_fits(app, pane)
        await type_and_pause(pilot, pane, PHRASE)
        ghost = await ghost_after_pause(pilot, pane)
        await settle(pilot)
        assert_fits(app, pane)  # the Footer with the ideas' keys too
        assert len(ghost) >= 20 and ghost_fits(area, ghost)
        assert len(area.alternatives) >= 2  # three samples, one batched step

        word = re.match(r"\s*\S+", ghost).group(0)
        await pilot.press("tab")  # the next word, and the rest of the ghost stays
        assert area.text == PHRASE + word
        assert area.ghost == ghost[len(word) :]
        assert area.has_focus

        await pilot.press("escape")
        assert area.ghost == "" and area.suggestion == ""

        await type_and_pause(pilot, pane, " and")
        first = await ghost_after_pause(pilot, pane)
        ideas = list(area.alternatives)
        assert len(ideas) >= 2 and first == ideas[0]
        await pilot.press("ctrl+n")
        assert area.ghost == ideas[1] != first
        await pilot.press("ctrl+p")  # back; Ctrl+P cycles here instead of opening the palette
        assert area.ghost == first
        assert app.screen is app.screen_stack[0]
        shown = str(pane.query_one("#write-ideas", Static).render())
        assert all(idea.split("\n")[0].strip()[:10] in shown for idea in ideas)

        before = area.text
        pane.pause = 600  # no new suggestion while the screen is looked at
        await pilot.press("right")  # all of it
        assert area.text == before + first
        assert area.ghost == ""
        await pilot.press("f5")  # suggest now: the model goes on from there
        assert await ghost_after_pause(pilot, pane)


async def test_typing_the_ghost_keeps_it_and_a_stale_answer_is_dropped(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_write(pilot, rng_seed=11)
        area = pane.area
        await type_and_pause(pilot, pane, PHRASE)
        ghost = await ghost_after_pause(pilot, pane)
        pane.pause = 600  # no new suggestion while the screen is looked at
        await pilot.press({" ": "space", "\n": "enter"}.get(ghost[0], ghost[0]))
        assert area.ghost == ghost[1:]  # typed what it said: the rest stays, no new request
        await pilot.press("backspace")
        assert area.ghost == ""  # any other edit dismisses it

        # An answer computed for a text or a cursor that has changed since is not shown.
        ask = Ask("models/x", area.text, pane._serial - 1, area.cursor_location)
        pane.post_message(pane.Suggested(ask, Suggestions(area.text, ("stale idea",) * 3, 9, 9, 0.0)))
        await settle(pilot)
        assert area.ghost == "" and "stale idea" not in str(pane.query_one("#write-ideas", Static).render())


async def test_a_ghost_longer_than_the_row_ends_in_an_ellipsis_and_is_taken_whole(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_write(pilot)
        pane.pause = 600  # only the ghost offered here
        area = pane.area
        area.text = PHRASE
        area.move_cursor(area.document.end)
        long = "and the will to power wants more, always more, " * 4
        area.offer([long], area.cursor_location)
        await settle(pilot)
        assert area.suggestion.endswith("…") and ghost_fits(area, long)
        narrow = area.suggestion
        await pilot.resize_terminal(200, 50)  # a wider row: more of it shows
        await settle(pilot)
        assert ghost_fits(area, long) and len(area.suggestion) > len(narrow)
        await pilot.press("right")
        assert area.text == PHRASE + long and area.suggestion == ""


async def test_the_heatmap_and_the_top10_follow_the_cursor(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_write(pilot)
        area = pane.area
        area.text = PASSAGE  # as if pasted
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: pane._report is not None and area.overlay, what="the heatmap")
        report = pane._report
        assert "".join(t.text for t in report.tokens) == PASSAGE.lower()  # a lowercase model
        assert_fits(app, pane)
        # Each token's color is its GLTR band.
        line = area.get_line(0)
        for tok in report.tokens[1:12]:
            spans = [s for s in line.spans if s.start == tok.start]
            band = band_of(tok.rank)
            assert (
                spans
                and str(spans[0].style.bgcolor.name).lower()
                in (
                    "#adff80",
                    "#ffea80",
                    "#ff9280",
                    "#e5b0ff",
                )[band : band + 1]
            )
        table = pane.query_one("#write-top10", DataTable)
        at = pane.query_one("#write-at", Static)
        seen = []
        for column in (5, 14, 30):  # the cursor moves along the first line
            await pilot.press("up", "up", "home", *["right"] * column)
            await settle(pilot)
            index = report.token_at(column)
            tok = report.tokens[index]
            assert table.row_count == 10
            probabilities = [float(str(table.get_row_at(r)[2]).rstrip("%")) for r in range(10)]
            assert probabilities == sorted(probabilities, reverse=True)
            said = str(at.render())
            assert f"rank {tok.rank} " in said
            seen.append((said, [str(table.get_row_at(r)[1]) for r in range(10)]))
        assert len({s for s, _ in seen}) == 3  # the panel followed the cursor

        await pilot.press("ctrl+g")  # again: −ln p on a scale, green (expected) to violet (startled)
        assert "nats" in str(pane.query_one("#write-legend", Static).render())
        line = area.get_line(0)
        for tok in report.tokens[1:12]:
            style = next(s.style for s in line.spans if s.start == tok.start)
            level = min(LEVELS, round(tok.nats / NATS_TOP * LEVELS))
            assert style.bgcolor == NATS_STYLES[level].bgcolor

        # An edit takes the colors away; after a pause they come back for the new text.
        pane.pause = 600  # no new reading while the screen is looked at
        await pilot.press(*["down"] * 6, "end", *" again")  # the last line is wrapped
        assert not area.overlay
        pane.pause = 0.3
        await pilot.press("!")
        await wait_for(
            pilot, lambda: area.overlay and pane._report.text.endswith("again!"), what="the new heatmap"
        )

        await pilot.press("ctrl+f")  # the cells: the best units per feature, the text colored by one
        cells = pane.query_one("#write-cells", OptionList)
        await wait_for(pilot, lambda: pane._reading is not None and cells.option_count > 0, what="cells")
        reading = pane._reading
        assert_fits(app, pane)
        first = dict(area.overlay)
        assert first
        assert {m.feature for m in reading.matches} >= {"position_in_line", "position_in_word"}
        cells.focus()
        await pilot.press("down", "down", "enter")
        chosen = reading.matches[cells.highlighted]
        assert pane.query_one("#write-unit", Input).value == str(chosen.unit)
        values = reading.values(chosen.layer, chosen.unit)
        assert np.all(np.abs(values) <= 1.0)
        assert f"unit {chosen.unit}" in str(pane.query_one("#write-status", Static).render())

        await pilot.press("ctrl+f")  # back to writing: no colors
        assert not area.overlay


async def test_errors_are_said_and_the_text_is_saved(workdir: Path, monkeypatch) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_write(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert any("The text is empty" in m for m in notifications(app, "warning"))
        await pilot.press("ctrl+g", "ctrl+g", "ctrl+s")  # the −ln p scale, then back to writing
        assert pane.view == "write"
        assert any("Nothing written yet" in m for m in notifications(app, "warning"))
        await pilot.press("ctrl+o")
        assert any("No corpus loaded" in m for m in notifications(app, "warning"))

        await type_into(pilot, "#write-temp", "hot")
        await pilot.click("#write-editor")
        await pilot.press(*"the will")
        await wait_for(
            pilot, lambda: any("is not a number" in m for m in notifications(app, "error")), what="the error"
        )
        assert pane.area.ghost == ""

        monkeypatch.setattr("textgen_tui.core.store.paths.bundled_model", lambda: None)
        await pilot.press("f5")
        await settle(pilot)
        assert any("No model" in m for m in notifications(app, "warning"))

        await pilot.press("ctrl+s")
        saved = list(workdir.glob("written-*.txt"))
        assert len(saved) == 1 and saved[0].read_text(encoding="utf-8") == "the will"


def live_snapshot(epoch: int = 2):
    """The weights a training hands over after an epoch: a tiny random GRU over TINY_TEXT's words."""
    from textgen_tui.core import events as ev
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.numpy_net import RecurrentNet
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    tokenizer = fit_tokenizer("word", TINY_TEXT, min_count=1)
    rng = np.random.default_rng(5)
    vocab, units = tokenizer.vocab_size, 12
    recurrent = [
        (
            "gru",
            rng.normal(0, 0.5, (6, 3 * units)),
            rng.normal(0, 0.5, (units, 3 * units)),
            np.zeros((2, 3 * units)),
        )
    ]
    net = RecurrentNet.from_arrays(
        rng.normal(0, 0.5, (vocab, 6)), recurrent, rng.normal(0, 1, (units, vocab)), np.zeros(vocab)
    )
    cfg = preset("fast")
    cfg.data.lowercase = False
    return ev.Snapshot(epoch, net, tokenizer, cfg)


async def test_an_excerpt_of_the_corpus_and_the_model_being_trained(workdir: Path) -> None:
    """Ctrl+O fills the editor from the loaded corpus; the model Generate uses, here the live
    weights of a run (what the training hands over after each epoch; a word model here), is the one
    that suggests."""
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_into(pilot, "#corpus-path", "tiny.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, what="the corpus")
        pane = await open_write(pilot)
        await pilot.press("ctrl+o")
        excerpt = pane.area.text
        assert len(excerpt) > 100 and excerpt in TINY_TEXT
        assert pane.area.cursor_location == pane.area.document.end

        live = workdir / "models" / "tiny-run"
        snapshot = live_snapshot()
        app.generation.set_live(live, snapshot)
        app.generate_pane.set_models([("tiny-run: being trained (epoch 2)", str(live))], select=str(live))
        await settle(pilot)
        pane.area.insert(" The")  # at once (typed, a pause between two keys could bring an idea
        # for " Th" that the "e" then continues); uppercase: this model is not a lowercase one
        await wait_for(pilot, lambda: pane.area.ghost, what="a suggestion from the live weights")
        generator = app.generation.generator(live)
        expected = CoWriter(generator).suggest(
            pane.area.text, SuggestOptions(0.5, sampling=SamplingOptions(rng_seed=7))
        )
        assert pane.area.alternatives == expected.distinct()
        assert all(20 <= len(idea) <= 40 for idea in expected.texts)  # whole words, about 40 characters
        assert "tiny-run" in str(pane.query_one("#write-model", Static).render())


async def prepare(pilot) -> None:
    """No blinking cursor, no animation: the screen must not depend on timing."""
    await pilot.pause()
    pilot.app.animation_level = "none"
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    for area in pilot.app.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


SIZES = [(80, 24), (200, 50)]
IDS = ["80x24", "200x50"]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_write_pane_with_a_suggestion(workdir: Path, snap_compare, size) -> None:
    async def before(pilot) -> None:
        await prepare(pilot)
        pane = await open_write(pilot, rng_seed=3)
        pane.area.text = PHRASE
        pane.area.move_cursor(pane.area.document.end)
        await ghost_after_pause(pilot, pane)
        await pilot.pause(0.2)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_write_pane_heatmap(workdir: Path, snap_compare, size) -> None:
    async def before(pilot) -> None:
        await prepare(pilot)
        pane = await open_write(pilot)
        pane.area.text = PASSAGE
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: pane._report is not None and pane.area.overlay, what="the heatmap")
        await pilot.press("up", "up", "home", *["right"] * 13)
        await pilot.pause(0.2)

    app = create_app(models_dir="models", preload_tensorflow=False)
    assert snap_compare(app, terminal_size=size, run_before=before)
