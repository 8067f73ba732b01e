"""The exceptions nadzor raises on purpose. The CLI turns each into a message and an exit code."""

__all__ = [
    "NadzorError",
    "InputError",
    "SettingsError",
    "StoreError",
    "PluginError",
    "NotFoundError",
]


class NadzorError(Exception):
    """Raised if nadzor cannot do what was asked; the message is written for the user."""

    exit_code = 1


class InputError(NadzorError):
    """Raised if an input file cannot be read at all (missing, unreadable, unknown format)."""

    exit_code = 2


class SettingsError(NadzorError):
    """Raised if a settings or mapping file is invalid (unknown key, bad value)."""

    exit_code = 2


class StoreError(NadzorError):
    """Raised if the store cannot be opened or is in a state that needs attention."""


class PluginError(NadzorError):
    """Raised if a plugin registers something invalid (duplicate code, bad definition)."""


class NotFoundError(NadzorError):
    """Raised if a requested record (process, buyer, supplier, indicator) does not exist."""

    exit_code = 4
