"""Shortage allocation and weighed-goods refunds.

Expectations in the scenario tests are worked out by hand (see the comments), not recomputed
with the module's formulas; the invariants are checked over many random cases, and the
minimality of FEWEST_HOUSEHOLDS by brute force.
"""

from __future__ import annotations

import itertools
import random
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest

from picker.domain import shortage
from picker.domain.model import SHANGHAI, OrderLine, Product
from picker.domain.shortage import (
    DEFAULT_POLICY,
    SHORT_REASON_LABELS,
    Allocation,
    Demand,
    Policy,
    ShortReason,
    allocate,
    amount_refund,
    demand_for,
    line_tolerance_grams,
    round_half_up_fen,
    weight_refund,
)

T0 = datetime(2022, 4, 10, 8, 0, tzinfo=SHANGHAI)
FEWEST, FIRST, PRO = Policy.FEWEST_HOUSEHOLDS, Policy.FIRST_PAID, Policy.PRO_RATA


def d(order_no: str, qty: int, minute: int, price: int = 100, line_no: int = 1, per: int = 1):
    return Demand(order_no, line_no, T0 + timedelta(minutes=minute), qty, price, per)


def short_of(allocations: list[Allocation]) -> dict[str, int]:
    return {a.order_no: a.short_qty for a in allocations}


def refunds_of(allocations: list[Allocation]) -> dict[str, int]:
    return {a.order_no: a.refund_fen for a in allocations}


# the enums and labels


def test_policy_values_and_default() -> None:
    assert [p.value for p in Policy] == ["fewest-households", "first-paid-first-served", "pro-rata"]
    assert DEFAULT_POLICY is Policy.FEWEST_HOUSEHOLDS


def test_every_reason_has_an_english_label() -> None:
    assert [r.value for r in ShortReason] == ["out-of-stock", "damaged", "not-found", "quality"]
    assert SHORT_REASON_LABELS == {
        ShortReason.OUT_OF_STOCK: "out of stock",
        ShortReason.DAMAGED: "damaged",
        ShortReason.NOT_FOUND: "not found",
        ShortReason.QUALITY: "quality problem",
    }


