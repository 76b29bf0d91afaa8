"""Use cases of printed documents: the floor's data collected into `picker.paper` values
and laid out for a paper width. Mixed into `Warehouse` through `picker.printing.Printing`.

Targets: a bag id (label), a batch id (picklist), a committee's code, name or alias
(manifest, refunds) or a route name (route); those two may end in `@YYYY-MM-DD` for another
day than today. Manifests and route sheets hold packed (closed) bags only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from db import floor as floor_rows
from db import paper as paper_rows
from picker import paper, paper_lists
from picker.errors import InputError, NotFound
from picker.i18n import _
from picker.model import SHANGHAI, Address, Catalog
from picker.packing import household_key
from picker.scanning import manifest_id
from printers.document import PAPER_58, Document, Paper
from printers.profile import PrinterProfile

if TYPE_CHECKING:
    import sqlite_utils

    from picker.config import Settings

KINDS = ("label", "manifest", "picklist", "route", "refunds")


def role_of(kind: str) -> str:
    """Labels go to a label printer, everything else to a document printer."""
    return "label" if kind == "label" else "document"


class Documents:
    """Documents from the warehouse's data. Expects `db`, `clock`, `settings`, `catalog()`."""

    settings: Settings
    clock: Callable[[], datetime]
    catalog: Callable[[], Catalog]

    @property
    def db(self) -> sqlite_utils.Database:
        raise NotImplementedError

    def _stamp(self, when: datetime | None = None) -> str:
        return (when or self.clock()).astimezone(SHANGHAI).isoformat(timespec="milliseconds")

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

    def canonical_target(self, kind: str, target: str) -> str:
        """The target as stored on a job: committees by code, and the day for day documents
        (`青平居委` → `XY01@2022-04-12`), so a job rendered later still shows its day."""
        if kind not in KINDS:
            raise InputError(
                _("unknown document {kind}; one of: {kinds}", kind=kind, kinds=", ".join(KINDS))
            )
        target = target.strip()
        if kind in ("label", "picklist"):
            return target
        name, day = self._split_day(target)
        if kind == "route":
            return f"{name}@{day.isoformat()}"
        return f"{self._committee_code(name)}@{day.isoformat()}"

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
        target = self.canonical_target(kind, target)
        if paper_size is None:
            profile = self.printer(kind)
            paper_size = profile.paper if profile else PAPER_58
        mask = self.settings.masks(kind)
        if kind == "label":
            return paper.bag_label(self._label(target), paper_size, mask=mask, reprint=reprint)
        if kind == "picklist":
            return paper_lists.pick_list(self._pick_list(target), paper_size, reprint=reprint)
        name, day = self._split_day(target)
        if kind == "route":
            return paper_lists.route_sheet(self._route(name, day), paper_size, reprint=reprint)
        if kind == "refunds":
            data = self._refunds(name, day)
            return paper_lists.refund_list(data, paper_size, mask=mask, reprint=reprint)
        return paper.manifest(
            self._manifest(name, day),
            paper_size,
            mask=mask,
            reprint=reprint,
            per_page=self.settings.manifest_page_households,
        )

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
        )

    def _manifest(self, code: str, day: date) -> paper.Manifest:
        committee = self.catalog().committees[code]
        households = sorted(
            paper_rows.manifest_households(self.db, code, day),
            key=lambda h: household_key(h.address, h.order_no),
        )
        if not households:
            raise NotFound(
                _(
                    "nothing packed for {committee} on {day}",
                    committee=committee.name,
                    day=day.isoformat(),
                )
            )
        return paper.Manifest(
            manifest_id=manifest_id(code, day, 1),
            committee=committee.name,
            subdistrict=paper_rows.subdistrict_name(self.db, committee.subdistrict),
            contact_name=committee.contact_name,
            contact_phone=committee.contact_phone,
            address=committee.address,
            route=committee.route,
            stop_order=committee.stop_order,
            day=day,
            households=tuple(households),
            warehouse=self.settings.warehouse_name,
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

    def _route(self, route: str, day: date) -> paper_lists.RouteSheet:
        codes = paper_rows.route_committees(self.db, route) if route else []
        if not codes:
            raise NotFound(
                _(
                    "no route {route}; routes: {routes}",
                    route=route,
                    routes=", ".join(paper_rows.routes(self.db)) or "-",
                )
            )
        committees = self.catalog().committees
        stops = []
        for code in codes:
            households = paper_rows.manifest_households(self.db, code, day)
            if not households:
                continue
            c = committees[code]
            stops.append(
                paper_lists.Stop(
                    stop_order=c.stop_order,
                    committee=c.name,
                    address=c.address,
                    contact_name=c.contact_name,
                    contact_phone=c.contact_phone,
                    households=len(households),
                    bags=sum(h.bags for h in households),
                    manifest_id=manifest_id(code, day, 1),
                )
            )
        if not stops:
            raise NotFound(
                _("nothing packed for route {route} on {day}", route=route, day=day.isoformat())
            )
        return paper_lists.RouteSheet(
            route, day, tuple(stops), warehouse=self.settings.warehouse_name
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
