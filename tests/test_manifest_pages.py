"""Manifests a committee signs page by page: every page of a 500-household manifest carries its
subtotal, page k/n, a signature line and a QR of the manifest and the page; proof of delivery
records each page photographed, the manifest is delivered when all are in, and the audit names
a manifest with a page missing.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pyzbar import pyzbar

from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.ids import manifest_page_id
from picker.domain.manifest_pages import PageProof, SignedPage, page_ranges
from picker.ui.dashboard import DashboardScreen
from picker.ui.settlement import SettlementScreen
from printers.document import PAPER_58
from printers.text import render_text
from tests.conftest import csv_text, order_rows
from tests.test_pod import manifest_page, photograph
from tests.test_ui_pick import wait_for
from tests.test_ui_wiring import LEAD, answer, app_on, line, on_screen

BUNDLE = "6901234567892"
HOUSEHOLDS = 500
#: Households per page, as configured by default: 500 households print on 13 pages.
PAGES = 13


def proof(*signed: tuple[int, int]) -> PageProof:
    return PageProof("MF-XY01-20220412-1", "XY01", tuple(SignedPage(*s) for s in signed))


def test_a_manifest_is_complete_when_every_page_of_one_printing_is_signed() -> None:
    assert proof().missing == () and not proof().complete and proof().pages == 0
    partial = proof((2, 4), (4, 4))
    assert partial.missing == (1, 3) and partial.pages == 4 and not partial.complete
    assert proof((2, 4), (4, 4), (1, 4), (3, 4)).complete
    # A reprint on fewer pages does not cover the first printing's pages, nor they its.
    mixed = proof((1, 4), (2, 4), (3, 4), (1, 3), (2, 3))
    assert not mixed.complete and (mixed.pages, mixed.missing) == (3, (3,))
    assert proof((1, 4), (2, 4), (3, 4), (1, 3), (4, 4)).complete
    assert proof((1, 1)).complete


@pytest.mark.parametrize(
    ("pages", "text"),
    [
        ((), ""),
        ((7,), "7"),
        ((1, 2, 3), "1-3"),
        ((9, 1, 3, 4, 5), "1, 3-5, 9"),
        ((2, 2, 4), "2, 4"),
    ],
)
def test_page_ranges(pages: tuple[int, ...], text: str) -> None:
    assert page_ranges(pages) == text


def big_day(wh: Warehouse, tmp_path: Path, households: int = HOUSEHOLDS) -> str:
    """`households` of 青平 packed in one bag each, loaded onto 线路1, which has left; their
    manifest issued. Returns its id."""
    wh.add_route("线路1")
    wh.assign("XY01", "线路1")
    rows = []
    for i in range(households):
        rows += order_rows(f"H{i:04d}", lines=[("SKU0001", "蔬菜套餐A", 1, "38.80")])
    orders = tmp_path / "orders.csv"
    orders.write_text(csv_text(rows), encoding="utf-8")
    assert not wh.import_file(orders).rejects
    for batch in wh.plan_batches().batches:
        wh.claim(batch, "P001", "T1")
        pick = wh.session(batch, "P001", "T1")
        picked = 0
        while pick.current_line() is not None:
            assert pick.scan(BUNDLE).accepted
            picked += 1
        pack = wh.session(batch, "P001", "T1", stage="pack")
        for _ in range(picked):
            assert pack.scan(BUNDLE).accepted
    mid = wh.issue_manifest("XY01")
    (route,) = wh.routes()
    session = wh.load_session(route.id, "D01")
    for bag in wh.manifest(mid).bags:
        assert session.scan(bag).accepted
    wh.depart(route.id, "L01")
    return mid


def page_images(png: bytes) -> list[Image.Image]:
    """The printed preview cut where the printer cuts (the dashed cut marks)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    pixels = image.load()
    assert pixels is not None
    cuts = [y for y in range(image.height) if pixels[0, y] == 128]
    ends = [y for y in cuts if y - 1 not in cuts]
    tops = [0, *ends[:-1]]
    return [image.crop((0, top, image.width, end)) for top, end in zip(tops, ends, strict=True)]


def codes(image: Image.Image) -> list[str]:
    return sorted(d.data.decode("ascii") for d in pyzbar.decode(image))


