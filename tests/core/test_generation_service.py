"""GenerationService: a cached model costs no read of its folder (a few stat calls say whether it
is current, and a new commit is picked up), and the service follows a training session itself:
each epoch's weights are "the model being trained" until the run ends."""

from __future__ import annotations

import builtins
import io
import json
import os
import pathlib
import shutil
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from textgen_tui.core import events as ev
from textgen_tui.core.config import preset
from textgen_tui.core.errors import GenerationError
from textgen_tui.core.generate.sampling import SamplingOptions
from textgen_tui.core.generate.service import NO_EPOCH_YET, GenerationService
from textgen_tui.core.nets.numpy_net import RecurrentNet
from textgen_tui.core.store.folder import STATE_FILE
from textgen_tui.core.store.journal import JOURNAL, write_json_atomic
from textgen_tui.core.store.paths import bundled_model
from textgen_tui.core.text.tokenizers import fit_tokenizer

OPTIONS = SamplingOptions(rng_seed=1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the bundled model, to commit into."""
    bundled = bundled_model()
    if bundled is None:
        pytest.skip("no bundled model in this checkout")
    return Path(shutil.copytree(bundled, tmp_path / "model"))


def request(service: GenerationService, folder: Path) -> str:
    """One Generate request: the seed prepared, 20 tokens streamed."""
    prepared, stream = service.stream(folder, "The Will ", [0.5], 20, OPTIONS)
    return prepared.text + "".join(pieces[0] for pieces in stream)


def count_reads(monkeypatch) -> list[str]:
    """Every file opened from now on, by any of the ways the store reads one."""
    opened: list[str] = []

    def counting(name, real):
        def wrapper(*args, **kwargs):
            opened.append(f"{name}({args[0] if args else ''})")
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", counting("open", builtins.open))
    monkeypatch.setattr(io, "open", counting("io.open", io.open))
    for method in ("open", "read_text", "read_bytes"):
        monkeypatch.setattr(pathlib.Path, method, counting(f"Path.{method}", getattr(pathlib.Path, method)))
    monkeypatch.setattr(zipfile, "ZipFile", counting("ZipFile", zipfile.ZipFile))
    monkeypatch.setattr(h5py, "File", counting("h5py.File", h5py.File))
    return opened


def test_a_second_request_on_a_cached_model_reads_no_file(folder: Path, monkeypatch) -> None:
    service = GenerationService()
    first = request(service, folder)
    assert first.startswith("the will ")  # a lowercase model: the seed lowercased
    opened = count_reads(monkeypatch)
    assert request(service, folder) == first  # the same rng seed, the same text
    assert service.lowercase(folder) and service.ready(folder)
    assert opened == []


def test_a_new_commit_is_picked_up(folder: Path) -> None:
    service = GenerationService()
    before = service.loaded(folder)
    assert before.lowercase and service.loaded(folder) is before
    # A commit writes its files, then replaces the manifest, last: here the config says the
    # model reads text as it is written now.
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["data"]["lowercase"] = False
    write_json_atomic(folder / "config.json", config)
    write_json_atomic(folder / STATE_FILE, json.loads((folder / STATE_FILE).read_text(encoding="utf-8")))
    after = service.loaded(folder)
    assert after is not before and not after.lowercase
    assert service.prepare_seed(folder, "The Will").text == "The Will"


def test_a_save_under_way_is_never_answered_from_the_cache(folder: Path) -> None:
    service = GenerationService()
    before = service.loaded(folder)
    (folder / JOURNAL).mkdir()  # an interrupted save: read_info recovers it (discards it here)
    assert service.loaded(folder) is not before
    assert not (folder / JOURNAL).exists()


def live_snapshot(epoch: int, lowercase: bool = False) -> ev.Snapshot:
    """The weights a training hands over after an epoch: a tiny random GRU over a few words."""
    tokenizer = fit_tokenizer("char", "the will to power and the free spirit\n")
    rng = np.random.default_rng(epoch)
    vocab, units = tokenizer.vocab_size, 8
    recurrent = [
        (
            "gru",
            rng.normal(0, 0.5, (4, 3 * units)),
            rng.normal(0, 0.5, (units, 3 * units)),
            np.zeros((2, 3 * units)),
        )
    ]
    net = RecurrentNet.from_arrays(
        rng.normal(0, 0.5, (vocab, 4)), recurrent, rng.normal(0, 1, (units, vocab)), np.zeros(vocab)
    )
    cfg = preset("fast")
    cfg.data.lowercase = lowercase
    return ev.Snapshot(epoch, net, tokenizer, cfg)


class FakeSession:
    """What the service reads of a TrainingSession: its folder, whether it runs, its listeners."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir: Path | None = out_dir
        self.active = False
        self.listeners: list = []

    def add_listener(self, listener) -> None:
        self.listeners.append(listener)

    def emit(self, event) -> None:
        for listener in self.listeners:
            listener(event)


def test_the_service_follows_the_run_being_trained(folder: Path) -> None:
    session = FakeSession(folder)
    service = GenerationService()
    service.follow(session)
    assert service.training_folder is None and service.ready(folder)
    saved = service.loaded(folder)  # the folder's model before the run

    session.active = True  # a run resumes into the folder: its files are the older run's
    session.emit(ev.BatchProgress(1, 3, 1, 10, 2.0, 0.01, 100.0, 1.0, 1.0))
    assert service.training(folder) and service.training_folder == folder
    assert not service.ready(folder) and service.live_epoch(folder) is None
    with pytest.raises(GenerationError, match=NO_EPOCH_YET):
        service.generator(folder)

    session.emit(live_snapshot(1))
    assert service.ready(folder) and service.live_epoch(folder) == 1
    live = service.loaded(folder)
    assert live.epoch == 1 and not live.lowercase and live.generator is not saved.generator
    assert service.prepare_seed(folder, "The").text == "The"
    assert service.generator(folder).generate("the ", [0.0], 5)[0]
    session.emit(live_snapshot(2, lowercase=True))
    assert service.live_epoch(folder) == 2 and service.lowercase(folder)

    session.emit(ev.Stopped(2, "user", "stopped by the user"))  # still saving: still live
    assert service.live_epoch(folder) == 2
    session.active = False  # the session's status says the run has ended
    session.emit(ev.Finished(str(folder), 2, 3, 1, 1.0, "val_loss", 1.0))
    assert service.live_epoch(folder) is None and not service.training(folder)
    assert service.loaded(folder).epoch is None  # the folder's model again


def test_a_stat_only_stamp(folder: Path, monkeypatch) -> None:
    """The stamp is os.stat calls: nothing else touches the folder."""
    service = GenerationService()
    service.loaded(folder)
    calls: list[str] = []
    real = os.stat

    def stat(path, *args, **kwargs):
        calls.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    service.loaded(folder)
    assert STATE_FILE in calls and "best.keras" in calls
