"""Errors of the printing side, each with a message a shift lead can act on."""

from __future__ import annotations

from picker.errors import PickerError


class FontMissing(PickerError):
    """No font with Chinese glyphs was found for the PNG preview or raster printing."""

    exit_code = 2


class PrinterUnavailable(PickerError):
    """A job could not be delivered to the printer; none of it counts as printed.

    `reason` is the short cause (refused, timeout, dropped, ...) for the print queue's record.
    """

    exit_code = 1

    def __init__(self, message: str, reason: str = "unavailable") -> None:
        super().__init__(message)
        self.reason = reason
