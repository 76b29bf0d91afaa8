"""Settlement per committee: a hand-built day with known numbers, the CLI, and the property
that every random day reconciles to the fen with every order in exactly one end state.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import db
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.ids import bag_id, manifest_id
from picker.domain.model import OrderStatus
from picker.domain.settlement import Ledger, OrderMoney, settle
from picker.errors import InputError
from tests.conftest import order_rows, save_small_catalog
from tests.test_floor import BUNDLE, EGGS, LINES_A, load, pork_label

DAY = "2022-04-12"
AT = "2022-04-12T15:00:00+08:00"


def add_route(wh: Warehouse, route_id: str, committees: Sequence[str], day: str = DAY) -> None:
    """A route of the day stopping at `committees` in order (as the dispatch tables hold it)."""
    with db.write(wh.db):
        wh.db.conn.execute(
            "INSERT INTO routes (id, day, name) VALUES (?, ?, ?)", (route_id, day, route_id)
        )
        wh.db.conn.executemany(
            "INSERT INTO route_stops (route, committee, day, stop_order) VALUES (?, ?, ?, ?)",
            [(route_id, c, day, i) for i, c in enumerate(committees, start=1)],
        )


def load_bags(wh: Warehouse, route_id: str, bags: Iterable[str]) -> None:
    with db.write(wh.db):
        wh.db.conn.executemany(
            "INSERT INTO bag_loads (bag, route, at, operator) VALUES (?, ?, ?, 'D01')",
            [(b, route_id, AT) for b in bags],
        )


def add_manifest(
    wh: Warehouse, committee: str, bags: Iterable[str], *, delivered: bool, seq: int = 1
) -> str:
    """A manifest of the committee listing `bags`, signed for (delivered) or not yet."""
    mid = manifest_id(committee, date.fromisoformat(DAY), seq)
    with db.write(wh.db):
        wh.db.conn.execute(
            "INSERT INTO manifests (id, committee, day, seq, created_at, delivered_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (mid, committee, DAY, seq, AT, AT if delivered else None),
        )
        wh.db.conn.executemany(
            "INSERT INTO manifest_bags (manifest, bag) VALUES (?, ?)", [(mid, b) for b in bags]
        )
    return mid


def small_day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """A small day on the real engine, with every kind of refund and every end state.

    青平 (QR01): A001 bundle + 2 eggs ￥102.80, delivered; A002 one egg ￥32.00, short in
    full; A003 2 斤 pork ￥36.00, packed 960 g (￥1.44 under-weight refund), loaded, not
    delivered; A004 a bundle ￥38.80, cancelled before batching.
    航运新村 (QR02): B001 one egg ￥32.00, batched, waiting; R001 ￥38.80 imported refunded.
    """
    load(
        warehouse,
        tmp_path,
        [
            *order_rows("A001", lines=LINES_A),
            *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")]),
            *order_rows("A003", lines=[("SKU0003", "猪肉", 2, "18.00")]),
            *order_rows("A004"),
            *order_rows(
                "B001",
                committee="航运新村居委",
                code="QR02",
                lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")],
            ),
            *order_rows("R001", committee="航运新村居委", code="QR02", status="已退款"),
        ],
    )
    warehouse.cancel_order("A004", OrderStatus.CANCELLED, "resident asked")
    batches = warehouse.plan_batches().batches
    qingping = next(b for b in batches if b.startswith("XY01"))
    warehouse.claim(qingping, "P001", "T1")
    pick = warehouse.session(qingping, "P001", "T1")
    for code in (BUNDLE, "2*" + EGGS, pork_label(500), pork_label(500)):
        assert pick.scan(code).accepted
    assert pick.short("out-of-stock", "SKU0002").refund_fen == 3200
    pack = warehouse.session(qingping, "P001", "T1", stage="pack")
    for code in (BUNDLE, EGGS, EGGS, pork_label(480), pork_label(480)):
        assert pack.scan(code).accepted, code
    add_route(warehouse, "R1", ["XY01", "YP01"])
    load_bags(warehouse, "R1", [bag_id("A001", 1), bag_id("A003", 1)])
    add_manifest(warehouse, "XY01", [bag_id("A001", 1)], delivered=True)
    return warehouse


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return small_day(warehouse, tmp_path)


def test_a_day_settles_to_known_numbers(day: Warehouse) -> None:
    s = day.settlement()
    assert s.reconciled, s.mismatches
    xy = s.committee("XY01")
    assert (xy.name, xy.subdistrict, xy.orders) == ("青平居委", "夏阳街道", 4)
    assert xy.paid_fen == 10280 + 3200 + 3600 + 3880
    assert (xy.short_fen, xy.underweight_fen, xy.cancel_fen) == (3200, 144, 3880)
    assert xy.net_fen == 20960 - 3200 - 144 - 3880 == 13736
    assert xy.delivered_fen == 10280
    assert xy.open_fen == 3600 - 144
    assert (xy.delivered_orders, xy.refunded_orders, xy.open_orders) == (1, 2, 1)
    yp = s.committee("YP01")
    assert (yp.orders, yp.paid_fen, yp.cancel_fen, yp.net_fen, yp.open_fen) == (
        2,
        3200 + 3880,
        3880,
        3200,
        3200,
    )
    assert s.ledger == Ledger(payments_fen=28040, refunds_fen=3200 + 144 + 3880 + 3880)
    assert s.total.net_fen == 28040 - 11104
    by_code = {r.code: r for r in s.payment_codes}
    assert by_code["QR01"].net_fen == xy.net_fen and by_code["QR02"].net_fen == yp.net_fen


def test_the_day_audits_clean_with_one_state_each(day: Warehouse) -> None:
    report = day.audit()
    assert report.clean, report.failing
    found = {o.order_no: (o.state, o.reason) for o in report.orders}
    assert found == {
        "A001": ("delivered", None),
        "A002": ("refunded", None),
        "A003": ("open", "loaded_not_delivered"),
        "A004": ("refunded", None),
        "B001": ("open", "waiting"),
        "R001": ("refunded", None),
    }
    assert report.open_fen() == day.settlement().total.open_fen == 3456 + 3200


def test_a_day_filter_takes_the_orders_paid_that_day(day: Warehouse, tmp_path: Path) -> None:
    load(day, tmp_path, order_rows("C001", paid_at="2022-04-13 09:00:00"), "next.csv")
    assert day.settlement("2022-04-12").total.orders == 6
    nextday = day.settlement("2022-04-13")
    assert (nextday.total.orders, nextday.total.paid_fen, nextday.reconciled) == (1, 3880, True)
    assert day.settlement().total.orders == 7
    with pytest.raises(InputError, match="not a day"):
        day.settlement("12/04/2022")


def test_refund_list_of_a_committee(day: Warehouse) -> None:
    entries = day.refund_list("青平居委")
    assert [(e.order_no, e.kind, e.fen, e.product) for e in entries] == [
        ("A004", "cancel", 3880, None),
        ("A002", "short", 3200, "鸡蛋 30枚"),
        ("A003", "underweight", 144, "猪肉"),
    ]
    assert entries[0].address.short() == "12-2-301"
    assert day.refund_list("航运新村居委") == []  # R001 was refunded by the bank, not by us
    with pytest.raises(InputError):
        day.refund_list("nowhere")


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_settle_json_csv_and_table(day: Warehouse, tmp_path: Path) -> None:
    path = str(day.path)
    data = json.loads(run("settle", "--db", path, "--json"))
    assert data["reconciled"] is True and data["mismatches"] == []
    xy = next(r for r in data["committees"] if r["code"] == "XY01")
    assert (xy["paid_fen"], xy["short_fen"], xy["underweight_fen"], xy["cancel_fen"]) == (
        20960,
        3200,
        144,
        3880,
    )
    assert (xy["net_fen"], xy["delivered_fen"], xy["open_fen"]) == (13736, 10280, 3456)
    assert (
        data["total"]["net_fen"] == data["ledger"]["payments_fen"] - data["ledger"]["refunds_fen"]
    )
    assert {r["code"] for r in data["payment_codes"]} == {"QR01", "QR02"}
    out = tmp_path / "s.csv"
    assert "written" in run("settle", "--db", path, "--csv", str(out), "--day", DAY)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][:3] == ["Section", "Code", "Name of the committee or code"]
    qingping = next(r for r in table if r[1] == "XY01")
    assert qingping[4:] == ["4", "209.60", "32.00", "1.44", "38.80", "137.36", "102.80", "34.56"]
    assert table[-1][0] == "Total" and table[-1][-1] == "66.56"
    text = run("settle", "--db", path)
    assert "青平居委" in text and "￥137.36" in text and "Reconciled" in text
    run("settle", "--db", path, "--json", "--csv", str(out), code=2)
    run("settle", "--db", path, "--day", "tomorrow", code=2)


def test_settle_exits_3_when_it_does_not_add_up(
    day: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db import accounts

    real = accounts.ledger
    monkeypatch.setattr(
        accounts, "ledger", lambda conn, d=None: Ledger(real(conn, d).payments_fen + 1, 0)
    )
    s = day.settlement()
    assert not s.reconciled
    assert ("payments", 28041, 28040) in s.mismatches
    run("settle", "--db", str(day.path), code=3)


def test_settle_on_rows_alone() -> None:
    orders = [
        OrderMoney("1", "C1", "Q1", 1000, "paid", short_fen=100, delivered=True),
        OrderMoney("2", "C1", "Q2", 500, "cancelled", cancel_fen=500),
        OrderMoney("3", "C2", "Q1", 700, "refunded"),  # refunded by the bank before import
        OrderMoney("4", "C2", "Q2", 300, "paid", underweight_fen=20),
    ]
    s = settle(
        orders,
        {"C1": ("一", "S"), "C2": ("二", "S"), "C3": ("三", "S")},
        {"Q1": "", "Q2": ""},
        Ledger(2500, 100 + 500 + 700 + 20),
    )
    assert s.reconciled
    assert [(r.code, r.orders, r.net_fen, r.delivered_fen, r.open_fen) for r in s.committees] == [
        ("C1", 2, 900, 900, 0),
        ("C2", 2, 280, 0, 280),
        ("C3", 0, 0, 0, 0),
    ]
    assert [(r.code, r.net_fen) for r in s.payment_codes] == [("Q1", 900), ("Q2", 280)]
    assert s.committee("C2").cancel_fen == 700
    wrong = settle(orders, {}, {}, Ledger(2500, 0))
    assert ("refunds", 0, 1320) in wrong.mismatches and not wrong.reconciled


# The property: random days, built straight into the tables the way the floor and dispatch
# leave them, each order with a fate chosen up front. Settlement and audit must find exactly
# what was built: the money to the fen and each order in its one end state.

SKUS = ("SKU0001", "SKU0002", "SKU0003")
OPEN_FATES = ("not_batched", "waiting", "in_picking", "packed_not_loaded", "loaded_not_delivered")
FATES = (*OPEN_FATES, "delivered", "cancelled", "all_short", "bank_refunded")
PACKED = ("packed_not_loaded", "loaded_not_delivered", "delivered")
BATCH_STATUS = {"waiting": "released", "in_picking": "picking", "all_short": "picked"}


@dataclass
class Planned:
    """One order of a random day and what should come of it."""

    order_no: str
    committee: str
    code: str
    lines: list[tuple[str, int, int]]  # sku, qty, unit price
    fate: str
    shorts: list[int]  # short units per line
    underweight: int
    partial: int  # a partial refund from the platform (kind cancel, order stays paid)
    cancel_stage: str  # for "cancelled": before batching, in picking or packed
    bags: int
    loaded: int  # how many of the bags are on the truck
    on_manifest: bool

    @property
    def amount(self) -> int:
        return sum(q * p for _sku, q, p in self.lines)

    @property
    def short_fen(self) -> int:
        return sum(s * p for s, (_sku, _q, p) in zip(self.shorts, self.lines, strict=True))

    def refunds(self) -> dict[str, int]:
        cancel = self.partial
        if self.fate in ("cancelled", "bank_refunded"):
            cancel = self.amount - self.short_fen - self.underweight
        return {"short": self.short_fen, "underweight": self.underweight, "cancel": cancel}

    @property
    def batch_status(self) -> str | None:
        if self.fate == "cancelled":
            return {"before": None, "picking": "picking", "packed": "packed"}[self.cancel_stage]
        if self.fate in ("not_batched", "bank_refunded"):
            return None
        return BATCH_STATUS.get(self.fate, "packed")


@st.composite
def planned_orders(draw: st.DrawFn, i: int) -> Planned:
    lines = draw(
        st.lists(
            st.tuples(st.sampled_from(SKUS), st.integers(1, 4), st.integers(1, 9_999)),
            min_size=1,
            max_size=3,
            unique_by=lambda t: t[0],
        )
    )
    fate = draw(st.sampled_from(FATES))
    stage = draw(st.sampled_from(("before", "picking", "packed")))
    batched = fate not in ("not_batched", "waiting", "bank_refunded") and not (
        fate == "cancelled" and stage == "before"
    )
    if fate == "all_short":
        shorts = [q for _s, q, _p in lines]
    elif batched:
        shorts = [draw(st.integers(0, q - 1)) for _s, q, _p in lines]
    else:
        shorts = [0] * len(lines)
    rest = sum((q - s) * p for s, (_k, q, p) in zip(shorts, lines, strict=True))
    underweight = draw(st.integers(0, min(rest, 500))) if fate in PACKED else 0
    partial = 0
    if fate in (*OPEN_FATES, "delivered"):
        partial = draw(st.integers(0, rest - underweight)) if draw(st.booleans()) else 0
    packed = fate in PACKED or (fate == "cancelled" and stage == "packed")
    bags = draw(st.integers(1, 3)) if packed or fate == "in_picking" else 0
    loaded = 0
    if fate in ("loaded_not_delivered", "delivered"):
        loaded = bags if fate == "loaded_not_delivered" else draw(st.integers(0, bags))
    elif fate == "packed_not_loaded":
        loaded = draw(st.integers(0, bags - 1))
    return Planned(
        f"P{i:04d}",
        draw(st.sampled_from(("XY01", "YP01"))),
        draw(st.sampled_from(("QR01", "QR02"))),  # a code may serve either committee
        lines,
        fate,
        shorts,
        underweight,
        partial,
        stage,
        bags,
        loaded,
        draw(st.booleans()),
    )


@st.composite
def random_days(draw: st.DrawFn) -> list[Planned]:
    count = draw(st.integers(0, 24))
    return [draw(planned_orders(i)) for i in range(count)]


def build_day(wh: Warehouse, plans: Sequence[Planned]) -> None:
    """Write the planned orders with their batches, shorts, bags, loads, manifests, refunds."""
    q = wh.db.conn.execute
    with db.write(wh.db):
        for c in ("XY01", "YP01"):
            q("INSERT INTO routes (id, day, name) VALUES (?, ?, ?)", (f"R-{c}", DAY, c))
            q("INSERT INTO route_stops VALUES (?, ?, ?, 1)", (f"R-{c}", c, DAY))
            for seq, signed in ((1, AT), (2, None)):
                q(
                    "INSERT INTO manifests (id, committee, day, seq, created_at, delivered_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (f"M-{c}-{seq}", c, DAY, seq, AT, signed),
                )
        batches: set[str] = set()
        for p in plans:
            status = {"cancelled": "cancelled", "bank_refunded": "refunded"}.get(p.fate, "paid")
            q(
                "INSERT INTO orders (order_no, paid_at, amount_fen, payment_code, committee,"
                " building, room, name, phone, status) VALUES (?, ?, ?, ?, ?, '1', '101', 'x',"
                " '13800000000', ?)",
                (p.order_no, f"{DAY}T08:00:00+08:00", p.amount, p.code, p.committee, status),
            )
            for n, (sku, qty, price) in enumerate(p.lines, start=1):
                q(
                    "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, NULL)",
                    (p.order_no, n, sku, qty, price),
                )
            batch = None
            if p.batch_status:
                batch = f"{p.committee}-{p.batch_status}"
                if batch not in batches:
                    batches.add(batch)
                    q(
                        "INSERT INTO batches (id, committee, status, created_at, orders, lines,"
                        " grams) VALUES (?, ?, ?, ?, 0, 0, 0)",
                        (batch, p.committee, p.batch_status, AT),
                    )
                q("INSERT INTO batch_orders VALUES (?, ?)", (p.order_no, batch))
            refund = "INSERT INTO refunds (order_no, line_no, kind, fen, at) VALUES (?, ?, ?, ?, ?)"
            for n, (short, (_sku, _q, price)) in enumerate(zip(p.shorts, p.lines, strict=True), 1):
                if short:
                    q(
                        "INSERT INTO line_shorts VALUES (?, ?, ?, ?, 'out-of-stock', 'test')",
                        (p.order_no, n, batch, short),
                    )
                    q(refund, (p.order_no, n, "short", short * price, AT))
            if p.underweight:
                q(refund, (p.order_no, 1, "underweight", p.underweight, AT))
            if p.partial:
                q(refund, (p.order_no, None, "cancel", p.partial, AT))
            if p.fate == "cancelled" and p.refunds()["cancel"]:
                q(refund, (p.order_no, None, "cancel", p.refunds()["cancel"], AT))
            for k in range(1, p.bags + 1):
                closed = p.fate != "in_picking" or k < p.bags  # the last one is being filled
                bag = bag_id(p.order_no, k)
                q(
                    "INSERT INTO bags (id, order_no, batch, k, n, items, status) VALUES"
                    " (?, ?, ?, ?, ?, 1, ?)",
                    (bag, p.order_no, batch, k, p.bags, "closed" if closed else "open"),
                )
                if k <= p.loaded:
                    q(
                        "INSERT INTO bag_loads (bag, route, at, operator) VALUES (?, ?, ?, 'D01')",
                        (bag, f"R-{p.committee}", AT),
                    )
                if p.fate == "delivered":
                    q("INSERT INTO manifest_bags VALUES (?, ?)", (f"M-{p.committee}-1", bag))
                elif p.on_manifest and p.fate in PACKED:
                    q("INSERT INTO manifest_bags VALUES (?, ?)", (f"M-{p.committee}-2", bag))


def expected_state(p: Planned) -> tuple[str, str | None]:
    if p.fate in OPEN_FATES:
        return "open", p.fate
    return ("delivered", None) if p.fate == "delivered" else ("refunded", None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_days())
def test_every_random_day_reconciles_to_the_fen(plans: list[Planned]) -> None:
    wh = Warehouse(":memory:")
    try:
        save_small_catalog(wh)
        build_day(wh, plans)
        s = wh.settlement(DAY)
        report = wh.audit(DAY)
    finally:
        wh.close()
    payments = sum(p.amount for p in plans)
    refunds = sum(sum(p.refunds().values()) for p in plans)
    assert s.reconciled, s.mismatches
    assert (s.ledger.payments_fen, s.ledger.refunds_fen) == (payments, refunds)
    assert sum(r.paid_fen - r.refunds_fen for r in s.committees) == payments - refunds
    assert sum(r.net_fen for r in s.payment_codes) == payments - refunds
    for row in s.committees:
        mine = [p for p in plans if p.committee == row.code]
        kinds = [p.refunds() for p in mine]
        assert row.orders == len(mine)
        assert row.paid_fen == sum(p.amount for p in mine)
        assert row.short_fen == sum(k["short"] for k in kinds)
        assert row.underweight_fen == sum(k["underweight"] for k in kinds)
        assert row.cancel_fen == sum(k["cancel"] for k in kinds)
        delivered = [p for p in mine if p.fate == "delivered"]
        assert row.delivered_fen == sum(p.amount - sum(p.refunds().values()) for p in delivered)
    assert report.clean, [(o.order_no, o.problems) for o in report.failing]
    found = {o.order_no: (o.state, o.reason) for o in report.orders}
    assert found == {p.order_no: expected_state(p) for p in plans}
    assert all(len(o.states) == 1 for o in report.orders)
    counts = report.counts()
    assert counts["delivered"] + counts["refunded"] + counts["open"] == len(plans)
    assert report.open_fen() == s.total.open_fen
    unpack = {no for no, _bag in report.to_unpack}
    assert unpack == {p.order_no for p in plans if p.fate == "cancelled" and p.bags}


def test_settlement_and_kpi_arithmetic_are_pure() -> None:
    """The arithmetic imports the standard library and the pure model only (see DESIGN)."""
    import ast
    import sys

    from tests.test_i18n import ROOT, imports

    for module in (
        "picker.domain.settlement",
        "picker.domain.audit",
        "picker.domain.kpi",
        "picker.domain.manifest_pages",
    ):
        path = ROOT / Path(*module.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {name for name, _node in imports(module, path, tree)}
        outside = {n for n in found if n.partition(".")[0] not in sys.stdlib_module_names} - {
            "picker",
            "picker.domain.manifest_pages",
            "picker.domain.model",
            "picker.domain.money",
            "picker.domain.settlement",
            "picker.domain.states",
        }
        assert not outside, f"{module} imports {outside}"
