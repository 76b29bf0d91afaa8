"""A count of a product's selling unit, as the reader says it: "2 bags" in English, "2 袋"
in Chinese.

The unit is catalogue data (袋, 斤, 盒, …), but it is a word of the sentence it stands in, not
part of the product's name: left in Chinese it made English lines such as "2 袋 大米 5kg
not picked". The usual measure words are translated, with their plurals; a unit the
catalogue brings that is not among them is shown as it is written, like the product name.
One unit to one English word, so a Chinese reader gets back the very unit of the catalogue.
Printed documents are Chinese and keep the catalogue's unit.
"""

from __future__ import annotations

from picker.i18n import _n

# `{qty}`, not `{n}`: "{n} bag" is already the dashboard's count of closed bags (已封袋 {n}).


def quantity(count: int, unit: str, shown: str | None = None) -> str:
    """`count` of `unit` in the reader's language; `shown` replaces the number (e.g. "3/4",
    whose plural follows `count`)."""
    n = str(count) if shown is None else shown
    match unit:
        case "袋":
            return _n("{qty} bag", "{qty} bags", count, qty=n)
        case "份":
            return _n("{qty} portion", "{qty} portions", count, qty=n)
        case "斤":
            return _n("{qty} jin", "{qty} jin", count, qty=n)
        case "个":
            return _n("{qty} piece", "{qty} pieces", count, qty=n)
        case "瓶":
            return _n("{qty} bottle", "{qty} bottles", count, qty=n)
        case "盒":
            return _n("{qty} box", "{qty} boxes", count, qty=n)
        case "桶":
            return _n("{qty} tub", "{qty} tubs", count, qty=n)
        case "箱":
            return _n("{qty} case", "{qty} cases", count, qty=n)
        case "包":
            return _n("{qty} pack", "{qty} packs", count, qty=n)
        case "罐":
            return _n("{qty} can", "{qty} cans", count, qty=n)
        case "把":
            return _n("{qty} bunch", "{qty} bunches", count, qty=n)
        case "公斤":
            return _n("{qty} kg", "{qty} kg", count, qty=n)
        case "克":
            return _n("{qty} g", "{qty} g", count, qty=n)
    return f"{n} {unit}".rstrip()


def unit_word(count: int, unit: str) -> str:
    """The unit alone, as it goes with `count` ("bags" for 2 袋 in English)."""
    return quantity(count, unit, "").strip()
