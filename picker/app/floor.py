"""Use cases of the floor: planning batches, claims, cancellations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import db
from db import catalog as catalog_rows
from db import floor as rows
from db import refunds as refund_rows
from db import scan_log as scan_rows
from picker.app.context import Service
from picker.domain import batching, layout
from picker.domain.model import OrderStatus, Role
from picker.domain.states import BatchState, RefundKind, state_label
from picker.errors import Conflict, InputError, NotFound
from picker.i18n import _

#: Where a batch may be claimed: before packing is done.
CLAIMABLE = (BatchState.RELEASED, BatchState.CLAIMED, BatchState.PICKING, BatchState.PICKED)


#: Batch states, order states and stages as people read them.
@dataclass(frozen=True, slots=True)
class PlannedReport:
    batches: list[str]
    orders: int


@dataclass(frozen=True, slots=True)
class ClaimReport:
    batch: str
    holder: str
    resumed: bool
    status: str


class Floor(Service):
    """Batches and claims."""

    def operator(self, code: str) -> tuple[str, Role]:
        """(name, role) of an active operator, or NotFound."""
        for op in catalog_rows.load_operators(self.db):
            if op.code == code:
                return op.name, op.role
        raise NotFound(_("unknown operator {code}", code=code))

    def plan_batches(self, caps: batching.Caps | None = None) -> PlannedReport:
        """Put every paid, unbatched order into a new released batch of its committee."""
        caps = caps or self.settings.batch_caps
        catalog = self.catalog()
        walk = layout.walk_sequence(catalog_rows.load_locations(self.db))
        with db.write(self.db):
            heads = rows.unbatched_paid_orders(self.db)
            lines: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)
            for order_no, sku, qty, grams in rows.lines_of_unbatched(self.db):
                lines[order_no].append((sku, qty, grams))
            products = catalog.products
            plan = batching.plan(
                (
                    batching.Batchable(
                        order_no,
                        committee,
                        datetime.fromisoformat(paid_at),
                        len(lines[order_no]),
                        batching.order_grams(lines[order_no], products),
                    )
                    for order_no, committee, paid_at in heads
                ),
                caps,
            )
            now = self.clock()
            made: list[str] = []
            counters: dict[str, int] = {}
            for planned in plan:
                prefix = f"{planned.committee}-{now:%m%d}-"
                if prefix not in counters:
                    counters[prefix] = rows.batch_count_for(self.db, prefix)
                counters[prefix] += 1
                batch_id = f"{prefix}{counters[prefix]:02d}"
                picks = layout.pick_list(
                    (ln for no in planned.order_nos for ln in lines[no]), products, walk
                )
                rows.insert_batch(
                    self.db,
                    batch_id=batch_id,
                    committee=planned.committee,
                    status=BatchState.RELEASED,
                    created_at=now.isoformat(),
                    order_nos=planned.order_nos,
                    lines=planned.lines,
                    grams=planned.grams,
                    pick_lines=[(p.sku, p.walk_seq, p.qty) for p in picks],
                )
                made.append(batch_id)
        return PlannedReport(made, sum(len(p.order_nos) for p in plan))

    def batches(self, status: str | None = None) -> list[dict[str, Any]]:
        return rows.list_batches(self.db, status)

    def _batch(self, batch_id: str) -> rows.BatchRow:
        batch = rows.get_batch(self.db, batch_id)
        if batch is None:
            raise NotFound(_("no batch {batch}", batch=batch_id))
        return batch

    def claim(self, batch_id: str, operator: str, terminal: str = "") -> ClaimReport:
        """Take a batch to work on; the same operator claiming again resumes it.

        Atomic under many terminals: the check and the write are one IMMEDIATE transaction.
        """
        self.operator(operator)
        with db.write(self.db):
            batch = self._batch(batch_id)
            if batch.holder and batch.holder != operator:
                raise Conflict(
                    _(
                        "batch {batch} is held by {holder} on terminal {terminal} since {since}",
                        batch=batch_id,
                        holder=batch.holder,
                        terminal=batch.terminal or "?",
                        since=batch.claimed_at or "?",
                    )
                )
            if batch.status not in CLAIMABLE:
                raise Conflict(
                    _(
                        "batch {batch} is {status}: nothing to claim",
                        batch=batch_id,
                        status=batch.status,
                    )
                )
            resumed = batch.holder == operator
            status = BatchState.CLAIMED if batch.status == BatchState.RELEASED else batch.status
            now = self.now()
            rows.set_holder(self.db, batch_id, operator, terminal, now, status)
            rows.add_event(
                self.db,
                batch_id,
                at=now,
                event="resume" if resumed else "claim",
                operator=operator,
                terminal=terminal,
            )
        return ClaimReport(batch_id, operator, resumed, status)

    def release(self, batch_id: str, operator: str) -> None:
        """Give a batch back to the floor; what was picked stays picked."""
        with db.write(self.db):
            batch = self._batch(batch_id)
            if batch.holder != operator:
                raise Conflict(
                    _("batch {batch} is not held by {operator}", batch=batch_id, operator=operator)
                )
            status = BatchState.RELEASED if batch.status == BatchState.CLAIMED else batch.status
            rows.set_holder(self.db, batch_id, None, None, None, status)
            rows.add_event(self.db, batch_id, at=self.now(), event="release", operator=operator)

    def take_over(
        self, batch_id: str, lead: str, to: str | None = None, terminal: str = ""
    ) -> None:
        """A shift lead takes a batch from whoever holds it, for themself or for `to`."""
        _name, role = self.operator(lead)
        if role is not Role.LEAD:
            raise Conflict(
                _("only a shift lead can take over a batch; {code} is not one", code=lead)
            )
        new_holder = to or lead
        self.operator(new_holder)
        with db.write(self.db):
            batch = self._batch(batch_id)
            if batch.status not in CLAIMABLE:
                raise Conflict(
                    _(
                        "batch {batch} is {status}: nothing to claim",
                        batch=batch_id,
                        status=batch.status,
                    )
                )
            status = BatchState.CLAIMED if batch.status == BatchState.RELEASED else batch.status
            now = self.now()
            rows.set_holder(self.db, batch_id, new_holder, terminal, now, status)
            rows.add_event(
                self.db,
                batch_id,
                at=now,
                event="take-over",
                operator=lead,
                terminal=terminal,
                detail=f"{batch.holder or '-'} -> {new_holder}",
            )

    def batch_events(self, batch_id: str) -> list[tuple[Any, ...]]:
        return rows.batch_events(self.db, batch_id)

    def cancel_order(
        self, order_no: str, status: OrderStatus = OrderStatus.CANCELLED, reason: str = ""
    ) -> int:
        """Cancel or refund a paid order: what is not yet refunded is refunded in full.

        An order in a batch being worked on is left out of packing from now on. Returns the
        fen refunded now.
        """
        if status is OrderStatus.PAID:
            raise InputError(_("an order can only be cancelled or refunded"))
        with db.write(self.db):
            return self.close_order(order_no, status, reason)

    def close_order(self, order_no: str, status: OrderStatus, reason: str) -> int:
        """`cancel_order` inside the caller's write transaction (an import applying the
        events that waited for its orders)."""
        row = refund_rows.order_status(self.db, order_no)
        if row is None:
            raise NotFound(_("no order {order_no}", order_no=order_no))
        current, amount, batch_id = row
        if current != OrderStatus.PAID:
            raise Conflict(
                _(
                    "order {order_no} is already {status}",
                    order_no=order_no,
                    status=state_label(current),
                )
            )
        rest = amount - refund_rows.refunded_fen(self.db, order_no)
        now = self.now()
        refund_rows.set_order_status(self.db, order_no, status.value)
        if rest > 0:
            refund_rows.add_refund(
                self.db,
                order_no=order_no,
                line_no=None,
                kind=RefundKind.CANCEL,
                fen=rest,
                reason=reason or status.value,
                batch_id=batch_id,
                scan_id=None,
                at=now,
            )
        if batch_id:
            rows.add_event(
                self.db,
                batch_id,
                at=now,
                event="order-" + status.value,
                operator=None,
                detail=order_no,
            )
        return max(rest, 0)

    def refunds(self, order_no: str | None = None) -> list[dict[str, Any]]:
        return refund_rows.refunds(self.db, order_no)

    def scan_log(self, batch_id: str | None = None) -> list[dict[str, Any]]:
        return scan_rows.scan_log(self.db, batch_id)
