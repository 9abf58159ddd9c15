"""Where models live (env var, checkout, user data folder), whatever the current folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textgen_tui.core.store import paths
from textgen_tui.core.store.folder import MARKER

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


# -- the command line --------------------------------------------------------------------------
def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "textgen_tui", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_cli_says_where_models_live_whatever_the_current_folder(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(home))
    model(home / "alpha", "in the home")
    model(tmp_path / "work" / "models" / "beta")  # a ./models is not the home
    r = cli("models", cwd=tmp_path / "work")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"models in {home} (set by TEXTGEN_TUI_MODELS)"
    assert f"  {home / 'alpha'}  " in r.stdout and "beta" not in r.stdout
