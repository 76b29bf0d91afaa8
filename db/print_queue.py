"""Rows of the print queue: jobs with their rendered bytes, state, attempts and next try.

Times are ISO-8601 strings in Asia/Shanghai written by the use cases, so comparing them as
text orders them in time. A job with no `data` is rendered when the worker first takes it
(packing queues labels by kind and target only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


JOB_COLUMNS = (
    "id, kind, target, printer, reprint, status, attempts, reason, next_attempt_at,"
    " created_at, updated_at, done_at, length(data)"
)


@dataclass(frozen=True, slots=True)
class JobRow:
    """A print job without its bytes; `size` is None until it is rendered."""

    id: int
    kind: str
    target: str
    printer: str
    reprint: bool
    status: str
    attempts: int
    reason: str
    next_attempt_at: str | None
    created_at: str
    updated_at: str
    done_at: str | None
    size: int | None


def _job(row: tuple) -> JobRow:
    values = list(row)
    values[4] = bool(values[4])
    return JobRow(*values)


def insert_job(
    db: sqlite_utils.Database,
    *,
    kind: str,
    target: str,
    printer: str,
    reprint: bool,
    data: bytes | None,
    reason: str,
    at: str,
) -> int:
    cur = db.conn.execute(
        "INSERT INTO print_jobs (kind, target, printer, reprint, data, reason, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, target, printer, int(reprint), data, reason, at, at),
    )
    return int(cur.lastrowid or 0)


def get_job(db: sqlite_utils.Database, job_id: int) -> JobRow | None:
    row = db.conn.execute(
        f"SELECT {JOB_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,)
    ).fetchone()
    return _job(row) if row else None


def list_jobs(
    db: sqlite_utils.Database, status: str | None = None, limit: int = 1000
) -> list[JobRow]:
    """Newest first: the queue as a shift lead reads it."""
    where, params = ("WHERE status = ?", (status,)) if status else ("", ())
    return [
        _job(row)
        for row in db.conn.execute(
            f"SELECT {JOB_COLUMNS} FROM print_jobs {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
    ]


_DUE = (
    "((status IN ('queued', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
    " OR (status = 'sending' AND updated_at < ?))"
)


def due_jobs(
    db: sqlite_utils.Database, now: str, stale_before: str, limit: int = 500
) -> list[JobRow]:
    """Jobs to send now, oldest first: queued or failed ones whose next try has come, and
    `sending` ones not touched since `stale_before` (their worker died mid-job).
    """
    return [
        _job(row)
        for row in db.conn.execute(
            f"SELECT {JOB_COLUMNS} FROM print_jobs WHERE {_DUE} ORDER BY id LIMIT ?",
            (now, stale_before, limit),
        )
    ]


def take_if_due(
    db: sqlite_utils.Database, job_id: int, printer: str, now: str, stale_before: str
) -> bool:
    """Mark a job `sending` for one attempt, unless another worker took it meanwhile."""
    cur = db.conn.execute(
        "UPDATE print_jobs SET status = 'sending', printer = ?, attempts = attempts + 1,"
        f" reason = '', updated_at = ? WHERE id = ? AND {_DUE}",
        (printer, now, job_id, now, stale_before),
    )
    return cur.rowcount == 1


def job_data(db: sqlite_utils.Database, job_id: int) -> bytes | None:
    row = db.conn.execute("SELECT data FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def count_attempt(db: sqlite_utils.Database, job_id: int, at: str) -> None:
    """An attempt that failed before it could take the job (e.g. its printer is gone)."""
    db.conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
        (at, job_id),
    )


def set_data(db: sqlite_utils.Database, job_id: int, data: bytes, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET data = ?, updated_at = ? WHERE id = ?", (data, at, job_id)
    )


def finish(db: sqlite_utils.Database, job_id: int, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET status = 'done', reason = '', next_attempt_at = NULL,"
        " updated_at = ?, done_at = ? WHERE id = ?",
        (at, at, job_id),
    )


def fail(db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET status = 'failed', reason = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ?",
        (reason, retry_at, at, job_id),
    )


def wait(
    db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str | None, at: str
) -> None:
    """Leave a job queued (e.g. no printer configured yet), with why and when to look again."""
    db.conn.execute(
        "UPDATE print_jobs SET status = 'queued', reason = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ?",
        (reason, retry_at, at, job_id),
    )


def retry_now(db: sqlite_utils.Database, job_id: int, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET status = 'queued', next_attempt_at = NULL, updated_at = ?"
        " WHERE id = ?",
        (at, job_id),
    )


def was_printed(db: sqlite_utils.Database, kind: str, target: str) -> bool:
    """Whether a document already came out of a printer (so another copy is a reprint)."""
    row = db.conn.execute(
        "SELECT 1 FROM print_jobs WHERE kind = ? AND target = ? AND status = 'done' LIMIT 1",
        (kind, target),
    ).fetchone()
    return row is not None


def hold(
    db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str, at: str, *, counted: bool
) -> None:
    """Put a job back to `queued` to wait for its printer to be ready, with why. `counted`:
    the attempt counts (bytes were sent); a job refused before sending gives it back."""
    db.conn.execute(
        "UPDATE print_jobs SET status = 'queued', reason = ?, next_attempt_at = ?,"
        " updated_at = ?, attempts = max(attempts - ?, 0) WHERE id = ?",
        (reason, retry_at, at, 0 if counted else 1, job_id),
    )


def note_waiting(db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str) -> None:
    """A queued job waits behind another for the same printer: why, and when to look again."""
    db.conn.execute(
        "UPDATE print_jobs SET reason = ?, next_attempt_at = ? WHERE id = ? AND status = 'queued'",
        (reason, retry_at, job_id),
    )


@dataclass(frozen=True, slots=True)
class PrinterState:
    """What a printer last said about itself: a state of `printers.status.STATES`."""

    printer: str
    state: str
    message: str
    checked_at: str


def set_printer_state(
    db: sqlite_utils.Database, printer: str, state: str, message: str, at: str
) -> None:
    db.conn.execute(
        "INSERT INTO printer_status (printer, state, message, checked_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (printer) DO UPDATE SET state = excluded.state,"
        " message = excluded.message, checked_at = excluded.checked_at",
        (printer, state, message, at),
    )


def printer_states(db: sqlite_utils.Database) -> list[PrinterState]:
    return [
        PrinterState(*row)
        for row in db.conn.execute(
            "SELECT printer, state, message, checked_at FROM printer_status ORDER BY printer"
        )
    ]
