"""Run every benchmark in one process tree on this machine and print a Markdown table of the
book's figures, ours, and their ratios. Results go to benchmarks/results/latest.{json,md}.

    python -m benchmarks.run                 # everything (about 100 minutes on 2 cores)
    python -m benchmarks.run --quick         # a smoke run on a small text (about a minute)
    python -m benchmarks.run --only generation,memory
    python -m benchmarks.run --resume --only quality,app    # after an interrupted run
    python -m benchmarks.run --only budget,words --merge    # those sections, the rest kept
    python -m benchmarks.run --only crash --merge   # the SIGKILL test at 20 moments (the suite's: 5)
    python -m benchmarks.run --only bases --merge   # scratch vs --from english (70 minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.time_to_quality import CORPUS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SECTIONS = (
    "generation", "training", "memory", "book", "quality", "early", "app", "budget", "words", "crash", "serve",
    "inspect", "write", "kinds", "bases",
)  # fmt: skip
CRASH_KILLS = 20  # the test suite's SIGKILL test kills 5 times; the benchmarks run it at 20
BUDGET_TEXTS = ("nietzsche", "python-docs")  # the words section's char models add its texts


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import tensorflow as tf

    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, TensorFlow {tf.__version__}"


def peak_mb(args: list[str], timeout: int = 1800) -> tuple[float, dict]:
    """Run `python -m benchmarks.probe ARGS` under /usr/bin/time -v: (peak RSS MB, its JSON)."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "benchmarks.probe", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {r.stderr[-2000:]}")
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return kb / 1024, json.loads(r.stdout.strip().splitlines()[-1])


def nietzsche_ids_mb() -> float:
    """The size of the id array that replaces the book's one-hot arrays (book preset: lowercased)."""
    from textgen_tui.core.text.tokenizers import CharTokenizer

    text = CORPUS.read_text(encoding="utf-8").lower()
    return CharTokenizer.fit(text).encode(text).nbytes / 1e6


class _BatchClock:
    """A Keras callback timing batches after a warm-up, so data-adapter set-up is not counted."""

    def __init__(self, skip: int = 5):
        import keras

        class Clock(keras.callbacks.Callback):
            def on_train_batch_end(inner, batch, logs=None):
                if batch == skip:
                    inner.t0 = time.perf_counter()
                inner.last, inner.n = time.perf_counter(), batch - skip

        self.callback = Clock()

    def ms_per_batch(self) -> float:
        return (self.callback.last - self.callback.t0) / self.callback.n * 1000


def training_speed(quick: bool) -> dict:
    """ms per batch of 128 windows: the book's one-hot arrays against our id pipeline."""
    from benchmarks import book
    from benchmarks.metric import endless_dataset
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.keras_model import build_model
    from textgen_tui.core.text.tokenizers import CharTokenizer

    text = CORPUS.read_text(encoding="utf-8").lower()[: 200_000 if quick else None]
    tok = CharTokenizer.fit(text)
    n = 15 if quick else 105
    x, y = book.vectorize(text[: (n + 5) * 128 * 3 + 100], tok.vocab)
    m = book.build(tok.vocab_size)
    clock = _BatchClock()
    m.fit(x[: n * 128], y[: n * 128], batch_size=128, verbose=0, callbacks=[clock.callback])
    book_ms = clock.ms_per_batch()
    cfg = preset("book")
    ours = build_model(cfg, tok.vocab_size)
    ds = endless_dataset(tok.encode(text), cfg)
    clock = _BatchClock()
    ours.fit(ds, steps_per_epoch=n, verbose=0, shuffle=False, callbacks=[clock.callback])
    out = {"book_ms_per_batch": book_ms, "ours_ms_per_batch": clock.ms_per_batch()}
    out.update(pipeline_overhead(tok.encode(text), tok.vocab_size, 8 if quick else 40))
    return out


