"""Printing: column arithmetic, text/PNG/ESC-POS renderers, printer config, transports.

Golden text renders and ESC/POS bytes live in tests/golden/printers/ (regenerate with
PICKER_UPDATE_GOLDEN=1 and review the diff). PNG barcodes are decoded back with pyzbar. The
network printer is a socket server on 127.0.0.1.
"""

from __future__ import annotations

import ast
import io
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pyzbar.pyzbar import decode

from printers import testpage
from printers.code128 import code128_runs, escpos_code128
from printers.document import (
    PAPER_58,
    PAPER_80,
    PAPERS,
    REPLACEMENT,
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
    printable,
    printed_width,
    wrap,
)
from printers.errors import FontMissing, PrinterConfigError, PrinterError, PrinterUnavailable
from printers.escpos import render_escpos
from printers.fonts import find_cjk_font
from printers.png import render_png
from printers.profile import PrinterProfile, parse_printers, printer_for
from printers.text import render_text
from printers.transport import Connection, open_transport, parse_connection

GOLDEN = Path(__file__).parent / "golden" / "printers"
ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2022, 4, 12, 8, 15)
BAG_ID = "BG20220412000001-2"
MANIFEST_ID = "MF-XY01-20220412-1"
FS_ON, FS_OFF = b"\x1c&", b"\x1c."
PUNCTUATION = "，：（）￥"


def check_golden(name: str, actual: str | bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("PICKER_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(actual, bytes):
            path.write_bytes(actual)
        else:
            path.write_text(actual, encoding="utf-8")
    expected = path.read_bytes() if isinstance(actual, bytes) else path.read_text("utf-8")
    assert actual == expected, f"{name} differs from the golden file (PICKER_UPDATE_GOLDEN=1)"


def profile(**kw: object) -> PrinterProfile:
    return PrinterProfile("label1", "network:127.0.0.1:9100", **kw)  # type: ignore[arg-type]


def sample_label(reprint: bool = False) -> Document:
    """A bag label like P2's: a long committee and address that must wrap on 58 mm."""
    return Document(
        "label",
        "标签 " + BAG_ID,
        (
            Text("盈浦街道航运新村第二居民委员会", Align.CENTER, bold=True, width=2, height=2),
            Text("青浦区盈浦街道航运路5弄航运新村小区东区12号楼2单元301室（近北门·快递柜旁）"),
            Text("张*明  138****5678", bold=True),
            Columns(("共 5 件", "第 1/2 袋"), (0, 0), (Align.LEFT, Align.RIGHT)),
            Text("缺货：鸡蛋 30枚 ×1 退￥32.00", bold=True),
            Barcode(BAG_ID),
            Text("2022-04-12 08:15", Align.CENTER),
            Cut(),
        ),
        reprint=reprint,
    )


def sample_manifest(rows: int = 6) -> Document:
    header = Columns(("楼-单元-室", "收货人", "袋", "件"), (10, 0, 3, 3), (), bold=True)
    lines = tuple(
        Columns(
            (f"{12 + i // 4}-{i % 2 + 1}-{301 + i}", "欧阳*华" if i % 3 else "张*明", "2", "7"),
            (10, 0, 3, 3),
            (Align.LEFT, Align.LEFT, Align.RIGHT, Align.RIGHT),
        )
        for i in range(rows)
    )
    return Document(
        "manifest",
        "交接清单 航运新村",
        (
            Text("交接清单", Align.CENTER, bold=True, width=2, height=2),
            Columns(("居委", "盈浦街道航运新村第二居民委员会（航运路5弄）"), (6, 0)),
            Columns(("联系人", "李梅 139****2222"), (6, 0)),
            Rule("="),
            header,
            Rule(),
            *lines,
            Rule(),
            Columns(("合计", f"{rows} 户", f"{rows * 2} 袋"), (0, 8, 8), (), bold=True),
            Text("缺货退款：￥64.00"),
            Feed(1),
            Text("接收人签字：__________"),
            QRCode(MANIFEST_ID),
            Cut(),
        ),
    )


# Column arithmetic


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("ABC 123", 7),
        ("青平居委", 8),
        ("·—℃", 6),  # a terminal shows 3 columns; the printer prints 6
        ("￥38.80", 7),
        ("¥38.80", 7),  # converted to ￥: 2 columns, not 4 bytes of garbage
        ("a\u00a0b\tc", 5),
        ("张\u200b明", 4),
        ("🍅番茄", 6),  # the emoji becomes □
        ("", 0),
    ],
)
def test_printed_width_counts_printer_bytes(text: str, width: int) -> None:
    assert printed_width(text) == width
    assert printed_width(text, "gbk") == width


