"""Rows of the print queue: jobs with their rendered bytes, state, attempts and next try.

Times are ISO-8601 strings in Asia/Shanghai written by the use cases, so comparing them as
text orders them in time. A job with no `data` is rendered when the worker first takes it
(packing queues labels by kind and target only).

A worker claims a job (`claim`: queued or failed → sending, with its name and time) and each
claim is one row of `print_sends`, carrying whether that send was a reprint (补打) and how it
ended. A job's current claim is its latest send: a worker only finishes its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from picker.domain.states import PrintJobState, SendOutcome

if TYPE_CHECKING:
    import sqlite_utils


JOB_COLUMNS = (
    "id, kind, target, printer, reprint, status, attempts, reason, next_attempt_at,"
    " created_at, updated_at, done_at, length(data), claimed_by, claimed_at"
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
    #: The worker that last claimed the job for a send, and when ('' and None: never).
    claimed_by: str = ""
    claimed_at: str | None = None


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


#: A job nobody holds: never tried, or waiting for its next try.
_UNCLAIMED = (PrintJobState.QUEUED, PrintJobState.FAILED)
#: Unclaimed and its next try has come; parameters: *_UNCLAIMED, now.
_DUE = "status IN (?, ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
#: The job's current claim is its latest send.
_MINE = "(SELECT max(id) FROM print_sends WHERE job = print_jobs.id) = ?"


def due_jobs(db: sqlite_utils.Database, now: str, limit: int = 500) -> list[JobRow]:
    """Jobs to send now, oldest first: queued or failed ones whose next try has come."""
    return [
        _job(row)
        for row in db.conn.execute(
            f"SELECT {JOB_COLUMNS} FROM print_jobs WHERE {_DUE} ORDER BY id LIMIT ?",
            (*_UNCLAIMED, now, limit),
        )
    ]


def claim(
    db: sqlite_utils.Database, job_id: int, printer: str, worker: str, now: str
) -> int | None:
    """Mark a due job `sending` for `worker` and record the send; None when another worker
    took it meanwhile. Run it under `db.write` so the check and the change are one step."""
    cur = db.conn.execute(
        "UPDATE print_jobs SET status = ?, printer = ?, attempts = attempts + 1,"
        f" reason = '', updated_at = ?, claimed_by = ?, claimed_at = ? WHERE id = ? AND {_DUE}",
        (PrintJobState.SENDING, printer, now, worker, now, job_id, *_UNCLAIMED, now),
    )
    if cur.rowcount != 1:
        return None
    send = db.conn.execute(
        "INSERT INTO print_sends (job, printer, worker, reprint, started_at)"
        " SELECT id, printer, claimed_by, reprint, claimed_at FROM print_jobs WHERE id = ?",
        (job_id,),
    )
    return int(send.lastrowid or 0)


def _end_send(db: sqlite_utils.Database, send_id: int, outcome: SendOutcome, at: str) -> None:
    db.conn.execute(
        "UPDATE print_sends SET outcome = ?, ended_at = ? WHERE id = ?", (outcome, at, send_id)
    )


def stale_jobs(db: sqlite_utils.Database, claimed_before: str) -> list[JobRow]:
    """`sending` jobs claimed before `claimed_before`: their worker died or hangs."""
    return [
        _job(row)
        for row in db.conn.execute(
            f"SELECT {JOB_COLUMNS} FROM print_jobs WHERE status = ?"
            " AND coalesce(claimed_at, updated_at) < ? ORDER BY id",
            (PrintJobState.SENDING, claimed_before),
        )
    ]


def hold_stale(
    db: sqlite_utils.Database, job_id: int, claimed_before: str, reason: str, at: str
) -> bool:
    """Hold a stale `sending` job for the lead: the printer may have taken it. Its open send
    ends as `unknown`. False when the job finished or was held meanwhile."""
    cur = db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = ?, next_attempt_at = NULL,"
        " updated_at = ? WHERE id = ? AND status = ?"
        " AND coalesce(claimed_at, updated_at) < ?",
        (PrintJobState.HELD, reason, at, job_id, PrintJobState.SENDING, claimed_before),
    )
    if cur.rowcount != 1:
        return False
    db.conn.execute(
        "UPDATE print_sends SET outcome = ?, ended_at = ? WHERE job = ? AND outcome = ?",
        (SendOutcome.UNKNOWN, at, job_id, SendOutcome.SENDING),
    )
    return True


def resend_held(db: sqlite_utils.Database, job_id: int, at: str, *, render_again: bool) -> bool:
    """A held job queued again as a reprint; `render_again` drops its bytes so the worker
    renders it with the 补打 mark. False unless the job is held."""
    cur = db.conn.execute(
        "UPDATE print_jobs SET status = ?, reprint = 1, reason = '',"
        " next_attempt_at = NULL, updated_at = ?,"
        " data = CASE WHEN ? THEN NULL ELSE data END WHERE id = ? AND status = ?",
        (PrintJobState.QUEUED, at, int(render_again), job_id, PrintJobState.HELD),
    )
    return cur.rowcount == 1


def mark_held_printed(db: sqlite_utils.Database, job_id: int, at: str) -> bool:
    """The lead saw a held job on paper: it is done, and its unknown send counts as done."""
    cur = db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = '', next_attempt_at = NULL,"
        " updated_at = ?, done_at = ? WHERE id = ? AND status = ?",
        (PrintJobState.DONE, at, at, job_id, PrintJobState.HELD),
    )
    if cur.rowcount != 1:
        return False
    db.conn.execute(
        "UPDATE print_sends SET outcome = ? WHERE id ="
        " (SELECT max(id) FROM print_sends WHERE job = ? AND outcome = ?)",
        (SendOutcome.DONE, job_id, SendOutcome.UNKNOWN),
    )
    return True


@dataclass(frozen=True, slots=True)
class SendRow:
    """One send of a job to a printer: by which worker, whether as a reprint (补打), and how
    it ended: `sending`, `done`, `failed`, `waiting` (the printer was not ready) or `unknown`
    (the worker stopped mid-send; the paper may or may not have come out)."""

    id: int
    job: int
    printer: str
    worker: str
    reprint: bool
    started_at: str
    ended_at: str | None
    outcome: str


def sends(db: sqlite_utils.Database, job_id: int) -> list[SendRow]:
    """The sends of a job, first first."""
    return [
        SendRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7])
        for r in db.conn.execute(
            "SELECT id, job, printer, worker, reprint, started_at, ended_at, outcome"
            " FROM print_sends WHERE job = ? ORDER BY id",
            (job_id,),
        )
    ]


def job_data(db: sqlite_utils.Database, job_id: int) -> bytes | None:
    row = db.conn.execute("SELECT data FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def count_attempt(db: sqlite_utils.Database, job_id: int, at: str) -> None:
    """An attempt that failed before it could take the job (e.g. its printer is gone)."""
    db.conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, updated_at = ?"
        " WHERE id = ? AND status IN (?, ?)",
        (at, job_id, *_UNCLAIMED),
    )


def set_data(db: sqlite_utils.Database, job_id: int, data: bytes, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET data = ?, updated_at = ? WHERE id = ?", (data, at, job_id)
    )


def finish(db: sqlite_utils.Database, job_id: int, send_id: int, at: str) -> None:
    """The printer took every byte of this send: the job is done, also if it was held
    meanwhile (now it is known to have printed)."""
    _end_send(db, send_id, SendOutcome.DONE, at)
    db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = '', next_attempt_at = NULL,"
        f" updated_at = ?, done_at = ? WHERE id = ? AND status IN (?, ?) AND {_MINE}",
        (PrintJobState.DONE, at, at, job_id, PrintJobState.SENDING, PrintJobState.HELD, send_id),
    )


def fail(
    db: sqlite_utils.Database,
    job_id: int,
    reason: str,
    retry_at: str,
    at: str,
    send_id: int | None = None,
) -> None:
    """A failed attempt, to be tried again at `retry_at`. With `send_id`, only while that
    send is the job's current claim (a job held meanwhile stays held); without, only while
    nobody has claimed the job."""
    if send_id is None:
        db.conn.execute(
            "UPDATE print_jobs SET status = ?, reason = ?, next_attempt_at = ?,"
            " updated_at = ? WHERE id = ? AND status IN (?, ?)",
            (PrintJobState.FAILED, reason, retry_at, at, job_id, *_UNCLAIMED),
        )
        return
    _end_send(db, send_id, SendOutcome.FAILED, at)
    db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = ?, next_attempt_at = ?,"
        f" updated_at = ? WHERE id = ? AND status = ? AND {_MINE}",
        (PrintJobState.FAILED, reason, retry_at, at, job_id, PrintJobState.SENDING, send_id),
    )


def wait(
    db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str | None, at: str
) -> None:
    """Leave a job queued (e.g. no printer configured yet), with why and when to look again."""
    db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ? AND status IN (?, ?)",
        (PrintJobState.QUEUED, reason, retry_at, at, job_id, *_UNCLAIMED),
    )


def retry_now(db: sqlite_utils.Database, job_id: int, at: str) -> None:
    db.conn.execute(
        "UPDATE print_jobs SET status = ?, next_attempt_at = NULL, updated_at = ? WHERE id = ?",
        (PrintJobState.QUEUED, at, job_id),
    )


def was_printed(db: sqlite_utils.Database, kind: str, target: str) -> bool:
    """Whether a document already came out of a printer (so another copy is a reprint)."""
    row = db.conn.execute(
        "SELECT 1 FROM print_jobs WHERE kind = ? AND target = ? AND status = ? LIMIT 1",
        (kind, target, PrintJobState.DONE),
    ).fetchone()
    return row is not None


def hold(
    db: sqlite_utils.Database,
    job_id: int,
    send_id: int,
    reason: str,
    retry_at: str,
    at: str,
    *,
    counted: bool,
) -> None:
    """Put a job back to `queued` to wait for its printer to be ready, with why. `counted`:
    the attempt counts (bytes were sent); a job refused before sending gives it back."""
    _end_send(db, send_id, SendOutcome.WAITING, at)
    db.conn.execute(
        "UPDATE print_jobs SET status = ?, reason = ?, next_attempt_at = ?,"
        " updated_at = ?, attempts = max(attempts - ?, 0)"
        f" WHERE id = ? AND status = ? AND {_MINE}",
        (
            PrintJobState.QUEUED,
            reason,
            retry_at,
            at,
            0 if counted else 1,
            job_id,
            PrintJobState.SENDING,
            send_id,
        ),
    )


def note_waiting(db: sqlite_utils.Database, job_id: int, reason: str, retry_at: str) -> None:
    """A queued job waits behind another for the same printer: why, and when to look again."""
    db.conn.execute(
        "UPDATE print_jobs SET reason = ?, next_attempt_at = ? WHERE id = ? AND status = ?",
        (reason, retry_at, job_id, PrintJobState.QUEUED),
    )


def note_unassigned(db: sqlite_utils.Database, job_id: int, reason: str) -> None:
    """Why a job nobody has tried yet waits (no printer for it here), unless it was taken."""
    db.conn.execute(
        "UPDATE print_jobs SET reason = ? WHERE id = ? AND status = ? AND reason = ''"
        " AND attempts = 0",
        (reason, job_id, PrintJobState.QUEUED),
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
