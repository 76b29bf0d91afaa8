"""One warehouse, every screen's count of the same thing: they must agree.

The demo day imported from its bank export, with rejects that name no known committee, a
batch picked and packed with one line short and one weighed unit under weight, and a second
batch picked part-way. The dashboard, the orders screen, the board, the pick screen and the
shortages screen are read through the service methods and the cell functions they use.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from picker.app.demo import build_demo
from picker.app.demo_export import export_csv
from picker.app.warehouse import Warehouse
from picker.domain.batching import Caps
from picker.domain.states import RefundKind
from picker.ui import board, dashboard_table
from picker.ui.orders import REJECTS_LIMIT
from picker.ui.pick_view import read_pick_view
from tests.test_day import scale_label, unit_code

SHORTFALL = (RefundKind.SHORT, RefundKind.UNDERWEIGHT)


def with_unknown_committees(export: Path, out: Path, names: list[str]) -> int:
    """The export's first orders again under new numbers, for committees nobody knows.

    Returns the rows written: each is a pending reject (the bad row, or its order's others).
    """
    with export.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    no, committee = header.index("订单号"), header.index("居委")
    firsts = list(dict.fromkeys(r[no] for r in body))[: len(names)]
    written = []
    for order_no, name in zip(firsts, names, strict=True):
        for r in body:
            if r[no] == order_no:
                written.append([*r[:no], "X" + order_no, *r[no + 1 :]])
                written[-1][committee] = name
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, *written])
    return len(written)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    demo = build_demo(orders=40, seed=7)
    export = tmp_path / "bank.csv"
    export_csv(demo, export)
    wh = Warehouse(tmp_path / "day.db")
    wh.build_demo(orders=0, seed=7)
    assert wh.import_file(export).added == 40
    strays = with_unknown_committees(export, tmp_path / "strays.csv", ["火星居委", "月球村委"])
    assert len(wh.import_file(tmp_path / "strays.csv").rejects) == strays > 0
    return wh


def pick_and_pack_with_a_short_and_an_underweight(wh: Warehouse, batch_id: str) -> None:
    catalog = wh.catalog()
    wh.claim(batch_id, "P001", "T1")
    pick = wh.session(batch_id, "P001", "T1")
    shorted = False
    while (line := pick.current_line()) is not None:
        product = catalog.products[line.sku]
        if not shorted and not product.weighed:
            assert pick.short("out-of-stock").accepted
            shorted = True
        elif product.weighed:
            assert product.plu is not None
            assert pick.scan(scale_label(product.plu, product.unit_grams)).accepted
        else:
            assert pick.scan(f"{line.remaining}*{unit_code(catalog, line.sku)}").accepted
    pack = wh.session(batch_id, "P001", "T1", stage="pack")
    underweight = False
    while True:
        household, lines = pack.current_household()
        if household is None:
            break
        line = next(ln for ln in lines if ln.remaining > 0)
        product = catalog.products[line.sku]
        if product.weighed:
            assert product.plu is not None
            grams = product.unit_grams - (0 if underweight else 60)
            underweight = True
            result = pack.scan(scale_label(product.plu, grams))
        else:
            result = pack.scan(unit_code(catalog, line.sku))
        assert result.accepted, result.message
    assert shorted and underweight


def test_the_screens_count_the_same_things_alike(warehouse: Warehouse) -> None:
    wh = warehouse
    planned = wh.plan_batches(Caps(max_orders=8))
    catalog = wh.catalog()
    # A batch with a weighed product, so that packing it can go under weight.
    weighed = next(
        b
        for b in planned.batches
        for (sku,) in wh.db.execute("SELECT sku FROM pick_lines WHERE batch = ?", (b,))
        if catalog.products[sku].weighed
    )
    pick_and_pack_with_a_short_and_an_underweight(wh, weighed)
    # One where order lines and pick lines differ (two households want the same product).
    other = next(b["id"] for b in wh.batches() if b["id"] != weighed and b["lines"] > b["skus"])
    wh.claim(other, "P002", "T2")
    part = wh.session(other, "P002", "T2")
    line = part.current_line()
    assert line is not None
    assert part.scan(unit_code(catalog, line.sku)).accepted

    dash = wh.dashboard()
    orders = {r.code: r for r in wh.order_summary()}
    pending = wh.pending_rejects(REJECTS_LIMIT)

    # Rejects: the orders screen counts every pending one, the dashboard's rows and total too.
    assert dash.rejects_elsewhere == sum(1 for r in pending if r.committee is None) > 0
    assert {c.code: c.rejects for c in dash.committees} == {
        code: r.rejects for code, r in orders.items()
    }
    total = dashboard_table.totals(dash)
    assert f" {len(pending)} rejects " in total, total

    # Order lines: the board's batches of a committee hold its orders' lines, as the orders
    # screen counts them; pick lines are what the pick screen walks.
    shown = {b.id: b for b in wh.board()}
    for committee, row in orders.items():
        batched = [b for b in wh.batches() if b["committee"] == committee]
        if row.orders and sum(b["orders"] for b in batched) == row.orders:
            assert sum(b["lines"] for b in batched) == row.lines
    assert other in shown
    for batch_id, b in shown.items():
        if b.holder is None:
            continue  # the pick screen opens on a claimed batch
        view = read_pick_view(wh.session(batch_id, b.holder))
        cells = dict(zip((c[0] for c in board.COLUMNS), board.cells(b), strict=True))
        assert int(cells["lines"]) == len(view.lines) == b.pick_lines
        assert cells["picked"] == "{}/{}".format(*view.units)
    assert shown[other].pick_lines < shown[other].lines

    # Shortages: the dashboard's short lines and their new ones are the shortages screen's
    # short and under-weight refunds, before and after the lead accepts them.
    committee = next(b["committee"] for b in wh.batches() if b["id"] == weighed)
    refunds = wh.committee_refunds(committee)
    kinds = {r.kind for r in refunds}
    assert {RefundKind.SHORT, RefundKind.UNDERWEIGHT} <= kinds
    progress = next(c for c in dash.committees if c.code == committee)
    shortfalls = [r for r in refunds if r.kind in SHORTFALL]
    assert progress.short_lines == len(shortfalls) == progress.unseen
    assert progress.unseen == sum(not r.seen for r in shortfalls)
    short_cell = str(dashboard_table.cells(progress)[5])
    assert short_cell == f"{len(shortfalls)} ({len(shortfalls)} new)"
    wh.accept_shortages(committee, max(r.id for r in refunds))
    after = next(c for c in wh.dashboard().committees if c.code == committee)
    assert (after.short_lines, after.unseen) == (len(shortfalls), 0)
    assert not any(not r.seen for r in wh.committee_refunds(committee))
