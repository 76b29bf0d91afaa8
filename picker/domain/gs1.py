"""GS1 element strings as a scanner sends them: FNC1 as GS, bare, or `(01)…(3103)…`, and the
GS1 check digit. Pure.

Only the syntax lives here (which AI, how long, which characters, which check digit); what a
GTIN means is `picker.domain.scanning`'s business.
"""

from __future__ import annotations

import re

GS = "\x1d"  # FNC1 as scanners transmit it


class Gs1Error(ValueError):
    """A malformed element string; `reason` is a code of `picker.domain.scans.SCAN_REASONS`."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for the digits before it (EAN-8/13, UPC-A, GTIN-14, SSCC):
    weights 3, 1, 3 … from the right. `690123456789` -> `2`."""
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"not digits: {digits!r}")
    total = 3 * sum(map(int, digits[::-2])) + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def shown(code: str) -> str:
    """The code as a red line can show it: GS visible, control characters masked, short."""
    text = "".join("<GS>" if c == GS else "?" if ord(c) < 32 or ord(c) == 127 else c for c in code)
    return text if len(text) <= 48 else text[:47] + "…"


# AI -> (fixed length?, (maximum) length, digits only?); 31nn-36nn measures in `_ai_spec`.
# The AIs a produce label carries, plus the common logistic ones so a label holding them
# still reads; an AI missing here is reported, since its length cannot be known.
_AIS: dict[str, tuple[bool, int, bool]] = {
    "00": (True, 18, True),
    "01": (True, 14, True),
    "02": (True, 14, True),
    "10": (False, 20, False),
    **{ai: (True, 6, True) for ai in ("11", "12", "13", "15", "16", "17")},
    "20": (True, 2, True),
    "21": (False, 20, False),
    "22": (False, 20, False),
    "30": (False, 8, True),
    "37": (False, 8, True),
    "240": (False, 30, False),
    "241": (False, 30, False),
    "400": (False, 30, False),
    **{f"41{d}": (True, 13, True) for d in "01234567"},
    "420": (False, 20, False),
}
_MEASURE = (True, 6, True)
_MEASURE_HEADS = ("31", "32", "33", "34", "35", "36")
_DATES = frozenset({"11", "12", "13", "15", "16", "17"})
_PARENTHESISED = re.compile(r"\((\d{2,4})\)")


def _ai_spec(ai: str) -> tuple[bool, int, bool] | None:
    if ai in _AIS:
        return _AIS[ai]
    if len(ai) == 4 and ai[:2] in _MEASURE_HEADS and ai.isdigit():
        return _MEASURE
    return None


def _gs1_pairs(code: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of FNC1-separated, bare or `(01)...(3103)...` element strings."""
    if code[0] == "(":
        parts = _PARENTHESISED.split(code)
        if parts[0] or len(parts) < 3:
            raise Gs1Error("gs1_malformed", code=shown(code))
        return [(parts[i], parts[i + 1].replace(GS, "").strip()) for i in range(1, len(parts), 2)]
    pairs = []
    pos, end = 0, len(code)
    while pos < end:
        if code[pos] == GS:
            pos += 1
            continue
        for n in (2, 3, 4):
            ai, spec = code[pos : pos + n], _ai_spec(code[pos : pos + n])
            if spec is not None:
                break
        else:
            raise Gs1Error("gs1_unknown_ai", code=shown(code), ai=shown(code[pos : pos + 4]))
        pos += len(ai)
        fixed, size, _digits = spec
        stop = pos + size if fixed else code.find(GS, pos)
        if stop < 0:
            stop = end
        pairs.append((ai, code[pos:stop]))
        pos = stop
    return pairs


def element_strings(code: str) -> dict[str, str]:
    """AI -> value of every element, checked for length, characters and sane dates."""
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for ai, value in _gs1_pairs(code):
        spec = _ai_spec(ai)
        if spec is None:
            raise Gs1Error("gs1_unknown_ai", code=shown(code), ai=ai)
        fixed, size, digits = spec
        key = ai[:3] if ai[:2] in _MEASURE_HEADS else ai  # one net weight, whatever decimals
        if key in seen:
            raise Gs1Error("gs1_malformed", code=shown(code))
        seen.add(key)
        ok = (
            bool(value)
            and (len(value) == size if fixed else len(value) <= size)
            and (value.isascii() and value.isdigit() if digits else value.isprintable())
            and (ai not in _DATES or ("01" <= value[2:4] <= "12" and value[4:] <= "31"))
            and not (key == "310" and ai[3] > "5")
            and not (ai == "37" and int(value) == 0)
        )
        if not ok:
            raise Gs1Error("gs1_bad_value", code=shown(code), ai=ai, value=shown(value))
        fields[ai] = value
    return fields


def kg_to_grams(value: str, decimals: int) -> int:
    """310n value with n decimals in kg -> whole grams, half up beyond 3 decimals."""
    if decimals <= 3:
        return int(value) * 10 ** (3 - decimals)
    scale = 10 ** (decimals - 3)
    return (int(value) + scale // 2) // scale
