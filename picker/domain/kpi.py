"""KPIs of the floor, derived from the append-only scan log. Standard library only.

Nothing here is counted by hand; every figure comes from scan rows (plus, for the short
rate's denominator, the units the scanned batches needed, and which bags ended closed).

- *Active time* of an operator at a stage: the gaps between their consecutive scans at that
  stage (accepted or rejected), each gap counted only if it is at most `idle_seconds` (5
  minutes by default); a longer gap is a break and counts nothing. A single scan is no
  active time, and under a minute of it gives no rate.
- *Lines per hour* (pickers): distinct pick lines (batch, product) the picker picked at least
  one unit of (net of undos) or declared short, per active pick hour.
- *Bags per hour* (packers): closed bags credited to whoever made the bag's last item scan
  (net of undos), per active pack hour.
- *Reject rate*: rejected scans / all scans, overall and per operator, every stage.
- *Short rate*: units declared short / units needed, over the pick lines of the batches that
  had pick scans, per product and per committee.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from picker.domain.model import SHANGHAI
from picker.domain.states import ScanOutcome

IDLE_SECONDS = 300
#: Below a minute of active time a rate says nothing (3 scans in 2 s is not 5,400 an hour).
MIN_ACTIVE_SECONDS = 60
#: Under 15 minutes of work an hourly rate is an extrapolation (0.06 h of picking made 993.7
#: lines/h): it is still worked out, but screens and reports show it as too short to say.
SHORT_WORK_SECONDS = 900
_ITEM_KINDS = ("product", "weighed")


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One row of the scan log, as KPIs need it."""

    id: int
    at: datetime
    operator: str
    batch: str | None
    stage: str
    raw: str
    kind: str | None
    sku: str | None
    qty: int | None
    bag: str | None
    outcome: str
    reason: str = ""
    undoes: int | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == ScanOutcome.ACCEPTED

    @property
    def is_short(self) -> bool:
        """An accepted short declaration: `CMD-SHORT` logged with the line and the units."""
        return (
            self.accepted
            and self.kind == "command"
            and self.raw.upper().startswith("CMD-SHORT")
            and self.sku is not None
        )


@dataclass(frozen=True, slots=True)
class PickDemand:
    """Units one pick line of a batch needed, and the batch's committee."""

    batch: str
    sku: str
    committee: str
    needed: int


@dataclass(frozen=True, slots=True)
class Rate:
    """Work done by one operator in their active time at a stage."""

    operator: str
    name: str
    done: int
    active_seconds: float

    @property
    def per_hour(self) -> float | None:
        """None until the operator has `MIN_ACTIVE_SECONDS` of active time."""
        if self.active_seconds < MIN_ACTIVE_SECONDS:
            return None
        return self.done * 3600 / self.active_seconds

    @property
    def too_short(self) -> bool:
        """Too little active time (under `SHORT_WORK_SECONDS`) for the rate to be shown."""
        return self.active_seconds < SHORT_WORK_SECONDS


@dataclass(frozen=True, slots=True)
class Ratio:
    """`part` of `whole`, e.g. rejected of all scans, short of needed units."""

    key: str
    name: str
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True, slots=True)
class HourCount:
    """Scans in one clock hour (Asia/Shanghai), `hour` like `2022-04-12 09:00`."""

    hour: str
    accepted: int
    rejected: int

    @property
    def scans(self) -> int:
        return self.accepted + self.rejected


@dataclass(frozen=True, slots=True)
class Kpis:
    day: str | None
    lines_per_hour: tuple[Rate, ...]
    bags_per_hour: tuple[Rate, ...]
    rejects: Ratio
    rejects_by_operator: tuple[Ratio, ...]
    #: (reason code, count) of rejected scans, most frequent first.
    reject_reasons: tuple[tuple[str, int], ...]
    short_by_product: tuple[Ratio, ...]
    short_by_committee: tuple[Ratio, ...]
    scans_per_hour: tuple[HourCount, ...]


def active_seconds(times: Iterable[datetime], idle_seconds: float = IDLE_SECONDS) -> float:
    """Working time between scans, leaving out gaps longer than `idle_seconds`."""
    ordered = sorted(times)
    total = 0.0
    for before, after in pairwise(ordered):
        gap = (after - before).total_seconds()
        if gap <= idle_seconds:
            total += gap
    return total


def _undone(scans: Iterable[ScanRow]) -> set[int]:
    return {s.undoes for s in scans if s.accepted and s.kind == "undo" and s.undoes is not None}


