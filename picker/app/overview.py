"""Use cases of the terminal's front door and the lead's view: sign-in, the batch board,
progress per committee, shortages and refunds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import db
from db import catalog as catalog_rows
from db import overview as rows
from picker.app.context import Context, Service
from picker.app.floor import ClaimReport, Floor
from picker.app.sessions import ScanSession, Stage
from picker.domain import auth
from picker.domain.auth import SignedIn
from picker.domain.states import BatchState, RefundKind
from picker.errors import Conflict, NotFound
from picker.i18n import _

#: Batch states grouped as a lead reads them: waiting, being worked on, done.
WAITING = (BatchState.DRAFT, BatchState.RELEASED)
WORKING = (BatchState.CLAIMED, BatchState.PICKING, BatchState.PICKED)
DONE = (BatchState.PACKED, BatchState.CLOSED)
#: States of the batches on the board: they can still be claimed or resumed.
ON_BOARD = (BatchState.RELEASED, *WORKING)


@dataclass(frozen=True, slots=True)
class CommitteeProgress:
    """One committee's row on the lead's dashboard."""

    code: str
    name: str
    subdistrict: str
    orders: int
    unbatched: int
    batches: dict[str, int]
    units: int
    picked: int
    #: Order lines refunded short or under weight; `unseen` counts the new ones among them.
    short_lines: int
    refunds: int
    refund_fen: int
    #: Short and under-weight refunds the lead has not marked seen yet.
    unseen: int
    rejects: int
    bags: int
    #: Closed bags in crates, crates closed, crates with every bag on a truck.
    crated: int = 0
    crates_closed: int = 0
    crates_loaded: int = 0

    def batch_count(self, states: tuple[str, ...]) -> int:
        return sum(self.batches.get(s, 0) for s in states)

    @property
    def percent(self) -> int | None:
        """Units picked of units to pick, in whole percent (None: nothing to pick yet)."""
        return self.picked * 100 // self.units if self.units else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows, read in one go."""

    committees: list[CommitteeProgress]
    print_jobs: dict[str, int]
    #: Pending import rejects with no (known) committee: in no row, but in the day's total.
    rejects_elsewhere: int = 0


@dataclass(frozen=True, slots=True)
class RefundRow:
    """A refund of a committee with the household and the product it is for."""

    id: int
    at: str
    kind: str
    order_no: str
    household: str
    product: str
    short_qty: int | None
    reason: str
    fen: int
    batch: str
    seen: bool
    committee: str = ""
    committee_name: str = ""


@dataclass(frozen=True, slots=True)
class BoardBatch:
    """A batch on the picker's board: what it is and who holds it."""

    id: str
    committee: str
    committee_name: str
    status: str
    orders: int
    #: Order lines of the batch's orders (as the orders screen counts them).
    lines: int
    #: Pick lines: one per product to walk to, as the pick screen counts them.
    pick_lines: int
    units: int
    picked: int
    short: int
    holder: str | None
    holder_name: str
    terminal: str


