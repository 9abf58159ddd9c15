"""Model names: the resolver (core/store/names.py) and the commands that take a model by name, with
real tiny model folders in temporary models homes."""

from __future__ import annotations

import json
import shutil

import pytest

from textgen_tui.cli.main import main
from textgen_tui.core.errors import BundleError, ModelNotFound
from textgen_tui.core.store.folder import MARKER, read_info
from textgen_tui.core.store.names import model_names, resolve_model
from textgen_tui.core.store.paths import bundled_model


def model(folder, note=""):
    """The least a folder needs to be listed as a model: a state.json carrying the marker."""
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"kind": MARKER, "note": note}))
    return folder


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A models home of its own (the env var, as a user sets it), holding two models and the trash."""
    home = tmp_path / "home"
    model(home / "shakespeare")
    model(home / "dickens-2")
    model(home / ".trash" / "hidden")
    (home / "notes").mkdir()  # a folder, not a model
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def _cli(capsys, *args):
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code, err, *needles):
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert "Traceback" not in err and all(n in lines[0] for n in needles), err


# -- the resolver -----------------------------------------------------------------------------
def test_a_name_is_a_folder_of_the_models_home(home) -> None:
    assert resolve_model("shakespeare") == home / "shakespeare"
    assert resolve_model("shakespeare", home=home) == home / "shakespeare"
    assert resolve_model("  shakespeare ") == home / "shakespeare"


def test_a_path_that_exists_wins_over_a_name(home, tmp_path) -> None:
    mine = model(tmp_path / "shakespeare", "the current folder's")
    assert resolve_model("shakespeare").resolve() == mine  # the current folder's, as typed
    assert resolve_model(str(home / "dickens-2")) == home / "dickens-2"
    assert resolve_model("./shakespeare").resolve() == mine


def test_the_bundled_models_are_names_too(home) -> None:
    bundled = bundled_model()
    if bundled is None:
        pytest.skip("no bundled model in this installation")
    assert resolve_model(bundled.name) == bundled
    assert bundled.name in model_names()
    assert "hidden" not in model_names() and "notes" not in model_names()
    model(home / bundled.name)  # the home's own folder of that name comes first
    assert resolve_model(bundled.name) == home / bundled.name


def test_a_unique_family_name_is_enough(home) -> None:
    assert resolve_model("dickens", home=home) == home / "dickens-2"
    model(home / "dickens-3")
    with pytest.raises(ModelNotFound, match="dickens-2, dickens-3"):
        resolve_model("dickens", home=home)


def test_an_unknown_name_lists_the_near_matches(home) -> None:
    with pytest.raises(ModelNotFound) as caught:
        resolve_model("shakespaere")
    text = str(caught.value)
    assert "no model named 'shakespaere'" in text and str(home) in text
    assert "did you mean shakespeare" in text and "\n" not in text
    assert isinstance(caught.value, BundleError)  # callers that catch a folder's errors get it too
    with pytest.raises(ModelNotFound, match="models: dickens-2, "):
        resolve_model("zzz", home=home)
    with pytest.raises(ModelNotFound, match="does not exist"):
        resolve_model("no/such/folder")
    with pytest.raises(ModelNotFound, match="no model given"):
        resolve_model("")


def test_an_empty_or_missing_home_is_no_crash(tmp_path) -> None:
    with pytest.raises(ModelNotFound, match="no model named 'x'"):
        resolve_model("x", home=tmp_path / "nowhere")


# -- the commands -----------------------------------------------------------------------------
@pytest.fixture
def named(home, trained_folder):
    """The session's tiny trained model, copied into the home as `tiny-book`."""
    return shutil.copytree(trained_folder, home / "tiny-book")


def test_generate_inspect_and_evaluate_take_a_name(named, tmp_path, text, capsys) -> None:
    code, out, err = _cli(
        capsys, "generate", "tiny-book", "--seed", "the quick", "-t", "0.5", "--length", 10, "--plain"
    )
    assert code == 0, err
    assert out.startswith("the quick") and len(out) == len("the quick") + 10 + 1
    sample = tmp_path / "sample.txt"
    sample.write_text(text[:200])
    code, out, err = _cli(capsys, "inspect", "tiny-book", sample, "--json")
    assert code == 0, err
    assert json.loads(out)["model"] == str(named)
    code, out, err = _cli(capsys, "evaluate", "tiny-book", sample)
    assert code == 0 and "nats per token" in out, err


def test_an_unknown_name_is_one_line_with_the_near_matches(named, tmp_path, capsys) -> None:
    sample = tmp_path / "sample.txt"
    sample.write_text("the quick brown fox\n")
    for args in (
        ["generate", "tiny-bok"],
        ["inspect", "tiny-bok", sample],
        ["evaluate", "tiny-bok", sample],
        ["train", sample, "--resume", "--out", "tiny-bok"],
    ):
        code, out, err = _cli(capsys, *args)
        _one_line_error(code, err, "no model named 'tiny-bok'", "did you mean tiny-book")
        assert out == ""


def test_train_resume_continues_a_model_by_name(named, tmp_path, text, capsys) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text)
    before = read_info(named).epochs_done
    code, out, err = _cli(capsys, "train", corpus, "--resume", "--out", "tiny-book", "--epochs", 1, "--plain")
    assert code == 0, err
    assert read_info(named).epochs_done == before + 1
    assert not (tmp_path / "tiny-book").exists()  # the home's folder trained, not a new one here


def test_the_bundled_model_by_its_short_name(home, capsys) -> None:
    bundled = bundled_model()
    if bundled is None:
        pytest.skip("no bundled model in this installation")
    family = bundled.name.split("-")[0]  # nietzsche for nietzsche-char
    code, out, err = _cli(capsys, "generate", family, "--seed", "the ", "-t", "0.5", "--length", 5, "--plain")
    assert code == 0, err
    assert out.startswith("the ")
