"""The headless commands. Each validates what it can before importing TensorFlow."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from textgen_tui.cli.args import float_list
from textgen_tui.cli.render import RichListener, temperature_color
from textgen_tui.core.errors import TextgenError


def _warn(message: str) -> None:
    print(f"textgen-tui: {message}", file=sys.stderr, flush=True)


# CLI flag → Config field (None values are "not given").
OVERRIDE_FLAGS = {
    "tokenizer": "tokenizer",
    "lowercase": "lowercase",
    "maxlen": "maxlen",
    "seq_len": "seq_len",
    "carry": "carry",
    "val_fraction": "val_fraction",
    "units": "units",
    "layers": "layers",
    "cell": "cell",
    "dropout": "dropout",
    "input_dropout": "input_dropout",
    "recurrent_dropout": "recurrent_dropout",
    "sampled_softmax": "sampled_softmax",
    "epochs": "epochs",
    "minutes": "minutes",
    "steps_per_epoch": "steps_per_epoch",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "weight_decay": "weight_decay",
    "jit": "jit_compile",
    "sample_length": "length",
}


def overrides_from(args: argparse.Namespace) -> dict:
    """The settings the user gave on the command line, as Config field → value."""
    out = {
        field: getattr(args, flag)
        for flag, field in OVERRIDE_FLAGS.items()
        if getattr(args, flag) is not None
    }
    if args.temperature:
        out["temperatures"] = tuple(float_list(args.temperature))
    return out


def train(args: argparse.Namespace) -> int:
    """The Config is built once (twice only when a GPU turns the automatic preset to `gpu`), and
    checked before the corpus loads and before the other processes are waited for."""
    from textgen_tui.core.config import make_config
    from textgen_tui.core.text.catalog import resolve_corpus
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.session import TrainingSession

    overrides = overrides_from(args)
    spec = base = None
    if args.resume and getattr(args, "from_", None):
        raise TextgenError("--from starts a new model and --resume continues one: give one of them")
    if args.resume:
        if not args.out:
            raise TextgenError("--resume needs --out DIR: the model folder to continue")
        if args.minutes is not None and args.epochs is not None:
            raise TextgenError("train for minutes or for epochs, not both: give --minutes or --epochs")
        from textgen_tui.core.store.names import resolve_model

        args.out = str(resolve_model(args.out))  # a name in the models home, or a folder
        spec = RunSpec.resumed(args.out, overrides)  # fails fast, before the corpus and the backend load
        cfg = spec.config
    else:
        cfg = make_config(args.preset or "fast", overrides)  # bad settings fail before the corpus loads
        if getattr(args, "from_", None):
            from textgen_tui.core.train.fine_tune import find_base, fine_tune_config

            base = find_base(args.from_)
            for note in fine_tune_config(base, cfg, overrides)[1]:  # refusals before the corpus loads
                _warn(note)
    if args.preset is not None or args.minutes is not None:  # the preset is known: check it now
        _one_process_for_minutes(args, cfg)  # before waiting for the other processes
    corpus = resolve_corpus(args.corpus, cfg.data.lowercase) if spec else resolve_corpus(args.corpus)
    if corpus.replaced:
        _warn(f"warning: {corpus.replaced:,} undecodable bytes in {corpus.source} were replaced with U+FFFD")
    # Join the other processes before anything asks JAX for its devices (has_gpu below).
    parallel = _parallel(args, cfg.train.batch_size)
    if not args.resume and args.preset is None:
        from textgen_tui.core.nets.backend import has_gpu

        args.preset = "gpu" if has_gpu() else "fast"
        if args.preset == "gpu":
            cfg = make_config(args.preset, overrides)
            if parallel.chief:
                _warn("a GPU is there: the gpu preset (--preset fast or book to choose another)")
            if args.batch_size is None and parallel.distributed:  # its batch must split evenly too
                parallel = _parallel(args, cfg.train.batch_size)
        if args.minutes is None:
            _one_process_for_minutes(args, cfg)
    listener = RichListener(plain=args.plain or not parallel.chief, writer=parallel.chief)
    session = TrainingSession([listener], parallel=parallel)
    if spec is not None:
        spec.corpus = corpus
        out = session.resume(args.out, spec=spec, tensorboard=args.tensorboard)
        if session.copied_from is not None:
            _warn(f"the bundled model is not changed: training a copy in {out}")
    else:
        session.start(
            corpus,
            args.out,
            preset=args.preset,
            overrides=overrides,
            config=cfg,
            tensorboard=args.tensorboard,
            base=base,
        )
    if parallel.distributed and parallel.chief:
        _warn(f"data-parallel: {parallel.describe()}")
    try:
        return follow(session, listener)
    finally:
        listener.close()


def _one_process_for_minutes(args: argparse.Namespace, cfg) -> None:
    """A time budget is one process's clock: several processes would each set their own rate.
    Refused here, before the corpus is tokenized (the Trainer refuses it too, later)."""
    from textgen_tui.core.nets.parallel import env_processes

    if cfg.train.minutes is None:
        return
    processes = args.num_processes or env_processes()[1] or 1
    if processes > 1:
        raise TextgenError(
            f"a time budget (minutes) is for one process, not {processes}: give --epochs N to train several"
        )


def _parallel(args: argparse.Namespace, batch_size: int):
    from textgen_tui.core.nets.parallel import setup

    return setup(
        args.devices,
        coordinator=args.coordinator,
        num_processes=args.num_processes,
        process_id=args.process_id,
        batch_size=batch_size,
        peer_timeout=args.peer_timeout,
    )


def follow(session, listener=None) -> int:
    """Wait for a session in the foreground. The first Ctrl-C stops after the batch and saves;
    a second one ends the process at once (the folder stays consistent: saves are journaled)."""
    presses = 0

    def on_sigint(signum, frame):
        nonlocal presses
        presses += 1
        if presses == 1:
            _warn("stopping after this batch (the epoch is saved); press Ctrl-C again to abort now")
            session.stop()
            return
        if listener is not None:
            listener.close()
        _warn("aborted: the model folder keeps its last saved epoch")
        os._exit(130)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        while not session.wait(0.2):  # short waits: the main thread handles signals between them
            if session.peer_lost is not None:
                # The training thread waits in a collective that will never complete, and the
                # backend's own exit would wait for the lost process too: leave now.
                if listener is not None:
                    listener.close()
                _warn(f"error: {session.peer_lost}")
                os._exit(2)
    finally:
        signal.signal(signal.SIGINT, previous)
    if session.error is not None:
        if session.parallel.processes > 1:
            # JAX's exit waits at a barrier for every process, the lost one too: leave now.
            if listener is not None:
                listener.close()
            _warn(f"error: {session.error}")
            os._exit(2)
        raise TextgenError(session.error)
    return 0


def generate(args: argparse.Namespace, temperatures: list[float] | None) -> int:
    """`Model.generate` streamed (the Python API's), printed live for the first temperature."""
    from textgen_tui.api.model import load

    model = load(args.model)  # a missing or broken folder: its one-line error, before any text
    info = model.info
    temps = temperatures or list(info.settings["sample"]["temperatures"])
    if args.seed is None and not info.seeds:
        raise TextgenError("this model folder has no stored seeds: pass --seed TEXT")
    stream = model.generate(  # every setting is checked here, before any text
        args.seed or "",
        temperature=temps,
        length=args.length,
        top_k=args.top_k,
        top_p=args.top_p,
        repetition_penalty=args.repetition_penalty,  # none given: the model's default
        no_repeat_ngram=args.no_repeat_ngram,
        rng_seed=args.rng_seed,
        exact_window=args.exact_window,
        stream=True,
    )
    if stream.note:
        _warn(f"note: {stream.note}")
    next(stream)  # the seed, as the model reads it: stream.seed
    pieces = (tuple(chunk.values()) for chunk in stream)  # one per temperature, in their order
    if args.plain:
        _generate_plain(stream.seed, temps, pieces)
    else:
        _generate_rich(stream.seed, temps, pieces)
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
    """`Model.evaluate` (the Python API's) on a corpus."""
    from textgen_tui.api.model import load
    from textgen_tui.core.text.catalog import resolve_corpus

    model = load(args.model)  # a bad folder fails before the corpus is read
    corpus = resolve_corpus(args.corpus)
    result = model.evaluate(corpus.text)
    print(
        f"{result.nats_per_token:.4f} nats per token, {result.bits_per_char:.4f} bits per character "
        f"({result.tokens:,} tokens, {result.characters:,} characters; {result.method}; "
        f"{result.seconds:.1f}s)"
    )
    if result.unknown:
        _warn(
            f"note: {result.unknown:,} characters of the text are not in the model's vocabulary and were skipped"
        )
    return 0


def list_models(args: argparse.Namespace) -> int:
    from textgen_tui.core.store.folder import BundleInfo, list_bundles
    from textgen_tui.core.store.manifest import describe_lineage
    from textgen_tui.core.store.paths import describe_models_home, model_roots
    from textgen_tui.core.text.catalog import CATALOG

    if not args.catalog:
        print(describe_models_home())
        rows = list_bundles(*model_roots())
        print("models:" if rows else "models: none yet (train one)")
        for row in rows:
            if isinstance(row, BundleInfo):
                best = f"{row.best_value:.4f}" if row.best_value is not None else "—"
                print(
                    f"  {row.path}  {row.config.data.tokenizer}, {row.state.params or 0:,} params, "
                    f"{row.epochs_done} epochs, best {row.state.monitor or 'loss'} {best}, "
                    f"corpus {row.corpus.get('source', '?')}"
                    + (
                        f", fine-tuned from {describe_lineage(row.state.lineage)}"
                        if row.state.lineage
                        else ""
                    )
                )
            else:
                print(f"  {row[0]}  broken: {row[1]}")
    print("corpus catalog:")
    for entry in CATALOG.values():
        print(f"  {entry.name:12} {entry.description}")
    return 0
