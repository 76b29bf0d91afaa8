"""Manifests and route sheets from dispatch data, proof of delivery from a printed manifest,
and the settlement slip, through the `Warehouse` door and `picker print`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.errors import NotFound
from printers.document import PAPER_58, PAPER_80
from printers.text import render_text
from tests.conftest import csv_text
from tests.test_dispatch import BUNDLE, dispatch_day, route_ids
from tests.test_floor import EGGS
from tests.test_pod import photograph
from tests.test_print_queue import LINES_A, orders_at, pack_small_batch


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """线路1: 青平 (A001, A002 packed; A003's bag open); 线路2 (driver D01): 航运新村 B001."""
    return dispatch_day(warehouse, tmp_path)


def text_of(wh: Warehouse, kind: str, target: str, **kw: object) -> str:
    return render_text(wh.document(kind, target, **kw), PAPER_80)  # type: ignore[arg-type]


def finish_a003(wh: Warehouse) -> None:
    """Pack A003's second bundle: its bag BGA003-1 closes."""
    (batch,) = [b["id"] for b in wh.batches() if b["committee"] == "XY01"]
    assert wh.session(batch, "P001", "T1", stage="pack").scan(BUNDLE).closed_bags == ("BGA003-1",)


def test_printing_a_manifest_issues_one_and_reprints_reuse_it(day: Warehouse) -> None:
    today = day.routes()[0].day
    first = f"MF-XY01-{today:%Y%m%d}-1"
    assert day.canonical_target("manifest", "青平居委") == first
    assert day.manifest(first).bags == ("BGA001-1", "BGA002-1")
    # Nothing new packed: the same manifest, for a print as for a reprint.
    assert day.canonical_target("manifest", "XY01") == first
    assert day.canonical_target("manifest", "XY01", reprint=True) == first
    text = text_of(day, "manifest", "XY01")
    assert f"[QR {first}]" in text and "合计：2 户  2 袋" in text
    assert "线路：线路1 第1站" in text  # the day's route, not the configured one
    # A bag closed later goes on a second manifest, which lists that bag only.
    finish_a003(day)
    assert day.canonical_target("manifest", "XY01", reprint=True) == first
    second = day.canonical_target("manifest", "XY01")
    assert second == f"MF-XY01-{today:%Y%m%d}-2" and day.manifest(second).bags == ("BGA003-1",)
    again = text_of(day, "manifest", second)
    assert "合计：1 户  1 袋" in again and f"[QR {second}]" in again
    # The first prints as it was: the job names the manifest, not the committee.
    assert "合计：2 户  2 袋" in text_of(day, "manifest", first, reprint=True)
    with pytest.raises(NotFound, match="no manifest"):
        day.document("manifest", f"MF-XY01-{today:%Y%m%d}-9")


def test_a_manifest_lists_the_households_that_got_nothing_once(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    packed = pack_small_batch(warehouse, tmp_path)  # A002 went wholly short: no bag
    text = render_text(packed.document("manifest", "XY01"), PAPER_80)
    assert "欧**明" in text and "0袋" in text
    assert len(packed.manifests()) == 1


def test_the_route_sheet_comes_from_the_days_route(day: Warehouse) -> None:
    first, _second = route_ids(day)
    day.set_route(first, driver="D01", truck="沪A12345")
    assert day.load_session(first, "D01").scan("BGA001-1").accepted
    today = day.routes()[0].day
    sheet = render_text(day.document("route", "线路1"), PAPER_58)
    assert "司机：赵师傅  车牌：沪A12345" in sheet
    assert "第 1 站  青平居委" in sheet and "3 袋  已装 1" in sheet  # A003's open bag is due
    # No manifest yet: the QR is the id the committee's first manifest of the day gets.
    assert f"[QR MF-XY01-{today:%Y%m%d}-1]" in sheet and "航运" not in sheet
    day.issue_manifest("XY01")
    finish_a003(day)
    latest = day.issue_manifest("XY01")
    assert f"[QR {latest}]" in render_text(day.document("route", first), PAPER_58)
    with pytest.raises(NotFound, match="no route 线路9; routes: 线路1, 线路2"):
        day.document("route", "线路9")


def test_the_route_sheet_names_the_driver_who_loaded(day: Warehouse) -> None:
    first, _second = route_ids(day)
    day.set_route(first, truck="沪A12345")
    # Nobody has loaded and no driver is set: a line to fill in by hand.
    assert "司机：________  车牌：沪A12345" in text_of(day, "route", "线路1")
    # A lead loading does not make them the driver.
    assert day.load_session(first, "L01").scan("BGA001-1").accepted
    assert "司机：________" in text_of(day, "route", "线路1")
    assert day.load_session(first, "D01").scan("BGA002-1").accepted
    assert "司机：赵师傅  车牌：沪A12345" in text_of(day, "route", "线路1")
    # The driver the lead sets is the one on paper.
    day.set_route(first, driver="L01")
    assert "司机：张班长  车牌：沪A12345" in text_of(day, "route", "线路1")


def test_a_bag_label_lists_what_was_packed_into_that_bag(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    packed = pack_small_batch(warehouse, tmp_path)  # A001: two bags of at most two items
    first = render_text(packed.document("label", "BGA001-1"), PAPER_58)
    second = render_text(packed.document("label", "BGA001-2"), PAPER_58)
    assert "蔬菜套餐A" in first and "×1份" in first and "×1盒" in first and "本袋 2 件" in first
    assert "蔬菜套餐A" not in second and "鸡蛋 30枚" in second and "本袋 1 件" in second
    # Weighed pork: the units its labels completed.
    assert "猪肉" in (pork := render_text(packed.document("label", "BGA003-1"), PAPER_58))
    assert "×2斤" in pork


def test_an_undone_item_leaves_the_bag_label(warehouse: Warehouse, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(csv_text(orders_at("A001", "12", "2", "301", lines=LINES_A)), encoding="utf-8")
    assert not warehouse.import_file(f).rejects
    (batch,) = warehouse.plan_batches().batches
    warehouse.claim(batch, "P001")
    pick = warehouse.session(batch, "P001")
    for code in ("2*" + EGGS, BUNDLE):
        assert pick.scan(code).accepted
    pack = warehouse.session(batch, "P001", stage="pack")
    for code in (BUNDLE, EGGS, "CMD-UNDO"):
        assert pack.scan(code).accepted
    label = render_text(warehouse.document("label", "BGA001-1"), PAPER_58)
    assert "蔬菜套餐A" in label and "鸡蛋" not in label and "本袋 1 件" in label


def test_pod_of_a_printed_manifest_marks_that_manifest_delivered(
    day: Warehouse, tmp_path: Path
) -> None:
    first_route, _second = route_ids(day)
    png = day.render("manifest", "XY01", "png")
    (mid,) = [m.id for m in day.manifests()]
    session = day.load_session(first_route, "D01")
    assert all(session.scan(bag).accepted for bag in day.manifest(mid).bags)
    finish_a003(day)
    later = day.canonical_target("manifest", "XY01")  # a second manifest, not signed yet
    # The committee signs the paper; the driver photographs it, turned and grainy.
    page = Image.open(io.BytesIO(png))
    photo = tmp_path / "signed.jpg"
    photograph(page, 8, 1.0, 0.15, 1.0).convert("RGB").save(photo, quality=75)
    (result,) = day.proof_of_delivery([photo])
    assert result.ok and result.manifest == mid and not result.created, result.message
    assert day.manifest(mid).delivered_at and day.manifest(mid).pod_path == str(photo.resolve())
    assert day.manifest(later).delivered_at is None
    settled = day.settlement().committee("XY01")
    assert settled.delivered_orders == 2  # A001 and A002; A003's bag is on the later one


def test_the_settlement_slip_per_committee(warehouse: Warehouse, tmp_path: Path) -> None:
    packed = pack_small_batch(warehouse, tmp_path)
    row = packed.settlement().committee("XY01")
    text = render_text(packed.document("settlement", "青平居委"), PAPER_58)
    assert "分  账  结  算  单" in text and "范围：全部付款日" in text
    assert "订单" in text and f"{row.orders} 单" in text
    for label, fen in (("缺货", row.short_fen), ("欠重", row.underweight_fen)):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"退款 {label}"))
        assert line.endswith(f"￥{fen / 100:,.2f}")
    assert f"￥{row.net_fen / 100:,.2f}" in text and "居委签字" in text and "仓库签字" in text
    one_day = render_text(packed.document("settlement", "XY01@2022-04-12"), PAPER_58)
    assert "付款日：2022-04-12" in one_day
    assert packed.canonical_target("settlement", "青平") == "XY01"
    assert packed.canonical_target("settlement", "青平@2022-04-12") == "XY01@2022-04-12"


def test_picker_print_settlement_and_refunds(warehouse: Warehouse, tmp_path: Path) -> None:
    packed = pack_small_batch(warehouse, tmp_path)
    runner = CliRunner()
    for kind, words in (("settlement", "分  账  结  算  单"), ("refunds", "退  款  清  单")):
        result = runner.invoke(
            main,
            ["print", kind, "XY01", "--out", "-", "--format", "text", "--db", str(packed.path)],
        )
        assert result.exit_code == 0, result.output
        assert words in result.stdout and "青平居委" in result.stdout
