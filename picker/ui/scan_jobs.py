"""What a screen's scan lane takes besides codes: a declared shortage, a scale's reading, a
bag to take off the truck, and the lane's own instructions (read the view again, stop after
what is queued).

Jobs are queued by the UI thread and applied, in order, by the lane's worker thread
(`picker.ui.scan_screen.ScanScreen`).
"""

from __future__ import annotations

from dataclasses import dataclass

from picker.domain.scales import Reading
from picker.domain.shortage import ShortReason


@dataclass(frozen=True, slots=True)
class ShortJob:
    """Declare the rest of the line `sku` short (the line the picker was looking at)."""

    reason: ShortReason
    sku: str | None


@dataclass(frozen=True, slots=True)
class WeighJob:
    """Record a bench scale's reading as the weight of `sku` (None: the open weighed item)."""

    reading: Reading
    sku: str | None


@dataclass(frozen=True, slots=True)
class TakeOffJob:
    """Take the bag of `code` off the truck instead of loading it."""

    code: str

    def __str__(self) -> str:
        return self.code  # how it reads on a red line


def job_code(job: object) -> str:
    """How a job reads in the scan log and on a red line."""
    if isinstance(job, ShortJob):
        return f"CMD-SHORT {job.reason.value}"
    if isinstance(job, WeighJob):
        return job.reading.raw
    return str(job)


#: Worker instructions besides codes: read the view again, or stop after what is queued.
REFRESH = object()


STOP = object()
