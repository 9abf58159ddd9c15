"""User-facing errors: each carries one clear sentence that the CLI prints and the app shows."""


class TextgenError(Exception):
    """A problem with the user's input or files, not a bug: shown as one line, never a traceback."""


class CorpusError(TextgenError):
    """The corpus cannot be used: missing, empty, binary, too short..."""


class ConfigError(TextgenError):
    """A hyper-parameter or option is out of range."""


class BundleError(TextgenError):
    """A model folder is missing, incomplete, corrupt or inconsistent."""


class ModelNotFound(BundleError):
    """A model name or folder that names no model (core/store/names.py says where it looked)."""


class GenerationError(TextgenError):
    """Generation cannot run with these settings (temperature, seed, length...)."""


def first_line(exc: BaseException, limit: int = 300, empty: str | None = None) -> str:
    """The first line of an exception's message (what a one-line report shows), at most `limit`
    characters; for an empty message, `empty`, else the exception type's name."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__ if empty is None else empty
    return text.splitlines()[0][:limit]
