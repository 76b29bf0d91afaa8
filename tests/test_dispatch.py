"""Routes, loading, departure and manifest records, through the use-case door and the CLI."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from db import dispatch as rows
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.routing import placed
from picker.errors import Conflict, NotFound
from tests.conftest import csv_text, order_rows

BUNDLE, EGGS = "6901234567892", "6901234567908"
ONE_BUNDLE = [("SKU0001", "蔬菜套餐A", 1, "38.80")]
TWO_BUNDLES = [("SKU0001", "蔬菜套餐A", 2, "38.80")]


def pack_everything(wh: Warehouse, tmp_path: Path) -> None:
    """Import, batch, pick and pack: 青平 (XY01) A001, A002; 航运新村 (YP01) B001.

    A003 of 青平 has two bundles and is packed halfway, so its bag BGA003-1 stays open.
    """
    rows_ = [
        *order_rows("A001", lines=ONE_BUNDLE),
        *order_rows("A002", lines=ONE_BUNDLE),
        *order_rows("A003", lines=TWO_BUNDLES),
        *order_rows("B001", committee="航运新村居委", code="QR02", lines=ONE_BUNDLE),
    ]
    f = tmp_path / "orders.csv"
    f.write_text(csv_text(rows_), encoding="utf-8")
    assert not wh.import_file(f).rejects
    for batch_id in wh.plan_batches().batches:
        wh.claim(batch_id, "P001", "T1")
        pick = wh.session(batch_id, "P001", "T1")
        while pick.current_line() is not None:
            assert pick.scan(BUNDLE).accepted
        pack = wh.session(batch_id, "P001", "T1", stage="pack")
        for _ in range(3 if batch_id.startswith("XY01") else 1):
            assert pack.scan(BUNDLE).accepted


def dispatch_day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """Two routes today: 线路1 with 青平 (stop 1), 线路2 with 航运新村; bags packed."""
    warehouse.add_route("线路1")
    warehouse.add_route("线路2", driver="D01")
    warehouse.assign("XY01", "线路1")
    warehouse.assign("航运新村居委", "线路2")
    pack_everything(warehouse, tmp_path)
    return warehouse


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


def route_ids(wh: Warehouse) -> tuple[str, str]:
    first, second = (r.id for r in wh.routes())
    return first, second


@pytest.mark.parametrize(
    ("code", "at", "expected"),
    [
        ("C", 1, ["C", "A", "B", "D"]),
        ("A", 3, ["B", "C", "A", "D"]),
        ("A", 99, ["B", "C", "D", "A"]),
        ("B", 0, ["B", "A", "C", "D"]),
        ("E", None, ["A", "B", "C", "D", "E"]),
        ("E", 2, ["A", "E", "B", "C", "D"]),
    ],
)
def test_a_stop_is_placed_where_the_lead_says(
    code: str, at: int | None, expected: list[str]
) -> None:
    assert placed(["A", "B", "C", "D"], code, at) == expected


def test_routes_are_planned_from_the_demo_committees(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=0)
    plan = wh.plan_routes()
    assert plan.created and not plan.unrouted
    routes = wh.routes()
    assert [r.name for r in routes] == [f"线路{n}" for n in range(1, 7)]
    assert routes[0].id == f"R{plan.day:%Y%m%d}-1"
    committees = wh.catalog().committees
    for route in routes:
        assert [s.stop_order for s in route.stops] == list(range(1, len(route.stops) + 1))
        assert {committees[s.committee].route for s in route.stops} == {route.name}
        configured = [committees[s.committee].stop_order for s in route.stops]
        assert configured == sorted(configured)
    assert sum(len(r.stops) for r in routes) == len(committees) == 47
    # Asked again, the day's routes are left as the lead arranged them.
    first = routes[0]
    wh.move_stop(first.id, first.stops[0].committee, 99)
    again = wh.plan_routes()
    assert not again.created and again.routes == plan.routes
    assert wh.route(first.id).stops[-1].committee == first.stops[0].committee


def test_a_lead_arranges_the_day(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=0)
    wh.plan_routes()
    one, two = wh.routes()[:2]
    a, b, c = (s.committee for s in one.stops[:3])
    moved = wh.move_stop(one.id, c, 1)
    assert [s.committee for s in moved.stops[:3]] == [c, a, b]
    # A committee is on one route a day: assigning moves it, both routes are renumbered.
    there = wh.assign(a, two.id, 2)
    assert [s.committee for s in there.stops].index(a) == 1
    assert a not in [s.committee for s in wh.route(one.id).stops]
    assert [s.stop_order for s in wh.route(one.id).stops] == list(range(1, len(one.stops)))
    assert rows.stop_of(wh.db, one.day.isoformat(), a) == (two.id, 2)
    driver = wh.drivers()[0][0]
    named = wh.set_route("线路1", truck="沪A12345", driver=driver, name="线路1（早）")
    assert (named.truck, named.driver, named.name) == ("沪A12345", driver, "线路1（早）")
    assert named.driver_name
    assert wh.set_route(one.id, driver="").driver is None
    with pytest.raises(NotFound):
        wh.set_route(one.id, driver="NOBODY")
    with pytest.raises(NotFound):
        wh.assign("没有这个居委", one.id)
    with pytest.raises(NotFound):
        wh.move_stop(one.id, a, 1)  # a is on the other route now
    extra = wh.add_route("加车")
    assert extra.id.endswith("-7") and extra.stops == ()


def test_a_bag_is_loaded_and_logged_in_one_go(day: Warehouse) -> None:
    first, _second = route_ids(day)
    session = day.load_session("线路1", "D01", "DOCK1")
    result = session.scan("BGA001-1\r\n")
    assert result.accepted, result.message
    assert (result.bag, result.household, result.committee, result.stop) == (
        "BGA001-1",
        "A001",
        "XY01",
        1,
    )
    # 青平 has A001, A002 closed and A003's open bag: 3 expected on the truck.
    assert result.line == (1, 3) and result.progress == (1, 3)
    load = rows.get_load(day.db, "BGA001-1")
    assert load is not None and (load.route, load.operator, load.terminal) == (
        first,
        "D01",
        "DOCK1",
    )
    log = [r for r in day.scan_log() if r["stage"] == "load"]
    assert [(r["outcome"], r["bag"], r["kind"]) for r in log] == [("accepted", "BGA001-1", "bag")]
    assert day.route(first).status == "loading"


def test_loading_rejections_say_why(day: Warehouse) -> None:
    session = day.load_session("线路1", "D01")
    assert session.scan("BGA001-1").accepted
    wrong = session.scan("BGB001-1")
    assert (wrong.accepted, wrong.reason) == (False, "wrong_route")
    assert (
        "线路2" in wrong.message and "stop 1" in wrong.message and "航运新村居委" in wrong.message
    )
    twice = session.scan("BGA001-1")
    assert twice.reason == "already_loaded" and "线路1" in twice.message and "D01" in twice.message
    assert session.scan("BGZ999-1").reason == "unknown_bag"
    assert session.scan("BGA003-1").reason == "bag_open"
    product = session.scan(BUNDLE)
    assert product.reason == "not_a_bag" and "product" in product.message
    assert session.scan("hello").reason == "unknown_code"
    log = [r for r in day.scan_log() if r["stage"] == "load"]
    assert [r["outcome"] for r in log] == ["accepted"] + ["rejected"] * 6
    assert log[1]["bag"] == "BGB001-1" and json.loads(log[1]["params"])["route"] == "线路2"
    assert session.route().loaded == 1


def test_a_cancelled_order_does_not_go_on_the_truck(day: Warehouse) -> None:
    day.cancel_order("A002")
    session = day.load_session("线路1", "D01")
    result = session.scan("BGA002-1")
    assert result.reason == "order_not_paid" and "A002" in result.message
    # ... and is not missing either.
    assert [b.bag for s in day.missing("线路1") for b in s.bags] == ["BGA001-1", "BGA003-1"]


def test_missing_bags_are_listed_per_stop(day: Warehouse) -> None:
    first, second = route_ids(day)
    day.load_session(first, "D01").scan("BGA001-1")
    (stop,) = day.missing(first)
    assert (stop.stop_order, stop.committee, stop.name) == (1, "XY01", "青平居委")
    assert [(b.bag, b.order_no, b.status, b.address) for b in stop.bags] == [
        ("BGA002-1", "A002", "closed", "12-2-301"),
        ("BGA003-1", "A003", "open", "12-2-301"),
    ]
    assert [b.bag for s in day.missing(second) for b in s.bags] == ["BGB001-1"]
    route = day.route(first)
    (counts,) = route.stops
    assert (counts.loaded, counts.missing, counts.open_bags, counts.total) == (1, 2, 1, 3)


def test_departure_with_bags_missing_needs_a_lead(day: Warehouse) -> None:
    first, second = route_ids(day)
    with pytest.raises(Conflict, match="3 bags not loaded"):
        day.depart(first, "D01")
    with pytest.raises(Conflict, match="only a shift lead"):
        day.depart(first, "P001", override_reason="truck must go")
    gone = day.depart(first, "L01", override_reason="A003 still being packed, next run")
    assert gone.status == "departed" and gone.departed_by == "L01"
    assert (gone.override_by, gone.override_reason) == ("L01", "A003 still being packed, next run")
    with pytest.raises(Conflict, match="departed already"):
        day.depart(first, "L01", override_reason="again")
    late = day.load_session(first, "D01").scan("BGA001-1")
    assert late.reason == "route_departed"
    with pytest.raises(Conflict, match="departed"):
        day.assign("XY01", second)
    # Everything loaded: the driver departs on their own, no override recorded.
    assert day.load_session(second, "D01").scan("BGB001-1").accepted
    done = day.depart(second, "D01", override_reason="not needed")
    assert (done.status, done.override_by, done.override_reason) == ("departed", None, "")


def test_a_committee_with_bags_on_a_truck_cannot_move(day: Warehouse) -> None:
    first, second = route_ids(day)
    assert day.load_session(first, "D01").scan("BGA001-1").accepted
    with pytest.raises(Conflict, match="already on the truck"):
        day.assign("XY01", second)


def test_two_loaders_scanning_one_bag_load_it_once(day: Warehouse) -> None:
    first, _second = route_ids(day)
    results = []

    def load() -> None:
        wh = Warehouse(day.path)
        results.append(wh.load_session(first, "D01").scan("BGA001-1").accepted)
        wh.close()

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_manifests_take_the_bags_not_yet_on_one(day: Warehouse) -> None:
    mid = day.issue_manifest("青平居委")
    today = day.routes()[0].day
    assert mid == f"MF-XY01-{today:%Y%m%d}-1"
    manifest = day.manifest(mid)
    # A003's bag is still open: not on the manifest.
    assert manifest.bags == ("BGA001-1", "BGA002-1")
    assert manifest.route == route_ids(day)[0] and manifest.delivered_at is None
    with pytest.raises(Conflict, match="no closed bags"):
        day.issue_manifest("XY01")
    xy_batch = next(b["id"] for b in day.batches() if b["committee"] == "XY01")
    pack = day.session(xy_batch, "P001", stage="pack")
    assert pack.scan(BUNDLE).closed_bags == ("BGA003-1",)
    second = day.issue_manifest("XY01")
    assert second.endswith("-2") and day.manifest(second).bags == ("BGA003-1",)
    assert [m.id for m in day.manifests(committee="XY01")] == [mid, second]


def test_a_committee_signs_only_for_what_left_on_the_truck(day: Warehouse) -> None:
    # The manifest was printed before loading: A001 and A002. Only A001 goes; the lead sends
    # the truck without A002 (and A003, still packing).
    first, _second = route_ids(day)
    mid = day.issue_manifest("XY01")
    assert day.manifest(mid).bags == ("BGA001-1", "BGA002-1")
    assert day.load_session(first, "D01").scan("BGA001-1").accepted
    day.depart(first, "L01", override_reason="A002 next run")
    assert day.manifest(mid).bags == ("BGA001-1",)
    reprints = [j for j in day.print_jobs() if j.kind == "manifest" and j.target == mid]
    assert [j.reprint for j in reprints] == [True]  # the driver's copy, printed again
    # A manifest printed after the truck left lists only what is on it.
    with pytest.raises(Conflict, match="no closed bags"):
        day.issue_manifest("XY01")
    (signed,) = day.proof_of_delivery(
        [Image.open(io.BytesIO(day.render("manifest", mid, fmt="png")))]
    )
    assert signed.ok, signed
    states = {o.order_no: o.state for o in day.audit().orders}
    assert (states["A001"], states["A002"]) == ("delivered", "open")
    assert day.audit().clean


def run(wh: Warehouse, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--lang", "en", *args, "--db", str(wh.path)], input=stdin)
    return result.exit_code, result.output


def test_picker_load_writes_json_lines_and_exits_3_on_a_reject(day: Warehouse) -> None:
    code, out = run(day, "load", "--route", "线路1", "--operator", "D01", stdin="BGA001-1\n\n")
    assert code == 0
    (line,) = [json.loads(x) for x in out.splitlines()]
    assert (line["outcome"], line["bag"], line["stop"], line["route_progress"]) == (
        "accepted",
        "BGA001-1",
        1,
        [1, 3],
    )
    code, out = run(
        day, "load", "--route", "1", "--operator", "D01", stdin="BGA002-1\nBGB001-1\nBGA002-1\n"
    )
    assert code == 3
    lines = [json.loads(x) for x in out.splitlines()]
    assert [(x["outcome"], x["reason"]) for x in lines] == [
        ("accepted", ""),
        ("rejected", "wrong_route"),
        ("rejected", "already_loaded"),
    ]
    code, out = run(day, "load", "--route", "R19990101-1", "--operator", "D01", stdin="")
    assert code == 2 and "no route" in out


def test_picker_depart_routes_and_missing(day: Warehouse) -> None:
    code, out = run(day, "depart", "线路1", "--operator", "D01")
    assert code == 4 and "3 bags not loaded" in out
    code, out = run(day, "missing", "线路1", "--json")
    assert code == 0
    assert [b["bag"] for b in json.loads(out)[0]["bags"]] == ["BGA001-1", "BGA002-1", "BGA003-1"]
    code, out = run(day, "depart", "线路1", "--operator", "L01", "--override", "late orders")
    assert code == 0 and "线路1" in out
    code, out = run(day, "routes", "--json")
    assert code == 0
    routes = json.loads(out)
    assert [(r["name"], r["status"], r["override_reason"]) for r in routes] == [
        ("线路1", "departed", "late orders"),
        ("线路2", "planned", ""),
    ]
    assert routes[1]["stops"][0]["total"] == 1
    code, out = run(day, "routes")
    assert code == 0 and "航运新村居委" in out


def test_what_stays_behind_is_counted_per_stop(day: Warehouse, tmp_path: Path) -> None:
    first, _second = route_ids(day)
    # Late orders of 青平: A004 and A005 batched but not picked, A006 in no batch yet.
    late = tmp_path / "late.csv"
    late.write_text(csv_text([*order_rows("A004"), *order_rows("A005")]), encoding="utf-8")
    day.import_file(late)
    assert len(day.plan_batches().batches) == 1
    later = tmp_path / "later.csv"
    later.write_text(csv_text(order_rows("A006")), encoding="utf-8")
    day.import_file(later)
    crate = day.open_crate(committee="青平居委", operator="P001")
    assert day.load_session(first, "D01").scan("BGA001-1").accepted
    (stop,) = day.missing(first)
    assert (stop.stop_order, stop.committee) == (1, "XY01")
    assert (stop.unbatched, stop.unpacked) == (1, 3)  # A006; A003 (bag open), A004, A005
    assert [(b.bag, b.status) for b in stop.bags] == [("BGA002-1", "closed"), ("BGA003-1", "open")]
    assert stop.open_crates == (crate.code,)
    assert stop.summary() == (
        f"1 order not batched · 3 orders not packed · 2 bags not loaded (1 still open)"
        f" · crate {crate.code} open · 2 crate problems"  # A002's bag in no crate, A003's open
    )
    route = day.route(first)
    assert (route.stops[0].unpacked, route.stops[0].unbatched, route.orders_behind) == (3, 1, 4)


def test_a_truck_with_no_bags_does_not_leave_its_orders_behind_unnoticed(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.add_route("线路1", driver="D01")
    warehouse.assign("XY01", "线路1")
    f = tmp_path / "orders.csv"
    f.write_text(csv_text([*order_rows("A001"), *order_rows("A002")]), encoding="utf-8")
    warehouse.import_file(f)
    warehouse.plan_batches()
    route = warehouse.route("线路1")
    assert (route.loaded, route.total) == (0, 0)
    with pytest.raises(Conflict, match="2 orders not packed"):
        warehouse.depart("线路1", "D01")
    with pytest.raises(Conflict, match="only a shift lead"):
        warehouse.depart("线路1", "D01", override_reason="the truck is needed elsewhere")
    assert warehouse.route("线路1").status == "planned"
    gone = warehouse.depart("线路1", "L01", override_reason="picking is late, next run")
    # The decision is on the route: who, when and why.
    record = rows.get_route(warehouse.db, gone.id)
    assert record is not None
    assert (record.status, record.override_by, record.override_reason) == (
        "departed",
        "L01",
        "picking is late, next run",
    )
    assert record.departed_by == "L01" and record.departed_at == gone.departed_at
    assert record.departed_at and record.departed_at[:10] == gone.day.isoformat()
    # The orders left behind are open, not delivered.
    audited = {o.order_no: o for o in warehouse.audit().orders}
    assert {no: o.state.value for no, o in audited.items() if o.state} == {
        "A001": "open",
        "A002": "open",
    }
    row = warehouse.settlement().committee("XY01")
    assert (row.open_orders, row.delivered_orders) == (2, 0)


def test_an_order_short_in_every_line_is_not_left_behind(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.add_route("线路1", driver="D01")
    warehouse.assign("XY01", "线路1")
    eggs = [("SKU0002", "鸡蛋 30枚", 1, "32.00")]
    f = tmp_path / "orders.csv"
    f.write_text(csv_text([*order_rows("A001"), *order_rows("A002", lines=eggs)]), "utf-8")
    warehouse.import_file(f)
    (batch,) = warehouse.plan_batches().batches
    warehouse.claim(batch, "P001")
    pick = warehouse.session(batch, "P001")
    while (line := pick.current_line()) is not None:
        if line.sku == "SKU0002":
            assert pick.short("out-of-stock").accepted
        else:
            assert pick.scan(BUNDLE).accepted
    assert warehouse.session(batch, "P001", stage="pack").scan(BUNDLE).accepted
    assert warehouse.load_session("线路1", "D01").scan("BGA001-1").accepted
    assert warehouse.missing("线路1") == []
    assert warehouse.depart("线路1", "D01").override_by is None


def test_the_last_bag_loaded_does_not_say_all_is_loaded_while_orders_wait(
    day: Warehouse, tmp_path: Path
) -> None:
    _first, second = route_ids(day)
    late = tmp_path / "late.csv"
    late.write_text(
        csv_text(order_rows("B002", committee="航运新村居委", code="QR02")), encoding="utf-8"
    )
    day.import_file(late)
    result = day.load_session(second, "D01").scan("BGB001-1")
    assert result.accepted and result.progress == (1, 1)
    assert (result.stage_done, result.orders_behind) == (False, 1)
    assert result.to_json()["route_complete"] is False


def two_bag_order(tmp_path: Path) -> tuple[Warehouse, str]:
    """Order S001 of XY01, two heavy bundles packed as BGS001-1 and -2; the route it is on."""
    wh = Warehouse(tmp_path / "split.db")
    wh.build_demo(orders=0, seed=7)
    code = next(p.code for p in wh.catalog().payment_codes.values() if "XY01" in p.committees)
    order = {
        "order_no": "S001", "paid_at": "2022-04-12T06:30:00+08:00", "amount": "196.00",
        "payment_code": code, "committee": "XY01", "building": "1", "room": "101",
        "name": "张三", "phone": "13800001234",
        "lines": [{"sku": "SKU0002", "qty": 2, "unit_price": "98.00"}],
    }  # fmt: skip
    f = tmp_path / "orders.json"
    f.write_text(json.dumps([order]), encoding="utf-8")
    wh.import_file(f)
    (batch,) = wh.plan_batches().batches
    wh.claim(batch, "P001")
    bundle = next(b.code for b in wh.catalog().products["SKU0002"].barcodes)
    assert wh.session(batch, "P001").scan(f"2*{bundle}").accepted
    pack = wh.session(batch, "P001", stage="pack")
    assert pack.scan(bundle).closed_bags == ("BGS001-1",)
    return wh, wh.plan_routes().routes[0]


def test_a_household_never_leaves_half_packed_not_even_with_a_lead(tmp_path: Path) -> None:
    # Two heavy bundles are two bags; with one on the truck the other is still at the dock.
    wh, route = two_bag_order(tmp_path)
    truck = wh.load_session(route, "D01")
    assert truck.scan("BGS001-1").accepted
    with pytest.raises(Conflict, match=r"would split order S001: bags BGS001-1 .* BGS001-2 not"):
        wh.depart(route, "L01", override_reason="truck must go")
    # The household stays behind whole: its bag comes off, and then the lead may send it.
    code_out, out = run(wh, "unload", "BGS001-1", "--route", route, "--operator", "D01")
    assert code_out == 0 and json.loads(out)["outcome"] == "accepted", out
    assert truck.unload("BGS001-1").reason == "not_on_truck"
    gone = wh.depart(route, "L01", override_reason="S001 on the next run")
    assert gone.status == "departed"
    audited = {o.order_no: o for o in wh.audit().orders}
    assert audited["S001"].state == "open" and not audited["S001"].problems