class Overview(Service):
    """Sign-in and the lead's figures, over the floor's batches and claims."""

    def __init__(self, ctx: Context, floor: Floor) -> None:
        super().__init__(ctx)
        self.floor = floor

    def sign_in(self, code_or_badge: str, pin: str | None = None) -> SignedIn:
        """(code, name, role) of the operator with this badge or code, checked by PIN.

        See `picker.domain.auth.check_sign_in` for who needs the PIN. Wrong PINs are counted per
        operator in the warehouse file, so the lock-out holds across terminals and browser
        tabs. Raises `PinRequired` or `SignInRefused`. Takes ~20 ms when a PIN is checked
        (scrypt), outside any transaction: call it off the UI thread.
        """
        operators = catalog_rows.load_operators(self.db)
        found = auth.identify(operators, code_or_badge)
        if pin is None or found is None:
            return auth.check_sign_in(operators, code_or_badge, pin)
        code = found[0].code
        failures, until = rows.sign_in_failures(self.db, code)
        lock = auth.Lockout(failures=failures, until=until)
        now = self.clock().timestamp()
        wait = lock.wait(now)
        if wait:
            raise auth.SignInRefused(
                _("too many wrong PINs: try again in {seconds} s", seconds=math.ceil(wait))
            )
        try:
            who = auth.check_sign_in(operators, code_or_badge, pin)
        except auth.SignInRefused as exc:
            started = lock.failed(now)
            with db.write(self.db):
                rows.set_sign_in_failures(self.db, code, lock.failures, lock.until)
            if started:
                raise auth.SignInRefused(
                    _(
                        "wrong operator or PIN; sign-in is locked for {seconds} s",
                        seconds=round(lock.seconds),
                    )
                ) from exc
            raise
        if lock.failures:
            with db.write(self.db):
                rows.set_sign_in_failures(self.db, code, 0, 0.0)
        return who

    def session(
        self, batch_id: str, operator: str, terminal: str = "", stage: Stage | str = "pick"
    ) -> ScanSession:
        """A scanning session on a batch this operator holds (claim it first)."""
        return ScanSession(self.ctx, self.floor, batch_id, operator, terminal, stage)

    def open_batch(
        self, batch_id: str, operator: str, terminal: str = ""
    ) -> tuple[ClaimReport, ScanSession]:
        """Claim (or resume) a batch and open the session of its next stage.

        A picked batch opens for packing, any other for picking. When someone else holds it
        the `Conflict` names them, with their terminal.
        """
        try:
            report = self.floor.claim(batch_id, operator, terminal)
        except Conflict as exc:
            held = next((b for b in self.board() if b.id == batch_id), None)
            if held is None or not held.holder or held.holder == operator:
                raise
            raise Conflict(
                _(
                    "Batch {batch} was taken by {name} ({code}) on terminal {terminal}.",
                    batch=batch_id,
                    name=held.holder_name,
                    code=held.holder,
                    terminal=held.terminal or "?",
                )
            ) from exc
        stage = "pack" if report.status == BatchState.PICKED else "pick"
        return report, self.session(batch_id, operator, terminal, stage)

    def dashboard(self) -> Dashboard:
        """Progress per committee and the print queue's counts."""
        return Dashboard(
            [CommitteeProgress(**r) for r in rows.committee_progress(self.db)],
            rows.print_job_counts(self.db),
            rows.rejects_without_committee(self.db),
        )

    def board(self) -> list[BoardBatch]:
        """Batches that can still be claimed or resumed (released up to picked), by id."""
        names = rows.operator_names(self.db)
        return [
            BoardBatch(
                id=b["id"],
                committee=b["committee"],
                committee_name=b["committee_name"],
                status=b["status"],
                orders=b["orders"],
                lines=b["lines"],
                pick_lines=b["skus"],
                units=b["units"],
                picked=b["picked"],
                short=b["short"],
                holder=b["holder"],
                holder_name=names.get(b["holder"], b["holder"] or ""),
                terminal=b["terminal"] or "",
            )
            for b in self.floor.batches()
            if b["status"] in ON_BOARD
        ]

    def committee_refunds(self, committee: str | None) -> list[RefundRow]:
        """The committee's refunds (short, under-weight, cancelled), oldest first; with None,
        every committee's (the lead's view of the whole day)."""
        if committee is not None and not rows.committee_exists(self.db, committee):
            raise NotFound(_("unknown committee {value!r}", value=committee))
        seen_upto: dict[str, int] = {}
        out = []
        for r in rows.committee_refunds(self.db, committee):
            code = r["committee"]
            if code not in seen_upto:
                seen_upto[code] = rows.seen_refund(self.db, code)
            seen = seen_upto[code]
            household = "-".join(p for p in (r["building"], r["unit"], r["room"]) if p)
            out.append(
                RefundRow(
                    id=r["id"],
                    at=r["at"],
                    kind=r["kind"],
                    order_no=r["order_no"],
                    household=household,
                    product=r["product"] or "",
                    short_qty=r["short_qty"],
                    reason=r["reason"],
                    fen=r["fen"],
                    batch=r["batch"] or "",
                    seen=r["id"] <= seen or r["kind"] == RefundKind.CANCEL,
                    committee=code,
                    committee_name=r["committee_name"] or code,
                )
            )
        return out

    def accept_shortages(self, committee: str, upto: int) -> None:
        """The lead has seen the committee's shortages up to refund `upto`.

        The engine allocated them by the configured policy when they were declared and the
        refunds are already on the ledger; accepting changes no money, it only clears them
        from the dashboard's 'new' count.
        """
        with db.write(self.db):
            rows.mark_refunds_seen(self.db, committee, upto)
