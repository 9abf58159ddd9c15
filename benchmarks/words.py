"""Word level that writes words: a `word` model and a `char` model trained for the same minutes
on the same text (the `fast` preset's defaults, the word model sized by its corpus), then

- the check: the share of punctuation tokens in text the word model writes at temperature 0.5
  is within 10 points of the corpus's own share (a model that writes "，，的，" fails it);
- bits per character of both on the same held-out characters (the last 8 % of the text, inside
  both models' held-out tails), as `textgen-tui evaluate` reports them.

    python -m benchmarks.words --text english --minutes 10
    python -m benchmarks.words --text chinese --minutes 10 --json /tmp/zh.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

TEXTS = ("english", "chinese", "chinese-prose", "english-reference")
"""english: the Debian Administrator's Handbook (prose); chinese: made from jieba's dictionary;
chinese-prose: the Handbook's Chinese paragraphs; english-reference: the Debian Reference (12 %
ruled table lines: the check's first English text, kept for comparison). benchmarks/texts.py."""
LABELS = {
    "english": "English prose (the Debian Handbook)",
    "chinese": "made-up Chinese (jieba's dictionary)",
    "chinese-prose": "Chinese prose (the Handbook's translation)",
    "english-reference": "English with tables (the Debian Reference)",
}
CHECKED = ("english", "chinese", "chinese-prose")
"""The texts `benchmarks.run` checks by default."""
PUNCT_POINTS = 0.10


def text_path(name: str) -> Path:
    from benchmarks import texts

    return {
        "english": lambda: texts.debian_handbook("en-US"),
        "chinese": texts.chinese_file,
        "chinese-prose": lambda: texts.debian_handbook("zh-CN"),
        "english-reference": texts.debian_reference,
    }[name]()


def is_punctuation(token: str) -> bool:
    return bool(token.strip()) and all(unicodedata.category(c).startswith("P") for c in token.strip())


def punctuation_share(tokens: list[str]) -> float:
    """Punctuation tokens among the tokens that are not whitespace."""
    words = [t for t in tokens if t.strip()]
    return sum(is_punctuation(t) for t in words) / max(len(words), 1)


def train(kind: str, corpus, minutes: float, out: Path, extra: dict | None = None) -> dict:
    from textgen_tui.core import events as ev
    from textgen_tui.core.config import make_config
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.sizing import sizable
    from textgen_tui.core.train.trainer import Trainer

    overrides = {"tokenizer": kind, "lowercase": False, "minutes": minutes, **(extra or {})}
    cfg = make_config("fast", overrides)

    def progress(e) -> None:
        if isinstance(e, ev.EpochEnd):
            print(f"  {kind} epoch {e.epoch}: loss {e.loss:.4f} val_loss {e.val_loss:.4f}", flush=True)

    t0 = time.monotonic()
    trainer = Trainer(
        RunSpec.new(corpus, out, config=cfg, sizable=sizable("fast", overrides)), listeners=[progress]
    )
    finished = trainer.run()
    return {
        "seconds": round(time.monotonic() - t0, 1),
        "epochs": finished.epochs_run,
        "best_val_loss": finished.best_value,
        "changes": list(trainer.changes),
        "config": trainer.config.to_dict(),
    }


def run(
    name: str,
    minutes: float,
    out_root: Path | None = None,
    tokens: int = 3000,
    kinds: tuple[str, ...] = ("word", "char"),
    previous: dict | None = None,
    extra: dict | None = None,
) -> dict:
    """Train the `kinds` (a kind left out keeps its figures from `previous`, an earlier run's
    result on the same text: a word tokenizer change leaves the char model as it was)."""
    from textgen_tui.core.generate.service import GenerationService
    from textgen_tui.core.inspect.evaluate import evaluate_text
    from textgen_tui.core.nets.backend import import_keras
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.store.keras_store import load_bundle
    from textgen_tui.core.text.corpus import load_corpus

    import_keras()
    corpus = load_corpus(text_path(name))
    root = out_root or Path(tempfile.mkdtemp(prefix="textgen-words-"))
    tail = corpus.text[-int(len(corpus.text) * 0.08) :]
    result: dict = {"text": name, "characters": len(corpus.text), "minutes": minutes}
    if extra:
        result["overrides"] = extra
    for kind in ("word", "char"):
        if kind not in kinds:
            result[kind] = {**previous[kind], "from_earlier_run": True}  # type: ignore[index]
            continue
        out = root / kind
        result[kind] = train(kind, corpus, minutes, out, extra if kind == "word" else None)
        bundle = load_bundle(out)
        ev = evaluate_text(bundle, tail)
        result[kind].update(
            bits_per_char=round(ev.bits_per_char, 4), nats_per_token=round(ev.nats_per_token, 4)
        )
        if kind == "word":
            info = read_info(out)
            tok = info.tokenizer
            # Both shares over the model's own tokens (a rare word spelled in characters counts
            # as its characters, in the corpus as in what the model writes).
            ids = tok.encode(corpus.text[: len(corpus.text) * 9 // 10])
            corpus_share = punctuation_share([tok.vocab[i] for i in ids.tolist()])
            generator = GenerationService().generator(out)
            seed = info.state["seeds"][0]
            written = [step[0] for step in generator.stream(seed, [0.5], tokens, rng_seed=1)]
            pieces = "".join(written)
            result["punctuation"] = {
                "corpus_share": round(corpus_share, 4),
                "generated_share": round(punctuation_share(written), 4),
                "sample": pieces[:400],
                "vocab": tok.vocab_size,
            }
            gap = abs(result["punctuation"]["generated_share"] - corpus_share)
            result["punctuation"]["passes"] = gap <= PUNCT_POINTS
        print(json.dumps({k: v for k, v in result[kind].items() if k != "config"}), flush=True)
    if all("bits_per_char" in result[k] for k in ("word", "char")):
        result["lower_bits_per_char"] = min(("word", "char"), key=lambda k: result[k]["bits_per_char"])
    print(
        json.dumps({k: v for k, v in result.items() if k not in ("word", "char")}, ensure_ascii=False),
        flush=True,
    )
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--text", choices=TEXTS, default="english")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--kinds", default="word,char", help="the models to train (comma-separated)")
    p.add_argument(
        "--override", action="append", default=[], help="the word model's setting, e.g. units=256 (a trial)"
    )
    p.add_argument("--json", type=Path)
    a = p.parse_args()
    extra = {k: (float(v) if "." in v else int(v)) for k, v in (o.split("=", 1) for o in a.override)}
    kinds = tuple(a.kinds.split(","))
    previous = {k: {} for k in ("word", "char") if k not in kinds}
    r = run(a.text, a.minutes, kinds=kinds, previous=previous, extra=extra)
    if a.json:
        a.json.write_text(json.dumps(r, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
