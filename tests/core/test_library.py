"""Deleting models: to a trash under the models root, restorable, and never a user's own folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from textgen_tui.core.errors import BundleError
from textgen_tui.core.store import trash as library
from textgen_tui.core.store.folder import list_bundles, save_checkpoint
from textgen_tui.core.store.journal import folder_lock
from textgen_tui.core.store.trash import (
    RECORD,
    TrashEntry,
    empty_trash,
    list_trash,
    move_to_trash,
    restore,
    trash_dir,
)


@pytest.fixture(scope="module")
def model_template(tmp_path_factory) -> Path:
    """One real model folder (untrained tiny model saved through save_checkpoint)."""
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    text = "the quick brown fox jumps over the lazy dog. " * 4
    cfg = preset("fast")
    cfg.model.units = 8
    cfg.model.embedding_dim = 4
    tokenizer = fit_tokenizer("char", text)
    model = build_model(cfg, tokenizer.vocab_size)
    out = tmp_path_factory.mktemp("template") / "tiny"
    save_checkpoint(
        out,
        config=cfg,
        tokenizer=tokenizer,
        state={"epochs_done": 1, "best_epoch": 1, "best_value": 2.5, "seeds": ["the "], "corpus": {}},
        history={"loss": [2.5], "val_loss": [2.6]},
        samples=[],
        model=model,
        epoch=1,
        best=True,
    )
    return out


@pytest.fixture
def root(tmp_path) -> Path:
    r = tmp_path / "models"
    r.mkdir()
    return r


@pytest.fixture(autouse=True)
def no_bundled(monkeypatch):
    monkeypatch.setattr(library, "bundled_model", lambda: None)


def make_model(template: Path, root: Path, name: str) -> Path:
    out = root / name
    shutil.copytree(template, out)
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path → bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def names(rows) -> set[str]:
    return {r.name if hasattr(r, "name") else r[0].name for r in rows}


def test_trash_dir_is_a_dot_folder(root):
    assert trash_dir(root) == root / ".trash"


def test_a_users_folder_is_refused_and_untouched(root):
    """Bug 8: Delete used to shutil.rmtree whatever folder was selected."""
    notes = root / "notes"
    notes.mkdir()
    (notes / "config.json").write_text('{"mine": true}')
    (notes / "notes.txt").write_text("my own notes")
    before = snapshot(notes)
    with pytest.raises(BundleError, match="not a textgen-tui model folder: nothing was deleted"):
        move_to_trash(notes)
    assert snapshot(notes) == before
    assert not trash_dir(root).exists()


def test_a_garbage_manifest_or_a_file_or_nothing_is_refused(root):
    fake = root / "fake"
    fake.mkdir()
    (fake / "state.json").write_text('{"kind": "something else", "epochs_done": 3}')
    with pytest.raises(BundleError, match="not a textgen-tui model folder"):
        move_to_trash(fake)
    (root / "file.txt").write_text("x")
    with pytest.raises(BundleError, match="not a textgen-tui model folder"):
        move_to_trash(root / "file.txt")
    with pytest.raises(BundleError, match="does not exist"):
        move_to_trash(root / "missing")
    assert fake.is_dir() and (root / "file.txt").is_file()


def test_trash_and_restore_round_trip(root, model_template):
    folder = make_model(model_template, root, "tiny")
    before = snapshot(folder)
    assert names(list_bundles(root)) == {"tiny"}

    entry = move_to_trash(folder)
    assert not folder.exists()
    assert entry.path == root / ".trash" / "tiny" and entry.original == folder and entry.name == "tiny"
    assert list_bundles(root) == []
    listed = list_trash(root)
    assert [e.path for e in listed] == [entry.path]
    assert listed[0].original == folder and listed[0].note == ""
    assert abs(listed[0].trashed - entry.trashed) < 1e-3
    record = json.loads((entry.path / RECORD).read_text())
    assert record["original"] == str(folder) and record["name"] == "tiny"

    back = restore(listed[0])
    assert back == folder
    assert snapshot(folder) == before  # exactly the same files: the record is gone again
    assert list_trash(root) == []
    assert names(list_bundles(root)) == {"tiny"}


def test_same_name_twice_in_the_trash(root, model_template):
    first = move_to_trash(make_model(model_template, root, "tiny"))
    second = move_to_trash(make_model(model_template, root, "tiny"))
    assert first.path.name == "tiny" and second.path.name == "tiny-2"
    listed = list_trash(root)
    assert [e.path.name for e in listed] == ["tiny-2", "tiny"]  # newest first
    assert {e.original for e in listed} == {root / "tiny"}


def test_restore_when_the_name_is_taken(root, model_template):
    folder = make_model(model_template, root, "tiny")
    before = snapshot(folder)
    entry = move_to_trash(folder)
    make_model(model_template, root, "tiny")  # a new model under the old name
    (root / "tiny-restored").mkdir()  # and even the first fallback name
    back = restore(entry)
    assert back == root / "tiny-restored-2"
    assert snapshot(back) == before
    assert (root / "tiny").is_dir() and not any((root / "tiny-restored").iterdir())


def test_restore_by_path_and_a_second_restore_is_refused(root, model_template):
    entry = move_to_trash(make_model(model_template, root, "tiny"))
    assert restore(str(entry.path)) == root / "tiny"
    with pytest.raises(BundleError, match="no longer in the trash"):
        restore(entry)
    with pytest.raises(BundleError, match="not in a trash folder"):
        restore(root / "tiny")


def test_restore_goes_back_to_the_moved_root(tmp_path, root, model_template):
    """The models folder moved since: restore uses the trash's root, not the recorded path."""
    move_to_trash(make_model(model_template, root, "tiny"))
    moved = tmp_path / "elsewhere"
    root.rename(moved)
    (entry,) = list_trash(moved)
    assert restore(entry) == moved / "tiny"


