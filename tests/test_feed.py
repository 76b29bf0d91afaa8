"""The order feed: wire format and rules (pure), then the poller against the stand-in server
with every fault switch, crashes between fetch and commit, refunds at every stage, the CLI and
the TUI's poller.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

import db
from db import feed as feed_rows
from picker.app.config import Settings, load_settings
from picker.app.demo import DemoWarehouse, build_demo
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.cancellation import OrderState, Outcome, Stage, decide
from picker.domain.feed import (
    Event,
    EventKind,
    FeedConfig,
    FeedRefused,
    FeedUnauthorized,
    FeedUnavailable,
    backoff,
    error_for_status,
    event_item,
    next_poll,
    order_item,
    parse_event,
    parse_page,
)
from picker.domain.import_json import parse_json
from picker.domain.model import SHANGHAI, OrderStatus
from picker.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2022, 4, 12, 9, 0, tzinfo=SHANGHAI)
TOKEN = "t0ken"
ORDERS = 120


def _load_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feed_server", ROOT / "scripts/feed_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["feed_server"] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


fs = _load_server()


def no_wait(seconds: float) -> None:
    """Backoff without the waiting: the schedule itself is tested purely."""


# pure: the wire format


def test_backoff_doubles_from_one_second_up_to_a_minute() -> None:
    assert [backoff(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(3, base=0.5, cap=1.5) == 1.5


def test_next_poll_is_the_interval_when_healthy_and_backs_off_when_not() -> None:
    assert next_poll(30, 0) == 30
    assert [next_poll(5, n) for n in (1, 2, 3, 7, 20)] == [1, 2, 4, 60, 60]
    assert next_poll(120, 20) == 120  # never longer than a long interval


def test_parse_page_reads_items_cursor_and_more() -> None:
    page = parse_page(b'{"items": [1, 2], "next": 7, "more": true}', "5", "f")
    assert (page.items, page.next, page.more) == ((1, 2), "7", True)
    assert parse_page(b'{"items": []}', "5", "f").next == "5"  # no next: stay put


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"items": [1, 2], "ne', FeedUnavailable),  # cut off: worth asking again
        (b"\xff\xfe", FeedUnavailable),
        (b'{"orders": []}', FeedRefused),
        (b'{"items": [], "more": "yes"}', FeedRefused),
    ],
)
def test_parse_page_refuses_what_is_not_a_page(body: bytes, error: type) -> None:
    with pytest.raises(error):
        parse_page(body, "", "f")


STATUS_ERRORS = {
    401: FeedUnauthorized,
    403: FeedUnauthorized,
    500: FeedUnavailable,
    503: FeedUnavailable,
    429: FeedUnavailable,
    404: FeedRefused,
    400: FeedRefused,
}


@pytest.mark.parametrize(("code", "error"), STATUS_ERRORS.items())
def test_http_status_sorts_into_retry_or_stop(code: int, error: type) -> None:
    assert type(error_for_status(code, "f")) is error


def test_events_parse_with_and_without_amount() -> None:
    whole, _ = parse_event(
        {"id": 7, "order_no": "A1", "kind": "cancel", "at": "2022-04-12 09:00"}, AT
    )
    assert whole == Event("7", "A1", EventKind.CANCEL, None, AT)
    part, _ = parse_event({"id": "E2", "order_no": "A1", "kind": "refund", "amount": "12.50"}, AT)
    assert part is not None and part.amount_fen == 1250 and part.at == AT
    assert parse_event(event_item(part), AT)[0] == part


@pytest.mark.parametrize(
    "item",
    [
        [],
        {"order_no": "A1", "kind": "cancel"},
        {"id": "E", "kind": "cancel"},
        {"id": "E", "order_no": "A1", "kind": "lost"},
        {"id": "E", "order_no": "A1", "kind": "refund", "amount": "-3"},
        {"id": "E", "order_no": "A1", "kind": "refund", "amount": "abc"},
        {"id": "E", "order_no": "A1", "kind": "refund", "at": "yesterday"},
    ],
)
def test_bad_events_say_why(item: Any) -> None:
    event, why = parse_event(item, AT)
    assert event is None and why


def test_an_order_item_imports_back_as_the_same_order(demo: DemoWarehouse) -> None:
    names = {c.code: c.name for c in demo.committees}
    items = [order_item(o, names[o.committee]) for o in demo.orders]
    parsed = parse_json(json.dumps(items, ensure_ascii=False), "feed", demo.catalog())
    assert not parsed.rejects
    assert all(a.same_content(b) for a, b in zip(parsed.orders, demo.orders, strict=True))


@pytest.mark.parametrize(
    ("kind", "amount", "stage", "outcome", "exception"),
    [
        ("cancel", None, Stage.UNBATCHED, Outcome.CANCELLED, None),
        ("refund", None, Stage.BATCHED, Outcome.FLAGGED, "do-not-pack"),
        ("refund", None, Stage.PACKED, Outcome.PULL_BAG, "pull-bag"),
        ("cancel", None, Stage.LOADED, Outcome.PULL_BAG, "pull-bag"),
        ("refund", 500, Stage.PACKED, Outcome.PARTIAL_REFUND, "partial-refund"),
        ("refund", 1000, Stage.UNBATCHED, Outcome.CANCELLED, None),  # all that is left
    ],
)
def test_decide_by_how_far_the_order_has_gone(
    kind: str, amount: int | None, stage: Stage, outcome: Outcome, exception: str | None
) -> None:
    event = Event("E", "A1", EventKind(kind), amount, AT)
    decision = decide(event, OrderState("paid", 1000, stage))
    assert (decision.outcome, decision.exception) == (outcome, exception)
    assert decide(event, None).outcome is Outcome.UNKNOWN_ORDER
    assert decide(event, OrderState("cancelled", 0, stage)).outcome is Outcome.ALREADY_CLOSED


def test_config_reads_feeds_and_watch(tmp_path: Path) -> None:
    cfg = tmp_path / "site.toml"
    cfg.write_text(
        '[feeds.bank]\nurl = "http://127.0.0.1:8765/"\ntoken = "x"\ninterval_seconds = 5\n'
        '[watch]\nfolder = "drop"\n',
        encoding="utf-8",
    )
    s = load_settings(cfg)
    assert s.feeds == (FeedConfig("bank", "http://127.0.0.1:8765", "x", 5.0),)
    assert s.watch is not None and s.watch.folder == Path("drop")
    cfg.write_text("[feeds.bank]\ntoken = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a url"):
        load_settings(cfg)


# against the stand-in


@pytest.fixture(scope="module")
def demo() -> DemoWarehouse:
    return build_demo(orders=ORDERS)  # the seed of `build_demo(orders=0)`: PIN hashes cached


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    """A catalog-only demo warehouse."""
    w = Warehouse(tmp_path / "feed.db")
    w.build_demo(orders=0)
    yield w
    w.close()


def serve(demo: DemoWarehouse, faults: Any = None, **kw: Any) -> Any:
    names = {c.code: c.name for c in demo.committees}
    kw.setdefault("events_every", 10)
    return fs.FeedServer(demo.orders, committees=names, token=TOKEN, faults=faults, **kw)


def configure(wh: Warehouse, url: str, token: str = TOKEN, **kw: Any) -> None:
    feed = FeedConfig("plat", url, token, timeout_seconds=0.3, page_size=25, max_attempts=4, **kw)
    wh.settings = replace(wh.settings, feeds=(feed,))


def settle(wh: Warehouse, server: Any, step: int = 40, rounds: int = 40) -> list[Any]:
    """Release the orders `step` at a time, pulling after each, until all is in and applied."""
    reports = []
    for _ in range(rounds):
        server.release(step)
        report = wh.pull_once("plat", sleep=no_wait)
        reports.append(report)
        done = (
            server.released() == ORDERS
            and report.ok
            and feed_rows.cursor(wh.db, "plat", "orders") == str(ORDERS)
            and not feed_rows.open_events(wh.db)
            and len(wh.order_events()) == len(server.events())
        )
        if done:
            return reports
    raise AssertionError(f"not settled: {wh.feed_status()}")


def assert_exactly_once(wh: Warehouse, demo: DemoWarehouse, server: Any) -> None:
    """Every order once, every event applied once, with its one refund."""
    conn = wh.db.conn
    stored = [r[0] for r in conn.execute("SELECT order_no FROM orders")]
    assert sorted(stored) == sorted(o.order_no for o in demo.orders)
    events = wh.order_events()
    assert Counter(e["event_id"] for e in events) == Counter(e.event_id for e in server.events())
    assert {e["outcome"] for e in events} <= {"cancelled", "partial-refund"}
    amounts = {o.order_no: o.amount_fen for o in demo.orders}
    refunds: dict[str, list[int]] = {}
    for order_no, fen in conn.execute("SELECT order_no, fen FROM refunds"):
        refunds.setdefault(order_no, []).append(fen)
    statuses = dict(conn.execute("SELECT order_no, status FROM orders"))
    for event in server.events():
        no = event.order_no
        if event.amount_fen is None:
            assert refunds[no] == [amounts[no]]
            want = "cancelled" if event.kind is EventKind.CANCEL else "refunded"
            assert statuses[no] == want
        else:
            assert refunds[no] == [event.amount_fen] and statuses[no] == "paid"
    assert len(refunds) == len(server.events())


FAULTS = {
    "none": {},
    "errors": {"errors": 3},
    "drops": {"drops": 4},
    "slow": {"slow": 5, "slow_seconds": 0.6},
    "duplicates": {"duplicates": 2},
    "out_of_order": {"out_of_order": True},
    "all": {
        "errors": 3,
        "drops": 5,
        "slow": 7,
        "slow_seconds": 0.6,
        "duplicates": 4,
        "out_of_order": True,
    },
}


@pytest.mark.parametrize("fault", FAULTS)
def test_every_order_and_event_exactly_once_whatever_the_feed_does(
    wh: Warehouse, demo: DemoWarehouse, fault: str
) -> None:
    with serve(demo, fs.Faults(**FAULTS[fault]), hold=True) as server:
        configure(wh, server.url)
        reports = settle(wh, server)
        assert sum(r.orders_added for r in reports) == ORDERS
        assert sum(r.events_received for r in reports) == len(server.events()) == ORDERS // 10
        assert_exactly_once(wh, demo, server)
        # Nothing more to take, however often it is asked.
        again = wh.pull_once("plat", sleep=no_wait)
        assert (again.orders_added, again.events_received) == (0, 0)
        assert not again.rejects
    if fault in ("out_of_order", "all"):
        waited = sum(r.outcomes.get("unknown-order", 0) for r in reports)
        assert waited > 0, "events should have arrived before their orders"
    if fault == "duplicates":
        assert sum(r.duplicates for r in reports) > 0
    if fault in ("errors", "drops", "slow", "all"):
        assert server.requests > sum(r.pages for r in reports), "no request was retried"
    assert wh.feed_status()[0].status == "ok"


def test_a_feed_down_is_a_status_not_a_crash(wh: Warehouse, demo: DemoWarehouse) -> None:
    with serve(demo, fs.Faults(errors=1)) as server:
        configure(wh, server.url)
        waits: list[float] = []
        report = wh.pull_once("plat", sleep=waits.append)
    assert report.status == "retrying" and "500" in report.error
    assert waits == [1, 2, 4]  # four tries, backing off between them
    (state,) = wh.feed_status()
    assert state.status == "retrying" and "500" in state.last_error and state.last_ok_at is None


def test_an_unreachable_feed_is_retried_too(wh: Warehouse) -> None:
    configure(wh, "http://127.0.0.1:9")  # the discard port: nothing listens
    report = wh.pull_once("plat", sleep=no_wait)
    assert report.status == "retrying" and "cannot be reached" in report.error


@pytest.mark.parametrize("fault", [False, True])
def test_a_bad_token_stops_with_a_clear_message(
    wh: Warehouse, demo: DemoWarehouse, fault: bool
) -> None:
    with serve(demo, fs.Faults(bad_token=fault)) as server:
        configure(wh, server.url, token=TOKEN if fault else "wrong")
        with pytest.raises(FeedUnauthorized, match=r"HTTP 401.*token"):
            wh.pull_once("plat", sleep=no_wait)
        assert server.requests == 1  # no retrying a refused token
    assert wh.feed_status()[0].status == "unauthorized"


@pytest.mark.parametrize("target", ["db.store.insert_orders", "db.feed.set_cursor"])
def test_a_crash_before_the_commit_never_skips_or_repeats_a_page(
    wh: Warehouse, demo: DemoWarehouse, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    module, name = target.rsplit(".", 1)
    real = getattr(sys.modules[module], name)
    calls = Counter[str]()

    def crash_on_third_page(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(sys.modules[module], name, crash_on_third_page)
    with serve(demo) as server:
        configure(wh, server.url)
        with pytest.raises(RuntimeError, match="power cut"):
            wh.pull_once("plat", sleep=no_wait)
        (state,) = wh.feed_status()  # the lead sees why pulling stopped
        assert state.status == "failed" and "power cut" in state.last_error
        # Two pages committed with their cursor; the third neither.
        assert feed_rows.cursor(wh.db, "plat", "orders") == "50"
        assert wh.db.conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 50
        monkeypatch.setattr(sys.modules[module], name, real)
        wh.pull_once("plat", sleep=no_wait)
        assert_exactly_once(wh, demo, server)
    sources = [r[0] for r in wh.db.conn.execute("SELECT source FROM imports WHERE rows > 0")]
    assert len(sources) == len(set(sources)), "a page was recorded twice"


def test_a_crash_inside_an_event_is_finished_by_the_next_pull(
    wh: Warehouse, demo: DemoWarehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = wh.floor.cancel_order

    def cancel_then_crash(*args: Any, **kwargs: Any) -> int:
        real(*args, **kwargs)
        raise RuntimeError("power cut")

    with serve(demo) as server:
        configure(wh, server.url)
        monkeypatch.setattr(wh.floor, "cancel_order", cancel_then_crash)
        with pytest.raises(RuntimeError):
            wh.pull_once("plat", sleep=no_wait)
        assert wh.order_events()[0]["outcome"] == "applying"
        monkeypatch.setattr(wh.floor, "cancel_order", real)
        wh.pull_once("plat", sleep=no_wait)
        assert_exactly_once(wh, demo, server)


class Pages:
    """A hand-written feed: fixed pages per cursor."""

    def __init__(self, orders: dict[str, dict], events: dict[str, dict] | None = None) -> None:
        self.pages = {"orders": orders, "events": events or {"": {"items": []}}}
        self.asked: list[tuple[str, str]] = []

    def get(self, kind: str, after: str, limit: int) -> bytes:
        self.asked.append((kind, after))
        return json.dumps(self.pages[kind][after], ensure_ascii=False).encode()


def test_bad_orders_and_events_are_rejects_with_the_page_and_position(
    wh: Warehouse, demo: DemoWarehouse
) -> None:
    good, bad = order_item(demo.orders[0]), order_item(demo.orders[1])
    bad["lines"][0]["sku"] = "NOPE"
    events = {"": {"items": [{"id": "E1", "order_no": good["order_no"], "kind": "oops"}]}}
    configure(wh, "http://127.0.0.1:1")
    feed = Pages({"": {"items": [good, bad], "next": "2"}}, events)
    report = wh.pull_once("plat", transport=feed, sleep=no_wait)
    assert report.orders_added == 1
    where = [(r.source, r.line, r.reason) for r in report.rejects]
    assert where[0] == ("plat/orders?after=", 2, "unknown_product")
    assert where[1][:2] == ("plat/events?after=", 1)
    stored = {r.reason for r in wh.pending_rejects()}
    assert {"unknown_product", "event {event} is unreadable: {error}"} <= stored


def test_a_feed_whose_cursor_never_moves_ends_the_round(wh: Warehouse, demo: DemoWarehouse) -> None:
    configure(wh, "http://127.0.0.1:1")
    stuck = {"": {"items": [order_item(demo.orders[0])], "next": "", "more": True}}
    feed = Pages(stuck)
    report = wh.pull_once("plat", transport=feed, sleep=no_wait)
    assert report.ok and report.orders_added == 1 and report.duplicates == 2
    assert feed.asked.count(("orders", "")) == 3


# refunds on the floor


def pulled(wh: Warehouse, server: Any) -> None:
    configure(wh, server.url)
    wh.pull_once("plat", sleep=no_wait)


def pack(wh: Warehouse, order_no: str, route: str | None = None) -> str:
    """Put the order's bag as packed (closed), and on a truck when `route` is given."""
    conn = wh.db.conn
    batch = conn.execute("SELECT batch FROM batch_orders WHERE order_no = ?", (order_no,))
    batch_id = batch.fetchone()[0]
    bag = f"B{order_no}-1"
    with db.write(wh.db):
        conn.execute(
            "INSERT INTO bags (id, order_no, batch, k, n, items, status, closed_at)"
            " VALUES (?, ?, ?, 1, 1, 3, 'closed', ?)",
            (bag, order_no, batch_id, AT.isoformat()),
        )
        if route:
            conn.execute(
                "INSERT INTO routes (id, day, name) VALUES (?, '2022-04-12', ?)", (route, route)
            )
            conn.execute(
                "INSERT INTO bag_loads (bag, route, at, operator) VALUES (?, ?, ?, 'D01')",
                (bag, route, AT.isoformat()),
            )
    return bag


