"""What a photo of a signed manifest proved: one `PodResult` per manifest read, or why the
photo proved nothing, with the texts the lead reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from picker.domain.ids import manifest_id, parse_manifest_id, parse_manifest_page
from picker.domain.manifest_pages import page_ranges
from picker.i18n import N_, _, _n

POD_REASONS: dict[str, str] = {
    "unreadable_file": N_("{path}: cannot open the photo: {error}"),
    "no_code": N_(
        "{path}: no readable code on the photo; photograph the manifest again, flat and in "
        "good light, with the whole QR code in the picture"
    ),
    "not_a_manifest": N_("{path}: the code on the photo ({codes}) is not a manifest code"),
    "unknown_committee": N_("{path}: manifest {manifest} is for an unknown committee {committee}"),
    "unknown_manifest": N_(
        "{path}: manifest {manifest} was never issued and no bags of {committee} were loaded "
        "on {day}"
    ),
}


@dataclass(frozen=True, slots=True)
class PodResult:
    """What one photo proved. `ok` is False when it proved nothing: `message` says why."""

    path: str
    ok: bool
    manifest: str | None = None
    committee: str | None = None
    committee_name: str | None = None
    reason: str = ""
    message: str = ""
    #: The manifest had no record: it was made from the committee's loaded bags.
    created: bool = False
    #: The manifest was delivered before (by an earlier photo); nothing changed.
    already: bool = False
    delivered_at: str | None = None
    #: Every code read on the photo.
    payloads: tuple[str, ...] = ()
    #: Which variant of the photo was read (`as-is`, `x2 sharpen`, ...).
    attempt: str = ""
    #: Read by its pages: the page count, the pages on this photo, those still to come back
    #: (the manifest is delivered only when none is).
    pages: int = 0
    signed: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()

    @property
    def outcome(self) -> str:
        """`delivered`, `pages_signed` (some pages still to come back) or `rejected`."""
        if not self.ok:
            return "rejected"
        return "pages_signed" if self.missing else "delivered"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "outcome": self.outcome,
            "manifest": self.manifest,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "reason": self.reason,
            "message": self.message,
            "created": self.created,
            "already_delivered": self.already,
            "delivered_at": self.delivered_at,
            "codes": list(self.payloads),
            "decoded_by": self.attempt,
            "pages": self.pages,
            "pages_signed": list(self.signed),
            "pages_missing": list(self.missing),
        }


def pod_reason_text(reason: str, **params: object) -> str:
    return _(POD_REASONS[reason]).format(**params)


def rejected(base: PodResult, reason: str, **params: object) -> PodResult:
    return replace(base, reason=reason, message=pod_reason_text(reason, path=base.path, **params))


def manifests_read(payloads: Iterable[str]) -> dict[str, frozenset[tuple[int, int]]]:
    """The manifests a photo's codes name, each with the (page, of pages) read; no pages when
    a whole-manifest code is among them (it proves every page)."""
    read: dict[str, set[tuple[int, int]]] = {}
    whole: set[str] = set()
    for payload in payloads:
        code = payload.strip()
        parsed = parse_manifest_id(code)
        if parsed is None:
            continue
        key, page = manifest_id(*parsed), parse_manifest_page(code)
        read.setdefault(key, set())
        if page is None:
            whole.add(key)
        else:
            read[key].add(page)
    return {key: frozenset(() if key in whole else pages) for key, pages in read.items()}


def pages_text(
    path: str,
    mid: str,
    committee: str,
    signed: tuple[int, ...],
    missing: tuple[int, ...],
    pages: int,
) -> str:
    """Which pages of a manifest are still to come back (first: a narrow screen cuts the
    end of a line), then the pages this photo signed."""
    read = _n(
        "page {signed} signed", "pages {signed} signed", len(signed), signed=page_ranges(signed)
    )
    left = _n(
        "page {missing} of {pages} still to come back",
        "pages {missing} of {pages} still to come back",
        len(missing),
        missing=page_ranges(missing),
        pages=pages,
    )
    return _(
        "{path}: manifest {manifest} not delivered yet: {missing}; {signed} ({committee})",
        path=path,
        manifest=mid,
        committee=committee,
        signed=read,
        missing=left,
    )
