"""User-facing errors: each carries one clear sentence that the CLI prints and the app shows."""


class TextgenError(Exception):
    """A problem with the user's input or files, not a bug: shown as one line, never a traceback."""


class CorpusError(TextgenError):
    """The corpus cannot be used: missing, empty, binary, too short..."""


class ConfigError(TextgenError):
    """A hyper-parameter or option is out of range."""


class BundleError(TextgenError):
    """A model folder is missing, incomplete, corrupt or inconsistent."""


class GenerationError(TextgenError):
    """Generation cannot run with these settings (temperature, seed, length...)."""
