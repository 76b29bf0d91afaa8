"""Money as integer fen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from picker.domain.money import format_fen, parse_fen


@pytest.mark.parametrize(
    "text, fen",
    [
        ("38.80", 3880),
        ("38.8", 3880),
        ("38", 3800),
        ("￥38.80", 3880),
        ("¥38.80", 3880),
        ("38.80元", 3880),
        ("1,038.80", 103880),
        ("RMB 12.5", 1250),
        (" 0.01 ", 1),
        (12, 1200),
        (12.5, 1250),
        (Decimal("0.10"), 10),
        ("-3.20", -320),
    ],
)
def test_parse_fen(text: str | int | float | Decimal, fen: int) -> None:
    assert parse_fen(text) == fen


@pytest.mark.parametrize("text", ["", "元", "abc", "1.234", "NaN", "inf", "1.2.3", True])
def test_parse_fen_refuses_what_is_not_an_amount(text: object) -> None:
    with pytest.raises(ValueError):
        parse_fen(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fen, text",
    [
        (0, "￥0.00"),
        (5, "￥0.05"),
        (3880, "￥38.80"),
        (123456789, "￥1,234,567.89"),
        (-320, "-￥3.20"),
    ],
)
def test_format_fen_uses_the_full_width_yuan_sign(fen: int, text: str) -> None:
    assert format_fen(fen) == text
    assert format_fen(fen, symbol="") == text.replace("￥", "")
