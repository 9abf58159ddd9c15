"""Reading a `.keras` file with h5py only gives the same numpy generator as Keras's own loader."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from core_helpers import make_text, tiny_config

from textgen_tui.core.errors import BundleError
from textgen_tui.core.generate.generator import Generator
from textgen_tui.core.nets.backend import import_keras
from textgen_tui.core.nets.keras_model import build_model
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.store.folder import read_info
from textgen_tui.core.store.paths import bundled_model
from textgen_tui.core.store.weights_file import read_recurrent_net
from textgen_tui.core.text.tokenizers import fit_tokenizer

TEXT = make_text(4)
KINDS = [
    (cell, layers, input_kind)
    for cell in ("lstm", "gru")
    for layers in (1, 2)
    for input_kind in ("embedding", "onehot")
]


def _save_models(folder: Path, cell: str, layers: int, input_kind: str):
    """A tiny model with random weights, trained for two batches, saved with and without optimizer."""
    keras = import_keras()
    cfg = tiny_config("fast")
    cfg.model.cell, cfg.model.layers, cfg.model.input = cell, layers, input_kind
    cfg.model.units, cfg.model.embedding_dim = 16, 8
    cfg.model.dropout = 0.1 if layers == 2 else 0.0  # with and without the Dropout layer
    tok = fit_tokenizer("char", TEXT)
    model = build_model(cfg, tok.vocab_size)
    rng = np.random.default_rng(7)
    for var in model.trainable_weights:  # far from the zero biases of a fresh model (one-hot stays identity)
        var.assign(rng.normal(0, 0.4, var.shape).astype("float32"))
    ids = rng.integers(0, tok.vocab_size, (4, 12)).astype("int32")
    # Two batches run eagerly: tracing the step took 3-15 s per model, and the file saved is the
    # same (the compile config is the one build_model compiled, run_eagerly False).
    model.run_eagerly = True
    model.fit(ids, np.roll(ids, -1, axis=1), batch_size=2, epochs=1, verbose=0)  # builds the optimizer
    with_opt = folder / f"{cell}{layers}-{input_kind}-opt.keras"
    model.save(with_opt)
    # As bundle.strip_optimizer does: an uncompiled copy (a clone of a compiled model is compiled).
    bare = keras.saving.load_model(with_opt, compile=False)
    without_opt = folder / f"{cell}{layers}-{input_kind}.keras"
    bare.save(without_opt)
    return tok, with_opt, without_opt


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights-file")
    cache = {}

    def get(cell, layers, input_kind):
        key = (cell, layers, input_kind)
        if key not in cache:
            cache[key] = _save_models(folder, *key)
        return cache[key]

    return get


def _h5_groups(path: Path) -> dict[str, str | None]:
    """Every `vars` group of the weights file → its `name` attribute."""
    out = {}
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h5:
        h5.visititems(lambda n, o: out.update({n: o.attrs.get("name")}) if n.endswith("vars") else None)
    return out


def _assert_same_net(mine: RecurrentNet, ref: RecurrentNet, tol: float = 1e-6) -> None:
    assert mine.vocab_size == ref.vocab_size
    assert mine.table.dtype == np.float32 and mine.table.shape == ref.table.shape
    np.testing.assert_allclose(mine.table, ref.table, rtol=0, atol=tol)
    assert len(mine.layers) == len(ref.layers)
    for a, b in zip(mine.layers, ref.layers):
        assert (a.cell, a.units) == (b.cell, b.units)
        for name in ("kernel", "recurrent", "bias", "recurrent_bias"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), name
            if x is not None:
                assert x.dtype == np.float32 and x.shape == y.shape, name
                np.testing.assert_allclose(x, y, rtol=0, atol=tol, err_msg=name)
    np.testing.assert_allclose(mine.dense_w, ref.dense_w, rtol=0, atol=tol)
    np.testing.assert_allclose(mine.dense_b, ref.dense_b, rtol=0, atol=tol)


def _assert_same_generation(mine: RecurrentNet, ref: RecurrentNet, tok, seed_ids) -> None:
    a, b = Generator(mine, tok), Generator(ref, tok)
    opts = {"temperatures": [0.5, 1.0], "length": 12, "rng_seed": 3}
    stream_a = [ids.tolist() for ids in a.stream_ids(seed_ids, **opts)]
    stream_b = [ids.tolist() for ids in b.stream_ids(seed_ids, **opts)]
    assert stream_a == stream_b
    history = list(seed_ids) + [ids[1] for ids in stream_a]
    for n in (len(seed_ids), len(history)):
        probs = a.next_token_probs(history[:n])
        assert np.abs(probs - b.next_token_probs(history[:n])).max() <= 1e-6
        assert probs.max() < 0.999  # the weights are not trivial: the distribution is not one-hot


@pytest.mark.parametrize("optimizer", [True, False], ids=["with-optimizer", "without-optimizer"])
@pytest.mark.parametrize(("cell", "layers", "input_kind"), KINDS)
def test_same_net_as_keras(saved, cell, layers, input_kind, optimizer):
    keras = import_keras()
    tok, with_opt, without_opt = saved(cell, layers, input_kind)
    path = with_opt if optimizer else without_opt
    groups = _h5_groups(path)
    # The naming Keras uses: class names in snake case, numbered per class; the layer name as attribute.
    assert groups["layers/embedding/vars"] == input_kind
    rnn = ["layers/" + cell + ("" if i == 0 else f"_{i}") for i in range(layers)]
    for i, group in enumerate(rnn):
        assert groups[f"{group}/vars"] == f"{cell}_{i}"
        assert f"{group}/cell/vars" in groups
    assert groups["layers/dense/vars"] == "next_token"
    assert ("layers/dropout/vars" in groups) == (layers == 2)
    assert any(g.startswith("optimizer/") for g in groups) == optimizer

    mine = read_recurrent_net(path)
    ref = RecurrentNet.from_keras(keras.saving.load_model(path, compile=optimizer))
    _assert_same_net(mine, ref)
    assert np.abs(mine.dense_b).max() > 0.05 and np.abs(mine.layers[-1].recurrent).max() > 0.5  # non-trivial
    _assert_same_generation(mine, ref, tok, tok.encode(TEXT[:30]).tolist())


def test_sequential_model(tmp_path):
    """A plain Sequential stack (no Functional graph) is read the same way."""
    keras = import_keras()
    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(11, 6),
            keras.layers.GRU(8, return_sequences=True),
            keras.layers.GRU(8),
            keras.layers.Dense(11, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "seq.keras")
    _assert_same_net(read_recurrent_net(tmp_path / "seq.keras"), RecurrentNet.from_keras(model))


def test_bundled_model_matches_keras():
    folder = bundled_model()
    assert folder is not None
    path = folder / "model.keras"
    assert not any(g.startswith("optimizer/") for g in _h5_groups(path))  # shipped without optimizer
    keras = import_keras()
    mine = read_recurrent_net(path)
    ref = RecurrentNet.from_keras(keras.saving.load_model(path, compile=False))
    _assert_same_net(mine, ref)
    tok = read_info(folder).tokenizer
    _assert_same_generation(mine, ref, tok, tok.encode_seed("the philosopher ").ids.tolist())


def test_reading_does_not_import_keras_or_tensorflow(saved):
    _, with_opt, _ = saved("gru", 2, "embedding")
    code = f"""
