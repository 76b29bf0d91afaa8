"""Settings: one typed object, loaded once from a TOML file and passed down."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from picker.errors import InputError
from picker.i18n import _


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
    return Settings(
        warehouse_name=warehouse.get("name", Settings.warehouse_name),
        lang=warehouse.get("lang"),
        import_columns=columns,
        refresh_seconds=float(data.get("ui", {}).get("refresh_seconds", 1.0)),
    )