def _lines_done(scans: list[ScanRow]) -> dict[str, set[tuple[str, str]]]:
    """Per picker, the pick lines they picked a unit of (net of undos) or declared short."""
    undone = _undone(scans)
    net: Counter[tuple[str, str, str]] = Counter()
    lines: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for s in scans:
        if s.stage != "pick" or not s.accepted or s.batch is None or s.sku is None:
            continue
        if s.kind in _ITEM_KINDS and s.id not in undone:
            net[(s.operator, s.batch, s.sku)] += s.qty or 0
        elif s.is_short:
            lines[s.operator].add((s.batch, s.sku))
    for (op, batch, sku), qty in net.items():
        if qty > 0:
            lines[op].add((batch, sku))
    return lines


def _bags_done(scans: list[ScanRow], closed: set[str]) -> Counter[str]:
    """Per packer, the closed bags whose last (not undone) item scan was theirs."""
    undone = _undone(scans)
    last: dict[str, str] = {}
    for s in scans:
        item = s.stage == "pack" and s.accepted and s.kind in _ITEM_KINDS
        if item and s.bag and s.id not in undone:
            last[s.bag] = s.operator
    return Counter(op for bag, op in last.items() if bag in closed)


def _rates(
    done: Mapping[str, int], scans: list[ScanRow], stage: str, names: Mapping[str, str], idle: float
) -> tuple[Rate, ...]:
    times: dict[str, list[datetime]] = defaultdict(list)
    for s in scans:
        if s.stage == stage:
            times[s.operator].append(s.at)
    return tuple(
        Rate(op, names.get(op, op), done.get(op, 0), active_seconds(times[op], idle))
        for op in sorted(times)
    )


def _hour(at: datetime) -> datetime:
    local = at.astimezone(SHANGHAI) if at.tzinfo else at.replace(tzinfo=SHANGHAI)
    return local.replace(minute=0, second=0, microsecond=0)


def _per_hour(scans: list[ScanRow]) -> tuple[HourCount, ...]:
    """Every hour from the first scan's to the last's, empty hours included (for a chart)."""
    counts: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for s in scans:
        counts[_hour(s.at)][0 if s.accepted else 1] += 1
    if not counts:
        return ()
    hour, last = min(counts), max(counts)
    out = []
    while hour <= last:
        accepted, rejected = counts.get(hour, (0, 0))
        out.append(HourCount(f"{hour:%Y-%m-%d %H:%M}", accepted, rejected))
        hour += timedelta(hours=1)
    return tuple(out)


def _short_rates(
    scans: list[ScanRow],
    demand: Iterable[PickDemand],
    products: Mapping[str, str],
    committees: Mapping[str, str],
) -> tuple[tuple[Ratio, ...], tuple[Ratio, ...]]:
    short: Counter[tuple[str, str]] = Counter()
    for s in scans:
        if s.stage == "pick" and s.is_short and s.batch is not None and s.sku is not None:
            short[(s.batch, s.sku)] += s.qty or 0
    by_product: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_committee: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in demand:
        units = short.get((d.batch, d.sku), 0)
        for key, table in ((d.sku, by_product), (d.committee, by_committee)):
            table[key][0] += units
            table[key][1] += d.needed

    def ratios(table: dict[str, list[int]], names: Mapping[str, str]) -> tuple[Ratio, ...]:
        found = [Ratio(k, names.get(k, k), part, whole) for k, (part, whole) in table.items()]
        return tuple(sorted(found, key=lambda r: (-(r.rate or 0), -r.part, r.key)))

    return ratios(by_product, products), ratios(by_committee, committees)


def kpis(
    scans: Iterable[ScanRow],
    demand: Iterable[PickDemand] = (),
    closed_bags: Iterable[str] = (),
    *,
    operators: Mapping[str, str] | None = None,
    products: Mapping[str, str] | None = None,
    committees: Mapping[str, str] | None = None,
    day: str | None = None,
    idle_seconds: float = IDLE_SECONDS,
) -> Kpis:
    """Every KPI of the scans given (one day's, or all); names are code -> name maps."""
    rows = sorted(scans, key=lambda s: s.id)
    names = operators or {}
    lines = {op: len(done) for op, done in _lines_done(rows).items()}
    bags = _bags_done(rows, set(closed_bags))
    per_op: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reasons: Counter[str] = Counter()
    for s in rows:
        per_op[s.operator][1] += 1
        if not s.accepted:
            per_op[s.operator][0] += 1
            reasons[s.reason or "?"] += 1
    by_product, by_committee = _short_rates(rows, demand, products or {}, committees or {})
    rejected = sum(part for part, _whole in per_op.values())
    return Kpis(
        day=day,
        lines_per_hour=_rates(lines, rows, "pick", names, idle_seconds),
        bags_per_hour=_rates(bags, rows, "pack", names, idle_seconds),
        rejects=Ratio("", "", rejected, len(rows)),
        rejects_by_operator=tuple(
            Ratio(op, names.get(op, op), part, whole)
            for op, (part, whole) in sorted(per_op.items())
        ),
        reject_reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        short_by_product=by_product,
        short_by_committee=by_committee,
        scans_per_hour=_per_hour(rows),
    )
