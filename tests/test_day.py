"""A small day end to end: bank export in, picked and packed with scans, printed, loaded,
signed for, settled and audited. Every step goes through the same use cases as the app."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from picker.app.demo import build_demo, ean13_check_digit
from picker.app.demo_export import export_csv
from picker.app.warehouse import Warehouse
from picker.domain.batching import Caps
from picker.domain.model import Catalog


def scale_label(plu: str, grams: int) -> str:
    digits = f"21{int(plu):05d}{grams:05d}"
    return digits + ean13_check_digit(digits)


def unit_code(catalog: Catalog, sku: str) -> str:
    return next(b.code for b in catalog.products[sku].barcodes if b.pack_qty == 1)


def photo_of(png: bytes, seed: int) -> Image.Image:
    """The printed manifest as a phone sees it: turned, a little blurred, noisy."""
    rng = random.Random(seed)
    page = Image.open(io.BytesIO(png)).convert("L")
    page = page.rotate(rng.choice([-9, -4, 6, 11]), expand=True, fillcolor=235)
    page = page.filter(ImageFilter.GaussianBlur(0.9))
    noisy = page.point(lambda v: max(0, min(255, v + rng.randint(-12, 12))))
    return noisy.resize((int(noisy.width * 1.6), int(noisy.height * 1.6)))


@pytest.fixture
def day(tmp_path: Path) -> tuple[Warehouse, Path]:
    demo = build_demo(orders=40, seed=7)
    export = tmp_path / "bank-0412.csv"
    export_csv(demo, export)
    wh = Warehouse(tmp_path / "day.db")
    wh.build_demo(orders=0, seed=7)
    return wh, export


@pytest.mark.slow
def test_a_day_from_bank_export_to_settlement(day: tuple[Warehouse, Path], tmp_path: Path) -> None:
    wh, export = day
    catalog = wh.catalog()

    report = wh.import_file(export)
    assert (report.added, report.rejects) == (40, [])
    planned = wh.plan_batches(Caps(max_orders=8))
    assert planned.orders == 40

    # Pick every batch by scanning; the first batch's first line goes short, and one weighed
    # unit is packed 60 g under weight.
    shorted = underweight = False
    for n, batch_id in enumerate(planned.batches):
        wh.claim(batch_id, "P001", "T1")
        pick = wh.session(batch_id, "P001", "T1")
        while (line := pick.current_line()) is not None:
            product = catalog.products[line.sku]
            if n == 0 and not shorted and line.remaining > 0:
                assert pick.short("out-of-stock").accepted
                shorted = True
                continue
            if product.weighed:
                assert product.plu is not None
                result = pick.scan(scale_label(product.plu, product.unit_grams))
            else:
                result = pick.scan(f"{line.remaining}*{unit_code(catalog, line.sku)}")
            assert result.accepted, result.message
        assert pick.scan(unit_code(catalog, "SKU0001")).reason in ("wrong_status", "not_in_batch")

        pack = wh.session(batch_id, "P001", "T1", stage="pack")
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
        assert wh.batches()[[b["id"] for b in wh.batches()].index(batch_id)]["status"] == "packed"
    assert shorted and underweight

    # Every closed bag queued its label; without printers configured they wait in the queue.
    bags = [r[0] for r in wh.db.execute("SELECT id FROM bags ORDER BY id")]
    labels = {job.target for job in wh.print_jobs() if job.kind == "label"}
    assert labels == set(bags)

    # Load every route; a bag scanned on the wrong route is refused and the route names it.
    plan = wh.plan_routes()
    routes = wh.routes()
    assert routes and plan
    route_of: dict[str, str] = {}
    for route in routes:
        for stop in route.stops:
            route_of[stop.committee] = route.id
    committee_of_bag = dict(
        wh.db.execute("SELECT b.id, o.committee FROM bags b JOIN orders o USING (order_no)")
    )
    wrong_tried = False
    for route in routes:
        session = wh.load_session(route.id, "D01", "dock")
        for bag, committee in committee_of_bag.items():
            if route_of[committee] != route.id:
                if not wrong_tried and len(routes) > 1:
                    wrong = session.scan(bag)
                    assert (wrong.accepted, wrong.reason) == (False, "wrong_route")
                    wrong_tried = True
                continue
            assert session.scan(bag).accepted
        assert wh.missing(route.id) == [] or all(not s.bags for s in wh.missing(route.id))
        wh.depart(route.id, "D01")
    assert wrong_tried

    # Each committee signs its manifest; the photo of the print is the proof of delivery.
    committees = sorted(set(committee_of_bag.values()))
    for i, committee in enumerate(committees):
        png = wh.render("manifest", committee, fmt="png")
        photo = tmp_path / f"pod-{committee}.png"
        photo_of(png, seed=i).save(photo)
        (result,) = wh.proof_of_delivery([photo])
        assert result.ok, result
        assert result.committee == committee

    settlement = wh.settlement()
    assert settlement.reconciled, settlement.mismatches
    total = settlement.total
    assert total.paid_fen == sum(r.paid_fen for r in settlement.committees)
    assert total.short_fen > 0 and total.underweight_fen > 0
    assert total.open_fen == 0
    assert total.delivered_fen == total.paid_fen - total.refunds_fen

    audit = wh.audit()
    assert audit.clean, [(o.order_no, o.problems) for o in audit.failing]
    assert {o.state for o in audit.orders} <= {"delivered", "refunded"}
