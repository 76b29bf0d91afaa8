"""Domain errors. Each carries a message a picker or shift lead can act on."""

from __future__ import annotations


class PickerError(Exception):
    """Base of every error the CLI and the TUI show to a person instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(PickerError):
    """Unreadable input or bad usage: a file that cannot be read, a malformed config."""

    exit_code = 2


class NotFound(PickerError):
    exit_code = 2


class Conflict(PickerError):
    """Someone else holds what was asked for (a claimed batch, a changed order)."""

    exit_code = 4