def test_printable_never_makes_question_marks() -> None:
    assert printable("¥12") == "￥12"
    assert printable("🍅番茄") == REPLACEMENT + "番茄"
    assert printable("价格€1", "gbk") == "价格" + REPLACEMENT + "1"
    assert printable("价格€1", "gb18030") == "价格€1"
    assert "?" not in printable("𠮷野家 \x07 ok", "gbk")


@pytest.mark.parametrize("width", [8, 9, 16, 31, 32, 48])
def test_wrap_keeps_every_line_within_the_width(width: int) -> None:
    text = (
        "上海市青浦区夏阳街道青平路88弄青平小区12号楼2单元301室，联系人：张*明 "
        "138****5678，4℃·冷藏—请尽快取货。Order BG20220412000001-2 ok"
    )
    lines = wrap(text, width)
    assert all(printed_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[:1] in "，。：）" for line in lines), lines


def test_wrap_breaks_at_spaces_and_between_chinese_not_inside_words() -> None:
    assert wrap("hello world again", 11) == ["hello world", "again"]
    assert wrap("青平居委青平居委", 8) == ["青平居委", "青平居委"]
    assert wrap("青平居委 BG-0001", 12) == ["青平居委", "BG-0001"]
    # Odd width: a 2-column character never straddles the edge.
    assert wrap("青平居委", 5) == ["青平", "居委"]
    # Closing punctuation takes the previous character along rather than start a line.
    assert wrap("青平居委，好", 8) == ["青平居", "委，好"]
    assert wrap("ABCDEFGHIJ", 4) == ["ABCD", "EFGH", "IJ"]
    assert wrap("一\n二", 8) == ["一", "二"]
    with pytest.raises(ValueError):
        wrap("青", 1)


def test_fit_pads_and_cuts_to_exact_columns() -> None:
    assert fit("张*明", 8) == "张*明   "
    assert fit("张*明", 8, Align.RIGHT) == "   张*明"
    assert fit("3袋", 6, Align.CENTER) == " 3袋  "
    assert fit("青平居委", 5) == "青平 "  # cut between characters, padded
    for text in ("·—℃", "青平居委航运新村", "abc", ""):
        for width in range(0, 12):
            assert printed_width(fit(text, width)) == width


def test_blocks_refuse_what_cannot_print() -> None:
    with pytest.raises(ValueError):
        Barcode("袋1")
    with pytest.raises(ValueError):
        QRCode("清单")
    with pytest.raises(ValueError):
        Text("x", width=9)
    with pytest.raises(ValueError):
        Columns(("a", "b"), (4,))
    doc = Document("x", "x", (Columns(("a", "b"), (20, 20)),))
    with pytest.raises(ValueError, match="do not fit"):
        render_text(doc, PAPER_58)
    assert PAPERS["80"] is PAPER_80


# Text render


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
@pytest.mark.parametrize("doc", [sample_label(), sample_manifest()], ids=["label", "manifest"])
def test_text_render_golden(doc: Document, paper: Paper) -> None:
    text = render_text(doc, paper)
    assert all(printed_width(line) <= paper.columns for line in text.splitlines())
    check_golden(f"{doc.kind}_{paper.columns}.txt", text)