def test_refunds_by_stage_unbatched_batched_packed_loaded(
    wh: Warehouse, demo: DemoWarehouse
) -> None:
    second, third, fourth = (o.order_no for o in demo.orders[1:4])
    with serve(demo, events_every=0) as server:
        pulled(wh, server)
        wh.plan_batches()
        bag3 = pack(wh, third)
        bag4 = pack(wh, fourth, route="R1")
        late = next(o for o in demo.orders[4:] if len(o.lines) > 1)
        for no in (second, third, fourth):
            server.add_event(no, "refund")
        server.add_event(late.order_no, "refund", late.lines[0].amount_fen)
        pulled(wh, server)
    outcomes = {e["order_no"]: e["outcome"] for e in wh.order_events()}
    assert outcomes == {
        second: "flagged",
        third: "pull-bag",
        fourth: "pull-bag",
        late.order_no: "partial-refund",
    }
    texts = {e["order_no"]: e["text"] for e in wh.order_exceptions()}
    assert "do not pack" in texts[second]
    assert f"pull bag {bag3}" in texts[third]
    assert "route R1" in texts[fourth] and bag4 in texts[fourth]
    assert "decide what to remove" in texts[late.order_no]
    statuses = dict(wh.db.conn.execute("SELECT order_no, status FROM orders"))
    assert [statuses[n] for n in (second, third, fourth)] == ["refunded"] * 3
    assert statuses[late.order_no] == "paid"
    # Until the lead pulls it, a refunded order's bag on a truck fails the audit.
    problems = {o.order_no: o.problems for o in wh.audit().failing}
    assert "cancelled_bag" in [p for p, _ in problems[fourth]]
    pulled_bags = [wh.resolve_exception(e["id"], "L01") for e in wh.order_exceptions()]
    assert wh.order_exceptions() == []
    assert sorted(b for bags in pulled_bags for b in bags) == sorted([bag3, bag4])
    # Pulled means back in the warehouse: off the truck, on record, and the audit is clean.
    assert wh.db.conn.execute("SELECT count(*) FROM bag_loads").fetchone()[0] == 0
    log = wh.db.conn.execute("SELECT bag, operator FROM scan_log WHERE stage = 'pull'")
    assert sorted(log) == sorted([(bag3, "L01"), (bag4, "L01")])
    assert wh.audit().clean, [(o.order_no, o.problems) for o in wh.audit().failing]


