"""The pick stage of a scanning session: walk the pick list, skip, declare shortages."""

from __future__ import annotations

from datetime import datetime

from db import floor as floor_rows
from db import pick_lines as rows
from picker.app.scan_stage import SessionBase
from picker.domain.scan_outcomes import Effect, Rejected
from picker.domain.scans import Scan
from picker.domain.shortage import Demand, ShortReason, allocate
from picker.domain.states import BatchState
from picker.domain.weighing import grams_for_amount, weight_target


class PickStage(SessionBase):
    """Pick-stage steps of `ScanSession`, run inside its write transaction."""

    def _pick(self, scan: Scan, batch: floor_rows.BatchRow) -> Effect:
        assert scan.sku is not None
        conn = self.ctx.db
        line = rows.pick_row(conn, self.batch_id, scan.sku)
        name = self._name(scan.sku)
        if line is None:
            raise Rejected("not_in_batch", product=name)
        if line.remaining <= 0:
            raise Rejected("line_complete", product=name, needed=line.needed)
        product = self.catalog.products[scan.sku]
        grams = scan.grams
        if product.weighed:
            if grams is None and scan.amount_fen:
                # A pick line has no price of its own: the amount counts as the weight it pays
                # for at the catalog price.
                grams = grams_for_amount(scan.amount_fen, product.price_fen, product.unit_grams)
            qty = self._picked_by_weight(line, grams or 0)
        elif scan.qty > line.remaining:
            raise Rejected(
                "over_pick",
                product=name,
                needed=line.needed - line.short,
                done=line.picked,
                qty=scan.qty,
            )
        else:
            qty = scan.qty
        rows.add_picked(conn, self.batch_id, scan.sku, qty, grams or 0)
        if batch.status == BatchState.CLAIMED:
            floor_rows.set_status(conn, self.batch_id, BatchState.PICKING)
        self._finish_pick_if_done()
        return Effect(
            kind=scan.kind.value,
            sku=scan.sku,
            qty=qty,
            grams=grams,
            line=(line.picked + qty, line.needed - line.short),
        )

    def _picked_by_weight(self, line: rows.PickRow, grams: int) -> int:
        """Units a weighed label picks by its weight (`picker.domain.weighing`); refused if over."""
        product = self.catalog.products[line.sku]
        target = weight_target(
            line.needed - line.short, product.unit_grams, product.tolerance_grams
        )
        return self._units_by_weight(product.name, target, line.grams_picked + grams, line.picked)

    def _pick_progress(self) -> tuple[tuple[int, int], bool]:
        """(units done, units to pick) and whether every line is done or short."""
        needed, done, short = rows.pick_totals(self.ctx.db, self.batch_id)
        return (done, needed - short), done + short >= needed

    def _finish_pick_if_done(self) -> None:
        conn = self.ctx.db
        lines = rows.pick_rows(conn, self.batch_id)
        if all(ln.remaining == 0 for ln in lines):
            floor_rows.set_status(conn, self.batch_id, BatchState.PICKED)
            floor_rows.add_event(
                conn,
                self.batch_id,
                at=self.ctx.now(),
                event="picked",
                operator=self.operator,
                terminal=self.terminal,
            )

    def current_line(self) -> rows.PickRow | None:
        """The line to pick next: walk order, skipped lines at the end."""
        for line in rows.pick_rows(self.ctx.db, self.batch_id):
            if line.remaining > 0:
                return line
        return None

    def pick_lines(self) -> list[rows.PickRow]:
        return rows.pick_rows(self.ctx.db, self.batch_id)

    def _skip(self) -> Effect:
        line = self.current_line()
        if line is None:
            raise Rejected("nothing_open")
        rows.skip_line(self.ctx.db, self.batch_id, line.sku)
        return Effect(kind="command", sku=line.sku)

    def _short(self, reason: ShortReason, sku: str | None) -> Effect:
        conn = self.ctx.db
        line = rows.pick_row(conn, self.batch_id, sku) if sku else self.current_line()
        if line is None:
            if sku:
                raise Rejected("not_in_batch", product=self._name(sku))
            raise Rejected("nothing_open")
        if line.remaining <= 0:
            raise Rejected("line_complete", product=self._name(line.sku), needed=line.needed)
        short = line.remaining
        policy = self.ctx.settings.short_policy
        demands = [
            Demand(order_no, line_no, datetime.fromisoformat(paid), qty, price)
            for order_no, line_no, paid, qty, price in rows.demands(conn, self.batch_id, line.sku)
            if qty > 0
        ]
        # Units of cancelled orders are in the line too and absorb a shortage first: paid
        # households go short only by what the picked units cannot cover.
        covered = max(0, min(short, sum(d.qty for d in demands) - line.picked))
        allocations = allocate(demands, covered, policy) if covered else []
        rows.set_short(conn, self.batch_id, line.sku, short, reason.value)
        refund = 0
        for a in allocations:
            rows.add_line_short(
                conn,
                order_no=a.order_no,
                line_no=a.line_no,
                batch_id=self.batch_id,
                qty=a.short_qty,
                reason=reason.value,
                policy=policy.value,
            )
            refund += a.refund_fen
        effect = Effect(kind="command", sku=line.sku, qty=short, refund_fen=refund)
        effect.after_log = [("short_refunds", (allocations, reason.value))]
        self._finish_pick_if_done()
        return effect
