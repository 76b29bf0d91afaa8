"""The warehouse as composed services: the facade's delegations, the shared context, the
session protocol, and the rules that keep the services apart and SQL in `db/`."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

import db
from db import scan_log
from picker.app.context import Service
from picker.app.crate_session import CrateSession
from picker.app.loading import LoadSession
from picker.app.session import Session
from picker.app.sessions import ScanSession
from picker.app.warehouse import Warehouse, _Delegate
from picker.domain.model import SHANGHAI
from picker.domain.packing import BagCapacity

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "picker" / "app"
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "SAVEPOINT ", "BEGIN ", "PRAGMA ")


def delegates() -> list[tuple[str, _Delegate[..., object]]]:
    return [(name, d) for name, d in vars(Warehouse).items() if isinstance(d, _Delegate)]


def test_every_delegation_reaches_the_same_named_method_of_a_composed_service(
    warehouse: Warehouse,
) -> None:
    found = delegates()
    assert len(found) > 60
    for name, delegate in found:
        service = getattr(warehouse, delegate.service)
        assert isinstance(service, Service), name
        assert delegate.method == name
        bound = getattr(warehouse, name)
        assert bound == getattr(service, name), name
        assert inspect.signature(bound) == inspect.signature(getattr(service, name)), name


def test_the_facade_and_the_service_answer_alike(warehouse: Warehouse) -> None:
    assert warehouse.drivers() == warehouse.dispatch.drivers()
    assert warehouse.operator("P001") == warehouse.floor.operator("P001")
    assert warehouse.batches() == warehouse.floor.batches() == []


def test_settings_and_clock_set_on_the_warehouse_reach_every_service(
    warehouse: Warehouse,
) -> None:
    when = datetime(2022, 4, 12, 8, 30, tzinfo=SHANGHAI)
    warehouse.clock = lambda: when
    warehouse.settings = replace(warehouse.settings, bag_capacity=BagCapacity(max_items=2))
    for service in (warehouse.floor, warehouse.crating, warehouse.printing):
        assert service.clock() == when
        assert service.settings.bag_capacity.max_items == 2
    assert warehouse.routing.day(None).isoformat() == "2022-04-12"
    assert warehouse.ctx.now() == "2022-04-12T08:30:00.000+08:00"


def test_the_services_share_one_connection_per_thread(warehouse: Warehouse) -> None:
    assert warehouse.floor.db is warehouse.dispatch.db is warehouse.db
    warehouse.close()
    assert warehouse.crating.db is warehouse.db


def test_every_session_offers_what_the_scan_lane_uses(warehouse: Warehouse) -> None:
    members = {"scan", "disconnect", "settings", "operator", "terminal", "catalog"}
    declared = set(Session.__annotations__) | {n for n in vars(Session) if not n.startswith("_")}
    assert members <= declared
    crating: Session = warehouse.crate_session("P001", "T1")
    for cls in (ScanSession, LoadSession, CrateSession):
        for name in ("scan", "disconnect", "settings"):
            assert callable(getattr(cls, name, None)) or isinstance(
                getattr(cls, name, None), property
            ), (cls, name)
    assert crating.settings is warehouse.settings
    assert (crating.operator, crating.terminal) == ("P001", "T1")
    assert crating.catalog.committees.keys() == warehouse.catalog().committees.keys()


def test_savepoint_undoes_only_its_part_of_the_transaction(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "sp.db", migrate=False)
    conn.conn.execute("CREATE TABLE t (x INTEGER)")
    with db.write(conn):
        conn.conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError), db.savepoint(conn, "part"):
            conn.conn.execute("INSERT INTO t VALUES (2)")
            raise ValueError("refused")
        with db.savepoint(conn, "part"):
            conn.conn.execute("INSERT INTO t VALUES (3)")
    assert [x for (x,) in conn.conn.execute("SELECT x FROM t ORDER BY x")] == [1, 3]


def test_a_bag_scan_is_logged_with_the_bags_batch_and_order(warehouse: Warehouse) -> None:
    from db.dispatch import BagRow

    bag = BagRow("BGA001-1", "A001", "XY01-0412-01", "closed", "paid", "XY01", "1", "2", "301")
    with db.write(warehouse.db):
        first = scan_log.log_bag_scan(
            warehouse.db,
            bag,
            at="2022-04-12T08:00:00",
            operator="P001",
            terminal="T1",
            stage="load",
            raw="BGA001-1",
            outcome="accepted",
            kind="bag",
            params=(("load_route", "R20220412-1"),),
        )
        second = scan_log.log_bag_scan(
            warehouse.db,
            None,
            at="2022-04-12T08:00:01",
            operator="P001",
            terminal="T1",
            stage="load",
            raw="???",
            outcome="rejected",
            kind=None,
            reason="unknown_code",
        )
    rows = warehouse.db.conn.execute(
        "SELECT id, batch, order_no, bag, kind, params, reason FROM scan_log ORDER BY id"
    ).fetchall()
    assert rows == [
        (first, "XY01-0412-01", "A001", "BGA001-1", "bag", '{"load_route": "R20220412-1"}', ""),
        (second, None, None, None, None, "", "unknown_code"),
    ]


def app_trees() -> list[tuple[str, ast.Module]]:
    return [(p.name, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(APP.glob("*.py"))]


def test_services_and_sessions_call_no_private_member_of_another_object() -> None:
    reached = [
        f"{name}:{n.lineno} {ast.unparse(n)}"
        for name, tree in app_trees()
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr.startswith("_")
        and not n.attr.startswith("__")
        and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))
    ]
    assert reached == []


def test_no_class_declares_stubs_under_type_checking() -> None:
    stubs = [
        f"{name}:{node.lineno} {cls.name}"
        for name, tree in app_trees()
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef)
        for node in cls.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    ]
    assert stubs == []


def test_no_sql_outside_the_db_package() -> None:
    found = []
    for path in sorted((ROOT / "picker").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lstrip().upper()
                if text.startswith(SQL_WORDS):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