def test_a_cancel_before_batching_keeps_the_order_out_of_batches(
    wh: Warehouse, demo: DemoWarehouse
) -> None:
    order_no = demo.orders[0].order_no
    with serve(demo, events_every=0) as server:
        server.add_event(order_no, "cancel")
        pulled(wh, server)
    assert wh.order_events()[0]["outcome"] == "cancelled"
    assert wh.order_exceptions() == []
    wh.plan_batches()
    in_batch = wh.db.conn.execute("SELECT 1 FROM batch_orders WHERE order_no = ?", (order_no,))
    assert in_batch.fetchone() is None
    assert wh.refunds(order_no)[0]["fen"] == demo.orders[0].amount_fen


def test_a_second_event_for_a_closed_order_changes_nothing(
    wh: Warehouse, demo: DemoWarehouse
) -> None:
    order_no = demo.orders[0].order_no
    with serve(demo, events_every=0) as server:
        server.add_event(order_no, "cancel")
        server.add_event(order_no, "refund")
        pulled(wh, server)
    assert [e["outcome"] for e in wh.order_events()] == ["cancelled", "already-closed"]
    assert len(wh.refunds(order_no)) == 1
    status = wh.db.conn.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,))
    assert status.fetchone()[0] == OrderStatus.CANCELLED


