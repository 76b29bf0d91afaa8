"""Crates (周转筐): rules, crating through the use cases, labels, loading by crate, the CLI."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pyzbar import pyzbar

from db import dispatch as dispatch_rows
from picker.app.config import load_settings
from picker.app.crate_changes import CrateRejected
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.crating import (
    BagFacts,
    CrateCapacity,
    CrateFacts,
    Fit,
    Problem,
    committee_problems,
    fit,
)
from picker.domain.ids import crate_id, parse_crate_id
from picker.domain.model import SHANGHAI
from picker.domain.scanning import ScanIndex, resolve
from picker.domain.scans import ScanKind
from picker.errors import Conflict
from picker.paper.crates import CrateLabel, crate_label
from printers.document import PAPER_58, PAPER_80, Paper
from printers.escpos import render_escpos
from printers.png import render_png
from printers.profile import PrinterProfile
from tests.conftest import csv_text, order_rows
from tests.test_dispatch import BUNDLE, ONE_BUNDLE, dispatch_day

THREE_BUNDLES = [("SKU0001", "蔬菜套餐A", 3, "38.80")]
FS_ON, FS_OFF = b"\x1c&", b"\x1c."


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """线路1: 青平 (A001, A002 closed; A003 open); 线路2: 航运新村 (B001 closed)."""
    return dispatch_day(warehouse, tmp_path)


def xy_batch(wh: Warehouse) -> str:
    return next(b["id"] for b in wh.batches() if b["committee"] == "XY01")


def finish_a003(wh: Warehouse) -> None:
    assert wh.session(xy_batch(wh), "P001", stage="pack").scan(BUNDLE).closed_bags == ("BGA003-1",)


def with_capacity(wh: Warehouse, bags: int, kg: float, *, auto_ids: bool = True) -> Warehouse:
    """Another door on the same file, with other crate settings."""
    capacity = CrateCapacity(max_bags=bags, max_grams=round(kg * 1000))
    settings = replace(wh.settings, crate_capacity=capacity)
    if not auto_ids:
        settings = replace(settings, crate_auto_ids=False)
    return Warehouse(wh.path, settings)


def packed_committee(wh: Warehouse, tmp_path: Path, count: int) -> list[str]:
    """`count` orders of 青平 with one 3 kg bundle each, picked and packed; their bag ids."""
    numbers = [f"A{100 + i}" for i in range(1, count + 1)]
    f = tmp_path / "many.csv"
    f.write_text(
        csv_text([r for n in numbers for r in order_rows(n, lines=ONE_BUNDLE)]), encoding="utf-8"
    )
    assert not wh.import_file(f).rejects
    for batch_id in wh.plan_batches().batches:
        wh.claim(batch_id, "P001", "T1")
        pick = wh.session(batch_id, "P001", "T1")
        while pick.current_line() is not None:
            assert pick.scan(BUNDLE).accepted
        pack = wh.session(batch_id, "P001", "T1", stage="pack")
        while pack.scan(BUNDLE).accepted:
            pass
    return [f"BG{n}-1" for n in numbers]


def crate_jobs(wh: Warehouse) -> list[tuple[str, bool]]:
    """(crate code, reprint) of every crate label queued, oldest first."""
    jobs = reversed(wh.print_jobs())
    return [(j.target.partition("@")[0], j.reprint) for j in jobs if j.kind == "crate"]


def assert_every_bag_in_one_crate(wh: Warehouse, bags: list[str]) -> None:
    """The whole-day invariant: each bag in exactly one crate, none over capacity, and one
    label (not a reprint) for every closed crate."""
    crates = wh.crates()
    held = [b for c in crates for b in c.bags]
    assert sorted(held) == sorted(bags)
    assert all(len(c.bags) <= c.max_bags and c.grams <= c.max_grams for c in crates)
    closed = sorted(c.code for c in crates if c.status == "closed")
    assert sorted(code for code, reprint in crate_jobs(wh) if not reprint) == closed


def crate_log(wh: Warehouse) -> list[dict]:
    return [r for r in wh.scan_log() if r["stage"] == "crate"]


# the rules


@pytest.mark.parametrize(
    ("bags", "grams", "bag_grams", "expected"),
    [
        (0, 0, 3000, Fit.FITS),
        (0, 0, 30_000, Fit.FILLS),  # an empty crate takes any bag, and is full with it
        (18, 10_000, 500, Fit.FITS),
        (19, 10_000, 500, Fit.FILLS),  # the 20th bag
        (20, 10_000, 500, Fit.FULL),
        (3, 24_000, 1000, Fit.FILLS),  # exactly 25 kg
        (3, 24_000, 1001, Fit.FULL),  # over 25 kg: the crate is full, the bag goes on
    ],
)
def test_a_crate_holds_20_bags_or_25_kg(
    bags: int, grams: int, bag_grams: int, expected: Fit
) -> None:
    assert fit(bags, grams, bag_grams, CrateCapacity(20, 25_000)) is expected


def test_crate_ids_round_trip_and_resolve_as_crates(catalog) -> None:  # type: ignore[no-untyped-def]
    assert crate_id("XY01", 7) == "CR-XY01-0007"
    assert parse_crate_id("cr-xy01-7") == ("xy01", 7)
    assert parse_crate_id("CR-XY01-0") is None and parse_crate_id("CR-XY01") is None
    index = ScanIndex.build(catalog)
    scan = resolve("cr-xy01-0007\r\n", index)
    assert (scan.kind, scan.ref) == (ScanKind.CRATE, "CR-XY01-0007")
    with pytest.raises(Exception, match="unknown committee"):
        resolve("CR-ZZ99-0001", index)
    # Bags and manifests resolve as before.
    assert resolve("BGA001-1", index).kind is ScanKind.BAG
    assert resolve("MF-XY01-20220412-1", index).kind is ScanKind.MANIFEST


def facts(bag: str, k: int = 1, n: int = 1, **kw: object) -> BagFacts:
    values: dict = {"status": "closed", "order_status": "paid", **kw}
    return BagFacts(bag, bag[2:].rpartition("-")[0], k, n, **values)


def test_the_departure_check_finds_what_does_not_match() -> None:
    crates = [CrateFacts("CR-XY01-0001", "closed", 1), CrateFacts("CR-XY01-0002", "open")]
    bags = [
        facts("BGA001-1", crate="CR-XY01-0001", route="R1"),
        facts("BGA002-1", crate="CR-XY01-0001"),  # partly loaded crate
        facts("BGA003-1", crate="CR-XY01-0001", order_status="cancelled"),  # extra
        facts("BGA004-1", 1, 2, crate="CR-XY01-0001"),  # bag 2 of 2 exists nowhere
        facts("BGA005-1"),  # on the dock, in no crate
        facts("BGA006-1", status="open"),  # still being packed
        facts("BGA007-1", route="R1"),  # loaded loose: fine
    ]
    found = committee_problems("R1", "XY01", crates, bags, "青平居委")
    assert sorted((p.problem.value, p.crate, p.bag) for p in found) == sorted(
        [
            (Problem.OPEN.value, "CR-XY01-0002", None),
            (Problem.EXTRA.value, "CR-XY01-0001", "BGA003-1"),
            (Problem.UNCRATED.value, None, "BGA005-1"),
            (Problem.BAG_OPEN.value, None, "BGA006-1"),
            (Problem.PART_LOADED.value, "CR-XY01-0001", None),
            (Problem.MISSING.value, "CR-XY01-0001", "BGA004-2"),
        ]
    )
    assert all(p.message for p in found)
    # A committee without crates is not checked.
    assert committee_problems("R1", "XY01", [], bags) == []


# crating


def test_bags_go_into_a_new_crate_and_it_closes_by_hand(day: Warehouse) -> None:
    session = day.crate_session("P001", "T1")
    assert session.scan("BGA001-1").reason == "no_crate"
    assert session.new_crate().accepted
    first = session.scan("BGA001-1")
    assert first.accepted and (first.crate, first.crate_bags, first.committee) == (
        "CR-XY01-0001",
        1,
        "XY01",
    )
    assert session.scan("BGA002-1").crate_bags == 2
    assert session.scan("BGA002-1").reason == "in_this_crate"
    assert session.scan("BGA003-1").reason == "bag_open"
    closed = session.close()
    assert closed.closed_crate == "CR-XY01-0001"
    crate = day.crate("CR-XY01-0001")
    assert (crate.status, crate.k, crate.bags) == ("closed", 1, ("BGA001-1", "BGA002-1"))
    assert crate.n is None  # A003's bag is still to crate: n is not known yet
    assert (crate.route_name, crate.stop) == ("线路1", 1)
    jobs = [(j.kind, j.target, j.reprint) for j in day.print_jobs() if j.kind == "crate"]
    assert jobs == [("crate", f"CR-XY01-0001@{crate.day.isoformat()}", False)]
    actions = [
        json.loads(r["params"]).get("action") for r in crate_log(day) if r["outcome"] == "accepted"
    ]
    assert actions == ["open", "add", "add", "close"]


def test_a_bag_of_another_committee_is_refused_and_logged(day: Warehouse) -> None:
    session = day.crate_session("P001", "T1")
    session.new_crate()
    assert session.scan("BGA001-1").accepted
    wrong = session.scan("BGB001-1")
    assert (wrong.accepted, wrong.reason) == (False, "wrong_committee")
    assert "航运新村居委" in wrong.message and "青平居委" in wrong.message
    assert wrong.crate_bags == 1 and day.crate("CR-XY01-0001").bags == ("BGA001-1",)
    last = crate_log(day)[-1]
    assert (last["outcome"], last["reason"], last["bag"]) == (
        "rejected",
        "wrong_committee",
        "BGB001-1",
    )
    assert session.scan(BUNDLE).reason == "not_a_bag_or_crate"


def test_a_crate_closes_itself_when_full_in_bags(day: Warehouse) -> None:
    finish_a003(day)
    session = with_capacity(day, bags=2, kg=25).crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    full = session.scan("BGA002-1")
    assert full.accepted and full.closed_crate == "CR-XY01-0001"
    # The next bag starts the next crate by itself.
    third = session.scan("BGA003-1")
    assert third.accepted and third.crate == "CR-XY01-0002"
    assert session.close().closed_crate == "CR-XY01-0002"
    assert [(c.code, c.k, c.n, len(c.bags)) for c in day.crates()] == [
        ("CR-XY01-0001", 1, 2, 2),
        ("CR-XY01-0002", 2, 2, 1),
    ]


def test_a_bag_that_would_overload_a_crate_goes_into_the_next_one(day: Warehouse) -> None:
    session = with_capacity(day, bags=20, kg=5).crate_session("P001")  # bags are 3 kg here
    session.new_crate()
    assert session.scan("BGA001-1").accepted
    heavy = session.scan("BGA002-1")
    assert heavy.accepted and (heavy.crate, heavy.closed_crate) == ("CR-XY01-0002", "CR-XY01-0001")
    assert day.crate("CR-XY01-0001").status == "closed"
    assert day.crate("CR-XY01-0002").bags == ("BGA002-1",)
    assert crate_jobs(day) == [("CR-XY01-0001", False)]
    assert not [r for r in crate_log(day) if r["outcome"] == "rejected"]


def test_a_burst_of_bags_fills_crate_after_crate(day: Warehouse, tmp_path: Path) -> None:
    bags = packed_committee(day, tmp_path, 10)
    session = with_capacity(day, bags=20, kg=10).crate_session("P001")  # 3 bags a crate
    session.new_crate()
    results = [session.scan(b) for b in bags]
    assert all(r.accepted for r in results), [r.message for r in results if not r.accepted]
    assert [r.crate for r in results] == ["CR-XY01-0001"] * 3 + ["CR-XY01-0002"] * 3 + [
        "CR-XY01-0003"
    ] * 3 + ["CR-XY01-0004"]
    session.close()
    assert [len(c.bags) for c in day.crates()] == [3, 3, 3, 1]
    assert_every_bag_in_one_crate(day, bags)
    assert [code for code, _ in crate_jobs(day)] == [f"CR-XY01-000{k}" for k in (1, 2, 3, 4)]


def test_without_auto_ids_a_bag_waits_for_a_scanned_crate(day: Warehouse, tmp_path: Path) -> None:
    bags = packed_committee(day, tmp_path, 10)
    session = with_capacity(day, bags=20, kg=10, auto_ids=False).crate_session("P001")
    assert session.scan("CR-XY01-0101").accepted
    results = [session.scan(b) for b in bags]  # a burst: 3 fit, the 4th closes the crate
    assert all(r.accepted for r in results), [r.message for r in results if not r.accepted]
    assert results[3].closed_crate == "CR-XY01-0101" and results[3].crate is None
    assert f"scan a crate for bag {bags[3]}" in results[3].message
    assert results[-1].waiting == tuple(bags[3:])
    assert session.view().waiting == tuple(bags[3:])
    assert day.crate("CR-XY01-0101").status == "closed" and day.crates(status="open") == []
    # A second scan of a waiting bag is not a second bag.
    assert session.scan(bags[4]).reason == "bag_waiting"
    second = session.scan("CR-XY01-0102")
    assert second.accepted and second.placed == tuple(bags[3:6])
    assert second.closed_crate == "CR-XY01-0102" and second.waiting == tuple(bags[6:])
    third = session.scan("CR-XY01-0103")
    assert third.placed == tuple(bags[6:9]) and third.waiting == (bags[9],)
    last = session.scan("CR-XY01-0104")
    assert last.placed == (bags[9],) and last.closed_crate is None and last.waiting == ()
    assert session.view().waiting == ()
    session.close()
    assert [(c.code, len(c.bags)) for c in day.crates()] == [
        ("CR-XY01-0101", 3),
        ("CR-XY01-0102", 3),
        ("CR-XY01-0103", 3),
        ("CR-XY01-0104", 1),
    ]
    assert_every_bag_in_one_crate(day, bags)
    actions = [json.loads(r["params"]).get("action") for r in crate_log(day) if r["bag"] == bags[3]]
    assert actions == ["wait", "add"]


def test_without_auto_ids_a_new_crate_is_scanned_not_made(day: Warehouse) -> None:
    session = with_capacity(day, bags=20, kg=25, auto_ids=False).crate_session("P001")
    assert session.new_crate().accepted
    waits = session.scan("BGA001-1")
    assert waits.accepted and waits.crate is None and waits.waiting == ("BGA001-1",)
    assert day.crates() == []
    # A crate of another committee leaves the bag waiting for one of its own.
    assert session.scan("CR-YP01-0001").placed == ()
    assert session.view().waiting == ("BGA001-1",)
    assert session.scan("CR-XY01-0005").placed == ("BGA001-1",)


def test_a_refused_first_bag_leaves_no_empty_crate(day: Warehouse) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    assert session.scan("BGA003-1").reason == "bag_open"
    assert day.crates() == []
    assert session.scan("BGA001-1").crate == "CR-XY01-0001"


def test_a_bag_is_moved_between_crates_only_when_asked(day: Warehouse) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.scan("BGA002-1")
    session.close()
    second = day.open_crate(committee="XY01", operator="P001")
    assert second.code == "CR-XY01-0002"
    session.scan(second.code)
    assert session.scan("BGA002-1").reason == "in_other_crate"
    assert session.scan("CMD-CRATE-MOVE").accepted
    moved = session.scan("BGA002-1")
    assert moved.accepted and moved.moved_from == "CR-XY01-0001"
    assert day.crate("CR-XY01-0001").bags == ("BGA001-1",)
    assert day.crate("CR-XY01-0002").bags == ("BGA002-1",)
    # Back again through the use case; each move is a log row saying from where.
    day.move_bag("BGA002-1", None, "L01")
    assert day.crate("CR-XY01-0002").bags == ()
    moves = [
        (r["bag"], json.loads(r["params"]).get("action"), json.loads(r["params"]).get("moved_from"))
        for r in crate_log(day)
        if r["outcome"] == "accepted" and r["bag"] == "BGA002-1"
    ]
    assert moves == [
        ("BGA002-1", "add", None),
        ("BGA002-1", "move", "CR-XY01-0001"),
        ("BGA002-1", "take_out", "CR-XY01-0002"),
    ]
    # The closed crate the bag left gets its label again, marked as a reprint.
    reprints = [j.target for j in day.print_jobs() if j.kind == "crate" and j.reprint]
    assert len(reprints) == 1 and reprints[0].startswith("CR-XY01-0001@")
    with pytest.raises(CrateRejected, match="closed"):
        day.move_bag("BGA002-1", "CR-XY01-0001", "L01")


def test_a_crate_is_reused_on_a_later_day_once_its_bags_went(day: Warehouse) -> None:
    finish_a003(day)
    session = day.crate_session("P001")
    session.new_crate()
    for bag in ("BGA001-1", "BGA002-1", "BGA003-1"):
        session.scan(bag)
    session.close()
    tomorrow = Warehouse(day.path, clock=lambda: datetime.now(SHANGHAI) + timedelta(days=1))
    with pytest.raises(CrateRejected, match="never went on a truck"):
        tomorrow.open_crate("CR-XY01-0001", operator="P001")
    with pytest.raises(CrateRejected, match="closed today"):
        day.open_crate("CR-XY01-0001", operator="P001")
    assert day.load_session("线路1", "D01").scan("CR-XY01-0001").accepted
    again = tomorrow.open_crate("cr-xy01-1", operator="P001")
    assert (again.code, again.status, again.bags) == ("CR-XY01-0001", "open", ())
    assert again.day == datetime.now(SHANGHAI).date() + timedelta(days=1)
    assert len(day.crates(committee="XY01")) == 2


# the committee label


LABEL = CrateLabel(
    "CR-YP01-0007",
    "航运新村居委",
    "盈浦街道",
    "线路2",
    3,
    2,
    3,
    18,
    18_400,
    date(2022, 4, 12),
    "青浦保供仓",
)


def split_chinese(data: bytes) -> tuple[bytes, list[bytes]]:
    outside, inside, rest = b"", [], data
    while (start := rest.find(FS_ON)) >= 0:
        end = rest.find(FS_OFF, start)
        assert end > start, "FS & without FS ."
        outside += rest[:start]
        inside.append(rest[start + 2 : end])
        rest = rest[end + 2 :]
    return outside + rest, inside


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
@pytest.mark.parametrize(("paper", "size"), [(PAPER_58, 0x12), (PAPER_80, 0x22)], ids=["58", "80"])
def test_the_label_escpos_prints_the_committee_large_in_chinese_mode(
    encoding: str, paper: Paper, size: int
) -> None:
    out = render_escpos(
        crate_label(LABEL, paper),
        paper,
        PrinterProfile("l", "file:-", paper=paper, encoding=encoding),
    )
    outside, inside = split_chinese(out)
    assert all(b < 0x80 for b in outside), "Chinese outside FS & ... FS ."
    assert b"{BCR-YP01-{C\x00\x07" in outside  # CODE128: code set B, the digits in C
    name = "航运新村居委".encode(encoding)
    # GS ! with width x3 (80 mm) or x2 (58 mm) and height x3, right before the name.
    assert bytes([0x1D, 0x21, size]) + FS_ON + name in out
    chinese = b"".join(inside)
    for text in ("盈浦街道", "线路2 第3站", "第 2/3 筐  18 袋"):
        assert text.encode(encoding) in chinese, text
    assert b"?" not in chinese
    reprint = render_escpos(
        crate_label(LABEL, paper, reprint=True),
        paper,
        PrinterProfile("l", "file:-", paper=paper, encoding=encoding),
    )
    assert "补打".encode(encoding) in b"".join(split_chinese(reprint)[1])


def decode(png: bytes) -> set[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return {symbol.data.decode("ascii") for symbol in pyzbar.decode(image)}


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_the_label_preview_code128_reads_back_as_the_crate_id(day: Warehouse, paper: Paper) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.close()
    png = day.render("crate", "CR-XY01-0001", fmt="png", paper_size=paper)
    assert decode(png) == {"CR-XY01-0001"}
    image = Image.open(io.BytesIO(png))
    assert image.width == paper.dots
    text = day.render("crate", "CR-XY01-0001", fmt="text", paper_size=paper).decode()
    assert "夏阳街道" in text and "[CODE128 CR-XY01-0001]" in text
    assert decode(render_png(crate_label(LABEL, paper, reprint=True), paper)) == {"CR-YP01-0007"}


def test_a_reprinted_label_is_marked(day: Warehouse) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.close()
    assert session.scan("CMD-CRATE-LABEL").accepted
    job = day.print_jobs()[0]
    assert (job.kind, job.reprint) == ("crate", True)
    assert "补  打" in day.render("crate", job.target, fmt="text", reprint=True).decode()


# loading by crate and the departure check


def crate_all_of_qingping(wh: Warehouse) -> None:
    finish_a003(wh)
    session = wh.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.scan("BGA002-1")
    session.close()
    session.scan("BGA003-1")  # the next bag starts crate 2
    session.close()


def test_loading_by_crate_reconciles_with_the_manifest(day: Warehouse) -> None:
    crate_all_of_qingping(day)
    assert [(c.k, c.n) for c in day.crates()] == [(1, 2), (2, 2)]
    load = day.load_session("线路1", "D01", "DOCK1")
    wrong = day.load_session("线路2", "D01").scan("CR-XY01-0001")
    assert (wrong.accepted, wrong.reason) == (False, "wrong_route")
    assert "CR-XY01-0001" in wrong.message and "线路1" in wrong.message
    first = load.scan("CR-XY01-0001")
    assert first.accepted and (first.kind, first.crate, first.crate_bags) == (
        "crate",
        "CR-XY01-0001",
        2,
    )
    assert first.line == (2, 3) and first.to_json()["crate_bags"] == 2
    assert load.scan("CR-XY01-0001").reason == "crate_loaded"
    assert load.scan("BGA003-1").accepted  # one bag of crate 2 on its own ...
    assert load.scan("CR-XY01-0002").reason == "crate_loaded"  # ... was all of it
    assert day.route("线路1").stops[0].missing == 0
    log = [r for r in day.scan_log() if r["stage"] == "load" and r["outcome"] == "accepted"]
    assert [(r["kind"], r["raw"]) for r in log] == [("crate", "CR-XY01-0001"), ("bag", "BGA003-1")]
    assert dispatch_rows.get_load(day.db, "BGA002-1").operator == "D01"  # type: ignore[union-attr]
    mid = day.issue_manifest("XY01")
    manifest = day.manifest(mid)
    in_crates = {b for c in day.crates() for b in c.bags}
    assert set(manifest.bags) == in_crates == {"BGA001-1", "BGA002-1", "BGA003-1"}
    paper = day.render("manifest", mid, fmt="text").decode()
    assert "周转筐：2 筐 3 袋" in paper and "CR-XY01-0002" in paper
    route = day.render("route", "线路1", fmt="text").decode()
    assert "3 袋  已装 3  2 筐" in route
    assert day.crate_problems("线路1") == []
    assert day.depart("线路1", "D01").status == "departed"
    figures = {c.code: c for c in day.dashboard().committees}["XY01"]
    assert (figures.bags, figures.crated, figures.crates_closed, figures.crates_loaded) == (
        3,
        3,
        2,
        2,
    )


def test_an_open_crate_does_not_load(day: Warehouse) -> None:
    opened = day.open_crate(committee="青平居委", operator="P001")
    load = day.load_session("线路1", "D01")
    assert load.scan("CR-XY01-0009").reason == "crate_unknown"
    assert load.scan(opened.code).reason == "crate_open"
    session = day.crate_session("P001")
    session.scan(opened.code)
    session.scan("BGA001-1")
    assert day.load_session("线路1", "D01").scan(opened.code).reason == "crate_open"


def test_a_short_crate_is_flagged_before_departure(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.add_route("线路1")
    warehouse.assign("XY01", "线路1")
    f = tmp_path / "orders.csv"
    rows = [*order_rows("A001", lines=ONE_BUNDLE), *order_rows("A004", lines=THREE_BUNDLES)]
    f.write_text(csv_text(rows), encoding="utf-8")
    warehouse.import_file(f)
    (batch,) = warehouse.plan_batches().batches
    warehouse.claim(batch, "P001")
    pick = warehouse.session(batch, "P001")
    while pick.current_line() is not None:
        pick.scan(BUNDLE)
    pack = warehouse.session(batch, "P001", stage="pack")
    for _ in range(3):  # A001, then two of A004's three bundles: bag 1 of 2 is full
        pack.scan(BUNDLE)
    session = warehouse.crate_session("P001")
    session.new_crate()
    assert session.scan("BGA001-1").accepted and session.scan("BGA004-1").accepted
    session.close()
    problems = warehouse.crate_problems("线路1")
    # Bag 2 of 2 exists from A004's first item on, still open: not yet packed.
    assert [(p.problem, p.crate, p.bag) for p in problems] == [(Problem.BAG_OPEN, None, "BGA004-2")]
    assert "BGA004-2" in problems[0].message
    # With the crate on the truck, A004's bag 2 is still missing from it.
    assert warehouse.load_session("线路1", "D01").scan("CR-XY01-0001").accepted
    # Half of A004 would go: not even a lead sends that; its bag 1 comes off the truck.
    with pytest.raises(Conflict, match="would split order A004"):
        warehouse.depart("线路1", "L01", override_reason="go")
    assert warehouse.load_session("线路1", "D01").unload("BGA004-1").accepted
    with pytest.raises(Conflict, match=r"1 order not packed .* 2 bags not loaded"):
        warehouse.depart("线路1", "D01")
    with pytest.raises(Conflict, match="only a shift lead"):
        warehouse.depart("线路1", "D01", override_reason="go")
    gone = warehouse.depart("线路1", "L01", override_reason="A004 stays for the next run")
    assert gone.override_by == "L01"


def test_a_cancelled_order_in_a_crate_is_an_extra_bag(day: Warehouse) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.scan("BGA002-1")
    session.close()
    day.cancel_order("A002")
    problems = {(p.problem, p.bag) for p in day.crate_problems("线路1")}
    assert (Problem.EXTRA, "BGA002-1") in problems
    refused = day.load_session("线路1", "D01").scan("CR-XY01-0001")
    assert refused.reason == "order_not_paid" and "CR-XY01-0001" in refused.message
    day.move_bag("BGA002-1", None, "L01")  # taken out: the crate is right again
    assert day.crate("CR-XY01-0001").bags == ("BGA001-1",)
    assert [p.problem for p in day.crate_problems("线路1")] == [Problem.BAG_OPEN]  # A003


# the command line


def run(wh: Warehouse, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--lang", "en", *args, "--db", str(wh.path)], input=stdin)
    return result.exit_code, result.output


def test_picker_crate_commands(day: Warehouse) -> None:
    code, out = run(day, "crate", "open", "--committee", "青平居委", "--operator", "P001", "--json")
    assert code == 0 and json.loads(out)["crate"] == "CR-XY01-0001"
    code, out = run(
        day, "crate", "add", "CR-XY01-0001", "--operator", "P001", stdin="BGA001-1\nBGB001-1\n"
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 3 and [r["outcome"] for r in lines] == ["accepted", "rejected"]
    assert lines[1]["reason"] == "wrong_committee"
    code, out = run(day, "crate", "add", "CR-XY01-0001", "BGA002-1", "--operator", "P001")
    assert code == 0 and json.loads(out)["crate_bags"] == 2
    code, out = run(day, "crate", "close", "CR-XY01-0001", "--operator", "P001", "--json")
    assert code == 0 and json.loads(out)["status"] == "closed"
    code, out = run(day, "crate", "open", "--committee", "XY01", "--operator", "P001")
    assert code == 0 and "CR-XY01-0002" in out
    code, out = run(
        day, "crate", "move", "BGA002-1", "CR-XY01-0002", "--operator", "P001", "--json"
    )
    assert code == 0 and json.loads(out)["bags"] == ["BGA002-1"]
    code, out = run(day, "crate", "list", "--committee", "青平居委", "--json")
    assert code == 0 and [c["bag_count"] for c in json.loads(out)] == [1, 1]
    code, out = run(day, "crate", "list")
    assert code == 0 and "CR-XY01-0002" in out
    code, out = run(day, "crate", "check", "线路1", "--json")
    assert code == 3 and {p["problem"] for p in json.loads(out)} >= {"crate_open", "bag_not_packed"}
    code, out = run(day, "crate", "close", "CR-XY01-0001", "--operator", "P001")
    assert code == 4 and "closed today" in out
    code, out = run(day, "crate", "move", "BGA001-1", "--operator", "P001")
    assert code == 2
    code, out = run(day, "missing", "线路1")
    assert "CR-XY01-0002 is still open" in out
    code, out = run(
        day, "print", "crate", "CR-XY01-0001", "--reprint", "--out", "-", "--format", "text"
    )
    assert code == 0 and "补  打" in out


def test_labels_show_k_until_the_committees_crates_are_complete(day: Warehouse) -> None:
    session = day.crate_session("P001")
    assert session.scan("CMD-CRATE-LABEL").reason == "no_crate"
    for bag in ("BGA001-1", "BGA002-1"):  # one bag a crate, closed by hand
        session.new_crate()
        session.scan(bag)
        assert session.scan("CMD-CRATE-LABEL").reason == "label_when_closed"
        session.close()
    # A003 is still being packed: how many crates 青平 gets is not known yet.
    assert [(c.k, c.n) for c in day.crates()] == [(1, None), (2, None)]
    first = day.render("crate", "CR-XY01-0001", fmt="text").decode()
    assert "第    1   筐" in first and "/" not in first.split("筐")[0]
    finish_a003(day)
    assert day.crate("CR-XY01-0002").n is None  # A003's bag is in no crate yet
    session.new_crate()
    session.scan("BGA003-1")
    session.close()
    assert [(c.k, c.n) for c in day.crates()] == [(1, 3), (2, 3), (3, 3)]
    assert "第    3 / 3   筐" in day.render("crate", "CR-XY01-0003", fmt="text").decode()
    # One label a crate: the earlier ones are not printed again by themselves ...
    assert crate_jobs(day) == [
        ("CR-XY01-0001", False),
        ("CR-XY01-0002", False),
        ("CR-XY01-0003", False),
    ]
    # ... but a reprint asked for shows the final count, marked as such.
    day.reprint_crate_label("CR-XY01-0001")
    job = day.print_jobs()[0]
    assert (job.target.partition("@")[0], job.reprint) == ("CR-XY01-0001", True)
    again = day.render("crate", job.target, fmt="text", reprint=True).decode()
    assert "第    1 / 3   筐" in again and "补  打" in again


def test_a_cancelled_last_order_completes_the_crates(day: Warehouse) -> None:
    session = day.crate_session("P001")
    session.new_crate()
    session.scan("BGA001-1")
    session.scan("BGA002-1")
    session.close()
    assert day.crate("CR-XY01-0001").n is None
    day.cancel_order("A003")
    assert (day.crate("CR-XY01-0001").k, day.crate("CR-XY01-0001").n) == (1, 1)
    assert crate_jobs(day) == [("CR-XY01-0001", False)]


def test_picker_crate_add_says_which_bags_still_wait_for_a_crate(
    day: Warehouse, tmp_path: Path
) -> None:
    config = tmp_path / "picker.toml"
    config.write_text("[crates]\nauto_ids = false\nmax_kg = 5\n", encoding="utf-8")
    assert load_settings(config).crate_auto_ids is False
    code, out = run(
        day,
        "crate",
        "add",
        "CR-XY01-0001",
        "BGA001-1",
        "BGA002-1",
        "--operator",
        "P001",
        "--config",
        str(config),
    )
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [(r["outcome"], r["crate"], r["waiting"]) for r in lines] == [
        ("accepted", "CR-XY01-0001", []),
        ("accepted", None, ["BGA002-1"]),
    ]
    assert code == 3 and "BGA002-1" in out.splitlines()[-1]
    assert day.crate("CR-XY01-0001").status == "closed"
