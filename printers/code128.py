"""CODE128 symbols for barcodes drawn as images (PNG preview, `barcodes = "image"` printers).

Code set B carries printable ASCII; runs of digits switch to code set C (two digits a symbol),
which keeps numeric bag ids short enough for 58 mm paper.
"""

from __future__ import annotations

# Bar/space widths of symbol values 0..105, in modules.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232"
)
_WIDTHS = _TABLE.split()
_STOP = "2331112"
_CODE_C, _CODE_B, _START_B, _START_C = 99, 100, 104, 105


def _modules(widths: str) -> str:
    return "".join(("1" if k % 2 == 0 else "0") * int(w) for k, w in enumerate(widths))


_PATTERNS = tuple(_modules(w) for w in _WIDTHS)


def code128_values(data: str) -> list[int]:
    """Symbol values: start code, data (B, or C for digit runs), checksum. No stop."""
    if not data or not all(" " <= c <= "~" for c in data):
        raise ValueError(f"CODE128 data must be printable ASCII: {data!r}")
    values: list[int] = []
    current = 0
    for run, is_c in code128_runs(data):
        wanted = _START_C if is_c else _START_B
        if not values:
            values.append(wanted)
        elif wanted != current:
            values.append(_CODE_C if is_c else _CODE_B)
        current = wanted
        if is_c:
            values.extend(int(run[k : k + 2]) for k in range(0, len(run), 2))
        else:
            values.extend(ord(c) - 32 for c in run)
    checksum = values[0] + sum(k * v for k, v in enumerate(values[1:], start=1))
    values.append(checksum % 103)
    return values


def code128_runs(data: str) -> list[tuple[str, bool]]:
    """Split into (text, code set C?) runs. C pays off for 4+ digits at an end, 6+ inside."""
    runs: list[tuple[str, bool]] = []
    text: list[str] = []
    i, n = 0, len(data)
    while i < n:
        if not data[i].isdigit():
            text.append(data[i])
            i += 1
            continue
        j = i
        while j < n and data[j].isdigit():
            j += 1
        length = j - i
        if length >= (4 if i == 0 or j == n else 6) or length == n == 2:
            if length % 2:  # an odd run leaves its first digit to code set B
                text.append(data[i])
                i += 1
            if text:
                runs.append(("".join(text), False))
                text = []
            runs.append((data[i:j], True))
        else:
            text.append(data[i:j])
        i = j
    if text:
        runs.append(("".join(text), False))
    return runs


def code128_modules(data: str) -> str:
    """The symbol as modules, `1` bar and `0` space, without quiet zones."""
    return "".join(_PATTERNS[v] for v in code128_values(data)) + _modules(_STOP)


def escpos_code128(data: str) -> str:
    """`GS k` CODE128 data with the same code sets: `{B` text (`{` doubled), `{C` digit pairs
    as byte values. Starts with `{B` unless the data starts with a long run of digits."""
    parts = []
    for run, is_c in code128_runs(data):
        if is_c:
            parts.append("{C" + "".join(chr(int(run[k : k + 2])) for k in range(0, len(run), 2)))
        else:
            parts.append("{B" + run.replace("{", "{{"))
    return "".join(parts)
