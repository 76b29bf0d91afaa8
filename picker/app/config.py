"""Settings: one typed object, loaded once from a TOML file and passed down."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from picker.domain.batching import Caps
from picker.domain.packing import BagCapacity, CrateCapacity
from picker.domain.shortage import DEFAULT_POLICY, Policy
from picker.errors import InputError
from picker.i18n import _

if TYPE_CHECKING:
    from picker.adapters.devices import TerminalDevices
    from picker.domain.feed import FeedConfig, WatchConfig
    from printers.profile import PrinterProfile

#: Kinds of printed document whose residents' names and phones can be masked.
DOCUMENT_KINDS = ("label", "manifest", "picklist", "route", "refunds")


@dataclass(frozen=True, slots=True)
class Settings:
    """What a site configures. Every field has a default that works for the demo."""

    #: Warehouse name printed on documents and shown in the title bar.
    warehouse_name: str = "青浦保供仓"
    #: UI language (`zh_CN` or `en`); None means from `--lang`, `PICKER_LANG` or the locale.
    lang: str | None = None
    #: Extra CSV header names per import field, for bank exports with other layouts,
    #: e.g. `{"order_no": ("交易流水号",)}`.
    import_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Seconds between dashboard refresh checks.
    refresh_seconds: float = 1.0
    #: Minutes without a key before a shared terminal signs its operator out (`[ui]`).
    idle_minutes: float = 15.0
    #: What one picking batch may hold (`[batching]` max_orders, max_lines, max_kg).
    batch_caps: Caps = field(default_factory=Caps)
    #: Who goes short when a product is short (`[picking] short_policy`).
    short_policy: Policy = DEFAULT_POLICY
    #: What one household bag holds (`[packing]` bag_max_items, bag_max_kg).
    bag_capacity: BagCapacity = field(default_factory=BagCapacity)
    #: What one crate (周转筐) of a committee's bags holds (`[crates]` max_bags, max_kg).
    crate_capacity: CrateCapacity = field(default_factory=CrateCapacity)
    #: Whether a new crate may be given the next free id by itself (`[crates] auto_ids`);
    #: false where every crate is a labelled one that must be scanned.
    crate_auto_ids: bool = True
    #: Scale label layouts used on this site, by preset name (`[scanning] scale_layouts`);
    #: empty means every preset. See `picker.domain.scale_labels.SCALE_PRESETS`.
    scale_layouts: tuple[str, ...] = ()
    #: The payment platform's feeds to pull (`[feeds.NAME]` url, token, interval_seconds).
    feeds: tuple[FeedConfig, ...] = ()
    #: The back office's drop folder (`[watch]` folder, interval_seconds, settle_seconds).
    watch: WatchConfig | None = None
    #: Printers by name (`[printers.NAME]` connection, paper, encoding, chinese, role, ...).
    printers: dict[str, PrinterProfile] = field(default_factory=dict)
    #: Kinds of document printed with residents' names and phones in full
    #: (`[documents] mask = false` for all, or `[documents.KIND] mask = false`).
    unmasked: frozenset[str] = frozenset()
    #: Households per manifest page; each page repeats header and totals
    #: (`[documents.manifest] page_households`).
    manifest_page_households: int = 40
    #: Devices per terminal name (`[terminals.NAME]` scale, protocol, scanner).
    terminals: dict[str, TerminalDevices] = field(default_factory=dict)

    def masks(self, kind: str) -> bool:
        """Whether residents' names and phones are masked on documents of `kind`."""
        return kind not in self.unmasked


