"""`textgen-tui`: the app with no arguments; `train`, `generate`, `evaluate` and `models` headless."""

from __future__ import annotations

import argparse
import os
import sys

from textgen_tui import __version__
from textgen_tui.cli.args import (
    EXIT_USAGE,
    MODEL_HELP,
    Parser,
    backend_option,
    default_model_dir,
    float_list,
)
from textgen_tui.cli.inspect_cmd import add_parser as _add_inspect
from textgen_tui.core.errors import TextgenError, first_line

__all__ = ["EXIT_USAGE", "build_parser", "default_model_dir", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="textgen-tui",
        description="Train character- and word-level LSTM text generators and play with them live. "
        "With no command, opens the terminal app.",
    )
    p.add_argument("--version", action="version", version=f"textgen-tui {__version__}")
    backend_option(p, argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    _add_train(sub)
    _add_generate(sub)
    _add_inspect(sub)
    _add_evaluate_and_models(sub)
    _add_serve(sub)
    return p


def _add_train(sub) -> None:
    t = sub.add_parser("train", help="train a model on a corpus (a file, a folder or a catalog name)")
    t.add_argument(
        "corpus", help="a text file, a folder of .txt files, or a catalog name (see `models --catalog`)"
    )
    t.add_argument(
        "--out", help="model folder to write (default: <models home>/<corpus name>; see `textgen-tui models`)"
    )
    t.add_argument(
        "--preset",
        choices=["fast", "book", "gpu"],
        help="starting configuration (default: gpu when the backend sees a GPU, else fast)",
    )
    t.add_argument("--tokenizer", choices=["char", "word", "clause", "subword"], help="token kind")
    t.add_argument(
        "--from",
        dest="from_",
        metavar="BASE",
        help="start from a model that already knows the language: a bundled base (english), a model's "
        "name in the models home, or a model folder; its architecture, tokenizer and weights are kept",
    )
    t.add_argument(
        "--minutes",
        type=float,
        help="train for this many minutes, everything included: the learning rate follows the clock, "
        "the last validation falls just before the end (the fast preset's default: 10)",
    )
    t.add_argument(
        "--epochs",
        type=int,
        help="train for this many epochs instead of minutes (more epochs, with --resume)",
    )
    t.add_argument("--steps-per-epoch", type=int, help="batches per epoch (default: one pass over the data)")
    t.add_argument("--batch-size", type=int, help="sequences per batch")
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument(
        "--weight-decay", type=float, help="decoupled weight decay, AdamW's (the fast preset: 0.1; 0: off)"
    )
    t.add_argument("--units", type=int, help="units per recurrent layer")
    t.add_argument("--layers", type=int, help="recurrent layers")
    t.add_argument("--cell", choices=["lstm", "gru"], help="recurrent cell")
    t.add_argument(
        "--dropout",
        type=float,
        help="dropout on the last recurrent layer's output, and on the layers' inputs unless --input-dropout",
    )
    t.add_argument(
        "--input-dropout",
        type=float,
        help="dropout on the recurrent layers' inputs alone (the fast preset: 0, the output's only)",
    )
    t.add_argument(
        "--recurrent-dropout",
        type=float,
        help="dropout on the state each recurrent step reads, one mask a sequence (the fast preset: 0.1)",
    )
    t.add_argument(
        "--sampled-softmax",
        type=int,
        metavar="N",
        help="train the softmax on N sampled entries a step (word runs of large vocabularies: 512; 0: all)",
    )
    t.add_argument("--maxlen", type=int, help="window length (window layout)")
    t.add_argument("--seq-len", type=int, help="chunk length (sequence layout)")
    t.add_argument(
        "--carry",
        type=int,
        metavar="K",
        help="read runs of K chunks, the recurrent state carried from chunk to chunk (1: none)",
    )
    t.add_argument("--val-fraction", type=float, help="share held out for validation (default 0.1)")
    t.add_argument("--sample-length", type=int, help="tokens in each per-epoch sample")
    t.add_argument("-t", "--temperature", action="append", help="per-epoch sample temperature(s)")
    t.add_argument("--jit", action=argparse.BooleanOptionalAction, default=None, help="XLA-compile the step")
    t.add_argument(
        "--lowercase", action=argparse.BooleanOptionalAction, default=None, help="lowercase the corpus"
    )
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue training the model --out names (a name in the models home, or a folder)",
    )
    t.add_argument("--plain", action="store_true", help="plain text output, no colors or progress bar")
    t.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard logs of the run into DIR")
    backend_option(t, argparse.SUPPRESS)
    _add_devices(t)


