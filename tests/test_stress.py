"""Many terminals at once, and scanners killed mid-stream: nothing lost, nothing twice."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import store
from db.pick_lines import pick_rows
from picker.app.demo import ean13_check_digit
from picker.app.warehouse import Warehouse
from picker.domain.batching import Caps
from picker.errors import Conflict

ROOT = Path(__file__).resolve().parents[1]


def scale_label(plu: str, grams: int) -> str:
    digits = f"21{int(plu):05d}{grams:05d}"
    return digits + ean13_check_digit(digits)


def codes_for(wh: Warehouse, batch_id: str) -> list[str]:
    """Every unit of the batch's pick list as a scanner would send it, in walk order."""
    catalog = wh.catalog()
    codes = []
    for line in pick_rows(wh.db, batch_id):
        product = catalog.products[line.sku]
        for _ in range(line.needed):
            if product.weighed:
                assert product.plu is not None
                codes.append(scale_label(product.plu, product.unit_grams))
            else:
                codes.append(next(b.code for b in product.barcodes if b.pack_qty == 1))
    return codes


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stress") / "demo.db"
    wh = Warehouse(path)
    wh.build_demo(orders=900, seed=11)
    wh.plan_batches(Caps(max_orders=12))
    wh.close()
    return path


def _copy(src: Path, dst: Path) -> Path:
    conn = Warehouse(src).db.conn
    conn.execute("VACUUM INTO ?", (str(dst),))
    return dst


def _scan_worker(path: str, batch_id: str, operator: str, codes: list[str], out: str) -> None:
    wh = Warehouse(path)
    wh.claim(batch_id, operator, f"T-{operator}")
    session = wh.session(batch_id, operator, f"T-{operator}")
    results = [session.scan(code).to_json() for code in codes]
    Path(out).write_text(json.dumps(results))


def _claim_worker(path: str, batch_ids: list[str], operator: str, out: str) -> None:
    wh = Warehouse(path)
    won, lost = [], []
    rng = random.Random(operator)
    for batch_id in rng.sample(batch_ids, len(batch_ids)):
        try:
            wh.claim(batch_id, operator, f"T-{operator}")
            won.append(batch_id)
        except Conflict:
            lost.append(batch_id)
    Path(out).write_text(json.dumps({"won": won, "lost": lost}))


