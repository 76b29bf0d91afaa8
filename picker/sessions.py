"""Scanning sessions: every code a picker or packer scans, applied and logged in one transaction.

The TUI's pick and pack screens and `picker scan` both drive a `ScanSession`. A scan is
resolved (pure), then inside one `BEGIN IMMEDIATE` transaction its effect is checked against
the batch as it is now, the quantities change and the scan log gets its row, accepted or
rejected. Only after COMMIT (synchronous=FULL) is the result returned: an acknowledged scan
survives a power cut.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import db
from db import floor as rows
from db import store
from picker.errors import Conflict, NotFound, PickerError
from picker.floor import state_label
from picker.i18n import N_, _
from picker.model import Address
from picker.packing import household_key, plan_bags
from picker.scanning import (
    SCALE_PRESETS,
    SCAN_REASONS,
    Command,
    Scan,
    ScanError,
    ScanIndex,
    ScanKind,
    bag_id,
    resolve,
)
from picker.shortage import Demand, ShortReason, allocate, amount_refund, weight_refund

if TYPE_CHECKING:
    from picker.warehouse import Warehouse


class Stage(enum.StrEnum):
    PICK = "pick"
    PACK = "pack"


REASONS: dict[str, str] = {
    "not_in_batch": N_("{product} is not on this batch's pick list"),
    "line_complete": N_("{product} is already complete ({needed})"),
    "over_pick": N_("too many {product}: {needed} needed, {done} done, this scan adds {qty}"),
    "not_held": N_("batch {batch} is held by {holder}, not by you"),
    "wrong_status": N_("batch {batch} is {status}: {stage} is not possible now"),
    "not_here": N_("a {kind} code does nothing while you {stage}"),
    "nothing_to_undo": N_("nothing to undo"),
    "bag_closed": N_("bag {bag} is already closed: ask the shift lead"),
    "nothing_open": N_("every line is done"),
    "not_for_household": N_("{product} is not in the order of {household}"),
    "order_cancelled": N_("order {order_no} was cancelled: do not pack it"),
    "pack_over": N_("too many {product} for {household}: {remaining} left to pack"),
    "not_weighed": N_("{product} is sold by weight: scan its scale label"),
    "command_not_here": N_("{command} does nothing while you {stage}"),
    "undo_refunded": N_("that scan settled a refund: ask the shift lead"),
}


def reason_text(reason: str, params: tuple[tuple[str, str], ...]) -> str:
    """A session or scan reason in the current language."""
    template = REASONS.get(reason) or SCAN_REASONS.get(reason) or reason
    values = dict(params)
    for key in ("stage", "status", "kind"):
        if key in values:
            values[key] = state_label(values[key])
    return _(template).format(**values)


class Rejected(PickerError):
    """A scan that does not fit the batch as it is now. Logged, never applied."""

    def __init__(self, reason: str, **params: object) -> None:
        self.reason = reason
        self.params = tuple((k, str(v)) for k, v in params.items())
        super().__init__(reason_text(reason, self.params))


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan did, as the screen and `picker scan` report it."""

    raw: str
    accepted: bool
    reason: str = ""
    message: str = ""
    kind: str = ""
    sku: str | None = None
    product: str | None = None
    qty: int | None = None
    grams: int | None = None
    #: (done, needed) of the line the scan went to.
    line: tuple[int, int] | None = None
    #: Pick: (units done, units in the batch). Pack: (households done, households).
    progress: tuple[int, int] = (0, 0)
    household: str | None = None
    bag: str | None = None
    #: Bags this scan closed: their labels are queued for printing.
    closed_bags: tuple[str, ...] = ()
    #: The stage of the batch is finished with this scan.
    stage_done: bool = False
    scan_id: int = 0
    refund_fen: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.raw,
            "outcome": "accepted" if self.accepted else "rejected",
            "reason": self.reason,
            "message": self.message,
            "kind": self.kind,
            "sku": self.sku,
            "product": self.product,
            "quantity": self.qty,
            "grams": self.grams,
            "line": list(self.line) if self.line else None,
            "progress": list(self.progress),
            "household": self.household,
            "bag": self.bag,
            "closed_bags": list(self.closed_bags),
            "stage_done": self.stage_done,
            "scan_id": self.scan_id,
            "refund_fen": self.refund_fen,
        }


@dataclass(slots=True)
class _Effect:
    """What the stage logic decided, to be logged and reported."""

    kind: str
    sku: str | None = None
    qty: int | None = None
    grams: int | None = None
    order_no: str | None = None
    bag: str | None = None
    line: tuple[int, int] | None = None
    closed_bags: list[str] = field(default_factory=list)
    refund_fen: int = 0
    undoes: int | None = None
    after_log: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Household:
    order_no: str
    address: Address
    name: str
    phone: str
    cancelled: bool