def _add_devices(t: argparse.ArgumentParser) -> None:
    s = t.add_argument_group("devices and machines (JAX)")
    s.add_argument("--devices", help="train data-parallel on 'all' local devices or N of them (default 1)")
    s.add_argument("--coordinator", metavar="HOST:PORT", help="several processes: process 0's address")
    s.add_argument("--num-processes", type=int, metavar="N", help="several processes: how many")
    s.add_argument("--process-id", type=int, metavar="I", help="several processes: this one's rank (0 … N-1)")
    s.add_argument(
        "--peer-timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="several processes: give up when the run makes no progress for S seconds (default 60)",
    )


def _add_generate(sub) -> None:
    g = sub.add_parser("generate", help="generate text from a model folder")
    g.add_argument("model", nargs="?", help=f"{MODEL_HELP} (default: the bundled Nietzsche model)")
    g.add_argument("--seed", help="text to start from (default: a random excerpt of the corpus)")
    g.add_argument(
        "-t", "--temperature", action="append", help="temperature(s); 0 is greedy (default 0.2 0.5 1.0 1.2)"
    )
    g.add_argument("--length", type=int, default=400, help="tokens to generate (default 400)")
    g.add_argument("--top-k", type=int, default=0, help="sample from the k most likely tokens (0: off)")
    g.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass (1.0: off)")
    g.add_argument(
        "--repetition-penalty",
        type=float,
        help="CTRL's penalty on tokens of the recent context (1.0: off; default 1.2 for word and "
        "subword models, which loop at low temperatures without it, and off for char models)",
    )
    g.add_argument(
        "--no-repeat-ngram",
        type=int,
        default=0,
        metavar="N",
        help="never repeat an N-gram of tokens already in the text (0: off)",
    )
    g.add_argument("--rng-seed", type=int, help="random seed for reproducible output")
    g.add_argument(
        "--exact-window",
        action="store_true",
        help="the book's semantics: predict from the last maxlen tokens only",
    )
    g.add_argument(
        "--plain", action="store_true", help="plain text; with one temperature stdout is the seed + text only"
    )


def _add_evaluate_and_models(sub) -> None:
    e = sub.add_parser("evaluate", help="cross-entropy of a model on a text")
    e.add_argument("model", help=MODEL_HELP)
    e.add_argument("corpus", help="a text file, a folder or a catalog name")
    backend_option(e, argparse.SUPPRESS)

    m = sub.add_parser("models", help="where models live, the model folders and the corpus catalog")
    m.add_argument("--catalog", action="store_true", help="list only the corpus catalog")


def _add_serve(sub) -> None:
    w = sub.add_parser("serve", help="serve the app to web browsers (each tab runs its own app)")
    w.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    w.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)"
    )
    w.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use, behind a proxy (default: the one they used)",
    )
    w.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (there is no authentication: prefer an ssh tunnel)",
    )
    from textgen_tui.serve.limits import DEFAULT_RULE, default_max_apps, max_apps_arg

    w.add_argument(
        "--max-apps",
        type=max_apps_arg,
        metavar="N",
        help="most apps running at once, one per browser tab (each holds its own TensorFlow); a tab "
        f"past it is told that all sessions are in use (default: {DEFAULT_RULE}; here now "
        f"{default_max_apps()[0]})",
    )
    backend_option(w, argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _safe_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "backend", None) or args.command in ("train", "evaluate", None):
        from textgen_tui.core.nets.backend import choose

        try:
            choose(getattr(args, "backend", None))  # before anything imports Keras
        except TextgenError as exc:
            return _fail(str(exc))
    if args.command is None:
        from textgen_tui.cli.launcher import run_app
        from textgen_tui.serve.run import watch_server

        watch_server()  # started by `serve`: quit when the server goes
        run_app()
        return 0
    if args.command == "serve":
        from textgen_tui.serve.run import serve

        code, error = serve(
            args.host,
            args.port,
            args.public_url,
            args.allow_remote,
            getattr(args, "backend", None),
            args.max_apps,
        )
        return _fail(error) if error else code
    try:
        if args.command == "train":
            from textgen_tui.cli.commands import train

            return train(args)
        if args.command == "generate":
            from textgen_tui.cli.commands import generate

            return generate(args, float_list(args.temperature))
        if args.command == "inspect":
            from textgen_tui.cli.inspect_cmd import inspect

            return inspect(args)
        if args.command == "evaluate":
            from textgen_tui.cli.commands import evaluate

            return evaluate(args)
        if args.command == "models":
            from textgen_tui.cli.commands import list_models

            return list_models(args)
    except TextgenError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("textgen-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback; TEXTGEN_TUI_DEBUG=1 shows it
        if os.environ.get("TEXTGEN_TUI_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {first_line(exc, 300, empty='')}")
    return 0


def _fail(message: str) -> int:
    print(f"textgen-tui: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _safe_stdio() -> None:
    """A terminal that cannot show a character gets '?' instead of a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