# the command line


def cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def site(tmp_path: Path, url: str, token: str = TOKEN) -> list[str]:
    db_path = tmp_path / "cli.db"
    if not db_path.exists():
        cli("demo", "--db", str(db_path), "--orders", "0")
    cfg = tmp_path / "site.toml"
    cfg.write_text(
        f'[feeds.plat]\nurl = "{url}"\ntoken = "{token}"\ntimeout_seconds = 0.5\n'
        "max_attempts = 1\n",
        encoding="utf-8",
    )
    return ["--db", str(db_path), "--config", str(cfg)]


def test_pull_once_on_the_command_line(tmp_path: Path, demo: DemoWarehouse) -> None:
    with serve(demo) as server:
        opts = site(tmp_path, server.url)
        out = cli("pull", "--once", *opts)
        assert f"plat: {ORDERS} new orders" in out and "12 new events" in out
        data = json.loads(cli("pull", "--once", "--json", *opts))
        assert data[0]["orders_added"] == 0 and data[0]["status"] == "ok"
        feeds = json.loads(cli("feeds", "--json", *opts))
        assert feeds["feeds"][0]["status"] == "ok"
        assert len(feeds["exceptions"]) == 4  # the partial refunds wait for the lead
        opts = site(tmp_path, server.url, token="wrong")
        out = cli("pull", "--once", *opts, code=2)
        assert "refused the token" in out
    out = cli("pull", "--once", *opts, code=2)  # the server is gone
    assert "unavailable" in out


