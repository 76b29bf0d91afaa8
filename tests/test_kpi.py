"""KPIs from the scan log: a scripted log with hand-computed figures, then the real engine
with a clock the test moves, and `picker stats`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.cli.accounts import _per_hour
from picker.domain.kpi import PickDemand, Rate, ScanRow, active_seconds, kpis
from picker.domain.model import SHANGHAI
from tests.conftest import order_rows, save_small_catalog
from tests.test_floor import BUNDLE, EGGS, LINES_A, load


def at(hhmmss: str, day: str = "2022-04-12") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmmss}").replace(tzinfo=SHANGHAI)


def scan(
    id_: int,
    when: str,
    op: str,
    stage: str,
    kind: str | None = "product",
    sku: str | None = "S1",
    qty: int | None = 1,
    bag: str | None = None,
    outcome: str = "accepted",
    reason: str = "",
    raw: str = "690",
    batch: str = "B1",
    undoes: int | None = None,
) -> ScanRow:
    return ScanRow(
        id_, at(when), op, batch, stage, raw, kind, sku, qty, bag, outcome, reason, undoes
    )


LOG = [
    # P001 picks B1: 4 lines (S3 picked then undone, then declared short), a break at 09:04.
    scan(1, "09:00:00", "P001", "pick", qty=2),
    scan(2, "09:01:00", "P001", "pick", sku="S2"),
    scan(
        3,
        "09:02:00",
        "P001",
        "pick",
        kind=None,
        sku=None,
        qty=None,
        outcome="rejected",
        reason="bad_check_digit",
    ),
    scan(4, "09:03:00", "P001", "pick", sku="S3"),
    scan(5, "09:03:30", "P001", "pick", kind="undo", sku="S3", qty=-1, undoes=4),
    scan(6, "09:04:00", "P001", "pick", kind="command", sku="S3", qty=2, raw="CMD-SHORT"),
    scan(7, "09:20:00", "P001", "pick", sku="S4"),
    scan(8, "09:22:00", "P001", "pick", sku="S4"),
    # P002 picks one line of B2 and then rests 10 minutes: no active time.
    scan(9, "10:00:00", "P002", "pick", batch="B2"),
    scan(10, "10:10:00", "P002", "pick", outcome="rejected", reason="not_in_batch", batch="B2"),
    # Packing B1: P002 closes BG1-1; P001 makes the last scan into BG2-1; BG3-1 stays open;
    # the only item of BG4-1 is undone.
    scan(11, "10:30:00", "P002", "pack", bag="BG1-1"),
    scan(12, "10:31:00", "P002", "pack", sku="S2", bag="BG1-1"),
    scan(13, "10:32:00", "P002", "pack", outcome="rejected", reason="pack_over"),
    scan(14, "10:33:00", "P002", "pack", sku="S4", bag="BG2-1"),
    scan(15, "10:34:00", "P001", "pack", sku="S4", bag="BG2-1"),
    scan(16, "10:35:00", "P001", "pack", bag="BG3-1"),
    scan(17, "10:36:00", "P001", "pack", bag="BG4-1"),
    scan(18, "10:36:30", "P001", "pack", kind="undo", qty=-1, bag="BG4-1", undoes=17),
    # A loading scan two hours later: counts for rejects and the chart, not for pick or pack.
    scan(19, "12:05:00", "P001", "load", kind="bag", sku=None, bag="BG1-1"),
]
DEMAND = [
    PickDemand("B1", "S1", "XY01", 2),
    PickDemand("B1", "S2", "XY01", 1),
    PickDemand("B1", "S3", "XY01", 3),
    PickDemand("B1", "S4", "XY01", 2),
    PickDemand("B2", "S1", "YP01", 4),
]


def test_kpis_of_a_scripted_log() -> None:
    k = kpis(
        reversed(LOG),  # order of arrival does not matter: the log id does
        DEMAND,
        {"BG1-1", "BG2-1", "BG4-1"},
        operators={"P001": "王小明"},
        products={"S3": "猪肉"},
        committees={"XY01": "青平居委"},
    )
    pickers = {r.operator: (r.done, r.active_seconds, r.per_hour) for r in k.lines_per_hour}
    # P001: gaps 60+60+60+30+30+120 s (the 16-minute gap is a break) = 360 s = 0.1 h.
    assert pickers == {"P001": (4, 360, 40.0), "P002": (1, 0, None)}
    assert k.lines_per_hour[0].name == "王小明" and k.lines_per_hour[1].name == "P002"
    packers = {r.operator: (r.done, r.active_seconds, r.per_hour) for r in k.bags_per_hour}
    assert packers == {"P001": (1, 150, 24.0), "P002": (1, 180, 20.0)}
    assert (k.rejects.part, k.rejects.whole) == (3, 19)
    assert {r.key: (r.part, r.whole) for r in k.rejects_by_operator} == {
        "P001": (1, 13),
        "P002": (2, 6),
    }
    assert k.reject_reasons == (("bad_check_digit", 1), ("not_in_batch", 1), ("pack_over", 1))
    assert [(r.key, r.name, r.part, r.whole) for r in k.short_by_product] == [
        ("S3", "猪肉", 2, 3),
        ("S1", "S1", 0, 6),
        ("S2", "S2", 0, 1),
        ("S4", "S4", 0, 2),
    ]
    assert k.short_by_product[0].rate == pytest.approx(2 / 3)
    assert [(r.key, r.rate) for r in k.short_by_committee] == [("XY01", 0.25), ("YP01", 0.0)]
    assert [(h.hour, h.accepted, h.rejected) for h in k.scans_per_hour] == [
        ("2022-04-12 09:00", 7, 1),
        ("2022-04-12 10:00", 8, 2),
        ("2022-04-12 11:00", 0, 0),
        ("2022-04-12 12:00", 1, 0),
    ]


def test_empty_log_active_time_and_too_little_of_it() -> None:
    k = kpis([])
    assert k.lines_per_hour == () and k.scans_per_hour == () and k.rejects.rate is None
    quick = kpis([scan(1, "09:00:00", "P001", "pick"), scan(2, "09:00:59", "P001", "pick")])
    assert quick.lines_per_hour[0].per_hour is None  # 59 s says nothing about an hour
    times = [at("08:00:00"), at("08:04:00"), at("08:10:00"), at("08:10:05")]
    assert active_seconds(times) == 240 + 5
    assert active_seconds(times, idle_seconds=600) == 240 + 360 + 5


def test_a_rate_needs_a_quarter_hour_of_work() -> None:
    """0.06 h of picking is no basis for lines per hour; 15 minutes is."""
    from picker.ui.stats import rate_rows  # the KPI screen's cells

    brief = Rate("P001", "王小明", 60, 0.06 * 3600)
    enough = Rate("P002", "李四", 30, 900)
    assert brief.per_hour == 1000 and brief.too_short
    assert not enough.too_short
    assert rate_rows([brief, enough]) == {
        "P001": ("P001 王小明", "60", "0.06", "— (too short)"),
        "P002": ("P002 李四", "30", "0.25", "120.0"),
    }
    assert (_per_hour(brief), _per_hour(enough)) == ("— (too short)", "120.0")


class Clock:
    """A clock the test sets; it stands still in between."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def scanned(tmp_path: Path) -> Warehouse:
    """青平's batch picked by P001 from 09:00, a scan every 30 s: two eggs short."""
    clock = Clock(at("08:59:00"))
    wh = Warehouse(tmp_path / "k.db", clock=clock)
    save_small_catalog(wh)
    load(
        wh,
        tmp_path,
        [
            *order_rows("A001", lines=LINES_A),
            *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")]),
        ],
    )
    (batch,) = wh.plan_batches().batches
    wh.claim(batch, "P001")
    session = wh.session(batch, "P001")
    for i, code in enumerate((EGGS, "6901234567893", BUNDLE)):  # a misread check digit
        clock.now = at("09:00:00") + timedelta(seconds=30 * i)
        session.scan(code)
    clock.now = at("09:01:30")
    assert session.short("out-of-stock", "SKU0002").accepted
    return wh


