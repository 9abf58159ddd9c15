"""Model folders with random damage (hypothesis): a .keras file cut short, zeroed or overwritten,
JSON values of the wrong type or range, weights of the wrong shape; in both folder formats.

The listing never raises and names a reason for each broken folder; `generate` and `evaluate`
(the CLI's `main`) end with exit code 2 and one line on stderr, never a traceback nor an
"unexpected" error; a folder listed as fine generates. Examples are bounded and derandomized.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textgen_tui.cli.main import main
from textgen_tui.core.errors import BundleError, TextgenError
from textgen_tui.core.store.folder import BundleInfo, list_bundles, read_info
from textgen_tui.core.store.trash import is_damaged_model, is_ours, list_trash, move_to_trash, restore

SCALE = int(os.environ.get("TEXTGEN_TUI_EXAMPLES", "1") or 1)
"""More examples, drawn at random, for a search by hand: TEXTGEN_TUI_EXAMPLES=50 pytest -n 0 ..."""
BOUNDED = settings(
    max_examples=30 * SCALE,
    deadline=None,
    database=None,
    derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
JSON_FILES = ("state.json", "config.json", "tokenizer.json", "history.json", "samples.json")
CORPUS_TEXT = "the quick brown fox jumps over the lazy dog. " * 20


@pytest.fixture(scope="module")
def templates(tmp_path_factory, trained_folder) -> dict[int, Path]:
    """The session's tiny trained folder (format 2) and the same model as a first-format folder
    (one model.keras, no marker), as `test_bundle` makes one."""
    first = tmp_path_factory.mktemp("format1") / "tiny-first"
    shutil.copytree(trained_folder, first)
    state = json.loads((first / "state.json").read_text())
    for key in ("kind", "files"):
        state.pop(key)
    state["format"] = 1
    (first / "state.json").write_text(json.dumps(state))
    os.replace(first / "best.keras", first / "model.keras")
    (first / "last.keras").unlink()
    return {2: trained_folder, 1: first}


def copy_of(template: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("damaged") / template.name
    shutil.copytree(template, out)
    return out


# -- damage ---------------------------------------------------------------------------------------
def _fix_manifest(folder: Path, name: str) -> None:
    """Make state.json vouch for the damaged file's size (so only its content gives it away)."""
    state = json.loads((folder / "state.json").read_text())
    if name in state.get("files", {}):
        state["files"][name]["bytes"] = (folder / name).stat().st_size
        (folder / "state.json").write_text(json.dumps(state))


def _rewrite(path: Path, data: bytes) -> None:
    path.unlink()  # best.keras may share its bytes with last.keras (a hard link)
    path.write_bytes(data)


