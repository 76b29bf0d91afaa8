"""Finding a font with Chinese glyphs for the PNG preview and for raster printing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache

from PIL import ImageFont

from printers.errors import FontMissing
from printers.i18n import _

#: Tried in order after `PICKER_CJK_FONT`: Debian/Ubuntu, Fedora/Arch, macOS, Windows.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


def find_cjk_font(known: Sequence[str] = KNOWN_FONTS, fontconfig: bool = True) -> str:
    """Path of a font that really draws Chinese: `PICKER_CJK_FONT`, the known paths, then
    `fc-list :lang=zh`. Raises `FontMissing` naming the package to install."""
    found = _search(os.environ.get("PICKER_CJK_FONT", ""), tuple(known), fontconfig)
    if found is None:
        raise FontMissing(
            _(
                "no Chinese font found for previews and raster printers; install one "
                "(apt-get install fonts-wqy-microhei) or set PICKER_CJK_FONT to a .ttf/.ttc file"
            )
        )
    return found


@cache
def _search(override: str, known: tuple[str, ...], fontconfig: bool) -> str | None:
    for path in (override, *known):
        if path and os.path.isfile(path) and draws_chinese(path):
            return path
    if fontconfig and shutil.which("fc-list"):
        # fc-match :lang=zh happily answers DejaVu; fc-list only lists fonts covering zh.
        try:
            listed = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        for line in sorted(listed.splitlines()):
            path = line.strip().rstrip(":").strip()
            if path and draws_chinese(path):
                return path
    return None


def draws_chinese(path: str) -> bool:
    """Whether the font has real glyphs for Chinese (two missing glyphs look the same)."""
    try:
        font = ImageFont.truetype(path, 24)
        return bytes(font.getmask("汉")) != bytes(font.getmask("字"))
    except OSError:
        return False


@cache
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


#: Tried for a character the Chinese font lacks (wqy-microhei has no ℃), before fc-match.
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
)


@cache
def font_for(primary: str, char: str) -> str:
    """The font to draw `char` with: `primary` if it has the glyph, else a fallback that has
    it, else `primary` (the preview then shows the gap the printer would not)."""
    if has_glyph(primary, char):
        return primary
    for path in (*FALLBACK_FONTS, _fc_match(char)):
        if path and os.path.isfile(path) and has_glyph(path, char):
            return path
    return primary


def has_glyph(path: str, char: str) -> bool:
    """Whether the font draws `char` with ink, and not as its missing-glyph box."""
    face = font(path, 24)
    mask = bytes(face.getmask(char))
    return any(mask) and mask != bytes(face.getmask("\U0010fffd"))


def _fc_match(char: str) -> str:
    if not shutil.which("fc-match"):
        return ""
    try:
        return subprocess.run(
            ["fc-match", "-f", "%{file}", f":charset={ord(char):x}"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
