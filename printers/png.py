"""PNG preview of a document, dot for dot as a thermal printer lays it out.

One column is `paper.dots // paper.columns` dots (12 at both widths) and a line 24 dots plus
spacing, like the printer's 12x24 font; Chinese takes two columns. Enlarged text is scaled as
the printer scales it. The same images go to printers in raster mode (`printers.escpos`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw

from printers import layout
from printers.document import (
    DEFAULT_ENCODING,
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Paper,
    QRCode,
    Rule,
    Text,
    printed_width,
)
from printers.document import Image as ImageBlock
from printers.fonts import find_cjk_font, font, font_for
from printers.symbols import barcode_image, fit_image, qr_image

CELL_H = 24
#: Dots between lines, as the printer's default line spacing (30 dots a line at 203 dpi).
SPACING = 6
BASELINE = 20
#: White above and below a barcode or QR, in dots, so scanners and zbar find the edges.
SYMBOL_MARGIN = 12


def render_png(doc: Document, paper: Paper, encoding: str = DEFAULT_ENCODING) -> bytes:
    """The document as a PNG `paper.dots` wide; barcodes and QR codes in it decode."""
    buf = io.BytesIO()
    render_image(doc, paper, encoding).save(buf, "PNG")
    return buf.getvalue()


def render_image(doc: Document, paper: Paper, encoding: str = DEFAULT_ENCODING) -> Image.Image:
    """The document as one grayscale image, cuts shown as dashed lines."""
    return paint_blocks(doc.paper_blocks(), paper, encoding)


def paint_blocks(
    blocks: Sequence[Block], paper: Paper, encoding: str = DEFAULT_ENCODING, cut_marks: bool = True
) -> Image.Image:
    """Blocks as one grayscale image (raster printing paints the stretch between two cuts)."""
    return _stack(_Painter(paper, encoding).strips(blocks, cut_marks), paper)


def _stack(strips: Sequence[Image.Image], paper: Paper) -> Image.Image:
    out = Image.new("L", (paper.dots, max(1, sum(s.height for s in strips))), 255)
    y = 0
    for strip in strips:
        out.paste(strip, (0, y))
        y += strip.height
    return out


class _Painter:
    """Draws blocks as paper-wide strips, with the layout the printer uses."""

    def __init__(self, paper: Paper, encoding: str) -> None:
        self.paper = paper
        self.encoding = encoding
        self.cell_w = paper.dots // paper.columns
        self.font_path = find_cjk_font()

    def strips(self, blocks: Sequence[Block], cut_marks: bool) -> list[Image.Image]:
        out: list[Image.Image] = []
        columns = self.paper.columns
        for block in blocks:
            match block:
                case Text():
                    for line in layout.text_lines(block, columns, self.encoding):
                        used = printed_width(line, self.encoding) * block.width
                        offset = layout.aligned(used, columns, block.align)
                        out.append(self.line(line, offset, block.width, block.height, block.bold))
                case Columns():
                    for line in layout.column_lines(block, columns, self.encoding):
                        out.append(self.line(line, 0, 1, 1, block.bold))
                case Rule():
                    out.append(self.line(layout.rule_line(block, columns, self.encoding)))
                case Barcode():
                    out.append(self.blank(SYMBOL_MARGIN))
                    out.append(barcode_image(block.data, block.height, self.paper))
                    if block.human_readable:
                        offset = layout.aligned(len(block.data), columns, Align.CENTER)
                        out.append(self.line(block.data, offset))
                    out.append(self.blank(SYMBOL_MARGIN))
                case QRCode():
                    out.append(qr_image(block.data, block.size, self.paper))
                case ImageBlock():
                    out.append(fit_image(Image.open(io.BytesIO(block.png)), self.paper))
                case Feed():
                    if block.lines:
                        out.append(self.blank((CELL_H + SPACING) * block.lines))
                case Cut():
                    if cut_marks:
                        out.append(self.cut_mark())
        return out

    def blank(self, height: int) -> Image.Image:
        return Image.new("L", (self.paper.dots, height), 255)

    def line(
        self, text: str, offset: int = 0, width: int = 1, height: int = 1, bold: bool = False
    ) -> Image.Image:
        """One printed line; `offset` in columns, `width`/`height` the size multipliers."""
        strip = self.blank(CELL_H * height + SPACING)
        x = offset * self.cell_w
        for char in text:
            cols = 1 if char < "\x80" else 2
            if char != " ":
                glyph = _glyph(self.font_path, char, cols * self.cell_w, width, height, bold)
                strip.paste(0, (x, 0, x + glyph.width, glyph.height), glyph)
            x += cols * self.cell_w * width
        return strip

    def cut_mark(self) -> Image.Image:
        strip = self.blank(CELL_H)
        draw = ImageDraw.Draw(strip)
        for x in range(0, self.paper.dots, 16):
            draw.line((x, CELL_H // 2, x + 8, CELL_H // 2), fill=128, width=2)
        return strip


@lru_cache(maxsize=8192)
def _glyph(path: str, char: str, cell_w: int, width: int, height: int, bold: bool) -> Image.Image:
    """The ink of one character as a mask (255 = black) filling its cell, printer-scaled."""
    scale = max(width, height)
    box_w, box_h = cell_w * scale, (CELL_H + SPACING) * scale
    face = font(font_for(path, char), CELL_H * scale)
    stroke = scale if bold else 0
    # A proportional Latin glyph can be wider than its 12-dot cell: draw it, then squeeze.
    draw_w = max(box_w, math.ceil(face.getlength(char)) + 2 * stroke)
    mask = Image.new("L", (draw_w, box_h), 0)
    ImageDraw.Draw(mask).text(
        (draw_w / 2, BASELINE * scale),
        char,
        font=face,
        fill=255,
        anchor="ms",
        stroke_width=stroke,
        stroke_fill=255,
    )
    target = (cell_w * width, (CELL_H + SPACING) * height)
    if mask.size != target:
        mask = mask.resize(target, Image.Resampling.BILINEAR)
    return mask
