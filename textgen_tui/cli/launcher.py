"""`textgen-tui` with no command: run the app in this terminal, then whatever outlives the screen
("Keep training" follows the run here, like `textgen-tui train`).

The app package imports nothing from cli/: this module is the one place that joins them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from textgen_tui.core import events as ev
from textgen_tui.core.errors import TextgenError


class LatestStart:
    """A session listener that keeps the run's latest `Started`: a listener that joins later (the
    terminal's, after "Keep training") is given it first, so it knows the run's length."""

    def __init__(self) -> None:
        self.event: ev.Started | None = None

    def __call__(self, event) -> None:
        if isinstance(event, ev.Started):
            self.event = event


def run_app(models_dir: str | None = None) -> None:
    from textgen_tui.app.app import create_app

    # The app remembers (app/memory.py): the welcome demo greets the first launch only; later
    # launches open where the user left, with the corpus, the settings, the model and the text.
    app = create_app(models_dir, demo=True, remember=True)
    session = app.session
    latest = LatestStart()
    session.add_listener(latest)
    result = None
    try:
        with _screen_owns_stderr():
            result = app.run()
    finally:
        if session.active and result != "keep-training":
            session.close(timeout=20.0)  # the app went away some other way: stop and save
    if result == "keep-training" and session.active:
        _follow_in_terminal(session, latest.event)
        return
    if not session.active:
        # Nothing is being written: leave now, without the interpreter's own teardown (TensorFlow's
        # and JAX's exit handlers, idle worker threads), which keeps the prompt away for seconds.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)


def _follow_in_terminal(session, started: ev.Started | None = None) -> None:
    """ "Keep training" on quit: the run goes on in the terminal, shown like `textgen-tui train`."""
    from textgen_tui.cli.commands import follow
    from textgen_tui.cli.render import RichListener

    listener = RichListener()
    print(
        f"textgen-tui: training {session.out_dir} goes on here; Ctrl-C stops it after the batch and saves.",
        file=sys.stderr,
        flush=True,
    )
    if started is not None:
        listener(started)  # the run's length (a time budget shows no epoch total) and its header
    session.add_listener(listener)
    try:
        follow(session, listener)
    except TextgenError as exc:
        print(f"textgen-tui: error: {exc}", file=sys.stderr)
    finally:
        listener.close()


@contextlib.contextmanager
def _screen_owns_stderr():
    """Textual draws on stderr, and TensorFlow's C++ start-up logs write to file descriptor 2.
    Give Textual a private copy of the terminal and send fd 2 to a log file, so stray native
    output can never scribble over the screen."""
    try:
        terminal = os.dup(2)
    except OSError:  # no stderr at all: nothing to protect
        yield
        return
    saved = os.dup(2)
    log_path = Path(tempfile.gettempdir()) / "textgen-tui-stderr.log"
    previous = sys.__stderr__
    screen = os.fdopen(
        terminal, "w", encoding=getattr(previous, "encoding", None) or "utf-8", errors="replace"
    )
    try:
        with open(log_path, "ab") as log:
            os.dup2(log.fileno(), 2)
            sys.__stderr__ = screen
            try:
                yield
            finally:
                sys.__stderr__ = previous
                os.dup2(saved, 2)
    finally:
        os.close(saved)
        screen.close()
