"""ESC/POS bytes for a document, through python-escpos's `Dummy` printer.

python-escpos 3.1 sends Chinese as GB18030 without switching the printer into Chinese mode,
and punctuation-only text comes out as `????` (PITFALLS). So Chinese goes its own way here:
`FS &`, the line encoded in the printer's encoding (gbk or gb18030), `FS .`. Enlarged text
uses `GS !`, which enlarges Chinese too (`ESC !` often does not). Printers without a Chinese
font get every page as one raster image (`chinese = "raster"`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image as PILImage

from printers import layout
from printers._escpos import QR_ECLEVEL_M, Dummy
from printers.code128 import code128_modules, escpos_code128
from printers.document import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    Paper,
    QRCode,
    Rule,
    Text,
)
from printers.png import SYMBOL_MARGIN, paint_blocks
from printers.profile import PrinterProfile
from printers.symbols import barcode_image, fit_image, qr_image

INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"
CHINESE_OFF = b"\x1c."
#: Native CODE128 module widths a printer accepts (GS w).
MODULE_WIDTHS = range(2, 4)


def render_escpos(doc: Document, paper: Paper, profile: PrinterProfile) -> bytes:
    """The bytes that print `doc` on `paper` with this printer's encoding and modes."""
    job = _Job(paper, profile)
    if profile.chinese == "raster":
        job.raster(doc.paper_blocks())
    else:
        for block in doc.paper_blocks():
            job.block(block)
    return job.printer.output


def _printer(paper: Paper) -> Dummy:
    printer = Dummy()
    # The default profile's paper width is "Unknown": image() would print a warning to stdout.
    data = dict(printer.profile.profile_data)
    data["media"] = {"width": {"pixels": paper.dots}, "dpi": 203}
    printer.profile.profile_data = data
    return printer


class _Job:
    """One document's bytes, sending style changes only when the style changes."""

    def __init__(self, paper: Paper, profile: PrinterProfile) -> None:
        self.paper = paper
        self.profile = profile
        self.encoding = profile.encoding
        self.printer = _printer(paper)
        self.printer._raw(INIT)
        self.align = Align.LEFT
        self.bold = False
        self.size = (1, 1)

    def style(
        self, align: Align = Align.LEFT, bold: bool = False, size: tuple[int, int] = (1, 1)
    ) -> None:
        if align is not self.align:
            self.printer.set(align=align.value)
            self.align = align
        if bold != self.bold:
            self.printer.set(bold=bold)
            self.bold = bold
        if size != self.size:
            self.printer.set(custom_size=True, width=size[0], height=size[1])
            self.size = size

    def line(self, text: str) -> None:
        """One printed line; the layout made it printable in this encoding already."""
        if text.isascii():
            # Straight to bytes: python-escpos's code page guessing costs ~0.1 ms a document.
            self.printer._raw(text.encode("ascii") + b"\n")
        else:
            self.printer._raw(CHINESE_ON + text.encode(self.encoding) + CHINESE_OFF + b"\n")

    def block(self, block: Block) -> None:
        columns = self.paper.columns
        match block:
            case Text():
                self.style(block.align, block.bold, (block.width, block.height))
                for line in layout.text_lines(block, columns, self.encoding):
                    self.line(line)
            case Columns():
                self.style(bold=block.bold)
                for line in layout.column_lines(block, columns, self.encoding):
                    self.line(line)
            case Rule():
                self.style()
                self.line(layout.rule_line(block, columns, self.encoding))
            case Barcode():
                self.barcode(block)
            case QRCode():
                self.qr(block)
            case Image():
                self.style()
                self.image(fit_image(PILImage.open(io.BytesIO(block.png)), self.paper))
            case Feed():
                if block.lines:
                    self.printer.print_and_feed(block.lines)
            case Cut():
                self.printer.cut()

    def barcode(self, block: Barcode) -> None:
        self.feed_dots(SYMBOL_MARGIN)
        # Code sets B and C as in the image; no quiet zone inside the 384/576 dots: the
        # unprinted paper margin (4-5 mm) is one.
        modules = len(code128_modules(block.data))
        width = max((w for w in MODULE_WIDTHS if modules * w <= self.paper.dots), default=0)
        if self.profile.barcodes == "native" and width:
            self.style(Align.CENTER)
            self.printer._hw_barcode(
                escpos_code128(block.data),
                "CODE128",
                height=block.height,
                width=width,
                pos="BELOW" if block.human_readable else "OFF",
                align_ct=True,
                function_type="B",
            )
        else:
            # Too long for native bars on this paper, or the printer wants images.
            self.style()
            self.image(barcode_image(block.data, block.height, self.paper))
            if block.human_readable:
                self.style(Align.CENTER)
                self.line(block.data)
        self.feed_dots(SYMBOL_MARGIN)

    def qr(self, block: QRCode) -> None:
        if self.profile.barcodes == "native":
            self.style(Align.CENTER)
            self.feed_dots(4 * block.size)
            self.printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.size, native=True)
            self.feed_dots(4 * block.size)
        else:
            self.style()
            self.image(qr_image(block.data, block.size, self.paper))

    def feed_dots(self, dots: int) -> None:
        self.printer._raw(b"\x1bJ" + bytes((min(dots, 255),)))

    def image(self, image: PILImage.Image) -> None:
        """A grayscale paper-wide image as `GS v 0` raster, thresholded (no dithering)."""
        bw = image.point(lambda v: 255 if v >= 128 else 0)
        self.printer.image(bw, impl="bitImageRaster", center=False)

    def raster(self, blocks: Sequence[Block]) -> None:
        """Every stretch between cuts as one image: for printers without a Chinese font."""
        stretch: list[Block] = []
        for block in blocks:
            if isinstance(block, Cut):
                if stretch:
                    self.image(paint_blocks(stretch, self.paper, self.encoding, cut_marks=False))
                self.printer.cut()
                stretch = []
            else:
                stretch.append(block)
        if stretch:
            self.image(paint_blocks(stretch, self.paper, self.encoding, cut_marks=False))
