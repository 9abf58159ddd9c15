"""Train the bundled base models from texts fetched from Debian's packages (benchmarks/base_texts.py),
then ship them without their optimizer: `models/english` (characters, case kept).

    python -m benchmarks.make_base_models [--minutes 70] [--backend jax] [--out models/english]

It is an ordinary training run (`textgen-tui train`), so the folder is an ordinary model folder:
`generate english`, `evaluate english FILE` and `train FILE --from english` use it as it is. The
run's settings and the texts it read are in the folder (`config.json`, `base.json`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import base_texts

ROOT = Path(__file__).resolve().parents[1]

ENGLISH = [
    "--tokenizer", "char", "--no-lowercase", "--cell", "gru", "--units", "512", "--layers", "1",
    "--lr", "0.004", "--dropout", "0.1", "--recurrent-dropout", "0.05", "--weight-decay", "0.05",
    "--val-fraction", "0.03",
]  # fmt: skip
"""The `english` base: one GRU of 512 units over characters, case kept (about a million weights)."""


def make(out: Path, minutes: float, backend: str | None) -> None:
    from textgen_tui.core.store.keras_store import strip_optimizer

    with tempfile.TemporaryDirectory() as tmp:
        corpus = base_texts.training_text(Path(tmp) / "english.txt")
        command = [sys.executable, "-m", "textgen_tui", "train", str(corpus), "--out", str(out)]
        command += ["--minutes", str(minutes), "--plain", *ENGLISH]
        if backend:
            command += ["--backend", backend]
        subprocess.run(command, check=True)
        chars = len(corpus.read_text(encoding="utf-8"))
    strip_optimizer(out, drop_last=True)  # 4 MB shipped instead of 16
    sources = [
        {"name": s.name, "package": s.package, "licence": s.licence, "description": s.description}
        for s in base_texts.TRAIN
    ]
    state = json.loads((out / "state.json").read_text())
    state["corpus"]["source"] = "english-base-texts.txt"  # not the temporary file's path
    (out / "state.json").write_text(json.dumps(state, indent=1))
    (out / "base.json").write_text(
        json.dumps({"name": out.name, "chars": chars, "sources": sources}, indent=1)
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=70)
    p.add_argument("--backend", default=None, help="Keras backend (jax on a GPU)")
    p.add_argument("--out", type=Path, default=ROOT / "models" / "english")
    a = p.parse_args()
    if a.out.exists():
        raise SystemExit(f"{a.out} exists: remove it first")
    make(a.out, a.minutes, a.backend)


if __name__ == "__main__":
    main()
