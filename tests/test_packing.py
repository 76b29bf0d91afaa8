"""Bags k of n and weighed lines: the pure rules, then through the scanning session."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from picker.app.demo import ean13_check_digit
from picker.app.warehouse import Warehouse
from picker.domain.packing import BagCapacity, BagGoods, plan_bags
from picker.domain.weighing import WeighedTarget
from tests.conftest import order_rows
from tests.test_floor import BUNDLE, EGGS, EGGS_CASE, load, pork_label

BUNDLE_LINE = ("SKU0001", "蔬菜套餐A", 1, "38.80")
EGG_LINE = ("SKU0002", "鸡蛋 30枚", 1, "32.00")
PORK_LINE = ("SKU0003", "猪肉", 1, "18.00")


def pork_amount_label(fen: int) -> str:
    """A scale label `22 PPPPP AAAAA C` that prints the amount, for pork (PLU 10001)."""
    digits = f"2210001{fen:05d}"
    return digits + ean13_check_digit(digits)


def with_qty(line: tuple[str, str, int, str], qty: int) -> tuple[str, str, int, str]:
    return (line[0], line[1], qty, line[3])


def one_order(wh: Warehouse, tmp_path: Path, *lines: tuple[str, str, int, str]) -> str:
    """A001 with `lines`, batched and claimed by P001."""
    load(wh, tmp_path, order_rows("A001", lines=lines))
    (batch_id,) = wh.plan_batches().batches
    wh.claim(batch_id, "P001", "T1")
    return str(batch_id)


def picked(wh: Warehouse, batch_id: str) -> None:
    """Pick the whole batch, weighed lines at exactly their ordered weight."""
    session = wh.session(batch_id, "P001")
    for line in session.pick_lines():
        product = wh.catalog().products[line.sku]
        if product.weighed:
            code = pork_label(line.needed * product.unit_grams)
        else:
            code = f"{line.needed}*{next(b.code for b in product.barcodes if b.pack_qty == 1)}"
        assert session.scan(code).accepted
    assert wh.batches()[0]["status"] == "picked"


def bag_rows(wh: Warehouse) -> list[tuple]:
    return wh.db.execute("SELECT id, k, n, items, status FROM bags ORDER BY id").fetchall()


def labels(wh: Warehouse) -> list[str]:
    return [t for (t,) in wh.db.execute("SELECT target FROM print_jobs WHERE kind = 'label'")]


def assert_bags_consistent(wh: Warehouse) -> None:
    """Every bag k of n that exists or was printed: all n exist, none over the caps, and
    what the scan log put into each bag is what the bag holds."""
    capacity = wh.settings.bag_capacity
    products = wh.catalog().products
    bags = {r[0]: r for r in bag_rows(wh)}
    assert set(labels(wh)) <= set(bags), "a printed label has no bag"
    per_order: dict[str, list[tuple]] = {}
    for bag_id, order_no in wh.db.execute("SELECT id, order_no FROM bags"):
        per_order.setdefault(order_no, []).append(bags[bag_id])
    for order_bags in per_order.values():
        (n,) = {b[2] for b in order_bags}
        assert sorted(b[1] for b in order_bags) == list(range(1, n + 1))
    items: Counter[str] = Counter()
    grams: Counter[str] = Counter()
    for r in wh.scan_log():
        if r["stage"] == "pack" and r["outcome"] == "accepted" and r["bag"]:
            items[r["bag"]] += r["qty"] or 0
            product = products[r["sku"]]
            grams[r["bag"]] += (
                (r["grams"] or 0) if product.weighed else (r["qty"] or 0) * product.unit_grams
            )
    for bag_id, (_id, _k, _n, count, _status) in bags.items():
        assert count == items[bag_id], bag_id
        assert count <= capacity.max_items, bag_id
        assert grams[bag_id] <= capacity.max_grams, bag_id


def test_a_bag_plan_keeps_every_bag_within_its_caps() -> None:
    rng = random.Random(7)
    capacity = BagCapacity(max_items=12, max_grams=8000)
    for _ in range(300):
        goods = [
            BagGoods(f"S{i}", rng.randint(1, 15), rng.choice([200, 500, 1800, 3000, 4500, 6000]))
            for i in range(rng.randint(1, 6))
        ]
        plan = plan_bags(goods, capacity)
        assert plan.n == len(plan.contents) >= 1
        planned: Counter[str] = Counter()
        for k in range(1, plan.n + 1):
            contents = plan.planned(k)
            assert contents and plan.items(k) <= capacity.max_items
            weight = sum(
                units * next(g.grams for g in goods if g.sku == s) for s, units in contents.items()
            )
            assert weight <= capacity.max_grams
            planned.update(contents)
        assert planned == Counter({g.sku: g.units for g in goods})


def test_two_heavy_bundles_get_two_bags_and_a_weighed_line_stays_in_one() -> None:
    capacity = BagCapacity(max_items=12, max_grams=8000)
    plan = plan_bags([BagGoods("B", 2, 4500)], capacity)
    assert (plan.n, plan.planned(1), plan.planned(2)) == (2, {"B": 1}, {"B": 1})
    goods = [BagGoods("E", 3, 1800), BagGoods("P", 6, 515, together=True)]
    weighed = plan_bags(goods, capacity)
    assert weighed.n == 2
    assert [weighed.planned(k).get("P", 0) for k in (1, 2)] in ([6, 0], [0, 6])
    loose = plan_bags([replace(g, together=False) for g in goods], capacity)
    assert [loose.planned(k).get("P", 0) for k in (1, 2)] not in ([6, 0], [0, 6])


def test_a_weighed_line_longer_than_the_item_cap_is_one_pack_in_one_bag() -> None:
    # 7 斤 of apples on one scale label beside a 5 kg bag of rice, bags of 6 items / 8 kg: the
    # apples are one pack. Split 1 + 6 by count, the label's 3.5 kg landed in the rice's bag.
    capacity = BagCapacity(max_items=6, max_grams=8000)
    plan = plan_bags([BagGoods("RICE", 1, 5000), BagGoods("APPLE", 7, 525, True)], capacity)
    assert [plan.planned(k) for k in range(1, plan.n + 1)] == [{"RICE": 1}, {"APPLE": 7}]


def test_units_go_where_the_plan_has_room_for_them() -> None:
    plan = plan_bags([BagGoods("E", 14, 100)], BagCapacity(max_items=12, max_grams=8000))
    assert plan.n == 2
    assert plan.route("E", 14, {}) == [(1, plan.items(1)), (2, plan.items(2))]
    first = plan.items(1)
    assert plan.route("E", 3, {1: {"E": first - 1}}) == [(1, 1), (2, 2)]
    assert plan.current({1: {"E": first}}) == 2


@pytest.mark.parametrize(
    ("grams", "reached"),
    [(0, 0), (240, 0), (260, 1), (600, 1), (749, 1), (750, 2), (969, 2), (1000, 2), (1030, 2)],
)
def test_a_weighed_line_counts_its_weight_in_whole_units(grams: int, reached: int) -> None:
    """2 斤 ordered (1000 g), 30 g tolerance for the line."""
    target = WeighedTarget(units=2, per_unit=500, tolerance=30)
    assert target.units_reached(grams) == reached
    assert target.over(grams) == (grams > 1030)


def test_a_line_within_tolerance_is_done_even_with_a_large_tolerance() -> None:
    target = WeighedTarget(units=1, per_unit=500, tolerance=300)
    assert target.units_reached(200) == 1


def test_a_multiplied_scan_of_heavy_bundles_fills_two_real_bags(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """3 bundles of 3 kg: 9 kg is over the 8 kg a bag holds, so 2 bags, both real."""
    batch_id = one_order(warehouse, tmp_path, with_qty(BUNDLE_LINE, 3))
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    result = pack.scan("3*" + BUNDLE)
    assert result.accepted and result.stage_done
    assert result.closed_bags == ("BGA001-1", "BGA001-2")
    assert bag_rows(warehouse) == [
        ("BGA001-1", 1, 2, 2, "closed"),
        ("BGA001-2", 2, 2, 1, "closed"),
    ]
    assert labels(warehouse) == ["BGA001-1", "BGA001-2"]
    assert_bags_consistent(warehouse)


@pytest.mark.parametrize(
    "codes",
    [["14*" + EGGS], [EGGS_CASE, "4*" + EGGS], ["4*" + EGGS, EGGS_CASE], [EGGS] * 14],
    ids=["typed", "case-first", "case-last", "singles"],
)
def test_a_multiplied_or_case_scan_fills_bags_as_single_scans_would(
    warehouse: Warehouse, tmp_path: Path, codes: list[str]
) -> None:
    """14 boxes, 12 to a bag (weight no limit here): 2 bags of 7, however they are scanned."""
    warehouse.settings = replace(
        warehouse.settings, bag_capacity=BagCapacity(max_items=12, max_grams=100_000)
    )
    batch_id = one_order(warehouse, tmp_path, with_qty(EGG_LINE, 14))
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    for code in codes:
        assert pack.scan(code).accepted
    assert bag_rows(warehouse) == [
        ("BGA001-1", 1, 2, 7, "closed"),
        ("BGA001-2", 2, 2, 7, "closed"),
    ]
    assert sorted(labels(warehouse)) == ["BGA001-1", "BGA001-2"]
    assert warehouse.batches()[0]["status"] == "packed"
    assert_bags_consistent(warehouse)


def test_bags_keep_to_the_weight_cap_whatever_the_packing_order(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """3 bundles (3 kg) and 3 egg boxes (1.8 kg): 14.4 kg in 8 kg bags, bundles packed first."""
    batch_id = one_order(warehouse, tmp_path, with_qty(BUNDLE_LINE, 3), with_qty(EGG_LINE, 3))
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    first = pack.scan(BUNDLE)
    assert first.bag == "BGA001-1"
    for code in (BUNDLE, BUNDLE, EGGS, EGGS, EGGS):
        assert pack.scan(code).accepted
        assert_bags_consistent(warehouse)
    assert [(k, n, status) for _id, k, n, _items, status in bag_rows(warehouse)] == [
        (1, 2, "closed"),
        (2, 2, "closed"),
    ]


def test_undo_of_a_scan_split_over_bags_takes_back_the_open_part(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """16 boxes and a bundle, 12 to a bag: bag 1 holds the bundle and 8 boxes, bag 2 8 boxes."""
    warehouse.settings = replace(
        warehouse.settings, bag_capacity=BagCapacity(max_items=12, max_grams=100_000)
    )
    batch_id = one_order(warehouse, tmp_path, with_qty(EGG_LINE, 16), BUNDLE_LINE)
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    assert pack.scan(BUNDLE).bag == "BGA001-1"
    split = pack.scan("14*" + EGGS)
    assert split.closed_bags == ("BGA001-1",) and split.bag == "BGA001-2"
    undo = pack.scan("CMD-UNDO")
    assert undo.accepted and (undo.bag, undo.qty) == ("BGA001-2", -6)
    _household, lines = pack.current_household()
    assert {r.sku: r.packed for r in lines} == {"SKU0002": 8, "SKU0001": 1}
    assert_bags_consistent(warehouse)
    assert pack.scan("8*" + EGGS).stage_done
    assert_bags_consistent(warehouse)
    assert bag_rows(warehouse) == [
        ("BGA001-1", 1, 2, 9, "closed"),
        ("BGA001-2", 2, 2, 8, "closed"),
    ]
    assert labels(warehouse) == ["BGA001-1", "BGA001-2"]


def test_one_label_of_the_whole_weight_completes_a_weighed_line_at_pick_and_pack(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """苹果 2 斤 as pork here: one 1.000 kg label is the whole line, not 1 of 2 斤."""
    batch_id = one_order(warehouse, tmp_path, with_qty(PORK_LINE, 2))
    pick = warehouse.session(batch_id, "P001")
    picked_ = pick.scan(pork_label(1000))
    assert picked_.accepted and (picked_.qty, picked_.line) == (2, (2, 2))
    assert picked_.stage_done and warehouse.batches()[0]["status"] == "picked"
    pack = warehouse.session(batch_id, "P001", stage="pack")
    packed = pack.scan(pork_label(1000))
    assert packed.accepted and (packed.qty, packed.line, packed.refund_fen) == (2, (2, 2), 0)
    assert packed.stage_done and packed.closed_bags == ("BGA001-1",)
    assert bag_rows(warehouse) == [("BGA001-1", 1, 1, 2, "closed")]
    assert warehouse.refunds() == []
    log = [(r["stage"], r["qty"], r["grams"]) for r in warehouse.scan_log(batch_id)]
    assert log == [("pick", 2, 1000), ("pack", 2, 1000)]


def test_a_weighed_line_waits_for_the_rest_of_its_weight(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    batch_id = one_order(warehouse, tmp_path, with_qty(PORK_LINE, 2))
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    first = pack.scan(pork_label(600))
    assert first.accepted and first.line == (1, 2) and not first.stage_done
    second = pack.scan(pork_label(400))
    assert second.accepted and second.line == (2, 2) and second.stage_done
    assert second.refund_fen == 0
    assert pack.scan(pork_label(100)).reason == "wrong_status"  # the batch is packed


def test_under_weight_within_half_a_unit_completes_the_line_and_refunds(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    batch_id = one_order(warehouse, tmp_path, with_qty(PORK_LINE, 2))
    picked(warehouse, batch_id)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    result = pack.scan(pork_label(900))
    # 1000 g ordered, 30 g tolerance: 100 g short at ￥18.00 / 500 g = 360 fen.
    assert result.accepted and result.line == (2, 2) and result.refund_fen == 360
    assert [(r["kind"], r["fen"]) for r in warehouse.refunds()] == [("underweight", 360)]


def test_a_label_clearly_over_the_ordered_weight_is_refused_at_pick_and_pack(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    batch_id = one_order(warehouse, tmp_path, with_qty(PORK_LINE, 2))
    pick = warehouse.session(batch_id, "P001")
    heavy = pick.scan(pork_label(1100))
    assert (heavy.accepted, heavy.reason) == (False, "over_weight")
    assert "1100 g" in heavy.message and "1030 g" in heavy.message
    assert pick.pick_lines()[0].picked == 0
    assert pick.scan(pork_label(1030)).stage_done  # at the tolerance is fine
    pack = warehouse.session(batch_id, "P001", stage="pack")
    assert pack.scan(pork_label(700)).accepted
    over = pack.scan(pork_label(400))
    assert (over.accepted, over.reason) == (False, "over_weight")
    _household, lines = pack.current_household()
    assert (lines[0].packed, lines[0].grams) == (1, 700)
    assert bag_rows(warehouse) == [("BGA001-1", 1, 1, 1, "open")]


def test_an_amount_label_completes_a_weighed_line_by_its_value(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A label printing ￥36.00 for 2 斤 at ￥18.00 is the whole line, at pick and at pack."""
    batch_id = one_order(warehouse, tmp_path, with_qty(PORK_LINE, 2))
    pick = warehouse.session(batch_id, "P001")
    assert pick.scan(pork_amount_label(3600)).line == (2, 2)
    pack = warehouse.session(batch_id, "P001", stage="pack")
    result = pack.scan(pork_amount_label(3600))
    assert result.accepted and result.line == (2, 2) and result.refund_fen == 0
    assert [r["grams"] for r in warehouse.scan_log(batch_id)] == [1000, None]
