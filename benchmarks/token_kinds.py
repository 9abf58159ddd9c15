"""Char, word and subword side by side: for each text, a model of each kind trained for the same
minutes (the `fast` preset's defaults, word and subword models sized by their corpus), then

- bits per character on the same held-out characters (the last 8 % of the text, inside every
  model's held-out tail, and outside the text the subword tokenizer learned from), as
  `textgen-tui evaluate` reports them;
- the punctuation check at temperature 0.5 (benchmarks/words.py): the share of punctuation among
  the words and marks of the generated text within 10 points of the corpus's own, both split the
  same way (the word tokenizer's split, for every kind, so the kinds are compared alike);
- the loop check at temperature 0.5: no unit of 2–6 characters repeated 4 times in a row (a unit
  of whitespace only, such as indentation, is not a loop).

    python -m benchmarks.token_kinds --texts chinese-prose,english --minutes 10 --json /tmp/k.json
    python -m benchmarks.token_kinds --text-file my.txt --minutes 0.1          # a smoke test
    python -m benchmarks.token_kinds --kinds subword --texts chinese-prose      # one kind
    python -m benchmarks.token_kinds --texts chinese-prose --record  # into results/kinds.{json,md}
    python -m benchmarks.token_kinds --texts chinese-prose --kinds subword --set units=64  # a trial

`--record` merges what was measured into benchmarks/results/kinds.json (a kind measured again
replaces that kind's figures for its text; the other kinds and texts keep theirs) and writes
kinds.md from it; `--recheck DIR --record` re-runs only the checks on a run's kept models;
`python -m benchmarks.run --only kinds --merge` does the same for every text.

Texts: the names of benchmarks/words.py (english, chinese, chinese-prose, english-reference),
`nietzsche` and `python-docs` (the catalog's), or any file with --text-file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

KINDS = ("char", "word", "subword")
TEXTS = ("chinese-prose", "nietzsche", "english", "python-docs")
"""The texts measured by default, the decisive one first."""
LABELS = {
    "nietzsche": "Nietzsche (the book's corpus)",
    "python-docs": "Python docstrings (the catalog's)",
    "english": "English prose (the Debian Handbook)",
    "chinese-prose": "Chinese prose (the Handbook's translation)",
    "chinese": "made-up Chinese (jieba's dictionary)",
}
RESULTS = Path(__file__).resolve().parent / "results"
TAIL = 0.08
"""The held-out characters every model is evaluated on: the end of the text."""
SAMPLE_CHARS = 2000
"""Characters written at temperature 0.5 for the punctuation and loop checks."""
LOOP = re.compile(r"(.{2,6}?)\1{3}", re.DOTALL)


def loops(text: str) -> list[str]:
    """The units of 2–6 characters that `text` repeats 4 times in a row (whitespace-only ones
    left out: indentation is not a loop)."""
    return [m.group(1) for m in LOOP.finditer(text) if m.group(1).strip()]


def word_punctuation_share(text: str) -> float:
    from benchmarks.words import punctuation_share
    from textgen_tui.core.text.tokenizers import WordTokenizer

    return punctuation_share(WordTokenizer._split_text(text))


def load_text(name: str):
    from textgen_tui.core.text.catalog import load_catalog
    from textgen_tui.core.text.corpus import load_corpus

    if name == "nietzsche":
        from benchmarks.time_to_quality import CORPUS

        if CORPUS.is_file():  # the shared copy: the catalog's download needs the network
            return load_corpus(CORPUS)
    if name in ("nietzsche", "python-docs"):
        return load_catalog(name)
    from benchmarks.words import text_path

    return load_corpus(text_path(name))


def write(
    folder: Path,
    chars: int = SAMPLE_CHARS,
    temperature: float = 0.5,
    rng_seed: int = 1,
    generator=None,
    **options,
) -> str:
    """About `chars` characters the model writes at `temperature` from its first stored seed
    (`options`: the sampler's, such as the repetition penalty; `generator`: the folder's, loaded
    once by a caller that writes many samples)."""
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.store.folder import read_info

    info = read_info(folder)
    seed = info.seeds[0] if info.seeds else " "
    out: list[str] = []
    n = 0
    generator = generator or GenerationService().generator(folder)
    stream = generator.stream(seed, [temperature], 4 * chars, rng_seed=rng_seed, **options)
    for step in stream:
        out.append(step[0])
        n += len(step[0])
        if n >= chars:
            break
    return "".join(out)


def checks(folder: Path, kind: str, corpus_share: float) -> dict:
    """The punctuation and loop checks on what the model writes at 0.5 with the sampler's defaults
    (the repetition penalty of its kind: `sampling.default_repetition_penalty`)."""
    from benchmarks.words import PUNCT_POINTS
    from textgen_tui.core.generate.sampling import default_repetition_penalty

    written = write(folder)
    share = word_punctuation_share(written)
    found = loops(written)
    return {
        "repetition_penalty": default_repetition_penalty(kind),
        "punctuation_share": round(share, 4),
        "punctuation_passes": abs(share - corpus_share) <= PUNCT_POINTS,
        "loops": sorted(set(found))[:10],
        "loop_passes": not found,
        "sample": written[:400],
    }


def recheck(folder: Path, name: str) -> dict:
    """The checks again on the model folders a run kept (`--out`, or the temporary folder it
    printed), with today's sampler defaults: the entry of `name` with those kinds' checks replaced."""
    path = RESULTS / "kinds.json"
    entry = next(r for r in json.loads(path.read_text()) if r["text"] == name)
    for kind in KINDS:
        if (folder / kind).is_dir() and kind in entry:
            entry[kind].update(
                checks(folder / kind, kind, entry["corpus_punctuation"]), rechecked=time.strftime("%Y-%m-%d")
            )
            print(
                json.dumps(
                    {"kind": kind, **{k: v for k, v in entry[kind].items() if k != "sample"}},
                    ensure_ascii=False,
                )
            )
    return entry


def run_text(
    corpus,
    label: str,
    minutes: float,
    kinds=KINDS,
    out_root: Path | None = None,
    settings: dict | None = None,
) -> dict:
    from benchmarks.words import train
    from textgen_tui.core.inspect.evaluate import evaluate_text
    from textgen_tui.core.store.keras_store import load_bundle

    text = corpus.text
    tail = text[-int(len(text) * TAIL) :]
    corpus_share = word_punctuation_share(text[: len(text) - len(tail)][:2_000_000])
    root = out_root or Path(tempfile.mkdtemp(prefix="textgen-kinds-"))
    result: dict = {
        "text": label,
        "characters": len(text),
        "minutes": minutes,
        "load_before": round(os.getloadavg()[0], 2),  # the machine is shared: say how busy it was
        "corpus_punctuation": round(corpus_share, 4),
    }
    for kind in kinds:
        out = root / kind
        load_before = round(os.getloadavg()[0], 2)
        r = train(kind, corpus, minutes, out, settings)
        r.pop("config", None)
        ev = evaluate_text(load_bundle(out), tail)
        r.update(
            bits_per_char=round(ev.bits_per_char, 4),
            nats_per_token=round(ev.nats_per_token, 4),
            unknown_chars=ev.unknown,  # not scored: a char model drops characters it never saw
            vocab=load_bundle(out).tokenizer.vocab_size,
            **checks(out, kind, corpus_share),
            date=time.strftime("%Y-%m-%d"),
            load_before=load_before,
            load_after=round(os.getloadavg()[0], 2),
        )
        result[kind] = r
        print(json.dumps({"kind": kind, **{k: v for k, v in r.items() if k != "sample"}}, ensure_ascii=False))
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["date"] = time.strftime("%Y-%m-%d")
    _lowest(result)
    return result


def _lowest(result: dict) -> None:
    scored = [k for k in KINDS if "bits_per_char" in result.get(k, {})]
    if scored:
        result["lowest_bits_per_char"] = min(scored, key=lambda k: result[k]["bits_per_char"])


def table(results: list[dict], kinds=KINDS) -> str:
    """A markdown table: one row per text and kind."""
    lines = [
        "| text | kind | vocabulary | bits/char (held-out) | repetition penalty | punctuation at 0.5 (corpus) | loops at 0.5 |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for res in results:
        for kind in kinds:
            r = res.get(kind)
            if not r:
                continue
            punct = f"{r['punctuation_share']:.0%} ({res['corpus_punctuation']:.0%}) " + (
                "pass" if r["punctuation_passes"] else "fail"
            )
            loop = "none" if r["loop_passes"] else "fail: " + ", ".join(repr(u) for u in r["loops"][:3])
            lines.append(
                f"| {LABELS.get(res['text'], res['text'])} | {kind} | {r['vocab']:,} | "
                f"{r['bits_per_char']:.3f} | {r.get('repetition_penalty', 1.0):g} | {punct} | {loop} |"
            )
    return "\n".join(lines)


def record(results: list[dict]) -> None:
    """Merge `results` into results/kinds.json and write results/kinds.md from it: a kind measured
    again replaces that kind's figures for its text; the text's other kinds keep theirs."""
    path = RESULTS / "kinds.json"
    kept = {r["text"]: r for r in (json.loads(path.read_text()) if path.exists() else [])}
    for new in results:
        old = kept.get(new["text"], {})
        for kind in KINDS:  # a kind kept from an older run keeps that run's date and load
            for key in ("date", "load_before", "load_after"):
                if kind in old and key in old:
                    old[kind].setdefault(key, old[key])
        entry = {**old, **{k: v for k, v in new.items() if k not in KINDS}}
        for kind in KINDS:
            if kind in new or kind in old:
                entry[kind] = new.get(kind) or old[kind]
        _lowest(entry)
        kept[new["text"]] = entry
    merged = list(kept.values())
    order = {t: i for i, t in enumerate(TEXTS)}
    merged.sort(key=lambda r: order.get(r["text"], len(order)))
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n")
    runs = "; ".join(
        f"{LABELS.get(r['text'], r['text'])}: {r['minutes']:g} minutes a model, {_when(r)}" for r in merged
    )
    lowest = ", ".join(
        f"{LABELS.get(r['text'], r['text'])}: {r['lowest_bits_per_char']}"
        for r in merged
        if "lowest_bits_per_char" in r
    )
    (RESULTS / "kinds.md").write_text(
        table(merged)
        + "\n\nLowest held-out bits per character — "
        + lowest
        + ".\n\nOne run of each model on 2 shared cores (`python -m benchmarks.token_kinds --record`); "
        + runs
        + ".\n"
    )


def _when(entry: dict) -> str:
    """When each kind of a text was measured, and how busy the machine was before and after."""
    parts = []
    for kind in KINDS:
        r = entry.get(kind)
        if r:
            date = r.get("date", entry.get("date", "?"))
            before = r.get("load_before", entry.get("load_before", "?"))
            after = r.get("load_after", entry.get("load_after", "?"))
            parts.append(f"{kind} {date} (load {before} before, {after} after)")
    return ", ".join(parts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--texts", default=",".join(TEXTS))
    p.add_argument("--text-file", help="a text file instead of --texts")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--out", type=Path, help="keep the model folders here")
    p.add_argument("--json", type=Path, help="write the results here")
    p.add_argument("--record", action="store_true", help="merge into benchmarks/results/kinds.{json,md}")
    p.add_argument(
        "--recheck",
        type=Path,
        metavar="DIR",
        help="the checks again on the models a run of one text kept in DIR (char/, word/, subword/)",
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for every model (a trial)"
    )
    a = p.parse_args()
    settings = {k: (float(v) if "." in v else int(v)) for k, v in (o.split("=", 1) for o in a.set)}
    if settings and a.record:
        p.error("--set is for trials: the recorded table is of the defaults")
    from textgen_tui.core.nets.backend import import_keras

    import_keras()
    if a.recheck:
        entry = recheck(a.recheck, a.texts)
        if a.record:
            record([entry])
        print(table([entry]))
        return
    kinds = tuple(a.kinds.split(","))
    if a.text_file:
        from textgen_tui.core.text.corpus import load_corpus

        jobs = [(Path(a.text_file).name, lambda: load_corpus(a.text_file))]
    else:
        jobs = [(name, lambda name=name: load_text(name)) for name in a.texts.split(",")]
    results = []
    for label, load in jobs:
        out = a.out / label if a.out else None
        results.append(run_text(load(), label, a.minutes, kinds, out, settings))
        if a.record:  # after each text: a long run interrupted keeps what it measured
            record(results)
    print(table(results, kinds))
    if a.json:
        a.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
