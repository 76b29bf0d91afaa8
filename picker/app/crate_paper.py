"""What crates put on paper: a crate's committee label, and the crates on manifests and
route sheets. Read for `picker.app.documents`; the crates' use cases are `picker.app.crates`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from db import crates as rows
from db import dispatch as dispatch_rows
from db.paper import subdistrict_name
from picker.domain.ids import crate_id, parse_crate_id
from picker.domain.model import Catalog
from picker.errors import NotFound
from picker.i18n import _
from picker.paper.crates import CrateCount, CrateLabel

if TYPE_CHECKING:
    import sqlite_utils


def crate_target(conn: sqlite_utils.Database, catalog: Catalog, target: str) -> str:
    """A crate label's print target: `CR-XY01-0007@2022-04-12`, the crate's latest fill when
    no day is given (a crate is filled again on later days)."""
    code, sep, day = target.strip().partition("@")
    parsed = parse_crate_id(code)
    committees = {c.upper(): c for c in catalog.committees}
    owner = committees.get(parsed[0].upper()) if parsed else None
    if parsed is None or owner is None:
        raise NotFound(_("{code} is not a crate id like CR-XY01-0007", code=code))
    code = crate_id(owner, parsed[1])
    row = rows.on_day(conn, code, day) if sep else rows.latest(conn, code)
    if row is None:
        raise NotFound(_("no crate {crate}", crate=target))
    return f"{row.code}@{row.day}"


def crate_label_data(
    conn: sqlite_utils.Database, catalog: Catalog, target: str, warehouse: str
) -> CrateLabel:
    """What a crate's committee label shows, for a target of `crate_target`."""
    code, _sep, day = crate_target(conn, catalog, target).partition("@")
    row = rows.on_day(conn, code, day)
    assert row is not None
    committee = catalog.committees.get(row.committee)
    stop = dispatch_rows.stop_of(conn, row.day, row.committee)
    route = dispatch_rows.get_route(conn, stop[0]) if stop else None
    if route is not None and stop is not None:
        where, number = route.name, stop[1]
    elif committee is not None and committee.route:
        where, number = committee.route, committee.stop_order
    else:
        where, number = "", None
    return CrateLabel(
        crate_id=row.code,
        committee=committee.name if committee else row.committee,
        subdistrict=subdistrict_name(conn, committee.subdistrict) if committee else "",
        route=where,
        stop=number,
        k=row.seq or 1,
        n=rows.final_count(conn, row.committee, row.day) if row.seq else None,
        bags=row.bags,
        grams=row.grams,
        day=date.fromisoformat(row.day),
        warehouse=warehouse,
    )


def manifest_crates(conn: sqlite_utils.Database, manifest_id: str) -> tuple[CrateCount, ...]:
    """The crates holding a manifest's bags (k, id, its bags in each), for the manifest."""
    return tuple(CrateCount(*r) for r in rows.crates_of_manifest(conn, manifest_id))


def committee_crates(conn: sqlite_utils.Database, committee: str, day: date) -> int:
    """How many closed crates a committee has on a day, for the route sheet."""
    return len(rows.crate_counts(conn, committee, day.isoformat()))
