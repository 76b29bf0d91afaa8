"""Batches, claims, picking, packing, shortages and cancellations, through the use-case door."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from db import store
from picker.app.demo import ean13_check_digit
from picker.app.sessions import ScanSession
from picker.app.warehouse import Warehouse
from picker.domain.batching import Caps
from picker.domain.model import OrderStatus
from picker.domain.packing import BagCapacity
from picker.domain.shortage import Policy
from picker.errors import Conflict, NotFound
from tests.conftest import csv_text, order_rows

BUNDLE, EGGS, EGGS_CASE = "6901234567892", "6901234567908", "16901234567905"
LINES_A = [("SKU0001", "蔬菜套餐A", 1, "38.80"), ("SKU0002", "鸡蛋 30枚", 2, "32.00")]


def pork_label(grams: int) -> str:
    """A scale label `21 PPPPP WWWWW C` for pork (PLU 10001)."""
    digits = f"2110001{grams:05d}"
    return digits + ean13_check_digit(digits)


def load(wh: Warehouse, tmp_path: Path, rows: list[list[str]], name: str = "a.csv") -> None:
    f = tmp_path / name
    f.write_text(csv_text(rows), encoding="utf-8")
    report = wh.import_file(f)
    assert report.rejects == [], report.rejects


@pytest.fixture
def batch(warehouse: Warehouse, tmp_path: Path) -> str:
    """One released batch of 青平居委 with three households, claimed by P001."""
    load(
        warehouse,
        tmp_path,
        [
            *order_rows("A001", lines=LINES_A),
            *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")]),
            *order_rows("A003", lines=[("SKU0003", "猪肉", 2, "18.00")]),
        ],
    )
    (batch_id,) = warehouse.plan_batches().batches
    warehouse.claim(batch_id, "P001", "T1")
    return batch_id


def pick_all(session: ScanSession) -> None:
    for code in (BUNDLE, "3*" + EGGS, pork_label(498), pork_label(505)):
        result = session.scan(code)
        assert result.accepted, result.message


def test_plan_never_mixes_committees_and_respects_caps(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    rows = []
    for n in range(5):
        rows += order_rows(f"X{n}", paid_at=f"2022-04-12 08:0{n}:00")
        rows += order_rows(f"Y{n}", committee="航运新村居委", code="QR02")
    rows += order_rows("R1", status="已退款")
    load(warehouse, tmp_path, rows)
    report = warehouse.plan_batches(Caps(max_orders=2))
    assert report.orders == 10
    batches = warehouse.batches()
    assert [b["id"] for b in batches] == report.batches
    by_batch: dict[str, set[str]] = {}
    for b in batches:
        assert b["orders"] <= 2
        by_batch[b["id"]] = {
            r[0]
            for r in warehouse.db.execute(
                "SELECT o.committee FROM batch_orders bo JOIN orders o USING (order_no)"
                " WHERE bo.batch = ?",
                [b["id"]],
            )
        }
    assert all(len(committees) == 1 for committees in by_batch.values())
    assert sum(b["orders"] for b in batches) == 10
    first = warehouse.db.execute(
        "SELECT order_no FROM batch_orders WHERE batch = ? ORDER BY order_no", [report.batches[0]]
    ).fetchall()
    assert [r[0] for r in first] == ["X0", "X1"]
    # The refunded order stays out; late orders make new batches, released ones stay closed.
    load(warehouse, tmp_path, order_rows("X9", paid_at="2022-04-12 07:00:00"), "late.csv")
    again = warehouse.plan_batches(Caps(max_orders=2))
    assert again.orders == 1 and len(again.batches) == 1
    assert again.batches[0] not in report.batches
    assert store.count(warehouse.db, "batch_orders") == 11


def test_pick_list_sums_per_product_in_walk_order(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001")
    lines = session.pick_lines()
    # eggs at A (walk 1), bundle at B (2), pork at C (3)
    assert [(ln.sku, ln.needed) for ln in lines] == [("SKU0002", 3), ("SKU0001", 1), ("SKU0003", 2)]


def test_claim_is_exclusive_resumable_and_taken_over_only_by_a_lead(
    warehouse: Warehouse, batch: str
) -> None:
    with pytest.raises(Conflict, match="held by P001 on terminal T1"):
        warehouse.claim(batch, "P002", "T2")
    assert warehouse.claim(batch, "P001", "T9").resumed
    with pytest.raises(Conflict, match="only a shift lead"):
        warehouse.take_over(batch, "P002")
    warehouse.take_over(batch, "L01", to="P002")
    assert warehouse.batches()[0]["holder"] == "P002"
    with pytest.raises(Conflict):
        warehouse.session(batch, "P001")
    warehouse.release(batch, "P002")
    assert warehouse.claim(batch, "P001").resumed is False
    events = [e[3] for e in warehouse.batch_events(batch)]
    assert events == ["claim", "resume", "take-over", "release", "claim"]
    with pytest.raises(NotFound):
        warehouse.claim("NOPE", "P001")
    with pytest.raises(NotFound):
        warehouse.claim(batch, "X999")


def test_pick_accepts_units_cases_and_typed_quantities(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001", "T1")
    first = session.scan(EGGS)
    assert (first.accepted, first.sku, first.qty, first.line) == (True, "SKU0002", 1, (1, 3))
    assert first.progress == (1, 6)
    assert warehouse.batches()[0]["status"] == "picking"
    case = session.scan(EGGS_CASE)
    assert not case.accepted and case.reason == "over_pick"
    two = session.scan("2*" + EGGS)
    assert two.accepted and two.line == (3, 3)
    done = session.scan(EGGS)
    assert done.reason == "line_complete"


@pytest.mark.parametrize(
    "code, reason",
    [
        ("6901234567893", "bad_check_digit"),
        ("6909999999996", "unknown_code"),
        ("", "empty"),
        ("OP-P002", "not_here"),
        ("CMD-BAG", "command_not_here"),
    ],
)
def test_pick_rejections_are_logged_with_reasons(
    warehouse: Warehouse, batch: str, code: str, reason: str
) -> None:
    session = warehouse.session(batch, "P001", "T1")
    result = session.scan(code)
    assert not result.accepted
    assert result.reason == reason, result.message
    assert result.message
    (row,) = warehouse.scan_log(batch)
    assert (row["outcome"], row["reason"], row["raw"], row["terminal"]) == (
        "rejected",
        reason,
        code,
        "T1",
    )


def test_a_product_not_in_the_batch_is_rejected(warehouse: Warehouse, tmp_path: Path) -> None:
    load(warehouse, tmp_path, order_rows("B001", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")]))
    (batch_id,) = warehouse.plan_batches().batches
    warehouse.claim(batch_id, "P001")
    session = warehouse.session(batch_id, "P001")
    result = session.scan(BUNDLE)
    assert (result.accepted, result.reason) == (False, "not_in_batch")
    assert "蔬菜套餐A" in result.message
    assert session.scan(pork_label(500)).reason == "not_in_batch"
    assert session.pick_lines()[0].picked == 0


def test_undo_is_logged_not_erased(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001")
    assert session.scan("2*" + EGGS).accepted
    undo = session.scan("CMD-UNDO")
    assert undo.accepted and undo.line == (0, 3)
    assert session.scan("CMD-UNDO").reason == "nothing_to_undo"
    log = warehouse.scan_log(batch)
    assert [(r["kind"], r["qty"], r["undoes"]) for r in log] == [
        ("product", 2, None),
        ("undo", -2, log[0]["id"]),
        ("command", None, None),
    ]
    assert session.pick_lines()[0].picked == 0


def test_skip_moves_the_line_to_the_end(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001")
    current = session.current_line()
    assert current is not None and current.sku == "SKU0002"
    assert session.scan("CMD-SKIP").accepted
    after = session.current_line()
    assert after is not None and after.sku == "SKU0001"
    assert [ln.sku for ln in session.pick_lines()] == ["SKU0001", "SKU0003", "SKU0002"]


def test_short_is_allocated_and_refunded(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001")
    assert session.scan(EGGS).accepted
    # 2 of 3 eggs short: A001 ordered 2, A002 ordered 1 -> fewest households: A001 goes short.
    result = session.short("damaged", "SKU0002")
    assert result.accepted and result.qty == 2 and result.refund_fen == 6400
    refunds = warehouse.refunds()
    assert [(r["order_no"], r["kind"], r["fen"], r["reason"]) for r in refunds] == [
        ("A001", "short", 6400, "damaged")
    ]
    assert refunds[0]["scan_id"] == warehouse.scan_log(batch)[-1]["id"]
    line = session.pick_lines()[0]
    assert (line.picked, line.short, line.short_reason) == (1, 2, "damaged")


def test_a_short_never_refunds_more_than_was_paid(warehouse: Warehouse, batch: str) -> None:
    # The bank gave A002 (one box of eggs, ￥32.00) ￥1.00 back already; then its eggs go short.
    with warehouse.db.conn:
        warehouse.db.conn.execute(
            "INSERT INTO refunds (order_no, kind, fen, reason, at) "
            "VALUES ('A002', 'cancel', 100, 'partial refund', '2022-04-12T08:00:00+08:00')"
        )
    session = warehouse.session(batch, "P001")
    assert session.short("damaged", "SKU0002").accepted
    refunded = sum(r["fen"] for r in warehouse.refunds("A002"))
    assert refunded == 3200
    assert not [o for o in warehouse.audit().failing if o.order_no == "A002"]


def test_short_follows_the_configured_policy(warehouse: Warehouse, batch: str) -> None:
    warehouse.settings = replace(warehouse.settings, short_policy=Policy.FIRST_PAID)
    session = warehouse.session(batch, "P001")
    # Same paid time: the later order number (A002) absorbs first, then A001.
    result = session.short("out-of-stock", "SKU0002")
    assert result.accepted
    shorts = {r["order_no"]: r["fen"] for r in warehouse.refunds()}
    assert shorts == {"A001": 6400, "A002": 3200}


def test_batch_is_picked_when_every_line_is_done(warehouse: Warehouse, batch: str) -> None:
    session = warehouse.session(batch, "P001")
    pick_all(session)
    assert warehouse.batches()[0]["status"] == "picked"
    assert session.scan(EGGS).reason == "wrong_status"


def test_pack_households_in_order_with_weights_and_bags(warehouse: Warehouse, batch: str) -> None:
    warehouse.settings = replace(warehouse.settings, bag_capacity=BagCapacity(max_items=2))
    pick_all(warehouse.session(batch, "P001"))
    pack = warehouse.session(batch, "P001", "T1", stage="pack")
    household, _lines = pack.current_household()
    assert household is not None and household.order_no == "A001"
    assert pack.scan(pork_label(500)).reason == "not_for_household"
    first = pack.scan(BUNDLE)
    assert first.accepted and first.bag == "BGA001-1"
    second = pack.scan(EGGS)
    assert second.closed_bags == ("BGA001-1",)
    third = pack.scan(EGGS)
    assert third.bag == "BGA001-2" and third.closed_bags == ("BGA001-2",)
    assert store.count(warehouse.db, "print_jobs") == 2
    assert pack.scan(EGGS).accepted  # A002's single box
    # A003: 2 斤 of pork ordered (1000 g, tolerance 30 g): 990 g is fine...
    assert pack.scan(pork_label(495)).accepted
    last = pack.scan(pork_label(495))
    assert last.accepted and last.refund_fen == 0 and last.stage_done
    assert warehouse.batches()[0]["status"] == "packed"
    bags = warehouse.db.execute("SELECT id, k, n, items, status FROM bags ORDER BY id").fetchall()
    assert bags == [
        ("BGA001-1", 1, 2, 2, "closed"),
        ("BGA001-2", 2, 2, 1, "closed"),
        ("BGA002-1", 1, 1, 1, "closed"),
        ("BGA003-1", 1, 1, 2, "closed"),
    ]


def test_underweight_beyond_tolerance_refunds_the_difference(
    warehouse: Warehouse, batch: str
) -> None:
    pick_all(warehouse.session(batch, "P001"))
    pack = warehouse.session(batch, "P001", stage="pack")
    for code in (BUNDLE, EGGS, EGGS, EGGS, pork_label(480)):
        assert pack.scan(code).accepted
    last = pack.scan(pork_label(480))
    # 1000 g ordered, 960 g packed, 30 g tolerance: 40 g short at ￥18.00 / 500 g = 144 fen.
    assert last.refund_fen == 144
    assert [(r["order_no"], r["kind"], r["fen"]) for r in warehouse.refunds()] == [
        ("A003", "underweight", 144)
    ]


def test_cancelled_order_is_flagged_and_never_packed(warehouse: Warehouse, batch: str) -> None:
    pick_all(warehouse.session(batch, "P001"))
    assert warehouse.cancel_order("A002", OrderStatus.REFUNDED, "resident left") == 3200
    pack = warehouse.session(batch, "P001", stage="pack")
    households = pack.households()
    assert [h.cancelled for h in households] == [False, True, False]
    for code in (BUNDLE, EGGS, EGGS):
        assert pack.scan(code).accepted
    third_egg = pack.scan(EGGS)
    assert third_egg.reason == "order_cancelled"
    assert pack.scan(pork_label(500)).accepted
    assert pack.scan(pork_label(500)).stage_done
    assert [(r["order_no"], r["kind"], r["fen"]) for r in warehouse.refunds()] == [
        ("A002", "cancel", 3200)
    ]
    with pytest.raises(Conflict, match="already refunded"):
        warehouse.cancel_order("A002")


def test_cancelled_order_does_not_get_a_short_allocation(warehouse: Warehouse, batch: str) -> None:
    warehouse.cancel_order("A001")
    session = warehouse.session(batch, "P001")
    result = session.short("out-of-stock", "SKU0002")
    # 3 eggs short, A001 (2) is cancelled: only A002's one box is refunded as a shortage.
    assert result.accepted and result.refund_fen == 3200
    kinds = sorted((r["order_no"], r["kind"]) for r in warehouse.refunds())
    assert kinds == [("A001", "cancel"), ("A002", "short")]


def test_a_scan_on_a_batch_taken_over_meanwhile_is_rejected(
    warehouse: Warehouse, batch: str
) -> None:
    session = warehouse.session(batch, "P001")
    warehouse.take_over(batch, "L01")
    result = session.scan(EGGS)
    assert result.reason == "not_held"
    assert session.pick_lines()[0].picked == 0


def test_cancelled_units_absorb_a_shortage_before_paid_households(
    warehouse: Warehouse, batch: str
) -> None:
    warehouse.cancel_order("A001")  # its 2 boxes of eggs are no longer needed
    session = warehouse.session(batch, "P001")
    assert session.scan(EGGS).accepted  # A002's one box is in hand
    result = session.short("out-of-stock", "SKU0002")
    assert result.accepted and result.qty == 2 and result.refund_fen == 0
    assert [r["kind"] for r in warehouse.refunds()] == ["cancel"]


def test_undo_after_a_bag_closed_is_refused(warehouse: Warehouse, batch: str) -> None:
    pick_all(warehouse.session(batch, "P001"))
    pack = warehouse.session(batch, "P001", stage="pack")
    for code in (BUNDLE, EGGS, EGGS, EGGS):  # A001 then A002: both bags closed
        assert pack.scan(code).accepted
    undo = pack.scan("CMD-UNDO")
    assert (undo.accepted, undo.reason) == (False, "bag_closed")
    assert "BGA002-1" in undo.message


def test_undo_of_a_scan_that_settled_a_refund_is_refused(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    load(
        warehouse,
        tmp_path,
        order_rows(
            "W001", lines=[("SKU0003", "猪肉", 1, "18.00"), ("SKU0001", "蔬菜套餐A", 1, "38.80")]
        ),
    )
    (batch_id,) = warehouse.plan_batches().batches
    warehouse.claim(batch_id, "P001")
    pick = warehouse.session(batch_id, "P001")
    assert pick.scan(pork_label(500)).accepted and pick.scan(BUNDLE).accepted
    pack = warehouse.session(batch_id, "P001", stage="pack")
    light = pack.scan(pork_label(450))  # 50 g under, tolerance 15 g: refunded, bag still open
    assert light.accepted and light.refund_fen == 180
    undo = pack.scan("CMD-UNDO")
    assert (undo.accepted, undo.reason) == (False, "undo_refunded")
    assert [r["fen"] for r in warehouse.refunds()] == [180]
