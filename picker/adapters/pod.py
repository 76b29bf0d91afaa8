"""Reading the code on a photo of a signed manifest (proof of delivery). Pillow + pyzbar, no db.

A phone photo is not a scan: it is large or tiny, tilted, blurred, unevenly lit, sometimes
noisy. zbar alone reads a clean, upright, well-sized code. `decode_symbols` therefore tries
a sequence of cheap variants of the image, the likely ones first, and stops at the first one
that yields a code the caller accepts: grayscale on white, a white border (zbar needs a quiet
zone), sharpening and contrast, scales down and up, global and local (shadow-proof) thresholds,
small and right-angle rotations (they matter for 1-D codes; QR is read at any angle), and the
inverted image (white-on-black codes). A photo with no code costs every attempt (`PLAN`):
~0.1 s for a small image, 1-4 s for a phone photo, never more than `BUDGET_S`.

zbar guesses the text encoding of a QR without an ECI marker; our payloads are ASCII
(`picker.domain.ids.manifest_id`), so that guess never matters here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar
from pyzbar.wrapper import ZBarSymbol

from picker.domain.ids import parse_manifest_id
from picker.errors import InputError
from picker.i18n import _

#: What a manifest carries: a QR of its id; Code128 too, in case a layout prints one.
MANIFEST_SYMBOLS: tuple[ZBarSymbol, ...] = (ZBarSymbol.QRCODE, ZBarSymbol.CODE128)
#: Variants are never made larger than this (pixels on the long side): zbar's time grows
#: with the area and a code that needs more is not on the photo.
MAX_SIDE = 1600
#: A photo larger than this is first tried as it is, then worked on at this size.
WORK_SIDE = 1280
#: Variants smaller than this on the short side are skipped.
MIN_SIDE = 80

#: Seconds one photo may take before giving up: a person waits for the answer. A phone photo
#: with no code takes about 4 s on one core; the shared test images 0.1-3 s.
BUDGET_S = 10.0

#: Rotations in degrees, for 1-D codes (zbar reads QR at any angle; 180 and 270 add nothing
#: to 0 and 90, as zbar scans rows and columns both ways).
ANGLES = (5, -5, 10, -10, 15, -15, 90)


@dataclass(frozen=True, slots=True)
class Symbol:
    """One decoded code: its bytes as zbar gives them and its symbology."""

    data: bytes
    kind: str

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Decoding:
    """What a photo gave: the symbols of the first accepted attempt, or every symbol seen."""

    symbols: tuple[Symbol, ...]
    #: The attempt that was accepted ("" when none was): which variant helped.
    attempt: str
    attempts: int
    seconds: float

    @property
    def accepted(self) -> bool:
        return bool(self.attempt)

    @property
    def payloads(self) -> list[str]:
        return [s.text for s in self.symbols]


def open_image(image: str | Path | Image.Image) -> Image.Image:
    """The image, upright as the phone held it (EXIF orientation). InputError if unreadable."""
    if isinstance(image, Image.Image):
        return ImageOps.exif_transpose(image)
    try:
        with Image.open(image) as opened:
            opened.load()
            return ImageOps.exif_transpose(opened)
    except FileNotFoundError:
        raise InputError(_("no such file")) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(_("not an image: {error}", error=exc)) from None


def grayscale(image: Image.Image) -> Image.Image:
    """8-bit gray; transparent pixels become white (a PNG preview has a transparent page)."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, "white")
        page.alpha_composite(rgba)
        image = page
    return image.convert("L")


