"""Plain-text rendering: what the paper shows, line by line (previews, golden tests).

Every line is at most `paper.columns` printed columns (a Chinese character counts two).
Enlarged text is spread out as it prints: each character followed by the blank columns its
enlargement takes, so columns line up with the paper. Barcodes, QR codes and pictures show as
bracketed lines, cuts as a marked line.
"""

from __future__ import annotations

import struct

from printers import layout
from printers.document import (
    DEFAULT_ENCODING,
    Align,
    Barcode,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    Paper,
    QRCode,
    Rule,
    Text,
    fit,
    printed_width,
    wrap,
)


def render_text(doc: Document, paper: Paper, encoding: str = DEFAULT_ENCODING) -> str:
    """The document as text, one printed line per line, trailing spaces stripped."""
    columns = paper.columns
    lines: list[str] = []
    for block in doc.paper_blocks():
        match block:
            case Text():
                for line in layout.text_lines(block, columns, encoding):
                    used = printed_width(line, encoding) * block.width
                    pad = " " * layout.aligned(used, columns, block.align)
                    lines.append(pad + _spread(line, block.width))
            case Columns():
                lines.extend(layout.column_lines(block, columns, encoding))
            case Rule():
                lines.append(layout.rule_line(block, columns, encoding))
            case Barcode():
                lines.extend(_centred(f"[CODE128 {block.data}]", columns))
            case QRCode():
                lines.extend(_centred(f"[QR {block.data}]", columns))
            case Image():
                lines.extend(_centred(_image_label(block.png), columns))
            case Feed():
                lines.extend([""] * block.lines)
            case Cut():
                lines.append(fit("[cut]", columns, Align.CENTER).replace(" ", "~"))
    return "".join(line.rstrip(" ") + "\n" for line in lines)


def _spread(line: str, width: int) -> str:
    """Enlarged text as it sits on paper: a character, then the columns its width adds."""
    if width == 1:
        return line
    return "".join(c + " " * ((width - 1) * (1 if c < "\x80" else 2)) for c in line)


def _centred(text: str, columns: int) -> list[str]:
    return [fit(line, columns, Align.CENTER) for line in wrap(text, columns)]


def _image_label(png: bytes) -> str:
    # The IHDR chunk right after the signature holds width and height: no Pillow needed.
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        width, height = struct.unpack(">II", png[16:24])
        return f"[image {width}x{height}]"
    return "[image]"