# round_half_up_fen


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (0, 7, 0),
        (1, 3, 0),
        (2, 3, 1),
        (1, 2, 1),
        (3, 2, 2),
        (5, 2, 3),
        (599400, 500, 1199),  # 1198.8
        (898200, 500, 1796),  # 1796.4
        (-5, 2, -3),  # a half goes away from zero, as decimal.ROUND_HALF_UP
        (5, -2, -3),
        (-1, 3, 0),
        (-2, 3, -1),
    ],
)
def test_round_half_up_fen(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up_fen(numerator, denominator) == expected


def test_round_half_up_fen_agrees_with_decimal() -> None:
    rng = random.Random(20220410)
    with localcontext() as ctx:
        ctx.prec = 100
        for _ in range(2000):
            num = rng.randint(-(10**12), 10**12)
            den = rng.choice([1, 2, 3, 4, 5, 10, 500, 1000, rng.randint(1, 10**6)])
            den *= rng.choice([1, -1])
            expected = (Decimal(num) / Decimal(den)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert round_half_up_fen(num, den) == int(expected), (num, den)


def test_round_half_up_fen_is_exact_beyond_decimal_precision() -> None:
    huge = 10**40
    assert round_half_up_fen(2 * huge + 1, 2) == huge + 1
    assert round_half_up_fen(2 * huge - 1, 2) == huge


def test_round_half_up_fen_rejects_zero_denominator() -> None:
    with pytest.raises(ValueError):
        round_half_up_fen(1, 0)


# scenario: shortage of 1

# A001 2 @8:00, A002 3 @8:05, A003 1 @8:10, A004 3 @8:15, ¥2.50 each; 9 in all.
SMALL = [d("A001", 2, 0, 250), d("A002", 3, 5, 250), d("A003", 1, 10, 250), d("A004", 3, 15, 250)]


def test_shortage_of_one_fewest_takes_a_whole_line() -> None:
    # One household is enough; A003 ordered exactly 1, so it loses its whole line and no
    # one is left with a partial line.
    assert allocate(SMALL, 1) == [Allocation("A003", 1, 1, 250)]
    assert allocate(SMALL, 1, FEWEST) == allocate(SMALL, 1)


def test_shortage_of_one_first_paid_hits_the_latest() -> None:
    assert allocate(SMALL, 1, FIRST) == [Allocation("A004", 1, 1, 250)]


def test_shortage_of_one_pro_rata() -> None:
    # 1 x qty / 9 floors to 0 for all; remainders 2, 3, 1, 3: A002 and A004 tie, A004 was
    # paid later.
    assert allocate(SMALL, 1, PRO) == [Allocation("A004", 1, 1, 250)]


def test_shortage_of_four_each_policy() -> None:
    # FEWEST: no single line has 4; two lines: 3 + 1 = 4 exactly (A004 paid after A002).
    assert short_of(allocate(SMALL, 4)) == {"A003": 1, "A004": 3}
    # FIRST_PAID: A004 (3), then A003 (1).
    assert short_of(allocate(SMALL, 4, FIRST)) == {"A003": 1, "A004": 3}
    # PRO_RATA: 4 x (2, 3, 1, 3) / 9 = 0.89, 1.33, 0.44, 1.33 -> floors 0, 1, 0, 1 (2);
    # 2 more by remainder 8, 3, 4, 3 -> A001, then A003.
    assert short_of(allocate(SMALL, 4, PRO)) == {"A001": 1, "A002": 1, "A003": 1, "A004": 1}


@pytest.mark.parametrize("policy", list(Policy))
def test_shortage_equal_to_total_shorts_everyone_in_full(policy: Policy) -> None:
    assert allocate(SMALL, 9, policy) == [
        Allocation("A001", 1, 2, 500),
        Allocation("A002", 1, 3, 750),
        Allocation("A003", 1, 1, 250),
        Allocation("A004", 1, 3, 750),
    ]


# scenario: ties

# Three households ordered 2 each, paid at the same minute.
TIED = [d("B001", 2, 0, 300), d("B002", 2, 0, 300), d("B003", 2, 0, 300)]


def test_ties_fewest_households() -> None:
    # Two lines are needed and no two add up to 3: the higher order number goes first and
    # whole, the next gives the remaining 1.
    assert allocate(TIED, 3) == [Allocation("B002", 1, 1, 300), Allocation("B003", 1, 2, 600)]
    assert allocate(TIED, 1) == [Allocation("B003", 1, 1, 300)]


def test_ties_first_paid_serves_lower_order_numbers_first() -> None:
    assert allocate(TIED, 3, FIRST) == [
        Allocation("B002", 1, 1, 300),
        Allocation("B003", 1, 2, 600),
    ]


def test_ties_pro_rata() -> None:
    # 3 x 2 / 6 = 1 each, exactly.
    assert short_of(allocate(TIED, 3, PRO)) == {"B001": 1, "B002": 1, "B003": 1}
    # 1 x 2 / 6: all floor 0, remainder 2 each, same paid time -> highest order number.
    assert short_of(allocate(TIED, 1, PRO)) == {"B003": 1}
    # 2 x 2 / 6: remainder 4 each -> B003, B002.
    assert short_of(allocate(TIED, 2, PRO)) == {"B002": 1, "B003": 1}


def test_ties_broken_by_paid_time_before_order_number() -> None:
    demands = [d("B001", 2, 10), d("B002", 2, 0), d("B003", 2, 5)]
    for policy in Policy:
        assert short_of(allocate(demands, 1, policy)) == {"B001": 1}, policy
    # Two units: FEWEST keeps them on one household, the latest paid.
    assert short_of(allocate(demands, 2)) == {"B001": 2}
    assert short_of(allocate(demands, 3, FIRST)) == {"B001": 2, "B003": 1}
    assert short_of(allocate(demands, 2, PRO)) == {"B001": 1, "B003": 1}


def test_ties_broken_by_line_number_last() -> None:
    demands = [d("C001", 1, 0, line_no=1), d("C001", 1, 0, line_no=2)]
    for policy in Policy:
        assert allocate(demands, 1, policy) == [Allocation("C001", 2, 1, 100)], policy


# scenario: one big order, many small ones

# BIG ordered 10 early (7:50); S1..S5 ordered 1 each at 8:00..8:04; ¥3.00 each; 15 in all.
BIG_AND_SMALL = [d("BIG", 10, -10, 300)] + [d(f"S{i}", 1, i - 1, 300) for i in range(1, 6)]


def test_big_order_fewest_households_shorts_only_the_big_one() -> None:
    assert allocate(BIG_AND_SMALL, 4) == [Allocation("BIG", 1, 4, 1200)]


def test_big_order_first_paid_shorts_the_small_late_ones() -> None:
    assert allocate(BIG_AND_SMALL, 4, FIRST) == [
        Allocation("S2", 1, 1, 300),
        Allocation("S3", 1, 1, 300),
        Allocation("S4", 1, 1, 300),
        Allocation("S5", 1, 1, 300),
    ]
    # Past the small ones, the big one.
    assert short_of(allocate(BIG_AND_SMALL, 7, FIRST)) == {
        "BIG": 2,
        "S1": 1,
        "S2": 1,
        "S3": 1,
        "S4": 1,
        "S5": 1,
    }


def test_big_order_pro_rata() -> None:
    # 4 x 10 / 15 = 2 rem 10; 4 x 1 / 15 = 0 rem 4 each. 2 units left: BIG (rem 10), then
    # the latest paid small one, S5.
    assert allocate(BIG_AND_SMALL, 4, PRO) == [
        Allocation("BIG", 1, 3, 900),
        Allocation("S5", 1, 1, 300),
    ]


def test_big_order_needed_past_its_size() -> None:
    # 12: BIG alone is not enough; BIG + two small lines cover it exactly, the latest paid.
    assert short_of(allocate(BIG_AND_SMALL, 12)) == {"BIG": 10, "S4": 1, "S5": 1}


# FEWEST_HOUSEHOLDS: whole lines preferred


def test_fewest_prefers_an_exact_cover_over_the_largest_line() -> None:
    # 5 + 4 + 3, short 7: two lines either way; 4 + 3 = 7 leaves nobody with part of a line.
    demands = [d("X", 5, 0), d("Y", 4, 1), d("Z", 3, 2)]
    assert short_of(allocate(demands, 7)) == {"Y": 4, "Z": 3}


def test_fewest_without_exact_cover_takes_largest_whole_and_one_partial() -> None:
    # 5 + 5 + 3, short 7: no two add up to 7. The later-paid 5 whole, then 2 of the other.
    demands = [d("P", 5, 0), d("Q", 5, 1), d("R", 3, 2)]
    assert short_of(allocate(demands, 7)) == {"P": 2, "Q": 5}


def test_fewest_among_exact_covers_prefers_the_largest_line() -> None:
    # 6 + 3 and 5 + 4 both make 9; the one with the largest line wins.
    demands = [d("L6", 6, 0), d("L5", 5, 0), d("L4", 4, 0), d("L3", 3, 0), d("L2", 2, 0)]
    assert short_of(allocate(demands, 9)) == {"L6": 6, "L3": 3}


def test_fewest_falls_back_to_largest_first_when_the_search_is_too_big(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shortage, "EXACT_SEARCH_BITS", 0)
    demands = [d("X", 5, 0), d("Y", 4, 1), d("Z", 3, 2)]
    assert short_of(allocate(demands, 7)) == {"X": 5, "Y": 2}


def test_fewest_exact_cover_on_grams_uses_the_common_divisor() -> None:
    # Weighed: 1500 g, 1000 g, 1000 g, 500 g; short 2000 g. Greedy 1500 + 1000 would leave a
    # partial line; 1500 + 500 is exact.
    demands = [
        d("G1", 1500, 0, 1800, per=500),
        d("G2", 1000, 1, 1800, per=500),
        d("G3", 1000, 2, 1800, per=500),
        d("G4", 500, 3, 1800, per=500),
    ]
    assert allocate(demands, 2000) == [
        Allocation("G1", 1, 1500, 5400),
        Allocation("G4", 1, 500, 1800),
    ]


def test_fewest_on_large_batches_of_grams() -> None:
    rng = random.Random(7)
    # 100 lines: the exact-cover search runs and finds one; 300 lines: too big, so the
    # largest lines are taken and one of them in part. Both touch the fewest households.
    for lines, searched in ((100, True), (300, False)):
        demands = [
            d(f"O{i:04d}", rng.randint(190, 3000), rng.randint(0, 600), 1800, per=500)
            for i in range(lines)
        ]
        total = sum(x.qty for x in demands)
        short = total // 2
        qtys = sorted((x.qty for x in demands), reverse=True)
        k = next(k for k in range(1, lines + 1) if sum(qtys[:k]) >= short)
        assert (lines * (k + 1) * (short + 1) <= shortage.EXACT_SEARCH_BITS) is searched
        start = time.perf_counter()
        result = allocate(demands, short)
        assert time.perf_counter() - start < 2.0
        assert sum(a.short_qty for a in result) == short
        assert len(result) == k
        by_order = {x.order_no: x.qty for x in demands}
        partial = [a for a in result if a.short_qty < by_order[a.order_no]]
        assert len(partial) == (0 if searched else 1)


# weighed goods, pro rata


def test_pro_rata_on_weighed_goods_rounds_each_refund_to_the_fen() -> None:
    # ¥18.00 per 500 g. 1000 g @8:00, 1500 g @8:01, 500 g @8:02; 999 g short of 3000 g.
    # 999 x 1000 / 3000 = 333 exactly; x 1500 = 499.5; x 500 = 166.5. 998 by floors, the
    # last gram to the later of the two .5 remainders (W3).
    demands = [
        d("W1", 1000, 0, 1800, per=500),
        d("W2", 1500, 1, 1800, per=500),
        d("W3", 500, 2, 1800, per=500),
    ]
    assert allocate(demands, 999, PRO) == [
        Allocation("W1", 1, 333, 1199),  # 333 x 3.6 = 1198.8
        Allocation("W2", 1, 499, 1796),  # 499 x 3.6 = 1796.4
        Allocation("W3", 1, 167, 601),  # 167 x 3.6 = 601.2
    ]


def test_pro_rata_half_a_fen_goes_to_the_resident() -> None:
    # ¥12.50 per 500 g = 2.5 fen a gram. 700 g and 300 g, 101 g short: 70.7 and 30.3 ->
    # 70 + 30, the last gram to the larger remainder (V1).
    demands = [d("V1", 700, 0, 1250, per=500), d("V2", 300, 1, 1250, per=500)]
    assert allocate(demands, 101, PRO) == [
        Allocation("V1", 1, 71, 178),  # 177.5
        Allocation("V2", 1, 30, 75),
    ]


def test_weighed_refund_of_one_gram_and_of_a_whole_line() -> None:
    demands = [d("W", 1000, 0, 1800, per=500)]
    assert allocate(demands, 1) == [Allocation("W", 1, 1, 4)]  # 3.6
    assert allocate(demands, 1000) == [Allocation("W", 1, 1000, 3600)]


# allocate: arguments


def test_no_shortage_gives_nothing() -> None:
    for policy in Policy:
        assert allocate(SMALL, 0, policy) == []
        assert allocate(SMALL, -3, policy) == []
        assert allocate([], 0, policy) == []


def test_more_short_than_demanded_is_an_error() -> None:
    with pytest.raises(ValueError):
        allocate(SMALL, 10)
    with pytest.raises(ValueError):
        allocate([], 1)


def test_policy_by_its_value() -> None:
    assert allocate(SMALL, 1, "pro-rata") == allocate(SMALL, 1, PRO)
    with pytest.raises(ValueError):
        allocate(SMALL, 1, "lottery")


@pytest.mark.parametrize(
    "bad",
    [
        [d("A", 1, 0), d("A", 2, 1)],  # the same order line twice
        [d("A", -1, 0)],
        [d("A", 1, 0, price=-1)],
        [d("A", 1, 0, per=0)],
    ],
)
def test_bad_demands_are_rejected(bad: list[Demand]) -> None:
    with pytest.raises(ValueError):
        allocate(bad, 1)


def test_zero_quantity_lines_never_go_short() -> None:
    demands = [d("Z0", 0, 30), d("A", 3, 0)]
    for policy in Policy:
        assert short_of(allocate(demands, 2, policy)) == {"A": 2}


def test_result_is_sorted_by_order_and_line() -> None:
    demands = [d("K2", 1, 0, line_no=2), d("K1", 1, 1, line_no=3), d("K2", 1, 2, line_no=1)]
    for policy in Policy:
        keys = [(a.order_no, a.line_no) for a in allocate(demands, 3, policy)]
        assert keys == [("K1", 3), ("K2", 1), ("K2", 2)]


# allocate: invariants over random cases


def random_demands(rng: random.Random) -> list[Demand]:
    per = rng.choice([1, 1, 500])
    scale = 1 if per == 1 else rng.choice([1, 50, 100])
    demands = []
    for i in range(rng.randint(1, 8)):
        qty = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 7]) * scale
        if per != 1 and scale == 1:
            qty = rng.randint(0, 2000)
        order_no = f"R{rng.randint(1, 5):03d}"  # several lines of one order, sometimes
        paid_at = T0 + timedelta(minutes=rng.randint(0, 3))
        price = rng.choice([0, 1, 99, 250, 1250, 1800, 3333])
        demands.append(Demand(order_no, i + 1, paid_at, qty, price, per))
    return demands