# the TUI's poller


def test_the_poller_imports_and_tells_the_lead(wh: Warehouse, demo: DemoWarehouse) -> None:
    asyncio.run(poller_session(wh, demo))


async def poller_session(wh: Warehouse, demo: DemoWarehouse) -> None:
    from textual.app import App

    from picker.ui.feed import FeedPolled, FeedPoller

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.polled: list[FeedPolled] = []

        def on_feed_polled(self, message: FeedPolled) -> None:
            self.polled.append(message)

    with serve(demo) as server:
        configure(wh, server.url, interval_seconds=0.1)
        app = Host()
        async with app.run_test() as pilot:
            poller = FeedPoller(app, wh)
            assert poller.start() is not None
            deadline = time.monotonic() + 10
            while not app.polled and time.monotonic() < deadline:
                await pilot.pause(0.05)
            poller.stop()
            await pilot.pause(0.1)
            texts = [n.message for n in app._notifications]
    assert app.polled and app.polled[0].report.orders_added == ORDERS
    assert any(f"{ORDERS} new orders" in t for t in texts)
    assert any("decide what to remove" in t for t in texts)


def test_the_poller_does_nothing_without_feeds(tmp_path: Path) -> None:
    from picker.ui.feed import FeedPoller

    wh = Warehouse(tmp_path / "x.db", Settings())
    assert FeedPoller(None, wh).start() is None  # type: ignore[arg-type]


