"""The command line, run as a user would: real processes, exit codes, stdout and stderr."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "textgen_tui", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def assert_clean_error(result, needle):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_train_generate_evaluate(tmp_path, text):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text)
    out = tmp_path / "model"
    r = run(
        "train",
        corpus,
        "--out",
        out,
        "--units",
        16,
        "--seq-len",
        20,
        "--epochs",
        1,
        "--sample-length",
        20,
        "--dropout",
        0.2,
        "--input-dropout",
        0.1,
        "--plain",
    )
    assert r.returncode == 0, r.stderr
    model = json.loads((out / "config.json").read_text())["model"]
    assert (model["dropout"], model["input_dropout"]) == (0.2, 0.1)
    assert "epoch 1/1" in r.stdout and "--- temperature 0.2" in r.stdout and "done:" in r.stdout
    r = run("generate", out, "--seed", "the quick", "-t", "0.5", "--length", 25, "--plain", "--rng-seed", 1)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("the quick") and len(r.stdout) == len("the quick") + 25 + 1
    again = run(
        "generate", out, "--seed", "the quick", "-t", "0.5", "--length", 25, "--plain", "--rng-seed", 1
    )
    assert again.stdout == r.stdout
    r = run("generate", out, "--seed", "the quick\u2603", "-t", "0", "-t", "1", "--length", 10, "--plain")
    assert r.returncode == 0 and "unknown" in r.stderr and r.stdout.count("--- temperature") == 2
    r = run("evaluate", out, corpus)
    assert r.returncode == 0 and "nats per token" in r.stdout and "bits per character" in r.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["train", "/no/such/file.txt"], "does not exist"),
        (["train", "{tmp}/empty.txt"], "is empty"),
        (["train", "{tmp}/binary.txt"], "binary"),
        (["train", "{tmp}/short.txt"], "too short"),
        (["train", "{tmp}/short.txt", "--lr", "-1"], "learning_rate"),
        (["train", "{tmp}/short.txt", "--input-dropout", "2"], "input_dropout"),
        (["train", "{tmp}/short.txt", "--carry", "0"], "carry"),
        (["generate", "{tmp}"], "is not a model folder"),
        (["generate", "{model}", "-t", "-1"], "negative"),
        (["generate", "{model}", "-t", "warm"], "not a number"),
        (["generate", "{model}", "--exact-window", "--top-p", "0"], "top-p"),
        (["generate", "{model}", "--repetition-penalty", "0.5"], "repetition penalty"),
        (["generate", "{model}", "--no-repeat-ngram", "-2"], "n-gram"),
        (["evaluate", "{tmp}/nothing", "{tmp}/short.txt"], "does not exist"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, trained_folder, args, needle):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG" * 100)
    (tmp_path / "short.txt").write_text("too short for a window")
    args = [a.format(tmp=tmp_path, model=trained_folder) for a in args]
    assert_clean_error(run(*args), needle)


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "train" in r.stdout and "generate" in r.stdout
    assert run("--version").stdout.startswith("textgen-tui ")