def with_border(image: Image.Image) -> Image.Image:
    """A white margin: a code cropped at the photo's edge lacks the quiet zone zbar needs."""
    pad = max(8, min(image.size) // 10)
    return ImageOps.expand(image, pad, fill=255)


def scaled(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    method = Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC
    return image.resize(size, method)


def rotated(image: Image.Image, degrees: float) -> Image.Image:
    if degrees % 90 == 0:
        return image.rotate(degrees, expand=True)
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def otsu_threshold(image: Image.Image) -> Image.Image:
    """Black and white at the level that best splits the histogram (Otsu)."""
    hist = image.histogram()
    total = sum(hist)
    weighted = sum(i * n for i, n in enumerate(hist))
    below = below_weighted = 0
    best, level = -1.0, 127
    for i, n in enumerate(hist):
        below += n
        if below == 0:
            continue
        above = total - below
        if above == 0:
            break
        below_weighted += i * n
        spread = below * above * (below_weighted / below - (weighted - below_weighted) / above) ** 2
        if spread > best:
            best, level = spread, i
    return image.point(lambda p: 255 if p > level else 0)


def local_threshold(image: Image.Image, offset: int = 8) -> Image.Image:
    """Black where a pixel is darker than its neighbourhood: a shadow across the page stays
    white, which one global level cannot do."""
    radius = max(4, min(image.size) // 16)
    local = image.filter(ImageFilter.BoxBlur(radius))
    darker = ImageChops.subtract(local, image)
    return darker.point(lambda d: 0 if d > offset else 255)


def smoothed_threshold(image: Image.Image) -> Image.Image:
    """Grain (a dim photo's sensor noise) smoothed away before the local threshold."""
    return local_threshold(image.filter(ImageFilter.GaussianBlur(1)))


def deblurred(image: Image.Image) -> Image.Image:
    """Out of focus: grain smoothed, then edges pushed hard (an unsharp mask wider than the
    blur), then the local threshold decides black and white."""
    soft = image.filter(ImageFilter.GaussianBlur(1))
    return local_threshold(soft.filter(ImageFilter.UnsharpMask(radius=3, percent=300, threshold=0)))


def despeckled_threshold(image: Image.Image) -> Image.Image:
    """Specks removed before the local threshold; edges stay sharper than with smoothing."""
    return local_threshold(image.filter(ImageFilter.MedianFilter(3)))


#: What can be done to a grayscale image before zbar looks at it.
ENHANCEMENTS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "plain": lambda im: im,
    "sharpen": lambda im: im.filter(ImageFilter.SHARPEN),
    "sharpen2": lambda im: im.filter(ImageFilter.SHARPEN).filter(ImageFilter.SHARPEN),
    "autocontrast": lambda im: ImageOps.autocontrast(im, cutoff=2),
    "threshold": otsu_threshold,
    "local-threshold": local_threshold,
    "smooth-threshold": smoothed_threshold,
    "despeckle-threshold": despeckled_threshold,
    "deblur": deblurred,
}


@dataclass(frozen=True, slots=True)
class Step:
    """One variant: the working image scaled, enhanced, turned, perhaps inverted, bordered."""

    scale: float
    enhance: str
    angle: int = 0
    inverted: bool = False

    @property
    def name(self) -> str:
        turned = f" rotate {self.angle}" if self.angle else ""
        return f"x{self.scale:g} {self.enhance}{turned}" + (" inverted" if self.inverted else "")


#: The variants in the order they are tried, after the photo as it is. Chosen on the shared
#: corpus and on rendered manifests photographed badly (tests/test_pod.py): each line rescued
#: photos the lines before it could not read; the rest is ordered by cost.
PLAN: tuple[Step, ...] = (
    # Gray on white with a quiet zone, then each cheap fix for contrast, focus and lighting.
    *(
        Step(1, e)
        for e in ("plain", "sharpen", "autocontrast", "threshold", "local-threshold", "deblur")
    ),
    *(Step(1, e) for e in ("sharpen2", "smooth-threshold")),
    Step(1, "plain", inverted=True),
    Step(1, "threshold", inverted=True),
    # A code too small for zbar's finder patterns: larger, where smoothing works best.
    *(
        Step(f, e)
        for f in (1.5, 2, 3)
        for e in (
            "plain",
            "sharpen",
            "threshold",
            "local-threshold",
            "deblur",
            "despeckle-threshold",
        )
    ),
    # A blurred or grainy code gets crisper when smaller.
    *(Step(f, e) for f in (0.5, 0.75) for e in ("plain", "sharpen", "threshold")),
    # zbar reads 1-D codes along rows and columns: a tilted one needs turning back.
    *(Step(f, e, a) for a in ANGLES for f, e in ((1, "sharpen"), (1.5, "plain"))),
    # White on black (a negative, a screen): zbar wants dark bars on light.
    *(
        Step(f, e, inverted=True)
        for f in (0.5, 0.75, 1.5)
        for e in ("plain", "threshold", "autocontrast")
    ),
)


def variants(image: Image.Image) -> Iterator[tuple[str, Image.Image]]:
    """(name, image) to try, likely first. Lazy: each is made only if the last one failed."""
    gray = grayscale(image)
    yield "as-is", gray
    if max(gray.size) > WORK_SIDE:
        gray = scaled(gray, WORK_SIDE / max(gray.size))
    sizes: dict[float, Image.Image] = {1: gray}
    for step in PLAN:
        if step.scale not in sizes:
            if max(gray.size) * step.scale > MAX_SIDE or min(gray.size) * step.scale < MIN_SIDE:
                continue
            sizes[step.scale] = scaled(gray, step.scale)
        picture = ENHANCEMENTS[step.enhance](sizes[step.scale])
        if step.inverted:
            picture = ImageOps.invert(picture)
        picture = with_border(picture)
        yield step.name, rotated(picture, step.angle) if step.angle else picture


def zbar(image: Image.Image, symbols: Sequence[ZBarSymbol] | None = None) -> list[Symbol]:
    """One plain zbar pass, as `pyzbar.decode` does it."""
    found = pyzbar.decode(image, symbols=list(symbols) if symbols else None)
    return [Symbol(bytes(d.data), str(d.type)) for d in found]


def decode_symbols(
    image: str | Path | Image.Image,
    *,
    symbols: Sequence[ZBarSymbol] | None = None,
    accept: Callable[[Symbol], bool] | None = None,
    budget_s: float | None = BUDGET_S,
) -> Decoding:
    """Every code zbar can read on a photo, trying variants until one gives an accepted code.

    `symbols` limits the symbologies (all by default); `accept` says which symbols end the
    search (any, by default). When no attempt is accepted, every symbol seen is returned
    with `attempt == ""`. After `budget_s` seconds no further variant is tried.
    """
    started = time.perf_counter()
    picture = open_image(image)
    seen: dict[bytes, Symbol] = {}
    attempts = 0
    for name, variant in variants(picture):
        if budget_s is not None and attempts and time.perf_counter() - started > budget_s:
            break
        attempts += 1
        found = zbar(variant, symbols)
        if found and (accept is None or any(accept(s) for s in found)):
            unique = tuple({s.data: s for s in found}.values())
            return Decoding(unique, name, attempts, time.perf_counter() - started)
        for s in found:
            seen.setdefault(s.data, s)
    return Decoding(tuple(seen.values()), "", attempts, time.perf_counter() - started)


def is_manifest(symbol: Symbol) -> bool:
    return parse_manifest_id(symbol.text.strip()) is not None


def decode_manifest_qr(image: str | Path | Image.Image) -> list[str]:
    """The payloads read from a photo of a signed manifest; a manifest id ends the search.

    Codes that are not manifest ids (a payment QR on the same table) are returned too, so
    the caller can say what was read. An empty list: nothing readable at all.
    """
    decoding = decode_symbols(image, symbols=MANIFEST_SYMBOLS, accept=is_manifest)
    return decoding.payloads
