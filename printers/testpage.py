"""The test page a technician prints when setting up a printer (`picker printers test NAME`).

Each line checks one thing that goes wrong on cheap thermal printers: the column count of the
paper, the Chinese encoding (punctuation that becomes `?`, `·—℃` taking two columns), whether
the font has characters outside GB2312 (names like 赟 and 堃 are in GBK but missing from many
cheap fonts) and, on a GB18030 printer, four-byte ones (𠮷), whether `GS !` enlarges Chinese,
and whether barcodes and QR codes print and scan. When the font lacks characters the page says
how to print through an image instead (`chinese = "raster"`).
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
#: Characters of names that GBK has and GB2312 lacks: fonts that stop at GB2312 lose them.
BEYOND_GB2312 = "赟 喆 堃 镕"
#: Four bytes in GB18030 (extension B, extension A): only a GB18030 printer has them.
GB18030_ONLY = "𠮷 㐀"
#: What to do when the lines above come out wrong (`chinese` is a printer setting); the
#: setting has a line of its own so that it never wraps.
RASTER_HINT = (
    "以上有缺字、方框或乱码时，在 picker.toml 本打印机的设置中改为按图像打印：",
    'chinese = "raster"',
)


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
    gb18030 = (Text(f"GB18030 四字节：{GB18030_ONLY}"),) if profile.encoding == "gb18030" else ()
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
        Text(f"GB2312 以外：{BEYOND_GB2312}"),
        *gb18030,
        Text(RASTER_HINT[0]),
        Text(RASTER_HINT[1], bold=True),
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
