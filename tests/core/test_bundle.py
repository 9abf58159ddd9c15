"""Model folders: damaged or mismatched files give one clear BundleError."""

import json
import os
import shutil

import pytest

from textgen_tui.core.errors import BundleError
from textgen_tui.core.generate.load import load_generator
from textgen_tui.core.store.folder import is_model, list_bundles, read_info
from textgen_tui.core.store.keras_store import load_bundle


@pytest.fixture
def folder(tmp_path, trained_folder):
    out = tmp_path / "copy"
    shutil.copytree(trained_folder, out)
    return out


def test_round_trip(folder):
    b = load_bundle(folder)
    assert b.model.output_shape[-1] == b.tokenizer.vocab_size
    assert b.config.preset == "book" and b.info.seeds


def _replace_best(folder, data: bytes) -> None:
    """Damage best.keras and last.keras (else last.keras stands in for a damaged best.keras) and
    make the manifest agree with the damage (sizes match)."""
    state = json.loads((folder / "state.json").read_text())
    for name in ("best.keras", "last.keras"):
        (folder / name).unlink()  # best.keras may share its bytes with last.keras (a hard link)
        (folder / name).write_bytes(data)
        state["files"][name]["bytes"] = len(data)
    (folder / "state.json").write_text(json.dumps(state))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: [(f / n).unlink() for n in ("best.keras", "last.keras")], "missing or damaged"),
        (lambda f: (f / "config.json").write_text("{not json"), "config.json is corrupt"),
        (lambda f: (f / "tokenizer.json").write_text('{"kind": "char"}'), "lacks"),
        (lambda f: _replace_best(f, b"PK\x03\x04garbage"), "best.keras is not a Keras model file"),
        (lambda f: _replace_best(f, (f / "best.keras").read_bytes()[:2000]), "not a zip archive"),
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
    half = tmp_path / "half"
    shutil.copytree(folder, half)
    (half / "config.json").unlink()
    rows = list_bundles(tmp_path)
    names = {(r.name if hasattr(r, "name") else r[0].name): r for r in rows}
    assert hasattr(names["copy"], "config")
    assert isinstance(names["broken"], tuple) and "no model marker" in names["broken"][1]
    assert isinstance(names["half"], tuple) and "config.json missing" in names["half"][1]


def test_a_users_folder_is_not_a_model(tmp_path):
    """Bug 8: config.json + notes.txt made a folder a (broken) model that could be deleted."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "config.json").write_text('{"editor": "vim"}')
    (notes / "notes.txt").write_text("my notes")
    assert not is_model(notes)
    assert list_bundles(tmp_path) == []


@pytest.mark.parametrize(
    "key, value",
    [("best_value", "x"), ("epochs_done", "3"), ("seeds", [1, 2]), ("corpus", "nietzsche"), ("files", [])],
)
def test_wrong_typed_state_values_make_a_folder_broken(folder, key, value):
    """Bug 9: "best_value": "x" crashed the app at launch and `textgen-tui models`."""
    state = json.loads((folder / "state.json").read_text())
    state[key] = value
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises(BundleError, match=f"bad value for '{key}'"):
        read_info(folder)
    rows = list_bundles(folder.parent)
    assert rows == [(folder, rows[0][1])] and key in rows[0][1]


def test_wrong_typed_history_and_tokenizer(folder):
    (folder / "history.json").write_text('{"loss": ["a"]}')
    with pytest.raises(BundleError, match="history.json"):
        read_info(folder)
    (folder / "history.json").write_text("{}")
    (folder / "tokenizer.json").write_text('{"kind": "char", "vocab": 5}')
    with pytest.raises(BundleError, match="tokenizer"):
        read_info(folder)


def test_a_damaged_last_file_falls_back_to_the_best(folder):
    (folder / "last.keras").unlink()
    (folder / "last.keras").write_bytes(b"truncated")
    info = read_info(folder)
    assert info.resume_file == folder / "best.keras" and info.notes


def test_first_format_folders_still_load(folder):
    """A folder of the first format: model.keras (the best epoch with its optimizer), format 1."""
    state = json.loads((folder / "state.json").read_text())
    for key in ("kind", "files"):
        state.pop(key)
    state["format"] = 1
    (folder / "state.json").write_text(json.dumps(state))
    os.replace(folder / "best.keras", folder / "model.keras")
    (folder / "last.keras").unlink()
    info = read_info(folder)
    assert info.format == 1 and info.best_file == folder / "model.keras"
    assert load_generator(folder).generate("the ", [0.5], 10, rng_seed=1)[0]


def test_a_folder_read_during_a_save_waits_for_it(folder):
    """Seen in the soak: Generate read a folder between the renames of a save and got "best.keras
    and last.keras are missing or damaged". A reader now waits for the save under way."""
    import threading
    import time

    from textgen_tui.core.store.journal import JOURNAL, folder_lock

    aside = folder.parent / "aside"
    aside.mkdir()
    for name in ("best.keras", "last.keras"):
        os.replace(folder / name, aside / name)
    (folder / JOURNAL).mkdir()  # a save is under way: its files are not in place yet

    def finish():
        time.sleep(0.4)
        for name in ("best.keras", "last.keras"):
            os.replace(aside / name, folder / name)
        (folder / JOURNAL).rmdir()

    with folder_lock(folder):  # the writer holds the lock, so the reader does not recover
        threading.Thread(target=finish).start()
        info = read_info(folder)
    assert info.best_file == folder / "best.keras"
