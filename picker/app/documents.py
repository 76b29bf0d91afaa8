"""Use cases of printed documents: the floor's data collected into `picker.paper.sheets` values
and laid out for a paper width, for `picker.app.printing.Printing` to queue.

Targets: a bag id (label), a crate id (crate), a batch id (picklist), a committee's code,
name or alias (manifest, refunds, settlement) or a route name (route); those may end in
`@YYYY-MM-DD` for another day than today (for a settlement: the paid day; without one it
covers every day).

Manifests and route sheets come from dispatch (`picker.app.dispatch`, `picker.app.delivery`). A
manifest document is one issued manifest: printing a committee's manifest issues a new one
when it has closed bags on no manifest yet, else reprints its latest; the job then targets the
manifest id, so rendering it again or reprinting it later gives the same paper. A route sheet
shows the day's route with its driver, truck and loaded/expected bags per stop, each stop's
QR being the committee's latest manifest (or the id its first one of the day will get).
"""

from __future__ import annotations

from datetime import date, datetime

from db import dispatch as dispatch_rows
from db import floor as floor_rows
from db import paper as paper_rows
from picker.app.accounts import Accounts
from picker.app.context import Context, Service
from picker.app.crate_paper import (
    committee_crates,
    crate_label_data,
    crate_target,
    manifest_crates,
)
from picker.app.delivery import Delivery
from picker.app.routes import Routes
from picker.domain.ids import manifest_id, parse_manifest_id
from picker.domain.model import SHANGHAI, Address
from picker.domain.packing import household_key
from picker.errors import Conflict, InputError, NotFound
from picker.i18n import _
from picker.paper import crates as paper_crates
from picker.paper import lists as paper_lists
from picker.paper import settlement as paper_settlement
from picker.paper import sheets as paper
from printers.document import PAPER_58, Document, Paper
from printers.profile import PrinterProfile

KINDS = ("label", "manifest", "picklist", "route", "refunds", "settlement", "crate")


def role_of(kind: str) -> str:
    """Labels (bags', crates') go to a label printer, everything else to a document printer."""
    return "label" if kind in ("label", "crate") else "document"


