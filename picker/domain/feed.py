"""The payment platform's order feed: wire format, settings and retry policy. Pure.

What an event does to an order is `picker.domain.cancellation`; pulling is `picker.app.intake`.

The feed
--------
The warehouse polls two lists over HTTP, each read forward from a cursor::

    GET {url}/orders?after=CURSOR&limit=N
    GET {url}/events?after=CURSOR&limit=N
    Authorization: Bearer TOKEN

`after` is empty on the first call. Each answer is one JSON page (UTF-8)::

    {"items": [...], "next": "CURSOR", "more": true}

`next` is the cursor to send for the following page (an opaque string; a number is taken as
its text); `more` is false when the feed has nothing further for now. A page may repeat items
already sent, and `next` may equal `after`: nothing is imported twice, and the warehouse asks
again. Order items have the fields of a JSON file import (`picker import`)::

    {"order_no": "20220412000123", "paid_at": "2022-04-12T08:15:00+08:00",
     "amount": "71.80", "payment_code": "QR01", "committee": "青平居委",
     "community": "青平小区", "building": "12", "unit": "2", "room": "301",
     "name": "张三明", "phone": "13812345678", "note": "", "status": "paid",
     "lines": [{"sku": "SKU0001", "qty": 1, "unit_price": "38.80"},
               {"product": "鸡蛋 30枚", "qty": 1, "unit_price": "33.00"}]}

and are checked by the same rules: a bad order is rejected whole and kept for the shift lead.
Event items say the platform refunded or cancelled an order::

    {"id": "E000042", "order_no": "20220412000123", "kind": "refund", "amount": "12.50",
     "at": "2022-04-12T09:01:00+08:00"}

`kind` is `refund` or `cancel`; `amount` (yuan) is only for a partial refund: without it the
whole order is refunded. `id` is unique per feed; an event is applied once however often it is
sent. An event may arrive before its order; it is applied when the order arrives.

Answers: 200 with a page; 401 or 403 for a bad token (polling stops until the config is
fixed); any other 4xx stops too; 5xx, 429, timeouts and dropped connections are retried with
growing waits (1, 2, 4 … seconds, at most a minute).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from picker.domain import json_items
from picker.domain.importing import parse_time
from picker.domain.model import SHANGHAI, Order
from picker.domain.money import format_fen, parse_fen
from picker.domain.order_fields import MAX_FEN
from picker.domain.retry import backoff
from picker.domain.states import FeedStatus
from picker.errors import InputError, PickerError
from picker.i18n import N_, _


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One feed of the config file: `[feeds.NAME]` url, token, interval_seconds, …"""

    name: str
    url: str
    token: str = ""
    #: Seconds between polls when the feed is healthy.
    interval_seconds: float = 30.0
    #: Seconds one HTTP request may take before it counts as failed.
    timeout_seconds: float = 10.0
    #: Items asked for per page.
    page_size: int = 200
    #: Tries of one request before the round gives up (the poller tries again later).
    max_attempts: int = 5


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """The back office's drop folder: `[watch]` folder, interval_seconds, settle_seconds."""

    folder: Path
    interval_seconds: float = 10.0
    #: A file modified more recently than this is still being written: left for next round.
    settle_seconds: float = 2.0


def feeds_from_toml(data: Mapping[str, Any], path: object) -> tuple[FeedConfig, ...]:
    """The `[feeds.NAME]` tables of a parsed config file."""
    out = []
    for name, table in dict(data.get("feeds", {})).items():
        if not isinstance(table, Mapping) or not str(table.get("url", "")).strip():
            raise InputError(
                _("config file {path}: [feeds.{name}] needs a url", path=path, name=name)
            )
        default = FeedConfig(name, "")
        try:
            out.append(
                FeedConfig(
                    name=name,
                    url=str(table["url"]).rstrip("/"),
                    token=str(table.get("token", "")),
                    interval_seconds=float(table.get("interval_seconds", default.interval_seconds)),
                    timeout_seconds=float(table.get("timeout_seconds", default.timeout_seconds)),
                    page_size=max(1, int(table.get("page_size", default.page_size))),
                    max_attempts=max(1, int(table.get("max_attempts", default.max_attempts))),
                )
            )
        except (TypeError, ValueError) as exc:
            raise InputError(_("config file {path}: {error}", path=path, error=exc)) from None
    return tuple(out)


