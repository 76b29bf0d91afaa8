"""Barcodes and QR codes as paper-wide images, centred with wide quiet zones.

Used by the PNG preview and by printers configured with `barcodes = "image"`. No font
needed: the human-readable line under a barcode is drawn (or printed) as text by the caller.
"""

from __future__ import annotations

import qrcode  # a dependency of python-escpos
from PIL import Image

from printers.code128 import code128_modules
from printers.document import Paper

MIN_MARGIN = 8


def barcode_image(data: str, height: int, paper: Paper) -> Image.Image:
    """CODE128 bars, paper-wide ("L", white 255), module width as large as the paper allows
    (at most 3 dots). Raises ValueError if even 1-dot modules do not fit."""
    modules = code128_modules(data)
    # Wide modules print and scan better than a full quiet zone inside the paper: the
    # unprinted margin of the roll adds 4-5 mm, and zbar reads previews with 8 dots.
    module = min(3, (paper.dots - 2 * MIN_MARGIN) // len(modules))
    if module < 1:
        raise ValueError(
            f"barcode {data!r} needs {len(modules)} dots, more than {paper.name} paper has"
        )
    bars = Image.new("L", (len(modules), 1), 255)
    bars.putdata([0 if m == "1" else 255 for m in modules])
    bars = bars.resize((len(modules) * module, height), Image.Resampling.NEAREST)
    out = Image.new("L", (paper.dots, height), 255)
    out.paste(bars, ((paper.dots - bars.width) // 2, 0))
    return out


def qr_image(data: str, size: int, paper: Paper) -> Image.Image:
    """QR (error correction M), `size` dots a module or less to fit, 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    module = min(size, paper.dots // (n + 8))
    if module < 1:
        raise ValueError(f"QR code of {len(data)} characters does not fit {paper.name} paper")
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if cell else 255 for row in matrix for cell in row])
    side = n * module
    big = small.resize((side, side), Image.Resampling.NEAREST)
    quiet = 4 * module
    out = Image.new("L", (paper.dots, side + 2 * quiet), 255)
    out.paste(big, ((paper.dots - side) // 2, quiet))
    return out


def fit_image(image: Image.Image, paper: Paper) -> Image.Image:
    """A picture as a paper-wide grayscale strip: transparency on white, scaled down, centred."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
        flat.alpha_composite(image)
        image = flat
    gray = image.convert("L")
    if gray.width > paper.dots:
        gray = gray.resize(
            (paper.dots, max(1, round(gray.height * paper.dots / gray.width))),
            Image.Resampling.LANCZOS,
        )
    out = Image.new("L", (paper.dots, gray.height), 255)
    out.paste(gray, ((paper.dots - gray.width) // 2, 0))
    return out
