"""Use cases of live intake: pulling the platform's feed and applying its refund and cancel
events (the watch folder is `picker.app.watch_folder`).

A page of orders lands in one transaction with its cursor: a crash before the commit leaves
both as they were, so the page is asked for again and nothing is skipped or repeated. Events
are stored with their cursor the same way, then applied one by one, each exactly once
(`UNIQUE(source, event_id)` and the event's outcome, checked under the write lock).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import db
from db import feed as rows
from db import store
from picker.app.context import Context, Service
from picker.app.feed_events import FeedEvents
from picker.app.imports import Imports
from picker.domain import importing
from picker.domain.feed import (
    BAD_EVENT,
    MAX_ID,
    FeedConfig,
    FeedError,
    FeedUnavailable,
    Page,
    backoff,
    parse_event,
    parse_page,
)
from picker.domain.json_items import raw_text, storable
from picker.domain.model import Catalog, Reject
from picker.domain.states import FeedStatus
from picker.errors import InputError
from picker.i18n import _

if TYPE_CHECKING:
    from picker.adapters.feed_http import FeedTransport

#: Pages in a row whose cursor does not move before a round stops (the feed is stuck).
MAX_STALLS = 3

#: `sleep(seconds)`; a true result means "stop now" (`threading.Event.wait` works as one).
Sleep = Callable[[float], object]


class _Stopped(Exception):
    """The caller asked the round to stop while it was waiting to retry."""


@dataclass(slots=True)
class PullReport:
    """What one round of one feed did."""

    source: str
    status: str = FeedStatus.OK
    error: str = ""
    pages: int = 0
    orders_added: int = 0
    amount_fen: int = 0
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    events_received: int = 0
    #: Outcome -> events applied (or looked at again) this round.
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Exceptions raised for the lead this round, as `order_exceptions()` lists them.
    exceptions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == FeedStatus.OK


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed as the lead sees it: configured or only remembered, and how it is doing."""

    name: str
    url: str
    status: str
    last_ok_at: str | None
    last_error: str
    open_events: int
    configured: bool


