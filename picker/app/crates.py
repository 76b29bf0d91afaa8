"""Use cases of crates (周转筐): a committee's closed bags consolidated into labelled crates.

A packer opens a crate (its reusable id `CR-XY01-0007`, or a new
one), puts bags in, and it closes when full (`[crates]` max_bags, max_kg) or by hand; closing
queues its committee label (print kind `crate`) once. The label says crate k of the
committee, and k of n once the committee's crates are complete (`db.crates.final_count`).
Every change is a row of the scan log (stage `crate`) written in the same `BEGIN IMMEDIATE`
transaction, accepted or refused. The scanning flow is `picker.app.crate_session`, loading a
crate onto a truck `picker.app.crate_loading`, the rules `picker.domain.crating`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import db
from db import crates as rows
from db import dispatch as dispatch_rows
from picker.app.context import Context, Service
from picker.app.crate_changes import CrateChanges, CrateRejected
from picker.app.floor import Floor
from picker.app.printing import Printing
from picker.app.routes import Routes
from picker.domain.crating import BagFacts, CrateFacts, CrateProblem, committee_problems
from picker.domain.ids import bag_id, crate_id, parse_bag_id, parse_crate_id
from picker.domain.states import CrateState, ScanOutcome
from picker.errors import NotFound
from picker.i18n import _


@dataclass(frozen=True, slots=True)
class CrateInfo:
    """A crate's fill as the screen, the CLI and the label read it."""

    id: int
    code: str
    committee: str
    committee_name: str
    day: date
    #: Crate k of the committee that day (for an open crate, what it will be) of n, once
    #: the committee's crates are complete (None until then).
    k: int
    n: int | None
    status: str
    bags: tuple[str, ...]
    grams: int
    max_bags: int
    max_grams: int
    loaded: int
    route: str | None
    route_name: str
    stop: int | None
    opened_at: str
    closed_at: str | None

    @property
    def target(self) -> str:
        """The crate's print-job target: its code and day (a crate is filled again later)."""
        return f"{self.code}@{self.day.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "crate": self.code,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "day": self.day.isoformat(),
            "k": self.k,
            "n": self.n,
            "status": self.status,
            "bag_count": len(self.bags),
            "bags": list(self.bags),
            "kg": round(self.grams / 1000, 3),
            "max_bags": self.max_bags,
            "max_kg": self.max_grams / 1000,
            "loaded": self.loaded,
            "route": self.route,
            "route_name": self.route_name,
            "stop": self.stop,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
        }


