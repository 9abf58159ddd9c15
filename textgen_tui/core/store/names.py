"""Model names: `nietzsche-char` for `<models home>/nietzsche-char`, whatever the current folder.

A reference is, in order:

1. a path that exists (relative to the current folder, `~` expanded): that folder, as typed;
2. a bare name (no folder separator): a folder of that name in the models home, else among the
   bundled models (`models/` of the package);
3. a bare name that starts one model's name up to a dash (`nietzsche` for `nietzsche-char`), when
   exactly one model of the home and the bundled ones has such a name.

Anything else is a `ModelNotFound` in one sentence: for a name, where it was looked for and the
near matches (difflib), so the CLI prints one line and the app one notification.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from textgen_tui.core.errors import ModelNotFound
from textgen_tui.core.store.paths import bundled_models_dir, same_folder, user_models_dir

__all__ = ["ModelNotFound", "is_bare_name", "model_names", "resolve_model"]


def is_bare_name(ref: str) -> bool:
    """A name, not a path: no folder separator, not `.`/`..`/`~`, not empty."""
    seps = [os.sep, "/"] + ([os.altsep] if os.altsep else [])
    return (
        bool(ref) and ref not in (".", "..") and not ref.startswith("~") and not any(s in ref for s in seps)
    )


def _roots(home: Path | None) -> list[Path]:
    roots = [Path(home).expanduser() if home is not None else user_models_dir()]
    bundled = bundled_models_dir()
    if bundled is not None and not same_folder(bundled, roots[0]):
        roots.append(bundled)
    return roots


def model_names(home: Path | None = None) -> dict[str, Path]:
    """Every model folder's name → its folder: the home's first, then the bundled ones (a bundled
    model whose name the home also has is hidden by it). Dot-folders (the trash) are left out."""
    out: dict[str, Path] = {}
    for root in _roots(home):
        try:
            children = sorted(root.iterdir())
        except OSError:
            continue
        for child in children:
            if child.name.startswith(".") or child.name in out:
                continue
            if child.is_dir() and (child / "state.json").is_file():
                out[child.name] = child
    return out


def resolve_model(ref: str, home: Path | None = None) -> Path:
    """The model folder `ref` names (see the module docstring); `home` replaces the models home.

    Only names are checked here: a folder found is returned without being read (`read_info` says
    what is wrong with it). ModelNotFound for a path that does not exist or an unknown name."""
    ref = str(ref).strip()
    path = Path(ref).expanduser()
    if ref and path.exists():
        return path
    if not ref:
        raise ModelNotFound("no model given: a model name or folder is needed")
    if not is_bare_name(ref):
        raise ModelNotFound(f"{path} does not exist")
    roots = _roots(home)
    for root in roots:
        candidate = root / ref
        if candidate.is_dir():
            return candidate
    names = model_names(home)
    family = [n for n in names if n.startswith(ref + "-")]
    if len(family) == 1:
        return names[family[0]]
    where = " or ".join(str(r) for r in roots)
    if len(family) > 1:
        raise ModelNotFound(f"{ref!r} could be {', '.join(sorted(family))}: give the whole name")
    near = difflib.get_close_matches(ref, list(names), n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(near)}?"
        if near
        else ("models: " + ", ".join(sorted(names)[:8]) if names else "no models there yet")
    )
    raise ModelNotFound(f"no model named {ref!r} in {where} ({hint})")
