"""Money as integer fen: parsing what bank exports write, and formatting for people."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_STRIP = str.maketrans("", "", "￥¥元, \u3000RMBrmbCNYcny")


def parse_fen(text: str | int | float | Decimal) -> int:
    """`"￥12.50"`, `"12.5元"`, `"1,234"`, `12.5` -> fen. Raises ValueError on anything else.

    More than two decimals is an error rather than a rounding: a bank amount never has them.
    """
    if isinstance(text, bool):
        raise ValueError(f"not an amount: {text!r}")
    if isinstance(text, int):
        return text * 100
    if isinstance(text, float):
        text = repr(text)
    cleaned = str(text).translate(_STRIP)
    if not cleaned:
        raise ValueError("empty amount")
    # A bank amount has no exponent; "1e999999999" would build a billion-digit number.
    if "e" in cleaned.lower():
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def format_fen(fen: int, symbol: str = "￥") -> str:
    """12345 -> `￥123.45`. The full-width ￥ prints on GBK printers; U+00A5 does not."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{symbol}{fen // 100:,}.{fen % 100:02d}"
