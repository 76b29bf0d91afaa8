"""The crating flow at the end of packing: scan a crate (or start a new one), scan bags in.

One packer on one terminal. A crate label's code makes that crate the current one (a crate
reused from an earlier day is filled again); the command codes below (also on the screen's
keys) start a new crate, close the current one by hand, arm the next bag to be *moved* here
from the crate it is in, or print the current crate's label again (补打). After a crate
closes, full or by hand, the next bag starts a new crate of that bag's committee. A bag that
does not fit closes the crate and goes into the next one: a new crate numbered by itself
(`[crates] auto_ids`), or, where crates are only scanned, the bag waits in the session until
a crate of its committee is scanned. However fast bags come, none is left in no crate.

Like `LoadSession` it holds no connection: every call uses the calling thread's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import db
from db import catalog as catalog_rows
from db import crates as rows
from db import dispatch as dispatch_rows
from picker.app.config import Settings
from picker.app.context import Context
from picker.app.crate_changes import (
    CRATE_REASONS,
    CrateChanges,
    CrateRejected,
    crate_reason_text,
)
from picker.app.crate_outcomes import CrateResult, CrateView
from picker.app.crates import Crates
from picker.app.floor import Floor
from picker.domain.crating import Fit
from picker.domain.scanning import ScanIndex, resolve
from picker.domain.scans import ScanError, ScanKind
from picker.domain.scans import reason_text as scan_reason_text
from picker.domain.states import CrateState, ScanOutcome
from picker.i18n import _

#: Command codes of crating, printed on the command sheet and sent by the screen's keys.
CRATE_COMMANDS: dict[str, str] = {
    "CMD-CRATE-NEW": "new",
    "CMD-CRATE-CLOSE": "close",
    "CMD-CRATE-MOVE": "move",
    "CMD-CRATE-LABEL": "label",
}


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where a scanned bag went (crate None: it waits), and the crate it closed as full."""

    crate: int | None
    bag: dispatch_rows.BagRow
    closed: str | None
    source: rows.CrateRow | None
    #: The next bag starts a new crate.
    pending_new: bool


