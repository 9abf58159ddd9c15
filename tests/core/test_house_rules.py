"""The plan of the house, checked on every module of the package (found by walking it, no hand list).

- The core's parts stand in layers: each imports only the shared vocabulary (errors, config,
  events) and the parts below it — text, nets, store, generate, inspect, train, in that order.
- The core never imports textual, the app, the CLI or the web server.
- The app never imports the CLI; the web server (serve/) never imports the app or the CLI.
- The public Python API (api/, re-exported by the package's top level) stands on the core: it
  imports neither textual, the app, the CLI nor the web server, and the core never imports it
  (the CLI may).
Imports inside functions count: a lazy import is still an arrow in the plan.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "textgen_tui"
VOCABULARY = {
    "textgen_tui",
    "textgen_tui.core",
    "textgen_tui.core.errors",
    "textgen_tui.core.config",
    "textgen_tui.core.events",
}
LAYERS = ["text", "nets", "store", "generate", "inspect", "train"]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in {"textgen_tui", "textual"} and _known(n)}


def _known(name: str) -> bool:
    """A module (not a name imported from one), or a third-party package."""
    return not name.startswith("textgen_tui") or name in MODULES


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) >= 3 and parts[1] == "core" and parts[2] in LAYERS else None


def test_the_walk_finds_every_part():
    parts = {_part(m) for m in MODULES} - {None}
    assert parts == set(LAYERS)
    assert len(MODULES) > 70


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("textgen_tui.core")])
def test_a_core_module_imports_only_the_vocabulary_and_the_parts_below_it(module: str):
    own = _part(module)
    if own is None:
        assert module in VOCABULARY, f"{module}: a core module outside the parts and the vocabulary"
        allowed = lambda name: name in VOCABULARY  # noqa: E731
    else:
        below = set(LAYERS[: LAYERS.index(own) + 1])
        allowed = lambda name: name in VOCABULARY or _part(name) in below  # noqa: E731
    wrong = sorted(
        n for n in _imports(MODULES[module]) if n.startswith(("textgen_tui", "textual")) and not allowed(n)
    )
    assert wrong == [], f"{module} imports {wrong}"


@pytest.mark.parametrize(
    "shell, forbidden",
    [
        ("textgen_tui.app", ("textgen_tui.cli",)),
        ("textgen_tui.serve", ("textgen_tui.cli", "textgen_tui.app", "textual")),
        ("textgen_tui.api", ("textgen_tui.cli", "textgen_tui.app", "textgen_tui.serve", "textual")),
        ("textgen_tui.core", ("textgen_tui.api",)),
    ],
)
def test_the_shells_keep_apart(shell: str, forbidden: tuple[str, ...]):
    wrong = {
        module: sorted(n for n in _imports(path) if n.startswith(forbidden))
        for module, path in MODULES.items()
        if module.startswith(shell)
    }
    assert {m: w for m, w in wrong.items() if w} == {}


def test_the_top_level_package_imports_only_the_api():
    """`import textgen_tui as tg` is the API's facade: it names the API's modules, nothing else."""
    imported = _imports(MODULES["textgen_tui"])
    assert imported and all(n.startswith("textgen_tui.api") for n in imported), imported


def test_the_wheel_lists_every_package():
    """pyproject lists the packages by hand (the models folder is mapped in): none may be missing."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages - listed == set()