# events waiting for orders that come by another door


def events_only(*items: dict[str, Any]) -> Pages:
    """A feed with no orders and these events."""
    return Pages({"": {"items": []}}, {"": {"items": list(items), "next": str(len(items))}})


def test_a_cancel_before_its_order_comes_by_picker_import_keeps_it_out_of_batches(
    wh: Warehouse, demo: DemoWarehouse, tmp_path: Path
) -> None:
    first, second = demo.orders[0], next(o for o in demo.orders[1:] if len(o.lines) > 1)
    part = second.lines[0].amount_fen
    configure(wh, "http://127.0.0.1:1")
    feed = events_only(
        {"id": "E1", "order_no": first.order_no, "kind": "cancel"},
        {"id": "E2", "order_no": second.order_no, "kind": "refund", "amount": part / 100},
    )
    wh.pull_once("plat", transport=feed, sleep=no_wait)
    assert [e["outcome"] for e in wh.order_events()] == ["unknown-order"] * 2
    names = {c.code: c.name for c in demo.committees}
    f = tmp_path / "late.json"
    items = [order_item(o, names[o.committee]) for o in demo.orders[:10]]
    f.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    db_opt = ["--db", str(wh.path)]
    cli("import", *db_opt, str(f))
    # Applied by the import itself: no pull in between.
    outcomes = {e["order_no"]: e["outcome"] for e in wh.order_events()}
    assert outcomes == {first.order_no: "cancelled", second.order_no: "partial-refund"}
    statuses = dict(wh.db.conn.execute("SELECT order_no, status FROM orders"))
    assert statuses[first.order_no] == "cancelled" and statuses[second.order_no] == "paid"
    assert [r["fen"] for r in wh.refunds(first.order_no)] == [first.amount_fen]
    assert [r["fen"] for r in wh.refunds(second.order_no)] == [part]
    assert [e["kind"] for e in wh.order_exceptions()] == ["partial-refund"]
    cli("batch", *db_opt)
    batched = {r[0] for r in wh.db.conn.execute("SELECT order_no FROM batch_orders")}
    assert first.order_no not in batched and len(batched) == 9
    assert wh.feed_status()[0].open_events == 0