def rezip(path: Path, member: str, data: bytes) -> None:
    """`path` with one member of its archive replaced."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info, content in members:
            out.writestr(info, data if info.filename == member else content)
    _rewrite(path, buffer.getvalue())


def reshape_weight(path: Path, pick: int, grow: int) -> str:
    """One weight array of the archive replaced by one of another shape; returns its h5 path."""
    with zipfile.ZipFile(path) as archive:
        weights = archive.read("model.weights.h5")
    buffer = io.BytesIO(weights)
    with h5py.File(buffer, "r+") as h5:
        names: list[str] = []
        h5.visititems(lambda n, obj: names.append(n) if isinstance(obj, h5py.Dataset) else None)
        names = sorted(n for n in names if n.startswith("layers/"))
        name = names[pick % len(names)]
        shape = h5[name].shape
        del h5[name]
        new_shape = (shape[0] + grow, *shape[1:]) if shape else (grow,)
        h5[name] = np.zeros(new_shape, dtype="float32")
    rezip(path, "model.weights.h5", buffer.getvalue())
    return name


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def damages(draw, fmt: int):
    """(what, apply): one random damage to a folder of format `fmt`."""
    keras_files = ["model.keras"] if fmt == 1 else ["best.keras", "last.keras"]
    kind = draw(st.sampled_from(["cut", "zero", "zero part", "garbage", "shape", "json value", "json cut"]))
    if kind in ("cut", "zero", "zero part", "garbage", "shape"):
        name = draw(st.sampled_from(keras_files + (["both"] if fmt == 2 else [])))
        names = keras_files if name == "both" else [name]
        fraction = draw(st.floats(0.0, 0.999))
        start, width = draw(st.floats(0.0, 0.99)), draw(st.integers(1, 4096))
        junk = draw(st.binary(min_size=0, max_size=64))
        pick, grow = draw(st.integers(0, 50)), draw(st.sampled_from([-1, 1, 3]))

        def apply(folder: Path) -> None:
            for n in names:
                path = folder / n
                data = path.read_bytes()
                if kind == "cut":
                    _rewrite(path, data[: int(len(data) * fraction)])
                elif kind == "zero":
                    _rewrite(path, bytes(len(data)))
                elif kind == "zero part":
                    at = int(len(data) * start)
                    _rewrite(path, data[:at] + bytes(min(width, len(data) - at)) + data[at + width :])
                elif kind == "garbage":
                    _rewrite(path, junk)
                else:
                    reshape_weight(path, pick, grow)
                _fix_manifest(folder, n)

        return f"{kind} {name} ({fraction:.3f}, {start:.3f}+{width}, pick {pick}{grow:+d})", apply
    name = draw(st.sampled_from(JSON_FILES))
    if kind == "json cut":
        fraction = draw(st.floats(0.0, 0.999))

        def cut(folder: Path) -> None:
            data = (folder / name).read_bytes()
            (folder / name).write_bytes(data[: int(len(data) * fraction)])

        return f"cut {name} at {fraction:.3f}", cut
    path_choice = draw(st.integers(0, 10_000))
    value = draw(JSON_VALUES)

    def set_value(folder: Path) -> None:
        doc = json.loads((folder / name).read_text())
        node, key = _pick_key(doc, path_choice)
        if node is None:  # an empty document: the value replaces it
            doc = value
        else:
            node[key] = value
        (folder / name).write_text(json.dumps(doc))

    return f"{name}: a value set to {value!r:.60} (choice {path_choice})", set_value


def _pick_key(doc, choice: int):
    """A (container, key) somewhere in `doc` (at most three levels down), chosen by `choice`."""
    spots = []

    def walk(node, depth):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            spots.append((node, k))
            if depth < 2:
                walk(v, depth + 1)

    walk(doc, 0)
    return spots[choice % len(spots)] if spots else (None, None)


# -- what must hold -----------------------------------------------------------------------------------
def run_cli(capsys, *args) -> tuple[int, str]:
    """(exit code, stderr) of the CLI run in this process."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, what: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, f"{what}: exit {code}, stderr {err!r}"
    assert len(lines) == 1 and lines[0].startswith("textgen-tui: error: "), f"{what}: {err!r}"
    assert "unexpected" not in lines[0] and "Traceback" not in err, f"{what}: {err!r}"


def listed(folder: Path) -> BundleInfo | str:
    """The folder's entry in the listing of its parent: its info, or the reason it is broken."""
    entries = list_bundles(folder.parent)
    (entry,) = [e for e in entries if (e[0] if isinstance(e, tuple) else e.path) == folder]
    if isinstance(entry, tuple):
        reason = entry[1]
        assert reason.strip() and "\n" not in reason, reason
        # list_bundles' last resort names an exception type: a damage no check foresaw
        assert not re.search(r": unreadable \(\w+: ", reason), f"an unforeseen exception: {reason}"
        return reason
    return entry


def check_damaged(folder: Path, what: str, capsys, monkeypatch) -> BundleInfo | str:
    entry = listed(folder)
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(folder.parent))  # `models` lists it too
    assert main(["models"]) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if str(folder) in line]
    assert len(shown) == 1 and ("broken: " in shown[0]) == isinstance(entry, str), shown
    code, err = run_cli(capsys, "generate", folder, "--seed", "the ", "--length", 5, "-t", 0.5, "--plain")
    if isinstance(entry, str):  # listed as broken: generate refuses it the same way
        assert_one_line_error(code, err, what)
    elif code != 0:  # listed as fine: only bytes zeroed inside an array's data may stop generate
        assert_one_line_error(code, err, what)
        assert what.startswith("zero part"), f"{what}: listed as fine, but generate says {err.strip()}"
    return entry


@pytest.mark.parametrize("fmt", [2, 1])
@BOUNDED
@given(data=st.data())
def test_random_damage_is_listed_and_refused_in_one_line(
    templates, tmp_path_factory, capsys, monkeypatch, fmt, data
):
    what, damage = data.draw(damages(fmt), label="damage")
    folder = copy_of(templates[fmt], tmp_path_factory)
    damage(folder)
    check_damaged(folder, what, capsys, monkeypatch)