def rank(x: Demand) -> tuple[int, datetime, str, int]:
    return (x.qty, x.paid_at, x.order_no, x.line_no)


def minimal_count(qtys: list[int], short: int) -> int:
    for k in range(1, len(qtys) + 1):
        if any(sum(c) >= short for c in itertools.combinations(qtys, k)):
            return k
    raise AssertionError("no cover")


CASES = 600


def test_invariants_over_random_cases() -> None:
    rng = random.Random(1649548800)
    checked = 0
    for _ in range(CASES):
        demands = random_demands(rng)
        total = sum(x.qty for x in demands)
        if total == 0:
            continue
        short = rng.randint(1, total)
        shuffled = demands[:]
        rng.shuffle(shuffled)
        by_key = {(x.order_no, x.line_no): x for x in demands}
        for policy in Policy:
            result = allocate(demands, short, policy)
            assert allocate(shuffled, short, policy) == result, "depends on input order"
            assert sum(a.short_qty for a in result) == short
            keys = [(a.order_no, a.line_no) for a in result]
            assert keys == sorted(set(keys))
            for a in result:
                x = by_key[(a.order_no, a.line_no)]
                assert 0 < a.short_qty <= x.qty
                exact = Fraction(a.short_qty * x.unit_price_fen, x.per)
                # Within half a fen, and an exact half goes to the resident.
                assert -Fraction(1, 2) < a.refund_fen - exact <= Fraction(1, 2)
                whole = Decimal(x.qty * x.unit_price_fen) / Decimal(x.per)
                assert a.refund_fen <= int(whole.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            check_policy(policy, demands, short, total, result)
        checked += 1
    assert checked > CASES * 0.9


def check_policy(
    policy: Policy, demands: list[Demand], short: int, total: int, result: list[Allocation]
) -> None:
    got = {(a.order_no, a.line_no): a.short_qty for a in result}
    partial = [x for x in demands if 0 < got.get((x.order_no, x.line_no), 0) < x.qty]
    if policy is FEWEST:
        live = [x for x in demands if x.qty > 0]
        k = minimal_count([x.qty for x in live], short)
        assert len(result) == k
        exact = [c for c in itertools.combinations(live, k) if sum(x.qty for x in c) == short]
        if exact:
            assert not partial
            # The preferred exact cover: the best-ranked lines, compared line by line.
            best = max(exact, key=lambda c: sorted((rank(x) for x in c), reverse=True))
            assert set(got) == {(x.order_no, x.line_no) for x in best}
        else:
            assert len(partial) == 1
    elif policy is FIRST:
        served = sorted(demands, key=lambda x: (x.paid_at, x.order_no, x.line_no))
        shorts = [got.get((x.order_no, x.line_no), 0) for x in served]
        # Full shortfalls at the end, at most one partial before them, nothing before that.
        first = next(i for i, s in enumerate(shorts) if s)
        assert all(
            s == x.qty for s, x in zip(shorts[first + 1 :], served[first + 1 :], strict=True)
        )
        assert len(partial) <= 1
    else:
        for x in demands:
            s = got.get((x.order_no, x.line_no), 0)
            assert abs(Fraction(x.qty * short, total) - s) < 1


# weight_refund


def wr(actual: int, *, ordered: int = 1000, tolerance: int = 20, price: int = 1800) -> int:
    return weight_refund(
        ordered_grams=ordered,
        actual_grams=actual,
        tolerance_grams=tolerance,
        unit_price_fen=price,
        unit_grams=500,
    )


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (1000, 0),  # exact
        (1050, 0),  # over weight is not charged
        (990, 0),  # within
        (980, 0),  # at the tolerance: still fine
        (979, 76),  # 21 g under -> the whole 21 g at 3.6 fen = 75.6, not just the 1 g beyond
        (900, 360),  # 100 g
        (500, 1800),  # half of it
        (1, 3596),  # 999 g x 3.6 = 3596.4
    ],
)
def test_weight_refund_around_the_tolerance(actual: int, expected: int) -> None:
    assert wr(actual) == expected