def test_enlarged_text_uses_its_width_in_the_column_budget() -> None:
    doc = Document("x", "x", (Text("航运新村第二居民委员会", width=2),))
    lines = render_text(doc, PAPER_58).splitlines()
    # 16 columns of budget at 2x: 8 characters a line, each followed by its 2 extra columns.
    assert lines[0] == "航  运  新  村  第  二  居  民"
    assert printed_width(lines[0].rstrip() + "  ") == 32


def test_reprint_prints_a_banner() -> None:
    assert "补" in render_text(sample_label(reprint=True), PAPER_58).splitlines()[0]
    assert "补" not in render_text(sample_label(), PAPER_58)


# ESC/POS


def split_chinese(data: bytes) -> tuple[bytes, list[bytes]]:
    """(bytes outside FS & ... FS ., the segments inside)."""
    outside, inside = bytearray(), []
    rest = data
    while (start := rest.find(FS_ON)) >= 0:
        end = rest.find(FS_OFF, start)
        assert end > start, "FS & without FS ."
        outside += rest[:start]
        inside.append(rest[start + 2 : end])
        rest = rest[end + 2 :]
    return bytes(outside + rest), inside


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_escpos_chinese_is_inside_fs_and_in_the_configured_encoding(encoding: str) -> None:
    line = "退款：鸡蛋（30枚）￥32.00，€1 ¥2"
    doc = Document("x", "x", (Text(line), Text("ASCII only")))
    out = render_escpos(doc, PAPER_80, profile(paper=PAPER_80, encoding=encoding))
    outside, inside = split_chinese(out)
    assert all(b < 0x80 for b in outside), "a non-ASCII byte outside FS & ... FS ."
    assert [s.decode(encoding) for s in inside] == [printable(line, encoding)]
    for char in PUNCTUATION:
        assert char.encode(encoding) in inside[0]
    euro = "€".encode("gb18030") if encoding == "gb18030" else REPLACEMENT.encode("gbk")
    assert euro in inside[0]
    assert b"?" not in out
    assert b"ASCII only\n" in outside
    assert out.startswith(b"\x1b@")


def test_gb18030_sends_the_four_byte_surname_and_gbk_marks_it_missing() -> None:
    line = "收货人：𠮷*明 㐀 🍅"
    doc = Document("x", "x", (Text(line),))
    wide = render_escpos(doc, PAPER_58, profile(encoding="gb18030"))
    (inside,) = split_chinese(wide)[1]
    assert "𠮷".encode("gb18030") in inside and "㐀".encode("gb18030") in inside
    assert inside.decode("gb18030") == "收货人：𠮷*明 㐀 " + REPLACEMENT  # an emoji is no letter
    # Four bytes, one double-width cell on paper: the columns count it as two.
    assert printed_width("𠮷*明", "gb18030") == 5
    assert render_text(doc, PAPER_58, "gb18030").startswith(line.replace("🍅", REPLACEMENT))
    # GBK has no 𠮷: it stays visibly missing, never a question mark or a dropped character.
    narrow = render_escpos(doc, PAPER_58, profile(encoding="gbk"))
    (inside,) = split_chinese(narrow)[1]
    assert inside.decode("gbk") == f"收货人：{REPLACEMENT}*明 {REPLACEMENT} {REPLACEMENT}"
    assert b"?" not in narrow


def test_escpos_label_bytes() -> None:
    out = render_escpos(sample_label(), PAPER_58, profile(encoding="gbk"))
    assert b"\x1d!\x11" in out  # GS ! 2x2: Chinese enlarges too
    assert b"\x1d!\x00" in out
    assert b"\x1bE\x01" in out
    assert b"\x1ba\x01" in out
    # CODE128: code set B for the letters, C for the digit run, B again for "-2".
    data = escpos_code128(BAG_ID).encode()
    assert data.startswith(b"{BBG{C")
    assert b"\x1dkI" + bytes([len(data)]) + data in out
    assert b"\x1dw\x02" in out  # 2-dot modules fit 58 mm
    assert out.endswith(b"\x1dV\x00")
    check_golden("label_58_gbk.bin", out)


