"""Truncated backpropagation through time: runs of consecutive chunks, the state carried between
batches, and a carried run's folder (the same model as any other)."""

import numpy as np
import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.generate.load import keras_generator
from textgen_tui.core.nets.batches import CARRY_GROUPS, TokenBatches
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.keras_store import load_bundle
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.trainer import Trainer


def carry_config(carry=3):
    cfg = tiny_config("fast")
    cfg.data.carry = carry
    cfg.data.seq_len = 8
    cfg.train.batch_size = 4
    return cfg


def test_a_row_reads_its_run_chunk_after_chunk_and_jumps_every_carry_batches():
    cfg = carry_config(3)
    data = np.arange(3000, dtype=np.int32)  # the id is the position
    b = TokenBatches(data, cfg, shuffle=True, carry=3)
    assert b.carry == 3 and b.per_pass % 3 == 0
    for p in (0, 1):
        seen, previous = [], None
        for i in range(b.per_pass):
            x, y = b.get(p, i)
            assert x.shape == (4, 8) and np.array_equal(y, x + 1)  # always full batches
            if i % 3 and previous is not None:  # the same rows go on where the last batch stopped
                assert np.array_equal(x[:, 0], previous[:, -1] + 1)
            else:
                seen.extend(x[:, 0].tolist())
            previous = x
        assert len(set(seen)) == len(seen)  # each run once a pass
    assert b.get(0, 0)[0][:, 0].tolist() != b.get(1, 0)[0][:, 0].tolist()  # a new order each pass


def test_without_carry_the_batches_are_what_they_were():
    cfg = carry_config(1)
    data = np.arange(3000, dtype=np.int32)
    plain = TokenBatches(data, cfg, shuffle=True)
    one = TokenBatches(data, cfg, shuffle=True, carry=1)
    assert one.carry == 1 and one.per_pass == plain.per_pass
    for i in range(plain.per_pass):
        assert np.array_equal(plain.get(2, i)[0], one.get(2, i)[0])


def test_a_short_corpus_gets_shorter_runs_and_validation_never_carries():
    cfg = carry_config(8)
    rows, chunk = cfg.train.batch_size, cfg.data.seq_len
    # Room for CARRY_GROUPS batches of runs of 4 chunks, not of 8.
    data = np.arange(CARRY_GROUPS * rows * 4 * chunk + chunk, dtype=np.int32)
    assert TokenBatches(data, cfg, shuffle=True, carry=8).carry == 4
    assert TokenBatches(data[:200], cfg, shuffle=True, carry=8).carry == 1
    assert TokenBatches(data, cfg, shuffle=False, carry=8).carry == 1


def test_carried_chunks_compute_what_the_whole_run_computes():
    """Three chunks in a row through the carry model (training mode, no dropout) give the core
    model's outputs on the run read at once; the fourth batch starts from zeros again."""
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.nets.tbptt import carry_model

    cfg = carry_config(3)
    cfg.model.dropout = 0.0
    cfg.model.recurrent_dropout = 0.0  # the fast preset's since 42e8dbd: "no dropout" needs it off too
    cfg.model.layers = 2
    core = build_model(cfg, 11)
    model = carry_model(core, 3, 2)
    rng = np.random.default_rng(0)
    run = rng.integers(0, 11, (2, 24)).astype("int32")
    whole = np.asarray(core(run))
    for k in range(3):
        part = np.asarray(model(run[:, 8 * k : 8 * k + 8], training=True))
        np.testing.assert_allclose(part, whole[:, 8 * k : 8 * k + 8], atol=1e-5)
    fresh = np.asarray(model(run[:, 8:16], training=True))  # batch 4: a new run, a zero state
    np.testing.assert_allclose(fresh, np.asarray(core(run[:, 8:16])), atol=1e-5)
    # Outside training (validation) it is the core model, whatever the batch size.
    np.testing.assert_allclose(np.asarray(model(run[:1, :8])), np.asarray(core(run[:1, :8])), atol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_carried_run_saves_a_plain_model_and_resumes_with_its_optimizer(tmp_path, cell):
    cfg = carry_config(3)
    cfg.model.cell = cell
    cfg.train.batch_size = 8
    text = make_text(120)  # ~18 k characters: eight batches of runs of 3 chunks of 8
    out = tmp_path / "carried"
    seen = []
    Trainer(RunSpec.new(corpus_from_text(text), out, config=cfg), listeners=[seen.append]).run()
    started = next(e for e in seen if type(e).__name__ == "Started")
    assert not any(c.startswith("carry") for c in started.changes)  # it did carry
    bundle = load_bundle(out)
    assert [w.shape for w in bundle.model.weights] == [w.shape for w in build_plain(cfg, bundle).weights]
    steps = int(bundle.model.optimizer.iterations.numpy())
    assert steps == started.batches_per_epoch > 0  # the training optimizer's state was saved
    assert keras_generator(bundle).generate("the ", [0.5], 20, rng_seed=1)[0]
    Trainer(RunSpec.resumed(out, {"epochs": 1}, corpus_from_text(text))).run()
    assert int(load_bundle(out).model.optimizer.iterations.numpy()) == 2 * steps
    assert read_info(out).config.data.carry == 3


def build_plain(cfg, bundle):
    from textgen_tui.core.nets.keras_model import build_model

    return build_model(cfg, bundle.tokenizer.vocab_size)


def test_a_corpus_too_short_to_carry_says_so(tmp_path):
    cfg = carry_config(3)
    cfg.train.batch_size = 16  # ~1,300 training tokens: 82 runs of 2 chunks, fewer than 8 × 16
    seen = []
    Trainer(
        RunSpec.new(corpus_from_text(make_text(10)), tmp_path / "m", config=cfg), listeners=[seen.append]
    ).run()
    started = next(e for e in seen if type(e).__name__ == "Started")
    assert any(c.startswith("carry: 3 → 1") for c in started.changes)
