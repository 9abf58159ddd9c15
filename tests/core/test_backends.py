"""Issue 9: the engine on JAX as well as TensorFlow, on several devices and processes.

Each run is a fresh process: Keras chooses its backend once per process, and JAX its devices.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from core_helpers import read_events

from textgen_tui.core.errors import ConfigError
from textgen_tui.core.nets.backend import choose
from textgen_tui.core.store.folder import read_info

HERE = Path(__file__).parent
HARNESS = HERE / "parallel_harness.py"
jax_only = pytest.mark.skipif(
    __import__("importlib").util.find_spec("jax") is None, reason="needs the [jax] extra"
)


def env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "XLA_FLAGS")}
    e.update(TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", **extra)
    return e


def cli(*args, timeout=300, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "textgen_tui.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(**extra),
    )


def tensorflow_nats(model: Path, corpus: Path) -> float:
    """The model's score on TensorFlow: in this process when it runs Keras on TensorFlow (as the
    suite does: it saves a process start), else by `evaluate --backend tensorflow`."""
    import keras

    if keras.backend.backend() == "tensorflow":
        from textgen_tui.core.inspect.evaluate import evaluate_text
        from textgen_tui.core.store.keras_store import load_bundle

        return evaluate_text(load_bundle(model), corpus.read_text(encoding="utf-8")).nats_per_token
    r = cli("evaluate", str(model), str(corpus), "--backend", "tensorflow")
    assert r.returncode == 0, r.stderr
    return float(r.stdout.split()[0])


def jax_nats(model: Path, corpus: Path) -> float:
    r = cli("evaluate", str(model), str(corpus), "--backend", "jax")
    assert r.returncode == 0, r.stderr
    return float(r.stdout.split()[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def weights(path: Path) -> list[np.ndarray]:
    z = np.load(path)
    return [z[f"arr_{i}"] for i in range(sum(f.startswith("arr_") for f in z.files))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from core_helpers import make_text

    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text(make_text(), encoding="utf-8")
    return path


TINY = ["--units", "24", "--seq-len", "24", "--batch-size", "16", "--sample-length", "10", "--plain"]


def test_unknown_unsupported_and_missing_backends_are_one_line():
    with pytest.raises(ConfigError, match="unknown backend"):
        choose("theano")
    with pytest.raises(ConfigError, match="torch backend is not supported"):
        choose("torch")
    r = cli("train", "x.txt", "--backend", "torch")  # not offered: argparse names the ones that are
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "choose from 'tensorflow', 'jax'" in r.stderr
    r = cli("evaluate", "m", "x.txt", KERAS_BACKEND="torch")
    assert r.returncode == 2 and "use --backend jax or tensorflow" in r.stderr
    r = cli("evaluate", "m", "x.txt", KERAS_BACKEND="theano")
    assert r.returncode == 2 and "unknown backend 'theano'" in r.stderr


def test_help_offers_only_the_backends_that_work(capsys, monkeypatch):
    """Issue 32, bug 8: every --help offered `--backend torch`, which always failed."""
    from textgen_tui.cli.main import main
    from textgen_tui.core.nets import backend

    for command in ([], ["train"], ["evaluate"], ["serve"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        out = capsys.readouterr().out
        assert "--backend {tensorflow,jax}" in out and "torch" not in out, out
    monkeypatch.setattr(backend, "installed", lambda name: name != "jax")
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "jax (not installed: pip install 'textgen-tui[jax]'" in out, out


def test_devices_and_processes_need_jax(corpus, tmp_path):
    r = cli("train", str(corpus), "--out", str(tmp_path / "m"), "--backend", "tensorflow", "--devices", "2")
    assert r.returncode == 2 and "needs --backend jax" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m").exists()
    r = cli("train", str(corpus), "--num-processes", "2", "--backend", "jax")
    assert r.returncode == 2 and "--coordinator" in r.stderr


@jax_only
def test_a_time_budget_with_several_processes_is_refused_before_joining(corpus, tmp_path):
    """Refused in one line at once: not after waiting for the peers and tokenizing the corpus."""
    join = "--num-processes 2 --process-id 0 --coordinator localhost:9 --peer-timeout 5".split()
    for asked in (("--preset", "fast"), ("--minutes", "3")):
        r = cli("train", str(corpus), "--out", str(tmp_path / "m"), "--backend", "jax", *asked, *join)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "time budget (minutes) is for one process" in r.stderr and "--epochs" in r.stderr
        assert not (tmp_path / "m").exists()


@jax_only
def test_a_model_folder_moves_between_backends(corpus, tmp_path, capsys, monkeypatch):
    """Trained on JAX, resumed on TensorFlow (and back), scored alike by both, generated from.
    The JAX run also writes TensorBoard logs (test_tensorboard.py's check on JAX)."""
    out = tmp_path / "m"
    tb = ["--tensorboard", str(tmp_path / "tb")]
    r = cli("train", str(corpus), "--out", str(out), "--backend", "jax", "--epochs", "1", *TINY, *tb)
    assert r.returncode == 0, r.stderr
    events = read_events(tmp_path / "tb")
    assert [s for s, _ in events["textgen/loss"]] == [1]
    assert "textgen/samples" in events
    # The TensorFlow resume runs the same command line in this process when it runs Keras on
    # TensorFlow (as the suite does: a TensorFlow process start cost 5-10 s), else in a process.
    import keras

    resume_on_tf = ["train", str(corpus), "--out", str(out), "--resume", "--epochs", "1", "--plain"]
    resume_on_tf += ["--backend", "tensorflow"]
    if keras.backend.backend() == "tensorflow":
        from textgen_tui.cli.main import main

        monkeypatch.delenv("KERAS_BACKEND", raising=False)  # main sets it; put back after the test
        capsys.readouterr()
        code = main(resume_on_tf)
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert "epoch 2/2" in captured.out
    else:
        r = cli(*resume_on_tf)
        assert r.returncode == 0, r.stderr
        assert "epoch 2/2" in r.stdout
    r = cli(
        "train", str(corpus), "--out", str(out), "--resume", "--epochs", "1", "--plain", KERAS_BACKEND="jax"
    )
    assert r.returncode == 0, r.stderr
    assert "epoch 3/3" in r.stdout
    nats = [jax_nats(out, corpus), tensorflow_nats(out, corpus)]
    assert abs(nats[0] - nats[1]) < 1e-3
    g = cli("generate", str(out), "--seed", "the quick", "--length", "20", "--plain", "-t", "0.5")
    assert g.returncode == 0 and g.stdout.strip()


@jax_only
def test_a_sampled_softmax_word_run_learns_on_jax(corpus, tmp_path):
    """The sampled loss draws its entries from a seed generator: on JAX its state lives outside
    the Python objects during a step (the run must learn, not draw the same entries each time).
    Resuming and generating are the core tests' (test_sampled_softmax.py)."""
    out = tmp_path / "w"
    word = ["--tokenizer", "word", "--sampled-softmax", "8", "--lr", "0.02", "--dropout", "0"]
    r = cli("train", str(corpus), "--out", str(out), "--backend", "jax", "--epochs", "5", *TINY, *word)
    assert r.returncode == 0, r.stderr
    nats = [jax_nats(out, corpus), tensorflow_nats(out, corpus)]
    uniform = np.log(read_info(out).tokenizer.vocab_size)
    assert abs(nats[0] - nats[1]) < 1e-3 and nats[0] < 0.6 * uniform, (nats, uniform)  # whole softmax


@jax_only
def test_two_devices_train_like_one(tmp_path):
    """A CPU split into two devices: the same batches, split in half, give the same weights. And
    a JAX run never imports TensorFlow (checked in the harness's processes, once they trained)."""
    runs = {}
    for devices in ("1", "2"):
        out = tmp_path / f"w{devices}.npz"
        r = subprocess.run(
            [
                sys.executable,
                str(HARNESS),
                "train",
                str(out),
                str(tmp_path / f"m{devices}"),
                "--devices",
                devices,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env=env(XLA_FLAGS="--xla_force_host_platform_device_count=2"),
        )
        assert r.returncode == 0, r.stderr[-2000:]
        assert int(np.load(out)["devices"]) == (0 if devices == "1" else 2)
        assert not bool(np.load(out)["tensorflow"]), "a JAX run imported TensorFlow"
        runs[devices] = weights(out)
    for a, b in zip(runs["1"], runs["2"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert (tmp_path / "m2" / "last.keras").exists()


def _start_process(i: int, n: int, port: int, out: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            str(HARNESS),
            "train",
            str(out),
            str(folder),
            "--process",
            str(i),
            str(n),
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


@jax_only
def test_two_processes_train_like_one_process_on_both_shares(tmp_path):
    port = free_port()
    folder = tmp_path / "m"
    procs = [_start_process(i, 2, port, tmp_path / f"p{i}.npz", folder) for i in (0, 1)]
    try:
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for i, (p, (_, err)) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, err[-2000:]
        assert not bool(np.load(tmp_path / f"p{i}.npz")["tensorflow"]), "a JAX run imported TensorFlow"
    ref = tmp_path / "ref.npz"
    r = subprocess.run(
        [sys.executable, str(HARNESS), "reference", str(ref)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    p0, p1, one = weights(tmp_path / "p0.npz"), weights(tmp_path / "p1.npz"), weights(ref)
    for a, b, c in zip(p0, p1, one):
        np.testing.assert_array_equal(a, b)  # the processes end with identical weights
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)  # as one process on both shares
    # Process 0 alone wrote the model folder.
    assert (folder / "last.keras").exists()


@jax_only
def test_a_process_that_dies_stops_the_other_with_one_line(corpus, tmp_path):
    port = free_port()
    out = tmp_path / "m"
    args = [
        sys.executable, "-m", "textgen_tui.cli.main", "train", str(corpus), "--out", str(out),
        "--backend", "jax", "--epochs", "500", *TINY, "--coordinator", f"localhost:{port}",
        "--num-processes", "2", "--peer-timeout", "20",
    ]  # fmt: skip
    procs = [
        subprocess.Popen(
            [*args, "--process-id", str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        for i in (0, 1)
    ]
    try:
        deadline = time.monotonic() + 240
        while not (out / "last.keras").exists():  # an epoch is saved: both are training
            assert time.monotonic() < deadline and procs[0].poll() is None, procs[0].communicate()
            time.sleep(0.5)
        procs[1].kill()
        killed = time.monotonic()
        _, err = procs[0].communicate(timeout=120)
        waited = time.monotonic() - killed
    finally:
        for p in procs:
            p.kill()
    assert procs[0].returncode == 2
    assert waited < 60
    last = err.strip().splitlines()[-1]
    assert last.startswith("textgen-tui: error: ") and "another process" in last, err[-2000:]
    assert "Traceback" not in err and "Check failure" not in err
    from textgen_tui.core.store.folder import read_info

    assert read_info(out).resume_epoch >= 1  # what was saved stays loadable