def test_escpos_code128_escapes_and_code_sets() -> None:
    assert escpos_code128("A{B") == "{BA{{B"
    assert escpos_code128("123456") == "{C\x0c\x22\x38"
    assert code128_runs("X12345Y") == [("X12345Y", False)]


def test_escpos_barcode_too_long_for_native_becomes_an_image() -> None:
    doc = Document("x", "x", (Barcode("ABCDEFGHIJKLMNOPQRSTUV"),))
    out = render_escpos(doc, PAPER_58, profile())
    assert b"\x1dk" not in out and b"\x1dv0" in out
    assert b"ABCDEFGHIJKLMNOPQRSTUV\n" in out  # the human-readable line, as text
    native = render_escpos(doc, PAPER_80, profile(paper=PAPER_80))
    assert b"\x1dkI" in native


def test_escpos_image_barcodes_and_qr_when_configured() -> None:
    doc = sample_manifest()
    native = render_escpos(doc, PAPER_80, profile())
    assert b"\x1d(k" in native and MANIFEST_ID.encode() in native
    images = render_escpos(doc, PAPER_80, profile(barcodes="image"))
    assert b"\x1d(k" not in images and b"\x1dv0" in images


def raster_removed(data: bytes) -> tuple[bytes, int]:
    """The stream without GS v 0 payloads, and how many raster images it held."""
    out, count, i = bytearray(), 0, 0
    while (start := data.find(b"\x1dv0", i)) >= 0:
        out += data[i:start]
        width = int.from_bytes(data[start + 4 : start + 6], "little")
        height = int.from_bytes(data[start + 6 : start + 8], "little")
        i = start + 8 + width * height
        count += 1
    return bytes(out + data[i:]), count


def test_escpos_raster_mode_prints_images_only() -> None:
    out = render_escpos(sample_manifest(), PAPER_58, profile(chinese="raster"))
    commands, images = raster_removed(out)
    assert images >= 1
    assert FS_ON not in commands
    assert all(b < 0x80 for b in commands)
    assert commands.endswith(b"\x1dV\x00")


# PNG


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_png_barcodes_decode_back(paper: Paper) -> None:
    for doc, wanted in ((sample_label(), BAG_ID), (sample_manifest(), MANIFEST_ID)):
        image = PILImage.open(io.BytesIO(render_png(doc, paper)))
        assert image.width == paper.dots
        assert [d.data.decode() for d in decode(image)] == [wanted]


@pytest.mark.parametrize("data", ["12345678", "A1234567B", "x{}~ |", "0", "MF-A-1"])
def test_code128_image_decodes_for_every_code_set_mix(data: str) -> None:
    doc = Document("x", "x", (Barcode(data, height=48),))
    image = PILImage.open(io.BytesIO(render_png(doc, PAPER_58)))
    found = decode(image)
    assert [(d.type, d.data.decode()) for d in found] == [("CODE128", data)]


def test_missing_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PICKER_CJK_FONT", raising=False)
    with pytest.raises(FontMissing, match="fonts-wqy-microhei") as info:
        find_cjk_font(known=("/nonexistent/font.ttc",), fontconfig=False)
    assert isinstance(info.value, PrinterError)
    assert find_cjk_font().endswith((".ttc", ".ttf", ".otf"))