def watch_from_toml(data: Mapping[str, Any], path: object) -> WatchConfig | None:
    """The `[watch]` table of a parsed config file, None when there is no folder."""
    table = data.get("watch", {})
    if not table.get("folder"):
        return None
    default = WatchConfig(Path())
    try:
        return WatchConfig(
            folder=Path(str(table["folder"])).expanduser(),
            interval_seconds=float(table.get("interval_seconds", default.interval_seconds)),
            settle_seconds=float(table.get("settle_seconds", default.settle_seconds)),
        )
    except (TypeError, ValueError) as exc:
        raise InputError(_("config file {path}: {error}", path=path, error=exc)) from None


class FeedError(PickerError):
    """The feed could not be read; `status` is what `feed_sources.status` records."""

    exit_code = 2
    status = FeedStatus.FAILED


class FeedUnavailable(FeedError):
    """Timeout, dropped connection, 5xx or 429: worth trying again after a wait."""

    status = FeedStatus.RETRYING


class FeedUnauthorized(FeedError):
    """401 or 403: the token is wrong or revoked. Retrying would not help."""

    status = FeedStatus.UNAUTHORIZED


class FeedRefused(FeedError):
    """Another 4xx, or a page that is not in the feed's format: a setup problem."""


def error_for_status(code: int, source: str, detail: str = "") -> FeedError:
    """The error an HTTP status (other than 200) stands for."""
    if code in (401, 403):
        return FeedUnauthorized(
            _(
                "feed {source} refused the token (HTTP {code}): check [feeds.{source}] token",
                source=source,
                code=code,
            )
        )
    if code >= 500 or code in (408, 429):
        return FeedUnavailable(_("feed {source} answered HTTP {code}", source=source, code=code))
    return FeedRefused(
        _(
            "feed {source} refused the request (HTTP {code}): {detail}",
            source=source,
            code=code,
            detail=detail[:200],
        )
    )


def next_poll(interval: float, failed_rounds: int, cap: float = 60.0) -> float:
    """Seconds until the next round: the interval when healthy, a growing wait when not.

    A failing feed is not hammered, and is not left alone longer than the interval or a
    minute, whichever is longer, so a recovered feed is noticed soon.
    """
    if failed_rounds <= 0:
        return interval
    return backoff(failed_rounds, cap=max(interval, cap))


