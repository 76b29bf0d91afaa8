"""Live intake in the terminal app: a thread worker polling the feeds and the watch folder.

Mount and start it once the app runs, e.g. in `PickerApp.on_mount`::

    from picker.ui.feed import FeedPoller

    self.feed_poller = FeedPoller(self, self.warehouse)
    self.feed_poller.start()   # returns None, and does nothing, without [feeds.*] or [watch]

It calls `Warehouse.pull_once` for every configured feed at the feed's `interval_seconds`
(waiting longer while a feed is down) and `Warehouse.watch_folder_once` at the watch folder's
interval, all in one thread worker (group "feed-poller"), and reports on the UI thread:

- toasts (`App.notify`): new orders, each exception the lead must decide on (pull a bag, do
  not pack, a partial refund), a feed going down or coming back, a refused token (that feed
  is then left alone until the app restarts), files of the watch folder that failed;
- a `FeedPolled` message posted to the app after every round of a feed, carrying its
  `PullReport` (handle `on_feed_polled` on the app to show the feed's status somewhere).

Screens showing orders need nothing more: they already refresh when the file changes.
`stop()` ends the worker at its next wait; the app cancels its workers on exit anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.message import Message
from textual.worker import Worker

from picker.app.intake import PullReport
from picker.app.warehouse import Warehouse
from picker.app.watch_folder import WatchedFile
from picker.domain.feed import FeedConfig, FeedError, next_poll
from picker.domain.money import format_fen
from picker.domain.states import FeedStatus, WatchOutcome
from picker.errors import PickerError
from picker.i18n import _, _n

log = logging.getLogger(__name__)


class FeedPolled(Message):
    """A round of one feed is done (also when it failed: see `report.status`)."""

    def __init__(self, report: PullReport) -> None:
        super().__init__()
        self.report = report


@dataclass(frozen=True, slots=True)
class Notice:
    """One toast: text, severity ("information", "warning", "error") and seconds shown."""

    text: str
    severity: str = "information"
    timeout: float = 5.0


def pull_notices(report: PullReport, was_ok: bool) -> list[Notice]:
    """What the lead should hear about one round of a feed."""
    out = []
    if report.orders_added:
        out.append(
            Notice(
                _n(
                    "{source}: {count} new order ({amount})",
                    "{source}: {count} new orders ({amount})",
                    report.orders_added,
                    source=report.source,
                    count=report.orders_added,
                    amount=format_fen(report.amount_fen),
                )
            )
        )
    if report.rejects:
        text = _("{source}: {count} rejected", source=report.source, count=len(report.rejects))
        out.append(Notice(text, "warning"))
    # A decision waits on each of these: they stay up until dismissed (long timeout).
    out.extend(Notice(e["text"], "warning", 60.0) for e in report.exceptions)
    if not report.ok and report.status != FeedStatus.STOPPED and was_ok:
        out.append(
            Notice(
                _(
                    "{source}: the feed is unavailable ({error}); trying again later.",
                    source=report.source,
                    error=report.error,
                ),
                "warning",
                10.0,
            )
        )
    elif report.ok and not was_ok:
        out.append(Notice(_("{source}: the feed is back", source=report.source)))
    return out


def watch_notices(files: list[WatchedFile]) -> list[Notice]:
    out = []
    for f in files:
        if f.outcome == WatchOutcome.FAILED:
            text = _("{name}: not imported: {error}", name=f.name, error=f.error)
            out.append(Notice(text, "error", 30.0))
        elif f.outcome == WatchOutcome.DONE and f.report is not None:
            text = _n(
                "{name}: {added} new order, {rejected} rejected",
                "{name}: {added} new orders, {rejected} rejected",
                f.report.added,
                name=f.name,
                added=f.report.added,
                rejected=f.report.rejected_orders,
            )
            out.append(Notice(text, "warning" if f.report.rejects else "information"))
    return out


class FeedPoller:
    """Polls in a thread worker of `app`; see the module docstring for how to start it."""

    def __init__(self, app: App[Any], warehouse: Warehouse) -> None:
        self.app = app
        self.warehouse = warehouse
        self._stop = threading.Event()
        self.worker: Worker[None] | None = None

    def start(self) -> Worker[None] | None:
        """Start polling; None when nothing is configured to poll."""
        settings = self.warehouse.settings
        if not settings.feeds and settings.watch is None:
            return None
        self._stop.clear()
        self.worker = self.app.run_worker(
            self._run, name="feed-poller", group="feed-poller", thread=True, exit_on_error=False
        )
        return self.worker

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        settings = self.warehouse.settings
        feeds = list(settings.feeds)
        due = dict.fromkeys((f.name for f in feeds), 0.0)
        failures = dict.fromkeys(due, 0)
        watch_due = 0.0
        try:
            while not self._stop.is_set():
                for feed in feeds:
                    if feed.name in due and time.monotonic() >= due[feed.name]:
                        self._poll_feed(feed, due, failures)
                if settings.watch is not None and time.monotonic() >= watch_due:
                    self._poll_folder()
                    watch_due = time.monotonic() + settings.watch.interval_seconds
                waits = [*due.values(), watch_due if settings.watch else float("inf")]
                self._stop.wait(max(0.05, min(waits, default=1.0) - time.monotonic()))
        finally:
            self.warehouse.close()  # this thread's connection

    def _poll_feed(self, feed: FeedConfig, due: dict[str, float], failures: dict[str, int]) -> None:
        was_ok = failures[feed.name] == 0
        try:
            report = self.warehouse.pull_once(feed.name, sleep=self._stop.wait)
        except FeedError as exc:
            # A refused token or request: asking again would be refused again.
            self._notify([Notice(exc.message, "error", 60.0)])
            del due[feed.name]
            return
        except PickerError as exc:
            report = PullReport(feed.name, status=FeedStatus.FAILED, error=exc.message)
        except Exception as exc:
            # A locked file or a bug must not end the poller for the day: say it, go on.
            log.exception("pulling feed %s failed", feed.name)
            error = f"{type(exc).__name__}: {exc}"
            report = PullReport(feed.name, status=FeedStatus.FAILED, error=error)
        failures[feed.name] = 0 if report.ok else failures[feed.name] + 1
        due[feed.name] = time.monotonic() + next_poll(feed.interval_seconds, failures[feed.name])
        self._notify(pull_notices(report, was_ok))
        self._post(FeedPolled(report))

    def _poll_folder(self) -> None:
        try:
            files = self.warehouse.watch_folder_once()
        except PickerError as exc:
            self._notify([Notice(exc.message, "error", 30.0)])
            return
        self._notify(watch_notices(files))

    def _notify(self, notices: list[Notice]) -> None:
        for n in notices:
            self._call(self.app.notify, n.text, severity=n.severity, timeout=n.timeout)

    def _post(self, message: Message) -> None:
        self._call(self.app.post_message, message)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        if self._stop.is_set() or not self.app.is_running:
            return
        try:
            self.app.call_from_thread(fn, *args, **kwargs)
        except RuntimeError:
            self._stop.set()  # the app is closing: nobody is left to tell
