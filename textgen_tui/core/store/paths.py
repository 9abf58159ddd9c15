"""Where model folders live: the models home and the bundled pretrained model.

The models home is, in order: `$TEXTGEN_TUI_MODELS`; a checkout's `models/` when running from a
checkout (an editable install or the source tree); else the user's data folder
(`platformdirs.user_data_path("textgen-tui") / "models"`, `~/.local/share/textgen-tui/models`
on Linux). It never depends on the current folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BUNDLED_NAME = "nietzsche-char"
ENV_VAR = "TEXTGEN_TUI_MODELS"
APP_NAME = "textgen-tui"

# Why the home is where it is (ModelsHome.reason).
FROM_ENV, FROM_CHECKOUT, FROM_USER_DATA = "env", "checkout", "user-data"


@dataclass(frozen=True)
class ModelsHome:
    path: Path
    reason: str
    """FROM_ENV, FROM_CHECKOUT or FROM_USER_DATA."""

    def describe(self) -> str:
        """Where models live and why, in words (the CLI and the app show it)."""
        why = {
            FROM_ENV: f"set by {ENV_VAR}",
            FROM_CHECKOUT: f"this checkout's models/; {ENV_VAR} overrides",
            FROM_USER_DATA: f"the user data folder; {ENV_VAR} overrides",
        }[self.reason]
        return f"models in {self.path} ({why})"


def is_checkout(folder: Path) -> bool:
    """`folder` is a textgen-tui source tree: its pyproject.toml names the project."""
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return 'name = "textgen-tui"' in text


def checkout_models_dir() -> Path | None:
    """The checkout's models/ (absolute) when the package runs from a checkout, else None."""
    root = Path(__file__).resolve().parents[3]  # store/ → core/ → textgen_tui/ → the checkout
    models = root / "models"
    # An installed package sits in site-packages, whose parent holds no pyproject.toml.
    return models if models.is_dir() and is_checkout(root) else None


def user_data_models_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "models"


def models_home() -> ModelsHome:
    """Where training saves and the Models list reads (see the module docstring)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return ModelsHome(Path(env).expanduser(), FROM_ENV)
    checkout = checkout_models_dir()
    if checkout is not None:
        return ModelsHome(checkout, FROM_CHECKOUT)
    return ModelsHome(user_data_models_dir(), FROM_USER_DATA)


def user_models_dir() -> Path:
    """Where training saves by default: the models home (see `models_home`)."""
    return models_home().path


def describe_models_home() -> str:
    """e.g. "models in ~/.local/share/textgen-tui/models (the user data folder; ... overrides)"."""
    return models_home().describe()


def bundled_models_dir() -> Path | None:
    """The folder holding the shipped pretrained model(s), in a checkout or an installed package."""
    here = Path(__file__).resolve().parents[2]  # textgen_tui/
    for candidate in (here / "models", here.parent / "models"):
        if (candidate / BUNDLED_NAME).is_dir():
            return candidate
    try:  # an editable install maps textgen_tui.models to the checkout's models/
        import textgen_tui.models as pkg

        for p in getattr(pkg, "__path__", []):
            if (Path(p) / BUNDLED_NAME).is_dir():
                return Path(p)
    except ImportError:
        pass
    return None


def bundled_model() -> Path | None:
    root = bundled_models_dir()
    return root / BUNDLED_NAME if root else None


def same_folder(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def model_roots() -> list[Path]:
    """Folders whose sub-folders are listed as models: the home first, then the bundled (once)."""
    roots = [user_models_dir()]
    bundled = bundled_models_dir()
    if bundled is not None and not same_folder(bundled, roots[0]):
        roots.append(bundled)
    return roots


def default_out_dir(name: str) -> Path:
    """A fresh folder under the models home for a corpus called `name`."""
    base = user_models_dir()
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(name).stem.lower()) or "model"
    candidate = base / stem
    n = 2
    while candidate.exists():
        candidate = base / f"{stem}-{n}"
        n += 1
    return candidate
