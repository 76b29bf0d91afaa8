"""Documents from a packed batch and the persistent print queue, through the `Warehouse` door.

A printer is a socket server on 127.0.0.1 in a thread: it receives a job byte-exact, refuses
while it is down, or drops the connection mid-job. The worker is given `now`, so backoff is
tested without sleeping.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db import print_queue
from picker.app.config import load_settings
from picker.app.print_worker import backoff
from picker.app.warehouse import Warehouse
from picker.domain.model import SHANGHAI
from picker.domain.packing import BagCapacity
from picker.errors import Conflict, InputError, NotFound
from printers.document import PAPER_58, PAPER_80
from printers.profile import PrinterProfile
from printers.text import render_text
from tests.conftest import csv_text, order_rows
from tests.test_floor import BUNDLE, EGGS, pork_label

NOW = datetime(2022, 4, 12, 10, 0, tzinfo=SHANGHAI)
LINES_A = [("SKU0001", "蔬菜套餐A", 1, "38.80"), ("SKU0002", "鸡蛋 30枚", 2, "32.00")]


def orders_at(order_no: str, building: str, unit: str, room: str, **kw: object) -> list[list[str]]:
    rows = order_rows(order_no, **kw)  # type: ignore[arg-type]
    for row in rows:
        row[6:9] = [building, unit, room]
    return rows


@pytest.fixture
def packed(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return pack_small_batch(warehouse, tmp_path)


def pack_small_batch(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """青平居委's batch picked and packed on 2022-04-12: A002 went wholly short (1 egg,
    damaged), A003's pork is 40 g under weight, A001 fills two bags (2 items per bag)."""
    warehouse.clock = lambda: NOW
    warehouse.settings = replace(warehouse.settings, bag_capacity=BagCapacity(max_items=2))
    f = tmp_path / "orders.csv"
    rows = [
        *orders_at("A001", "12", "2", "301", lines=LINES_A),
        *orders_at("A002", "3", "1", "101", lines=[(*LINES_A[1][:2], 1, "32.00")], name="欧阳小明"),
        *orders_at("A003", "12", "1", "502", lines=[("SKU0003", "猪肉", 2, "18.00")], name="王五"),
    ]
    f.write_text(csv_text(rows), encoding="utf-8")
    assert not warehouse.import_file(f).rejects
    (batch,) = warehouse.plan_batches().batches
    warehouse.claim(batch, "P001")
    pick = warehouse.session(batch, "P001")
    for code in ("2*" + EGGS, BUNDLE, pork_label(498), pork_label(505)):
        assert pick.scan(code).accepted
    assert pick.short("damaged", "SKU0002").accepted
    pack = warehouse.session(batch, "P001", stage="pack")
    for code in (pork_label(480), pork_label(480), BUNDLE, EGGS, EGGS):
        assert pack.scan(code).accepted
    assert warehouse.batches()[0]["status"] == "packed"
    return warehouse


def with_printers(wh: Warehouse, *profiles: PrinterProfile) -> None:
    wh.settings = replace(wh.settings, printers={p.name: p for p in profiles})


def net(name: str, port: int, role: str = "label", **kw: object) -> PrinterProfile:
    return PrinterProfile(name, f"network:127.0.0.1:{port}", role=role, **kw)  # type: ignore[arg-type]


