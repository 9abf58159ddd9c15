"""Read a saved `.keras` model straight into the numpy generator, without Keras or TensorFlow.

TensorFlow must only ever run on the one thread that trains, so generation reads the weights
itself. A Keras 3 `.keras` file is a zip archive:

    config.json        the model's architecture (class names and layer configs, in order)
    metadata.json      the Keras version and save date (not needed here)
    model.weights.h5   the variables: `layers/<snake_case class name>[_N]/vars/<i>`

Keras names each layer's weight group after its class, not its (user-chosen) name: the first
`GRU` of the model's layer list is `layers/gru`, the next `layers/gru_1`, and so on, counted per
class in the order of the layer list (`keras.src.saving.saving_lib._save_container_state`).
The layer's own name is kept as the `name` attribute of its `vars` group, which we check. A
recurrent layer keeps its weights in its cell: `layers/lstm/cell/vars/0..2` (kernel, recurrent
kernel, bias). The optimizer's variables (`optimizer/...`), present when the model was saved
compiled and trained, are ignored.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import h5py
import numpy as np

from textgen_tui.core.errors import BundleError, first_line
from textgen_tui.core.nets.numpy_net import RecurrentNet

CONFIG_ENTRY = "config.json"
WEIGHTS_ENTRY = "model.weights.h5"

_GATES = {"LSTM": 4, "GRU": 3}
# Config values the numpy step relies on (Keras writes every key; a missing one is not checked).
_REQUIRED = {
    "Embedding": {"mask_zero": False},
    "LSTM": {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "go_backwards": False,
    },
    "GRU": {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "go_backwards": False,
        "reset_after": True,
    },
    "Dense": {"activation": "softmax", "use_bias": True},
    # core/nets/sampled_softmax.py: a Dense softmax that also keeps its training proposal
    "SampledOutput": {"activation": "softmax", "use_bias": True},
}
_OUTPUTS = {"Dense": 2, "SampledOutput": 3}  # weights saved: kernel, bias (, log_proposal)
_IGNORED = ("InputLayer", "Dropout")  # no weights that matter at generation time


def read_recurrent_net(path: str | Path) -> RecurrentNet:
    """The generator's `RecurrentNet` from a `.keras` file saved from `build_model`'s model.

    The same net as `RecurrentNet.from_keras(keras.saving.load_model(path))`, read with zipfile,
    json and h5py only. Raises `BundleError` (one sentence naming the file) when the file is
    missing, not a Keras archive, incomplete, or not an Embedding → LSTM/GRU → Dense stack.
    """
    path = Path(path)
    config, weights = _read_archive(path)
    layers = _layer_list(config, path)
    try:
        with h5py.File(io.BytesIO(weights), "r") as h5:
            embedding, recurrent, dense_w, dense_b = _read_arrays(h5, layers, path)
            arrays = (
                _load(embedding),
                [(kind, _load(k), _load(r), _load(b)) for kind, k, r, b in recurrent],
                _load(dense_w),
                _load(dense_b),
            )
    except BundleError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError... for damaged data
        raise BundleError(
            f"{path}: {WEIGHTS_ENTRY} inside it is corrupt or unreadable ({first_line(exc, 200)})"
        ) from None
    return RecurrentNet.from_arrays(*arrays)


def model_file_problem(path: str | Path) -> str | None:
    """Why generation could not read a `.keras` file, found without reading its weights: the
    archive, its config, and the shape of every array (HDF5 metadata, a few kilobytes whatever the
    model's size). None when all is as `read_recurrent_net` needs; damage inside the arrays'
    data is only found when they are read."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read(CONFIG_ENTRY))
            member = archive.getinfo(WEIGHTS_ENTRY)
            compressed = member.compress_type != zipfile.ZIP_STORED
            weights = io.BytesIO(archive.read(WEIGHTS_ENTRY)) if compressed else None
        layers = _layer_list(config, path)
        with open(path, "rb") as f:
            view = weights if weights is not None else _StoredMember(f, member)
            with h5py.File(view, "r") as h5:
                _read_arrays(h5, layers, path)
    except BundleError as exc:
        return first_line(exc)
    except Exception as exc:  # noqa: BLE001 - a damaged archive, JSON or HDF5 file
        return f"{path}: the model file is corrupt or unreadable ({first_line(exc, 200)})"
    return None


class _StoredMember(io.RawIOBase):
    """An uncompressed zip member read in place, for h5py (Keras stores its weights so): h5py
    seeks to the metadata it needs, so checking shapes reads kilobytes, not the whole model."""

    def __init__(self, f, member: zipfile.ZipInfo):
        super().__init__()
        f.seek(member.header_offset)
        header = f.read(30)  # the local file header: its name and extra field lengths at 26..29
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise BundleError(f"{member.filename}'s header in the archive is damaged")
        self._f = f
        self._start = member.header_offset + 30 + int.from_bytes(header[26:28], "little")
        self._start += int.from_bytes(header[28:30], "little")
        self._size = member.compress_size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self._size - self._pos))
        self._f.seek(self._start + self._pos)
        data = self._f.read(n)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _load(dataset) -> np.ndarray:
    return np.asarray(dataset[()], dtype=np.float32)


