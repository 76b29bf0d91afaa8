"""Printers as configured in picker.toml: how each is reached and what it can print.

[printers.label1]
connection = "network:192.168.1.50:9100"   # usb:0416:5011, serial:/dev/ttyUSB0:9600, file:PATH
paper = "58"               # "58" (32 columns, 384 dots) or "80" (48 columns, 576 dots)
encoding = "gbk"           # the printer's Chinese font: "gbk" or "gb18030"
chinese = "native"         # "raster": print every page as an image (no Chinese font)
barcodes = "native"        # "image": draw barcodes and QR codes as images
role = "label"             # "label" (bag labels) or "document" (manifests, lists)
status = false             # ask DLE EOT status before and after each job (network, serial):
                           # paper out / cover open / offline hold the job until ready
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from printers.document import PAPER_58, PAPERS, Paper
from printers.errors import PrinterConfigError
from printers.i18n import _
from printers.transport import parse_connection

ENCODINGS = ("gbk", "gb18030")
CHINESE_MODES = ("native", "raster")
BARCODE_MODES = ("native", "image")
ROLES = ("label", "document")


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """One configured printer."""

    name: str
    connection: str
    paper: Paper = PAPER_58
    encoding: str = "gb18030"
    chinese: str = "native"
    barcodes: str = "native"
    role: str = "label"
    status: bool = False

    def __post_init__(self) -> None:
        for key, value, allowed in (
            ("encoding", self.encoding, ENCODINGS),
            ("chinese", self.chinese, CHINESE_MODES),
            ("barcodes", self.barcodes, BARCODE_MODES),
            ("role", self.role, ROLES),
        ):
            if value not in allowed:
                raise PrinterConfigError(_bad(self.name, key, value, allowed))
        parse_connection(self.connection)


def parse_printers(data: Mapping[str, Any]) -> dict[str, PrinterProfile]:
    """Printers from the `[printers]` table (name -> settings); the whole config file's table
    is accepted too. Bad entries raise a `PrinterConfigError` naming the printer and the
    setting."""
    inner = data.get("printers")
    if isinstance(inner, Mapping) and "connection" not in inner:
        data = inner
    return {str(name): _parse_one(str(name), table) for name, table in data.items()}


def _parse_one(name: str, table: Any) -> PrinterProfile:
    if not isinstance(table, Mapping):
        raise PrinterConfigError(_("printer {name}: expected a table of settings", name=name))
    known = ("connection", "paper", "encoding", "chinese", "barcodes", "role", "status")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise PrinterConfigError(
            _(
                "printer {name}: unknown setting {key}; known: {known}",
                name=name,
                key=unknown[0],
                known=", ".join(known),
            )
        )
    if "connection" not in table:
        raise PrinterConfigError(_("printer {name}: connection is missing", name=name))
    settings: dict[str, Any] = {}
    for key in known[:-1]:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise PrinterConfigError(
                    _("printer {name}: {key} must be text", name=name, key=key)
                )
            settings[key] = value if key == "connection" else str(value).strip().lower()
    try:
        parse_connection(settings["connection"])
    except PrinterConfigError as exc:
        raise PrinterConfigError(
            _("printer {name}: {error}", name=name, error=exc.message)
        ) from None
    paper = settings.pop("paper", "58").removesuffix("mm")
    if paper not in PAPERS:
        raise PrinterConfigError(_bad(name, "paper", paper, tuple(PAPERS)))
    status = table.get("status", False)
    if not isinstance(status, bool):
        raise PrinterConfigError(_bad(name, "status", status, ("true", "false")))
    return PrinterProfile(name, paper=PAPERS[paper], status=status, **settings)


def _bad(name: str, key: str, value: object, allowed: tuple[str, ...]) -> str:
    return _(
        "printer {name}: {key} = {value!r} is not one of {allowed}",
        name=name,
        key=key,
        value=value,
        allowed=", ".join(allowed) or "-",
    )


def printer_for(
    printers: Mapping[str, PrinterProfile], role: str, name: str | None = None
) -> PrinterProfile:
    """The printer named, else the first configured for `role` (label / document)."""
    if name is not None:
        if name not in printers:
            raise PrinterConfigError(
                _(
                    "no printer named {name}; configured: {names}",
                    name=name,
                    names=", ".join(printers) or "-",
                )
            )
        return printers[name]
    for profile in printers.values():
        if profile.role == role:
            return profile
    raise PrinterConfigError(_("no printer with role {role} in the config", role=role))
