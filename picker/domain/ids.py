"""The warehouse's own printed ids: bag, manifest (and manifest page) and crate codes. Pure.

Each id is ASCII (Code128 on paper, typed by a wedge scanner whatever the keyboard layout):
a prefix, the order number or committee code, a number. The makers refuse values that would
not parse back; the parsers return None for anything else, so `picker.domain.scanning.resolve`
can try them in turn.
"""

from __future__ import annotations

from datetime import date

_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.-")


def _id_part(value: str) -> bool:
    return bool(value) and set(value) <= _ID_CHARS


def bag_id(order_no: str, k: int) -> str:
    """The ASCII Code128 id on bag k of an order: `BG20220412000001-2`."""
    if not _id_part(order_no) or k < 1:
        raise ValueError(f"no bag id for order {order_no!r} bag {k}")
    return f"BG{order_no}-{k}"


def parse_bag_id(code: str) -> tuple[str, int] | None:
    """(order number, k) of a bag id, or None."""
    if code[:2].upper() != "BG":
        return None
    order_no, sep, k = code[2:].rpartition("-")
    if not (sep and _id_part(order_no) and k.isascii() and k.isdigit() and k[0] != "0"):
        return None
    return order_no, int(k)


def manifest_id(committee: str, day: date, seq: int) -> str:
    """The id on a committee's handover manifest: `MF-XY01-20220412-1`."""
    if not _id_part(committee) or seq < 1:
        raise ValueError(f"no manifest id for committee {committee!r} number {seq}")
    return f"MF-{committee}-{day:%Y%m%d}-{seq}"


#: Pages a manifest can have in its page codes (three digits).
MAX_PAGES = 999


def manifest_page_id(manifest: str, page: int, pages: int) -> str:
    """The code on page `page` of a manifest of `pages` pages: `MF-XY01-20220412-1-P2-15`.

    Each page of a long manifest is signed and photographed on its own, so its QR names the
    page and the page count as well: a photo of any one page says how many must come back.
    """
    if parse_manifest_id(manifest) is None or _split_page(manifest)[1] is not None:
        raise ValueError(f"no page code for {manifest!r}")
    if not 1 <= page <= pages <= MAX_PAGES:
        raise ValueError(f"no page {page} of {pages} for {manifest}")
    return f"{manifest}-P{page}-{pages}"


def _number(text: str) -> int | None:
    """A positive decimal number as printed (no sign, no leading zero), or None."""
    if not (text.isascii() and text.isdigit()) or text[0] == "0":
        return None
    return int(text)


def _split_page(code: str) -> tuple[str, tuple[int, int] | None]:
    """(the manifest part, (page, pages)) of a page code; (code, None) for any other code.

    Unambiguous: a page code ends `-P<page>-<pages>`, a manifest id `-<YYYYMMDD>-<seq>`.
    """
    head, sep, pages = code.rpartition("-")
    manifest, sep2, page = head.rpartition("-")
    if not (sep and sep2 and page[:1] in ("P", "p") and page[1:] and len(pages) <= 3):
        return code, None
    k, n = _number(page[1:]), _number(pages)
    if k is None or n is None or k > n:
        return code, None
    return manifest, (k, n)


def parse_manifest_id(code: str) -> tuple[str, date, int] | None:
    """(committee, day, seq) of a manifest id or of one of its page codes, or None.

    A page code names its manifest: scanned at the dock it is that manifest."""
    code = _split_page(code)[0]
    if code[:3].upper() != "MF-" or code.count("-") < 3:
        return None
    committee, ymd, seq = code[3:].rsplit("-", 2)
    if not (_id_part(committee) and len(ymd) == 8 and ymd.isascii() and ymd.isdigit()):
        return None
    number = _number(seq)
    if number is None:
        return None
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None
    return committee, day, number


def parse_manifest_page(code: str) -> tuple[int, int] | None:
    """(page, pages) of a manifest page code; None for a whole-manifest id (the code printed
    before manifests had pages, and on one-page manifests and route sheets) or anything else."""
    manifest, page = _split_page(code)
    return page if page is not None and parse_manifest_id(manifest) is not None else None


def crate_id(committee: str, number: int) -> str:
    """The id of a committee's reusable crate (周转筐): `CR-XY01-0007`, printed as Code128."""
    if not _id_part(committee) or number < 1:
        raise ValueError(f"no crate id for committee {committee!r} number {number}")
    return f"CR-{committee}-{number:04d}"


def parse_crate_id(code: str) -> tuple[str, int] | None:
    """(committee, number) of a crate id, or None. Leading zeros of the number do not matter."""
    if code[:3].upper() != "CR-":
        return None
    committee, sep, number = code[3:].rpartition("-")
    if not (sep and _id_part(committee) and number.isascii() and number.isdigit()):
        return None
    if len(number) > 6 or int(number) < 1:
        return None
    return committee, int(number)
