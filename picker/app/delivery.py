"""Use cases of delivery: manifest records and proof of delivery from photos.

A manifest is the paper a committee signs for its bags. `issue_manifest` gives it its id
(`MF-XY01-20220412-1`, printed as a QR) and ties to it the committee's closed bags that are
on no manifest yet. The signed paper comes back as a phone photo; `proof_of_delivery` reads
the QR (`picker.adapters.pod`) and marks the manifest delivered, keeping the photo's path.

A long manifest prints in pages, each signed on its own with a QR of the manifest and the page
(`MF-XY01-20220412-1-P2-15`): a photo of a page records that page, and the manifest is
delivered when every page is in (`picker.domain.manifest_pages`). The plain manifest id (on
one-page manifests, route sheets and manifests printed before pages) proves the whole of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import db
from db import dispatch as rows
from db import manifests as manifest_rows
from picker.app.context import Context, Service
from picker.app.pod_results import (
    PodResult,
    manifests_read,
    pages_text,
    pod_reason_text,
    rejected,
)
from picker.app.routes import Routes
from picker.domain.ids import manifest_id, parse_manifest_id
from picker.domain.manifest_pages import proofs
from picker.domain.states import RouteState
from picker.errors import Conflict, InputError, NotFound
from picker.i18n import _

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True, slots=True)
class Manifest:
    """A committee's manifest: its bags and, once the signed paper is back, the proof."""

    id: str
    committee: str
    committee_name: str
    day: date
    seq: int
    route: str | None
    created_at: str
    delivered_at: str | None
    pod_path: str | None
    bags: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "day": self.day.isoformat(),
            "seq": self.seq,
            "route": self.route,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
            "pod_path": self.pod_path,
            "bags": list(self.bags),
        }


