"""Do the loop controls help? For trained model folders (a char, a word and a subword model of one
text, as `benchmarks/token_kinds.py --out DIR` keeps them), several samples at temperature 0.5 with
the sampler's controls off and on — the repetition penalty (CTRL) and the no-repeat n-gram size —
and the same two checks as the side-by-side table: a loop (a unit of 2–6 characters repeated 4 times
in a row) and the share of punctuation within 10 points of the corpus's.

    python -m benchmarks.token_kinds --texts chinese-prose --out /tmp/kinds
    python -m benchmarks.loop_controls /tmp/kinds/chinese-prose --text chinese-prose --record
    python -m benchmarks.loop_controls models/nietzsche-char /tmp/kinds/nietzsche --text nietzsche

`--record` writes benchmarks/results/loop_controls.{json,md} (one entry per text, replaced when
measured again). These runs are why word and subword models generate with the penalty on
(`sampling.DEFAULT_PENALTY`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = {
    "off": {"repetition_penalty": 1.0},
    "penalty 1.1": {"repetition_penalty": 1.1},
    "penalty 1.2": {"repetition_penalty": 1.2},
    "no-repeat 4": {"repetition_penalty": 1.0, "no_repeat_ngram": 4},
}
"""The settings compared (the generator's keyword arguments; each says the penalty, whose default
depends on the tokenizer kind)."""


def samples(folder: Path, options: dict, seeds: int, chars: int, temperature: float) -> list[str]:
    """`seeds` texts of about `chars` characters from the folder's first stored seed."""
    from benchmarks.token_kinds import write
    from textgen_tui.core.generate.service import GenerationService

    generator = GenerationService().generator(folder)
    return [write(folder, chars, temperature, rng, generator, **options) for rng in range(1, seeds + 1)]


def measure(
    folders: list[Path], text: str, seeds: int = 5, chars: int = 2000, temperature: float = 0.5
) -> dict:
    from benchmarks.token_kinds import TAIL, load_text, loops, word_punctuation_share
    from benchmarks.words import PUNCT_POINTS
    from textgen_tui.core.store.folder import read_info

    corpus = load_text(text).text
    corpus_share = word_punctuation_share(corpus[: len(corpus) - int(len(corpus) * TAIL)][:2_000_000])
    result: dict = {
        "text": text,
        "corpus_punctuation": round(corpus_share, 4),
        "seeds": seeds,
        "chars": chars,
        "temperature": temperature,
        "date": time.strftime("%Y-%m-%d"),
        "rows": [],
    }
    for folder in folders:
        kind = read_info(folder).tokenizer.kind
        for name, options in SETTINGS.items():
            t0 = time.monotonic()
            texts = samples(folder, options, seeds, chars, temperature)
            shares = [word_punctuation_share(t) for t in texts]
            looped = [sorted(set(loops(t)))[:3] for t in texts]
            row = {
                "kind": kind,
                "setting": name,
                "looping_samples": sum(bool(x) for x in looped),
                "punctuation": round(sum(shares) / len(shares), 4),
                "punctuation_passes": sum(abs(s - corpus_share) <= PUNCT_POINTS for s in shares),
                "both_pass": sum(
                    not x and abs(s - corpus_share) <= PUNCT_POINTS for x, s in zip(looped, shares)
                ),
                "loops": sorted({u for x in looped for u in x})[:4],
                "seconds": round(time.monotonic() - t0, 1),
                "sample": texts[0][:200],
            }
            result["rows"].append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "sample"}, ensure_ascii=False), flush=True)
    return result


def table(result: dict) -> str:
    n = result["seeds"]
    lines = [
        f"| kind | setting | samples with a loop (of {n}) | punctuation, mean ({result['corpus_punctuation']:.0%}) "
        f"| passing both checks (of {n}) | loops seen |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        seen = ", ".join(repr(u) for u in r["loops"]) or "—"
        lines.append(
            f"| {r['kind']} | {r['setting']} | {r['looping_samples']} | {r['punctuation']:.0%} | {r['both_pass']} | {seen} |"
        )
    return "\n".join(lines)


def record(result: dict) -> None:
    path = RESULTS / "loop_controls.json"
    kept = [r for r in (json.loads(path.read_text()) if path.exists() else []) if r["text"] != result["text"]]
    merged = kept + [result]
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n")
    parts = []
    for r in merged:
        parts.append(
            f"### {r['text']}\n\n{table(r)}\n\nTemperature {r['temperature']}, {r['seeds']} samples of "
            f"{r['chars']:,} characters per model and setting (sampler seeds 1–{r['seeds']}), {r['date']}.\n"
        )
    (RESULTS / "loop_controls.md").write_text("\n".join(parts))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "folders", type=Path, nargs="+", help="model folders, or folders of them (char/, word/, subword/)"
    )
    p.add_argument("--text", required=True, help="the corpus they learned (a token_kinds text name)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--chars", type=int, default=2000)
    p.add_argument("--record", action="store_true", help="into benchmarks/results/loop_controls.{json,md}")
    a = p.parse_args()
    from benchmarks.token_kinds import KINDS

    folders = [m for f in a.folders for m in ([f / k for k in KINDS if (f / k).is_dir()] or [f])]
    result = measure(folders, a.text, a.seeds, a.chars)
    print(table(result))
    if a.record:
        record(result)


if __name__ == "__main__":
    main()
