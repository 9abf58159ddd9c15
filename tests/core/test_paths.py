"""Where models live (env var, checkout, user data folder) and moving a ./models from before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from textgen_tui.core.store import legacy_models, paths
from textgen_tui.core.store.folder import MARKER
from textgen_tui.core.store.journal import folder_lock
from textgen_tui.core.store.legacy_models import (
    OFFERED_FILE,
    find_legacy,
    mark_offered,
    move_legacy,
    pending_offer,
    was_offered,
)

CHECKOUT = Path(__file__).resolve().parents[2]


def model(folder: Path, note: str = "") -> Path:
    """The least a folder needs to be a model: a state.json carrying the marker."""
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"kind": MARKER, "note": note}))
    return folder


# -- where the home is ------------------------------------------------------------------------
def test_the_env_var_wins(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(tmp_path / "mine"))
    assert paths.user_models_dir() == tmp_path / "mine"
    assert paths.describe_models_home() == f"models in {tmp_path / 'mine'} (set by TEXTGEN_TUI_MODELS)"
    assert paths.default_out_dir("Some Corpus.txt") == tmp_path / "mine" / "some-corpus"


def test_a_checkout_uses_its_models_folder(monkeypatch) -> None:
    monkeypatch.delenv("TEXTGEN_TUI_MODELS")
    home = paths.models_home()
    assert home.reason == paths.FROM_CHECKOUT and home.path == CHECKOUT / "models"
    assert home.path.is_absolute()
    assert "this checkout's models/; TEXTGEN_TUI_MODELS overrides" in paths.describe_models_home()
    # the bundled model lives there too: listed once
    assert paths.model_roots() == [CHECKOUT / "models"]
    assert paths.bundled_model() == CHECKOUT / "models" / paths.BUNDLED_NAME


def test_installed_uses_the_user_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TEXTGEN_TUI_MODELS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(paths, "checkout_models_dir", lambda: None)  # as in site-packages
    expected = tmp_path / "data" / "textgen-tui" / "models"
    assert paths.user_models_dir() == expected
    assert paths.describe_models_home() == (
        f"models in {expected} (the user data folder; TEXTGEN_TUI_MODELS overrides)"
    )
    assert paths.model_roots() == [expected, paths.bundled_models_dir()]
    assert not expected.exists()  # looking does not create it


def test_a_folder_with_another_pyproject_is_no_checkout(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert not paths.is_checkout(tmp_path)
    assert paths.is_checkout(CHECKOUT)


# -- a ./models from before -------------------------------------------------------------------
@pytest.fixture
def legacy(tmp_path, monkeypatch) -> Path:
    """cwd holds a models/ from before (two models, a user's folder, a link, a trash); the home
    is elsewhere."""
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(tmp_path / "home"))
    work = tmp_path / "work"
    old = work / "models"
    model(old / "alpha", "old alpha")
    model(old / "beta")
    (old / "notes").mkdir()
    (old / "notes" / "todo.txt").write_text("mine")
    model(old / ".trash" / "gone")
    (old / "link").symlink_to(old / "beta")
    monkeypatch.chdir(work)
    return old


def test_legacy_models_are_found(legacy) -> None:
    found = find_legacy()
    assert found is not None and found.source == legacy
    assert [p.name for p in found.folders] == ["alpha", "beta"]


def test_no_legacy_when_models_is_the_home(legacy, monkeypatch) -> None:
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", "models")  # the app tests' setting
    assert find_legacy() is None and pending_offer() is None


def test_no_legacy_in_a_checkout(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(tmp_path / "home"))
    model(tmp_path / "src" / "models" / "alpha")
    (tmp_path / "src" / "pyproject.toml").write_text('[project]\nname = "textgen-tui"\n')
    assert find_legacy(tmp_path / "src") is None
    assert find_legacy(CHECKOUT) is None


def test_moving_never_overwrites(legacy, tmp_path) -> None:
    home = tmp_path / "home"
    model(home / "alpha", "already home")
    moved = move_legacy()
    assert [(m.source.name, m.target, m.note) for m in moved] == [
        ("alpha", home / "alpha-2", ""),
        ("beta", home / "beta", ""),
    ]
    assert json.loads((home / "alpha" / "state.json").read_text())["note"] == "already home"
    assert json.loads((home / "alpha-2" / "state.json").read_text())["note"] == "old alpha"
    assert not (legacy / "alpha").exists() and not (legacy / "beta").exists()  # moved, not copied
    assert (legacy / "notes" / "todo.txt").exists() and (legacy / ".trash" / "gone").is_dir()
    assert (legacy / "link").is_symlink()
    assert find_legacy() is None  # nothing left to offer


def test_the_bundled_and_a_training_model_stay(legacy, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(legacy_models, "bundled_model", lambda: legacy / "alpha")
    found = find_legacy()
    assert found is not None and [p.name for p in found.folders] == ["beta"]
    with folder_lock(legacy / "beta"):
        moved = move_legacy()
    assert [(m.source.name, m.target, m.note) for m in moved] == [("beta", None, "it is being trained")]
    assert (legacy / "alpha" / "state.json").exists() and (legacy / "beta" / "state.json").exists()
    assert not (tmp_path / "home" / "beta").exists()


def test_offered_once(legacy, tmp_path, monkeypatch) -> None:
    offer = pending_offer()
    assert offer is not None and len(offer.folders) == 2
    mark_offered(offer.source)
    assert pending_offer() is None and was_offered(legacy)
    assert (tmp_path / "home" / OFFERED_FILE).is_file()
    assert find_legacy() is not None  # still there; moving on request still works
    # another folder's ./models is offered on its own
    model(tmp_path / "elsewhere" / "models" / "gamma")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert pending_offer() is not None
    move_legacy()
    assert was_offered(tmp_path / "elsewhere" / "models")
    assert (tmp_path / "home" / "gamma").is_dir()


def test_a_corrupt_offer_record_offers_again(legacy, tmp_path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / OFFERED_FILE).write_text("{not json")
    assert pending_offer() is not None
    mark_offered(legacy)
    assert pending_offer() is None


def test_the_models_home_is_no_model(legacy, tmp_path) -> None:
    """The offer record is a dot-file: the listing never shows it."""
    from textgen_tui.core.store.folder import list_bundles

    mark_offered(legacy)
    move_legacy()
    rows = list_bundles(tmp_path / "home")  # these minimal folders list as broken: (path, why)
    assert [(row[0] if isinstance(row, tuple) else row.path).name for row in rows] == ["alpha", "beta"]


# -- the command line --------------------------------------------------------------------------
def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "textgen_tui", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_cli_says_where_models_live_and_offers_once(legacy, tmp_path) -> None:
    home = tmp_path / "home"
    r = cli("models", cwd=legacy.parent)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"models in {home} (set by TEXTGEN_TUI_MODELS)"
    assert "2 model folder(s) in" in r.stderr and "textgen-tui models --move-legacy" in r.stderr
    again = cli("models", cwd=legacy.parent)
    assert again.returncode == 0 and "--move-legacy" not in again.stderr  # said once

    r = cli("models", "--move-legacy", cwd=legacy.parent)
    assert r.returncode == 0, r.stderr
    assert f"moved {legacy / 'alpha'} to {home / 'alpha'}" in r.stdout
    assert f"moved {legacy / 'beta'} to {home / 'beta'}" in r.stdout
    assert f"  {home / 'alpha'}  " in r.stdout  # listed from the home now
    r = cli("models", "--move-legacy", cwd=legacy.parent)
    assert r.returncode == 0 and "no model folders to move" in r.stdout


def test_legacy_models_module_does_not_import_textual() -> None:
    code = "import sys, textgen_tui.core.store.legacy_models; print('textual' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"