class CrateSession:
    """One packer putting bags into crates on one terminal."""

    def __init__(
        self,
        ctx: Context,
        floor: Floor,
        crating: Crates,
        changes: CrateChanges,
        operator: str,
        terminal: str = "",
    ) -> None:
        self.ctx = ctx
        self.crating = crating
        self.changes = changes
        floor.operator(operator)
        self.operator = operator
        self.terminal = terminal
        self.catalog = ctx.catalog()
        self.index = ScanIndex.build(self.catalog, catalog_rows.load_operators(ctx.db))
        self.crate: int | None = None
        """The current crate's fill (row id); it may be closed."""
        self.pending_new = False
        self.moving = False
        self.waiting: dict[str, bool] = {}
        """Bags waiting for a crate to be scanned, in scan order, with whether each moves."""

    def scan(self, raw: str) -> CrateResult:
        """Apply one code: a crate label, a bag label or a crating command. Never raises for
        a bad code: it is refused, logged, and the result says why."""
        raw = raw.strip("\r\n")
        command = CRATE_COMMANDS.get(raw.strip().upper())
        if command is not None:
            return self._command(raw, command)
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params)
        if scan.kind is ScanKind.CRATE and scan.ref is not None:
            return self._open(raw, scan.ref)
        if scan.kind is ScanKind.BAG and scan.ref is not None:
            return self._bag(raw, scan.ref)
        return self._reject(raw, "not_a_bag_or_crate", (("kind", scan.kind.value),))

    def new_crate(self) -> CrateResult:
        return self.scan("CMD-CRATE-NEW")

    def close(self) -> CrateResult:
        return self.scan("CMD-CRATE-CLOSE")

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def disconnect(self) -> None:
        """Close the calling thread's connection (a worker thread that is done)."""
        self.ctx.close()

    def view(self) -> CrateView:
        """The current crate as it is now."""
        row = rows.get(self.ctx.db, self.crate) if self.crate is not None else None
        waiting = tuple(self.waiting)
        if row is None:
            return CrateView(None, pending_new=self.pending_new, waiting=waiting)
        lines = tuple(
            (b.bag, "-".join(p for p in (b.building, b.unit, b.room) if p))
            for b in rows.bags_in(self.ctx.db, row.id)
        )
        return CrateView(
            self.crating.crate_info(row), lines, self.pending_new, self.moving, waiting
        )

    def _open(self, raw: str, code: str) -> CrateResult:
        conn = self.ctx.db
        scan_id = 0
        placed: list[str] = []
        dropped: list[str] = []
        closed: str | None = None
        try:
            with db.write(conn):
                last = rows.latest(conn, code)
                today = self.changes.day()
                if last is not None and last.status == CrateState.CLOSED and last.day == today:
                    # Shown, not filled: its label can be checked or printed again (F4).
                    row = last
                    scan_id = self.changes.log(
                        raw,
                        ScanOutcome.ACCEPTED,
                        self.operator,
                        self.terminal,
                        crate=code,
                        action="show",
                    )
                else:
                    row = self.changes.open(code, None, self.operator, self.terminal, raw)
                    closed = self._fill_waiting(row, raw, placed, dropped)
        except CrateRejected as exc:
            return self._reject(raw, exc.reason, exc.params)
        for bag in (*placed, *dropped):
            del self.waiting[bag]
        self.crate, self.pending_new, self.moving = row.id, closed is not None, False
        result = self._result(raw, True, "crate", row.id, scan_id=scan_id)
        return replace(result, placed=tuple(placed), closed_crate=closed)

    def _fill_waiting(
        self, row: rows.CrateRow, raw: str, placed: list[str], dropped: list[str]
    ) -> str | None:
        """Put the waiting bags of the crate's committee into it, in scan order, until it is
        full; returns its code if that closed it. A bag that may no longer go into any crate
        is refused and logged; bags of other committees wait on."""
        for bag_id, move in self.waiting.items():
            bag = dispatch_rows.get_bag(self.ctx.db, bag_id)
            if bag is not None and bag.committee != row.committee:
                continue
            try:
                _bag, fits, _source = self.changes.put(
                    row, bag_id, self.operator, self.terminal, raw, move=move
                )
            except CrateRejected as exc:
                if exc.reason == "crate_full":
                    return row.code
                self.changes.log(
                    raw,
                    ScanOutcome.REJECTED,
                    self.operator,
                    self.terminal,
                    exc.bag,
                    exc.reason,
                    exc.params,
                )
                dropped.append(bag_id)
                continue
            placed.append(bag_id)
            if fits is Fit.FILLS:
                return row.code
            current = rows.get(self.ctx.db, row.id)
            assert current is not None
            row = current
        return None

    def _bag(self, raw: str, bag_id: str) -> CrateResult:
        moving, self.moving = self.moving, False
        if bag_id in self.waiting:
            found = dispatch_rows.get_bag(self.ctx.db, bag_id)
            return self._reject(raw, "bag_waiting", (("bag", bag_id),), found)
        refused: CrateRejected | None = None
        scan_id: int | None = None
        with db.write(self.ctx.db):
            try:
                placed = self._place(raw, bag_id, moving)
            except CrateRejected as exc:
                refused = exc
                # In the same transaction: a crate closed as too full stays closed.
                scan_id = self.changes.log(
                    raw,
                    ScanOutcome.REJECTED,
                    self.operator,
                    self.terminal,
                    exc.bag,
                    exc.reason,
                    exc.params,
                )
        if refused is not None:
            return self._reject(raw, refused.reason, refused.params, refused.bag, scan_id)
        # The session changes only once the transaction is durable.
        self.pending_new = placed.pending_new
        if placed.crate is None:
            self.waiting[bag_id] = moving
            result = self._result(raw, True, "bag", None, bag_id=bag_id)
            message = _("scan a crate for bag {bag}", bag=bag_id)
            if placed.closed:
                full = _("{crate} is full: closed, its label is printing", crate=placed.closed)
                message = f"{full}; {message}"
            return replace(result, message=message, closed_crate=placed.closed)
        self.crate = placed.crate
        result = self._result(raw, True, "bag", placed.crate, bag_id=placed.bag.id)
        return replace(
            result,
            closed_crate=placed.closed,
            moved_from=placed.source.code if placed.source else None,
        )

    def _place(self, raw: str, bag_id: str, move: bool) -> _Placed:
        """Put a bag into the current crate; if the crate is full (or was closed), into the
        next one: a new crate of the bag's committee, or none yet (the bag waits) where new
        crate ids are not made up. Runs inside the caller's transaction."""
        closed: str | None = None
        if not self.pending_new:
            current = rows.get(self.ctx.db, self.crate) if self.crate is not None else None
            if current is None:
                raise CrateRejected("no_crate")
            try:
                bag, fits, source = self.changes.put(
                    current, bag_id, self.operator, self.terminal, raw, move=move
                )
            except CrateRejected as exc:
                if exc.reason != "crate_full":
                    raise
                closed = current.code  # closed as full: the bag goes on to the next crate
            else:
                filled = fits is Fit.FILLS
                return _Placed(current.id, bag, current.code if filled else None, source, filled)
        if not self.ctx.settings.crate_auto_ids:
            bag = self.changes.wait(bag_id, self.operator, self.terminal, raw, move=move)
            return _Placed(None, bag, closed, None, True)
        committee = self.changes.bag(bag_id).committee
        # A refused first bag leaves no empty crate.
        with db.savepoint(self.ctx.db, "new_crate"):
            row = self.changes.open(None, committee, self.operator, self.terminal, bag_id)
            bag, fits, source = self.changes.put(
                row, bag_id, self.operator, self.terminal, raw, move=move
            )
        filled = fits is Fit.FILLS
        return _Placed(row.id, bag, row.code if filled else closed, source, filled)

    def _command(self, raw: str, command: str) -> CrateResult:
        current = rows.get(self.ctx.db, self.crate) if self.crate is not None else None
        if command == "new":
            self.pending_new, self.moving = True, False
            return self._result(raw, True, "command", self.crate)
        if current is None or (command != "label" and current.status != CrateState.OPEN):
            return self._reject(raw, "no_crate", ())
        if command == "move":
            self.moving = True
            return self._result(raw, True, "command", current.id)
        if command == "label":
            if current.status == CrateState.OPEN:
                return self._reject(raw, "label_when_closed", (("crate", current.code),))
            self.crating.reprint_crate_label(current.code)
            return self._result(raw, True, "command", current.id)
        with db.write(self.ctx.db):
            closed = self.changes.close(current, self.operator, self.terminal, raw, "hand")
        self.pending_new, self.moving = True, False
        self.crate = closed.id if closed else None
        result = self._result(raw, True, "command", self.crate)
        return replace(result, closed_crate=current.code if closed else None)

    def _reject(
        self,
        raw: str,
        reason: str,
        params: tuple[tuple[str, str], ...],
        bag: dispatch_rows.BagRow | None = None,
        scan_id: int | None = None,
    ) -> CrateResult:
        """A refusal as a result; logged here unless the caller logged it (`scan_id`)."""
        if scan_id is None:
            with db.write(self.ctx.db):
                scan_id = self.changes.log(
                    raw, ScanOutcome.REJECTED, self.operator, self.terminal, bag, reason, params
                )
        if reason in CRATE_REASONS:
            message = crate_reason_text(reason, params)
        else:
            message = scan_reason_text(reason, params)
        result = self._result(raw, False, "bag" if bag else "", self.crate, scan_id=scan_id)
        return replace(
            result,
            reason=reason,
            message=message,
            bag=bag.id if bag else None,
            household=bag.order_no if bag else None,
        )

    def _result(
        self,
        raw: str,
        accepted: bool,
        kind: str,
        crate: int | None,
        *,
        bag_id: str | None = None,
        scan_id: int = 0,
    ) -> CrateResult:
        row = rows.get(self.ctx.db, crate) if crate is not None else None
        bag = dispatch_rows.get_bag(self.ctx.db, bag_id) if bag_id else None
        committee = self.catalog.committees.get(row.committee) if row else None
        return CrateResult(
            raw=raw,
            accepted=accepted,
            kind=kind,
            bag=bag_id,
            household=bag.order_no if bag else None,
            scan_id=scan_id,
            crate=row.code if row else None,
            committee=row.committee if row else None,
            committee_name=committee.name if committee else None,
            crate_bags=row.bags if row else 0,
            max_bags=row.max_bags if row else 0,
            waiting=tuple(self.waiting),
        )