def test_weight_refund_with_no_tolerance() -> None:
    assert wr(999, tolerance=0) == 4  # 3.6
    assert wr(1000, tolerance=0) == 0


def test_weight_refund_rounds_half_up() -> None:
    # ¥12.50 per 500 g: 3 g = 7.5 fen -> 8.
    assert wr(497, ordered=500, tolerance=0, price=1250) == 8
    assert wr(498, ordered=500, tolerance=0, price=1250) == 5


def test_weight_refund_for_a_line_of_several_units() -> None:
    # 3 斤 ordered, 10 g per 斤 allowed -> 30 g for the line; 31 g under.
    product = Product(
        "P1", "土豆", "斤", 300, "A-01-01-1", weighed=True, unit_grams=500, tolerance_grams=10
    )
    line = OrderLine("P1", 3, 300, ordered_grams=1500)
    tolerance = line_tolerance_grams(line, product)
    assert tolerance == 30
    kwargs = {"ordered_grams": 1500, "tolerance_grams": tolerance, "unit_price_fen": 300}
    assert weight_refund(actual_grams=1470, unit_grams=500, **kwargs) == 0
    assert weight_refund(actual_grams=1469, unit_grams=500, **kwargs) == 19  # 31 x 0.6 = 18.6


@pytest.mark.parametrize(
    "changes",
    [
        {"ordered_grams": 0},
        {"ordered_grams": -500},
        {"actual_grams": 0},
        {"actual_grams": -1},
        {"unit_grams": 0},
        {"tolerance_grams": -1},
        {"unit_price_fen": -1},
    ],
)
def test_weight_refund_rejects_bad_inputs(changes: dict[str, int]) -> None:
    kwargs = {
        "ordered_grams": 1000,
        "actual_grams": 900,
        "tolerance_grams": 20,
        "unit_price_fen": 1800,
        "unit_grams": 500,
    } | changes
    with pytest.raises(ValueError):
        weight_refund(**kwargs)


