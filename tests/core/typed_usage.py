"""Checked by mypy (tests/core/test_api_types.py), never run: what a type checker infers from the
public API's signatures is what the documentation says they return."""

from __future__ import annotations

from pathlib import Path
from typing import assert_type

import textgen_tui as tg


def usage(model: tg.Model, session: tg.TrainingSession) -> None:
    assert_type(model.generate("the "), str)
    assert_type(model.generate("the ", temperature=[0.2, 1.0]), dict[float, str])
    assert_type(model.generate("the ", stream=True), tg.GenerationStream[str])
    assert_type(
        model.generate("the ", temperature=(0.5,), stream=True), tg.GenerationStream[dict[float, str]]
    )
    for chunk in model.generate("the ", stream=True):
        assert_type(chunk, str)
    assert_type(model.inspect("the fox", cells=True), tg.Inspection)
    assert_type(model.evaluate("the fox"), tg.Evaluation)
    assert_type(model.suggest("the fox", n=2), list[str])
    assert_type(model.info, tg.ModelInfo)
    assert_type(tg.load("nietzsche-char"), tg.Model)
    assert_type(tg.train("corpus.txt", minutes=1, units=64), tg.Model)
    assert_type(session.start(), Path)
    assert_type(session.wait(), tg.Model)
    for event in session.events():
        if isinstance(event, tg.events.EpochEnd):
            assert_type(event.val_loss, float | None)
    try:
        tg.load("nothing")
    except tg.TextgenError as exc:
        assert_type(str(exc), str)
