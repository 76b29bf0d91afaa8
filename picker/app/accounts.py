"""Use cases of the accounts: settlement, the 漏单 audit, KPIs.

The arithmetic is pure (`settlement`, `picker.domain.kpi`); this module reads the facts in one
snapshot, so totals and rows read apart always describe the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db import accounts as rows
from db import manifests as manifest_rows
from picker.app.context import Service
from picker.domain.audit import AuditedOrder, AuditReport, EndState, OpenReason, Problem, audit
from picker.domain.kpi import IDLE_SECONDS, Kpis, kpis
from picker.domain.manifest_pages import PageProof, page_ranges, proofs
from picker.domain.model import Address
from picker.domain.money import format_fen
from picker.domain.settlement import Settlement, settle
from picker.domain.states import RefundKind, state_label
from picker.errors import InputError
from picker.i18n import N_, _, _n

#: End states and open reasons as people read them.
STATE_TEXT: dict[str, str] = {
    EndState.DELIVERED: N_("delivered"),
    EndState.REFUNDED: N_("refunded in full"),
    EndState.OPEN: N_("open"),
    OpenReason.NOT_BATCHED: N_("not batched"),
    OpenReason.WAITING: N_("batched, waiting for a picker"),
    OpenReason.IN_PICKING: N_("being picked or packed"),
    OpenReason.PACKED_NOT_LOADED: N_("packed, not loaded"),
    OpenReason.LOADED_NOT_DELIVERED: N_("loaded, not delivered"),
}

#: What each inconsistency means, with its parameters.
PROBLEM_TEXT: dict[str, str] = {
    Problem.TWO_STATES: N_("in two end states ({states}): {delivered} of {bags} bags signed for"),
    Problem.NO_STATE: N_("in no end state: batch {batch} ({status}), {bags} bags"),
    Problem.TWO_BATCHES: N_("in two batches: {batches}"),
    Problem.WRONG_BATCH: N_("in batch {batch} of another committee ({committee})"),
    Problem.WRONG_ROUTE: N_("bags on a route that does not stop at its committee: {bags}"),
    Problem.WRONG_MANIFEST: N_("bags on another committee's manifest: {bags}"),
    Problem.CANCELLED_BAG: N_("order is cancelled but its bags are on their way: pull {bags}"),
    Problem.OVER_REFUND: N_("refunds {refunded} exceed the paid amount {paid}"),
    Problem.BAG_COUNT: N_("packed in {bags} bags but the labels say {n}"),
}

#: Refund kinds as people read them.
KIND_TEXT: dict[str, str] = {
    RefundKind.SHORT: N_("Shortage"),
    RefundKind.UNDERWEIGHT: N_("Under-weight"),
    RefundKind.CANCEL: N_("Cancellation"),
}


def state_text(order: AuditedOrder) -> str:
    """`open: packed, not loaded`, `delivered`, or the states joined when there are two."""
    if order.state is EndState.OPEN and order.reason is not None:
        open_, reason = _(STATE_TEXT[EndState.OPEN]), _(STATE_TEXT[order.reason])
        return _("{state}: {reason}", state=open_, reason=reason)
    return " + ".join(_(STATE_TEXT[s]) for s in order.states) or "-"


def problem_text(problem: Problem, params: tuple[tuple[str, str], ...]) -> str:
    """One audit problem in the current language."""
    values = dict(params)
    if problem is Problem.OVER_REFUND:
        values = {k: format_fen(int(v)) for k, v in values.items()}
    if "status" in values:
        values["status"] = state_label(values["status"])
    if "states" in values:
        values["states"] = " + ".join(_(STATE_TEXT[s]) for s in values["states"].split(" + "))
    return _(PROBLEM_TEXT[problem]).format(**values)


def missing_pages_text(proof: PageProof) -> str:
    """A manifest signed in part, naming the pages still to come back signed."""
    return _n(
        "manifest {manifest} of {committee}: page {missing} of {pages} not signed for",
        "manifest {manifest} of {committee}: pages {missing} of {pages} not signed for",
        len(proof.missing),
        manifest=proof.manifest,
        committee=proof.committee,
        missing=page_ranges(proof.missing),
        pages=proof.pages,
    )


@dataclass(frozen=True, slots=True)
class RefundEntry:
    """One refund of a household, for the refund list a committee gets."""

    committee: str
    order_no: str
    address: Address
    name: str
    phone: str
    kind: str
    fen: int
    reason: str
    product: str | None
    at: str


def check_day(day: str | None) -> str | None:
    """`YYYY-MM-DD` or None; anything else is an `InputError`."""
    if day is None:
        return None
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        raise InputError(_("{day!r} is not a day like 2022-04-12", day=day)) from None


class Accounts(Service):
    """Settlement, audit and KPIs."""

    def settlement(self, day: str | None = None) -> Settlement:
        """Per committee and per payment code: paid, refunds by kind, net, delivered, open.

        `day` limits it to orders paid that day. `Settlement.mismatches` lists any check that
        fails; the checks compare the rows with totals summed separately from the tables.
        """
        day = check_day(day)
        with rows.snapshot(self.db) as conn:
            facts = rows.order_facts(conn, day)
            ledger = rows.ledger(conn, day)
            committees = rows.committees(conn)
            codes = rows.payment_codes(conn)
        return settle((f.settled() for f in facts), committees, codes, ledger, day)

    def audit(self, day: str | None = None) -> AuditReport:
        """Every paid order (of `day`) in exactly one end state, or the problems that stop it."""
        day = check_day(day)
        with rows.snapshot(self.db) as conn:
            facts = rows.order_facts(conn, day)
            signed = proofs(manifest_rows.partly_signed(conn, day))
        return audit(facts, day, signed)

    def refund_list(
        self, committee: str | None = None, day: str | None = None
    ) -> list[RefundEntry]:
        """The refunds of one committee (or all), for the list that goes with its manifest."""
        day = check_day(day)
        code = None
        if committee:
            code = self.catalog().committee_by_name().get(committee)
            if code is None:
                raise InputError(_("unknown committee {value!r}", value=committee))
        return [
            RefundEntry(
                r["committee"],
                r["order_no"],
                Address(r["building"], r["unit"], r["room"]),
                r["name"],
                r["phone"],
                r["kind"],
                r["fen"],
                r["reason"],
                r["product"],
                r["at"],
            )
            for r in rows.refunds(self.db, code, day)
        ]

    def stats(self, day: str | None = None, idle_seconds: float = IDLE_SECONDS) -> Kpis:
        """KPIs from the scan log of `day` (or all of it). See `kpi` for definitions."""
        day = check_day(day)
        catalog = self.catalog()
        with rows.snapshot(self.db) as conn:
            scans = rows.scans(conn, day)
            demand = rows.pick_demand(conn, day)
            closed = rows.closed_bags(conn, day)
            operators = rows.operator_names(conn)
        return kpis(
            scans,
            demand,
            closed,
            operators=operators,
            products={sku: p.name for sku, p in catalog.products.items()},
            committees={code: c.name for code, c in catalog.committees.items()},
            day=day,
            idle_seconds=idle_seconds,
        )