# -- the regressions the properties found -------------------------------------------------------------
@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_a_cut_first_format_model_file_is_listed_as_broken(templates, tmp_path_factory, capsys, keep):
    """It was listed as fine, and only generate noticed (the listing now opens the archive)."""
    folder = copy_of(templates[1], tmp_path_factory)
    data = (folder / "model.keras").read_bytes()
    (folder / "model.keras").write_bytes(data[: int(len(data) * keep)])
    reason = listed(folder)
    assert isinstance(reason, str) and "model.keras" in reason
    assert_one_line_error(*run_cli(capsys, "generate", folder, "--plain"), "cut model.keras")


def test_zeroed_model_files_of_the_manifests_size_are_broken(templates, tmp_path_factory):
    """The manifest's sizes matched a zeroed file: it was listed as fine."""
    folder = copy_of(templates[2], tmp_path_factory)
    for name in ("best.keras", "last.keras"):
        _rewrite(folder / name, bytes((folder / name).stat().st_size))
    reason = listed(folder)
    assert isinstance(reason, str) and "not a zip archive" in reason


@pytest.mark.parametrize("key, value", [("updated", 1e300), ("created", -5.0), ("updated", float("nan"))])
def test_a_date_out_of_range_is_a_bad_value(templates, tmp_path_factory, key, value):
    """The Models pane formats `updated` as a date: time.localtime(1e300) raised OverflowError."""
    folder = copy_of(templates[2], tmp_path_factory)
    state = json.loads((folder / "state.json").read_text())
    state[key] = value
    (folder / "state.json").write_text(json.dumps(state))
    reason = listed(folder)
    assert isinstance(reason, str) and f"bad value for {key!r}" in reason


@pytest.mark.parametrize("name", JSON_FILES)
@pytest.mark.parametrize(
    "content", ["[" * 100_000, '{"epochs_done": ' + "7" * 5000 + "}"], ids=["deep", "long-number"]
)
def test_json_that_python_cannot_parse(templates, tmp_path_factory, capsys, name, content):
    """json.load raised RecursionError (nesting) and a plain ValueError (over 4300 digits), which
    the folder reader did not catch: generate said "unexpected RecursionError"."""
    folder = copy_of(templates[2], tmp_path_factory)
    (folder / name).write_text(content)
    reason = listed(folder)
    assert isinstance(reason, str) and f"{name} is corrupt" in reason
    assert_one_line_error(*run_cli(capsys, "generate", folder, "--plain"), f"{name}: {content[:20]}")


def test_a_damaged_best_file_falls_back_to_last(templates, tmp_path_factory, capsys):
    folder = copy_of(templates[2], tmp_path_factory)
    _rewrite(folder / "best.keras", bytes((folder / "best.keras").stat().st_size))
    info = listed(folder)
    assert isinstance(info, BundleInfo) and info.best_file == folder / "last.keras"
    assert any("best.keras" in n for n in info.notes)
    code, err = run_cli(capsys, "generate", folder, "--seed", "the ", "--length", 5, "--plain")
    assert code == 0, err


@pytest.mark.parametrize(
    "fmt, damage, needle",
    [
        (
            2,
            lambda f: [_rewrite(f / n, b"") or _fix_manifest(f, n) for n in ("best.keras", "last.keras")],
            "zip",
        ),
        (1, lambda f: _rewrite(f / "model.keras", bytes((f / "model.keras").stat().st_size)), "zip"),
        (2, lambda f: (f / "config.json").write_text('{"model": {"units": "many"}}'), "units"),
        (
            2,
            lambda f: (f / "state.json").write_text('{"kind": "textgen-tui model", "epochs_done": -3}'),
            "epochs_done",
        ),
    ],
    ids=["empty-keras", "zeroed-first-format", "config-type", "state-range"],
)
def test_evaluate_refuses_a_damaged_folder_in_one_line(
    templates, tmp_path_factory, capsys, fmt, damage, needle
):
    folder = copy_of(templates[fmt], tmp_path_factory)
    damage(folder)
    corpus = folder.parent / "corpus.txt"
    corpus.write_text(CORPUS_TEXT)
    code, err = run_cli(capsys, "evaluate", folder, corpus)
    assert_one_line_error(code, err, "evaluate")
    assert needle in err