def test_a_cancel_before_its_order_comes_by_the_watch_folder_or_the_demo(
    tmp_path: Path, demo: DemoWarehouse
) -> None:
    order_no = demo.orders[3].order_no
    wh = Warehouse(tmp_path / "empty.db")
    configure(wh, "http://127.0.0.1:1")
    wh.pull_once(
        "plat", transport=events_only({"id": "E9", "order_no": order_no, "kind": "cancel"})
    )
    wh.build_demo(orders=ORDERS)  # the same seed: the same order numbers
    assert [e["outcome"] for e in wh.order_events()] == ["cancelled"]
    status = wh.db.conn.execute("SELECT status FROM orders WHERE order_no = ?", (order_no,))
    assert status.fetchone()[0] == "cancelled"
    wh.close()

    wh = Warehouse(tmp_path / "watched.db")
    wh.build_demo(orders=0)
    configure(wh, "http://127.0.0.1:1")
    wh.pull_once(
        "plat", transport=events_only({"id": "E9", "order_no": order_no, "kind": "cancel"})
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    names = {c.code: c.name for c in demo.committees}
    f = drop / "late.json"
    f.write_text(json.dumps([order_item(demo.orders[3], names[demo.orders[3].committee])]), "utf-8")
    (done,) = wh.watch_folder_once(drop, settle_seconds=0)
    assert done.outcome == "done" and done.report is not None and done.report.added == 1
    assert [e["outcome"] for e in wh.order_events()] == ["cancelled"]
    wh.plan_batches()
    assert wh.db.conn.execute("SELECT count(*) FROM batch_orders").fetchone()[0] == 0
    wh.close()


def test_orders_changed_by_refund_events_are_no_conflict_when_the_feed_sends_them_again(
    wh: Warehouse, demo: DemoWarehouse, tmp_path: Path
) -> None:
    with serve(demo, fs.Faults(duplicates=2), hold=True, events_every=3) as server:
        configure(wh, server.url)
        for _ in range(8):
            server.release(15)
            assert wh.pull_once("plat", sleep=no_wait).ok
        closed = wh.db.conn.execute("SELECT count(*) FROM orders WHERE status != 'paid'")
        assert closed.fetchone()[0] > 10
        again = wh.pull_once("plat", sleep=no_wait)
    assert [r for r in wh.pending_rejects() if r.reason == "conflict"] == []
    assert not again.rejects
    # A real change is still a conflict, as before.
    first = demo.orders[0]
    changed = order_item(first, next(c.name for c in demo.committees if c.code == first.committee))
    changed["room"] = "999"
    f = tmp_path / "changed.json"
    f.write_text(json.dumps([changed], ensure_ascii=False), encoding="utf-8")
    assert [r.reason for r in wh.import_file(f).rejects] == ["conflict"]


def test_an_unreadable_event_sent_again_at_another_cursor_is_one_reject(
    wh: Warehouse,
) -> None:
    bad = {"id": "E7", "order_no": "X1", "kind": "oops"}
    events = {
        "": {"items": [bad], "next": "1", "more": True},
        "1": {"items": [bad], "next": "2", "more": True},  # the previous page again
        "2": {"items": [], "next": "2"},
    }
    configure(wh, "http://127.0.0.1:1")
    wh.pull_once("plat", transport=Pages({"": {"items": []}}, events), sleep=no_wait)
    unreadable = [r for r in wh.pending_rejects() if r.order_no == "X1"]
    assert len(unreadable) == 1 and "E7" in dict(unreadable[0].params)["event"]


def test_orders_closed_by_events_before_the_upgrade_count_as_received_paid(
    tmp_path: Path,
) -> None:
    from db.catalog import save_catalog
    from db.migrations import MIGRATIONS
    from tests.conftest import COMMITTEES, PAYMENT_CODES, SUBDISTRICTS

    old = db.connect(tmp_path / "old.db", migrate=False)
    with db.write(old):
        MIGRATIONS.apply(old, stop_before="0008_orders_received_status")
        save_catalog(
            old, subdistricts=SUBDISTRICTS, committees=COMMITTEES, payment_codes=PAYMENT_CODES
        )
        for order_no, status in (("A1", "cancelled"), ("A2", "cancelled"), ("A3", "refunded")):
            old.conn.execute(
                "INSERT INTO orders (order_no, paid_at, amount_fen, payment_code, committee,"
                " building, room, name, phone, status) VALUES"
                " (?, '2022-04-12T08:00:00+08:00', 100, 'QR01', 'XY01', '1', '101', 'x',"
                " '13812345678', ?)",
                (order_no, status),
            )
        old.conn.execute(
            "INSERT INTO order_events (source, event_id, order_no, kind, at, received_at,"
            " outcome) VALUES ('plat', 'E1', 'A1', 'cancel', '', '', 'cancelled')"
        )
    db.migrate(old)
    received = dict(old.conn.execute("SELECT order_no, received_status FROM orders"))
    # A1 arrived paid and an event closed it; A2 was closed by hand; A3 arrived refunded.
    assert received == {"A1": "paid", "A2": "cancelled", "A3": "refunded"}


def test_picker_resolve_pulls_the_bag_only_for_a_lead(wh: Warehouse, demo: DemoWarehouse) -> None:
    order_no = demo.orders[2].order_no
    with serve(demo, events_every=0) as server:
        pulled(wh, server)
        wh.plan_batches()
        bag = pack(wh, order_no, route="R1")
        server.add_event(order_no, "cancel")
        pulled(wh, server)
    (exception,) = wh.order_exceptions()
    db_args = ["--db", str(wh.path)]
    refused = cli("resolve", str(exception["id"]), "--lead", "P001", *db_args, code=4)
    assert "only a shift lead" in refused
    assert len(wh.order_exceptions()) == 1
    done = cli("resolve", str(exception["id"]), "--lead", "L01", *db_args)
    assert f"Bag {bag} pulled." in done
    assert wh.order_exceptions() == []
    assert wh.db.conn.execute("SELECT count(*) FROM bag_loads").fetchone()[0] == 0


def test_a_refund_after_delivery_is_recorded_not_a_second_end_state(
    wh: Warehouse, demo: DemoWarehouse
) -> None:
    order = demo.orders[3]
    with serve(demo, events_every=0) as server:
        pulled(wh, server)
        wh.plan_batches()
        bag = pack(wh, order.order_no, route="R1")
        conn = wh.db.conn
        with conn:
            conn.execute(
                "INSERT INTO manifests (id, committee, day, seq, route, created_at, delivered_at)"
                " VALUES ('MF1', ?, '2022-04-12', 1, 'R1', ?, ?)",
                (order.committee, AT.isoformat(), AT.isoformat()),
            )
            conn.execute("INSERT INTO manifest_bags (manifest, bag) VALUES ('MF1', ?)", (bag,))
        server.add_event(order.order_no, "refund")
        pulled(wh, server)
    assert [e["outcome"] for e in wh.order_events()] == ["delivered-refund"]
    status = conn.execute("SELECT status FROM orders WHERE order_no = ?", (order.order_no,))
    assert status.fetchone()[0] == "paid"  # delivered: the goods are with the household
    assert sum(r["fen"] for r in wh.refunds(order.order_no)) == order.amount_fen
    (exception,) = wh.order_exceptions()
    assert "after delivery" in exception["text"]
    audited = {o.order_no: o for o in wh.audit().orders}[order.order_no]
    assert audited.state == "delivered" and audited.net_fen == 0, audited
    settlement = wh.settlement()
    assert settlement.reconciled, settlement.mismatches