def pipeline_overhead(ids, vocab_size: int, n: int) -> dict:
    """The fast preset's step fed by our input pipeline (`fit` on the Trainer's dataset) against
    the same model's bare `train_on_batch` on numpy batches: what feeding costs."""
    from benchmarks.metric import endless_dataset
    from textgen_tui.core.config import preset
    from textgen_tui.core.nets.batches import TokenBatches
    from textgen_tui.core.nets.keras_model import build_model, compile_model

    cfg = preset("fast")
    model = build_model(cfg, vocab_size)
    compile_model(model, cfg)
    clock = _BatchClock()
    ds = endless_dataset(ids, cfg)
    model.fit(ds, steps_per_epoch=n + 6, verbose=0, callbacks=[clock.callback])
    fit_ms = clock.ms_per_batch()
    batches = TokenBatches(ids, cfg, shuffle=True, steps=n)
    times = []
    for i in range(n + 5):
        x, y = batches.at(i)
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - t0)
    bare_ms = sum(times[5:]) / n * 1000
    return {
        "fast_fit_ms_per_batch": fit_ms,
        "fast_bare_ms_per_batch": bare_ms,
        "fast_batch": cfg.train.batch_size,
        "fast_seq_len": cfg.data.seq_len,
    }


def quality(quick: bool, book: list, fast_minutes: float, save: str | None) -> dict:

    from benchmarks.time_to_quality import run

    out = save or tempfile.mkdtemp(prefix="textgen-fast-")
    if quick:
        fast = run(
            "fast", 0.2, 4, ["train.epochs=1", "train.steps_per_epoch=5"], None, f"{out}/m", CORPUS, 30_000
        )
    else:
        if save:  # the same run produces the bundled model (benchmarks/make_bundled_model.py)
            from benchmarks.make_bundled_model import make

            fast = make(Path(save), fast_minutes)
        else:
            fast = run("fast", fast_minutes, 60, [], None, out, CORPUS, source_name="nietzsche")
    target = book[-1][1]
    book_time = book[-1][0]
    reached = next((s for s, v in fast["curve"] if v <= target), None)
    return {
        "book_curve": book,
        "fast_curve": fast["curve"],
        "target_val": target,
        "book_time_s": book_time,
        "fast_time_to_target_s": reached,
        "fast_best_val": fast["best_val"],
        "fast_minutes": fast_minutes if not quick else 0.2,
        "fast_config": fast["config"],
    }


def budgets(quick: bool, minutes: float, book: list | None) -> dict:
    """`train --minutes M` as a user runs it, scored by the window-60 measure: Nietzsche (the
    preset's lowercase), two other texts with case kept, and Nietzsche for a tenth of the book's
    time to its 10-epoch loss."""
    from benchmarks import budget, texts

    if quick:
        r = budget.run(0.1, CORPUS, sets=["data.seq_len=32"])
        return {"runs": {"nietzsche": r}, "minutes": 0.1}
    runs = {}
    for name in BUDGET_TEXTS:
        if name == "nietzsche":
            runs[name] = budget.run(minutes, CORPUS)
        elif name == "debian-reference":
            runs[name] = budget.run(minutes, texts.debian_reference(), lowercase=False)
        else:
            runs[name] = budget.run(minutes, name, lowercase=False)
    out = {"runs": runs, "minutes": minutes}
    if book:
        tenth = book[-1][0] / 10
        out["book_tenth"] = budget.run(tenth / 60, CORPUS)
        out["book_tenth"]["target"] = book[-1][1]
        out["book_time_s"] = book[-1][0]
    return out


def words_check(
    quick: bool, minutes: float, texts: list[str] | None, kinds: list[str], earlier: dict
) -> dict:
    """The word-level check on each text; `texts` re-measures some (the others keep their
    results), `kinds` re-trains only those models (the other keeps its earlier figures)."""
    from benchmarks import words

    names = ("english",) if quick else tuple(texts or words.CHECKED)
    out = dict(earlier)
    for name in names:
        out[name] = words.run(
            name,
            0.1 if quick else minutes,
            tokens=200 if quick else 3000,
            kinds=tuple(kinds),
            previous=earlier.get(name),
        )
    return out