class Intake(Service):
    """The feed's use cases: orders go in as a file import's do, events are applied by
    `FeedEvents`."""

    def __init__(self, ctx: Context, imports: Imports, events: FeedEvents) -> None:
        super().__init__(ctx)
        self.imports = imports
        self.events = events

    def feed_config(self, name: str) -> FeedConfig:
        for feed in self.settings.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(f.name for f in self.settings.feeds) or "-"
        raise InputError(
            _("no feed {name} in the config file (feeds: {known})", name=name, known=known)
        )

    def pull_once(
        self, source: str, *, transport: FeedTransport | None = None, sleep: Sleep = time.sleep
    ) -> PullReport:
        """One round of one feed: every new page of orders, then of events, then the events.

        Timeouts, dropped connections and 5xx are retried with backoff up to the feed's
        `max_attempts`; if they persist the round ends with status "retrying" (never an
        exception). A bad token raises `FeedUnauthorized` after recording the status.
        """
        feed = self.feed_config(source)
        if transport is None:
            # The HTTP stack loads when a feed is pulled, not with every Warehouse.
            from picker.adapters.feed_http import HttpFeed

            transport = HttpFeed(feed)
        client = transport
        report = PullReport(feed.name)
        with db.write(self.db):
            rows.ensure_source(self.db, feed.name)
        first_exception = rows.last_exception_id(self.db)
        try:
            catalog = self.catalog()
            self._pull_pages(feed, client, "orders", sleep, report, catalog)
            self._pull_pages(feed, client, "events", sleep, report, catalog)
        except FeedUnavailable as exc:
            report.status, report.error = exc.status, exc.message
        except _Stopped:
            report.status, report.error = FeedStatus.STOPPED, ""
            return report
        except FeedError as exc:  # unauthorized, refused, a page not in the feed's format
            self._set_status(feed.name, exc.status, exc.message, ok=False)
            raise
        except Exception as exc:
            # Not for the feed to swallow, but `picker feeds` must show why pulling stopped.
            error = _("pulling stopped on an error: {error}", error=f"{type(exc).__name__}: {exc}")
            self._set_status(feed.name, FeedStatus.FAILED, storable(error)[:500], ok=False)
            raise
        # Events wait for their orders: try the open ones even when the feed is down.
        outcomes, _raised = self.events.apply_open_events(feed.name)
        report.outcomes.update(outcomes)
        # Also those raised as this round's orders met the events that waited for them.
        report.exceptions = self.events.order_exceptions(after_id=first_exception)
        self._set_status(feed.name, report.status, report.error, ok=report.ok)
        return report

    def _set_status(self, name: str, status: str, error: str, *, ok: bool) -> None:
        with db.write(self.db):
            rows.set_status(self.db, name, status, error, self.now(), ok=ok)

    def _fetch(
        self, feed: FeedConfig, client: FeedTransport, kind: str, after: str, sleep: Sleep
    ) -> tuple[Page, bytes]:
        """One page, retried with backoff while the feed is unavailable."""
        failure: FeedUnavailable | None = None
        for attempt in range(feed.max_attempts):
            if attempt and sleep(backoff(attempt)):
                raise _Stopped
            try:
                body = client.get(kind, after, feed.page_size)
                return parse_page(body, after, feed.name), body
            except FeedUnavailable as exc:
                failure = exc
                # Shown while the retries go on, so the lead sees a feed in trouble at once.
                self._set_status(feed.name, exc.status, exc.message, ok=False)
        assert failure is not None
        raise failure

    def _pull_pages(
        self,
        feed: FeedConfig,
        client: FeedTransport,
        kind: str,
        sleep: Sleep,
        report: PullReport,
        catalog: Catalog,
    ) -> None:
        stalls = 0
        while True:
            after = rows.cursor(self.db, feed.name, kind)
            page, body = self._fetch(feed, client, kind, after, sleep)
            if kind == "orders":
                self._store_orders(feed.name, after, page, body, report, catalog)
            else:
                self._store_events(feed.name, after, page, body, report)
            report.pages += 1
            stalls = stalls + 1 if page.next == after else 0
            if not page.more or stalls >= MAX_STALLS:
                return

    def _store_orders(
        self,
        name: str,
        after: str,
        page: Page,
        body: bytes,
        report: PullReport,
        catalog: Catalog,
    ) -> None:
        """The page's orders, rejects and the new cursor, in one transaction."""
        source = f"{name}/orders?after={after}"
        parsed = None
        if page.items:
            # The file import's own checks: same validation, same rejects.
            parsed = importing.parse_items(page.items, source, catalog)
        conn = self.db
        with importing.paused_gc(), db.write(conn):
            if rows.cursor(conn, name, "orders") != after:
                return  # another puller stored this page meanwhile
            if parsed is not None:
                new, duplicates, rejects = self.imports.classify(parsed)
                import_id = store.record_import(
                    conn,
                    source=source,
                    sha256=hashlib.sha256(body).hexdigest(),
                    at=self.clock(),
                    rows=parsed.rows,
                    added=len(new),
                    duplicate=duplicates,
                    rejected=len({r.order_no or r.line for r in rejects}),
                )
                store.insert_orders(conn, new, import_id)
                waited = self.events.apply_waiting_events([o.order_no for o in new])
                # A page comes again at another cursor: the same reject is kept once.
                store.insert_rejects(conn, rejects, import_id, origin=f"{name}/orders?")
            rows.set_cursor(conn, name, "orders", page.next, self.now())
        if parsed is not None:
            report.orders_added += len(new)
            report.amount_fen += sum(o.amount_fen for o in new)
            report.duplicates += duplicates
            report.rejects.extend(rejects)
            report.outcomes.update(waited)

    def _store_events(
        self, name: str, after: str, page: Page, body: bytes, report: PullReport
    ) -> None:
        """The page's events (not yet applied), bad ones as rejects, and the cursor: one
        transaction."""
        source = f"{name}/events?after={after}"
        received = self.clock()
        good: list[tuple[str, str, str, int | None, str]] = []
        bad: list[Reject] = []
        for pos, item in enumerate(page.items, start=1):
            event, error = parse_event(item, received)
            if event is None:
                fields = item if isinstance(item, dict) else {}
                label = _id_text(fields.get("id")) or f"#{pos}"
                params = (("event", label), ("error", error))
                order_no = _id_text(fields.get("order_no"))
                bad.append(Reject(source, pos, BAD_EVENT, params, order_no, raw_text(item)))
                continue
            amount = event.amount_fen
            good.append((event.event_id, event.order_no, event.kind.value, amount, _iso(event.at)))
        conn = self.db
        with db.write(conn):
            if rows.cursor(conn, name, "events") != after:
                return
            new = rows.insert_events(conn, name, good, _iso(received))
            if page.items:
                import_id = store.record_import(
                    conn,
                    source=source,
                    sha256=hashlib.sha256(body).hexdigest(),
                    at=received,
                    rows=len(page.items),
                    added=new,
                    duplicate=len(good) - new,
                    rejected=len(bad),
                )
                store.insert_rejects(conn, bad, import_id, origin=f"{name}/events?")
            rows.set_cursor(conn, name, "events", page.next, self.now())
        report.events_received += new
        report.rejects.extend(bad)

    def feed_status(self) -> list[FeedState]:
        """Every configured feed, and any other one the warehouse pulled from before."""
        seen = {r["name"]: r for r in rows.sources(self.db)}
        out = []
        for feed in self.settings.feeds:
            r = seen.pop(feed.name, None) or {}
            out.append(_feed_state(feed.name, feed.url, r, configured=True))
        out.extend(_feed_state(name, "", r, configured=False) for name, r in seen.items())
        return out


def _feed_state(name: str, url: str, r: dict[str, Any], *, configured: bool) -> FeedState:
    return FeedState(
        name=name,
        url=url,
        status=r.get("status", FeedStatus.IDLE),
        last_ok_at=r.get("last_ok_at"),
        last_error=r.get("last_error", ""),
        open_events=r.get("open_events", 0),
        configured=configured,
    )


def _id_text(value: object) -> str:
    """An id or order number of an unreadable event, as far as it is text at all."""
    return storable(str(value))[:MAX_ID] if isinstance(value, str | int) and value else ""


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