def load_settings(path: str | os.PathLike[str] | None) -> Settings:
    """Read the config file; no path means defaults. A bad file is an `InputError`."""
    if path is None:
        return Settings()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(_("config file {path} does not exist", path=p)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            _("config file {path} is not valid TOML: {error}", path=p, error=exc)
        ) from None
    warehouse = data.get("warehouse", {})
    columns_raw = data.get("import", {}).get("columns", {})
    columns: dict[str, tuple[str, ...]] = {}
    from picker.domain.importing import DEFAULT_HEADERS

    for fld, names in columns_raw.items():
        if fld not in DEFAULT_HEADERS:
            raise InputError(
                _("config file {path}: unknown import column {name}", path=p, name=fld)
            )
        columns[fld] = (names,) if isinstance(names, str) else tuple(names)
    batching = data.get("batching", {})
    picking = data.get("picking", {})
    packing = data.get("packing", {})
    scanning = data.get("scanning", {})
    # Slots dataclasses have no class-level defaults to read: take them from instances.
    # Loaded here, not with the module: the app's first frame reads the settings.
    default_caps, default_bag = Caps(), BagCapacity()
    crates, default_crate = data.get("crates", {}), CrateCapacity()
    try:
        caps = Caps(
            max_orders=int(batching.get("max_orders", default_caps.max_orders)),
            max_lines=int(batching.get("max_lines", default_caps.max_lines)),
            max_kg=float(batching.get("max_kg", default_caps.max_kg)),
        )
        policy = Policy(picking.get("short_policy", DEFAULT_POLICY.value))
        bag = BagCapacity(
            max_items=int(packing.get("bag_max_items", default_bag.max_items)),
            max_grams=round(float(packing.get("bag_max_kg", default_bag.max_grams / 1000)) * 1000),
        )
        crate = CrateCapacity(
            max_bags=int(crates.get("max_bags", default_crate.max_bags)),
            max_grams=round(float(crates.get("max_kg", default_crate.max_grams / 1000)) * 1000),
        )
    except (TypeError, ValueError) as exc:
        raise InputError(_("config file {path}: {error}", path=p, error=exc)) from None
    return Settings(
        warehouse_name=warehouse.get("name", Settings().warehouse_name),
        lang=warehouse.get("lang"),
        import_columns=columns,
        refresh_seconds=float(data.get("ui", {}).get("refresh_seconds", 1.0)),
        idle_minutes=float(data.get("ui", {}).get("idle_minutes", 15.0)),
        batch_caps=caps,
        short_policy=policy,
        bag_capacity=bag,
        crate_capacity=crate,
        crate_auto_ids=bool(crates.get("auto_ids", True)),
        scale_layouts=tuple(scanning.get("scale_layouts", ())),
        feeds=_feeds(data, p),
        watch=_watch(data, p),
        printers=_printers(data),
        terminals=_terminals(data, p),
        **_documents(data.get("documents", {}), p),
    )


def _documents(table: dict, path: Path) -> dict:
    """Masking per document kind and the manifest's page length from `[documents]`."""
    default = table.get("mask", True)
    unmasked = set()
    for kind in DOCUMENT_KINDS:
        mask = table.get(kind, {}).get("mask", default)
        if not isinstance(mask, bool):
            raise InputError(
                _("config file {path}: {error}", path=path, error=f"{kind}.mask = {mask!r}")
            )
        if not mask:
            unmasked.add(kind)
    unknown = set(table) - {"mask", *DOCUMENT_KINDS}
    if unknown:
        raise InputError(
            _("config file {path}: unknown document {name}", path=path, name=sorted(unknown)[0])
        )
    page = table.get("manifest", {}).get("page_households", 40)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InputError(
            _("config file {path}: {error}", path=path, error=f"page_households = {page!r}")
        )
    return {"unmasked": frozenset(unmasked), "manifest_page_households": page}


def _terminals(data: dict, path: Path) -> dict[str, TerminalDevices]:
    if not data.get("terminals"):
        return {}
    from picker.adapters.devices import parse_terminals

    return parse_terminals(data["terminals"], str(path))


def _printers(data: dict) -> dict[str, PrinterProfile]:
    if not data.get("printers"):
        return {}
    # The printing stack loads only for a config that has printers.
    from printers.errors import PrinterConfigError
    from printers.profile import parse_printers

    try:
        return parse_printers(data["printers"])
    except PrinterConfigError as exc:
        raise InputError(exc.message) from None


# The feed's module loads only for a config that has feeds: the app's first frame reads this.
def _feeds(data: dict, path: Path) -> tuple[FeedConfig, ...]:
    if "feeds" not in data:
        return ()
    from picker.domain.feed import feeds_from_toml

    return feeds_from_toml(data, path)


def _watch(data: dict, path: Path) -> WatchConfig | None:
    if "watch" not in data:
        return None
    from picker.domain.feed import watch_from_toml

    return watch_from_toml(data, path)
