"""Walk order, walking distance, pick lists and the batch walk ratio (picker.domain.layout)."""

from __future__ import annotations

import random

import pytest

from picker.app import demo
from picker.domain.batching import Batchable, Caps, order_grams, plan
from picker.domain.layout import (
    Geometry,
    PickLine,
    batch_walk_ratio,
    pick_list,
    route_distance,
    walk_key,
    walk_sequence,
)
from picker.domain.model import Location, Product


def loc(code: str) -> Location:
    """`A-01-02-1` -> a Location (walk_seq 0: the tests compute it)."""
    zone, aisle, bay, level = code.split("-")
    return Location(code, zone, int(aisle), int(bay), int(level), 0)


@pytest.fixture(scope="module")
def wh() -> demo.DemoWarehouse:
    return demo.build_demo(600, seed=2022)


# walk order


def test_serpentine_on_a_hand_made_layout() -> None:
    codes = [
        f"{zone}-{aisle:02d}-{bay:02d}-{level}"
        for zone in "AB"
        for aisle in (1, 2, 3)
        for bay in (1, 2)
        for level in (1, 2)
    ]
    shuffled = [loc(c) for c in codes]
    random.Random(7).shuffle(shuffled)
    expected = [
        *("A-01-01-1", "A-01-01-2", "A-01-02-1", "A-01-02-2"),  # up aisle 1
        *("A-02-02-1", "A-02-02-2", "A-02-01-1", "A-02-01-2"),  # down aisle 2
        *("A-03-01-1", "A-03-01-2", "A-03-02-1", "A-03-02-2"),  # up aisle 3
        *("B-01-01-1", "B-01-01-2", "B-01-02-1", "B-01-02-2"),  # next zone: up its aisle 1
        *("B-02-02-1", "B-02-02-2", "B-02-01-1", "B-02-01-2"),
        *("B-03-01-1", "B-03-01-2", "B-03-02-1", "B-03-02-2"),
    ]
    assert [x.code for x in sorted(shuffled, key=walk_key)] == expected
    seq = walk_sequence(shuffled)
    assert seq == {code: n for n, code in enumerate(expected, start=1)}


def test_zones_walk_in_order_whatever_their_sizes() -> None:
    seq = walk_sequence([loc("C-01-01-1"), loc("A-04-06-3"), loc("B-01-01-1")])
    assert seq == {"A-04-06-3": 1, "B-01-01-1": 2, "C-01-01-1": 3}
    assert walk_sequence([]) == {}


def test_the_demo_stores_the_serpentine_walk(wh: demo.DemoWarehouse) -> None:
    stored = {x.code: x.walk_seq for x in wh.locations}
    assert walk_sequence(wh.locations) == stored
    assert sorted(stored.values()) == list(range(1, len(stored) + 1))


# distance

# Zone A: aisles at x = 3 and 6, bays at y = 1..4, back cross-aisle at y = 5.
# Zone B: its aisle 1 at x = 6 + 6 = 12, same depth.
GEO = Geometry(aisle_pitch_m=3.0, bay_width_m=1.0, zone_gap_m=6.0, zones=(("A", 2, 4), ("B", 1, 4)))


def route(*codes: str, geometry: Geometry = GEO) -> float:
    return route_distance([loc(c) for c in codes], geometry)


def test_route_in_one_aisle_is_up_and_back() -> None:
    # depot -> (3, 1): 3 + 1; up to bay 3: 2; back to the depot: 3 + 3.
    assert route("A-01-01-1", "A-01-03-1") == pytest.approx(4 + 2 + 6)
    # Levels are not walking; revisiting the same face costs nothing.
    assert route("A-01-01-1", "A-01-01-3", "A-01-01-1") == pytest.approx(4 + 0 + 0 + 4)
    assert route() == 0.0


def test_route_to_the_next_aisle_round_the_front_when_near_it() -> None:
    # (3, 1) -> (6, 1): 3 across + 1 + 1 round the front (the back would be 4 + 4).
    assert route("A-01-01-1", "A-02-01-1") == pytest.approx(4 + 5 + 7)


def test_route_to_the_next_aisle_round_the_back_when_near_it() -> None:
    # (3, 4) -> (6, 4): 3 across + 1 + 1 round the back (the front would be 4 + 4).
    assert route("A-01-04-1", "A-02-04-1") == pytest.approx(7 + 5 + 10)
    # Halfway up, both ways are equal: (3, 2) -> (6, 3): 3 + min(2 + 3, 3 + 2).
    assert route("A-01-02-1", "A-02-03-1") == pytest.approx(5 + 8 + 9)


def test_route_across_zones_goes_round_the_front() -> None:
    # (6, 4) -> (12, 4): zones meet only at the front: 6 across + 4 + 4, not 6 + 1 + 1.
    assert route("A-02-04-1", "B-01-04-1") == pytest.approx(10 + 14 + 16)


def test_route_from_a_depot_off_the_main_aisle() -> None:
    geometry = Geometry(
        aisle_pitch_m=3.0, bay_width_m=1.0, zone_gap_m=6.0, depot=(1.0, -2.0), zones=GEO.zones
    )
    # depot (1, -2) -> (3, 1): 2 + 2 + 1, and the same back.
    assert route("A-01-01-1", geometry=geometry) == pytest.approx(10)