class ScanSession:
    """One operator scanning one batch at one stage, on one terminal."""

    def __init__(
        self, warehouse: Warehouse, batch_id: str, operator: str, terminal: str, stage: str
    ) -> None:
        self.wh = warehouse
        self.batch_id = batch_id
        self.operator = operator
        self.terminal = terminal
        self.stage = Stage(stage)
        warehouse.operator(operator)
        batch = rows.get_batch(warehouse.db, batch_id)
        if batch is None:
            raise NotFound(_("no batch {batch}", batch=batch_id))
        if batch.holder != operator:
            raise Conflict(
                _(
                    "batch {batch} is held by {holder}, not by you",
                    batch=batch_id,
                    holder=batch.holder or "-",
                )
            )
        self.catalog = warehouse.catalog()
        names = warehouse.settings.scale_layouts
        layouts = tuple(SCALE_PRESETS[n] for n in names) if names else None
        operators = store.load_operators(warehouse.db)
        self.index = (
            ScanIndex.build(self.catalog, operators, layouts)
            if layouts
            else ScanIndex.build(self.catalog, operators)
        )

    def _name(self, sku: str | None) -> str:
        if sku is None:
            return ""
        product = self.catalog.products.get(sku)
        return product.name if product else sku

    def scan(self, raw: str) -> ScanResult:
        """Apply one scanned (or typed) code. Never raises for a bad code: it is rejected."""
        raw = raw.strip("\r\n")
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params, kind="")
        return self._run(raw, lambda: self._apply(scan), kind=scan.kind.value, sku=scan.sku)

    def short(self, reason: ShortReason | str, sku: str | None = None) -> ScanResult:
        """Declare the rest of a line (the current one by default) short, with a reason."""
        reason = ShortReason(reason)
        raw = f"CMD-SHORT {reason.value}" + (f" {sku}" if sku else "")

        def apply() -> _Effect:
            self._check_batch()
            if self.stage is not Stage.PICK:
                raise Rejected("command_not_here", command="short", stage=self.stage.value)
            return self._short(reason, sku)

        return self._run(raw, apply, kind="command", sku=sku, reason=reason.value)

    def _log(self, raw: str, outcome: str, **fields: Any) -> int:
        return rows.log_scan(
            self.wh.db,
            at=self.wh._now(),
            operator=self.operator,
            terminal=self.terminal,
            batch_id=self.batch_id,
            stage=self.stage.value,
            raw=raw,
            outcome=outcome,
            **fields,
        )

    def _run(
        self,
        raw: str,
        apply: Callable[[], _Effect],
        *,
        kind: str,
        sku: str | None,
        reason: str = "",
    ) -> ScanResult:
        """Apply, log and commit in one transaction; a `Rejected` is logged instead."""
        try:
            with db.write(self.wh.db):
                effect = apply()
                scan_id = self._log(
                    raw,
                    "accepted",
                    kind=effect.kind,
                    sku=effect.sku,
                    qty=effect.qty,
                    grams=effect.grams,
                    order_no=effect.order_no,
                    bag=effect.bag,
                    undoes=effect.undoes,
                    reason=reason,
                )
                for what, value in effect.after_log:
                    self._after_log(what, value, scan_id)
                progress, done = self._progress()
        except Rejected as exc:
            return self._reject(raw, exc.reason, exc.params, kind=kind, sku=sku)
        return ScanResult(
            raw=raw,
            accepted=True,
            kind=effect.kind,
            sku=effect.sku,
            product=self._name(effect.sku) or None,
            qty=effect.qty,
            grams=effect.grams,
            line=effect.line,
            progress=progress,
            household=effect.order_no,
            bag=effect.bag,
            closed_bags=tuple(effect.closed_bags),
            stage_done=done,
            scan_id=scan_id,
            refund_fen=effect.refund_fen,
        )

    def _reject(
        self,
        raw: str,
        reason: str,
        params: tuple[tuple[str, str], ...],
        *,
        kind: str,
        sku: str | None = None,
    ) -> ScanResult:
        with db.write(self.wh.db):
            scan_id = self._log(
                raw, "rejected", kind=kind or None, sku=sku, reason=reason, params=params
            )
            progress, done = self._progress()
        return ScanResult(
            raw=raw,
            accepted=False,
            reason=reason,
            message=reason_text(reason, params),
            kind=kind,
            sku=sku,
            product=self._name(sku) or None,
            progress=progress,
            stage_done=done,
            scan_id=scan_id,
        )

    def _check_batch(self) -> rows.BatchRow:
        batch = rows.get_batch(self.wh.db, self.batch_id)
        assert batch is not None
        if batch.holder != self.operator:
            raise Rejected("not_held", batch=self.batch_id, holder=batch.holder or "-")
        allowed = ("claimed", "picking") if self.stage is Stage.PICK else ("picked",)
        if batch.status not in allowed:
            raise Rejected(
                "wrong_status", batch=self.batch_id, status=batch.status, stage=self.stage.value
            )
        return batch

    def _apply(self, scan: Scan) -> _Effect:
        batch = self._check_batch()
        if scan.kind is ScanKind.COMMAND:
            if scan.command is Command.UNDO:
                return self._undo()
            if scan.command is Command.SKIP and self.stage is Stage.PICK:
                return self._skip()
            if scan.command is Command.SHORT and self.stage is Stage.PICK:
                return self._short(ShortReason.OUT_OF_STOCK, None)
            raise Rejected("command_not_here", command=scan.command or "", stage=self.stage.value)
        if scan.kind not in (ScanKind.PRODUCT, ScanKind.WEIGHED):
            raise Rejected("not_here", kind=scan.kind.value, stage=self.stage.value)
        if self.stage is Stage.PICK:
            return self._pick(scan, batch)
        return self._pack(scan)

    # -- pick ---------------------------------------------------------------------------

    def _pick(self, scan: Scan, batch: rows.BatchRow) -> _Effect:
        assert scan.sku is not None
        conn = self.wh.db
        line = rows.pick_row(conn, self.batch_id, scan.sku)
        name = self._name(scan.sku)
        if line is None:
            raise Rejected("not_in_batch", product=name)
        if line.remaining <= 0:
            raise Rejected("line_complete", product=name, needed=line.needed)
        if scan.qty > line.remaining:
            raise Rejected(
                "over_pick",
                product=name,
                needed=line.needed - line.short,
                done=line.picked,
                qty=scan.qty,
            )
        rows.add_picked(conn, self.batch_id, scan.sku, scan.qty, scan.grams or 0)
        if batch.status == "claimed":
            rows.set_status(conn, self.batch_id, "picking")
        self._finish_pick_if_done()
        return _Effect(
            kind=scan.kind.value,
            sku=scan.sku,
            qty=scan.qty,
            grams=scan.grams,
            line=(line.picked + scan.qty, line.needed - line.short),
        )

    def _finish_pick_if_done(self) -> None:
        conn = self.wh.db
        lines = rows.pick_rows(conn, self.batch_id)
        if all(ln.remaining == 0 for ln in lines):
            rows.set_status(conn, self.batch_id, "picked")
            rows.add_event(
                conn,
                self.batch_id,
                at=self.wh._now(),
                event="picked",
                operator=self.operator,
                terminal=self.terminal,
            )

    def current_line(self) -> rows.PickRow | None:
        """The line to pick next: walk order, skipped lines at the end."""
        for line in rows.pick_rows(self.wh.db, self.batch_id):
            if line.remaining > 0:
                return line
        return None

    def pick_lines(self) -> list[rows.PickRow]:
        return rows.pick_rows(self.wh.db, self.batch_id)

    def _skip(self) -> _Effect:
        line = self.current_line()
        if line is None:
            raise Rejected("nothing_open")
        rows.skip_line(self.wh.db, self.batch_id, line.sku)
        return _Effect(kind="command", sku=line.sku)

    def _short(self, reason: ShortReason, sku: str | None) -> _Effect:
        conn = self.wh.db
        line = rows.pick_row(conn, self.batch_id, sku) if sku else self.current_line()
        if line is None:
            if sku:
                raise Rejected("not_in_batch", product=self._name(sku))
            raise Rejected("nothing_open")
        if line.remaining <= 0:
            raise Rejected("line_complete", product=self._name(line.sku), needed=line.needed)
        short = line.remaining
        policy = self.wh.settings.short_policy
        from datetime import datetime

        demands = [
            Demand(order_no, line_no, datetime.fromisoformat(paid), qty, price)
            for order_no, line_no, paid, qty, price in rows.demands(conn, self.batch_id, line.sku)
            if qty > 0
        ]
        # Units of cancelled orders are in the line too: they absorb a shortage first.
        covered = min(short, sum(d.qty for d in demands))
        allocations = allocate(demands, covered, policy) if covered else []
        rows.set_short(conn, self.batch_id, line.sku, short, reason.value)
        refund = 0
        for a in allocations:
            rows.add_line_short(
                conn,
                order_no=a.order_no,
                line_no=a.line_no,
                batch_id=self.batch_id,
                qty=a.short_qty,
                reason=reason.value,
                policy=policy.value,
            )
            refund += a.refund_fen
        effect = _Effect(kind="command", sku=line.sku, qty=short, refund_fen=refund)
        effect.after_log = [("short_refunds", (allocations, reason.value))]
        self._finish_pick_if_done()
        return effect

    def _after_log(self, what: str, value: Any, scan_id: int) -> None:
        """Writes that reference the scan's log row, in the same transaction."""
        conn = self.wh.db
        now = self.wh._now()
        if what == "short_refunds":
            allocations, reason = value
            for a in allocations:
                rows.add_refund(
                    conn,
                    order_no=a.order_no,
                    line_no=a.line_no,
                    kind="short",
                    fen=a.refund_fen,
                    reason=reason,
                    batch_id=self.batch_id,
                    scan_id=scan_id,
                    at=now,
                )
        elif what == "underweight":
            order_no, line_no, fen = value
            rows.add_refund(
                conn,
                order_no=order_no,
                line_no=line_no,
                kind="underweight",
                fen=fen,
                reason="underweight",
                batch_id=self.batch_id,
                scan_id=scan_id,
                at=now,
            )

    def _undo(self) -> _Effect:
        conn = self.wh.db
        last = rows.last_undoable(conn, self.batch_id, self.stage.value, self.operator)
        if last is None:
            raise Rejected("nothing_to_undo")
        scan_id, sku, qty, grams, order_no, bag = last
        if self.stage is Stage.PICK:
            rows.add_picked(conn, self.batch_id, sku, -qty, -(grams or 0))
            rows.set_status(conn, self.batch_id, "picking")
            line = rows.pick_row(conn, self.batch_id, sku)
            assert line is not None
            done = (line.picked, line.needed - line.short)
        else:
            bags = {b[0]: b for b in rows.bags_of(conn, order_no)}
            if bag in bags and bags[bag][4] == "closed":
                raise Rejected("bag_closed", bag=bag)
            if rows.refunds_of_scan(conn, scan_id):
                raise Rejected("undo_refunded")
            pack = self._pack_line(order_no, sku)
            rows.add_packed(conn, order_no, pack.line_no, -qty, -(grams or 0), 0)
            rows.add_to_bag(
                conn, bag_id=bag, order_no=order_no, batch_id=self.batch_id, k=0, n=0, items=-qty
            )
            done = (pack.packed - qty, pack.qty - pack.short)
        return _Effect(
            kind="undo",
            sku=sku,
            qty=-qty,
            grams=-(grams or 0) if grams else None,
            order_no=order_no,
            bag=bag,
            line=done,
            undoes=scan_id,
        )

    # -- pack ---------------------------------------------------------------------------

    def households(self) -> list[Household]:
        """The batch's households in hand-out order: building → unit → room."""
        found = [
            Household(no, Address(building, unit, room, community), name, phone, status != "paid")
            for no, status, community, building, unit, room, name, phone in rows.batch_households(
                self.wh.db, self.batch_id
            )
        ]
        found.sort(key=lambda h: household_key(h.address, h.order_no))
        return found

    def current_household(self) -> tuple[Household | None, list[rows.PackRow]]:
        """The household to pack now and its lines, or (None, []) when all are packed."""
        by_order: dict[str, list[rows.PackRow]] = {}
        for r in rows.pack_rows(self.wh.db, self.batch_id):
            by_order.setdefault(r.order_no, []).append(r)
        for h in self.households():
            if h.cancelled:
                continue
            lines = by_order.get(h.order_no, [])
            if any(r.remaining > 0 for r in lines):
                return h, lines
        return None, []

    def _pack_line(self, order_no: str, sku: str) -> rows.PackRow:
        for r in rows.pack_rows(self.wh.db, self.batch_id):
            if r.order_no == order_no and r.sku == sku:
                return r
        raise Rejected("not_for_household", product=self._name(sku), household=order_no)

    def _pack(self, scan: Scan) -> _Effect:
        assert scan.sku is not None
        conn = self.wh.db
        household, lines = self.current_household()
        name = self._name(scan.sku)
        if household is None:
            raise Rejected("nothing_open")
        label = household.address.short()
        line = next((r for r in lines if r.sku == scan.sku and r.remaining > 0), None)
        if line is None:
            cancelled = [h for h in self.households() if h.cancelled]
            for h in cancelled:
                if scan.sku in {ln.sku for ln in self._order_lines(h.order_no)}:
                    raise Rejected("order_cancelled", order_no=h.order_no)
            if any(r.sku == scan.sku for r in lines):
                raise Rejected("pack_over", product=name, household=label, remaining=0)
            raise Rejected("not_for_household", product=name, household=label)
        if scan.qty > line.remaining:
            raise Rejected("pack_over", product=name, household=label, remaining=line.remaining)
        product = self.catalog.products[scan.sku]
        grams = scan.grams or 0
        rows.add_packed(conn, line.order_no, line.line_no, scan.qty, grams, scan.amount_fen or 0)
        effect = _Effect(
            kind=scan.kind.value,
            sku=scan.sku,
            qty=scan.qty,
            grams=scan.grams,
            order_no=line.order_no,
            line=(line.packed + scan.qty, line.qty - line.short),
        )
        if product.weighed and line.remaining == scan.qty:
            fen = self._weight_refund(line, product, grams, scan.amount_fen or 0)
            if fen:
                effect.refund_fen = fen
                effect.after_log.append(("underweight", (line.order_no, line.line_no, fen)))
        # Bags: items go in packing order, spread evenly over the order's n bags.
        units = sum(r.qty - r.short for r in lines)
        weight = sum(self._line_grams(r) for r in lines)
        plan = plan_bags(units, weight, self.wh.settings.bag_capacity)
        done_before = sum(r.packed for r in lines)
        k = plan.bag_for(done_before)
        effect.bag = bag_id(line.order_no, k)
        rows.add_to_bag(
            conn,
            bag_id=effect.bag,
            order_no=line.order_no,
            batch_id=self.batch_id,
            k=k,
            n=plan.n,
            items=scan.qty,
        )
        now = self.wh._now()
        finished = done_before + scan.qty >= units
        for bid, bk, _n, items, status in rows.bags_of(conn, line.order_no):
            if status == "open" and (finished or items >= plan.per_bag or bk < k):
                rows.close_bag(conn, bid, now)
                rows.queue_print(conn, "label", bid, now)
                effect.closed_bags.append(bid)
        self._finish_pack_if_done()
        return effect

    def _order_lines(self, order_no: str) -> list[rows.PackRow]:
        return [
            rows.PackRow(no, ln, sku, qty, price, grams, 0, 0, 0, 0)
            for no, ln, sku, qty, price, grams in self.wh.db.conn.execute(
                "SELECT order_no, line_no, sku, qty, unit_price_fen, ordered_grams"
                " FROM order_lines WHERE order_no = ?",
                (order_no,),
            )
        ]

    def _line_grams(self, r: rows.PackRow) -> int:
        product = self.catalog.products[r.sku]
        return (r.qty - r.short) * product.unit_grams

    def _weight_refund(self, line: rows.PackRow, product: Any, grams: int, label_fen: int) -> int:
        """Refund owed for a weighed line now complete: under the tolerance, the difference."""
        units = line.qty - line.short
        if label_fen and not grams:
            return amount_refund(
                ordered_fen=units * line.unit_price_fen, label_fen=line.label_fen + label_fen
            )
        return weight_refund(
            ordered_grams=units * product.unit_grams,
            actual_grams=line.grams + grams,
            tolerance_grams=units * product.tolerance_grams,
            unit_price_fen=line.unit_price_fen,
            unit_grams=product.unit_grams,
        )

    # -- progress -----------------------------------------------------------------------

    def _progress(self) -> tuple[tuple[int, int], bool]:
        conn = self.wh.db
        if self.stage is Stage.PICK:
            needed, done, short = conn.execute(
                "SELECT coalesce(sum(needed), 0), coalesce(sum(picked), 0),"
                " coalesce(sum(short), 0) FROM pick_lines WHERE batch = ?",
                (self.batch_id,),
            ).fetchone()
            return (done, needed - short), done + short >= needed
        remaining: dict[str, int] = {}
        for r in rows.pack_rows(conn, self.batch_id):
            remaining[r.order_no] = remaining.get(r.order_no, 0) + r.remaining
        total = len(remaining)
        done = sum(1 for v in remaining.values() if v <= 0)
        return (done, total), total > 0 and done == total

    def _finish_pack_if_done(self) -> None:
        _progress, finished = self._progress()
        if finished:
            conn = self.wh.db
            rows.set_status(conn, self.batch_id, "packed")
            rows.add_event(
                conn,
                self.batch_id,
                at=self.wh._now(),
                event="packed",
                operator=self.operator,
                terminal=self.terminal,
            )
