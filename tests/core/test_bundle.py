"""Model folders: damaged or mismatched files give one clear BundleError."""

import json
import shutil

import pytest

from textgen_tui.core.bundle import list_bundles, load_bundle, read_info
from textgen_tui.core.errors import BundleError


@pytest.fixture
def folder(tmp_path, trained_folder):
    out = tmp_path / "copy"
    shutil.copytree(trained_folder, out)
    return out


def test_round_trip(folder):
    b = load_bundle(folder)
    assert b.model.output_shape[-1] == b.tokenizer.vocab_size
    assert b.config.preset == "book" and b.info.seeds


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: (f / "model.keras").unlink(), "model.keras missing"),
        (lambda f: (f / "config.json").write_text("{not json"), "config.json is corrupt"),
        (lambda f: (f / "tokenizer.json").write_text('{"kind": "char"}'), "lacks"),
        (lambda f: (f / "model.keras").write_bytes(b"PK\x03\x04garbage"), "model.keras is corrupt"),
        (lambda f: (f / "model.keras").write_bytes((f / "model.keras").read_bytes()[:2000]), "corrupt"),
    ],
)
def test_damaged_folders(folder, damage, message):
    damage(folder)
    with pytest.raises(BundleError, match=message):
        load_bundle(folder)


def test_vocabulary_mismatch(folder):
    tok = json.loads((folder / "tokenizer.json").read_text())
    tok["vocab"] = tok["vocab"][:-3]
    (folder / "tokenizer.json").write_text(json.dumps(tok))
    state = json.loads((folder / "state.json").read_text())
    state.pop("vocab_size")
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises(BundleError, match="do not belong together"):
        load_bundle(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(BundleError, match="does not exist"):
        read_info(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(BundleError, match="not a model folder"):
        read_info(tmp_path / "file")


def test_list_bundles_reports_broken_ones(tmp_path, folder):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "state.json").write_text("{}")
    rows = list_bundles(tmp_path)
    names = {(r.name if hasattr(r, "name") else r[0].name): r for r in rows}
    assert hasattr(names["copy"], "config")
    assert isinstance(names["broken"], tuple) and "missing" in names["broken"][1]