def test_empty_trash_removes_only_the_trash(root, model_template):
    keep = make_model(model_template, root, "keep")
    notes = root / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine")
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("precious")
    move_to_trash(make_model(model_template, root, "a"))
    move_to_trash(make_model(model_template, root, "b"))
    trash = trash_dir(root)
    (trash / "stray.txt").write_text("junk")
    (trash / "link-out").symlink_to(outside)  # emptying removes the link, never its target
    (trash / "b" / "link-out").symlink_to(outside)
    before = snapshot(keep)

    assert empty_trash(root) == 4
    assert trash.is_dir() and not any(trash.iterdir())
    assert list_trash(root) == []
    assert snapshot(keep) == before and (notes / "notes.txt").read_text() == "mine"
    assert (outside / "precious.txt").read_text() == "precious"
    assert empty_trash(root) == 0
    assert empty_trash(root.parent / "no-such-root") == 0


def test_empty_trash_refuses_a_linked_trash(root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "precious.txt").write_text("precious")
    trash_dir(root).symlink_to(other)
    with pytest.raises(BundleError, match="symbolic link"):
        empty_trash(root)
    assert (other / "precious.txt").exists()
    assert list_trash(root) == []


def test_a_locked_folder_is_refused(root, model_template):
    folder = make_model(model_template, root, "tiny")
    with folder_lock(folder):  # as a training session does (it creates .lock)
        before = snapshot(folder)
        with pytest.raises(BundleError, match="being trained"):
            move_to_trash(folder)
    assert folder.is_dir() and snapshot(folder) == before
    move_to_trash(folder)  # once the lock is released it can go
    assert not folder.exists()


def test_the_bundled_model_is_refused(root, model_template, monkeypatch):
    folder = make_model(model_template, root, "nietzsche-char")
    monkeypatch.setattr(library, "bundled_model", lambda: folder)
    with pytest.raises(BundleError, match="bundled model"):
        move_to_trash(folder)
    with pytest.raises(BundleError, match="bundled model"):
        move_to_trash(root / "." / "nietzsche-char")  # the same folder, spelled differently
    assert folder.is_dir() and not trash_dir(root).exists()


def test_a_trashed_model_cannot_be_trashed_again(root, model_template):
    entry = move_to_trash(make_model(model_template, root, "tiny"))
    with pytest.raises(BundleError, match="already in the trash"):
        move_to_trash(entry.path)


def test_a_relative_path(root, model_template, monkeypatch):
    make_model(model_template, root, "tiny")
    monkeypatch.chdir(root)
    entry = move_to_trash("tiny")
    assert entry.path == root / ".trash" / "tiny" and entry.original == root / "tiny"
    assert restore(entry) == root / "tiny"


@pytest.fixture
def junk_root(root, model_template):
    """A models root with everything that can go wrong in it (and one good model)."""
    make_model(model_template, root, "good")
    (root / "a-file.txt").write_text("x")
    (root / "empty").mkdir()
    (root / "garbage").mkdir()
    (root / "garbage" / "state.json").write_bytes(b"\xff\xfe not json")
    (root / "list-state").mkdir()
    (root / "list-state" / "state.json").write_text("[1, 2]")
    (root / "dangling").symlink_to(root / "nowhere")
    trash = trash_dir(root)
    move_to_trash(make_model(model_template, root, "trashed"))
    (trash / "stray.txt").write_text("x")
    (trash / "dangling").symlink_to(root / "nowhere")
    (trash / "no-record").mkdir()
    (trash / "bad-record").mkdir()
    (trash / "bad-record" / RECORD).write_bytes(b"\xff{{{")
    (trash / "list-record").mkdir()
    (trash / "list-record" / RECORD).write_text('["a"]')
    (trash / "evil-name").mkdir()
    (trash / "evil-name" / RECORD).write_text('{"name": "../../escape", "trashed": "yesterday"}')
    (trash / "dir-record").mkdir()
    (trash / "dir-record" / RECORD).mkdir()
    (trash / "unreadable").mkdir()
    (trash / "unreadable" / "inner").mkdir()
    (trash / "unreadable" / "inner" / "f").write_text("x")
    os.chmod(trash / "unreadable" / "inner", 0)
    os.chmod(trash / "unreadable", 0)
    yield root
    for p in (trash / "unreadable", trash / "unreadable" / "inner"):
        if p.exists():
            os.chmod(p, 0o755)


def test_junk_never_makes_listing_raise(junk_root):
    root = junk_root
    rows = list_bundles(root)
    assert "good" in names(rows) and "trashed" not in names(rows)
    entries = {e.path.name: e for e in list_trash(root, root / "no-such-root", root / "a-file.txt")}
    assert set(entries) == {
        "trashed",
        "no-record",
        "bad-record",
        "list-record",
        "evil-name",
        "dir-record",
        "unreadable",
    }
    assert entries["trashed"].note == ""
    assert "no record" in entries["no-record"].note
    assert "unreadable" in entries["bad-record"].note
    assert entries["evil-name"].original == root / "evil-name"  # never outside the root
    assert "no valid name" in entries["evil-name"].note
    for e in entries.values():
        assert isinstance(e, TrashEntry) and e.original.parent == root


def test_junk_entries_restore_by_their_name_and_empty_removes_them_all(junk_root):
    root = junk_root
    (entry,) = [e for e in list_trash(root) if e.path.name == "evil-name"]
    assert restore(entry) == root / "evil-name"
    assert not (root.parent / "escape").exists()
    assert empty_trash(root) == 8
    assert not any(trash_dir(root).iterdir())
    assert names(list_bundles(root)) >= {"good"}
