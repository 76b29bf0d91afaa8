"""The use cases: the one door the CLI and the TUI go through.

A `Warehouse` composes one service per area (`picker.app.floor`, `dispatch`, `crates`, …)
over a shared `Context` (path, settings, clock, one connection per thread) and offers their
methods under one name, so callers need not know which service owns what. The services are
also attributes (`wh.floor`, `wh.dispatch`, …) for code that works with one area.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from db import store
from picker.app.accounts import Accounts
from picker.app.config import Settings
from picker.app.context import Clock, Context, shanghai_now
from picker.app.crate_changes import CrateChanges
from picker.app.crate_session import CrateSession
from picker.app.crates import Crates
from picker.app.delivery import Delivery
from picker.app.dispatch import Dispatch
from picker.app.documents import Documents
from picker.app.feed_events import FeedEvents
from picker.app.floor import Floor
from picker.app.imports import CommitteeOrders, DemoReport, ImportReport, Imports
from picker.app.intake import Intake
from picker.app.overview import Overview
from picker.app.print_worker import PrintWorker
from picker.app.printing import Printing
from picker.app.routes import Routes
from picker.app.watch_folder import WatchFolder
from picker.domain.model import Catalog

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "Clock",
    "CommitteeOrders",
    "DemoReport",
    "ImportReport",
    "Warehouse",
    "shanghai_now",
]

P = ParamSpec("P")
R = TypeVar("R")


class _Delegate(Generic[P, R]):
    """A service's method offered by `Warehouse` under the same name, with its signature.

    The first call on a warehouse binds the service's method and keeps it on the instance,
    so later calls cost what a plain method call costs.
    """

    def __init__(self, service: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self.service = service
        self.method = method.__name__
        self.__doc__ = method.__doc__
        self.name = self.method

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Callable[P, R]: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Self | Callable[P, R]:
        if obj is None:
            return self
        bound: Callable[P, R] = getattr(getattr(obj, self.service), self.method)
        vars(obj)[self.name] = bound
        return bound


class Warehouse:
    """Every operation on one warehouse file."""

    def __init__(
        self,
        path: str | Path,
        settings: Settings | None = None,
        clock: Clock = shanghai_now,
    ) -> None:
        ctx = self.ctx = Context(path, settings, clock)
        self.floor = Floor(ctx)
        self.overview = Overview(ctx, self.floor)
        self.accounts = Accounts(ctx)
        self.feed_events = FeedEvents(ctx, self.floor)
        self.imports = Imports(ctx, self.feed_events)
        self.intake = Intake(ctx, self.imports, self.feed_events)
        self.watch_folder = WatchFolder(ctx, self.imports)
        self.routing = Routes(ctx)
        self.delivery = Delivery(ctx, self.routing)
        self.documents = Documents(ctx, self.routing, self.delivery, self.accounts)
        self.printing = Printing(ctx, self.documents)
        self.print_worker = PrintWorker(ctx, self.documents)
        self.crate_changes = CrateChanges(ctx)
        self.crating = Crates(ctx, self.floor, self.routing, self.printing, self.crate_changes)
        self.dispatch = Dispatch(ctx, self.floor, self.routing, self.crating, self.printing)

    @property
    def path(self) -> Path:
        return self.ctx.path

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.ctx.settings = value

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @clock.setter
    def clock(self, value: Clock) -> None:
        self.ctx.clock = value

    @property
    def print_timeout(self) -> float:
        """Seconds a printer may take to answer or to take data (`PrintWorker.print_timeout`)."""
        return self.print_worker.print_timeout

    @print_timeout.setter
    def print_timeout(self, value: float) -> None:
        self.print_worker.print_timeout = value

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection, opened (and the schema migrated) on first use."""
        return self.ctx.db

    def close(self) -> None:
        """Close this thread's connection."""
        self.ctx.close()

    def catalog(self) -> Catalog:
        return self.ctx.catalog()

    def data_version(self) -> int:
        return store.data_version(self.db)

    def crate_session(self, operator: str, terminal: str = "") -> CrateSession:
        """Scan crates and bags at the end of packing (`picker.app.crate_session`)."""
        return CrateSession(
            self.ctx, self.floor, self.crating, self.crate_changes, operator, terminal
        )

    # The floor: batches, claims, cancellations.
    operator = _Delegate("floor", Floor.operator)
    plan_batches = _Delegate("floor", Floor.plan_batches)
    batches = _Delegate("floor", Floor.batches)
    claim = _Delegate("floor", Floor.claim)
    release = _Delegate("floor", Floor.release)
    take_over = _Delegate("floor", Floor.take_over)
    batch_events = _Delegate("floor", Floor.batch_events)
    cancel_order = _Delegate("floor", Floor.cancel_order)
    refunds = _Delegate("floor", Floor.refunds)
    scan_log = _Delegate("floor", Floor.scan_log)

    # Sign-in and the lead's view.
    session = _Delegate("overview", Overview.session)
    sign_in = _Delegate("overview", Overview.sign_in)
    open_batch = _Delegate("overview", Overview.open_batch)
    dashboard = _Delegate("overview", Overview.dashboard)
    board = _Delegate("overview", Overview.board)
    committee_refunds = _Delegate("overview", Overview.committee_refunds)
    accept_shortages = _Delegate("overview", Overview.accept_shortages)

    # Accounts.
    settlement = _Delegate("accounts", Accounts.settlement)
    audit = _Delegate("accounts", Accounts.audit)
    refund_list = _Delegate("accounts", Accounts.refund_list)
    stats = _Delegate("accounts", Accounts.stats)

    # Intake: files, the demo, the feed and its events.
    build_demo = _Delegate("imports", Imports.build_demo)
    import_file = _Delegate("imports", Imports.import_file)
    order_summary = _Delegate("imports", Imports.order_summary)
    pending_rejects = _Delegate("imports", Imports.pending_rejects)
    feed_config = _Delegate("intake", Intake.feed_config)
    pull_once = _Delegate("intake", Intake.pull_once)
    watch_folder_once = _Delegate("watch_folder", WatchFolder.watch_folder_once)
    feed_status = _Delegate("intake", Intake.feed_status)
    apply_open_events = _Delegate("feed_events", FeedEvents.apply_open_events)
    apply_event = _Delegate("feed_events", FeedEvents.apply_event)
    order_events = _Delegate("feed_events", FeedEvents.order_events)
    order_exceptions = _Delegate("feed_events", FeedEvents.order_exceptions)
    resolve_exception = _Delegate("feed_events", FeedEvents.resolve_exception)

    # Documents and the print queue.
    printer = _Delegate("documents", Documents.printer)
    canonical_target = _Delegate("documents", Documents.canonical_target)
    document = _Delegate("documents", Documents.document)
    render = _Delegate("printing", Printing.render)
    queue_document = _Delegate("printing", Printing.queue_document)
    reprint = _Delegate("printing", Printing.reprint)
    print_manifest = _Delegate("printing", Printing.print_manifest)
    queue_test_page = _Delegate("printing", Printing.queue_test_page)
    print_jobs = _Delegate("printing", Printing.print_jobs)
    retry_job = _Delegate("printing", Printing.retry_job)
    resend_as_reprint = _Delegate("printing", Printing.resend_as_reprint)
    mark_printed = _Delegate("printing", Printing.mark_printed)
    print_sends = _Delegate("printing", Printing.print_sends)
    run_print_worker_once = _Delegate("print_worker", PrintWorker.run_print_worker_once)
    printer_states = _Delegate("printing", Printing.printer_states)

    # Routes, dispatch and delivery.
    plan_routes = _Delegate("routing", Routes.plan_routes)
    routes = _Delegate("routing", Routes.routes)
    route = _Delegate("routing", Routes.route)
    add_route = _Delegate("dispatch", Dispatch.add_route)
    set_route = _Delegate("dispatch", Dispatch.set_route)
    drivers = _Delegate("dispatch", Dispatch.drivers)
    move_stop = _Delegate("dispatch", Dispatch.move_stop)
    assign = _Delegate("dispatch", Dispatch.assign)
    load_session = _Delegate("dispatch", Dispatch.load_session)
    missing = _Delegate("dispatch", Dispatch.missing)
    depart = _Delegate("dispatch", Dispatch.depart)
    issue_manifest = _Delegate("delivery", Delivery.issue_manifest)
    manifest = _Delegate("delivery", Delivery.manifest)
    manifests = _Delegate("delivery", Delivery.manifests)
    proof_of_delivery = _Delegate("delivery", Delivery.proof_of_delivery)

    # Crates.
    open_crate = _Delegate("crating", Crates.open_crate)
    close_crate = _Delegate("crating", Crates.close_crate)
    move_bag = _Delegate("crating", Crates.move_bag)
    crate = _Delegate("crating", Crates.crate)
    crates = _Delegate("crating", Crates.crates)
    reprint_crate_label = _Delegate("crating", Crates.reprint_crate_label)
    crate_problems = _Delegate("crating", Crates.crate_problems)
    crate_info = _Delegate("crating", Crates.crate_info)