def test_stats_from_the_engine(scanned: Warehouse) -> None:
    k = scanned.stats("2022-04-12")
    (picker,) = k.lines_per_hour
    # 4 scans 30 s apart: 90 s of work for 2 lines.
    assert (picker.operator, picker.name, picker.done) == ("P001", "王小明", 2)
    assert picker.active_seconds == 90 and picker.per_hour == 80
    assert (k.rejects.part, k.rejects.whole) == (1, 4)
    assert k.reject_reasons == (("bad_check_digit", 1),)
    eggs = next(r for r in k.short_by_product if r.key == "SKU0002")
    assert (eggs.name, eggs.part, eggs.whole) == ("鸡蛋 30枚", 2, 3)
    (committee,) = k.short_by_committee
    assert (committee.name, committee.part, committee.whole) == ("青平居委", 2, 4)
    assert [(h.hour, h.scans) for h in k.scans_per_hour] == [("2022-04-12 09:00", 4)]
    assert scanned.stats("2022-04-13").rejects.whole == 0


def test_stats_cli(scanned: Warehouse) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--lang", "en", "stats", "--db", str(scanned.path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lines_per_hour"] == [
        {"operator": "P001", "name": "王小明", "done": 2, "active_seconds": 90, "per_hour": 80.0}
    ]
    assert data["rejects"]["rate"] == 0.25
    assert data["scans_per_hour"] == [{"hour": "2022-04-12 09:00", "accepted": 3, "rejected": 1}]
    text = runner.invoke(main, ["--lang", "en", "stats", "--db", str(scanned.path)]).output
    # 90 s of work: the 80 lines/h it extrapolates to is not printed as a rate.
    assert "Lines per hour" in text and "— (too short)" in text and "25.0%" in text
    assert "80.0" not in text
    bad = runner.invoke(main, ["stats", "--db", str(scanned.path), "--day", "x"])
    assert bad.exit_code == 2