def test_geometry_of_a_layout_and_its_checks(wh: demo.DemoWarehouse) -> None:
    assert Geometry.of(wh.locations).zones == (("A", 4, 6), ("B", 4, 8), ("C", 2, 5))
    with pytest.raises(ValueError, match="zone 'C'"):
        route("C-01-01-1")
    for bad in ({"aisle_pitch_m": 0}, {"bay_width_m": -1}, {"zone_gap_m": -1}):
        with pytest.raises(ValueError):
            Geometry(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Geometry(zones=(("A", 1, 1), ("A", 2, 2)))


def test_the_serpentine_is_the_shortest_way_through_a_full_zone() -> None:
    faces = [loc(f"A-{a:02d}-{b:02d}-1") for a in (1, 2) for b in (1, 2, 3, 4)]
    serpentine = route_distance(sorted(faces, key=walk_key), GEO)
    up_up = route_distance(sorted(faces, key=lambda x: (x.aisle, x.bay)), GEO)
    assert serpentine < up_up


# pick list

PRODUCTS = {
    "EGG": Product("EGG", "鸡蛋 30枚", "盒", 3800, "A-01-02-1", unit_grams=1800),
    "RICE": Product("RICE", "大米 5kg", "袋", 4500, "A-01-01-1", unit_grams=5000),
    "OIL": Product("OIL", "食用油 5L", "桶", 8900, "A-01-02-1", unit_grams=4600),
    "PORK": Product("PORK", "猪肉", "斤", 1800, "C-01-01-1", weighed=True, unit_grams=500),
    "VEG": Product("VEG", "蔬菜套餐A", "份", 6800, "B-01-01-1", unit_grams=3000),
}
WALK = {"A-01-01-1": 1, "A-01-02-1": 2, "B-01-01-1": 3, "C-01-01-1": 4}


def test_pick_list_sums_per_sku_in_walk_order() -> None:
    lines = [
        ("PORK", 2, 1000),
        ("VEG", 1, None),
        ("OIL", 1, None),
        ("EGG", 1, None),
        ("PORK", 1, None),  # no ordered weight: 1 x 500 g
        ("VEG", 2, None),
        ("RICE", 1, None),
        ("EGG", 3, None),
    ]
    got = pick_list(lines, PRODUCTS, WALK)
    assert got == [
        PickLine("RICE", "大米 5kg", "袋", "A-01-01-1", 1, 1, None, False),
        # EGG and OIL share a face: by sku.
        PickLine("EGG", "鸡蛋 30枚", "盒", "A-01-02-1", 2, 4, None, False),
        PickLine("OIL", "食用油 5L", "桶", "A-01-02-1", 2, 1, None, False),
        PickLine("VEG", "蔬菜套餐A", "份", "B-01-01-1", 3, 3, None, False),
        PickLine("PORK", "猪肉", "斤", "C-01-01-1", 4, 3, 1500, True),
    ]
    assert pick_list([], PRODUCTS, WALK) == []


def test_pick_list_refuses_what_it_cannot_place() -> None:
    with pytest.raises(ValueError, match="NOPE"):
        pick_list([("NOPE", 1, None)], PRODUCTS, WALK)
    with pytest.raises(ValueError, match="C-01-01-1"):
        pick_list([("PORK", 1, 500)], PRODUCTS, {"A-01-01-1": 1})


# batch against one by one


def test_two_orders_of_the_same_goods_walk_half_as_far_in_a_batch() -> None:
    locations = [loc(code) for code in WALK]
    batch, one_by_one = batch_walk_ratio([["EGG", "VEG"], ["VEG", "OIL"]], PRODUCTS, locations, GEO)
    # EGG and OIL share a face, so both orders visit the same two faces.
    alone = route("A-01-02-1", "B-01-01-1")
    assert batch == pytest.approx(alone)
    assert one_by_one == pytest.approx(2 * alone)
    assert batch_walk_ratio([], PRODUCTS, locations, GEO) == (0.0, 0.0)
    with pytest.raises(ValueError):
        batch_walk_ratio([["NOPE"]], PRODUCTS, locations, GEO)


def test_a_real_demo_batch_walks_far_less_than_its_orders_one_by_one(
    wh: demo.DemoWarehouse,
) -> None:
    products = {p.sku: p for p in wh.products}
    orders = {o.order_no: o for o in wh.orders}
    batchable = [
        Batchable(
            o.order_no,
            o.committee,
            o.paid_at,
            len(o.lines),
            order_grams([(ln.sku, ln.qty, ln.ordered_grams) for ln in o.lines], products),
        )
        for o in wh.orders
    ]
    batches = plan(batchable, Caps())
    biggest = max(batches, key=lambda b: len(b.order_nos))
    assert len(biggest.order_nos) >= 10
    skus = [[ln.sku for ln in orders[no].lines] for no in biggest.order_nos]
    batch, one_by_one = batch_walk_ratio(skus, products, wh.locations, Geometry.of(wh.locations))
    assert 0 < batch < 0.5 * one_by_one