class Delivery(Service):
    """Manifest records and proof of delivery, for the committees and days of `Routes`."""

    def __init__(self, ctx: Context, routing: Routes) -> None:
        super().__init__(ctx)
        self.routing = routing

    def issue_manifest(self, committee: str, day: date | str | None = None) -> str:
        """A new manifest for the committee (name, alias or code): its closed bags of paid
        orders that are on no manifest yet, loaded or not. Returns the id for the QR.

        Each call makes the next one of the day (`-1`, `-2`, ...); to print a manifest again,
        reuse its id. Refused when every bag is on a manifest already.
        """
        code = self.routing.committee_code(committee)
        d = self.routing.day(day)
        with db.write(self.db):
            stop = rows.stop_of(self.db, d.isoformat(), code)
            route = rows.get_route(self.db, stop[0]) if stop else None
            # Once its truck has left, a committee's manifest lists only what is on it.
            gone = route is not None and route.status in (RouteState.DEPARTED, RouteState.DONE)
            bags = manifest_rows.unmanifested_bags(
                self.db, code, loaded_on_day=d.isoformat() if gone else None
            )
            if not bags:
                raise Conflict(
                    _(
                        "{committee} has no closed bags that are not on a manifest yet",
                        committee=committee,
                    )
                )
            seq = manifest_rows.next_manifest_seq(self.db, code, d.isoformat())
            mid = manifest_id(code, d, seq)
            manifest_rows.insert_manifest(
                self.db,
                manifest_id=mid,
                committee=code,
                day=d.isoformat(),
                seq=seq,
                route_id=stop[0] if stop else None,
                created_at=self.now(),
                bags=[bag for bag, _route in bags],
            )
        return mid

    def manifest(self, mid: str) -> Manifest:
        found = manifest_rows.get_manifest(self.db, mid.strip())
        if found is None:
            raise NotFound(_("no manifest {manifest}", manifest=mid))
        return self._manifest_value(found)

    def manifests(
        self, day: date | str | None = None, committee: str | None = None
    ) -> list[Manifest]:
        """Manifests of a day (every day when None), of one committee or all."""
        key = self.routing.day(day).isoformat() if day is not None else None
        code = self.routing.committee_code(committee) if committee else None
        return [
            self._manifest_value(m)
            for m in manifest_rows.list_manifests(self.db, day=key, committee=code)
        ]

    def _manifest_value(self, found: manifest_rows.ManifestRow) -> Manifest:
        info = self.catalog().committees.get(found.committee)
        return Manifest(
            id=found.id,
            committee=found.committee,
            committee_name=info.name if info else found.committee,
            day=date.fromisoformat(found.day),
            seq=found.seq,
            route=found.route,
            created_at=found.created_at,
            delivered_at=found.delivered_at,
            pod_path=found.pod_path,
            bags=tuple(manifest_rows.manifest_bags(self.db, found.id)),
        )

    def proof_of_delivery(
        self, photos: Iterable[str | Path | Image.Image], names: Iterable[str] = ()
    ) -> list[PodResult]:
        """Read each photo's manifest QR and mark that manifest delivered with the photo's
        absolute path. One result per manifest found, or one saying why the photo proved
        nothing. `names` label PIL images (they have no path).

        A manifest id that reads correctly but has no record (the printout was made before
        `issue_manifest` existed, or on another terminal that lost it) is recorded now from
        what is known for sure: the committee's bags loaded onto a route of the manifest's
        day that are on no manifest. If there are none, the photo is rejected.
        """
        labels = iter(names)
        results: list[PodResult] = []
        for photo in photos:
            if isinstance(photo, str | Path):
                path = str(Path(photo).resolve())
            else:
                path = next(labels, "") or "<image>"
            results.extend(self._prove_photo(photo, path))
        return results

    def _prove_photo(self, photo: str | Path | Image.Image, path: str) -> list[PodResult]:
        # Pillow and zbar load only when a photo is read, not with every Warehouse.
        from picker.adapters import pod

        try:
            decoding = pod.decode_symbols(
                photo, symbols=pod.MANIFEST_SYMBOLS, accept=pod.is_manifest
            )
        except InputError as exc:
            return [
                PodResult(
                    path,
                    False,
                    reason="unreadable_file",
                    message=pod_reason_text("unreadable_file", path=path, error=exc.message),
                )
            ]
        payloads = tuple(decoding.payloads)
        ids = manifests_read(payloads)
        if not ids:
            reason = "not_a_manifest" if payloads else "no_code"
            return [
                PodResult(
                    path,
                    False,
                    reason=reason,
                    message=pod_reason_text(reason, path=path, codes=", ".join(payloads)),
                    payloads=payloads,
                )
            ]
        return [
            self._deliver_manifest(mid, pages, path, payloads, decoding.attempt)
            for mid, pages in ids.items()
        ]

    def _deliver_manifest(
        self,
        raw: str,
        pages: frozenset[tuple[int, int]],
        path: str,
        payloads: tuple[str, ...],
        attempt: str,
    ) -> PodResult:
        """Mark the manifest delivered, or, read by `pages` ((page, of pages)), those pages
        signed and the manifest delivered once every page is."""
        parsed = parse_manifest_id(raw)
        assert parsed is not None
        committee, day, seq = parsed
        catalog = self.catalog().committees
        code = {c.upper(): c for c in catalog}.get(committee.upper())
        base = PodResult(path, False, manifest=raw, payloads=payloads, attempt=attempt)
        if code is None:
            return rejected(base, "unknown_committee", manifest=raw, committee=committee)
        mid = manifest_id(code, day, seq)
        name = catalog[code].name
        created = already = False
        with db.write(self.db):
            found = manifest_rows.get_manifest(self.db, mid)
            if found is None:
                bags = manifest_rows.unmanifested_bags(self.db, code, loaded_on_day=day.isoformat())
                if not bags:
                    return rejected(
                        base, "unknown_manifest", manifest=mid, committee=name, day=day.isoformat()
                    )
                stop = rows.stop_of(self.db, day.isoformat(), code)
                routes = Counter(route for _bag, route in bags)
                manifest_rows.insert_manifest(
                    self.db,
                    manifest_id=mid,
                    committee=code,
                    day=day.isoformat(),
                    seq=seq,
                    route_id=stop[0] if stop else routes.most_common(1)[0][0],
                    created_at=self.now(),
                    bags=[bag for bag, _route in bags],
                )
                created = True
                found = manifest_rows.get_manifest(self.db, mid)
                assert found is not None
            missing: tuple[int, ...] = ()
            count = 0
            if found.delivered_at:
                already = True
                delivered_at = found.delivered_at
            else:
                delivered_at = self.now()
                if pages:
                    for page, of in sorted(pages):
                        manifest_rows.sign_page(self.db, mid, page, of, delivered_at, path)
                    (proof,) = proofs(manifest_rows.signed_pages(self.db, mid))
                    missing, count = proof.missing, proof.pages
                if not missing:
                    manifest_rows.set_delivered(self.db, mid, delivered_at, path)
                    for route in manifest_rows.routes_of_manifest(self.db, mid):
                        self._finish_route(route)
        signed = tuple(sorted({page for page, _of in pages}))
        if missing:
            return PodResult(
                path,
                True,
                mid,
                code,
                name,
                message=pages_text(path, mid, name, signed, missing, count),
                created=created,
                payloads=payloads,
                attempt=attempt,
                pages=count,
                signed=signed,
                missing=missing,
            )
        if already:
            message = _(
                "{path}: manifest {manifest} of {committee} was delivered already at {at}",
                path=path,
                manifest=mid,
                committee=name,
                at=delivered_at,
            )
        elif count:
            message = _(
                "{path}: manifest {manifest} of {committee} delivered: all {pages} pages signed",
                path=path,
                manifest=mid,
                committee=name,
                pages=count,
            )
        else:
            message = _(
                "{path}: manifest {manifest} of {committee} delivered",
                path=path,
                manifest=mid,
                committee=name,
            )
        return PodResult(
            path,
            True,
            mid,
            code,
            name,
            message=message,
            created=created,
            already=already,
            delivered_at=delivered_at,
            payloads=payloads,
            attempt=attempt,
            pages=count,
            signed=signed,
        )

    def _finish_route(self, route_id: str) -> None:
        """A departed route whose every loaded bag is on a delivered manifest is done."""
        route = rows.get_route(self.db, route_id)
        if (
            route
            and route.status == RouteState.DEPARTED
            and not manifest_rows.undelivered_loads(self.db, route_id)
        ):
            rows.set_status(self.db, route_id, RouteState.DONE)