def test_weight_refund_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        weight_refund(1000, 900, 20, 1800, 500)  # type: ignore[misc]


# amount_refund


@pytest.mark.parametrize(
    ("ordered", "label", "tolerance", "expected"),
    [
        (3600, 3600, 0, 0),
        (3600, 3700, 0, 0),  # over: not charged, never negative
        (3600, 3599, 0, 1),
        (3600, 3550, 50, 0),  # at the tolerance
        (3600, 3549, 50, 51),  # beyond it: the whole difference
        (3600, 0, 50, 3600),
    ],
)
def test_amount_refund(ordered: int, label: int, tolerance: int, expected: int) -> None:
    assert amount_refund(ordered_fen=ordered, label_fen=label, tolerance_fen=tolerance) == expected


def test_amount_refund_default_tolerance_and_bad_inputs() -> None:
    assert amount_refund(ordered_fen=1000, label_fen=990) == 10
    for kwargs in (
        {"ordered_fen": -1, "label_fen": 0},
        {"ordered_fen": 100, "label_fen": -1},
        {"ordered_fen": 100, "label_fen": 50, "tolerance_fen": -1},
    ):
        with pytest.raises(ValueError):
            amount_refund(**kwargs)


# demand_for


def test_demand_for_counted_and_weighed_lines() -> None:
    apples = Product("P2", "苹果", "袋", 1500, "A-01-01-2")
    beef = Product("P3", "牛肉", "斤", 4000, "C-01-01-1", weighed=True, unit_grams=500)
    assert demand_for("A1", 1, T0, OrderLine("P2", 2, 1500), apples) == Demand(
        "A1", 1, T0, 2, 1500, 1
    )
    assert demand_for("A1", 2, T0, OrderLine("P3", 2, 4000, 950), beef) == Demand(
        "A1", 2, T0, 950, 4000, 500
    )
    assert demand_for("A1", 3, T0, OrderLine("P3", 3, 4000), beef).qty == 1500
    broken = Product("P4", "鱼", "斤", 2000, "C-01-01-2", weighed=True)
    with pytest.raises(ValueError):
        demand_for("A1", 4, T0, OrderLine("P4", 1, 2000), broken)