# -- the archive ---------------------------------------------------------------------------------
def _read_archive(path: Path) -> tuple[dict, bytes]:
    if not path.exists():
        raise BundleError(f"{path}: the model file does not exist")
    if not path.is_file():
        raise BundleError(f"{path}: the model file is not a regular file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for entry in (CONFIG_ENTRY, WEIGHTS_ENTRY):
                if entry not in names:
                    raise BundleError(f"{path}: this Keras file has no {entry} (it is incomplete)")
            config_bytes = archive.read(CONFIG_ENTRY)
            weights = archive.read(WEIGHTS_ENTRY)
    except BundleError:
        raise
    except zipfile.BadZipFile as exc:  # also a member whose bytes do not match their checksum
        raise BundleError(
            f"{path}: not a Keras model file (not a zip archive, or a damaged one: {first_line(exc, 120)})"
        ) from None
    except Exception as exc:  # zlib.error, EOFError, OSError... on a damaged archive
        raise BundleError(
            f"{path}: the model file is corrupt or unreadable ({first_line(exc, 200)})"
        ) from None
    try:
        config = json.loads(config_bytes)
    except (ValueError, UnicodeDecodeError):
        raise BundleError(f"{path}: {CONFIG_ENTRY} inside it is not valid JSON") from None
    return config, weights


# -- the architecture ----------------------------------------------------------------------------
def _snake_case(name: str) -> str:
    """Keras's `naming.to_snake_case`: the h5 group name of a layer class."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _layer_list(config: dict, path: Path) -> list[tuple[str, dict, str]]:
    """(class name, layer config, h5 group) for every layer that carries weights, checked."""
    if not isinstance(config, dict):
        config = {}
    model_cfg = config.get("config")
    entries = model_cfg.get("layers") if isinstance(model_cfg, dict) else None
    if config.get("class_name") not in ("Functional", "Sequential") or not isinstance(entries, list):
        raise BundleError(f"{path}: {CONFIG_ENTRY} does not describe a Keras functional or sequential model")
    used: dict[str, int] = {}
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
            raise BundleError(f"{path}: {CONFIG_ENTRY} has a malformed layer entry")
        kind = entry["class_name"]
        layer_cfg = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        base = _snake_case(kind)
        # Same counter as Keras's `_get_unique_name`: gru, gru_1, gru_2...
        group = base if base not in used else f"{base}_{used[base] + 1}"
        used[base] = used[base] + 1 if base in used else 0
        if kind in _IGNORED:
            continue
        name = layer_cfg.get("name", kind)
        if kind not in _REQUIRED:
            raise BundleError(
                f"{path}: layer {name!r} is a {kind}, which the generator cannot run "
                "(expected Embedding → LSTM/GRU → Dense)"
            )
        for key, want in _REQUIRED[kind].items():
            if layer_cfg.get(key, want) != want:
                raise BundleError(
                    f"{path}: layer {name!r} has {key}={layer_cfg.get(key)!r}, but the generator needs {want!r}"
                )
        out.append((kind, layer_cfg, group))
    kinds = [k for k, _, _ in out]
    n_rnn = sum(k in _GATES for k in kinds)
    if len(kinds) < 3 or kinds[0] != "Embedding" or kinds[-1] not in _OUTPUTS or n_rnn != len(kinds) - 2:
        raise BundleError(
            f"{path}: the model is not an Embedding/one-hot → LSTM/GRU → Dense stack "
            f"(its layers are {', '.join(kinds) or 'none'})"
        )
    return out


# -- the weights ---------------------------------------------------------------------------------
def _vars(
    h5: h5py.File, group: str, layer_name: str, path: Path, count: int, in_cell: bool = False
) -> list[h5py.Dataset]:
    """The layer's weight arrays, as datasets (their shapes known, their data not read yet)."""
    where = f"layers/{group}/vars"
    if "layers" not in h5 and "_layer_checkpoint_dependencies" in h5:  # Keras 2.13 files
        where = f"_layer_checkpoint_dependencies/{group}/vars"
    if where not in h5:
        raise BundleError(
            f"{path}: {WEIGHTS_ENTRY} has no weights for layer {layer_name!r} (no group {where})"
        )
    node = h5[where]
    saved_name = node.attrs.get("name")
    if saved_name is not None and not isinstance(saved_name, str):
        saved_name = saved_name.decode() if isinstance(saved_name, bytes) else str(saved_name)
    if saved_name is not None and saved_name != layer_name:
        raise BundleError(
            f"{path}: {WEIGHTS_ENTRY} group {where} holds layer {saved_name!r}, not {layer_name!r} "
            "(config and weights do not belong together)"
        )
    if in_cell:  # a recurrent layer keeps its weights in its cell
        cell = f"{where.rsplit('/vars', 1)[0]}/cell/vars"
        if cell not in h5:
            raise BundleError(f"{path}: {WEIGHTS_ENTRY} has no cell weights for layer {layer_name!r}")
        node = h5[cell]
    if len(node) != count or any(str(i) not in node for i in range(count)):
        raise BundleError(
            f"{path}: layer {layer_name!r} has {len(node)} weight arrays in {WEIGHTS_ENTRY}, expected {count}"
        )
    arrays = []
    for i in range(count):
        data = node[str(i)]
        if not isinstance(data, h5py.Dataset) or data.dtype.kind != "f":
            raise BundleError(f"{path}: weight {i} of layer {layer_name!r} is not an array of floats")
        arrays.append(data)
    return arrays


def _expect(path: Path, layer_name: str, what: str, array: h5py.Dataset, shape: tuple[int, ...]) -> None:
    if array.shape != shape:
        raise BundleError(
            f"{path}: the {what} of layer {layer_name!r} has shape {array.shape}, expected {shape} "
            "(config and weights do not agree)"
        )


def _int(layer_cfg: dict, key: str, layer_name: str, path: Path) -> int:
    value = layer_cfg.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BundleError(f"{path}: layer {layer_name!r} has no valid {key} in {CONFIG_ENTRY}")
    return value


def _read_arrays(h5: h5py.File, layers: list[tuple[str, dict, str]], path: Path):
    """Every dataset `RecurrentNet.from_arrays` needs (not read yet), with shapes checked against
    the config."""
    kind, cfg, group = layers[0]
    name = cfg.get("name", kind)
    vocab = _int(cfg, "input_dim", name, path)
    width = _int(cfg, "output_dim", name, path)
    (embedding,) = _vars(h5, group, name, path, 1)
    _expect(path, name, "embedding table", embedding, (vocab, width))
    recurrent = []
    for kind, cfg, group in layers[1:-1]:
        name = cfg.get("name", kind)
        units = _int(cfg, "units", name, path)
        cols = _GATES[kind] * units
        kernel, recurrent_kernel, bias = _vars(h5, group, name, path, 3, in_cell=True)
        _expect(path, name, "kernel", kernel, (width, cols))
        _expect(path, name, "recurrent kernel", recurrent_kernel, (units, cols))
        _expect(path, name, "bias", bias, (2, cols) if kind == "GRU" else (cols,))
        recurrent.append((kind.lower(), kernel, recurrent_kernel, bias))
        width = units
    kind, cfg, group = layers[-1]
    name = cfg.get("name", kind)
    out = _int(cfg, "units", name, path)
    if out != vocab:
        raise BundleError(f"{path}: the model reads {vocab} token ids but predicts {out} tokens")
    dense_w, dense_b = _vars(h5, group, name, path, _OUTPUTS[kind])[:2]
    _expect(path, name, "kernel", dense_w, (width, out))
    _expect(path, name, "bias", dense_b, (out,))
    return embedding, recurrent, dense_w, dense_b