def app_overhead(quick: bool) -> dict:
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks.app_overhead", *(["--quick"] if quick else [])],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
    )  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def serve_memory(quick: bool) -> dict:
    """Memory per browser tab under `serve` (benchmarks/serve_memory.py; it writes serve.md too)."""
    args = ["--tabs", "1", "--no-write"] if quick else []
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks.serve_memory", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
    )  # fmt: skip
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def crash_safety(quick: bool) -> dict:
    """tests/core/test_crash_safety.py with more kills than the suite's default (5): the training
    process killed with SIGKILL at 20 seeded moments, some inside a save."""
    kills = 5 if quick else CRASH_KILLS  # 5: the suite's own count
    env = {**os.environ, "TEXTGEN_TUI_KILL_MOMENTS": str(kills)}
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "-n", "0",
         "tests/core/test_crash_safety.py"],
        capture_output=True, text=True, cwd=ROOT, timeout=3600, env=env,
    )  # fmt: skip
    summary = next((line for line in r.stdout.splitlines() if " kills in " in line), "")
    if r.returncode != 0:
        raise RuntimeError(f"the crash-safety test failed with {kills} kills:\n{r.stdout[-3000:]}")
    return {"kills": kills, "summary": summary.lstrip("."), "seconds": round(time.monotonic() - t0)}


def fmt_ratio(book, ours):
    """How many times better than the book, for figures where lower is better."""
    if not book or not ours:
        return "—"
    return f"{book / ours:,.1f}×"


