"""`picker print`, `picker printers` and `picker queue` as operators and scripts use them."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pyzbar import pyzbar

from picker.app.config import load_settings
from picker.app.warehouse import Warehouse
from picker.cli import main
from tests.conftest import save_small_catalog
from tests.test_print_claims import Killed, kill_after_send
from tests.test_print_queue import NOW, pack_small_batch

MANIFEST = "青平居委@2022-04-12"


def run(*args: str, code: int = 0) -> tuple[str, str]:
    """(stdout, stderr) of a command that must exit with `code`."""
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result.stdout, result.stderr


@pytest.fixture
def packed_db(tmp_path: Path) -> Path:
    wh = Warehouse(tmp_path / "w.db")
    save_small_catalog(wh)
    pack_small_batch(wh, tmp_path)
    wh.close()
    return tmp_path / "w.db"


def config(tmp_path: Path, connection: str, role: str = "document") -> Path:
    path = tmp_path / "picker.toml"
    path.write_text(
        f'[printers.p1]\nconnection = "{connection}"\nrole = "{role}"\npaper = "80"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("printers", "list"),
        ("printers", "test"),
        ("queue", "retry"),
        ("queue", "work"),
        ("queue", "resend"),
        ("queue", "done"),
    ],
)
def test_subcommands_have_help_with_an_example(args: tuple[str, ...]) -> None:
    out, _err = run(*args, "--help")
    assert "Example:" in out and "picker " in out.split("Example:")[1]
    assert "--db" in out


def test_print_out_writes_previews_and_printer_bytes(packed_db: Path, tmp_path: Path) -> None:
    db = str(packed_db)
    _out, err = run("print", "manifest", MANIFEST, "--db", db, "--out", str(tmp_path / "m.txt"))
    text = (tmp_path / "m.txt").read_text("utf-8")
    assert "交  接  清  单" in text and "MF-XY01-20220412-1" in text
    assert text.splitlines()[-1].count("~") > 20  # a 58 mm cut line by default
    assert "m.txt" in err
    run("print", "manifest", MANIFEST, "--db", db, "--out", str(tmp_path / "m.png"))
    image = Image.open(io.BytesIO((tmp_path / "m.png").read_bytes())).convert("L")
    assert {s.data for s in pyzbar.decode(image)} == {b"MF-XY01-20220412-1"}
    run("print", "label", "BGA001-1", "--db", db, "--out", str(tmp_path / "l.bin"))
    data = (tmp_path / "l.bin").read_bytes()
    assert data.startswith(b"\x1b@") and b"{BBGA001-1" in data and b"\x1c&" in data
    label = ("print", "label", "BGA001-1", "--db", db, "--reprint", "--paper", "80")
    wide, _err = run(*label, "--out", "-", "--format", "text")
    assert "补  打" in wide and max(len(line) for line in wide.splitlines()) > 32
    # Nothing was queued by any of this.
    out, _err = run("queue", "--db", db, "--json")
    assert {j["target"] for j in json.loads(out)} == {"BGA001-1", "BGA001-2", "BGA003-1"}


def test_print_errors_are_clean_messages(packed_db: Path, tmp_path: Path) -> None:
    _out, err = run("print", "label", "NOPE-1", "--db", str(packed_db), "--out", "-", code=2)
    assert "no bag NOPE-1" in err
    _out, err = run("print", "label", "BGA001-1", "--db", str(packed_db), "--paper", "80", code=2)
    assert "--out" in err


def test_print_without_a_printer_queues_and_lists(packed_db: Path) -> None:
    out, _err = run("print", "refunds", MANIFEST, "--db", str(packed_db))
    assert "queued: no printer configured" in out
    out, _err = run("--db", str(packed_db), "queue", "--json")
    jobs = json.loads(out)
    newest = jobs[0]
    assert (newest["kind"], newest["target"], newest["status"]) == (
        "refunds",
        "XY01@2022-04-12",
        "queued",
    )
    assert all(j["reason"] == "no printer configured" for j in jobs)
    table, _err = run("queue", "--db", str(packed_db), "--status", "queued")
    assert "refunds" in table and "no printer configured" in table


def test_print_sends_once_and_a_dead_printer_leaves_the_job_retryable(
    packed_db: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "printer.bin"
    cfg = str(config(tmp_path, f"file:{out_file}"))
    out, _err = run("print", "manifest", MANIFEST, "--db", str(packed_db), "--config", cfg)
    assert "printed on p1" in out
    assert "青平居委".encode("gb18030") in out_file.read_bytes()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    dead = str(config(tmp_path, f"network:127.0.0.1:{port}"))
    _out, err = run("print", "route", "x", "--db", str(packed_db), "--config", dead, code=2)
    assert "no route x" in err
    batch = "XY01-0412-01"
    args = ("print", "picklist", batch, "--db", str(packed_db), "--config", dead)
    _out, err = run(*args, code=1)
    assert "refused" in err and "retried" in err
    job = json.loads(run("queue", "--db", str(packed_db), "--json")[0])[0]
    assert (job["kind"], job["status"], job["attempts"]) == ("picklist", "failed", 1)


def test_queue_retry_and_work(packed_db: Path, tmp_path: Path) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    dead = str(config(tmp_path, f"network:127.0.0.1:{port}", role="label"))
    out, _err = run("--db", str(packed_db), "--config", dead, "queue", "work", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    # One refusal per pass per printer: the other labels wait for the next pass.
    assert [(o["status"], o["attempts"]) for o in lines] == [("failed", 1)]
    _out, err = run("queue", "--db", str(packed_db), "--config", dead, "retry", "1", code=1)
    assert "failed" in err and "retried" in err
    out_file = tmp_path / "labels.bin"
    alive = str(config(tmp_path, f"file:{out_file}", role="label"))
    out, _err = run("queue", "retry", "1", "--db", str(packed_db), "--config", alive)
    assert "Job 1 printed on p1." in out
    assert out_file.read_bytes().count(b"{BBGA") == 3  # the waiting labels went too
    out, _err = run("queue", "work", "--db", str(packed_db), "--config", alive)
    assert out == ""
    _out, err = run("queue", "retry", "1", "--db", str(packed_db), code=4)
    assert "reprint" in err
    out, _err = run("queue", "--db", str(packed_db))
    assert out.count("printed") == 3


def test_queue_shows_held_jobs_and_the_lead_resends_or_closes_them(
    packed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_file = tmp_path / "labels.bin"
    cfg = config(tmp_path, f"file:{out_file}", role="label")
    wh = Warehouse(packed_db, load_settings(cfg), clock=lambda: NOW)
    for _ in range(2):  # labels 1 and 2: their worker died right after the printer took them
        kill_after_send(monkeypatch)
        with pytest.raises(Killed):
            wh.run_print_worker_once(worker="T1")
        monkeypatch.undo()
    wh.close()
    db = str(packed_db)
    out, _err = run("queue", "work", "--db", db, "--config", str(cfg))
    held, other = out.splitlines()[:2], out.splitlines()[2:]
    assert [line.split(":")[0] for line in held] == ["1 label BGA003-1 p1", "2 label BGA001-1 p1"]
    assert all(": held The worker stopped while sending it" in line for line in held)
    assert other == ["3 label BGA001-2 p1: printed"]
    table, _err = run("queue", "--db", db, "--status", "held")
    assert len([line for line in table.splitlines() if " held " in line]) == 2
    _out, err = run("queue", "retry", "1", "--db", db, code=4)
    assert "may have printed" in err
    out, _err = run("queue", "resend", "1", "--db", db, "--config", str(cfg))
    assert out == "Job 1 printed on p1.\n"
    out, _err = run("queue", "done", "2", "--db", db)
    assert out == "Job 2 marked printed.\n"
    _out, err = run("queue", "done", "2", "--db", db, code=4)
    assert "not held" in err
    jobs = {j["id"]: j for j in json.loads(run("queue", "--db", db, "--json")[0])}
    assert [(jobs[i]["status"], jobs[i]["reprint"]) for i in (1, 2, 3)] == [
        ("done", True),
        ("done", False),
        ("done", False),
    ]
    assert out_file.read_bytes().count("补打".encode("gb18030")) == 1
    assert out_file.read_bytes().count(b"{BBGA003-1") == 2  # the first copy and the 补打


def test_printers_list_and_test_page(packed_db: Path, tmp_path: Path) -> None:
    out, _err = run("printers", "--db", str(packed_db))
    assert "No printers configured" in out
    out_file = tmp_path / "test.bin"
    cfg = str(config(tmp_path, f"file:{out_file}"))
    out, _err = run("printers", "--db", str(packed_db), "--config", cfg)
    assert "p1" in out and "80mm" in out and "document" in out
    listed = json.loads(
        run("printers", "list", "--json", "--db", str(packed_db), "--config", cfg)[0]
    )
    assert [(p["name"], p["columns"]) for p in listed] == [("p1", 48)]
    out, _err = run("--db", str(packed_db), "--config", cfg, "printers", "test", "p1")
    assert "printed on p1" in out
    assert out_file.read_bytes().startswith(b"\x1b@")
    _out, err = run("printers", "test", "nope", "--db", str(packed_db), "--config", cfg, code=2)
    assert "no printer named nope" in err
