"""The public Python API (`import textgen_tui as tg`), each call on a tiny model trained here."""

from __future__ import annotations

import io
import json
import shutil
import threading
from pathlib import Path

import pytest
from core_helpers import make_text

import textgen_tui as tg
from textgen_tui.api.progress import PLAIN, TERMINAL, ProgressDisplay
from textgen_tui.cli.main import main

TINY = {"units": 24, "embedding_dim": 8, "seq_len": 24, "batch_size": 32, "length": 20}
"""Settings that make a run of a few seconds (the tests' tiny models)."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api-corpus") / "fables.txt"
    path.write_text(make_text(40))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus):
    """(the model tg.train returned, the events it reported, the threads they came in)."""
    seen: list[tg.events.TrainingEvent] = []
    threads: set[str] = set()

    def on_event(event):
        seen.append(event)
        threads.add(threading.current_thread().name)

    out = tmp_path_factory.mktemp("api-models") / "fables"
    model = tg.train(corpus, out, epochs=1, preset="fast", on_event=on_event, progress=False, **TINY)
    return model, seen, threads


def _cli_error(capsys, *argv) -> str:
    """The message `textgen-tui ARGV` prints after 'textgen-tui: error: ' (exit 2, one line)."""
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("textgen-tui: error: "), err
    return err[0].removeprefix("textgen-tui: error: ")


# -- train ---------------------------------------------------------------------------------------
def test_train_returns_the_model_and_calls_on_event_in_the_callers_thread(trained):
    model, seen, threads = trained
    assert isinstance(model, tg.Model) and model.path.name == "fables"
    kinds = [type(e).__name__ for e in seen]
    assert kinds.index("Started") < kinds.index("EpochEnd") < kinds.index("Finished")
    assert "BatchProgress" in kinds and "SampleFinished" in kinds
    assert threads == {threading.current_thread().name}
    info = model.info
    assert info.epochs_done == 1 and info.best_epoch == 1 and info.tokenizer == "char"
    assert info.settings["model"]["units"] == 24 and info.settings["sample"]["length"] == 20
    assert info.corpus["source"].endswith("fables.txt") and info.lineage is None
    assert len(info.history["loss"]) == 1 and info.seeds
    assert info.vocab_size == model.keras_model.output_shape[-1]


def test_the_progress_display_prints_the_run_in_lines(trained):
    _, seen, _ = trained
    for mode in (PLAIN, TERMINAL):
        out = io.StringIO()
        display = ProgressDisplay(mode, out)
        for event in seen:
            display(event)
        display.close()
        text = out.getvalue()
        assert "training fast model" in text and "epoch 1/1: loss" in text and "done: 1 epoch(s)" in text


def test_an_interrupt_stops_after_the_batch_and_returns_the_saved_model(tmp_path, corpus):
    """Ctrl-C (a notebook's stop button) while train waits: the run stops after the batch, the
    epoch is saved and the model comes back. The interrupt is raised where a real one lands:
    in the thread that waits, between two events."""
    kinds: list[str] = []

    def on_event(event):
        kinds.append(type(event).__name__)
        if isinstance(event, tg.events.BatchProgress) and "X" not in kinds:
            kinds.append("X")
            raise KeyboardInterrupt

    model = tg.train(corpus, tmp_path / "m", epochs=200, on_event=on_event, progress=False, **TINY)
    assert kinds.count("X") == 1 and "Stopped" in kinds and kinds.index("X") < kinds.index("Stopped")
    assert kinds[-1] == "SessionStatus" and 1 <= model.info.epochs_done < 200


# -- generate ------------------------------------------------------------------------------------
def test_generate_one_temperature_several_and_streamed(trained):
    model, _, _ = trained
    text = model.generate("the quick", temperature=0.5, length=25, rng_seed=3)
    assert isinstance(text, str) and text.startswith("the quick") and len(text) == len("the quick") + 25
    assert model.generate("the quick", temperature=0.5, length=25, rng_seed=3) == text
    streamed = model.generate("the quick", temperature=0.5, length=25, rng_seed=3, stream=True)
    chunks = list(streamed)
    assert chunks[0] == "the quick" == streamed.seed and "".join(chunks) == text
    several = model.generate("the quick", temperature=[0, 1.0], length=25, rng_seed=3)
    assert list(several) == [0.0, 1.0] and all(t.startswith("the quick") for t in several.values())
    steps = list(model.generate("the quick", temperature=[0, 1.0], length=25, rng_seed=3, stream=True))
    assert {t: "".join(s[t] for s in steps) for t in (0.0, 1.0)} == several
    greedy = model.generate("the quick", temperature=0, length=25)
    assert greedy == several[0.0]  # greedy needs no seed to repeat itself


def test_generate_without_a_seed_starts_from_a_stored_excerpt(trained):
    model, _, _ = trained
    text = model.generate(length=10, rng_seed=1)
    assert any(text.startswith(s) for s in model.info.seeds)
    assert model.generate(length=10, rng_seed=1) == text


def test_a_seed_with_unknown_characters_warns_and_the_stream_carries_the_note(trained):
    model, _, _ = trained
    with pytest.warns(tg.TextgenWarning, match="unknown character"):
        model.generate("the \u2603 fox", length=5, rng_seed=1)
    stream = model.generate("the \u2603 fox", length=5, rng_seed=1, stream=True)
    assert stream.note is not None and "\u2603" in stream.note


# -- errors --------------------------------------------------------------------------------------
def test_errors_are_textgen_errors_with_the_command_lines_line(trained, tmp_path, capsys, corpus):
    model, _, _ = trained
    folder = str(model.path)
    with pytest.raises(tg.TextgenError) as exc:
        tg.load(tmp_path)
    assert str(exc.value) == _cli_error(capsys, "generate", tmp_path)
    with pytest.raises(tg.TextgenError) as exc:
        tg.load("no-such-model")
    assert str(exc.value) == _cli_error(capsys, "generate", "no-such-model")
    cases = [
        ({"temperature": -1}, ["-t", "-1"]),
        ({"top_p": 0.0}, ["--top-p", "0"]),
        ({"repetition_penalty": 0.5}, ["--repetition-penalty", "0.5"]),
        ({"no_repeat_ngram": -2}, ["--no-repeat-ngram", "-2"]),
    ]
    for kwargs, flags in cases:
        with pytest.raises(tg.TextgenError) as exc:
            model.generate("the", length=5, **kwargs)
        assert str(exc.value) == _cli_error(capsys, "generate", folder, "--seed", "the", *flags)
    with pytest.raises(tg.TextgenError) as exc:
        tg.train(corpus, tmp_path / "m", learning_rate=-1.0, progress=False)
    assert str(exc.value) == _cli_error(capsys, "train", corpus, "--out", tmp_path / "m", "--lr", "-1")
    short = tmp_path / "short.txt"
    short.write_text("too short for a window")
    with pytest.raises(tg.TextgenError) as exc:  # refused in the training thread: the run's error
        tg.train(short, tmp_path / "s1", progress=False)
    assert "too short" in str(exc.value)
    assert str(exc.value) == _cli_error(capsys, "train", short, "--out", tmp_path / "s2", "--plain")
    missing = tmp_path / "missing.txt"
    with pytest.raises(tg.TextgenError) as exc:
        tg.train(missing, progress=False)
    assert str(exc.value) == _cli_error(capsys, "train", missing)
    with pytest.raises(tg.TextgenError, match="unknown setting 'unit'"):
        tg.train(corpus, progress=False, unit=3)
    with pytest.raises(tg.TextgenError, match="too short"):
        model.evaluate("the")
    with pytest.raises(tg.TextgenError, match="exact-window"):
        model.generate("the", exact_window=True)


# -- reading texts -------------------------------------------------------------------------------
def test_inspect_holds_the_data_of_inspect_json(trained, tmp_path, capsys):
    model, _, _ = trained
    passage = make_text(3)[:150] + 'He said "the fox" (twice) \u2603.\n'
    path = tmp_path / "passage.txt"
    path.write_text(passage)
    seen = model.inspect(passage, cells=True)
    assert main(["inspect", str(model.path), str(path), "--json", "--cells"]) == 0
    assert seen.to_dict() == json.loads(capsys.readouterr().out)
    assert seen.text == passage.lower() and seen.scored > 0 and "\u2603 (U+2603)" in seen.unknown
    assert {c.feature for c in seen.cells} >= {"position_in_line", "position_in_word"}
    assert model.inspect(passage).cells is None
    with pytest.raises(tg.TextgenError, match="too short to inspect"):
        model.inspect("\u2603")


def test_evaluate_gives_what_the_command_line_prints(trained, tmp_path, capsys):
    model, _, _ = trained
    text = make_text(8)
    path = tmp_path / "eval.txt"
    path.write_text(text)
    result = model.evaluate(text)
    assert result.tokens > 0 and result.characters >= result.tokens and result.unknown == 0
    assert main(["evaluate", str(model.path), str(path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{result.nats_per_token:.4f} nats per token, {result.bits_per_char:.4f} bits")


def test_suggest_gives_up_to_n_different_continuations(trained):
    model, _, _ = trained
    ideas = model.suggest("the quick brown fox jumps over the", n=3, length=12, rng_seed=2)
    assert 1 <= len(ideas) <= 3 and len(set(ideas)) == len(ideas)
    assert all(0 < len(i) <= 12 for i in ideas)
    again = model.suggest("the quick brown fox jumps over the", n=3, length=12, rng_seed=2)
    assert again == ideas  # the state kept along the text changes nothing
    assert model.suggest("\u2603", n=2) == []


def test_load_takes_a_name_in_the_models_home_and_the_bundled_model(trained, monkeypatch, tmp_path):
    model, _, _ = trained
    home = tmp_path / "home"
    shutil.copytree(model.path, home / "fables-copy")
    monkeypatch.setenv("TEXTGEN_TUI_MODELS", str(home))
    assert tg.load("fables-copy").path == home / "fables-copy"
    bundled = tg.load()
    assert bundled.name == "nietzsche-char" and bundled.info.lowercase
    assert bundled.generate("The ", length=5, rng_seed=1).startswith("the ")


def test_train_from_a_model_fine_tunes_it_and_records_its_lineage(trained, tmp_path, corpus, capsys):
    model, _, _ = trained
    tuned = tg.train(corpus, tmp_path / "tuned", from_=model.path, epochs=1, progress=False)
    lineage = tuned.info.lineage
    assert lineage is not None and lineage["base"] == "fables" and lineage["epoch"] == 1
    assert tuned.info.settings["model"]["units"] == 24  # the base's architecture
    assert model.info.lineage is None
    with pytest.raises(tg.TextgenError, match="give one of them"):
        tg.train(None, tuned.path, resume=True, from_=model.path, progress=False)
    with pytest.raises(tg.TextgenError) as exc:
        tg.train(corpus, tmp_path / "t2", from_="no-such-base", progress=False)
    assert str(exc.value) == _cli_error(
        capsys, "train", corpus, "--out", tmp_path / "t2", "--from", "no-such-base"
    )


# -- the non-blocking session --------------------------------------------------------------------
def test_a_session_streams_its_events_stops_and_resumes(trained, tmp_path, corpus):
    model, _, _ = trained
    session = tg.TrainingSession(corpus, tmp_path / "long", epochs=200, preset="fast", **TINY)
    with pytest.raises(tg.TextgenError, match="not started"):
        session.wait()
    assert session.start() == tmp_path / "long" == session.out
    with pytest.raises(TimeoutError):
        session.wait(timeout=0)
    kinds = []
    for event in session.events():
        kinds.append(type(event).__name__)
        if isinstance(event, tg.events.EpochEnd):
            assert session.stop()
    assert "Stopped" in kinds and kinds[-1] == "SessionStatus" and session.done
    stopped = session.wait()
    assert 1 <= stopped.info.epochs_done < 200 and session.status == "finished"

    copy = shutil.copytree(model.path, tmp_path / "again")
    resumed = tg.TrainingSession(None, copy, resume=True, epochs=1)  # on the folder's own corpus
    assert resumed.start() == copy
    assert resumed.wait().info.epochs_done == 2
