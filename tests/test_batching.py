"""Batch planning (picker.domain.batching): committees, caps, paid order, nothing dropped."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from picker.domain.batching import DEFAULT_CAPS, Batchable, Caps, PlannedBatch, order_grams, plan
from picker.domain.model import SHANGHAI, Product

T0 = datetime(2022, 4, 12, 7, 0, tzinfo=SHANGHAI)


def order(
    n: int, committee: str = "XY01", minute: int | None = None, lines: int = 1, grams: int = 1000
) -> Batchable:
    """Order `n`, paid at minute `minute` (default `n`) after 07:00."""
    paid = T0 + timedelta(minutes=n if minute is None else minute)
    return Batchable(f"O{n:05d}", committee, paid, lines, grams)


def nos(batches: list[PlannedBatch]) -> list[list[str]]:
    return [list(b.order_nos) for b in batches]


def random_orders(count: int, seed: int) -> list[Batchable]:
    rng = random.Random(seed)
    committees = [f"C{k:02d}" for k in range(7)]
    return [
        Batchable(
            f"O{n:06d}",
            rng.choice(committees),
            T0 + timedelta(seconds=rng.randrange(4 * 3600)),  # many share a second
            rng.randint(1, 8),
            rng.randint(200, 12_000),
        )
        for n in range(count)
    ]


# caps and values


def test_caps_default_and_must_be_positive() -> None:
    assert Caps() == DEFAULT_CAPS == Caps(max_orders=40, max_lines=200, max_kg=150.0)
    for bad in ({"max_orders": 0}, {"max_lines": -1}, {"max_kg": 0.0}, {"max_kg": float("nan")}):
        with pytest.raises(ValueError):
            Caps(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        order(1, lines=-1)
    with pytest.raises(ValueError):
        order(1, grams=-5)


def test_order_grams_weighed_and_counted() -> None:
    products = {
        "EGG": Product("EGG", "鸡蛋 30枚", "盒", 3800, "B-01-01-1", unit_grams=1800),
        "PORK": Product("PORK", "猪肉", "斤", 1800, "C-01-01-1", weighed=True, unit_grams=500),
    }
    # 2 boxes of eggs + 1.5 kg of pork ordered by weight + 1 斤 without an ordered weight.
    assert order_grams([("EGG", 2, None), ("PORK", 3, 1500), ("PORK", 1, None)], products) == (
        3600 + 1500 + 500
    )
    assert order_grams([], products) == 0
    with pytest.raises(ValueError, match="NOPE"):
        order_grams([("NOPE", 1, None)], products)


# the rule


def test_never_mixes_committees_and_orders_by_committee_then_first_paid() -> None:
    orders = [order(n, "YP01" if n % 3 else "XY01") for n in range(1, 13)]
    batches = plan(orders, Caps(max_orders=3))
    assert [b.committee for b in batches] == ["XY01", "XY01", "YP01", "YP01", "YP01"]
    assert nos(batches) == [
        ["O00003", "O00006", "O00009"],
        ["O00012"],
        ["O00001", "O00002", "O00004"],
        ["O00005", "O00007", "O00008"],
        ["O00010", "O00011"],
    ]


def test_max_orders_cap() -> None:
    batches = plan([order(n) for n in range(10)], Caps(max_orders=4))
    assert [len(b.order_nos) for b in batches] == [4, 4, 2]


def test_max_lines_cap_counts_lines_and_allows_exactly_the_cap() -> None:
    orders = [order(1, lines=2), order(2, lines=3), order(3, lines=1), order(4, lines=4)]
    batches = plan(orders, Caps(max_lines=5))
    assert nos(batches) == [["O00001", "O00002"], ["O00003", "O00004"]]
    assert [b.lines for b in batches] == [5, 5]


def test_max_kg_cap() -> None:
    orders = [order(n, grams=400) for n in range(5)]
    batches = plan(orders, Caps(max_kg=1.0))
    assert [len(b.order_nos) for b in batches] == [2, 2, 1]
    assert [b.grams for b in batches] == [800, 800, 400]


def test_an_order_too_big_for_any_batch_gets_one_of_its_own() -> None:
    orders = [
        order(1),
        order(2),
        order(3, lines=30),  # over the line cap alone
        order(4),
        order(5, grams=90_000),  # over the weight cap alone
        order(6),
    ]
    batches = plan(orders, Caps(max_lines=10, max_kg=50))
    assert nos(batches) == [
        ["O00001", "O00002"],
        ["O00003"],
        ["O00004"],
        ["O00005"],
        ["O00006"],
    ]
    assert batches[1].lines == 30 and batches[3].grams == 90_000


def test_paid_order_then_order_number_whatever_the_input_order() -> None:
    orders = [order(5, minute=1), order(2, minute=3), order(9, minute=1), order(1, minute=2)]
    batches = plan(reversed(orders), Caps())
    assert nos(batches) == [["O00005", "O00009", "O00001", "O00002"]]
    assert batches[0] == PlannedBatch("XY01", tuple(nos(batches)[0]), 4, 4000)


def test_late_orders_make_new_batches_next_time() -> None:
    morning = [order(n, "XY01" if n % 2 else "YP01") for n in range(1, 8)]
    late = [order(n, "XY01" if n % 2 else "YP01", minute=600 + n) for n in range(8, 12)]
    first = plan(morning, Caps(max_orders=3))
    planned = {no for b in first for no in b.order_nos}
    assert planned == {o.order_no for o in morning}
    # The lead plans again with what is still unbatched: only the late orders.
    second = plan([o for o in morning + late if o.order_no not in planned], Caps(max_orders=3))
    assert nos(second) == [["O00009", "O00011"], ["O00008", "O00010"]]
    # The first plan's part-filled batches stay as they were.
    assert nos(first) == [
        ["O00001", "O00003", "O00005"],
        ["O00007"],
        ["O00002", "O00004", "O00006"],
    ]


def test_batches_are_contiguous_in_paid_time() -> None:
    orders = random_orders(3000, seed=3)
    batches = plan(orders, Caps(max_orders=25, max_lines=90, max_kg=60))
    by_no = {o.order_no: o for o in orders}
    position = {}
    for committee in {o.committee for o in orders}:
        own = [o for o in orders if o.committee == committee]
        own.sort(key=lambda o: (o.paid_at, o.order_no))
        position.update((o.order_no, k) for k, o in enumerate(own))
    last: dict[str, int] = {}
    for b in batches:
        places = [position[no] for no in b.order_nos]
        assert places == list(range(places[0], places[0] + len(places)))
        assert places[0] == last.get(b.committee, -1) + 1
        last[b.committee] = places[-1]
        assert {by_no[no].committee for no in b.order_nos} == {b.committee}


def test_every_order_exactly_once_caps_kept_and_deterministic() -> None:
    orders = random_orders(5000, seed=11)
    caps = Caps(max_orders=30, max_lines=100, max_kg=80)
    batches = plan(orders, caps)
    counts = Counter(no for b in batches for no in b.order_nos)
    assert set(counts) == {o.order_no for o in orders} and set(counts.values()) == {1}
    by_no = {o.order_no: o for o in orders}
    for b in batches:
        members = [by_no[no] for no in b.order_nos]
        assert b.lines == sum(o.lines for o in members)
        assert b.grams == sum(o.grams for o in members)
        assert len(members) <= caps.max_orders
        assert b.lines <= caps.max_lines and b.grams <= caps.max_kg * 1000
    firsts = [(b.committee, by_no[b.order_nos[0]].paid_at) for b in batches]
    assert firsts == sorted(firsts)
    shuffled = orders[:]
    random.Random(5).shuffle(shuffled)
    assert plan(shuffled, caps) == batches
    assert plan(iter(orders), caps) == batches


def test_nothing_to_plan_and_repeated_order_numbers() -> None:
    assert plan([], Caps()) == []
    with pytest.raises(ValueError, match="O00002"):
        plan([order(1), order(2), order(2, "YP01")], Caps())


@pytest.mark.slow
def test_plans_120000_orders_well_under_a_second() -> None:
    orders = random_orders(120_000, seed=1)
    t0 = time.perf_counter()
    batches = plan(orders, Caps())
    seconds = time.perf_counter() - t0
    assert sum(len(b.order_nos) for b in batches) == 120_000
    assert seconds < 1.0, f"plan took {seconds:.2f}s"


def test_every_demo_product_has_a_nominal_weight_for_the_kg_cap() -> None:
    from picker.app import demo

    products = {p.name: p for p in demo.build_demo(0).products}
    assert all(p.unit_grams > 0 for p in products.values())
    assert all(p.unit_grams == 500 for p in products.values() if p.weighed)
    assert products["鸡蛋 30枚"].unit_grams == 1800
    assert products["大米 5kg"].unit_grams == 5000
    assert 4000 <= products["食用油 5L"].unit_grams <= 5000