def page_url(url: str, kind: str, after: str, limit: int) -> str:
    """`{url}/orders?after=…&limit=…` (kind is "orders" or "events")."""
    return f"{url.rstrip('/')}/{kind}?{urlencode({'after': after, 'limit': limit})}"


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of the feed."""

    items: tuple[Any, ...]
    next: str
    more: bool


def parse_page(body: bytes, after: str, source: str) -> Page:
    """Read a page. A cut-off body is `FeedUnavailable` (try again); a wrong shape is refused.

    One broken item does not cost the page: bytes that are not UTF-8 become lone surrogates
    and a value nested too deep an `Unreadable`, both rejected with their item.
    """
    try:
        # Down to each item's fields (page, items, item, field).
        data = json_items.loads(body.decode("utf-8", "surrogateescape"), 3)
    except json.JSONDecodeError as exc:
        raise FeedUnavailable(
            _("feed {source} sent an unreadable page: {error}", source=source, error=exc)
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedRefused(_("feed {source} sent a page without items", source=source))
    nxt = data.get("next")
    more = data.get("more", False)
    if nxt is None or nxt == "":
        nxt = after
    if (
        not isinstance(nxt, str | int)
        or isinstance(nxt, bool)
        or (isinstance(nxt, str) and json_items.broken(nxt))
        or not isinstance(more, bool)
    ):
        raise FeedRefused(_("feed {source} sent a page without items", source=source))
    return Page(tuple(data["items"]), str(nxt), more)


class EventKind(StrEnum):
    REFUND = "refund"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Event:
    """A refund or cancellation of one order, as the platform reports it."""

    event_id: str
    order_no: str
    kind: EventKind
    #: A partial refund's amount; None refunds the whole order.
    amount_fen: int | None
    at: datetime


#: The longest event id or order number an event may carry.
MAX_ID = 200

#: The reason code of an unreadable event among the import rejects; it is its own message.
BAD_EVENT = N_("event {event} is unreadable: {error}")


def parse_event(item: object, received_at: datetime) -> tuple[Event | None, str]:
    """An event item, or None and what is wrong with it (in English, for the reject)."""
    if not isinstance(item, dict):
        return None, "not an object"
    for key in ("id", "order_no", "kind", "amount", "at"):
        value = item.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float | None):
            return None, f"{key} is not text"
        if isinstance(value, str) and json_items.broken(value):
            return None, f"{key} has a broken character"
    event_id = str(item.get("id") or "").strip()
    order_no = str(item.get("order_no") or "").strip()
    if not event_id:
        return None, "no id"
    if not order_no:
        return None, "no order_no"
    if max(len(event_id), len(order_no)) > MAX_ID:
        return None, "id or order_no too long"
    try:
        kind = EventKind(str(item.get("kind", "")).strip().lower())
    except ValueError:
        return None, f"kind {item.get('kind')!r} is not refund or cancel"
    amount = None
    raw_amount = item.get("amount")
    if raw_amount not in (None, "") and kind is EventKind.REFUND:
        try:
            amount = parse_fen(raw_amount)
        except ValueError:
            amount = -1
        if not 0 < amount <= MAX_FEN:
            return None, f"amount {raw_amount!r} is not an amount above 0"
    at = received_at
    if item.get("at"):
        parsed = parse_time(str(item["at"]))
        if parsed is None:
            return None, f"at {item['at']!r} is not a date and time"
        at = parsed
    return Event(event_id, order_no, kind, amount, at), ""


def order_item(order: Order, committee: str | None = None) -> dict[str, Any]:
    """An order as the feed sends it (`committee`: the name to send instead of the code)."""
    a = order.address
    return {
        "order_no": order.order_no,
        "paid_at": order.paid_at.astimezone(SHANGHAI).isoformat(),
        "amount": format_fen(order.amount_fen, symbol=""),
        "payment_code": order.payment_code,
        "committee": committee or order.committee,
        "community": a.community,
        "building": a.building,
        "unit": a.unit,
        "room": a.room,
        "name": order.name,
        "phone": order.phone,
        "note": order.note,
        "status": order.status.value,
        "lines": [
            {"sku": ln.sku, "qty": ln.qty, "unit_price": format_fen(ln.unit_price_fen, symbol="")}
            for ln in order.lines
        ],
    }


def event_item(event: Event) -> dict[str, Any]:
    """An event as the feed sends it."""
    item: dict[str, Any] = {
        "id": event.event_id,
        "order_no": event.order_no,
        "kind": event.kind.value,
        "at": event.at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
    }
    if event.amount_fen is not None:
        item["amount"] = format_fen(event.amount_fen, symbol="")
    return item


#: `feed_sources.status` as people read it.
STATUS_LABELS: dict[str, str] = {
    FeedStatus.IDLE: N_("not pulled yet"),
    FeedStatus.OK: N_("ok"),
    FeedStatus.RETRYING: N_("unavailable, retrying"),
    FeedStatus.UNAUTHORIZED: N_("token refused"),
    FeedStatus.FAILED: N_("refused, check the config"),
    FeedStatus.STOPPED: N_("stopped"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))