def table(res: dict) -> str:
    rows = ["| figure | the book's method | textgen-tui | ratio | target |", "|---|---|---|---|---|"]
    g = res.get("generation")
    if g:
        b = g["book_chars_per_s"]
        for label, key, target in (
            ("generation, carrying state, 1 stream (chars/s)", "carry_1", "≥ 20,000"),
            ("generation, carrying state, 4 temperatures (chars/s per stream)", "carry_4", "≈ 1 stream"),
            ("generation, exact window, 1 stream (chars/s)", "window_1", "≥ 1,000"),
            ("generation, exact window, 4 temperatures (chars/s per stream)", "window_4", "—"),
        ):
            rows.append(f"| {label} | {b:,.1f} | {g[key]:,.0f} | {g[key] / b:,.0f}× | {target} |")
        rows.append(
            f"| per-epoch samples, 4 × 400 chars (s) | {g['samples_book_s']:,.1f} | {g['samples_ours_s']:.3f} | "
            f"{g['samples_book_s'] / g['samples_ours_s']:,.0f}× | ≤ 1 s |"
        )
    t = res.get("training")
    if t:
        rows.append(
            f"| training, book preset, ms per batch of 128 | {t['book_ms_per_batch']:.1f} | {t['ours_ms_per_batch']:.1f} | "
            f"{fmt_ratio(t['book_ms_per_batch'], t['ours_ms_per_batch'])} | — |"
        )
        if "fast_fit_ms_per_batch" in t:
            rows.append(
                f"| training, fast preset, ms per batch of {t['fast_batch']} × {t['fast_seq_len']}: our pipeline's `fit` "
                f"/ bare `train_on_batch` | — | {t['fast_fit_ms_per_batch']:.0f} / {t['fast_bare_ms_per_batch']:.0f} | "
                f"{t['fast_fit_ms_per_batch'] / t['fast_bare_ms_per_batch']:.2f}× | ≤ 1.1× |"
            )
    q = res.get("quality")
    if q:
        reached = q["fast_time_to_target_s"]
        if res.get("early", {}).get("reached_target_s") is not None:
            reached = res["early"]["reached_target_s"]  # the same preset, evaluated every 10 s
        rows.append(
            f"| time to val loss {q['target_val']:.3f} (the book's after {len(q['book_curve'])} epochs), s | "
            f"{q['book_time_s']:,.0f} | {reached if reached is None else f'{reached:,.0f}'} | "
            f"{fmt_ratio(q['book_time_s'], reached) if reached else 'not reached'} | ≤ 1/10 of the book |"
        )
        book_best = min(v for _, v in q["book_curve"])
        rows.append(
            f"| best val loss in {q['fast_minutes']:g} min (fast) / in {q['book_time_s'] / 60:.0f} min (book) | "
            f"{book_best:.3f} | {q['fast_best_val']:.3f} | — | ≤ 1.33 |"
        )
    m = res.get("memory")
    if m:
        rows.append(f"| import TensorFlow alone, peak MB | — | {m['import_tf_mb']:,.0f} | — | (floor) |")
        rows.append(
            f"| one-hot arrays / id array for Nietzsche, MB | {m['book_onehot_mb']:,.0f} | {m['ours_ids_mb']:.1f} | "
            f"{m['book_onehot_mb'] / m['ours_ids_mb']:,.0f}× | — |"
        )
        rows.append(
            f"| book recipe on Nietzsche, peak MB | {m['book_peak_mb']:,.0f} | {m['ours_book_peak_mb']:,.0f} | "
            f"{fmt_ratio(m['book_peak_mb'], m['ours_book_peak_mb'])} | ≤ 900 |"
        )
        rows.append(
            f"| fast preset on a {m['big_mb']:.0f} MB text, peak MB | — | {m['big_peak_mb']:,.0f} | — | ≤ 1,500 |"
        )
        rows.append(
            f"| {m['big_mb']:.0f} MB text: start to first training step, s | — | {m['big_first_step_s']:.1f} | — | — |"
        )
    a = res.get("app")
    if a:
        rows.append(
            f"| training throughput in the app / headless | — | {a['ratio'] * 100:.0f}% | — | ≥ 90% |"
        )
        rows.append(f"| app: launch to first paint, s | — | {a['first_paint_s']:.2f} | — | ≤ 1.0 |")
    b = res.get("budget")
    if b:
        for name, r in b["runs"].items():
            case = "lowercased" if r["lowercase"] else "case kept"
            target = "≤ 1.30" if name == "nietzsche" else "—"
            rows.append(
                f"| `train --minutes {r['minutes']:g}` on {name} ({r['characters'] / 1e6:.2f} M chars, {case}): "
                f"val loss, window-60 ({trained(r)}) | — | {r['val_window60']:.3f} | — | {target} |"
            )
        t = b.get("book_tenth")
        if t:
            rows.append(
                f"| `train --minutes {t['minutes']:.2f}` (a tenth of the book's {b['book_time_s']:.0f} s): val loss "
                f"vs the book's 10-epoch {t['target']:.3f} ({trained(t)}) | {t['target']:.3f} | {t['val_window60']:.3f} | "
                f"{'reached' if t['val_window60'] <= t['target'] else 'not reached'} | ≤ {t['target']:.3f} |"
            )
    w = res.get("words")
    if w:
        from benchmarks.words import LABELS

        for name, r in w.items():
            p = r["punctuation"]
            name = f"{LABELS.get(name, name)}, {r['characters'] / 1e6:.2f} M chars"
            rows.append(
                f"| word level, {name}, {r['minutes']:g} min: punctuation share at T=0.5 vs the corpus | "
                f"— | {p['generated_share'] * 100:.1f}% vs {p['corpus_share'] * 100:.1f}% | "
                f"{'pass' if p['passes'] else 'FAIL'} | within 10 points |"
            )
            earlier = " (the char model: an earlier run)" if r["char"].get("from_earlier_run") else ""
            rows.append(
                f"| {name}, {r['minutes']:g} min each: bits per character, word model / char model{earlier} | — | "
                f"{r['word']['bits_per_char']:.3f} / {r['char']['bits_per_char']:.3f} | "
                f"{r['lower_bits_per_char']} wins | — |"
            )
    c = res.get("crash")
    if c:
        rows.append(
            f"| SIGKILL at {c['kills']} seeded moments (tests/core/test_crash_safety.py) | — | {c['summary']} | — | passes |"
        )
    s = res.get("serve")
    if s:
        last = s["rows"][-1]
        pss = sum(app["pss_mb"] for app in last["apps"]) / last["tabs"]
        rows.append(
            f"| `serve`: memory per idle browser tab, PSS with {last['tabs']} tabs open, MB (serve.md) | — | "
            f"{pss:,.0f} | — | ≤ 1,000 (the default's estimate) |"
        )
    i = res.get("inspect")
    if i:
        rows.append(
            f"| `inspect`: every token's surprise, {i['characters']:,} characters, bundled model (s; inspect.md) | — | "
            f"{i['surprise_s']:.2f} (cells: {i['find_cells_s']:.2f}) | — | ≤ {i['target_s']:g} |"
        )
    w = res.get("write")
    if w:
        big = w["rows"][-1]
        rows.append(
            f"| Write pane: 3 ideas of 40 characters after a pause, {big['characters']:,}-character text (ms, "
            f"median; write.md) | — | {big['cached']['median_ms']:.0f} (fed again: {big['uncached']['median_ms']:.0f}) "
            f"| — | ≤ {w['target_ms']:g} |"
        )
    return "\n".join(rows)