@contextmanager
def printer_server(
    handler: Callable[[socket.socket], bytes | None], port: int = 0
) -> Iterator[tuple[int, list[bytes]]]:
    """A 9100-style printer on 127.0.0.1 taking connections until closed; yields
    (port, jobs received)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                got = handler(conn)
                if got is not None:
                    received.append(got)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], received
    finally:
        stop.set()
        thread.join(5)
        server.close()


def read_all(conn: socket.socket) -> bytes:
    data = bytearray()
    while chunk := conn.recv(65536):
        data += chunk
    return bytes(data)


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return int(port)


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7, 20)] == [
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


def test_manifest_from_the_floor(packed: Warehouse) -> None:
    text = render_text(packed.document("manifest", "青平"), PAPER_80)
    rows = [ln for ln in text.splitlines() if ln[:1].isdigit() and "袋" in ln]
    # Building → unit → room; A002 went wholly short: no bag, on the list all the same.
    assert [r.split()[:2] for r in rows] == [
        ["3-1-101", "欧**明"],
        ["12-1-502", "王*"],
        ["12-2-301", "张*明"],
    ]
    assert [r.split()[-1] for r in rows] == ["0袋", "1袋", "2袋"]
    assert "合计：3 户  3 袋  5 件" in text
    assert "缺货 1 件  退款 ￥33.44" in text  # 32.00 short eggs + 1.44 under-weight pork
    assert "MF-XY01-20220412-1" in text and "夏阳街道" in text
    assert packed.document("manifest", "XY01@2022-04-12") == packed.document("manifest", "青平居委")


def test_manifest_holds_packed_bags_only(warehouse: Warehouse, tmp_path: Path) -> None:
    warehouse.clock = lambda: NOW
    warehouse.settings = replace(warehouse.settings, bag_capacity=BagCapacity(max_items=2))
    f = tmp_path / "o.csv"
    f.write_text(csv_text(orders_at("A001", "12", "2", "301", lines=LINES_A)), encoding="utf-8")
    warehouse.import_file(f)
    (batch,) = warehouse.plan_batches().batches
    warehouse.claim(batch, "P001")
    with pytest.raises(NotFound, match="nothing packed"):
        warehouse.document("manifest", "XY01")
    pick = warehouse.session(batch, "P001")
    for code in (BUNDLE, "2*" + EGGS):
        assert pick.scan(code).accepted
    pack = warehouse.session(batch, "P001", stage="pack")
    assert pack.scan(BUNDLE).accepted and pack.scan(EGGS).closed_bags == ("BGA001-1",)
    text = render_text(warehouse.document("manifest", "XY01"), PAPER_58)
    assert "1袋" in text and "合计：1 户  1 袋" in text


def test_label_refunds_picklist_and_route_from_the_floor(packed: Warehouse) -> None:
    label = render_text(packed.document("label", "BGA001-2"), PAPER_58)
    assert "第    2 / 2   袋" in label and "本袋 1 件" in label and "张*明" in label
    assert "[CODE128 BGA001-2]" in label and "2022-04-12" in label
    pork = render_text(packed.document("label", "BGA003-1"), PAPER_58)
    assert "已退款 ￥1.44" in pork
    refunds = render_text(packed.document("refunds", "青平居委"), PAPER_80)
    assert "鸡蛋 30枚 缺货 1盒(破损)" in refunds and "猪肉 欠重" in refunds
    assert "合计：2 户  2 笔  ￥33.44" in refunds
    batch = packed.batches()[0]["id"]
    picklist = render_text(packed.document("picklist", batch), PAPER_58)
    lines = [ln.split()[0] for ln in picklist.splitlines() if ln.endswith("[ ]")]
    assert lines == ["A-01-01-1", "B-01-01-1", "C-01-01-1"]  # walk order
    packed.db.execute("UPDATE committees SET route = '线路1', stop_order = 2")
    packed.db.execute("UPDATE committees SET stop_order = 1 WHERE code = 'YP01'")
    route = render_text(packed.document("route", "线路1"), PAPER_58)
    # YP01 has nothing packed: no stop for it.
    assert "第 2 站  青平居委" in route and "航运" not in route
    assert "3 袋  已装 0" in route and "[QR MF-XY01-20220412-1]" in route


@pytest.mark.parametrize(
    ("kind", "target", "words"),
    [
        ("label", "BGNOPE-1", "no bag"),
        ("manifest", "不存在居委", "unknown committee"),
        ("picklist", "XY01-0101-99", "no batch"),
        ("route", "线路9", "no route"),
        ("manifest", "YP01", "nothing packed"),
        ("refunds", "XY01@0412", "bad day"),
    ],
)
def test_unknown_targets_say_what_is_missing(
    packed: Warehouse, kind: str, target: str, words: str
) -> None:
    with pytest.raises((NotFound, InputError), match=words):
        packed.document(kind, target)
    with pytest.raises(InputError, match="unknown document"):
        packed.document("invoice", "XY01")


def test_masking_is_configured_per_kind(packed: Warehouse) -> None:
    packed.settings = replace(packed.settings, unmasked=frozenset({"label"}))
    assert "张三明" in render_text(packed.document("label", "BGA001-1"), PAPER_58)
    assert "张三明" not in render_text(packed.document("manifest", "XY01"), PAPER_58)


def test_packing_queues_labels_rendered_and_sent_byte_exact(packed: Warehouse) -> None:
    jobs = packed.print_jobs()
    assert sorted(j.target for j in jobs) == ["BGA001-1", "BGA001-2", "BGA003-1"]
    assert all(j.status == "queued" and j.size is None for j in jobs)
    with printer_server(read_all) as (port, received):
        with_printers(packed, net("label1", port, encoding="gbk"))
        outcomes = packed.run_print_worker_once(NOW)
    assert [(o.target, o.status, o.printer, o.attempts) for o in outcomes] == [
        ("BGA003-1", "done", "label1", 1),
        ("BGA001-1", "done", "label1", 1),
        ("BGA001-2", "done", "label1", 1),
    ]
    stored = [print_queue.job_data(packed.db, o.id) for o in outcomes]
    assert received == stored
    expected = packed.render("label", "BGA003-1", "escpos", "label1")
    assert received[0] == expected
    assert "王*".encode("gbk") in received[0]
    assert all(j.status == "done" and j.done_at for j in packed.print_jobs())
    assert packed.run_print_worker_once(NOW + timedelta(minutes=5)) == []


def test_printer_down_then_up_the_job_is_retried_with_backoff(packed: Warehouse) -> None:
    port = free_port()
    with_printers(packed, net("doc1", port, role="document"))
    job = packed.queue_document("manifest", "青平居委")
    (first,) = [o for o in packed.run_print_worker_once(NOW) if o.id == job]
    assert (first.status, first.attempts) == ("failed", 1)
    assert "refused" in first.reason
    row = print_queue.get_job(packed.db, job)
    assert row is not None and row.status == "failed" and row.reason == first.reason
    assert row.next_attempt_at == (NOW + timedelta(seconds=2)).isoformat(timespec="milliseconds")
    # Not due yet: the worker leaves it alone.
    assert all(o.id != job for o in packed.run_print_worker_once(NOW + timedelta(seconds=1)))
    assert packed.run_print_worker_once(NOW + timedelta(seconds=3))[-1].attempts == 2
    with printer_server(read_all, port) as (_port, received):
        later = packed.run_print_worker_once(NOW + timedelta(seconds=10))
    assert [(o.id, o.status, o.attempts) for o in later if o.id == job] == [(job, "done", 3)]
    assert received == [print_queue.job_data(packed.db, job)]
    assert "青平居委".encode("gb18030") in received[0]


def test_a_printer_that_drops_the_connection_never_completes_a_job(packed: Warehouse) -> None:
    def drop(conn: socket.socket) -> bytes | None:
        conn.recv(100)
        # Close with unread data: the peer gets a reset, as from a printer that crashed.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return None

    with printer_server(drop) as (port, _received):
        with_printers(packed, net("doc1", port, role="document"))
        job = packed.queue_document("manifest", "XY01")
        outcome = next(o for o in packed.run_print_worker_once(NOW) if o.id == job)
    assert outcome.status == "failed" and "dropped" in outcome.reason
    row = print_queue.get_job(packed.db, job)
    assert row is not None and (row.status, row.done_at) == ("failed", None)
    assert row.next_attempt_at is not None
    packed.retry_job(job)
    assert print_queue.get_job(packed.db, job).next_attempt_at is None  # type: ignore[union-attr]
    with printer_server(read_all) as (port, received):
        with_printers(packed, net("doc1", port, role="document"))
        assert next(o for o in packed.run_print_worker_once(NOW) if o.id == job).status == "done"
    assert len(received) == 1


def test_no_printer_configured_keeps_the_job_queued_until_one_is(packed: Warehouse) -> None:
    job = packed.queue_document("refunds", "XY01")
    row = print_queue.get_job(packed.db, job)
    assert row is not None and (row.status, row.reason, row.size) == (
        "queued",
        "no printer configured",
        None,
    )
    outcomes = {o.id: o for o in packed.run_print_worker_once(NOW)}
    assert (outcomes[job].status, outcomes[job].reason) == ("queued", "no printer configured")
    with printer_server(read_all) as (port, received):
        with_printers(packed, net("doc1", port, role="document", paper=PAPER_80))
        assert {o.id: o.status for o in packed.run_print_worker_once(NOW)}[job] == "done"
    assert received[0] == packed.render("refunds", "XY01", printer="doc1")


def test_reprint_is_a_new_job_marked_on_paper(packed: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "labels.bin"
    with_printers(packed, PrinterProfile("file1", f"file:{out}", role="label"))
    packed.run_print_worker_once(NOW)
    first = out.read_bytes()
    again = packed.reprint("label", "BGA001-1")
    row = print_queue.get_job(packed.db, again)
    assert row is not None and row.reprint and row.status == "queued"
    packed.run_print_worker_once(NOW)
    reprinted = out.read_bytes()[len(first) :]
    assert "补打".encode("gb18030") in reprinted and "补打".encode("gb18030") not in first
    assert "补  打" in render_text(packed.document("label", "BGA001-1", reprint=True), PAPER_58)


def test_print_manifest_is_a_reprint_once_printed(packed: Warehouse, tmp_path: Path) -> None:
    with_printers(packed, PrinterProfile("doc", f"file:{tmp_path / 'd.bin'}", role="document"))
    first = packed.print_manifest("青平居委")
    packed.run_print_worker_once(NOW)
    second = packed.print_manifest("XY01")
    rows = {j.id: j for j in packed.print_jobs()}
    assert (rows[first].reprint, rows[second].reprint) == (False, True)
    # The job names the manifest it prints: the reprint is the same paper, same QR.
    assert rows[first].target == rows[second].target == "MF-XY01-20220412-1"


def test_retry_refuses_printed_and_unknown_jobs(packed: Warehouse, tmp_path: Path) -> None:
    with_printers(packed, PrinterProfile("file1", f"file:{tmp_path / 'l.bin'}", role="label"))
    done = packed.run_print_worker_once(NOW)[0].id
    with pytest.raises(Conflict, match="reprint"):
        packed.retry_job(done)
    with pytest.raises(NotFound):
        packed.retry_job(999)


def test_a_job_left_sending_by_a_dead_worker_is_held_not_taken_again(packed: Warehouse) -> None:
    job = packed.print_jobs()[-1]
    stamp = NOW.isoformat(timespec="milliseconds")
    packed.db.execute(
        "UPDATE print_jobs SET status = 'sending', claimed_at = ? WHERE id = ?", [stamp, job.id]
    )
    with printer_server(read_all) as (port, received):
        with_printers(packed, net("label1", port))
        assert job.id not in {o.id for o in packed.run_print_worker_once(NOW)}
        late = packed.run_print_worker_once(NOW + timedelta(minutes=3))
    assert [o.status for o in late if o.id == job.id] == ["held"]
    assert len(received) == 2 and print_queue.job_data(packed.db, job.id) is None


def test_settings_read_printers_and_masking(tmp_path: Path) -> None:
    config = tmp_path / "picker.toml"
    config.write_text(
        '[printers.label1]\nconnection = "network:10.0.0.9:9100"\nrole = "label"\n'
        '[printers.doc1]\nconnection = "file:/dev/usb/lp0"\npaper = "80"\nrole = "document"\n'
        "[documents]\nmask = true\n[documents.manifest]\nmask = false\npage_households = 25\n",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert list(settings.printers) == ["label1", "doc1"]
    assert settings.printers["doc1"].paper == PAPER_80
    assert settings.masks("label") and not settings.masks("manifest")
    assert settings.manifest_page_households == 25
    config.write_text("[documents.invoice]\nmask = false\n", encoding="utf-8")
    with pytest.raises(InputError, match="invoice"):
        load_settings(config)


def test_a_job_is_taken_by_one_worker_only(packed: Warehouse) -> None:
    job = packed.print_jobs()[-1].id
    now = NOW.isoformat()
    assert print_queue.claim(packed.db, job, "label1", "T1", now)
    assert print_queue.claim(packed.db, job, "label1", "T2", now) is None
    assert [s.worker for s in print_queue.sends(packed.db, job)] == ["T1"]


def test_a_job_for_a_printer_no_longer_configured_fails_with_the_reason(
    packed: Warehouse, tmp_path: Path
) -> None:
    with_printers(packed, PrinterProfile("old", f"file:{tmp_path / 'x.bin'}", role="document"))
    job = packed.queue_document("manifest", "XY01", printer="old")
    with_printers(packed)
    outcome = next(o for o in packed.run_print_worker_once(NOW) if o.id == job)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "no printer named old" in outcome.reason