def test_escpos_import_is_quiet(tmp_path: Path) -> None:
    code = (
        "import logging, os, tempfile\n"
        "before = set(os.listdir(tempfile.gettempdir()))\n"
        "import printers.escpos\n"
        "assert not logging.getLogger().handlers, 'root logger got a handler'\n"
        "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])\n"
        "print(sorted(set(os.listdir(tempfile.gettempdir())) - before))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    pickle_dir, new_temp = done.stdout.splitlines()
    assert pickle_dir == str(tmp_path / "picker" / "escpos")
    assert new_temp == "[]"


# Printers in config


def test_parse_printers_from_toml() -> None:
    data = tomllib.loads(
        """
        [printers.label1]
        connection = "network:127.0.0.1:9100"
        paper = "58"
        encoding = "gbk"
        role = "label"

        [printers.docs]
        connection = "usb:0416:5011"
        paper = "80"
        chinese = "raster"
        barcodes = "image"
        role = "document"
        status = true
        """
    )
    printers = parse_printers(data)
    assert printers == parse_printers(data["printers"])
    assert printers["label1"] == PrinterProfile(
        "label1", "network:127.0.0.1:9100", PAPER_58, "gbk", role="label"
    )
    docs = printers["docs"]
    assert (docs.paper, docs.chinese, docs.barcodes, docs.status) == (
        PAPER_80,
        "raster",
        "image",
        True,
    )
    assert printer_for(printers, "document") is docs
    assert printer_for(printers, "document", "label1").name == "label1"
    with pytest.raises(PrinterConfigError, match="nope"):
        printer_for(printers, "label", "nope")


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"paper": "58"}, "connection"),
        ({"connection": "network:h:9100", "papr": "58"}, "papr"),
        ({"connection": "network:h:9100", "paper": "76"}, "paper"),
        ({"connection": "network:h:9100", "encoding": "utf-8"}, "encoding"),
        ({"connection": "network:h:9100", "chinese": "yes"}, "chinese"),
        ({"connection": "network:h:99999"}, "network:HOST:PORT"),
        ({"connection": "lpt1"}, "network:HOST:PORT"),
        ({"connection": "network:h:9100", "status": "yes"}, "status"),
        ("network:h:9100", "table"),
    ],
)
def test_parse_printers_says_what_is_wrong(table: object, words: str) -> None:
    with pytest.raises(PrinterConfigError, match=words) as info:
        parse_printers({"bad1": table})
    assert "bad1" in info.value.message


def test_parse_connection() -> None:
    assert parse_connection("network:10.0.0.5:9100") == Connection("network", "10.0.0.5", 9100)
    assert parse_connection("network:printer.local").port == 9100
    assert parse_connection("network:[::1]:9101") == Connection("network", "::1", 9101)
    usb = parse_connection("usb:0416:5011")
    assert (usb.vendor, usb.product) == (0x0416, 0x5011)
    assert parse_connection("serial:/dev/ttyUSB0:19200").baud == 19200
    assert parse_connection("serial:/dev/ttyUSB0").target == "/dev/ttyUSB0"
    assert parse_connection("file:/dev/usb/lp0").target == "/dev/usb/lp0"
    for bad in ("network:", "usb:xyz:1", "usb:0416", "tcp:1.2.3.4:9100", ""):
        with pytest.raises(PrinterConfigError):
            parse_connection(bad)


# Transports


