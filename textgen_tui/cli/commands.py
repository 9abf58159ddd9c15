"""The headless commands. Each validates what it can before importing TensorFlow."""

from __future__ import annotations

import argparse
import signal
import sys
import time

import numpy as np

from textgen_tui.cli.main import default_model_dir
from textgen_tui.cli.render import RichListener, temperature_color
from textgen_tui.core.errors import TextgenError


def _warn(message: str) -> None:
    print(f"textgen-tui: {message}", file=sys.stderr, flush=True)


def build_config(args: argparse.Namespace):
    from textgen_tui.core.config import preset

    cfg = preset(args.preset)
    d, m, t, s = cfg.data, cfg.model, cfg.train, cfg.sample
    for value, target, attr in (
        (args.tokenizer, d, "tokenizer"),
        (args.lowercase, d, "lowercase"),
        (args.maxlen, d, "maxlen"),
        (args.seq_len, d, "seq_len"),
        (args.val_fraction, d, "val_fraction"),
        (args.units, m, "units"),
        (args.layers, m, "layers"),
        (args.cell, m, "cell"),
        (args.epochs, t, "epochs"),
        (args.steps_per_epoch, t, "steps_per_epoch"),
        (args.batch_size, t, "batch_size"),
        (args.lr, t, "learning_rate"),
        (args.jit, t, "jit_compile"),
        (args.sample_length, s, "length"),
    ):
        if value is not None:
            setattr(target, attr, value)
    if args.temperature:
        from textgen_tui.cli.main import _float_list

        s.temperatures = tuple(_float_list(args.temperature))
    if args.tokenizer and args.tokenizer != "char" and args.preset == "book":
        d.layout = "window"
    return cfg.validate()


def train(args: argparse.Namespace) -> int:
    from textgen_tui.core.catalog import resolve_corpus
    from textgen_tui.core.paths import default_out_dir

    cfg = build_config(args)
    if args.resume and not args.out:
        raise TextgenError("--resume needs --out DIR: the model folder to continue")
    corpus = resolve_corpus(args.corpus)
    if corpus.replaced:
        _warn(f"warning: {corpus.replaced:,} undecodable bytes in {corpus.source} were replaced with U+FFFD")
    out = args.out or default_out_dir(corpus.source)
    from textgen_tui.core.training import Trainer

    listener = RichListener(plain=args.plain)
    trainer = Trainer(corpus, cfg, out, listeners=[listener], resume=args.resume)

    def on_sigint(signum, frame):  # first Ctrl-C: a clean stop; the second aborts
        _warn("stopping after this batch (the epoch's model is saved); press Ctrl-C again to abort")
        trainer.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        trainer.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        listener.close()
    return 0


def generate(args: argparse.Namespace, temperatures: list[float] | None) -> int:
    from textgen_tui.core.bundle import load_bundle, read_info
    from textgen_tui.core.sampling import Sampler

    folder = default_model_dir(args.model)
    info = read_info(folder)  # fails fast, before TensorFlow loads
    temps = temperatures or list(info.config.sample.temperatures)
    Sampler(temps, top_k=args.top_k, top_p=args.top_p)  # validates temperatures, top-k, top-p
    if args.length < 0:
        raise TextgenError(f"--length must be >= 0 (got {args.length})")
    if args.exact_window and info.config.data.layout != "window":
        raise TextgenError(
            "--exact-window needs a window-layout model (the book preset); this one is 'sequence'"
        )
    seed = args.seed
    if seed is None:
        if not info.seeds:
            raise TextgenError("this model folder has no stored seeds: pass --seed TEXT")
        seed = info.seeds[int(np.random.default_rng(args.rng_seed).integers(len(info.seeds)))]
    if info.config.data.lowercase:
        seed = seed.lower()
    encoded = info.tokenizer.encode_seed(seed)
    if encoded.note:
        _warn(f"note: {encoded.note}")
    generator = load_bundle(folder).generator()
    stream = generator.stream(
        seed,
        temps,
        args.length,
        top_k=args.top_k,
        top_p=args.top_p,
        rng_seed=args.rng_seed,
        exact_window=args.exact_window,
    )
    if args.plain:
        _generate_plain(seed, temps, stream)
    else:
        _generate_rich(seed, temps, stream)
    return 0


def _generate_plain(seed: str, temps: list[float], stream) -> None:
    out = sys.stdout
    if len(temps) == 1:
        out.write(seed)
        for pieces in stream:
            out.write(pieces[0])
            out.flush()
        out.write("\n")
        return
    texts = _collect(stream, len(temps), live=None)
    for t, text in zip(temps, texts):
        out.write(f"--- temperature {t:g}\n{seed}{text}\n")


def _collect(stream, n: int, live) -> list[str]:
    parts: list[list[str]] = [[] for _ in range(n)]
    for pieces in stream:
        for acc, piece in zip(parts, pieces):
            acc.append(piece)
        if live:
            live(pieces[0])
    return ["".join(p) for p in parts]


def _generate_rich(seed: str, temps: list[float], stream) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    first = temperature_color(0)
    console.print(Text(f"── temperature {temps[0]:g}", style=f"bold {first}"))
    console.print(Text(seed, style="reverse"), end="")
    # The first temperature streams live; the others are generated in the same batched pass.
    texts = _collect(stream, len(temps), live=lambda piece: console.print(Text(piece, style=first), end=""))
    console.print()
    for i, (t, text) in enumerate(zip(temps[1:], texts[1:]), start=1):
        color = temperature_color(i)
        console.print(Text(f"── temperature {t:g}", style=f"bold {color}"))
        console.print(Text.assemble((seed, "reverse"), (text, color)))


def evaluate(args: argparse.Namespace) -> int:
    from textgen_tui.core.bundle import load_bundle, read_info
    from textgen_tui.core.catalog import resolve_corpus
    from textgen_tui.core.evaluate import evaluate_text

    read_info(args.model)
    corpus = resolve_corpus(args.corpus)
    bundle = load_bundle(args.model)
    t0 = time.monotonic()
    result = evaluate_text(bundle, corpus.text)
    print(
        f"{result.nats_per_token:.4f} nats per token, {result.bits_per_char:.4f} bits per character "
        f"({result.tokens:,} tokens, {result.characters:,} characters; {result.method}; "
        f"{time.monotonic() - t0:.1f}s)"
    )
    if result.unknown:
        _warn(
            f"note: {result.unknown:,} characters of the text are not in the model's vocabulary and were skipped"
        )
    return 0


def list_models(args: argparse.Namespace) -> int:
    from textgen_tui.core.bundle import BundleInfo, list_bundles
    from textgen_tui.core.catalog import CATALOG
    from textgen_tui.core.paths import model_roots

    if not args.catalog:
        rows = list_bundles(*model_roots())
        print("models:" if rows else "models: none yet (train one, or see models/)")
        for row in rows:
            if isinstance(row, BundleInfo):
                best = f"{row.best_value:.4f}" if row.best_value is not None else "—"
                print(
                    f"  {row.path}  {row.config.data.tokenizer}, {row.state.get('params', 0):,} params, "
                    f"{row.epochs_done} epochs, best {row.state.get('monitor', 'loss')} {best}, "
                    f"corpus {row.corpus.get('source', '?')}"
                )
            else:
                print(f"  {row[0]}  broken: {row[1]}")
    print("corpus catalog:")
    for entry in CATALOG.values():
        print(f"  {entry.name:12} {entry.description}")
    return 0
