"""The pack stage of a scanning session: household by household, bags k of n, weights."""

from __future__ import annotations

from typing import Any

from db import floor as floor_rows
from db import packing as rows
from picker.app.scan_stage import SessionBase
from picker.domain.ids import bag_id
from picker.domain.model import Address, OrderStatus
from picker.domain.packing import BagGoods, BagPlan, household_key, plan_bags
from picker.domain.scan_outcomes import Effect, Household, Rejected
from picker.domain.scans import Scan
from picker.domain.shortage import amount_refund, weight_refund
from picker.domain.states import BagState, BatchState
from picker.domain.weighing import amount_target, weight_target


class PackStage(SessionBase):
    """Pack-stage steps of `ScanSession`, run inside its write transaction."""

    def households(self) -> list[Household]:
        """The batch's households in hand-out order: building → unit → room."""
        found = [
            Household(
                no,
                Address(building, unit, room, community),
                name,
                phone,
                status != OrderStatus.PAID,
            )
            for no, status, community, building, unit, room, name, phone in rows.batch_households(
                self.ctx.db, self.batch_id
            )
        ]
        found.sort(key=lambda h: household_key(h.address, h.order_no))
        return found

    def current_household(self) -> tuple[Household | None, list[rows.PackRow]]:
        """The household to pack now and its lines, or (None, []) when all are packed."""
        by_order: dict[str, list[rows.PackRow]] = {}
        for r in rows.pack_rows(self.ctx.db, self.batch_id):
            by_order.setdefault(r.order_no, []).append(r)
        for h in self.households():
            if h.cancelled:
                continue
            lines = by_order.get(h.order_no, [])
            if any(r.remaining > 0 for r in lines):
                return h, lines
        return None, []

    def open_weighed_sku(self) -> str | None:
        """The current household's first weighed item still to pack: what the scale weighs."""
        _household, lines = self.current_household()
        products = self.catalog.products
        return next((r.sku for r in lines if r.remaining > 0 and products[r.sku].weighed), None)

    def _pack_line(self, order_no: str, sku: str) -> rows.PackRow:
        for r in rows.pack_rows(self.ctx.db, self.batch_id):
            if r.order_no == order_no and r.sku == sku:
                return r
        raise Rejected("not_for_household", product=self._name(sku), household=order_no)

    def bag_plan(self, lines: list[rows.PackRow]) -> BagPlan:
        """A household's bags, planned from all its lines: the n of "bag k of n"."""
        products = self.catalog.products
        goods: dict[str, BagGoods] = {}
        for r in lines:
            product = products[r.sku]
            # A weighed unit may come in up to its tolerance over: plan for that much.
            grams = product.unit_grams + (product.tolerance_grams if product.weighed else 0)
            units = r.qty - r.short + (goods[r.sku].units if r.sku in goods else 0)
            goods[r.sku] = BagGoods(r.sku, units, grams, together=product.weighed)
        return plan_bags(list(goods.values()), self.ctx.settings.bag_capacity)

    def current_bag(self, order_no: str, lines: list[rows.PackRow]) -> tuple[int, int]:
        """(k, n): the household's first bag not yet full, and how many bags it gets."""
        plan = self.bag_plan(lines)
        return plan.current(self._in_bags(order_no)), plan.n

    def _in_bags(self, order_no: str) -> dict[int, dict[str, int]]:
        packed: dict[int, dict[str, int]] = {}
        for k, sku, units in rows.bag_contents(self.ctx.db, self.batch_id, order_no):
            packed.setdefault(k, {})[sku] = units
        return packed

    def _pack(self, scan: Scan) -> Effect:
        assert scan.sku is not None
        conn = self.ctx.db
        household, lines = self.current_household()
        name = self._name(scan.sku)
        if household is None:
            raise Rejected("nothing_open")
        label = household.address.short()
        line = next((r for r in lines if r.sku == scan.sku and r.remaining > 0), None)
        if line is None:
            cancelled = [h for h in self.households() if h.cancelled]
            for h in cancelled:
                if scan.sku in {ln.sku for ln in self._order_lines(h.order_no)}:
                    raise Rejected("order_cancelled", order_no=h.order_no)
            if any(r.sku == scan.sku for r in lines):
                raise Rejected("pack_over", product=name, household=label, remaining=0)
            raise Rejected("not_for_household", product=name, household=label)
        product = self.catalog.products[scan.sku]
        units = line.qty - line.short
        if product.weighed:
            qty = self._packed_by_weight(line, scan)
        elif scan.qty > line.remaining:
            raise Rejected("pack_over", product=name, household=label, remaining=line.remaining)
        else:
            qty = scan.qty
        grams = scan.grams or 0
        rows.add_packed(conn, line.order_no, line.line_no, qty, grams, scan.amount_fen or 0)
        effect = Effect(
            kind=scan.kind.value,
            sku=scan.sku,
            qty=qty,
            grams=scan.grams,
            order_no=line.order_no,
            line=(line.packed + qty, units),
        )
        if product.weighed and line.packed + qty >= units:
            fen = self._weight_refund(line, product, grams, scan.amount_fen or 0)
            if fen:
                effect.refund_fen = fen
                effect.after_log.append(("underweight", (line.order_no, line.line_no, fen)))
        self._fill_bags(effect, lines, scan)
        self._finish_pack_if_done()
        return effect

    def _packed_by_weight(self, line: rows.PackRow, scan: Scan) -> int:
        """Units a weighed label or reading completes (`weighing`); refused if over."""
        product = self.catalog.products[line.sku]
        units = line.qty - line.short
        if scan.grams or line.grams or not scan.amount_fen:
            target = weight_target(units, product.unit_grams, product.tolerance_grams)
            after = line.grams + (scan.grams or 0)
            return self._units_by_weight(product.name, target, after, line.packed)
        target = amount_target(
            units, line.unit_price_fen, product.unit_grams, product.tolerance_grams
        )
        after = line.label_fen + scan.amount_fen
        return self._units_by_weight(product.name, target, after, line.packed, fen=True)

    def _fill_bags(self, effect: Effect, lines: list[rows.PackRow], scan: Scan) -> None:
        """Put the scan's units into the bags the plan has room for them in, as many single
        scans would; seal every bag that is full, or all when the household is done."""
        assert effect.order_no is not None and effect.sku is not None and effect.qty is not None
        conn = self.ctx.db
        order_no, qty = effect.order_no, effect.qty
        plan = self.bag_plan(lines)
        in_bags = self._in_bags(order_no)
        # A weighed label that completes no unit yet still goes where its line is planned.
        portions = (
            plan.route(effect.sku, qty, in_bags)
            if qty
            else [(plan.route(effect.sku, 1, in_bags)[0][0], 0)]
        )
        # All n bags exist from the household's first item on: a printed "1 of 2" never
        # points at a bag that is not there yet.
        filled = dict(portions)
        for k in range(1, plan.n + 1):
            rows.add_to_bag(
                conn,
                bag_id=bag_id(order_no, k),
                order_no=order_no,
                batch_id=self.batch_id,
                k=k,
                n=plan.n,
                items=filled.get(k, 0),
            )
        for i, (k, units) in enumerate(portions):
            # The weight rides on the first part, so undoing a later part leaves it.
            effect.portions.append((bag_id(order_no, k), units, scan.grams if i == 0 else None))
        effect.bag = effect.portions[-1][0]
        units_left = sum(r.remaining for r in lines) - qty
        now = self.ctx.now()
        for bid, k, _n, items, status in rows.bags_of(conn, order_no):
            if status == BagState.OPEN and (units_left <= 0 or items >= plan.items(k)):
                rows.close_bag(conn, bid, now)
                rows.queue_print(conn, "label", bid, now)
                effect.closed_bags.append(bid)

    def _order_lines(self, order_no: str) -> list[rows.PackRow]:
        return rows.order_lines(self.ctx.db, order_no)

    def _weight_refund(self, line: rows.PackRow, product: Any, grams: int, label_fen: int) -> int:
        """Refund owed for a weighed line now complete: under the tolerance, the difference."""
        units = line.qty - line.short
        if label_fen and not grams:
            return amount_refund(
                ordered_fen=units * line.unit_price_fen, label_fen=line.label_fen + label_fen
            )
        return weight_refund(
            ordered_grams=units * product.unit_grams,
            actual_grams=line.grams + grams,
            tolerance_grams=units * product.tolerance_grams,
            unit_price_fen=line.unit_price_fen,
            unit_grams=product.unit_grams,
        )

    def _pack_progress(self) -> tuple[tuple[int, int], bool]:
        """(households done, households to pack) and whether all are done."""
        remaining: dict[str, int] = {}
        for r in rows.pack_rows(self.ctx.db, self.batch_id):
            remaining[r.order_no] = remaining.get(r.order_no, 0) + r.remaining
        total = len(remaining)
        done = sum(1 for v in remaining.values() if v <= 0)
        return (done, total), total > 0 and done == total

    def _finish_pack_if_done(self) -> None:
        _progress, finished = self._pack_progress()
        if finished:
            conn = self.ctx.db
            floor_rows.set_status(conn, self.batch_id, BatchState.PACKED)
            floor_rows.add_event(
                conn,
                self.batch_id,
                at=self.ctx.now(),
                event="packed",
                operator=self.operator,
                terminal=self.terminal,
            )