def audit(wh: Warehouse, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--lang", "en", "audit", *args, "--db", str(wh.path)])
    return result.exit_code, result.stdout, result.stderr


def test_a_500_household_manifest_is_signed_page_by_page(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = warehouse
    mid = big_day(wh, tmp_path)
    (route,) = wh.routes()

    # On paper: every page has its subtotal, page k/n, signature line and QR.
    text_pages = render_text(wh.document("manifest", mid), PAPER_58).split("[cut]")[:-1]
    assert len(text_pages) == PAGES
    for k, page in enumerate(text_pages, 1):
        households = 40 if k < PAGES else HOUSEHOLDS - 40 * (PAGES - 1)
        assert f"本页小计：{households} 户  {households} 袋  {households} 件" in page, k
        assert f"第 {k}/{PAGES} 页  {mid}" in page
        assert page.count("接收人签字 ________ 日期 ______") == 1
        assert ("全单合计：500 户  500 袋  500 件" in page) == (k == PAGES)
    images = page_images(wh.render("manifest", mid, fmt="png"))
    assert len(images) == PAGES
    for k, image in enumerate(images, 1):
        assert codes(image) == [manifest_page_id(mid, k, PAGES)]

    # The signed pages come back one photo each; page 7 is lost.
    photos = {}
    for k, image in enumerate(images, 1):
        photos[k] = tmp_path / f"page-{k}.jpg"
        photograph(image, 4, 0.8, 0.1, 0.9, seed=k).convert("RGB").save(photos[k], quality=80)
    for k in (*range(1, 7), *range(8, PAGES + 1)):
        (result,) = wh.proof_of_delivery([photos[k]])
        assert result.ok and result.signed == (k,) and result.pages == PAGES, result.message
        assert 7 in result.missing and result.outcome == "pages_signed"
    assert result.missing == (7,)
    assert "page 7 of 13 still to come back" in result.message
    assert wh.manifest(mid).delivered_at is None and wh.route(route.id).status == "departed"

    # The audit names the manifest and the page, and fails.
    report = wh.audit()
    assert not report.clean and not report.failing
    (partly,) = report.unsigned_pages
    assert (partly.manifest, partly.missing, partly.pages) == (mid, (7,), PAGES)
    code, out, err = audit(wh, "--closing")
    assert code == 3
    assert f"manifest {mid} of XY01: page 7 of 13 not signed for" in err
    assert "1 manifest with pages not signed for." in out
    code, out, _err = audit(wh, "--json")
    assert code == 3
    assert json.loads(out)["unsigned_pages"][0]["missing"] == [7]

    # Page 7 turns up: the manifest is delivered, its route done, the audit clean.
    (result,) = wh.proof_of_delivery([photos[7]])
    assert result.ok and result.outcome == "delivered" and result.missing == ()
    assert "all 13 pages signed" in result.message
    assert wh.manifest(mid).delivered_at and wh.manifest(mid).pod_path == str(photos[7])
    assert wh.route(route.id).status == "done"
    assert wh.audit().clean
    code, out, _err = audit(wh, "--closing")
    assert code == 0 and "500 orders: 500 delivered" in out


def test_pages_of_one_photo_and_the_whole_manifest_code(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A photo showing several pages signs them all; the plain manifest id (a route sheet, a
    manifest printed before pages) still proves the whole manifest."""
    wh = warehouse
    mid = big_day(wh, tmp_path, households=130)
    images = page_images(wh.render("manifest", mid, fmt="png"))
    assert len(images) == 4
    both = Image.new("L", (images[0].width * 2, max(i.height for i in images[:2])), 255)
    both.paste(images[0], (0, 0))
    both.paste(images[1], (images[0].width, 0))
    (result,) = wh.proof_of_delivery([both], names=["two-pages"])
    assert result.signed == (1, 2) and result.missing == (3, 4)
    assert "pages 1-2 signed" in result.message
    assert "pages 3-4 of 4 still to come back" in result.message
    # The same page again changes nothing.
    (again,) = wh.proof_of_delivery([images[0]], names=["page-1"])
    assert again.missing == result.missing
    (delivered,) = wh.proof_of_delivery([manifest_page(mid)], names=["old-manifest"])
    assert delivered.ok and delivered.outcome == "delivered" and delivered.pages == 0
    assert wh.manifest(mid).delivered_at and wh.audit().clean


def test_the_lead_sees_which_page_is_missing(warehouse: Warehouse, tmp_path: Path) -> None:
    """Proof of delivery from the dashboard names the page still to come back; the
    settlement screen's audit names the manifest and the page."""
    wh = warehouse
    mid = big_day(wh, tmp_path, households=41)
    first, _second = page_images(wh.render("manifest", mid, fmt="png"))
    photo = tmp_path / "page-1.png"
    first.save(photo)
    app = app_on(wh, operator=LEAD)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await on_screen(pilot, DashboardScreen)
            await pilot.press("d")
            await answer(pilot, str(photo))
            await wait_for(pilot, lambda: line(app).has_class("-ok"))
            assert line(app).text == (
                f"page-1.png: manifest {mid} not delivered yet: page 2 of 2 still to come "
                "back; page 1 signed (青平居委)"
            )
            await pilot.press("a")
            await on_screen(pilot, SettlementScreen)
            await pilot.press("a")
            await wait_for(pilot, lambda: line(app).has_class("-error"))
            assert line(app).text == f"manifest {mid} of XY01: page 2 of 2 not signed for"

    asyncio.run(scenario())
    assert wh.manifest(mid).delivered_at is None


def test_picker_pod_names_the_pages_still_to_come_back(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = warehouse
    mid = big_day(wh, tmp_path, households=81)
    paths = []
    for k, image in enumerate(page_images(wh.render("manifest", mid, fmt="png")), 1):
        paths.append(tmp_path / f"p{k}.png")
        image.save(paths[-1])
    runner = CliRunner()
    pod = ["--lang", "en", "pod", "--db", str(wh.path)]
    first = runner.invoke(main, [*pod, str(paths[1])])
    assert first.exit_code == 0
    assert (
        f"p2.png: manifest {mid} not delivered yet: pages 1, 3 of 3 still to come back; "
        "page 2 signed (青平居委)"
    ) in first.stdout
    rest = runner.invoke(main, [*pod, "--json", str(paths[0]), str(paths[2])])
    assert rest.exit_code == 0
    report = json.loads(rest.stdout)
    assert [(r["outcome"], r["pages_signed"], r["pages_missing"]) for r in report] == [
        ("pages_signed", [1], [3]),
        ("delivered", [3], []),
    ]