@pytest.mark.parametrize("fmt", [2, 1])
def test_weights_of_the_wrong_shape(templates, tmp_path_factory, capsys, fmt):
    """The archive is whole: the listing reads the arrays' shapes (not their data) to see it.
    evaluate said "best.keras is corrupt or unreadable (A total of 1 objects could not be
    loaded. Example error message for object <Dense name=next_token, built=True>:)"; it now
    names the array, as generate does."""
    folder = copy_of(templates[fmt], tmp_path_factory)
    names = ["model.keras"] if fmt == 1 else ["best.keras", "last.keras"]
    for n in names:
        reshape_weight(folder / n, 0, 2)
        _fix_manifest(folder, n)
    reason = listed(folder)
    assert isinstance(reason, str) and "has shape" in reason
    corpus = folder.parent / "corpus.txt"
    corpus.write_text(CORPUS_TEXT)
    for args in (("generate", folder, "--seed", "the ", "--plain"), ("evaluate", folder, corpus)):
        code, err = run_cli(capsys, *args)
        assert_one_line_error(code, err, args[0])
        assert "has shape" in err and "expected" in err, err


# -- a damaged manifest: ours, so it may go to the trash ------------------------------------------------
def test_a_model_with_a_damaged_state_goes_to_the_trash_and_back(templates, tmp_path_factory):
    folder = copy_of(templates[2], tmp_path_factory)
    (folder / "state.json").write_bytes(b'{"kind": "textgen-tui mo')  # cut short by a full disk
    assert isinstance(listed(folder), str) and is_damaged_model(folder) and is_ours(folder)
    entry = move_to_trash(folder)
    assert not folder.exists() and entry.path.is_dir()
    assert [e.path for e in list_trash(folder.parent)] == [entry.path] and is_ours(entry.path)
    back = restore(entry)
    assert back == folder and (folder / "best.keras").is_file()


@pytest.mark.parametrize(
    "extra",
    [
        {"notes.txt": "my own notes"},  # a user's file beside our names
        {"data": None},  # a sub-folder
    ],
)
def test_a_folder_with_anything_else_is_not_ours(templates, tmp_path_factory, extra):
    folder = copy_of(templates[2], tmp_path_factory)
    (folder / "state.json").write_bytes(b"\x00" * 40)
    for name, content in extra.items():
        (folder / name).mkdir() if content is None else (folder / name).write_text(content)
    before = sorted(p.name for p in folder.iterdir())
    assert not is_ours(folder)
    with pytest.raises(BundleError) as info:
        move_to_trash(folder)
    message = str(info.value)
    assert "not a textgen-tui model folder" in message and "rm -r -- " + str(folder) in message
    assert next(iter(extra)) in message and "\n" not in message
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_lone_damaged_state_json_is_not_ours(tmp_path):
    """A state.json alone could be any program's: it stays."""
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone" / "state.json").write_text("{not json")
    assert not is_ours(tmp_path / "lone")
    with pytest.raises(BundleError, match="remove it yourself"):
        move_to_trash(tmp_path / "lone")


def test_read_info_names_the_damage(templates, tmp_path_factory):
    folder = copy_of(templates[2], tmp_path_factory)
    (folder / "best.keras").unlink()
    _rewrite(folder / "last.keras", b"PK\x05\x06" + bytes(18))  # an empty zip: no members
    _fix_manifest(folder, "last.keras")
    with pytest.raises(BundleError, match="best.keras is missing; last.keras has no config.json"):
        read_info(folder)


@pytest.mark.parametrize(
    "hf",
    [{"model": {"type": "BPE", "vocab": 5}}, {"model": {}}, {"model": {"type": "Nope"}, "version": []}],
    ids=["vocab-type", "empty-model", "unknown-type"],
)
def test_a_damaged_subword_model_is_a_clear_error(hf):
    """The library raised a bare Exception when the first text was encoded (an "unexpected" error)."""
    from textgen_tui.core.text.tokenizer_base import Tokenizer
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    saved = fit_tokenizer("subword", "some text to learn the pieces of, " * 8).to_dict()
    damaged = Tokenizer.from_dict({**saved, "hf": hf})
    for _ in range(2):  # and again: a failed read is not kept
        with pytest.raises(TextgenError, match="subword model cannot be read"):
            damaged.encode_seed("some text")


def test_unparsable_trash_records(tmp_path, monkeypatch):
    """A trash record nested past the recursion limit dropped its entry from the trash listing."""
    entry = tmp_path / ".trash" / "old"
    entry.mkdir(parents=True)
    (entry / ".trashed.json").write_text("[" * 100_000)
    (listed_entry,) = list_trash(tmp_path)
    assert listed_entry.name == "old" and "unreadable" in listed_entry.note