class Documents(Service):
    """Documents from the warehouse's data: routes, manifests and settlements come from
    the services that own them."""

    def __init__(
        self, ctx: Context, routing: Routes, delivery: Delivery, accounts: Accounts
    ) -> None:
        super().__init__(ctx)
        self.routing = routing
        self.delivery = delivery
        self.accounts = accounts

    def _today(self) -> date:
        return self.clock().astimezone(SHANGHAI).date()

    def printer(self, kind: str, name: str | None = None) -> PrinterProfile | None:
        """The printer named, else the first configured for the kind's role, else None."""
        printers = self.settings.printers
        if name:
            if name not in printers:
                raise InputError(
                    _(
                        "no printer named {name}; configured: {names}",
                        name=name,
                        names=", ".join(printers) or "-",
                    )
                )
            return printers[name]
        role = role_of(kind)
        return next((p for p in printers.values() if p.role == role), None)

    def canonical_target(self, kind: str, target: str, reprint: bool = False) -> str:
        """The target as stored on a job: committees by code, and the day for day documents
        (`青平居委` → `XY01@2022-04-12`), so a job rendered later still shows its day.

        A manifest's is the id of the manifest printed (`MF-XY01-20220412-2`): a new one is
        issued when the committee has closed bags on none yet, unless `reprint`."""
        if kind not in KINDS:
            raise InputError(
                _("unknown document {kind}; one of: {kinds}", kind=kind, kinds=", ".join(KINDS))
            )
        target = target.strip()
        if kind in ("label", "picklist"):
            return target
        if kind == "crate":
            return crate_target(self.db, self.catalog(), target)
        if kind == "manifest" and parse_manifest_id(target):
            return self.delivery.manifest(target).id
        if kind == "settlement" and "@" not in target:
            return self._committee_code(target)  # every paid day
        name, day = self._split_day(target)
        if kind == "route":
            return f"{name}@{day.isoformat()}"
        code = self._committee_code(name)
        if kind == "manifest":
            return self._manifest_to_print(code, day, reprint)
        return f"{code}@{day.isoformat()}"

    def _manifest_to_print(self, code: str, day: date, reprint: bool) -> str:
        """A new manifest for the committee's bags on none yet; else (or for a reprint) the
        day's latest."""
        if not reprint or not self.delivery.manifests(day, code):
            try:
                return self.delivery.issue_manifest(code, day)
            except Conflict:  # every closed bag is on a manifest already
                pass
        issued = self.delivery.manifests(day, code)
        if not issued:
            committee = self.catalog().committees[code]
            raise NotFound(
                _(
                    "nothing packed for {committee} on {day}",
                    committee=committee.name,
                    day=day.isoformat(),
                )
            )
        return issued[-1].id

    def _split_day(self, target: str) -> tuple[str, date]:
        name, sep, day = target.rpartition("@")
        if not sep:
            return target, self._today()
        try:
            return name, date.fromisoformat(day)
        except ValueError:
            raise InputError(
                _("bad day {day!r} in {target}: use YYYY-MM-DD", day=day, target=target)
            ) from None

    def _committee_code(self, name: str) -> str:
        code = self.catalog().committee_by_name().get(name)
        if code is None:
            raise NotFound(_("unknown committee {value!r}", value=name))
        return code

    def document(
        self, kind: str, target: str, reprint: bool = False, paper_size: Paper | None = None
    ) -> Document:
        """The document of `kind` for `target`, laid out for `paper_size` (default: the paper
        of the printer its role would use, else 58 mm)."""
        target = self.canonical_target(kind, target, reprint)
        if paper_size is None:
            profile = self.printer(kind)
            paper_size = profile.paper if profile else PAPER_58
        mask = self.settings.masks(kind)
        if kind == "label":
            return paper.bag_label(self._label(target), paper_size, mask=mask, reprint=reprint)
        if kind == "crate":
            crate = crate_label_data(self.db, self.catalog(), target, self.settings.warehouse_name)
            return paper_crates.crate_label(crate, paper_size, reprint=reprint)
        if kind == "picklist":
            return paper_lists.pick_list(self._pick_list(target), paper_size, reprint=reprint)
        if kind == "manifest":
            return paper.manifest(
                self._manifest(target),
                paper_size,
                mask=mask,
                reprint=reprint,
                per_page=self.settings.manifest_page_households,
            )
        if kind == "settlement":
            slip = self._settlement(target)
            return paper_settlement.settlement_slip(slip, paper_size, reprint=reprint)
        name, day = self._split_day(target)
        if kind == "route":
            return paper_lists.route_sheet(self._route(name, day), paper_size, reprint=reprint)
        refunds = self._refunds(name, day)
        return paper_lists.refund_list(refunds, paper_size, mask=mask, reprint=reprint)

    def _label(self, bag_id: str) -> paper.BagLabel:
        row = paper_rows.bag_row(self.db, bag_id)
        if row is None:
            raise NotFound(_("no bag {bag}", bag=bag_id))
        committee = self.catalog().committees.get(row["committee"])
        closed = row["closed_at"]
        return paper.BagLabel(
            bag_id=row["id"],
            k=row["k"],
            n=row["n"],
            items=row["items"],
            committee=committee.name if committee else row["committee"],
            address=Address(row["building"], row["unit"], row["room"], row["community"]),
            name=row["name"],
            phone=row["phone"],
            day=date.fromisoformat(closed[:10]) if closed else self._today(),
            short_units=row["short_units"],
            refund_fen=row["refund_fen"],
            warehouse=self.settings.warehouse_name,
            contents=paper_rows.bag_items(self.db, bag_id),
        )

    def _manifest(self, mid: str) -> paper.Manifest:
        """An issued manifest: the households of its bags, on its route of its day."""
        issued = self.delivery.manifest(mid)
        committee = self.catalog().committees[issued.committee]
        households = sorted(
            paper_rows.manifest_bag_households(self.db, mid),
            key=lambda h: household_key(h.address, h.order_no),
        )
        route, stop = committee.route, committee.stop_order
        on_route = dispatch_rows.stop_of(self.db, issued.day.isoformat(), committee.code)
        found = dispatch_rows.get_route(self.db, on_route[0]) if on_route else None
        if on_route and found:
            route, stop = found.name, on_route[1]
        return paper.Manifest(
            manifest_id=issued.id,
            committee=committee.name,
            subdistrict=paper_rows.subdistrict_name(self.db, committee.subdistrict),
            contact_name=committee.contact_name,
            contact_phone=committee.contact_phone,
            address=committee.address,
            route=route,
            stop_order=stop,
            day=issued.day,
            households=tuple(households),
            warehouse=self.settings.warehouse_name,
            crates=manifest_crates(self.db, issued.id),
        )

    def _pick_list(self, batch_id: str) -> paper_lists.PickList:
        batch = floor_rows.get_batch(self.db, batch_id)
        if batch is None:
            raise NotFound(_("no batch {batch}", batch=batch_id))
        committee = self.catalog().committees.get(batch.committee)
        holder = ""
        if batch.holder:
            holder = f"{batch.holder} {paper_rows.operator_name(self.db, batch.holder)}".strip()
        return paper_lists.PickList(
            batch_id=batch.id,
            committee=committee.name if committee else batch.committee,
            day=datetime.fromisoformat(batch.created_at).astimezone(SHANGHAI).date(),
            orders=batch.orders,
            lines=paper_rows.pick_lines(self.db, batch_id),
            holder=holder,
            warehouse=self.settings.warehouse_name,
        )

    def _route(self, ref: str, day: date) -> paper_lists.RouteSheet:
        """The day's route (by name, number or id) with the stops that have bags."""
        self.routing.plan_routes(day)
        try:
            found = self.routing.route(ref, day) if ref else None
        except NotFound:
            found = None
        if found is None:
            names = ", ".join(r.name for r in self.routing.routes(day))
            raise NotFound(_("no route {route}; routes: {routes}", route=ref, routes=names or "-"))
        latest = {
            m.committee: m.id for m in self.delivery.manifests(day)
        }  # in seq order: last wins
        stops = tuple(
            paper_lists.Stop(
                stop_order=s.stop_order,
                committee=s.name,
                address=s.address,
                contact_name=s.contact_name,
                contact_phone=s.contact_phone,
                loaded=s.loaded,
                bags=s.total,
                manifest_id=latest.get(s.committee) or manifest_id(s.committee, day, 1),
                crates=committee_crates(self.db, s.committee, day),
            )
            for s in found.stops
            if s.total
        )
        if not stops:
            raise NotFound(
                _("nothing packed for route {route} on {day}", route=ref, day=day.isoformat())
            )
        return paper_lists.RouteSheet(
            found.name,
            day,
            stops,
            driver=found.driver_name
            or found.driver
            or paper_rows.loading_driver(self.db, found.id),
            truck=found.truck,
            warehouse=self.settings.warehouse_name,
        )

    def _settlement(self, target: str) -> paper_settlement.SettlementSlip:
        """A committee's settlement of one paid day (`XY01@2022-04-12`) or of every day."""
        code, sep, day = target.partition("@")
        settled = self.accounts.settlement(day if sep else None)
        committee = self.catalog().committees[code]
        return paper_settlement.SettlementSlip(
            row=settled.committee(code),
            committee=committee.name,
            subdistrict=paper_rows.subdistrict_name(self.db, committee.subdistrict),
            day=date.fromisoformat(day) if sep else None,
            printed_at=self.clock().astimezone(SHANGHAI),
            warehouse=self.settings.warehouse_name,
        )

    def _refunds(self, code: str, day: date) -> paper_lists.RefundList:
        committee = self.catalog().committees[code]
        households = sorted(
            paper_rows.refund_households(self.db, code, day),
            key=lambda h: household_key(h.address, h.order_no),
        )
        return paper_lists.RefundList(
            committee=committee.name,
            subdistrict=paper_rows.subdistrict_name(self.db, committee.subdistrict),
            day=day,
            households=tuple(households),
            warehouse=self.settings.warehouse_name,
        )