@contextmanager
def serve(handler: Callable[[socket.socket], None], rcvbuf: int = 0) -> Iterator[int]:
    """A one-connection printer on 127.0.0.1; yields its port."""
    server = socket.socket()
    if rcvbuf:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(10)

    def run() -> None:
        try:
            conn, _addr = server.accept()
        except OSError:
            return
        with conn:
            handler(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        thread.join(10)


def read_all(into: bytearray) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        while chunk := conn.recv(65536):
            into.extend(chunk)

    return handler


JOB = bytes(range(256)) * 800  # 200 KB, every byte value


def test_network_printer_receives_the_job_byte_exact() -> None:
    got = bytearray()
    with serve(read_all(got)) as port:
        open_transport(f"network:127.0.0.1:{port}", timeout=5).send(JOB)
    assert bytes(got) == JOB


def test_refused_connection_is_printer_unavailable() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(PrinterUnavailable, match="refused") as info:
        open_transport(f"network:127.0.0.1:{port}", timeout=2).send(b"x")
    assert info.value.reason == "refused"


@pytest.mark.parametrize("size", [2_000, len(JOB)])
def test_printer_dropping_the_connection_mid_job_is_a_failure(size: int) -> None:
    def take_a_little(conn: socket.socket) -> None:
        conn.recv(100)

    with serve(take_a_little) as port, pytest.raises(PrinterUnavailable) as info:
        open_transport(f"network:127.0.0.1:{port}", timeout=3).send(JOB[:size])
    assert info.value.reason == "dropped"


def test_printer_that_stops_reading_times_out() -> None:
    stop = threading.Event()

    def never_read(conn: socket.socket) -> None:
        stop.wait(10)

    started = time.monotonic()
    with serve(never_read, rcvbuf=4096) as port:
        with pytest.raises(PrinterUnavailable) as info:
            open_transport(f"network:127.0.0.1:{port}", timeout=0.5).send(JOB * 20)
        stop.set()
    assert info.value.reason in {"stalled", "timeout"}
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("answer", "reason"),
    [(b"\x12\x12\x12\x72", "paper-out"), (b"\x12\x16\x12\x12", "cover-open")],
)
def test_status_check_refuses_to_send_to_a_printer_without_paper(answer: bytes, reason: str):
    got = bytearray()

    def printer(conn: socket.socket) -> None:
        got.extend(conn.recv(12))
        conn.sendall(answer)
        read_all(got)(conn)

    with serve(printer) as port, pytest.raises(PrinterUnavailable) as info:
        open_transport(f"network:127.0.0.1:{port}", timeout=2, status=True).send(JOB)
    assert info.value.reason == reason
    assert bytes(got) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"  # no job


def test_status_check_passes_a_healthy_printer() -> None:
    got = bytearray()

    def printer(conn: socket.socket) -> None:
        conn.recv(12)
        conn.sendall(b"\x12\x12\x12\x12")
        while len(got) < len(JOB) + 12:  # the job, then the same query after it
            got.extend(conn.recv(65536))
        conn.sendall(b"\x12\x12\x12\x12")
        read_all(got)(conn)

    with serve(printer) as port:
        open_transport(f"network:127.0.0.1:{port}", timeout=2, status=True).send(JOB)
    assert bytes(got) == JOB + b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_file_transport_appends_jobs(tmp_path: Path) -> None:
    path = tmp_path / "printer.bin"
    transport = open_transport(f"file:{path}")
    transport.send(b"one")
    transport.send(b"two")
    transport.close()
    assert path.read_bytes() == b"onetwo"
    with pytest.raises(PrinterUnavailable):
        open_transport(f"file:{tmp_path / 'missing' / 'dir' / 'x'}").send(b"x")


@pytest.mark.parametrize(
    ("connection", "module", "words"),
    [("serial:/dev/ttyUSB0", "serial", "install pyserial"), ("usb:0416:5011", "usb", "pyusb")],
)
def test_optional_transports_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, connection: str, module: str, words: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, f"{module}.core", None)
    with pytest.raises(PrinterUnavailable, match=words):
        open_transport(connection)


