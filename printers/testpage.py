"""The test page a technician prints when setting up a printer (`picker printers test NAME`).

Each line checks one thing that goes wrong on cheap thermal printers: the column count of the
paper, the Chinese encoding (punctuation that becomes `?`, `·—℃` taking two columns), whether
`GS !` enlarges Chinese, and whether barcodes and QR codes print and scan.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from printers.document import Align, Barcode, Columns, Cut, Document, Feed, QRCode, Rule, Text
from printers.profile import PrinterProfile

SHANGHAI = ZoneInfo("Asia/Shanghai")

CHINESE_LINE = "中文：你好，世界。（测试）￥8.80"
WIDE_PUNCTUATION = "·—℃ 各占两列：4℃·冷藏—"
#: 32 / 48 columns of a character every printer's GBK font has.
WIDTH_CHAR = "汉"


def ruler(columns: int) -> tuple[str, str]:
    """Two lines exactly `columns` wide: tens above, units below (`1234567890123...`)."""
    tens = "".join(str(c // 10 % 10) if c % 10 == 0 else " " for c in range(1, columns + 1))
    units = "".join(str(c % 10) for c in range(1, columns + 1))
    return tens, units


def test_page(profile: PrinterProfile, now: datetime | None = None) -> Document:
    """A test page for this printer: its settings, width, Chinese, enlargement, codes, date."""
    now = now or datetime.now(SHANGHAI)
    paper = profile.paper
    tens, units = ruler(paper.columns)
    # Payloads are ASCII whatever the printer is called.
    code = f"TEST-{paper.columns}-{now:%Y%m%d}"
    blocks = (
        Text("打印机测试页", Align.CENTER, bold=True, width=2, height=2),
        Text(f"{profile.name}", Align.CENTER),
        Rule("="),
        Columns(("连接", profile.connection), (8, 0)),
        Columns(("纸宽", f"{paper.name} {paper.columns}列 {paper.dots}点"), (8, 0)),
        Columns(("编码", profile.encoding), (8, 0)),
        Columns(("中文", "字库" if profile.chinese == "native" else "图像"), (8, 0)),
        Columns(("条码", "打印机" if profile.barcodes == "native" else "图像"), (8, 0)),
        Columns(("用途", "标签" if profile.role == "label" else "单据"), (8, 0)),
        Rule(),
        Text("下面两行应正好占满一行："),
        Text(tens),
        Text(units),
        Text(WIDTH_CHAR * (paper.columns // 2)),
        Rule(),
        Text("中文与标点（不应出现问号）："),
        Text(CHINESE_LINE),
        Text(WIDE_PUNCTUATION),
        Text("ASCII 0123456789 ABC xyz"),
        Rule(),
        Text("放大 2x2 倍：", bold=True),
        Text("放大中文", width=2, height=2),
        Text("宽 3 倍", width=3),
        Rule(),
        Text("条码 CODE128："),
        Barcode(code),
        Text("二维码 QR："),
        QRCode(code, size=6),
        Rule(),
        Text(f"{now:%Y-%m-%d %H:%M}", Align.CENTER),
        Feed(2),
        Cut(),
    )
    return Document("testpage", f"测试页 {profile.name}", blocks)


# Not a pytest test, even when a test module imports it by name.
setattr(test_page, "__test__", False)  # noqa: B010
