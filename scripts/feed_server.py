"""A stand-in for the payment platform's order feed, on 127.0.0.1, for the demo and the tests.

It serves a demo day's orders over time and refund/cancel events in the feed format of
`picker.domain.feed`, with switches for the faults a real feed has:

    scripts/feed-server --orders 2000 --rate 50          50 orders a second, then idle
    scripts/feed-server --orders 300 --errors 3 --drops 5 --slow 7 --duplicates 4
    scripts/feed-server --out-of-order --late-refund 20220412000007 --bad-token

From Python (the tests):

    with FeedServer(build_demo(orders=300).orders, faults=Faults(errors=3)) as server:
        url = server.url                  # http://127.0.0.1:PORT
        server.release(100)               # with hold=True: orders appear when told
        server.add_event("20220412000007", "refund")

Cursors are positions in the served lists. Fault switches count requests: `errors=3` answers
every 3rd request with a 500, `drops=5` cuts every 5th answer off halfway, `slow=7` holds every
7th for `slow_seconds`, `duplicates=4` serves every 4th page again without moving the cursor
(alternately the previous page, and the right page with the cursor left where it was).
`poison=9` sends every 9th order and every 9th event broken, in turn: half of an emoji (a
lone surrogate), nesting deeper than a JSON decoder follows, a 200 KiB field, an object where
text belongs, a number of 5,000 digits (`poisoned` holds their order numbers and event ids).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from picker.domain.feed import Event, EventKind, event_item, order_item  # noqa: E402
from picker.domain.model import SHANGHAI, Order  # noqa: E402

DEFAULT_TOKEN = "demo-token"
MAX_LIMIT = 1000


@dataclass
class Faults:
    """Every Nth request misbehaves (0 = never). Checked in this order; one fault a request."""

    bad_token: bool = False  # every request answers 401, as for a revoked token
    slow: int = 0  # hold the answer for slow_seconds (the client times out)
    slow_seconds: float = 1.0
    errors: int = 0  # answer 500
    drops: int = 0  # close the connection halfway through the body
    duplicates: int = 0  # serve a page again; the cursor does not move
    out_of_order: bool = False  # publish every event at once, before its order
    poison: int = 0  # every Nth order and every Nth event is sent broken


#: Ways a platform breaks one item, in turn: (field, JSON text put in its place).
POISONS = (
    ("name", '"\\ud800"'),  # half of a cut emoji
    ("note", "[" * 100_000 + "]" * 100_000),
    ("note", json.dumps("菜" * 200_000, ensure_ascii=False)),
    ("name", '{"a": 1}'),
    ("room", "1" * 5000),
)
EVENT_POISONS = (("id", '"E\\udfff"'), ("kind", "[" * 100_000 + "]" * 100_000), ("order_no", "{}"))


class FeedServer:
    """The feed: orders released over time, events published after (or before) their order."""

    def __init__(
        self,
        orders: Sequence[Order],
        *,
        committees: Mapping[str, str] | None = None,
        token: str = DEFAULT_TOKEN,
        rate: float | None = None,
        hold: bool = False,
        events_every: int = 0,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        """`rate` orders a second from start (None: all at once; `hold`: none until
        `release()`); `events_every` K: every Kth order gets an event, in turn a cancel, a
        whole refund and a partial refund."""
        self.orders = list(orders)
        self._index = {o.order_no: i for i, o in enumerate(self.orders)}
        self.committees = dict(committees or {})
        self.token = token
        self.rate = rate
        self.faults = faults or Faults()
        self.port = port
        self.requests = 0
        self.served: Counter[str] = Counter()
        #: Order numbers and event ids sent broken (the `poison` fault).
        self.poisoned: set[str] = set()
        self._released = 0 if hold or rate else len(self.orders)
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, Event]] = []
        self._published: list[Event] = []
        self._duplicate_turn = 0
        self._httpd: ThreadingHTTPServer | None = None
        if events_every:
            kinds = ("cancel", "refund", "partial")
            for n, i in enumerate(range(events_every - 1, len(self.orders), events_every)):
                self._add(self.orders[i], kinds[n % 3])

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> str:
        """Listen on 127.0.0.1 in a background thread; returns the base URL."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.feed = self  # type: ignore[attr-defined]
        self._started = time.monotonic()
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FeedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def release(self, n: int | None = None) -> None:
        """Make `n` more orders visible (all when None)."""
        with self._lock:
            total = len(self.orders)
            self._released = total if n is None else min(total, self._released + n)

    def released(self) -> int:
        with self._lock:
            return self._released_now()

    def add_event(
        self,
        order_no: str,
        kind: str = "refund",
        amount_fen: int | None = None,
        *,
        late: bool = False,
    ) -> Event:
        """A refund or cancel for `order_no`, published once its order is out (`late`: once
        every order is out)."""
        last = len(self.orders) - 1
        i = last if late else self._index.get(order_no, last)
        event = self._event(order_no, kind if kind != "partial" else "refund", amount_fen)
        with self._lock:
            self._waiting.append((i, event))
        return event

    def events(self) -> list[Event]:
        """Every event, published or waiting."""
        with self._lock:
            return [*self._published, *(e for _, e in self._waiting)]

    def _add(self, order: Order, kind: str) -> None:
        amount = None
        if kind == "partial":
            # One line refunded (out of stock at the platform), or half of a one-line order.
            last = order.lines[-1].amount_fen
            amount = last if len(order.lines) > 1 else max(1, order.amount_fen // 2)
        self._waiting.append(
            (self._index[order.order_no], self._event(order.order_no, kind, amount))
        )

    def _event(self, order_no: str, kind: str, amount_fen: int | None) -> Event:
        n = len(self._waiting) + len(self._published) + 1
        kind = "refund" if kind == "partial" else kind
        return Event(f"E{n:06d}", order_no, EventKind(kind), amount_fen, datetime.now(SHANGHAI))

    def _released_now(self) -> int:
        if self.rate:
            by_time = int((time.monotonic() - self._started) * self.rate)
            self._released = max(self._released, min(len(self.orders), by_time))
        return self._released

    def page(self, kind: str, after: int, limit: int) -> dict[str, Any]:
        """The page after `after`, duplicates fault included."""
        with self._lock:
            released = self._released_now()
            if kind == "orders":
                items: list[Any] = self.orders[:released]
            else:
                keep = []
                for i, event in self._waiting:
                    if self.faults.out_of_order or i < released:
                        self._published.append(event)
                    else:
                        keep.append((i, event))
                self._waiting = keep
                items = self._published
            after = min(after, len(items))
            start, end = after, min(after + limit, len(items))
            nxt = end
            self.served[kind] += 1
            every = self.faults.duplicates
            if every and self.served[kind] % every == 0:
                self._duplicate_turn += 1
                if self._duplicate_turn % 2:
                    start, end = max(0, after - limit), after  # the previous page again
                nxt = after
            chunk = items[start:end]
            encoded = [self._encode(x, n) for n, x in enumerate(chunk, start=start + 1)]
            return {"items": encoded, "next": str(nxt), "more": nxt < len(items)}

    def _encode(self, item: Order | Event, n: int) -> str:
        """The item's JSON text; every `poison`th one broken (the only way to send some)."""
        if isinstance(item, Order):
            data, key, poisons = (
                order_item(item, self.committees.get(item.committee)),
                item.order_no,
                POISONS,
            )
        else:
            data, key, poisons = event_item(item), item.event_id, EVENT_POISONS
        every = self.faults.poison
        if not every or n % every:
            return json.dumps(data, ensure_ascii=False)
        field, text = poisons[(n // every - 1) % len(poisons)]
        self.poisoned.add(key)
        data[field] = "@POISON@"
        return json.dumps(data, ensure_ascii=False).replace('"@POISON@"', text)


class _Handler(BaseHTTPRequestHandler):
    server_version = "feed-stand-in/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        feed: FeedServer = self.server.feed  # type: ignore[attr-defined]
        faults = feed.faults
        with feed._lock:
            feed.requests += 1
            n = feed.requests
        url = urlsplit(self.path)
        kind = url.path.strip("/")
        if faults.bad_token or self.headers.get("Authorization") != f"Bearer {feed.token}":
            return self._json(401, {"error": "bad token"})
        if kind not in ("orders", "events"):
            return self._json(404, {"error": f"no such list: {kind}"})
        query = parse_qs(url.query)
        try:
            after = int((query.get("after") or ["0"])[0] or 0)
            limit = max(1, min(MAX_LIMIT, int((query.get("limit") or ["100"])[0])))
        except ValueError:
            return self._json(400, {"error": "after and limit are numbers"})
        if faults.slow and n % faults.slow == 0:
            time.sleep(faults.slow_seconds)
        elif faults.errors and n % faults.errors == 0:
            return self._json(500, {"error": "internal error (fault switch)"})
        elif faults.drops and n % faults.drops == 0:
            return self._drop(feed.page(kind, after, limit))
        self._json(200, feed.page(kind, after, limit))

    def _json(self, code: int, data: Any) -> None:
        body = _body(data)
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client gave up (timed out) first

    def _drop(self, data: Any) -> None:
        """Promise the whole body, send half, hang up: the page must not count."""
        body = _body(data)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True


def _body(data: Any) -> bytes:
    """A page with its items already JSON text, or any other answer."""
    if isinstance(data, dict) and "items" in data:
        rest = json.dumps({k: v for k, v in data.items() if k != "items"})
        text = '{"items": [' + ", ".join(data["items"]) + "], " + rest[1:]
    else:
        text = json.dumps(data, ensure_ascii=False)
    return text.encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="feed-server", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2000, help="demo orders to serve")
    parser.add_argument("--seed", type=int, default=2022, help="demo seed")
    parser.add_argument("--rate", type=float, default=0, help="orders released a second (0: all)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bearer token expected")
    parser.add_argument("--events-every", type=int, default=25, help="an event every K orders")
    parser.add_argument(
        "--late-refund",
        action="append",
        default=[],
        metavar="ORDER_NO",
        help="a whole refund for ORDER_NO once every order is out (an order already packed)",
    )
    parser.add_argument("--slow", type=int, default=0, metavar="N", help="hold every Nth answer")
    parser.add_argument("--slow-seconds", type=float, default=15.0)
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="500 every Nth")
    parser.add_argument("--drops", type=int, default=0, metavar="N", help="cut every Nth answer")
    parser.add_argument(
        "--duplicates", type=int, default=0, metavar="N", help="every Nth page again, stuck cursor"
    )
    parser.add_argument("--out-of-order", action="store_true", help="events before their orders")
    parser.add_argument("--bad-token", action="store_true", help="refuse every token (401)")
    parser.add_argument(
        "--poison", type=int, default=0, metavar="N", help="every Nth order and event broken"
    )
    parser.add_argument("--url-file", type=Path, help="write the URL here once listening")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    from picker.app.demo import build_demo

    demo = build_demo(orders=args.orders, seed=args.seed)
    faults = Faults(
        bad_token=args.bad_token,
        slow=args.slow,
        slow_seconds=args.slow_seconds,
        errors=args.errors,
        drops=args.drops,
        duplicates=args.duplicates,
        out_of_order=args.out_of_order,
        poison=args.poison,
    )
    server = FeedServer(
        demo.orders,
        committees={c.code: c.name for c in demo.committees},
        token=args.token,
        rate=args.rate or None,
        events_every=args.events_every,
        faults=faults,
        port=args.port,
    )
    for order_no in args.late_refund:
        server.add_event(order_no, "refund", late=True)
    url = server.start()
    server._httpd.verbose = args.verbose  # type: ignore[union-attr]
    if args.url_file:
        tmp = args.url_file.with_suffix(".tmp")
        tmp.write_text(url + "\n", encoding="utf-8")
        tmp.replace(args.url_file)  # readers never see half a URL
    print(f"feed-server: {url} ({len(demo.orders)} orders, token {args.token})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