# The test page


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_test_page(paper: Paper) -> None:
    printer = profile(paper=paper, encoding="gbk")
    page = testpage.test_page(printer, WHEN)
    text = render_text(page, paper, "gbk")
    lines = text.splitlines()
    tens, units = testpage.ruler(paper.columns)
    assert units in lines and len(units) == paper.columns
    assert tens.rstrip() in lines and len(tens) == paper.columns
    assert units.startswith("1234567890")
    width_row = testpage.WIDTH_CHAR * (paper.columns // 2)
    assert width_row in lines and printed_width(width_row) == paper.columns
    assert testpage.CHINESE_LINE in lines and testpage.WIDE_PUNCTUATION in lines
    assert "2022-04-12 08:15" in text
    check_golden(f"testpage_{paper.columns}.txt", text)
    out = render_escpos(page, paper, printer)
    _outside, inside = split_chinese(out)
    joined = b"".join(inside)
    for char in PUNCTUATION + "·—℃":
        assert char.encode("gbk") in joined
    assert b"\x1d!\x11" in out and b"\x1dkI" in out and b"\x1d(k" in out
    assert b"?" not in out
    found = decode(PILImage.open(io.BytesIO(render_png(page, paper))))
    assert {d.data.decode() for d in found} == {f"TEST-{paper.columns}-20220412"}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_test_page_tries_characters_beyond_gb2312_and_says_what_to_do(encoding: str) -> None:
    printer = profile(paper=PAPER_58, encoding=encoding)
    page = testpage.test_page(printer, WHEN)
    text = render_text(page, PAPER_58, encoding)
    _outside, inside = split_chinese(render_escpos(page, PAPER_58, printer))
    joined = b"".join(inside)
    for char in "赟喆堃镕":
        assert char in text and char.encode(encoding) in joined, char
        with pytest.raises(UnicodeEncodeError):
            char.encode("gb2312")
    # The four-byte sample only where the encoding has it.
    assert ("𠮷" in text) is (encoding == "gb18030")
    assert ("𠮷".encode("gb18030") in joined) is (encoding == "gb18030")
    assert REPLACEMENT not in text
    # The remedy is printed whole on a line of its own, as it is typed in picker.toml.
    assert 'chinese = "raster"' in text.splitlines()
    assert "乱码" in text


def test_images_and_feeds_render_everywhere() -> None:
    buf = io.BytesIO()
    PILImage.new("RGBA", (800, 40), (0, 0, 0, 255)).save(buf, "PNG")
    doc = Document("x", "x", (Image(buf.getvalue()), Feed(2), Rule("—"), Cut()))
    text = render_text(doc, PAPER_58)
    assert "[image 800x40]" in text and "—" * 16 in text
    assert PILImage.open(io.BytesIO(render_png(doc, PAPER_58))).width == 384
    out = render_escpos(doc, PAPER_58, profile())
    assert b"\x1dv0\x00" + (48).to_bytes(2, "little") in out  # scaled to 384 dots
    assert b"\x1bd\x02" in out


# Import rules


#: qrcode comes with python-escpos; serial (pyserial) and usb (pyusb) are optional transports.
PRINTERS_MAY_IMPORT = {
    *("picker.i18n", "picker.errors", "picker.domain.money"),
    *("escpos", "PIL", "qrcode", "serial", "usb"),
}


def test_printers_import_only_what_they_may() -> None:
    """printers/ knows documents, not orders: no UI, no storage; escpos only via _escpos."""
    bad = []
    for path in sorted((ROOT / "printers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                allowed = (
                    top in sys.stdlib_module_names
                    or top == "printers"
                    or name in PRINTERS_MAY_IMPORT
                    or top in PRINTERS_MAY_IMPORT
                )
                if top == "escpos" and path.name != "_escpos.py":
                    allowed = False
                if not allowed:
                    bad.append(f"{path.name}:{node.lineno}: {name}")
    assert not bad, "printers/ imports outside its rules:\n" + "\n".join(bad)


def test_processes_importing_escpos_at_once_on_a_fresh_machine(tmp_path: Path) -> None:
    """The first import writes escpos's capabilities pickle: a second process must not read
    it half-written (test workers and terminals start together on a new machine)."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(root)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "import printers.escpos"], env=env, stderr=subprocess.PIPE
        )
        for _ in range(6)
    ]
    failures = [p.stderr.read().decode()[-300:] for p in procs if p.wait() != 0]  # type: ignore[union-attr]
    assert failures == []