import sys
from textgen_tui.core.store.weights_file import read_recurrent_net
net = read_recurrent_net({str(with_opt)!r})
assert len(net.layers) == 2
print(','.join(n for n in ('tensorflow', 'keras', 'textual') if n in sys.modules) or 'none')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "none"


# -- damaged and foreign files -------------------------------------------------------------------------
def _rezip(src: Path, dst: Path, changes: dict[str, bytes | None]) -> Path:
    """Copy the archive `src` to `dst`, replacing entries or dropping them (None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = changes[name] if name in changes else zin.read(name)
            if data is not None:
                zout.writestr(name, data)
    return dst


def _config(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))


def _edited_weights(path: Path, edit) -> bytes:
    with zipfile.ZipFile(path) as z:
        buf = io.BytesIO(z.read("model.weights.h5"))
    with h5py.File(buf, "r+") as h5:
        edit(h5)
    return buf.getvalue()


def _raises(path: Path, *words: str) -> str:
    with pytest.raises(BundleError) as info:
        read_recurrent_net(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message
    return message


def test_missing_file_and_folder(tmp_path):
    _raises(tmp_path / "nope.keras", "does not exist")
    _raises(tmp_path, "not a regular file")


def test_text_file(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("this is not a model\n")
    _raises(path, "not a zip")


def test_truncated_file(saved, tmp_path):
    _, src, _ = saved("lstm", 1, "embedding")
    data = src.read_bytes()
    for keep in (len(data) // 2, len(data) - 30):
        path = tmp_path / f"cut-{keep}.keras"
        path.write_bytes(data[:keep])
        _raises(path)


def test_zip_without_weights_or_config(saved, tmp_path):
    _, src, _ = saved("lstm", 1, "embedding")
    _raises(_rezip(src, tmp_path / "a.keras", {"model.weights.h5": None}), "model.weights.h5")
    _raises(_rezip(src, tmp_path / "b.keras", {"config.json": None}), "config.json")


def test_garbage_inside_the_archive(saved, tmp_path):
    _, src, _ = saved("lstm", 1, "embedding")
    _raises(_rezip(src, tmp_path / "a.keras", {"model.weights.h5": b"not hdf5 at all"}), "corrupt")
    _raises(_rezip(src, tmp_path / "b.keras", {"config.json": b"{not json"}), "JSON")
    _raises(_rezip(src, tmp_path / "c.keras", {"config.json": b"[1, 2]"}), "config.json")


def test_unexpected_layer_kinds(saved, tmp_path):
    _, src, _ = saved("gru", 1, "embedding")
    cfg = _config(src)
    cfg["config"]["layers"][-1]["class_name"] = "Conv1D"
    _raises(_rezip(src, tmp_path / "a.keras", {"config.json": json.dumps(cfg).encode()}), "Conv1D")
    cfg = _config(src)
    gru = next(layer for layer in cfg["config"]["layers"] if layer["class_name"] == "GRU")
    gru["config"]["reset_after"] = False
    _raises(_rezip(src, tmp_path / "b.keras", {"config.json": json.dumps(cfg).encode()}), "reset_after")
    cfg = _config(src)
    cfg["config"]["layers"] = [layer for layer in cfg["config"]["layers"] if layer["class_name"] != "GRU"]
    _raises(_rezip(src, tmp_path / "c.keras", {"config.json": json.dumps(cfg).encode()}), "not an Embedding")


def test_shape_mismatch(saved, tmp_path):
    _, src, _ = saved("lstm", 1, "embedding")

    def shrink_bias(h5):
        del h5["layers/dense/vars/1"]
        h5["layers/dense/vars/1"] = np.zeros(3, dtype="float32")

    weights = _edited_weights(src, shrink_bias)
    _raises(_rezip(src, tmp_path / "a.keras", {"model.weights.h5": weights}), "shape", "next_token")
    # weights of another model: config says 16 units, the h5 has 16 but the config now claims 12
    cfg = _config(src)
    lstm = next(layer for layer in cfg["config"]["layers"] if layer["class_name"] == "LSTM")
    lstm["config"]["units"] = 12
    _raises(_rezip(src, tmp_path / "b.keras", {"config.json": json.dumps(cfg).encode()}), "shape")


def test_missing_layer_group(saved, tmp_path):
    _, src, _ = saved("lstm", 2, "embedding")

    def drop_second(h5):
        del h5["layers/lstm_1"]

    weights = _edited_weights(src, drop_second)
    _raises(_rezip(src, tmp_path / "a.keras", {"model.weights.h5": weights}), "lstm_1")