class Crates(Service):
    """Crates of committees' bags: the use cases over the steps of `CrateChanges`."""

    def __init__(
        self,
        ctx: Context,
        floor: Floor,
        routing: Routes,
        printing: Printing,
        changes: CrateChanges,
    ) -> None:
        super().__init__(ctx)
        self.floor = floor
        self.routing = routing
        self.printing = printing
        self.changes = changes

    def open_crate(
        self,
        code: str | None = None,
        *,
        committee: str | None = None,
        operator: str,
        terminal: str = "",
    ) -> CrateInfo:
        """Open a crate: a reusable one by its id, or a new one numbered for `committee`.
        An open crate is taken up again as it is."""
        self.floor.operator(operator)
        found = self._crate_code(code) if code else None
        owner = self.routing.committee_code(committee) if committee else None
        with db.write(self.db):
            row = self.changes.open(found, owner, operator, terminal, code or "")
        return self.crate_info(row)

    def close_crate(self, code: str, operator: str, terminal: str = "") -> CrateInfo | None:
        """Close a crate by hand and queue its label; an empty one is given up (None)."""
        self.floor.operator(operator)
        wanted = self._crate_code(code)
        with db.write(self.db):
            row = self.changes.latest(wanted)
            if row.status != CrateState.OPEN:
                raise CrateRejected("crate_closed_today", crate=row.code, bags=row.bags)
            closed = self.changes.close(row, operator, terminal, wanted, "hand")
        return self.crate_info(closed) if closed else None

    def move_bag(
        self, bag: str, to: str | None, operator: str, terminal: str = ""
    ) -> CrateInfo | None:
        """Move a bag into crate `to` (open, same committee) from the crate it is in, or
        with `to=None` take it out of its crate. Logged with where it came from; a closed
        crate it left has its label printed again. Returns crate `to` as it is now."""
        self.floor.operator(operator)
        target = self._crate_code(to) if to else None
        parsed = parse_bag_id(bag.strip())
        bag = bag_id(*parsed) if parsed else bag.strip()
        failed: CrateRejected | None = None
        with db.write(self.db):
            try:
                if target is None:
                    self.changes.take_out(bag, operator, terminal, bag)
                else:
                    self.changes.put(
                        self.changes.latest(target), bag, operator, terminal, bag, move=True
                    )
            except CrateRejected as exc:
                # Logged and kept, with a crate it closed as too full.
                self.changes.log(
                    bag, ScanOutcome.REJECTED, operator, terminal, exc.bag, exc.reason, exc.params
                )
                failed = exc
        if failed is not None:
            raise failed
        return self.crate(target) if target else None

    def crate(self, code: str) -> CrateInfo:
        """A crate's latest fill, by its id."""
        return self.crate_info(self.changes.latest(self._crate_code(code)))

    def crates(
        self,
        day: date | str | None = None,
        committee: str | None = None,
        status: str | None = None,
    ) -> list[CrateInfo]:
        """Crates of a day (every day when None), of one committee or all."""
        key = day.isoformat() if isinstance(day, date) else day
        code = self.routing.committee_code(committee) if committee else None
        found = rows.listed(self.db, day=key, committee=code, status=status)
        # One completeness check per committee and day, not one per crate.
        totals = {(r.committee, r.day) for r in found}
        final = {(c, d): rows.final_count(self.db, c, d) for c, d in totals}
        return [self._crate_info(r, final[r.committee, r.day]) for r in found]

    def reprint_crate_label(self, code: str) -> int:
        """Queue a crate's label again, marked 补打."""
        return self.printing.reprint("crate", self.crate(code).target)

    def crate_problems(self, route: str) -> list[CrateProblem]:
        """What is wrong with the crates of a route's committees before it leaves: open or
        empty crates, bags of cancelled orders in a crate, bags in no crate, bags k of n that
        exist nowhere, crates partly loaded or loaded elsewhere."""
        found = self.routing.route(route)
        day = found.day.isoformat()
        problems: list[CrateProblem] = []
        for stop in found.stops:
            crates = [
                CrateFacts(r.code, r.status, r.seq)
                for r in rows.of_committee(self.db, stop.committee, day)
            ]
            bags = [BagFacts(*r) for r in rows.bag_facts(self.db, stop.committee, day, found.id)]
            problems += committee_problems(found.id, stop.committee, crates, bags, stop.name)
        return problems

    def crate_info(self, row: rows.CrateRow) -> CrateInfo:
        """A crate row as a value: names, route and stop of its day, k (of n once final)."""
        # An open crate shows no n: the crating screen reads its crate after every scan.
        final = rows.final_count(self.db, row.committee, row.day) if row.seq is not None else None
        return self._crate_info(row, final)

    def _crate_info(self, row: rows.CrateRow, final: int | None) -> CrateInfo:
        info = self.catalog().committees.get(row.committee)
        stop = dispatch_rows.stop_of(self.db, row.day, row.committee)
        route = dispatch_rows.get_route(self.db, stop[0]) if stop else None
        if row.seq is not None:
            k, n = row.seq, final
        else:  # open: the k it gets if closed now; n is never final while a crate is open
            k, n = rows.next_seq(self.db, row.committee, row.day), None
        return CrateInfo(
            id=row.id,
            code=row.code,
            committee=row.committee,
            committee_name=info.name if info else row.committee,
            day=date.fromisoformat(row.day),
            k=k,
            n=n,
            status=row.status,
            bags=tuple(b.bag for b in rows.bags_in(self.db, row.id)),
            grams=row.grams,
            max_bags=row.max_bags,
            max_grams=row.max_grams,
            loaded=row.loaded,
            route=stop[0] if stop else None,
            route_name=route.name if route else (info.route if info else ""),
            stop=stop[1] if stop else (info.stop_order if info and info.route else None),
            opened_at=row.opened_at,
            closed_at=row.closed_at,
        )

    def _crate_code(self, code: str) -> str:
        """A typed or scanned crate id in its stored form (`cr-xy01-7` → `CR-XY01-0007`)."""
        parsed = parse_crate_id(code.strip())
        if parsed is None:
            raise NotFound(_("{code} is not a crate id like CR-XY01-0007", code=code))
        committees = {c.upper(): c for c in self.catalog().committees}
        owner = committees.get(parsed[0].upper())
        if owner is None:
            raise NotFound(
                _(
                    "crate {code} is for unknown committee {committee}",
                    code=code,
                    committee=parsed[0],
                )
            )
        return crate_id(owner, parsed[1])
