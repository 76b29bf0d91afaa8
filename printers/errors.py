"""Errors of the printing side, each with a message a shift lead can act on.

They have their own base, `PrinterError`, so this package stands alone; an application shows
them like its own errors: `message` for the person, `exit_code` for a command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printers.status import PrinterStatus


class PrinterError(Exception):
    """Base of every printing error that is shown to a person instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PrinterConfigError(PrinterError):
    """A printer setting that cannot be used: an unknown key, a bad connection, no such printer."""

    exit_code = 2


class FontMissing(PrinterError):
    """No font with Chinese glyphs was found for the PNG preview or raster printing."""

    exit_code = 2


class PrinterUnavailable(PrinterError):
    """A job could not be delivered to the printer; none of it counts as printed.

    `reason` is the short cause (refused, timeout, dropped, ...) for the print queue's record.
    """

    exit_code = 1

    def __init__(self, message: str, reason: str = "unavailable") -> None:
        super().__init__(message)
        self.reason = reason


class PrinterNotReady(PrinterUnavailable):
    """The printer says it cannot print (paper out, cover open, offline, an error).

    `reason` is its state (a key of `printers.status.STATES`); `sent` is True when it said
    so after the job was sent, which then did not print whole. The job waits, not fails.
    """

    def __init__(self, status: PrinterStatus, where: str, *, sent: bool = False) -> None:
        from printers.status import state_text, status_detail

        super().__init__(state_text(status.state, where, status_detail(status)), status.state)
        self.status = status
        self.sent = sent


class DeviceError(PrinterError):
    """A device (printer, scale, scanner) cannot be opened or stopped working; the message
    names it. `cause` is the error of the system or driver behind it, if there was one."""

    exit_code = 2

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class DeviceClosed(DeviceError):
    """The other end went away (a serial server closed, a USB device was unplugged)."""
