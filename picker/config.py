"""Settings: one typed object, loaded once from a TOML file and passed down."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from picker.batching import Caps
from picker.errors import InputError
from picker.i18n import _
from picker.packing import BagCapacity
from picker.shortage import DEFAULT_POLICY, Policy


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
    #: What one picking batch may hold (`[batching]` max_orders, max_lines, max_kg).
    batch_caps: Caps = field(default_factory=Caps)
    #: Who goes short when a product is short (`[picking] short_policy`).
    short_policy: Policy = DEFAULT_POLICY
    #: What one household bag holds (`[packing]` bag_max_items, bag_max_kg).
    bag_capacity: BagCapacity = field(default_factory=BagCapacity)
    #: Scale label layouts used on this site, by preset name (`[scanning] scale_layouts`);
    #: empty means every preset. See `picker.scanning.SCALE_PRESETS`.
    scale_layouts: tuple[str, ...] = ()


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
    from picker.importing import DEFAULT_HEADERS

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
    default_caps, default_bag = Caps(), BagCapacity()
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
    except (TypeError, ValueError) as exc:
        raise InputError(_("config file {path}: {error}", path=p, error=exc)) from None
    return Settings(
        warehouse_name=warehouse.get("name", Settings().warehouse_name),
        lang=warehouse.get("lang"),
        import_columns=columns,
        refresh_seconds=float(data.get("ui", {}).get("refresh_seconds", 1.0)),
        batch_caps=caps,
        short_policy=policy,
        bag_capacity=bag,
        scale_layouts=tuple(scanning.get("scale_layouts", ())),
    )
