"""`textgen-tui inspect`, run through the CLI's entry point as a user would call it."""

import json

import pytest

from textgen_tui.cli.main import main
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.paths import bundled_model

EXTRA = 'He said "the fox" (twice) \u2603.\n'  # quotes, parentheses and a snowman the model never saw


def _inspect(capsys, *args):
    code = main(["inspect", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_spells_the_text_names_the_unknown_and_finds_cells(trained_folder, text, tmp_path, capsys):
    path = tmp_path / "sample.txt"
    path.write_text(text[:300] + EXTRA)
    code, out, err = _inspect(capsys, trained_folder, path, "--json", "--cells")
    assert code == 0, err
    report = json.loads(out)  # one JSON object, nothing else on stdout
    lower = read_info(trained_folder).config.data.lowercase
    expected = (text[:300] + EXTRA).lower() if lower else text[:300] + EXTRA
    assert "".join(t["text"] for t in report["tokens"]) == expected
    assert all(set(t) >= {"text", "nats", "rank", "known"} for t in report["tokens"])
    unknown = [t["text"] for t in report["tokens"] if not t["known"]]
    assert "\u2603" in unknown and '"' in unknown and "(" in unknown
    assert "\u2603 (U+2603)" in report["unknown"]
    assert all(t["nats"] is None for t in report["tokens"] if not t["known"])
    scored = [t["nats"] for t in report["tokens"] if t["nats"] is not None]
    assert report["nats_per_token"] == pytest.approx(sum(scored) / len(scored), abs=1e-4)
    assert {c["feature"] for c in report["cells"]} == {
        "position_in_line",
        "position_in_word",
        "inside_quotes",
        "inside_parentheses",
    }
    assert all(-1 <= c["r"] <= 1 and c["layer"] == 0 for c in report["cells"])
    assert "does not know" in err and "U+2603" in err  # the one-line note names them


def test_terminal_and_html_show_the_bands(trained_folder, text, tmp_path, capsys):
    path = tmp_path / "sample.txt"
    path.write_text(text[:200] + "<b>&\n")
    page = tmp_path / "page.html"
    code, out, err = _inspect(capsys, trained_folder, path, "--html", page)
    assert code == 0, err
    assert "top 1" in out and "beyond" in out and "nats per token" in out and "bits per character" in out
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "<script" not in html
    assert 'title="rank ' in html and ", p=0." in html and 'class="b0"' in html
    assert "&lt;" in html and "&amp;" in html  # the text is escaped
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".page")]  # no temporary left


def test_without_a_folder_the_bundled_model_reads_the_text(tmp_path, capsys):
    if bundled_model() is None:
        pytest.skip("no bundled model in this installation")
    path = tmp_path / "sample.txt"
    path.write_text("Thus spoke the philosopher.\n")
    code, out, err = _inspect(capsys, path, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["model"].endswith("nietzsche-char") and report["lowercased"] is True
    assert "".join(t["text"] for t in report["tokens"]) == "thus spoke the philosopher.\n"


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("missing.txt", None, "does not exist"),
        ("empty.txt", b"", "is empty"),
        ("bin.txt", b"\x00\x01PNG" * 50, "binary"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(trained_folder, tmp_path, capsys, name, content, needle):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = _inspect(capsys, trained_folder, path, "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err


def test_a_bad_model_folder_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "sample.txt"
    path.write_text("some text\n")
    code, _, err = _inspect(capsys, tmp_path, path)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "not a model folder" in err


def test_help_says_window_models_are_read_carrying_state(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "window" in out and "--html" in out and "--cells" in out


def test_the_terminal_wraps_at_word_boundaries(trained_folder, text, tmp_path, capsys, monkeypatch):
    """Issue 32: the colored text ran to the terminal's edge and broke words there."""
    import re

    path = tmp_path / "sample.txt"
    sample = " ".join(text.split())[:400] + "\n"  # one long line
    path.write_text(sample)
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as Rich sees it
    monkeypatch.setenv("COLUMNS", "40")
    code, out, err = _inspect(capsys, trained_folder, path)
    assert code == 0, err
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    lines = plain.split("rank:")[0].rstrip("\n").split("\n")
    assert len(lines) > 400 // 40 and all(len(line) <= 40 for line in lines), lines
    words = set(sample.lower().split())
    assert all(w in words for line in lines for w in line.split()), lines  # no word cut in two
    monkeypatch.delenv("FORCE_COLOR")  # a pipe: the text as it is, no line break added
    code, out, err = _inspect(capsys, trained_folder, path)
    assert out.split("rank:")[0].strip("\n").lower() == sample.strip().lower()
