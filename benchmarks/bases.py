"""Starting from a base: `--minutes 5` from scratch and `--from english` side by side, on slices of
English prose no base has read (the Debian Handbook, the book's Nietzsche) and one 1 MB text.

For each slice (the first 30 KB, 100 KB, 300 KB of a text; 1 MB of the Handbook), two char models
train for the same minutes on the same machine: the `fast` preset from scratch (case kept, as the
base keeps it, so both predict the same characters) and the same preset from the base. Then

- bits per character on the same held-out characters: the last 8 % of the whole text, which no
  slice reaches (`textgen-tui evaluate`'s figure);
- the punctuation and loop checks at temperature 0.5 of benchmarks/token_kinds.py.

    python -m benchmarks.bases                      # every slice, into results/bases.{json,md}
    python -m benchmarks.bases --only handbook:100000 --minutes 0.2 --no-record   # a smoke test
    python -m benchmarks.run --only bases --merge   # the same from the benchmark runner
    python -m benchmarks.bases --lr-sweep 0.25,0.5,1 --only handbook:100000 --minutes 2  # the rate

Each slice's result is recorded as soon as it is measured (an interrupted run keeps what it did).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks import base_texts
from benchmarks.token_kinds import TAIL, checks, word_punctuation_share

RESULTS = Path(__file__).resolve().parent / "results"
SLICES = (
    ("handbook", 100_000),
    ("nietzsche", 100_000),
    ("handbook", 30_000),
    ("nietzsche", 30_000),
    ("handbook", 1_000_000),
    ("handbook", 300_000),
    ("nietzsche", 300_000),
)
"""(text, characters), the decisive ones first."""
LABELS = {"handbook": "the Debian Handbook", "nietzsche": "Nietzsche (the book's corpus)"}


def train(corpus, out: Path, minutes: float, base: str | None) -> dict:
    from textgen_tui.core import events as ev
    from textgen_tui.core.train.session import FINISHED, TrainingSession

    started: list[ev.Started] = []
    session = TrainingSession([lambda e: started.append(e) if isinstance(e, ev.Started) else None])
    t0 = time.monotonic()
    session.start(corpus, out, preset="fast", overrides={"minutes": minutes, "lowercase": False}, base=base)
    if not session.wait(minutes * 60 * 3 + 600) or session.status != FINISHED:
        raise RuntimeError(f"training {out} failed: {session.error}")
    return {
        "seconds": round(time.monotonic() - t0, 1),
        "params": started[0].params if started else None,
        "changes": list(started[0].changes) if started else [],
    }


def run_slice(name: str, size: int, minutes: float, base: str, root: Path) -> dict:
    from textgen_tui.core.inspect.evaluate import evaluate_text
    from textgen_tui.core.store.keras_store import load_bundle
    from textgen_tui.core.text.corpus import corpus_from_text

    text = base_texts.text(name)
    tail = text[-int(len(text) * TAIL) :]
    part = text[: min(size, len(text) - len(tail))]
    corpus_share = word_punctuation_share(part)
    result: dict = {
        "text": name,
        "characters": len(part),
        "minutes": minutes,
        "date": time.strftime("%Y-%m-%d"),
    }
    for arm, start in (("scratch", None), ("base", base)):
        out = root / f"{name}-{size}-{arm}"
        load = round(os.getloadavg()[0], 2)
        r = train(corpus_from_text(part, f"{name}-{size}"), out, minutes, start)
        bundle = load_bundle(out)
        scored = evaluate_text(bundle, tail)
        r.update(
            bits_per_char=round(scored.bits_per_char, 4),
            epochs=bundle.info.epochs_done,
            best_epoch=bundle.info.best_epoch,
            load_before=load,
            load_after=round(os.getloadavg()[0], 2),
            **checks(out, "char", corpus_share),
        )
        result[arm] = r
        print(
            json.dumps(
                {"slice": f"{name}:{size}", "arm": arm, **{k: v for k, v in r.items() if k != "sample"}}
            )
        )
    s, b = result["scratch"]["bits_per_char"], result["base"]["bits_per_char"]
    result["fewer_bits"] = round(1 - b / s, 4)
    return result


def lr_sweep(name: str, size: int, minutes: float, base: str, factors: list[float], root: Path) -> str:
    """The fine-tuning peak rate: runs from `base` at each factor of the preset's rate, scored
    as above; a Markdown table (results/bases_lr.md)."""
    from textgen_tui.core.config import preset
    from textgen_tui.core.inspect.evaluate import evaluate_text
    from textgen_tui.core.store.keras_store import load_bundle
    from textgen_tui.core.text.corpus import corpus_from_text
    from textgen_tui.core.train.session import FINISHED, TrainingSession

    text = base_texts.text(name)
    tail = text[-int(len(text) * TAIL) :]
    part = text[:size]
    peak = preset("fast").train.learning_rate
    rows = []
    for factor in factors:
        out = root / f"lr-{factor:g}"
        session = TrainingSession()
        overrides = {"minutes": minutes, "lowercase": False, "learning_rate": peak * factor}
        session.start(
            corpus_from_text(part, f"{name}-{size}"), out, preset="fast", overrides=overrides, base=base
        )
        if not session.wait(minutes * 60 * 3 + 600) or session.status != FINISHED:
            raise RuntimeError(f"training {out} failed: {session.error}")
        bits = evaluate_text(load_bundle(out), tail).bits_per_char
        rows.append(f"| {factor:g} × {peak:g} = {peak * factor:.4g} | {bits:.3f} |")
        print(rows[-1], flush=True)
    return (
        f"`python -m benchmarks.bases --lr-sweep {','.join(f'{f:g}' for f in factors)} --only {name}:{size} "
        f"--minutes {minutes:g}`: fine-tuning `{base}` on the first {size / 1000:,.0f} KB of {LABELS.get(name, name)}, "
        f"held-out bits per character; {time.strftime('%Y-%m-%d')}.\n\n"
        "| peak learning rate | bits/char |\n|---|---|\n" + "\n".join(rows) + "\n"
    )


def record(new: dict) -> list[dict]:
    path = RESULTS / "bases.json"
    kept = json.loads(path.read_text()) if path.exists() else []
    kept = [r for r in kept if (r["text"], r["characters"]) != (new["text"], new["characters"])] + [new]
    kept.sort(key=lambda r: (r["text"], r["characters"]))
    path.write_text(json.dumps(kept, indent=1) + "\n")
    (RESULTS / "bases.md").write_text(table(kept))
    return kept


def table(results: list[dict]) -> str:
    def checks_of(r: dict) -> str:
        punct = "pass" if r["punctuation_passes"] else "fail"
        loop = "none" if r["loop_passes"] else "fail"
        return f"punct. {punct}, loops {loop}"

    lines = [
        "| text | slice | bits/char from scratch | bits/char from `english` | fewer bits "
        "| minutes trained (scratch; base) | checks at 0.5 (scratch; base) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s, b = r["scratch"], r["base"]
        lines.append(
            f"| {LABELS.get(r['text'], r['text'])} | {r['characters'] / 1000:,.0f} KB | {s['bits_per_char']:.3f} "
            f"| {b['bits_per_char']:.3f} | {r['fewer_bits']:.0%} | {s['seconds'] / 60:.1f}; {b['seconds'] / 60:.1f} "
            f"| {checks_of(s)}; {checks_of(b)} |"
        )
    minutes = sorted({r["minutes"] for r in results})
    dates = sorted({r["date"] for r in results})
    return (
        f"`python -m benchmarks.bases`: char models, the `fast` preset, {', '.join(f'{m:g}' for m in minutes)} "
        f"minutes each at most (early stopping ends a run sooner), case kept; held out: the last 8 % of each "
        f"text; {', '.join(dates)}.\n\n" + "\n".join(lines) + "\n"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=5)
    p.add_argument("--base", default="english")
    p.add_argument("--only", help="slices as TEXT:CHARS, comma-separated (default: all)")
    p.add_argument("--out", type=Path, help="keep the model folders here (default: a temporary folder)")
    p.add_argument("--no-record", action="store_true", help="print only; results/ unchanged")
    p.add_argument("--lr-sweep", help="factors of the preset's rate to fine-tune at (the first slice only)")
    p.add_argument("--table", action="store_true", help="only rebuild results/bases.md from bases.json")
    a = p.parse_args()
    if a.table:
        (RESULTS / "bases.md").write_text(table(json.loads((RESULTS / "bases.json").read_text())))
        return
    slices = SLICES
    if a.only:
        slices = tuple((t, int(n)) for t, n in (s.split(":") for s in a.only.split(",")))
    root = a.out or Path(tempfile.mkdtemp(prefix="textgen-bases-"))
    if a.lr_sweep:
        factors = [float(f) for f in a.lr_sweep.split(",")]
        md = lr_sweep(*slices[0], a.minutes, a.base, factors, root)
        if not a.no_record:
            (RESULTS / "bases_lr.md").write_text(md)
        print(md)
        return
    for name, size in slices:
        result = run_slice(name, size, a.minutes, a.base, root)
        if not a.no_record:
            record(result)
    print((RESULTS / "bases.md").read_text() if not a.no_record else "")


if __name__ == "__main__":
    main()