def trained(r: dict) -> str:
    """What a budget run got done: the batches and the characters per second (the machine's
    speed varies from day to day, and a budget is wall-clock time)."""
    speeds = sorted(ep["tokens_per_s"] for ep in r.get("curve", []) if ep.get("tokens_per_s"))
    speed = f", {speeds[len(speeds) // 2]:,} chars/s" if speeds else ""
    return f"{r['batches']:,} batches{speed}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: small sizes, numbers not meaningful")
    p.add_argument("--only", default=",".join(SECTIONS))
    p.add_argument("--book-epochs", type=int, default=10)
    p.add_argument("--fast-minutes", type=float, default=10)
    p.add_argument("--minutes", type=float, default=10, help="the budget and words sections' budget")
    p.add_argument("--merge", action="store_true", help="start from latest.json: sections not run are kept")
    p.add_argument(
        "--texts", help="words and kinds sections: only these texts (comma-separated), the others kept"
    )
    p.add_argument("--kinds", default="word,char", help="words section: the models to train again")
    p.add_argument("--save", help="model folder for the fast run (default: a temporary folder)")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--table", action="store_true", help="only rebuild latest.md from latest.json")
    p.add_argument(
        "--resume", action="store_true", help="keep the sections of an interrupted run (partial.json)"
    )
    a = p.parse_args()
    only = set(a.only.split(","))
    if a.table:
        res = json.loads((a.out / "latest.json").read_text())
        md = (
            f"Machine: {res['machine']}; {res['date']}; command: `python -m benchmarks.run`\n\n{table(res)}\n"
        )
        (a.out / "latest.md").write_text(md)
        print(md)
        return res
    from textgen_tui.core.nets.backend import import_keras

    import_keras()
    res: dict = {}
    if a.merge and (a.out / "latest.json").exists():
        res.update(json.loads((a.out / "latest.json").read_text()))
    partial = a.out / "partial.json"
    if a.resume and partial.exists():  # sections measured by an earlier, interrupted run
        res.update(json.loads(partial.read_text()))
    res.update({"machine": machine(), "date": time.strftime("%Y-%m-%d"), "quick": a.quick})

    def done(section: str) -> None:
        print(json.dumps(res[section]), flush=True)
        if not a.quick:
            a.out.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(res, indent=1))

    if "generation" in only:
        from benchmarks import generation

        text = CORPUS.read_text(encoding="utf-8")
        res["generation"] = generation.run(text, quick=a.quick)
        done("generation")
    if "training" in only:
        res["training"] = training_speed(a.quick)
        done("training")
    if "memory" in only:
        batches = ["--batches", "20"] if a.quick else []
        tf_mb, _ = peak_mb(["import-tf"])
        book_mb, book = peak_mb(["book-recipe", *(batches or ["--batches", "200"])])
        ours_mb, ours = peak_mb(["book-preset", *batches])
        big_mb = 5 if a.quick else 100
        big_peak, big = peak_mb(["big", "--mb", str(big_mb)])
        res["memory"] = {
            "import_tf_mb": tf_mb,
            "book_peak_mb": book_mb,
            "book_onehot_mb": book["onehot_mb"],
            "ours_ids_mb": nietzsche_ids_mb(),
            "ours_book_peak_mb": ours_mb,
            "ours_book_epoch_s": ours.get("epoch_s"),
            "big_mb": big_mb,
            "big_peak_mb": big_peak,
            "big_first_step_s": big["first_step_s"],
        }
        done("memory")
    if "book" in only:
        from benchmarks.time_to_quality import book_curve

        res["book_curve"] = book_curve(1, max_batches=20) if a.quick else book_curve(a.book_epochs)
        done("book_curve")
    if "quality" in only:
        if "book_curve" not in res:
            raise SystemExit("the quality section needs the book's curve: add 'book' to --only")
        res["quality"] = quality(a.quick, res["book_curve"], a.fast_minutes, a.save)
        done("quality")
    if "early" in only:  # the first minutes again, evaluated every 10 s: when is the book's loss reached?
        import tempfile

        from benchmarks.time_to_quality import run

        minutes, every = (0.2, 4) if a.quick else (2.5, 10)
        sets = ["train.epochs=1", "train.steps_per_epoch=5"] if a.quick else []
        target = res["book_curve"][-1][1] if "book_curve" in res else None
        out = tempfile.mkdtemp(prefix="textgen-early-")
        early = run("fast", minutes, every, sets, target, f"{out}/m", CORPUS, 30_000 if a.quick else None)
        res["early"] = {
            "curve": early["curve"],
            "reached_target_s": early["reached_target_s"],
            "target": target,
        }
        done("early")
    if "app" in only:
        res["app"] = app_overhead(a.quick)
        done("app")
    if "budget" in only:
        res["budget"] = budgets(a.quick, a.minutes, None if a.quick else res.get("book_curve"))
        done("budget")
    if "words" in only:
        texts = a.texts.split(",") if a.texts else None
        earlier = {} if a.quick else res.get("words", {})
        res["words"] = words_check(a.quick, a.minutes, texts, a.kinds.split(","), earlier)
        done("words")
    if "crash" in only:
        res["crash"] = crash_safety(a.quick)
        done("crash")
    if "serve" in only:
        res["serve"] = serve_memory(a.quick)
        done("serve")
    if "inspect" in only:  # numpy only, a few seconds
        from benchmarks import inspect_speed

        res["inspect"] = inspect_speed.run(a.quick)
        if not a.quick:
            inspect_speed.write(res["inspect"])  # inspect.md: the figures and the cells found
        done("inspect")
    if "write" in only:  # numpy only, about a minute
        from benchmarks import write_speed

        res["write"] = write_speed.run(a.quick)
        if not a.quick:
            write_speed.write(res["write"])  # write.md
        done("write")
    if "kinds" in only:  # char, word and subword on four texts: 3 x 4 models of --minutes each
        from benchmarks import token_kinds

        names = ["english"] if a.quick else (a.texts.split(",") if a.texts else list(token_kinds.TEXTS))
        runs = [
            token_kinds.run_text(token_kinds.load_text(n), n, 0.1 if a.quick else a.minutes) for n in names
        ]
        if not a.quick:
            token_kinds.record(runs)  # kinds.{json,md}: what was not measured keeps its figures
        res["kinds"] = {r["text"]: r.get("lowest_bits_per_char") for r in runs}
        done("kinds")
    if "bases" in only:  # scratch and --from english on 7 slices: 14 models of --minutes (5) each
        from benchmarks import bases

        slices = bases.SLICES[:1] if a.quick else bases.SLICES
        minutes = 0.1 if a.quick else 5.0
        root = Path(tempfile.mkdtemp(prefix="textgen-bases-"))
        measured = [bases.run_slice(t, n, minutes, "english", root) for t, n in slices]
        if not a.quick:
            for m in measured:
                bases.record(m)  # bases.{json,md}
        res["bases"] = {f"{m['text']}:{m['characters']}": m["fewer_bits"] for m in measured}
        done("bases")
    md = f"Machine: {res['machine']}; {res['date']}; command: `python -m benchmarks.run{' --quick' if a.quick else ''}`\n\n{table(res)}\n"
    print(md)
    if not a.quick:
        a.out.mkdir(parents=True, exist_ok=True)
        (a.out / "latest.json").write_text(json.dumps(res, indent=1))
        (a.out / "latest.md").write_text(md)
    return res


if __name__ == "__main__":
    main()
