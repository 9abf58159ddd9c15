"""Where model folders live: the user's `models/` and the bundled pretrained model."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED_NAME = "nietzsche-char"


def user_models_dir() -> Path:
    """Where training saves by default: ./models, or $TEXTGEN_TUI_MODELS."""
    return Path(os.environ.get("TEXTGEN_TUI_MODELS", "models")).expanduser()


def bundled_models_dir() -> Path | None:
    """The folder holding the shipped pretrained model(s), in a checkout or an installed package."""
    here = Path(__file__).resolve().parent.parent  # textgen_tui/
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


def model_roots() -> list[Path]:
    """Folders whose sub-folders are listed as models: the user's first, then the bundled."""
    roots = [user_models_dir()]
    bundled = bundled_models_dir()
    if bundled is not None and bundled.resolve() != roots[0].resolve():
        roots.append(bundled)
    return roots


def default_out_dir(name: str) -> Path:
    """A fresh folder under models/ for a corpus called `name`."""
    base = user_models_dir()
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(name).stem.lower()) or "model"
    candidate = base / stem
    n = 2
    while candidate.exists():
        candidate = base / f"{stem}-{n}"
        n += 1
    return candidate
