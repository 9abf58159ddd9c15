"""The numpy batch sampler every backend trains from (no Keras needed to draw batches)."""

import numpy as np
import pytest
from core_helpers import tiny_config

from textgen_tui.core.errors import CorpusError
from textgen_tui.core.nets.batches import TokenBatches, example_starts


def ids(n=5000):
    return (np.arange(n) % 97).astype(np.int32)


def starts_of(batches, p):
    """Which example starts pass `p` used (sequence chunks moved by their jitter are mapped
    back to their stride slot)."""
    seen = []
    for i in range(batches.per_pass):
        x, y = batches.get(p, i)
        assert x.dtype == np.int32 and y.dtype == np.int32
        seen.extend(x[:, 0].tolist())
    return seen


def test_a_window_pass_visits_every_start_once_in_a_new_order_each_pass():
    cfg = tiny_config("book")
    data = ids()
    b = TokenBatches(data, cfg, shuffle=True)
    first, second = starts_of(b, 0), starts_of(b, 1)
    expected = sorted(data[example_starts(len(data), cfg.data)].tolist())
    assert sorted(first) == sorted(second) == expected
    assert first != second
    x, y = b.get(0, 0)
    assert x.shape == (cfg.train.batch_size, cfg.data.maxlen) and y.shape == (cfg.train.batch_size,)
    # The target is the token after the window.
    assert np.array_equal(y, (x[:, -1] + 1) % 97)


def test_sequence_chunks_move_inside_their_stride_and_targets_shift_by_one():
    cfg = tiny_config("fast")
    data = np.arange(5000, dtype=np.int32)  # the id is the position
    b = TokenBatches(data, cfg, shuffle=True)
    x, y = b.get(0, 0)
    assert np.array_equal(y, x + 1)
    offsets = x[:, 0] % cfg.data.seq_len
    assert len(set(offsets.tolist())) > 1  # not all on the stride grid: jittered
    x2, _ = b.get(0, 0)
    assert np.array_equal(x, x2)  # a batch is a function of (seed, pass, index)


def test_validation_is_in_order_and_shares_split_it_between_processes():
    cfg = tiny_config("book")
    data = ids(3000)
    whole = TokenBatches(data, cfg, shuffle=False)
    a = TokenBatches(data, cfg, shuffle=False, share=(0, 2))
    b = TokenBatches(data, cfg, shuffle=False, share=(1, 2))
    assert a.batch == b.batch == cfg.train.batch_size // 2
    assert a.per_pass == b.per_pass  # as many batches in every process: collectives must pair
    assert not set(a.starts.tolist()) & set(b.starts.tolist())
    assert set(a.starts.tolist()) | set(b.starts.tolist()) <= set(whole.starts.tolist())


def test_training_shares_draw_their_own_batches_of_half_the_size():
    cfg = tiny_config("fast")
    a = TokenBatches(ids(), cfg, shuffle=True, share=(0, 2))
    b = TokenBatches(ids(), cfg, shuffle=True, share=(1, 2))
    xa, _ = a.get(0, 0)
    xb, _ = b.get(0, 0)
    assert len(xa) == len(xb) == cfg.train.batch_size // 2
    assert not np.array_equal(xa, xb)
    assert a.per_pass == b.per_pass == len(example_starts(5000, cfg.data)) // cfg.train.batch_size


def test_steps_epochs_run_on_through_the_passes_and_resume_continues():
    cfg = tiny_config("book")
    b = TokenBatches(ids(), cfg, shuffle=True, steps=7)
    assert len(b) == 7
    stream = b.generator()
    got = [next(stream)[0] for _ in range(b.per_pass + 3)]
    assert np.array_equal(got[b.per_pass], b.get(1, 0)[0])  # the second pass follows the first
    later = TokenBatches(ids(), cfg, shuffle=True, first_pass=3)
    assert np.array_equal(next(later.generator())[0], b.get(3, 0)[0])


def test_drop_remainder_keeps_whole_batches_only():
    cfg = tiny_config("book")
    keep = TokenBatches(ids(3001), cfg, shuffle=False)
    drop = TokenBatches(ids(3001), cfg, shuffle=False, drop_remainder=True)
    assert len(keep.get(0, keep.per_pass - 1)[0]) < cfg.train.batch_size
    assert all(len(drop.get(0, i)[0]) == cfg.train.batch_size for i in range(drop.per_pass))


def test_too_few_examples_for_a_split_batch_is_a_clear_error():
    cfg = tiny_config("fast")
    with pytest.raises(CorpusError, match="lower the batch size"):
        TokenBatches(ids(200), cfg, shuffle=True, share=(0, 2))


@pytest.mark.parametrize("name", ["fast", "book"])
def test_the_tensorflow_pipeline_yields_the_same_batches(name):
    """On TensorFlow the windows are gathered in tf.data, but the batches are TokenBatches's."""
    from textgen_tui.core.nets.backend import current
    from textgen_tui.core.nets.tf_support import tf_dataset

    if current() not in (None, "tensorflow"):
        pytest.skip("this process runs Keras on another backend")
    cfg = tiny_config(name)
    data = ids(3001)
    expected = TokenBatches(data, cfg, shuffle=True, first_pass=2)
    ds = tf_dataset(TokenBatches(data, cfg, shuffle=True, first_pass=2))
    for p in (2, 3):  # each iteration of the dataset is the next pass
        got = list(ds.as_numpy_iterator())
        assert len(got) == expected.per_pass
        for i, (x, y) in enumerate(got):
            ex, ey = expected.get(p, i)
            assert np.array_equal(x, ex) and np.array_equal(y, ey)
    endless = TokenBatches(data, cfg, shuffle=True, steps=3)
    it = iter(tf_dataset(TokenBatches(data, cfg, shuffle=True, steps=3)))
    for cursor in range(endless.per_pass + 2):
        x, _ = next(it)
        assert np.array_equal(x.numpy(), endless.at(cursor)[0])


def test_the_tensorflow_pipeline_has_no_python_generator():
    """A tf.data pipeline built on `Dataset.from_generator` made every step of `fit` twice as slow
    on 2 cores (0.75 s of system time a step with the fast preset; `python -m benchmarks.run
    --only training` compares a fit on the pipeline with train_on_batch): none may creep back."""
    from textgen_tui.core.nets.backend import current
    from textgen_tui.core.nets.tf_support import tf_dataset

    if current() not in (None, "tensorflow"):
        pytest.skip("this process runs Keras on another backend")
    cfg = tiny_config("fast")
    for steps in (None, 3):
        ds = tf_dataset(TokenBatches(ids(3001), cfg, shuffle=True, steps=steps))
        assert b"GeneratorDataset" not in ds._as_serialized_graph().numpy()