@pytest.mark.slow
def test_eight_scanners_and_eight_claim_racers_at_once(demo_db: Path, tmp_path: Path) -> None:
    path = _copy(demo_db, tmp_path / "w.db")
    wh = Warehouse(path)
    released = [b["id"] for b in wh.batches("released")]
    assert len(released) >= 16
    scan_batches, race_batches = released[:8], released[8:16]
    pickers = [f"P{n:03d}" for n in range(1, 17)]
    work: dict[str, list[str]] = {}
    for batch_id in scan_batches:
        codes = codes_for(wh, batch_id)
        # Mixed in: an unknown code and a wrong check digit, which must be logged as rejected.
        codes.insert(len(codes) // 2, "6909999999996")
        codes.insert(1, codes[0][:-1] + str((int(codes[0][-1]) + 1) % 10))
        work[batch_id] = codes
    ctx = multiprocessing.get_context("spawn")
    procs = []
    for i, batch_id in enumerate(scan_batches):
        out = str(tmp_path / f"scan-{i}.json")
        procs.append(
            (
                ctx.Process(
                    target=_scan_worker, args=(str(path), batch_id, pickers[i], work[batch_id], out)
                ),
                out,
            )
        )
    for i in range(8):
        out = str(tmp_path / f"claim-{i}.json")
        procs.append(
            (
                ctx.Process(
                    target=_claim_worker, args=(str(path), race_batches, pickers[8 + i], out)
                ),
                out,
            )
        )
    for p, _ in procs:
        p.start()
    for p, _ in procs:
        p.join(240)
    assert [p.exitcode for p, _ in procs] == [0] * 16, "a worker failed (database is locked?)"

    # Scanners: every acknowledged scan is in the log, once, and the quantities agree.
    for i, batch_id in enumerate(scan_batches):
        results = json.loads(Path(procs[i][1]).read_text())
        assert len(results) == len(work[batch_id])
        accepted = [r for r in results if r["outcome"] == "accepted"]
        assert len(results) - len(accepted) == 2
        log = wh.scan_log(batch_id)
        assert sorted(r["id"] for r in log) == sorted(r["scan_id"] for r in results)
        assert all(line.remaining == 0 for line in pick_rows(wh.db, batch_id))
        assert wh.batches()[[b["id"] for b in wh.batches()].index(batch_id)]["status"] == "picked"
    assert_log_matches_quantities(wh)

    # Claim racers: each batch has exactly one holder, who believes it won.
    winners: dict[str, list[str]] = {}
    for i in range(8):
        outcome = json.loads(Path(procs[8 + i][1]).read_text())
        for batch_id in outcome["won"]:
            winners.setdefault(batch_id, []).append(pickers[8 + i])
        assert len(outcome["won"]) + len(outcome["lost"]) == len(race_batches)
    assert sorted(winners) == sorted(race_batches)
    holders = {b["id"]: b["holder"] for b in wh.batches()}
    for batch_id, who in winners.items():
        assert len(who) == 1, f"{batch_id} claimed twice: {who}"
        assert holders[batch_id] == who[0]
        claims = [e for e in wh.batch_events(batch_id) if e[3] == "claim"]
        assert len(claims) == 1


def assert_log_matches_quantities(wh: Warehouse) -> None:
    """Every pick line's quantity is exactly the sum of its accepted scans in the log."""
    mismatches = wh.db.execute(
        "SELECT p.batch, p.sku, p.picked, coalesce(sum(s.qty), 0) FROM pick_lines p"
        " LEFT JOIN scan_log s ON s.batch = p.batch AND s.sku = p.sku AND s.stage = 'pick'"
        "   AND s.outcome = 'accepted' AND s.kind IN ('product', 'weighed', 'undo')"
        " GROUP BY p.batch, p.sku HAVING p.picked != coalesce(sum(s.qty), 0)"
    ).fetchall()
    assert mismatches == []


def _kill_trials(demo_db: Path, tmp_path: Path, trials: int, seed: int) -> None:
    path = _copy(demo_db, tmp_path / "crash.db")
    wh = Warehouse(path)
    batch_id = wh.batches("released")[0]["id"]
    wh.claim(batch_id, "P001", "T1")
    rng = random.Random(seed)
    all_codes = codes_for(wh, batch_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    acknowledged: list[dict] = []
    before = 0
    for _trial in range(trials):
        # A stream of real picks, undos and junk, killed after a random number of answers.
        stream = [
            rng.choice([*all_codes, *all_codes, "CMD-UNDO", "123", "CMD-SKIP"]) for _ in range(30)
        ]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "picker",
                "--lang",
                "en",
                "scan",
                "--db",
                str(path),
                "--batch",
                batch_id,
                "--operator",
                "P001",
                "--terminal",
                "T1",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
        )
        assert proc.stdin is not None and proc.stdout is not None
        kill_after = rng.randrange(0, len(stream))
        answers = 0
        for code in stream:
            proc.stdin.write(code + "\n")
            proc.stdin.flush()
            if answers == kill_after:
                # Sometimes mid-transaction: the next code is on its way when the signal lands.
                time.sleep(rng.random() * 0.003)
                break
            line = proc.stdout.readline()
            acknowledged.append(json.loads(line))
            answers += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log_ids = {r["id"] for r in wh.scan_log(batch_id)}
        assert {a["scan_id"] for a in acknowledged} <= log_ids, "an acknowledged scan was lost"
        # Only the one code in flight may have committed without being acknowledged.
        assert len(log_ids) - before - answers in (0, 1)
        before = len(log_ids)
        assert_log_matches_quantities(wh)
        assert wh.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.count(wh.db, "scan_log") >= len(acknowledged)


def test_scan_streams_killed_at_random_points(demo_db: Path, tmp_path: Path) -> None:
    _kill_trials(demo_db, tmp_path, trials=20, seed=1)


@pytest.mark.slow
def test_scan_streams_killed_a_hundred_times(demo_db: Path, tmp_path: Path) -> None:
    _kill_trials(demo_db, tmp_path, trials=100, seed=2)
