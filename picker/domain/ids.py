"""The warehouse's own printed ids: bag, manifest and crate codes. Pure.

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


def parse_manifest_id(code: str) -> tuple[str, date, int] | None:
    """(committee, day, seq) of a manifest id, or None."""
    if code[:3].upper() != "MF-" or code.count("-") < 3:
        return None
    committee, ymd, seq = code[3:].rsplit("-", 2)
    if not (
        _id_part(committee)
        and len(ymd) == 8
        and ymd.isascii()
        and ymd.isdigit()
        and seq.isascii()
        and seq.isdigit()
        and seq[0] != "0"
    ):
        return None
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None
    return committee, day, int(seq)


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
