"""The steps that change crates, each run inside the caller's write transaction.

`Crates` (the use cases) and `CrateSession` (the scanning flow) share them, so a bag put in
by a scan and by `picker crate move` passes the same checks. A refusal raises
`CrateRejected` with a reason code of `CRATE_REASONS`; every change writes a scan-log row
of stage `crate` (the crate and the action ride in its params).
"""

from __future__ import annotations

from db import crates as rows
from db import dispatch as dispatch_rows
from db import print_queue, scan_log
from picker.app.context import Service
from picker.domain.crating import Fit, fit
from picker.domain.ids import crate_id, parse_crate_id
from picker.domain.model import OrderStatus
from picker.domain.states import BagState, CrateState, ScanOutcome, state_label
from picker.errors import Conflict
from picker.i18n import N_, _

STAGE = "crate"

CRATE_REASONS: dict[str, str] = {
    "unknown_bag": N_("bag {bag} is unknown: it was never packed here"),
    "unknown_crate": N_("crate {crate} was never opened: scan it at the packing table first"),
    "no_crate": N_("no crate is open here: scan a crate label, or press F2 for a new crate"),
    "not_a_bag_or_crate": N_("a {kind} code is neither a bag nor a crate label"),
    "crate_closed": N_("crate {crate} is closed: put bag {bag} into a new crate"),
    "crate_closed_today": N_("crate {crate} was closed today with {bags} bags: use another crate"),
    "crate_not_emptied": N_(
        "crate {crate} still holds {bags} bags of {day} that never went on a truck: "
        "load them or move them out first"
    ),
    "wrong_committee": N_(
        "bag {bag} is for {committee}, not for {crate_committee} (crate {crate}): keep it out"
    ),
    "order_not_paid": N_("bag {bag}: order {order_no} is {status}, it goes in no crate"),
    "bag_open": N_("bag {bag} is still open: finish packing it first"),
    "already_loaded": N_("bag {bag} is on the truck of {route} already"),
    "in_this_crate": N_("bag {bag} is in this crate already"),
    "in_other_crate": N_(
        "bag {bag} is in crate {other} already: to move it here press F5, then scan it"
    ),
    "not_in_crate": N_("bag {bag} is in no crate"),
    "crate_full": N_(
        "crate {crate} is full ({bags} bags, {kg} kg): it is closed and its label printed; "
        "put bag {bag} into another crate"
    ),
    "bag_waiting": N_("bag {bag} is waiting for a crate already: scan a crate label"),
    "crate_loaded": N_("crate {crate} is on a truck already: it cannot change"),
    "label_when_closed": N_("crate {crate} is still open: its label prints when it is closed"),
}


def crate_reason_text(reason: str, params: tuple[tuple[str, str], ...]) -> str:
    """A crate refusal in the current language."""
    values = dict(params)
    for key in ("status", "kind"):
        if key in values:
            values[key] = state_label(values[key])
    return _(CRATE_REASONS.get(reason, reason)).format(**values)


class CrateRejected(Conflict):
    """A crate change that must not happen. Logged, never applied."""

    def __init__(
        self, reason: str, bag: dispatch_rows.BagRow | None = None, /, **params: object
    ) -> None:
        self.reason = reason
        self.bag = bag
        self.params = tuple((k, str(v)) for k, v in params.items())
        super().__init__(crate_reason_text(reason, self.params))


