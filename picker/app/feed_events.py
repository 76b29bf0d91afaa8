"""Use cases of refund and cancel events: each applied once, by how far its order has gone.

The rule itself is `picker.domain.cancellation.decide`; here it meets the database. A whole-order
event goes through `cancel_order`, the same door as `picker cancel`.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import db
from db import feed as rows
from db import refunds as refund_rows
from picker.app.context import Context, Service
from picker.app.floor import Floor
from picker.domain.cancellation import (
    OPEN_OUTCOMES,
    Decision,
    OrderState,
    Outcome,
    Stage,
    decide,
    exception_text,
)
from picker.domain.feed import Event, EventKind
from picker.domain.model import OrderStatus, Role
from picker.domain.states import RefundKind
from picker.errors import Conflict, NotFound
from picker.i18n import _


class FeedEvents(Service):
    """Refund and cancel events and the lead's exceptions, closing orders through the floor."""

    def __init__(self, ctx: Context, floor: Floor) -> None:
        super().__init__(ctx)
        self.floor = floor

    def apply_open_events(
        self, source: str | None = None
    ) -> tuple[Counter[str], list[dict[str, Any]]]:
        """Apply every event not yet applied, of one feed or of all, oldest first.

        Events wait for their orders, so this runs after every pull and every import.
        Returns outcome -> count and the exceptions raised for the lead meanwhile.
        """
        before = rows.last_exception_id(self.db)
        todo = rows.open_events(self.db, source)
        known = rows.known_orders(self.db, sorted({order_no for _s, _e, order_no, _o in todo}))
        outcomes: Counter[str] = Counter()
        for src, event_id, order_no, outcome in todo:
            if order_no not in known and outcome == Outcome.UNKNOWN_ORDER:
                # Still waiting for its order: no write lock taken for nothing.
                outcomes[Outcome.UNKNOWN_ORDER] += 1
                continue
            outcomes[self.apply_event(src, event_id)] += 1
        raised = [
            e for e in self.order_exceptions(after_id=before) if source in (None, e["source"])
        ]
        return outcomes, raised

    def apply_event(self, source: str, event_id: str) -> Outcome:
        """Apply one stored event, once. Returns what it did (see `cancellation.Outcome`).

        A whole-order refund or cancel goes through `cancel_order` (status, refund of what is
        unrefunded, the batch's flag). That is its own transaction, so the event is marked
        "applying" first: after a crash in between, the next pull finishes it.
        """
        conn = self.db
        with db.write(conn):
            row = rows.event(conn, source, event_id)
            if row is None:
                raise NotFound(
                    _("no event {event} from feed {source}", event=event_id, source=source)
                )
            row_id, order_no, kind, amount, at, outcome = row
            if outcome not in OPEN_OUTCOMES:
                return Outcome(outcome)
            event = Event(event_id, order_no, EventKind(kind), amount, datetime.fromisoformat(at))
            state = rows.order_floor_state(conn, order_no)
            if outcome == Outcome.APPLYING and state and state["status"] != OrderStatus.PAID:
                # cancel_order committed before a crash: only the bookkeeping is left.
                decision = decide(event, OrderState(OrderStatus.PAID, 0, _stage(state)))
                return self._finish(source, row_id, event, decision, state)
            decision = decide(event, _order_state(state))
            if decision.new_status is None:
                return self._finish(source, row_id, event, decision, state)
            rows.set_outcome(conn, row_id, Outcome.APPLYING)
        # Conflict: cancelled by someone else in between; the order ends the same way.
        with contextlib.suppress(Conflict):
            self.floor.cancel_order(
                order_no, OrderStatus(decision.new_status), reason=f"feed {source}/{event_id}"
            )
        with db.write(conn):
            row = rows.event(conn, source, event_id)
            if row is None or row[5] != Outcome.APPLYING:
                return Outcome(row[5]) if row else decision.outcome  # finished by another puller
            return self._finish(
                source, row_id, event, decision, rows.order_floor_state(conn, order_no)
            )

    def apply_waiting_events(self, order_nos: Sequence[str]) -> Counter[str]:
        """Inside the caller's write transaction, right after these orders were stored: apply
        the events that waited for them, so a cancelled order is never batchable, however it
        came in. Returns outcome -> count."""
        conn = self.db
        outcomes: Counter[str] = Counter()
        for row_id, source, event_id, order_no, kind, amount, at in rows.open_events_of(
            conn, order_nos
        ):
            event = Event(event_id, order_no, EventKind(kind), amount, datetime.fromisoformat(at))
            decision = decide(event, _order_state(rows.order_floor_state(conn, order_no)))
            if decision.new_status is not None:
                reason = f"feed {source}/{event_id}"
                self.floor.close_order(order_no, OrderStatus(decision.new_status), reason)
            state = rows.order_floor_state(conn, order_no)
            outcomes[self._finish(source, row_id, event, decision, state)] += 1
        return outcomes

    def _finish(
        self,
        source: str,
        row_id: int,
        event: Event,
        decision: Decision,
        state: dict[str, Any] | None,
    ) -> Outcome:
        """Inside the caller's transaction: a partial refund, the lead's exception, the outcome."""
        conn = self.db
        now = self.now()
        params: dict[str, Any] = {"source": source, "event": event.event_id}
        if state is not None:
            params |= {
                "order_no": event.order_no,
                "status": decision.new_status or state["status"],
                "stage": _stage(state).value,
                "batch": state["batch"] or "",
                "bags": state["closed_bags"],
                "route": ", ".join(state["routes"]),
                "amount_fen": decision.refund_fen,
                "total_fen": state["amount_fen"],
            }
        if decision.refund_fen:
            refund_rows.add_refund(
                conn,
                order_no=event.order_no,
                line_no=None,
                kind=RefundKind.CANCEL,
                fen=decision.refund_fen,
                reason=f"feed {source}/{event.event_id}: {decision.outcome.value}",
                batch_id=state["batch"] if state else None,
                scan_id=None,
                at=now,
            )
        if decision.exception:
            rows.add_exception(conn, event.order_no, decision.exception, params, now)
        detail = json.dumps(params, ensure_ascii=False) if state else ""
        rows.set_outcome(conn, row_id, decision.outcome, detail)
        return decision.outcome

    def order_events(self, order_no: str | None = None) -> list[dict[str, Any]]:
        return rows.events(self.db, order_no)

    def order_exceptions(
        self, *, open_only: bool = True, after_id: int = 0
    ) -> list[dict[str, Any]]:
        """Exceptions for the lead (pull the bag, do not pack, partial refund), with `text`."""
        out = []
        for e in rows.exceptions(self.db, open_only=open_only, after_id=after_id):
            params = e["params"]
            out.append(
                {
                    **e,
                    "source": params.get("source"),
                    "text": exception_text(e["kind"], {"order_no": e["order_no"], **params}),
                }
            )
        return out

    def resolve_exception(self, exception_id: int, operator: str) -> list[str]:
        """The lead has dealt with it (bag pulled, goods put back). For a cancelled order's
        bags that means they are back in the warehouse: off the truck, the unsigned manifest
        and their crate (so the closing audit sees no cancelled bag travelling). Returns the
        bags pulled. Only a shift lead decides."""
        _name, role = self.floor.operator(operator)
        if role is not Role.LEAD:
            raise Conflict(
                _("only a shift lead can close an exception; {code} is not one", code=operator)
            )
        now = self.now()
        with db.write(self.db):
            closed = rows.resolve_exception(self.db, exception_id, operator, now)
            if closed is None:
                raise NotFound(_("no open exception {id}", id=exception_id))
            order_no, kind = closed
            if kind.startswith("pull-bag"):
                return rows.pull_bags(self.db, order_no, operator, now)
        return []


def _stage(state: dict[str, Any]) -> Stage:
    if state["delivered"]:
        return Stage.DELIVERED
    if state["routes"]:
        return Stage.LOADED
    if state["closed_bags"]:
        return Stage.PACKED
    return Stage.BATCHED if state["batch"] else Stage.UNBATCHED


def _order_state(state: dict[str, Any] | None) -> OrderState | None:
    if state is None:
        return None
    unrefunded = state["amount_fen"] - state["refunded_fen"]
    return OrderState(state["status"], unrefunded, _stage(state))
