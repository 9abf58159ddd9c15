"""The hyper-parameter fields of the Train form: parsing, validation (via Config.validate), help."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from functools import cache

from textual.validation import ValidationResult, Validator
from textual.widgets import Input, TextArea

from textgen_tui.app.widgets.numbers import parse_number
from textgen_tui.core import config as core_config
from textgen_tui.core.config import Config, parse_temperatures
from textgen_tui.core.errors import ConfigError


@dataclass(frozen=True)
class Field:
    name: str  # attribute name in the config section
    section: str  # "data", "model", "train" or "sample"
    label: str
    kind: str  # "int", "float", "minutes" (a float, blank for none) or "temps"


FIELDS = (
    Field("maxlen", "data", "maxlen", "int"),
    Field("step", "data", "step", "int"),
    Field("seq_len", "data", "seq_len", "int"),
    Field("units", "model", "units", "int"),
    Field("layers", "model", "layers", "int"),
    Field("dropout", "model", "dropout", "float"),
    Field("batch_size", "train", "batch size", "int"),
    Field("learning_rate", "train", "learning rate", "float"),
    Field("minutes", "train", "minutes", "minutes"),
    Field("epochs", "train", "epochs", "int"),
    Field("temperatures", "sample", "temperatures", "temps"),
    Field("length", "sample", "sample length", "int"),
)


def parse(field: Field, text: str):
    """The field's text as its value (ConfigError naming the field when it is not one); the range
    is Config.validate's to check."""
    if field.kind == "temps":
        return parse_temperatures(text.strip())
    kind = int if field.kind == "int" else float
    blank = None if field.kind == "minutes" else ...  # minutes left blank: no budget, train for epochs
    return parse_number(text, field.label, kind=kind, error=ConfigError, blank=blank)


def format_value(field: Field, value) -> str:
    if value is None:
        return ""
    if field.kind == "temps":
        return ", ".join(f"{t:g}" for t in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def apply(cfg: Config, field: Field, text: str) -> None:
    """Parse `text` and set it on `cfg` (ConfigError when it is not a number)."""
    setattr(getattr(cfg, field.section), field.name, parse(field, text))


class FieldValidator(Validator):
    """Valid when the value parses and `Config.validate()` accepts it in an otherwise valid config."""

    def __init__(self, field: Field) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        cfg = core_config.fast_preset()
        try:
            apply(cfg, self.field, value)
            cfg.validate()
        except ConfigError as exc:
            return self.failure(str(exc))
        return self.success()


class DevicesValidator(Validator):
    """'all' or a positive whole number (whether the machine has them is checked at Start)."""

    def validate(self, value: str) -> ValidationResult:
        from textgen_tui.core.nets.parallel import device_count

        try:
            device_count(value.strip() or "1")
        except ConfigError as exc:
            return self.failure(str(exc))
        return self.success()


@cache
def field_docs() -> dict[tuple[str, str], str]:
    """(section, field) -> the field's docstring in core/config.py, for tooltips."""
    sections = {
        "DataConfig": "data",
        "ModelConfig": "model",
        "TrainConfig": "train",
        "SampleConfig": "sample",
    }
    docs: dict[tuple[str, str], str] = {}
    try:
        tree = ast.parse(inspect.getsource(core_config))
    except (OSError, TypeError, SyntaxError):
        return docs
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in sections:
            body = node.body
            for a, b in zip(body, body[1:]):
                if (
                    isinstance(a, ast.AnnAssign)
                    and isinstance(a.target, ast.Name)
                    and isinstance(b, ast.Expr)
                    and isinstance(b.value, ast.Constant)
                    and isinstance(b.value.value, str)
                ):
                    docs[(sections[node.name], a.target.id)] = " ".join(b.value.value.split())
    return docs


class InlineKeys:
    """Runs the field's own key bindings (Backspace, Home, Ctrl+K...) as the key arrives, in order
    with the characters typed around it. Textual inserts printable keys in the widget's `_on_key`
    but lets bound keys bubble to the App first, so on a busy app they ran after characters typed
    after them (Textualize/textual#6605; PR #6631 proposes the same in Textual itself)."""

    async def _on_key(self, event) -> None:
        focused = self.app.focused
        if focused is not None and focused is not self:
            # A Tab before this key moved the focus on (inline, below), after the App had already
            # handed this key to us: pass it on to where the user's typing now goes.
            from textual import events

            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        if event.key in ("tab", "shift+tab"):  # a screen binding: it too would run late
            event.stop()
            event.prevent_default()
            (self.screen.focus_next if event.key == "tab" else self.screen.focus_previous)()
            return
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)


class KeyInput(InlineKeys, Input):
    """An Input whose editing keys keep their place among typed characters."""


class KeyTextArea(InlineKeys, TextArea):
    """A TextArea whose editing keys keep their place among typed characters."""
