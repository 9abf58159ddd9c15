"""Issue 11 (part): a multi-line seed (Ctrl+Enter generates), a reproducible rng seed, and the
temperatures side by side on wide screens (stacked on narrow ones)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import choose_model, notifications, settle, type_into, wait_for
from textual.widgets import Input

from textgen_tui.app.app import create_app
from textgen_tui.core.store.paths import bundled_model

BUNDLED = bundled_model().name


async def generate(app, pilot, key: str = "ctrl+enter") -> list[str]:
    pane = app.generate_pane
    await pilot.press(key)
    await wait_for(pilot, lambda: pane.texts and all(len(t) >= 60 for t in pane.texts), what="text")
    await wait_for(pilot, lambda: not pane.query_one("#generate").disabled, what="the end of generation")
    return list(pane.texts)


async def test_a_multiline_seed_and_a_reproducible_rng_seed(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await choose_model(app, pilot, BUNDLED)
        await type_into(pilot, "#gen-length", "60")
        await type_into(pilot, "#gen-temps", "0.5, 1")
        await type_into(pilot, "#seed", "the philosopher")
        await pilot.press("enter", *"and the free spirit")  # Enter is a new line in the seed
        assert app.generate_pane.seed_text == "the philosopher\nand the free spirit"
        await type_into(pilot, "#gen-rng", "7")
        await pilot.click("#seed")
        first = await generate(app, pilot)
        second = await generate(app, pilot, "f5")
        assert first == second  # the same rng seed: the same text
        assert "the philosopher\nand the free spirit" in app.generate_pane.plain_text()
        await type_into(pilot, "#gen-rng", "")
        await pilot.click("#seed")
        third = await generate(app, pilot)
        fourth = await generate(app, pilot)
        assert third != fourth  # no rng seed: a fresh draw each time
        await type_into(pilot, "#gen-rng", "seven")
        await pilot.press("f5")
        await settle(pilot)
        assert any("rng seed must be a whole number" in m for m in notifications(app, "error"))


async def test_temperatures_side_by_side_on_wide_screens_stacked_on_narrow(workdir: Path) -> None:
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    async with app.run_test(size=(200, 40)) as pilot:
        await choose_model(app, pilot, BUNDLED)
        await type_into(pilot, "#gen-length", "80")
        await type_into(pilot, "#seed", "the free spirit")
        texts = await generate(app, pilot)
        columns = app.generate_pane.column_texts()
        assert len(columns) == 4
        for column, text, temp in zip(columns, texts, ("0.2", "0.5", "1", "1.2")):
            assert column.startswith(f"── temperature {temp}\nthe free spirit")
            assert text in column
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert app.generate_pane.column_texts() == []
        assert all(t in app.generate_pane.plain_text() for t in texts)  # stacked, all there


async def test_the_loop_controls_reach_the_sampler(workdir: Path) -> None:
    """No-repeat n-gram 3 in the pane: the text at a low temperature repeats no 3-token n-gram
    (the bundled model is a char model: tokens are characters); a bad penalty is refused."""
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await choose_model(app, pilot, BUNDLED)
        await type_into(pilot, "#seed", "x")
        # left empty, the penalty is the model's own default (off for this char model)
        assert app.query_one("#gen-repetition", Input).value == ""
        assert app.generate_pane.build_request().sampling.repetition_penalty is None
        await type_into(pilot, "#gen-length", "120")
        await type_into(pilot, "#gen-temps", "0.2")
        await type_into(pilot, "#gen-no-repeat", "3")
        await type_into(pilot, "#gen-repetition", "1.2")
        await type_into(pilot, "#seed", "the free spirit")
        await pilot.click("#seed")
        (text,) = await generate(app, pilot)
        whole = "the free spirit" + text
        grams = [whole[i : i + 3] for i in range(len(whole) - 2)]
        assert len(grams) == len(set(grams))  # without the rule, T=0.2 repeats " th", "the", …
        await type_into(pilot, "#gen-repetition", "0.5")
        await pilot.press("f5")
        await settle(pilot)
        assert any("repetition penalty must be in [1, 100]" in m for m in notifications(app, "error"))
