"""The 漏单 audit: each inconsistency it names, built with SQL on a clean day; the CLI's exit
codes; and random days driven through the real engine, which must audit clean.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import db
from picker.app.accounts import problem_text, state_text
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.audit import Problem
from picker.domain.model import OrderStatus
from tests.conftest import order_rows
from tests.test_floor import BUNDLE, EGGS, load, pork_label
from tests.test_settlement import DAY, add_manifest, add_route, load_bags, small_day


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return small_day(warehouse, tmp_path)


def sql(wh: Warehouse, statement: str, *params: object) -> None:
    with db.write(wh.db):
        wh.db.conn.execute(statement, params)


def yp_batch(wh: Warehouse) -> str:
    return next(b["id"] for b in wh.batches() if b["committee"] == "YP01")


def cancelled_but_delivered(wh: Warehouse) -> None:
    sql(wh, "UPDATE orders SET status = 'cancelled' WHERE order_no = 'A001'")


def half_the_bags_signed_for(wh: Warehouse) -> None:
    sql(wh, "UPDATE bags SET n = 2 WHERE order_no = 'A001'")
    sql(
        wh,
        "INSERT INTO bags (id, order_no, batch, k, n, items, status)"
        " SELECT 'BGA001-2', order_no, batch, 2, 2, 1, 'closed' FROM bags"
        " WHERE id = 'BGA001-1'",
    )


def packed_batch_without_the_order(wh: Warehouse) -> None:
    sql(wh, "UPDATE batches SET status = 'packed' WHERE id = ?", yp_batch(wh))


def bag_in_another_batch(wh: Warehouse) -> None:
    sql(wh, "UPDATE bags SET batch = ? WHERE id = 'BGA003-1'", yp_batch(wh))


def batch_of_another_committee(wh: Warehouse) -> None:
    sql(wh, "UPDATE batches SET committee = 'XY01' WHERE id = ?", yp_batch(wh))


def bag_on_the_wrong_truck(wh: Warehouse) -> None:
    sql(wh, "DELETE FROM route_stops WHERE route = 'R1' AND committee = 'YP01'")
    add_route(wh, "R2", ["YP01"])  # 航运新村's truck, not 青平's
    sql(wh, "UPDATE bag_loads SET route = 'R2' WHERE bag = 'BGA003-1'")


def bag_on_another_committees_manifest(wh: Warehouse) -> None:
    add_manifest(wh, "YP01", ["BGA003-1"], delivered=False)


def cancelled_bag_on_the_truck(wh: Warehouse) -> None:
    wh.cancel_order("A003", OrderStatus.REFUNDED, "resident left")


def refunded_more_than_paid(wh: Warehouse) -> None:
    sql(
        wh, "INSERT INTO refunds (order_no, kind, fen, at) VALUES ('A001', 'cancel', 99999, ?)", DAY
    )


def bag_count_not_n(wh: Warehouse) -> None:
    sql(wh, "UPDATE bags SET n = 2 WHERE id = 'BGA003-1'")


@pytest.mark.parametrize(
    ("break_it", "order_no", "problem"),
    [
        (cancelled_but_delivered, "A001", Problem.TWO_STATES),
        (half_the_bags_signed_for, "A001", Problem.TWO_STATES),
        (packed_batch_without_the_order, "B001", Problem.NO_STATE),
        (bag_in_another_batch, "A003", Problem.TWO_BATCHES),
        (batch_of_another_committee, "B001", Problem.WRONG_BATCH),
        (bag_on_the_wrong_truck, "A003", Problem.WRONG_ROUTE),
        (bag_on_another_committees_manifest, "A003", Problem.WRONG_MANIFEST),
        (cancelled_bag_on_the_truck, "A003", Problem.CANCELLED_BAG),
        (refunded_more_than_paid, "A001", Problem.OVER_REFUND),
        (bag_count_not_n, "A003", Problem.BAG_COUNT),
    ],
)
def test_the_audit_catches(
    day: Warehouse, break_it: Callable[[Warehouse], None], order_no: str, problem: Problem
) -> None:
    assert day.audit().clean
    break_it(day)
    report = day.audit()
    assert not report.clean
    (failing,) = report.failing
    assert failing.order_no == order_no
    assert problem in [p for p, _params in failing.problems]
    for p, params in failing.problems:
        assert problem_text(p, params)  # every problem has words and its parameters fit
    out = run("audit", "--db", str(day.path), code=3)
    assert order_no in out
    # Whatever else is wrong, the money still reconciles: the audit and settlement disagree
    # only about where the order is, never about a fen.
    assert day.settlement().reconciled


def test_problem_texts_name_what_to_do(day: Warehouse) -> None:
    cancelled_bag_on_the_truck(day)
    (failing,) = day.audit().failing
    assert failing.state is not None and failing.state.value == "refunded"
    (text,) = [problem_text(p, params) for p, params in failing.problems]
    assert text == "order is cancelled but its bags are on their way: pull BGA003-1"
    refunded_more_than_paid(day)
    over = next(o for o in day.audit().failing if o.order_no == "A001")
    assert problem_text(*over.problems[0]) == "refunds ￥999.99 exceed the paid amount ￥102.80"


def test_a_cancelled_order_packed_but_not_loaded_is_to_unpack_not_a_failure(
    day: Warehouse,
) -> None:
    sql(day, "DELETE FROM bag_loads WHERE bag = 'BGA003-1'")
    day.cancel_order("A003")
    report = day.audit()
    assert report.clean
    assert report.to_unpack == (("A003", "BGA003-1"),)
    assert "unpack bag BGA003-1" in run("audit", "--db", str(day.path))


def test_open_orders_carry_their_reason(day: Warehouse, tmp_path: Path) -> None:
    load(day, tmp_path, order_rows("C001", committee="航运新村居委", code="QR02"), "late.csv")
    opened = {o.order_no: state_text(o) for o in day.audit().orders if o.reason}
    assert opened == {
        "A003": "open: loaded, not delivered",
        "B001": "open: batched, waiting for a picker",
        "C001": "open: not batched",
    }
    sql(day, "DELETE FROM bag_loads WHERE bag = 'BGA003-1'")
    a003 = next(o for o in day.audit().orders if o.order_no == "A003")
    assert (a003.reason, dict(a003.detail)) == ("packed_not_loaded", {"done": "0", "bags": "1"})
    b_batch = yp_batch(day)
    day.claim(b_batch, "P002")
    b001 = next(o for o in day.audit().orders if o.order_no == "B001")
    assert b001.reason == "in_picking"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_audit_cli_exit_codes_json_and_closing(day: Warehouse) -> None:
    path = str(day.path)
    out = run("audit", "--db", path)
    assert "6 orders: 1 delivered, 3 refunded in full, 2 open" in out
    assert "Every paid order accounted for." in out
    data = json.loads(run("audit", "--db", path, "--json", "--day", DAY))
    assert data["clean"] is True and data["problems"] == []
    assert data["counts"]["open"] == 2 and data["counts"]["loaded_not_delivered"] == 1
    assert {o["order_no"]: o["reason"] for o in data["open"]} == {
        "A003": "loaded_not_delivered",
        "B001": "waiting",
    }
    listed = run("audit", "--db", path, "--open")
    assert "A003" in listed and "B001" in listed
    # Closing the day: open orders are not accounted for yet.
    assert "B001" in run("audit", "--db", path, "--closing", code=3)
    run("audit", "--db", path, "--day", "2022-04-13")  # nothing paid that day: clean
    refunded_more_than_paid(day)
    data = json.loads(run("audit", "--db", path, "--json", code=3))
    (problem,) = data["problems"]
    assert problem["order_no"] == "A001"
    assert problem["problems"][0]["problem"] == "over_refund"
    assert "exceed" in problem["problems"][0]["message"]


PRODUCTS = {
    "SKU0001": ("蔬菜套餐A", "38.80"),
    "SKU0002": ("鸡蛋 30枚", "32.00"),
    "SKU0003": ("猪肉", "18.00"),
}


def scan_unit(session: object, sku: str, rng: random.Random) -> None:
    code = {"SKU0001": BUNDLE, "SKU0002": EGGS}.get(sku) or pork_label(rng.randint(440, 520))
    result = session.scan(code)  # type: ignore[attr-defined]
    assert result.accepted, result.message


@pytest.mark.parametrize("seed", range(5))
def test_random_days_on_the_engine_audit_clean(
    warehouse: Warehouse, tmp_path: Path, seed: int
) -> None:
    """Import, cancel some, batch, pick with random shorts, pack with random weights, cancel
    some more, load and deliver some: every fen reconciles and every order is in one state."""
    rng = random.Random(seed)
    rows, committees = [], {"XY01": ("青平居委", "QR01"), "YP01": ("航运新村居委", "QR02")}
    for i in range(rng.randint(4, 10)):
        committee = rng.choice(sorted(committees))
        skus = rng.sample(sorted(PRODUCTS), rng.randint(1, 3))
        lines = [(s, PRODUCTS[s][0], rng.randint(1, 3), PRODUCTS[s][1]) for s in skus]
        name, code = committees[committee]
        rows += order_rows(f"{committee}N{i}", committee=name, code=code, lines=lines)
    load(warehouse, tmp_path, rows)
    order_nos = [r[0] for r in rows]
    for no in rng.sample(sorted(set(order_nos)), 1):
        warehouse.cancel_order(no)
    for batch in warehouse.plan_batches().batches:
        warehouse.claim(batch, "P001")
        pick = warehouse.session(batch, "P001")
        for pick_line in pick.pick_lines():
            short = rng.choice([0, 0, 0, 1, pick_line.needed])
            for _ in range(pick_line.needed - min(short, pick_line.needed)):
                scan_unit(pick, pick_line.sku, rng)
            if short:
                assert pick.short("out-of-stock", pick_line.sku).accepted
        households = [h.order_no for h in pick.households() if not h.cancelled]
        if households and rng.random() < 0.5:
            warehouse.cancel_order(rng.choice(households), OrderStatus.REFUNDED)
        pack = warehouse.session(batch, "P001", stage="pack")
        while (current := pack.current_household())[0] is not None:
            for line in current[1]:
                for _ in range(line.remaining):
                    scan_unit(pack, line.sku, rng)
    add_route(warehouse, "R1", ["XY01", "YP01"])
    bags = [r[0] for r in warehouse.db.execute("SELECT id FROM bags ORDER BY id").fetchall()]
    loaded = rng.sample(bags, len(bags) // 2)
    load_bags(warehouse, "R1", loaded)
    signed = [b for b in loaded if rng.random() < 0.5]
    order_of = {b: b[2:].rsplit("-", 1)[0] for b in bags}
    manifested: set[str] = set()
    for seq, committee in enumerate(committees, start=1):
        mine = [b for b in signed if b.startswith(f"BG{committee}")]
        # A committee signs for whole households: all of an order's bags or none.
        whole = [b for b in mine if all(x in signed for x in bags if order_of[x] == order_of[b])]
        add_manifest(warehouse, committee, whole, delivered=True, seq=seq)
        manifested |= {order_of[b] for b in whole}
    s = warehouse.settlement()
    report = warehouse.audit()
    assert s.reconciled, s.mismatches
    assert report.clean, [(o.order_no, o.problems) for o in report.failing]
    assert len(report.orders) == len(set(order_nos))
    assert all(o.state is not None for o in report.orders)
    assert report.open_fen() == s.total.open_fen
    delivered = {o.order_no for o in report.orders if o.state == "delivered"}
    assert delivered == manifested
    assert s.total.delivered_orders == len(delivered)
    refunded = {o.order_no for o in report.orders if o.state == "refunded"}
    assert refunded == {
        no
        for (no,) in warehouse.db.execute(
            "SELECT order_no FROM orders o WHERE status <> 'paid' OR NOT EXISTS (SELECT 1"
            " FROM order_lines l LEFT JOIN line_shorts x USING (order_no, line_no)"
            " WHERE l.order_no = o.order_no AND coalesce(x.short_qty, 0) < l.qty)"
        ).fetchall()
    }


def test_a_delivered_bag_is_not_asked_back(day: Warehouse) -> None:
    """A cancelled order whose bag was signed for is in two states; there is nothing to pull."""
    cancelled_but_delivered(day)
    (failing,) = day.audit().failing
    assert [p for p, _params in failing.problems] == [Problem.TWO_STATES]
    assert problem_text(*failing.problems[0]) == (
        "in two end states (delivered + refunded in full): 1 of 1 bags signed for"
    )
