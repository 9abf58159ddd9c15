"""Co-writing speed (issue 24): how long after a pause the Write pane's ghost text is ready. A
40-character suggestion with 3 alternatives (one batched step each) from the bundled model, for a
document of a few hundred and of a few thousand characters of Nietzsche, with the saved states
(`core/generate/cowrite.py`: a pause feeds only what was typed since the last one) and without (the whole
document fed again, as a plain `Generator.stream` would). Medians and 90th percentiles of many
pauses. Numpy only: no Keras is loaded.

    python -m benchmarks.write_speed            # prints, writes benchmarks/results/write.{json,md}
    python -m benchmarks.write_speed --quick    # a smoke run (fewer pauses, nothing written)

numpy's BLAS runs on one thread in textgen-tui (textgen_tui/__init__.py); the full run measures
again with OPENBLAS_NUM_THREADS=2 in a second process, to show why.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "nietzsche.txt"
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_MS = 100.0  # the issue's: a 40-character suggestion within 100 ms of the pause
SIZES = (300, 3_000, 10_000)
TYPED = 6  # characters typed between two pauses


def _ms(times: list[float]) -> dict:
    times = sorted(t * 1000 for t in times)
    return {"median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))]}


def _pauses(make, doc: str, pauses: int, options, *, saved: bool) -> list[float]:
    """The time of each pause's suggestion while the last `pauses * TYPED` characters are typed;
    without `saved`, each pause starts from a new co-writer (the whole text fed again)."""
    writer = make()
    start = len(doc) - pauses * TYPED
    writer.suggest(doc[:start], options)  # what was there before this stretch of typing
    times = []
    for k in range(1, pauses + 1):
        w = writer if saved else make()
        t = time.perf_counter()
        w.suggest(doc[: start + k * TYPED], options)
        times.append(time.perf_counter() - t)
    return times


def run(quick: bool = False) -> dict:
    import textgen_tui  # noqa: F401  (sets numpy's BLAS threads before numpy loads)
    from textgen_tui.core.generate.cowrite import CoWriter, SuggestOptions
    from textgen_tui.core.generate.load import load_generator
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.store.paths import bundled_model

    folder = bundled_model()
    generator = load_generator(folder)
    cfg = read_info(folder).config
    lower = cfg.data.lowercase
    corpus = CORPUS.read_text(encoding="utf-8")
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    pauses = 5 if quick else 40
    options = SuggestOptions(temperature=0.5, alternatives=3, chars=40)
    rows = []
    for size in SIZES[:2] if quick else SIZES:
        doc = corpus[20_000 : 20_000 + size]

        def make():
            return CoWriter(generator, lowercase=lower)

        with_cache = _pauses(make, doc, pauses, options, saved=True)
        without = _pauses(make, doc, pauses, options, saved=False)
        # An edit in the middle of the document: back to the saved state before it.
        writer = CoWriter(generator, lowercase=lower)
        writer.suggest(doc, options)
        edits = []
        for k in range(pauses):
            at = len(doc) // 2 + k
            edited = doc[:at] + "x" + doc[at + 1 :]
            t = time.perf_counter()
            writer.suggest(edited, options)
            edits.append(time.perf_counter() - t)
            writer.suggest(doc, options)
        rows.append(
            {
                "characters": size,
                "cached": _ms(with_cache),
                "uncached": _ms(without),
                "edit_in_middle": _ms(edits),
            }
        )
    # What the pane adds per request: the service's look-up of the model (a stat of its folder).
    service = GenerationService()
    service.generator(folder)
    lookups = []
    for _ in range(pauses):
        t = time.perf_counter()
        service.generator(folder)
        lookups.append(time.perf_counter() - t)
    return {
        "model": f"{folder.name}: {cfg.model.cell.upper()}({cfg.model.units}) x {cfg.model.layers}, "
        f"{generator.tokenizer.kind}, vocabulary {generator.tokenizer.vocab_size}",
        "pauses": pauses,
        "typed_per_pause": TYPED,
        "alternatives": options.alternatives,
        "chars": options.chars,
        "rows": rows,
        "model_lookup": _ms(lookups),
        "target_ms": TARGET_MS,
        "machine": f"{os.cpu_count()} cores, load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }


def _cells(row: dict) -> list[str]:
    """A document's three timings, median / 90th percentile."""
    return [
        f"{row[k]['median_ms']:.1f} / {row[k]['p90_ms']:.1f}"
        for k in ("cached", "uncached", "edit_in_middle")
    ]


def markdown(r: dict) -> str:
    lines = [
        f"Model: {r['model']}. A suggestion of {r['chars']} characters × {r['alternatives']} alternatives "
        f"(one batched step per character) after each of {r['pauses']} pauses, {r['typed_per_pause']} "
        "characters typed between pauses, at the end of a document taken from Nietzsche; "
        f"command: `python -m benchmarks.write_speed`; {r['machine']}. Milliseconds, median / 90th percentile.",
        "",
        "| document | with the saved states | fed again from the start | an edit in the middle (saved states) | target |",
        "|---|---|---|---|---|",
    ]
    for row in r["rows"]:
        cells = _cells(row)
        verdict = "pass" if row["cached"]["p90_ms"] <= r["target_ms"] else "FAIL"
        lines.append(
            f"| {row['characters']:,} characters | {cells[0]} ({verdict}) | {cells[1]} | {cells[2]} | ≤ {r['target_ms']:g} |"
        )
    other = r.get("blas_2")
    if other:
        lines += [
            "",
            f"The same with numpy's BLAS on 2 threads (OPENBLAS_NUM_THREADS=2, the library's default on "
            f"this machine; {other['machine']}):",
            "",
            "| document | with the saved states | fed again from the start | an edit in the middle |",
            "|---|---|---|---|",
        ]
        for row in other["rows"]:
            cells = _cells(row)
            lines.append(f"| {row['characters']:,} characters | {cells[0]} | {cells[1]} | {cells[2]} |")
    lookup = r["model_lookup"]
    lines += [
        "",
        f"The pane adds the service's look-up of the model per request: {lookup['median_ms']:.2f} ms "
        f"(p90 {lookup['p90_ms']:.2f}), and waits 300 ms after the last key before asking.",
    ]
    return "\n".join(lines) + "\n"


def write(r: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "write.json").write_text(json.dumps(r, indent=1))
    (RESULTS / "write.md").write_text(markdown(r))


def main() -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: fewer pauses, nothing written")
    p.add_argument("--json", action="store_true", help="print the figures as JSON only, write nothing")
    a = p.parse_args()
    r = run(a.quick)
    if a.json:
        print(json.dumps(r))
        return r
    if not a.quick:  # the comparison: BLAS on 2 threads, in a process of its own
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
        cmd = [sys.executable, "-m", "benchmarks.write_speed", "--json"]
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
        )
        r["blas_2"] = json.loads(out.stdout.strip().splitlines()[-1])
    print(markdown(r))
    if not a.quick:
        write(r)
    print(json.dumps(r))
    return r


if __name__ == "__main__":
    main()
