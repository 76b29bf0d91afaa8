"""Scanning sessions: every code a picker or packer scans, applied and logged in one transaction.

The TUI's pick and pack screens and `picker scan` both drive a `ScanSession`. A scan is
resolved (pure), then inside one `BEGIN IMMEDIATE` transaction its effect is checked against
the batch as it is now, the quantities change and the scan log gets its row, accepted or
rejected. Only after COMMIT (synchronous=FULL) is the result returned: an acknowledged scan
survives a power cut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import db
from db import catalog as catalog_rows
from db import floor as floor_rows
from db import packing as packing_rows
from db import pick_lines as pick_line_rows
from db import refunds as refund_rows
from db import scan_log
from picker.app.config import Settings
from picker.app.context import Context
from picker.app.floor import Floor
from picker.app.pack_stage import PackStage
from picker.app.pick_stage import PickStage
from picker.app.scan_stage import SessionBase
from picker.domain.scale_labels import SCALE_PRESETS
from picker.domain.scales import Reading
from picker.domain.scan_outcomes import (
    Effect,
    Household,
    Rejected,
    ScanResult,
    Stage,
    reason_text,
)
from picker.domain.scanning import ScanIndex, resolve
from picker.domain.scans import Command, Scan, ScanError, ScanKind
from picker.domain.shortage import ShortReason
from picker.domain.states import BagState, BatchState, RefundKind, ScanOutcome
from picker.errors import Conflict, NotFound
from picker.i18n import _

__all__ = ["Household", "Rejected", "ScanResult", "ScanSession", "Stage", "reason_text"]


class ScanSession(PickStage, PackStage, SessionBase):
    """One operator scanning one batch at one stage, on one terminal."""

    def __init__(
        self, ctx: Context, floor: Floor, batch_id: str, operator: str, terminal: str, stage: str
    ) -> None:
        self.ctx = ctx
        #: The floor's use cases: the batch's refunds, a session at another stage.
        self.floor = floor
        self.batch_id = batch_id
        self.operator = operator
        self.terminal = terminal
        self.stage = Stage(stage)
        floor.operator(operator)
        batch = floor_rows.get_batch(ctx.db, batch_id)
        if batch is None:
            raise NotFound(_("no batch {batch}", batch=batch_id))
        if batch.holder != operator:
            raise Conflict(
                _(
                    "batch {batch} is held by {holder}, not by you",
                    batch=batch_id,
                    holder=batch.holder or "-",
                )
            )
        self.catalog = ctx.catalog()
        names = ctx.settings.scale_layouts
        layouts = tuple(SCALE_PRESETS[n] for n in names) if names else None
        operators = catalog_rows.load_operators(ctx.db)
        self.index = (
            ScanIndex.build(self.catalog, operators, layouts)
            if layouts
            else ScanIndex.build(self.catalog, operators)
        )

    def at_stage(self, stage: Stage | str) -> ScanSession:
        """A session of the same operator on the same batch at another stage (pick → pack)."""
        return ScanSession(self.ctx, self.floor, self.batch_id, self.operator, self.terminal, stage)

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def disconnect(self) -> None:
        """Close the calling thread's connection (a worker thread that is done)."""
        self.ctx.close()

    def scan(self, raw: str) -> ScanResult:
        """Apply one scanned (or typed) code. Never raises for a bad code: it is rejected."""
        raw = raw.strip("\r\n")
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params, kind="")
        return self._run(raw, lambda: self._apply(scan), kind=scan.kind.value, sku=scan.sku)

    def weigh(self, reading: Reading, sku: str | None = None) -> ScanResult:
        """Record a bench scale's reading as the weight of a weighed item going into the bag.

        It takes the scale label's path: a WEIGHED scan of `sku` (by default the current
        household's first weighed item still open) with the reading's grams, so tolerance,
        refunds and bags follow the same rules. Only a steady weight above zero is taken; any
        other reading is logged as rejected with its reason (raw `SCALE:<grams>[:status]`).
        """
        raw, kind = reading.raw, ScanKind.WEIGHED.value
        if self.stage is not Stage.PACK:
            return self._reject(raw, "weigh_not_here", (("stage", self.stage.value),), kind=kind)
        if not reading.accepted:
            detail = (("detail", reading.detail or "-"),)
            return self._reject(raw, reading.reason or "scale_empty", detail, kind=kind, sku=sku)
        sku = sku or self.open_weighed_sku()
        if sku is None:
            return self._reject(raw, "nothing_to_weigh", (), kind=kind)
        product = self.catalog.products.get(sku)
        if product is None or not product.weighed:
            name = (("product", self._name(sku)),)
            return self._reject(raw, "not_sold_by_weight", name, kind=kind, sku=sku)
        scan = Scan(raw, ScanKind.WEIGHED, "bench", sku=sku, grams=reading.grams)
        return self._run(raw, lambda: self._apply(scan), kind=kind, sku=sku)

    def short(self, reason: ShortReason | str, sku: str | None = None) -> ScanResult:
        """Declare the rest of a line (the current one by default) short, with a reason."""
        reason = ShortReason(reason)
        raw = f"CMD-SHORT {reason.value}" + (f" {sku}" if sku else "")

        def apply() -> Effect:
            self._check_batch()
            if self.stage is not Stage.PICK:
                raise Rejected("command_not_here", command="short", stage=self.stage.value)
            return self._short(reason, sku)

        return self._run(raw, apply, kind="command", sku=sku, reason=reason.value)

    def _log(self, raw: str, outcome: str, **fields: Any) -> int:
        return scan_log.log_scan(
            self.ctx.db,
            at=self.ctx.now(),
            operator=self.operator,
            terminal=self.terminal,
            batch_id=self.batch_id,
            stage=self.stage.value,
            raw=raw,
            outcome=outcome,
            **fields,
        )

    def _run(
        self,
        raw: str,
        apply: Callable[[], Effect],
        *,
        kind: str,
        sku: str | None,
        reason: str = "",
    ) -> ScanResult:
        """Apply, log and commit in one transaction; a `Rejected` is logged instead."""
        try:
            with db.write(self.ctx.db):
                effect = apply()
                # A scan that fills several bags logs a row per bag, so the log says what
                # each bag holds and an undo takes back only the part in an open bag.
                parts: list[tuple[str | None, int | None, int | None]] = [*effect.portions] or [
                    (effect.bag, effect.qty, effect.grams)
                ]
                for bag, qty, grams in parts:
                    scan_id = self._log(
                        raw,
                        ScanOutcome.ACCEPTED,
                        kind=effect.kind,
                        sku=effect.sku,
                        qty=qty,
                        grams=grams,
                        order_no=effect.order_no,
                        bag=bag,
                        undoes=effect.undoes,
                        reason=reason,
                    )
                for what, value in effect.after_log:
                    self._after_log(what, value, scan_id)
                progress, done = self._progress()
        except Rejected as exc:
            return self._reject(raw, exc.reason, exc.params, kind=kind, sku=sku)
        return ScanResult(
            raw=raw,
            accepted=True,
            kind=effect.kind,
            sku=effect.sku,
            product=self._name(effect.sku) or None,
            qty=effect.qty,
            grams=effect.grams,
            line=effect.line,
            progress=progress,
            household=effect.order_no,
            bag=effect.bag,
            closed_bags=tuple(effect.closed_bags),
            bags=tuple((bag, qty) for bag, qty, _grams in effect.portions),
            stage_done=done,
            scan_id=scan_id,
            refund_fen=effect.refund_fen,
        )

    def _reject(
        self,
        raw: str,
        reason: str,
        params: tuple[tuple[str, str], ...],
        *,
        kind: str,
        sku: str | None = None,
    ) -> ScanResult:
        with db.write(self.ctx.db):
            scan_id = self._log(
                raw, ScanOutcome.REJECTED, kind=kind or None, sku=sku, reason=reason, params=params
            )
            progress, done = self._progress()
        return ScanResult(
            raw=raw,
            accepted=False,
            reason=reason,
            message=reason_text(reason, params),
            kind=kind,
            sku=sku,
            product=self._name(sku) or None,
            progress=progress,
            stage_done=done,
            scan_id=scan_id,
        )

    def _check_batch(self) -> floor_rows.BatchRow:
        batch = floor_rows.get_batch(self.ctx.db, self.batch_id)
        assert batch is not None
        if batch.holder != self.operator:
            raise Rejected("not_held", batch=self.batch_id, holder=batch.holder or "-")
        allowed = (
            (BatchState.CLAIMED, BatchState.PICKING)
            if self.stage is Stage.PICK
            else (BatchState.PICKED,)
        )
        if batch.status not in allowed:
            raise Rejected(
                "wrong_status", batch=self.batch_id, status=batch.status, stage=self.stage.value
            )
        return batch

    def _apply(self, scan: Scan) -> Effect:
        batch = self._check_batch()
        if scan.kind is ScanKind.COMMAND:
            if scan.command is Command.UNDO:
                return self._undo()
            if scan.command is Command.SKIP and self.stage is Stage.PICK:
                return self._skip()
            if scan.command is Command.SHORT and self.stage is Stage.PICK:
                return self._short(ShortReason.OUT_OF_STOCK, None)
            raise Rejected("command_not_here", command=scan.command or "", stage=self.stage.value)
        if scan.kind not in (ScanKind.PRODUCT, ScanKind.WEIGHED):
            raise Rejected("not_here", kind=scan.kind.value, stage=self.stage.value)
        if self.stage is Stage.PICK:
            return self._pick(scan, batch)
        return self._pack(scan)

    def _after_log(self, what: str, value: Any, scan_id: int) -> None:
        """Writes that reference the scan's log row, in the same transaction."""
        conn = self.ctx.db
        now = self.ctx.now()
        if what == "short_refunds":
            allocations, reason = value
            for a in allocations:
                fen = self._refundable(a.order_no, a.refund_fen)
                if not fen:
                    continue
                refund_rows.add_refund(
                    conn,
                    order_no=a.order_no,
                    line_no=a.line_no,
                    kind=RefundKind.SHORT,
                    fen=fen,
                    reason=reason,
                    batch_id=self.batch_id,
                    scan_id=scan_id,
                    at=now,
                )
        elif what == "underweight":
            order_no, line_no, fen = value
            fen = self._refundable(order_no, fen)
            if not fen:
                return
            refund_rows.add_refund(
                conn,
                order_no=order_no,
                line_no=line_no,
                kind=RefundKind.UNDERWEIGHT,
                fen=fen,
                reason="underweight",
                batch_id=self.batch_id,
                scan_id=scan_id,
                at=now,
            )

    def _refundable(self, order_no: str, fen: int) -> int:
        """`fen`, or less when the order's refunds would pass what was paid (the bank may
        have refunded part of it already): an order never gets back more than it paid."""
        found = refund_rows.order_status(self.ctx.db, order_no)
        if found is None:
            return fen
        left = found[1] - refund_rows.refunded_fen(self.ctx.db, order_no)
        return max(0, min(fen, left))

    def _undo(self) -> Effect:
        conn = self.ctx.db
        last = scan_log.last_undoable(conn, self.batch_id, self.stage.value, self.operator)
        if last is None:
            raise Rejected("nothing_to_undo")
        scan_id, sku, qty, grams, order_no, bag = last
        if self.stage is Stage.PICK:
            pick_line_rows.add_picked(conn, self.batch_id, sku, -qty, -(grams or 0))
            floor_rows.set_status(conn, self.batch_id, BatchState.PICKING)
            line = pick_line_rows.pick_row(conn, self.batch_id, sku)
            assert line is not None
            done = (line.picked, line.needed - line.short)
        else:
            bags = {b[0]: b for b in packing_rows.bags_of(conn, order_no)}
            if bag in bags and bags[bag][4] == BagState.CLOSED:
                raise Rejected("bag_closed", bag=bag)
            if refund_rows.refunds_of_scan(conn, scan_id):
                raise Rejected("undo_refunded")
            pack = self._pack_line(order_no, sku)
            packing_rows.add_packed(conn, order_no, pack.line_no, -qty, -(grams or 0), 0)
            packing_rows.add_to_bag(
                conn, bag_id=bag, order_no=order_no, batch_id=self.batch_id, k=0, n=0, items=-qty
            )
            done = (pack.packed - qty, pack.qty - pack.short)
        return Effect(
            kind="undo",
            sku=sku,
            qty=-qty,
            grams=-(grams or 0) if grams else None,
            order_no=order_no,
            bag=bag,
            line=done,
            undoes=scan_id,
        )

    def _progress(self) -> tuple[tuple[int, int], bool]:
        if self.stage is Stage.PICK:
            return self._pick_progress()
        return self._pack_progress()
