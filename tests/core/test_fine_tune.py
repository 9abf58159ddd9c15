"""Fine-tuning (`train --from BASE`): a tiny base trained here, then fine-tuned onto a text with
characters it lacks; the lineage; resume; every refusal as one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from core_helpers import TINY

from textgen_tui.core import events as ev
from textgen_tui.core.errors import BundleError, ConfigError, ModelNotFound
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train import fine_tune
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.trainer import Trainer

NEW_TEXT = (
    "Zebras quietly vex jumpy fowl; Ωmega & µ say 42!\n"
    "The quick brown fox jumps over the lazy dog again and again.\n"
) * 12
"""A text with characters the base never saw (capitals, digits, Ω, µ, ;, !, &)."""


@pytest.fixture(scope="module")
def base(tmp_path_factory, text):
    out = tmp_path_factory.mktemp("base") / "tiny-base"
    settings = {**TINY, "epochs": 4, "learning_rate": 0.03}  # a base that has learned something
    Trainer(RunSpec.new(corpus_from_text(text, "base-text"), out, "fast", settings)).run()
    return out


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, base):
    out = tmp_path_factory.mktemp("tuned") / "tuned"
    events: list = []
    spec = RunSpec.new(
        corpus_from_text(NEW_TEXT, "new-text"),
        out,
        "fast",
        {"epochs": 1, "batch_size": 32},
        base=fine_tune.find_base(base),
    )
    Trainer(spec, listeners=[events.append]).run()
    return out, events


def _keras_model(folder):
    from textgen_tui.core.store.keras_store import load_bundle

    return load_bundle(folder, compile=False).model


def _loss(model, ids: np.ndarray) -> float:
    probs = np.asarray(model.predict(ids[None, :-1], verbose=0))[0]  # traced once: no eager step loop
    return float(-np.mean(np.log(probs[np.arange(len(ids) - 1), ids[1:]])))


def test_step_zero_keeps_the_base_rows_and_its_loss(base, text):
    from textgen_tui.core.nets.keras_model import build_model

    b = fine_tune.find_base(base)
    cfg, _ = fine_tune.fine_tune_config(b, b.info.config, {})
    tokenizer, added = fine_tune.base_tokenizer(b, NEW_TEXT, cfg.data.lowercase)
    old = b.info.tokenizer
    assert set(added) >= {"µ", "4", "2", "!", ";", "&"} and tokenizer.vocab[: old.vocab_size] == old.vocab
    base_model = _keras_model(base)
    model = build_model(cfg, tokenizer.vocab_size)
    random_model = build_model(cfg, tokenizer.vocab_size)
    fine_tune.transfer_weights(base_model, model, old.vocab_size)

    weights = {w.path: np.asarray(w.numpy()) for w in model.weights}
    for w in base_model.weights:
        mine = weights[w.path]
        theirs = np.asarray(w.numpy())
        if mine.shape == theirs.shape:
            assert np.array_equal(mine, theirs), w.path
        else:  # widened by the added characters: the shared rows (or columns) bit for bit
            shared = mine[: old.vocab_size] if mine.shape[0] != theirs.shape[0] else mine[:, : old.vocab_size]
            assert np.array_equal(shared, theirs), w.path
    assert weights["embedding/embeddings"].shape[0] == old.vocab_size + len(added)

    # Step 0 on text the base knows: the base's loss, not a random model's.
    ids = tokenizer.encode(text[:300])
    theirs, mine, random = _loss(base_model, ids), _loss(model, ids), _loss(random_model, ids)
    assert abs(mine - theirs) < 0.02 * theirs, (mine, theirs)
    assert random > theirs + 0.5, (random, theirs)


def test_the_fine_tuned_folder_records_its_lineage_and_vocabulary(tuned, base):
    out, events = tuned
    info = read_info(out)
    b = read_info(base)
    lineage = info.state.lineage
    assert (
        lineage["base"] == "tiny-base"
        and lineage["corpus"] == "base-text"
        and lineage["epoch"] == b.best_epoch
    )
    assert len(lineage["weights_sha256"]) == 64
    assert info.tokenizer.vocab[: b.tokenizer.vocab_size] == b.tokenizer.vocab
    assert "µ" in info.tokenizer.vocab
    assert info.config.model.units == 24 and info.config.model.embedding_dim == 8
    assert info.config.train.learning_rate == pytest.approx(0.006 * fine_tune.LR_FACTOR)  # the preset's
    (started,) = [e for e in events if isinstance(e, ev.Started)]
    assert any("characters tiny-base lacks added" in c for c in started.changes), started.changes


def test_resume_continues_a_fine_tuned_model(tuned, tmp_path):
    out = tmp_path / "tuned"
    shutil.copytree(tuned[0], out)
    from textgen_tui.core.store.keras_store import strip_optimizer

    strip_optimizer(out, drop_last=True)  # as a shipped model is: best.keras alone
    assert not (out / "last.keras").exists() and read_info(out).resume_file == out / "best.keras"
    before = read_info(out)
    Trainer(RunSpec.resumed(out, {"epochs": 1}, corpus_from_text(NEW_TEXT, "new-text"))).run()
    after = read_info(out)
    assert after.epochs_done == before.epochs_done + 1
    assert after.state.lineage == before.state.lineage
    assert after.tokenizer.vocab == before.tokenizer.vocab


def test_refusals(base, tmp_path, monkeypatch):
    from textgen_tui.core.store.paths import ENV_VAR

    monkeypatch.setenv(ENV_VAR, str(base.parent))  # the base's folder is the models home
    b = fine_tune.find_base("tiny-base")
    assert b.path == base
    with pytest.raises(ConfigError, match="keeps its units"):
        fine_tune.fine_tune_config(b, b.info.config, {"units": 64})
    with pytest.raises(ConfigError, match="keeps its tokenizer"):
        fine_tune.fine_tune_config(b, b.info.config, {"tokenizer": "word"})
    with pytest.raises(ModelNotFound, match="did you mean tiny-base"):  # the models' names
        fine_tune.find_base("tiny-bse")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("mine")
    with pytest.raises(BundleError, match="cannot start from"):
        fine_tune.find_base(junk)
    own = b.info.config.data.lowercase
    cfg, notes = fine_tune.fine_tune_config(b, b.info.config, {"lowercase": not own})
    assert cfg.data.lowercase is own and "follows the base" in notes[0]


def test_a_word_base_must_cover_the_text(tmp_path, text):
    from textgen_tui.core.config import preset
    from textgen_tui.core.store.folder import BundleInfo
    from textgen_tui.core.store.manifest import RunState
    from textgen_tui.core.text.tokenizers import fit_tokenizer

    tokenizer = fit_tokenizer("word", text)
    b = fine_tune.Base("words", BundleInfo(tmp_path, preset("fast"), tokenizer, RunState()))
    assert fine_tune.base_tokenizer(b, text, False) == (tokenizer, [])
    with pytest.raises(BundleError, match="of this text's words"):
        fine_tune.base_tokenizer(b, "entirely different vocabulary appears here without overlap " * 20, False)


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "textgen_tui", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_cli_errors_are_one_line(base, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(NEW_TEXT)
    for args, needle in (
        (["--from", base, "--resume", "--out", base], "give one of them"),
        (["--from", base, "--units", "64"], "keeps its units"),
        (["--from", tmp_path / "nowhere-at-all"], "does not exist"),
    ):
        r = _cli("train", corpus, *args)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_cli_fine_tunes_and_says_what_it_added(base, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(NEW_TEXT)
    out = tmp_path / "ft"
    r = _cli("train", corpus, "--from", base, "--out", out, "--epochs", 1, "--batch-size", 32, "--plain")
    assert r.returncode == 0, r.stderr
    assert "characters tiny-base lacks added" in r.stdout
    assert json.loads((out / "state.json").read_text())["lineage"]["base"] == "tiny-base"
    g = _cli("generate", out, "--seed", "Zebras", "--length", 20, "--plain", "-t", "0.5")
    assert g.returncode == 0 and g.stdout.startswith("zebras"), g.stderr  # the base lowercases


def test_lineage_is_shown_by_models_details_and_the_models_list(tuned):
    import os

    from textgen_tui.app.panes.models import row_for
    from textgen_tui.app.screens.details import describe
    from textgen_tui.core.store.paths import ENV_VAR

    out, _ = tuned
    info = read_info(out)
    assert "from        tiny-base (corpus base-text, epoch" in describe(info)
    assert row_for(info)[1] == "new-text ← tiny-base"
    r = _cli("models", env={**os.environ, ENV_VAR: str(out.parent)})
    assert r.returncode == 0 and "fine-tuned from tiny-base (corpus base-text" in r.stdout, (
        r.stdout + r.stderr
    )


def test_a_subword_base_keeps_its_tokenizer(tmp_path, text):
    base = tmp_path / "subword-base"
    small = {**TINY, "tokenizer": "subword", "steps_per_epoch": 3, "length": 8}
    Trainer(RunSpec.new(corpus_from_text(text, "s"), base, "fast", small)).run()
    out = tmp_path / "subword-tuned"
    spec = RunSpec.new(
        corpus_from_text(NEW_TEXT, "new-text"),
        out,
        "fast",
        {"epochs": 1, "steps_per_epoch": 3, "length": 8},
        base=fine_tune.find_base(base),
    )
    Trainer(spec).run()
    tuned, b = read_info(out), read_info(base)
    assert tuned.tokenizer.vocab == b.tokenizer.vocab and tuned.tokenizer.kind == "subword"
    assert tuned.state.lineage["base"] == "subword-base"


def test_the_bundled_base_generates_by_name():
    r = _cli(
        "generate",
        "english",
        "--seed",
        "Dear Anna, ",
        "-t",
        "0.5",
        "--length",
        40,
        "--plain",
        "--rng-seed",
        1,
    )
    assert r.returncode == 0 and r.stdout.startswith("Dear Anna, ") and len(r.stdout) > 45, r.stderr