class CrateChanges(Service):
    """Transaction steps on crates, each inside the caller's write transaction."""

    def day(self) -> str:
        """Today by the clock: the day a crate is filled on."""
        return self.clock().date().isoformat()

    def latest(self, code: str) -> rows.CrateRow:
        """The latest fill of a crate, or `unknown_crate`."""
        row = rows.latest(self.db, code)
        if row is None:
            raise CrateRejected("unknown_crate", crate=code)
        return row

    def open(
        self, code: str | None, committee: str | None, operator: str, terminal: str, raw: str
    ) -> rows.CrateRow:
        """The open fill of crate `code`, or a new fill of it today; with no code, a new
        crate numbered after every crate `committee` ever had."""
        day = self.day()
        if code is None:
            if committee is None:
                raise CrateRejected("no_crate")
            numbers = [p[1] for c in rows.codes_of(self.db, committee) if (p := parse_crate_id(c))]
            code = crate_id(committee, max(numbers, default=0) + 1)
        else:
            last = rows.latest(self.db, code)
            if last is not None and last.status == CrateState.OPEN:
                return last
            if last is not None and last.day == day:
                raise CrateRejected("crate_closed_today", crate=code, bags=last.bags)
            if last is not None and last.loaded < last.bags:
                # A crate reused while yesterday's bags are still in it would lose them.
                raise CrateRejected(
                    "crate_not_emptied", crate=code, bags=last.bags - last.loaded, day=last.day
                )
            parsed = parse_crate_id(code)
            assert parsed is not None
            committee = parsed[0]
        cap = self.settings.crate_capacity
        crate = rows.insert(
            self.db,
            code=code,
            committee=committee,
            day=day,
            max_bags=cap.max_bags,
            max_grams=cap.max_grams,
            at=self.now(),
            by=operator,
        )
        self.log(raw or code, ScanOutcome.ACCEPTED, operator, terminal, crate=code, action="open")
        row = rows.get(self.db, crate)
        assert row is not None
        return row

    def put(
        self,
        row: rows.CrateRow,
        bag_id: str,
        operator: str,
        terminal: str,
        raw: str,
        *,
        move: bool = False,
    ) -> tuple[dispatch_rows.BagRow, Fit, rows.CrateRow | None]:
        """Put a closed bag of the crate's committee into it with every check, and log it;
        with `move`, also out of the crate it is in. Returns (bag, fit, crate it left). A
        crate the bag fills is closed; a crate too full for it is closed and the bag refused."""
        bag = self.bag(bag_id)
        if row.status != CrateState.OPEN:
            raise CrateRejected("crate_closed", bag, crate=row.code, bag=bag_id)
        if bag.committee != row.committee:
            names = {c.code: c.name for c in self.catalog().committees.values()}
            raise CrateRejected(
                "wrong_committee",
                bag,
                bag=bag_id,
                committee=names.get(bag.committee, bag.committee),
                crate_committee=names.get(row.committee, row.committee),
                crate=row.code,
            )
        source = self._ready(bag, into=row.id, move=move)
        grams = rows.bag_grams(self.db, bag_id)
        fits = fit(row.bags, row.grams, grams, self.settings.crate_capacity)
        if fits is Fit.FULL:
            self.close(row, operator, terminal, row.code, "full")
            kg = f"{row.grams / 1000:g}"
            raise CrateRejected("crate_full", bag, crate=row.code, bags=row.bags, kg=kg, bag=bag_id)
        now = self.now()
        rows.put(self.db, bag=bag_id, crate_id=row.id, at=now, operator=operator, grams=grams)
        action = "move" if source else "add"
        moved_from = source.code if source else ""
        self.log(
            raw,
            ScanOutcome.ACCEPTED,
            operator,
            terminal,
            bag,
            crate=row.code,
            action=action,
            moved_from=moved_from,
        )
        if source is not None and source.status == CrateState.CLOSED:
            self._queue_label(source.code, source.day, reprint=True)  # its bag count changed
        if fits is Fit.FILLS:
            filled = rows.get(self.db, row.id)
            assert filled is not None
            self.close(filled, operator, terminal, row.code, "full")
        return bag, fits, source

    def bag(self, bag_id: str) -> dispatch_rows.BagRow:
        """A bag by its id, or `unknown_bag`."""
        bag = dispatch_rows.get_bag(self.db, bag_id)
        if bag is None:
            raise CrateRejected("unknown_bag", bag=bag_id)
        return bag

    def _ready(
        self, bag: dispatch_rows.BagRow, *, into: int | None, move: bool
    ) -> rows.CrateRow | None:
        """Check that a bag may go into a crate (crate `into`, or one still to be scanned):
        paid, closed, not loaded, in no other crate unless moved. Returns the crate it is in."""
        if bag.order_status != OrderStatus.PAID:
            raise CrateRejected(
                "order_not_paid", bag, bag=bag.id, order_no=bag.order_no, status=bag.order_status
            )
        if bag.status != BagState.CLOSED:
            raise CrateRejected("bag_open", bag, bag=bag.id)
        load = dispatch_rows.get_load(self.db, bag.id)
        if load is not None:
            onto = dispatch_rows.get_route(self.db, load.route)
            raise CrateRejected(
                "already_loaded", bag, bag=bag.id, route=onto.name if onto else load.route
            )
        source = rows.crate_of_bag(self.db, bag.id)
        if source is not None and source.id == into:
            raise CrateRejected("in_this_crate", bag, bag=bag.id)
        if source is not None and not move:
            # Moving is explicit: a bag scanned into a second crate is a mistake until said.
            raise CrateRejected("in_other_crate", bag, bag=bag.id, other=source.code)
        return source

    def wait(
        self, bag_id: str, operator: str, terminal: str, raw: str, *, move: bool = False
    ) -> dispatch_rows.BagRow:
        """Check a bag that waits for the next crate to be scanned, and log that it waits."""
        bag = self.bag(bag_id)
        self._ready(bag, into=None, move=move)
        self.log(raw, ScanOutcome.ACCEPTED, operator, terminal, bag, crate="", action="wait")
        return bag

    def take_out(self, bag_id: str, operator: str, terminal: str, raw: str) -> str:
        """Take a bag out of its crate; returns the crate's code. A closed crate gets its
        label again (its bag count changed)."""
        source = rows.crate_of_bag(self.db, bag_id)
        bag = dispatch_rows.get_bag(self.db, bag_id)
        if source is None:
            raise CrateRejected("not_in_crate", bag, bag=bag_id)
        if source.loaded:
            raise CrateRejected("crate_loaded", bag, crate=source.code)
        rows.take_out(self.db, bag_id)
        self.log(
            raw,
            ScanOutcome.ACCEPTED,
            operator,
            terminal,
            bag,
            crate="",
            action="take_out",
            moved_from=source.code,
        )
        if source.status == CrateState.CLOSED:
            self._queue_label(source.code, source.day, reprint=True)
        return source.code

    def close(
        self, row: rows.CrateRow, operator: str, terminal: str, raw: str, why: str
    ) -> rows.CrateRow | None:
        """Close a crate as crate k of its committee's day and queue its label, once; an
        empty one is given up (None). Labels say k alone until the committee's crates are
        complete (`rows.final_count`); earlier ones are never printed again by themselves."""
        if not row.bags:
            rows.delete_empty(self.db, row.id)
            self.log(
                raw, ScanOutcome.ACCEPTED, operator, terminal, crate=row.code, action="abandon"
            )
            return None
        seq = rows.next_seq(self.db, row.committee, row.day)
        rows.close(self.db, row.id, seq=seq, at=self.now(), by=operator)
        self._queue_label(row.code, row.day, reprint=False)
        n = rows.final_count(self.db, row.committee, row.day)
        self.log(
            raw,
            ScanOutcome.ACCEPTED,
            operator,
            terminal,
            crate=row.code,
            action="close",
            why=why,
            k=str(seq),
            n=str(n or ""),
        )
        return rows.get(self.db, row.id)

    def _queue_label(self, code: str, day: str, *, reprint: bool) -> int:
        """Queue a crate's committee label; the print worker renders it for its printer."""
        return print_queue.insert_job(
            self.db,
            kind="crate",
            target=f"{code}@{day}",
            printer="",
            reprint=reprint,
            data=None,
            reason="",
            at=self.now(),
        )

    def log(
        self,
        raw: str,
        outcome: str,
        operator: str,
        terminal: str,
        bag: dispatch_rows.BagRow | None = None,
        reason: str = "",
        params: tuple[tuple[str, str], ...] = (),
        **extra: str,
    ) -> int:
        """One scan-log row of stage `crate`; the crate and the action ride in params."""
        return scan_log.log_bag_scan(
            self.db,
            bag,
            at=self.now(),
            operator=operator,
            terminal=terminal,
            stage=STAGE,
            raw=raw,
            outcome=outcome,
            kind="bag" if bag else "crate",
            reason=reason,
            params=(*params, *((k, v) for k, v in extra.items() if v)),
        )
