"""Issue 32: Generate's chooser opens a model folder outside the models home ("Open a model
folder…", its last entry), and F5 with no model chosen writes with the bundled model, as the
welcome and the Write pane do."""

from __future__ import annotations

from pathlib import Path

from app_helpers import fake_bundle, notifications, type_into, wait_for
from textual.widgets import Select

from textgen_tui.app.app import create_app
from textgen_tui.app.panes.generate_models import OPEN_FOLDER, OPEN_LABEL
from textgen_tui.app.screens.dialogs import PathPicker
from textgen_tui.core.store.paths import bundled_model


async def _highlight(pilot, picker: PathPicker, name: str) -> None:
    """Down through the folder tree until `name` is highlighted (the tree reads folders in workers)."""
    for _ in range(40):
        if picker.highlighted.name == name:
            return
        await pilot.press("down")
        await pilot.pause(0.05)
    raise AssertionError(f"{name} never highlighted (at {picker.highlighted})")


async def _open_from_chooser(app, pilot) -> PathPicker:
    await pilot.click("#gen-model")
    chooser = app.query_one("#gen-model", Select)
    await wait_for(pilot, lambda: chooser.expanded, timeout=10, what="the list")
    await pilot.press("end", "enter")  # the last entry
    await wait_for(pilot, lambda: isinstance(app.screen, PathPicker), timeout=10, what="the folder browser")
    return app.screen


async def test_a_model_folder_outside_the_models_home(workdir: Path) -> None:
    fake_bundle(workdir / "models" / "alpha")
    outside = fake_bundle(workdir / "elsewhere" / "gamma")
    (workdir / "elsewhere" / "notes").mkdir()
    app = create_app(
        models_dir="models", preload_tensorflow=False, generation_rate=0, remember=True, demo=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        pane = app.generate_pane
        chooser = app.query_one("#gen-model", Select)
        await wait_for(pilot, lambda: "models/alpha" in pane._values, timeout=20, what="the models home")
        assert (OPEN_LABEL, OPEN_FOLDER) in chooser._options

        # a folder that is no model: said, nothing chosen
        picker = await _open_from_chooser(app, pilot)
        assert "model folder" in str(picker.query_one("#dialog-title").render())
        await _highlight(pilot, picker, "elsewhere")
        await pilot.press("enter")  # opens it
        await _highlight(pilot, picker, "notes")
        await pilot.press("ctrl+o")  # "Use folder"
        await wait_for(
            pilot,
            lambda: any("not a model folder" in m for m in notifications(app, "error")),
            timeout=20,
            what="the refusal",
        )
        assert pane.model is None and chooser.is_blank()

        # the model folder: listed after the models home's, and chosen
        picker = await _open_from_chooser(app, pilot)
        await _highlight(pilot, picker, "elsewhere")
        await pilot.press("enter")
        await _highlight(pilot, picker, "gamma")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: pane.model == str(outside), timeout=20, what="gamma chosen")
        labels = [str(label) for label, _ in chooser._options]
        assert labels[-2].startswith("gamma (") and labels[-1] == OPEN_LABEL
        # a folder the tree cannot reach (above its start): its path typed
        far = fake_bundle(workdir.parent / f"{workdir.name}-far" / "delta")
        picker = await _open_from_chooser(app, pilot)
        await type_into(pilot, "#picker-path", str(far))
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.model == str(far), timeout=20, what="delta chosen")
        assert [str(label).split(" (")[0] for label, _ in chooser._options][-3:] == [
            "gamma",
            "delta",
            OPEN_LABEL,
        ]
        await pilot.click("#gen-model")
        await wait_for(pilot, lambda: chooser.expanded, timeout=10, what="the list")
        await pilot.press("up", "enter")  # back to gamma
        await wait_for(pilot, lambda: pane.model == str(outside), timeout=20, what="gamma again")
        await type_into(pilot, "#seed", "the quick")
        await type_into(pilot, "#gen-length", "20")
        await pilot.press("f5")
        await wait_for(pilot, lambda: pane.texts and all(len(t) >= 20 for t in pane.texts), what="text")
        assert "gamma" in pane.header
        await pilot.press("ctrl+q")

    again = create_app(models_dir="models", preload_tensorflow=False, remember=True, demo=False)
    async with again.run_test(size=(100, 30)) as pilot:  # remembered, outside the home too
        await wait_for(
            pilot, lambda: again.generate_pane.model == str(outside), timeout=20, what="gamma again"
        )


async def test_f5_with_no_model_chosen_writes_with_the_bundled_model(workdir: Path) -> None:
    bundled = bundled_model()
    assert bundled is not None
    fake_bundle(workdir / "models" / "alpha")  # listed, not chosen
    app = create_app(models_dir="models", preload_tensorflow=False, generation_rate=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        pane = app.generate_pane
        await wait_for(pilot, lambda: len(pane._values) >= 2, timeout=20, what="the models listed")
        assert pane.model is None
        await type_into(pilot, "#seed", "the free spirit")
        await type_into(pilot, "#gen-length", "30")
        await pilot.press("f5")
        await wait_for(pilot, lambda: pane.texts and all(len(t) >= 30 for t in pane.texts), what="text")
        assert Path(pane.model).resolve() == bundled.resolve()  # chosen in the list: it says which
        assert bundled.name in pane.header
        assert not notifications(app, "error")
