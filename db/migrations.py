"""The schema, as numbered migrations. Never edit an applied migration: add the next one.

Migrations are history: one list, applied in order, kept in one module however long it
grows, so the order they run in is the order they are read in.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

from db.transaction import write

MIGRATIONS = Migrations("picker")


def _run(db: sqlite_utils.Database, statements: str) -> None:
    # executescript() would COMMIT the migration's transaction first; run one by one.
    pending = ""
    for piece in statements.split(";"):
        pending += piece + ";"
        # A trigger body holds semicolons of its own: wait for the statement to be whole.
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                db.execute(pending)
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"incomplete statement in migration: {pending!r}")


@MIGRATIONS(name="0001_warehouse")
def m0001_warehouse(db: sqlite_utils.Database) -> None:
    _run(
        db,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE subdistricts (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE committees (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            subdistrict TEXT NOT NULL REFERENCES subdistricts(code),
            contact_name TEXT NOT NULL DEFAULT '',
            contact_phone TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            route TEXT NOT NULL DEFAULT '',
            stop_order INTEGER NOT NULL DEFAULT 0,
            households INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE committee_aliases (
            alias TEXT PRIMARY KEY,
            committee TEXT NOT NULL REFERENCES committees(code)
        );
        CREATE TABLE payment_codes (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE payment_code_committees (
            payment_code TEXT NOT NULL REFERENCES payment_codes(code),
            committee TEXT NOT NULL REFERENCES committees(code),
            PRIMARY KEY (payment_code, committee)
        );
        CREATE TABLE locations (
            code TEXT PRIMARY KEY,
            zone TEXT NOT NULL,
            aisle INTEGER NOT NULL,
            bay INTEGER NOT NULL,
            level INTEGER NOT NULL,
            walk_seq INTEGER NOT NULL UNIQUE
        );
        CREATE TABLE products (
            sku TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            unit TEXT NOT NULL,
            price_fen INTEGER NOT NULL CHECK (price_fen >= 0),
            location TEXT NOT NULL REFERENCES locations(code),
            category TEXT NOT NULL DEFAULT '',
            weighed INTEGER NOT NULL DEFAULT 0,
            unit_grams INTEGER NOT NULL DEFAULT 0,
            plu TEXT UNIQUE,
            tolerance_grams INTEGER NOT NULL DEFAULT 0,
            is_bundle INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE barcodes (
            code TEXT PRIMARY KEY,
            sku TEXT NOT NULL REFERENCES products(sku),
            pack_qty INTEGER NOT NULL DEFAULT 1 CHECK (pack_qty >= 1)
        );
        CREATE INDEX barcodes_sku ON barcodes(sku);
        CREATE TABLE operators (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('picker', 'lead', 'driver')),
            badge TEXT NOT NULL UNIQUE,
            pin_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            rows INTEGER NOT NULL,
            orders_added INTEGER NOT NULL,
            orders_duplicate INTEGER NOT NULL,
            orders_rejected INTEGER NOT NULL
        );
        CREATE TABLE orders (
            order_no TEXT PRIMARY KEY,
            paid_at TEXT NOT NULL,
            amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
            payment_code TEXT NOT NULL REFERENCES payment_codes(code),
            committee TEXT NOT NULL REFERENCES committees(code),
            community TEXT NOT NULL DEFAULT '',
            building TEXT NOT NULL,
            unit TEXT NOT NULL DEFAULT '',
            room TEXT NOT NULL,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('paid', 'refunded', 'cancelled')),
            import_id INTEGER REFERENCES imports(id)
        );
        CREATE INDEX orders_committee_status ON orders(committee, status);
        CREATE INDEX orders_paid_at ON orders(paid_at);
        CREATE TABLE order_lines (
            order_no TEXT NOT NULL REFERENCES orders(order_no),
            line_no INTEGER NOT NULL,
            sku TEXT NOT NULL REFERENCES products(sku),
            qty INTEGER NOT NULL CHECK (qty > 0),
            unit_price_fen INTEGER NOT NULL CHECK (unit_price_fen >= 0),
            ordered_grams INTEGER,
            PRIMARY KEY (order_no, line_no)
        ) WITHOUT ROWID;
        CREATE INDEX order_lines_sku ON order_lines(sku);
        CREATE TABLE import_rejects (
            id INTEGER PRIMARY KEY,
            import_id INTEGER REFERENCES imports(id),
            source TEXT NOT NULL,
            line INTEGER NOT NULL,
            order_no TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            raw TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved')),
            committee TEXT
        );
        CREATE INDEX import_rejects_status ON import_rejects(status);
        CREATE INDEX import_rejects_order_no ON import_rejects(order_no)
        """,
    )


@MIGRATIONS(name="0002_floor")
def m0002_floor(db: sqlite_utils.Database) -> None:
    """Batches, claims, pick and pack quantities, bags, refunds, the scan log, print jobs."""
    _run(
        db,
        """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            committee TEXT NOT NULL REFERENCES committees(code),
            status TEXT NOT NULL CHECK (status IN
                ('draft', 'released', 'claimed', 'picking', 'picked', 'packed', 'closed')),
            created_at TEXT NOT NULL,
            orders INTEGER NOT NULL,
            lines INTEGER NOT NULL,
            grams INTEGER NOT NULL,
            holder TEXT REFERENCES operators(code),
            terminal TEXT,
            claimed_at TEXT
        );
        CREATE INDEX batches_status ON batches(status, committee);
        CREATE TABLE batch_orders (
            order_no TEXT PRIMARY KEY REFERENCES orders(order_no),
            batch TEXT NOT NULL REFERENCES batches(id)
        );
        CREATE INDEX batch_orders_batch ON batch_orders(batch);
        CREATE TABLE batch_events (
            id INTEGER PRIMARY KEY,
            batch TEXT NOT NULL REFERENCES batches(id),
            at TEXT NOT NULL,
            operator TEXT,
            terminal TEXT,
            event TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX batch_events_batch ON batch_events(batch);
        CREATE TABLE pick_lines (
            batch TEXT NOT NULL REFERENCES batches(id),
            sku TEXT NOT NULL REFERENCES products(sku),
            walk_seq INTEGER NOT NULL,
            needed INTEGER NOT NULL CHECK (needed > 0),
            picked INTEGER NOT NULL DEFAULT 0 CHECK (picked >= 0),
            grams_picked INTEGER NOT NULL DEFAULT 0,
            short INTEGER NOT NULL DEFAULT 0 CHECK (short >= 0),
            short_reason TEXT,
            skips INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (batch, sku),
            CHECK (picked + short <= needed)
        ) WITHOUT ROWID;
        CREATE TABLE line_shorts (
            order_no TEXT NOT NULL,
            line_no INTEGER NOT NULL,
            batch TEXT NOT NULL REFERENCES batches(id),
            short_qty INTEGER NOT NULL CHECK (short_qty > 0),
            reason TEXT NOT NULL,
            policy TEXT NOT NULL,
            PRIMARY KEY (order_no, line_no),
            FOREIGN KEY (order_no, line_no) REFERENCES order_lines(order_no, line_no)
        ) WITHOUT ROWID;
        CREATE TABLE packed_lines (
            order_no TEXT NOT NULL,
            line_no INTEGER NOT NULL,
            qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0),
            grams INTEGER NOT NULL DEFAULT 0,
            label_fen INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (order_no, line_no),
            FOREIGN KEY (order_no, line_no) REFERENCES order_lines(order_no, line_no)
        ) WITHOUT ROWID;
        CREATE TABLE bags (
            id TEXT PRIMARY KEY,
            order_no TEXT NOT NULL REFERENCES orders(order_no),
            batch TEXT NOT NULL REFERENCES batches(id),
            k INTEGER NOT NULL,
            n INTEGER NOT NULL,
            items INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            closed_at TEXT,
            UNIQUE (order_no, k)
        );
        CREATE INDEX bags_batch ON bags(batch);
        CREATE TABLE refunds (
            id INTEGER PRIMARY KEY,
            order_no TEXT NOT NULL REFERENCES orders(order_no),
            line_no INTEGER,
            kind TEXT NOT NULL CHECK (kind IN ('short', 'underweight', 'cancel')),
            fen INTEGER NOT NULL CHECK (fen >= 0),
            reason TEXT NOT NULL DEFAULT '',
            batch TEXT,
            scan_id INTEGER,
            at TEXT NOT NULL
        );
        CREATE INDEX refunds_order ON refunds(order_no);
        CREATE TABLE scan_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            operator TEXT NOT NULL,
            terminal TEXT NOT NULL DEFAULT '',
            batch TEXT,
            stage TEXT NOT NULL,
            raw TEXT NOT NULL,
            kind TEXT,
            sku TEXT,
            qty INTEGER,
            grams INTEGER,
            order_no TEXT,
            bag TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
            reason TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '',
            undoes INTEGER REFERENCES scan_log(id)
        );
        CREATE INDEX scan_log_batch ON scan_log(batch, stage, operator);
        CREATE UNIQUE INDEX scan_log_undone ON scan_log(undoes) WHERE undoes IS NOT NULL;
        CREATE TRIGGER scan_log_no_update BEFORE UPDATE ON scan_log
        BEGIN SELECT RAISE(ABORT, 'the scan log is append-only'); END;
        CREATE TRIGGER scan_log_no_delete BEFORE DELETE ON scan_log
        BEGIN SELECT RAISE(ABORT, 'the scan log is append-only'); END;
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            printer TEXT NOT NULL DEFAULT '',
            reprint INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),
            data BLOB,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE INDEX print_jobs_status ON print_jobs(status, next_attempt_at)
        """,
    )


@MIGRATIONS(name="0003_dispatch")
def m0003_dispatch(db: sqlite_utils.Database) -> None:
    """Routes of the day with their stops, bags loaded onto them, manifests and their proof."""
    _run(
        db,
        """
        CREATE TABLE routes (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            name TEXT NOT NULL,
            truck TEXT NOT NULL DEFAULT '',
            driver TEXT REFERENCES operators(code),
            status TEXT NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'loading', 'departed', 'done')),
            departed_at TEXT,
            override_by TEXT REFERENCES operators(code),
            override_reason TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE route_stops (
            route TEXT NOT NULL REFERENCES routes(id),
            committee TEXT NOT NULL REFERENCES committees(code),
            day TEXT NOT NULL,
            stop_order INTEGER NOT NULL,
            PRIMARY KEY (route, committee),
            UNIQUE (day, committee)
        ) WITHOUT ROWID;
        CREATE TABLE bag_loads (
            bag TEXT PRIMARY KEY REFERENCES bags(id),
            route TEXT NOT NULL REFERENCES routes(id),
            at TEXT NOT NULL,
            operator TEXT NOT NULL,
            terminal TEXT NOT NULL DEFAULT '',
            scan_id INTEGER REFERENCES scan_log(id)
        );
        CREATE INDEX bag_loads_route ON bag_loads(route);
        CREATE TABLE manifests (
            id TEXT PRIMARY KEY,
            committee TEXT NOT NULL REFERENCES committees(code),
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            route TEXT REFERENCES routes(id),
            created_at TEXT NOT NULL,
            delivered_at TEXT,
            pod_path TEXT,
            UNIQUE (committee, day, seq)
        );
        CREATE TABLE manifest_bags (
            manifest TEXT NOT NULL REFERENCES manifests(id),
            bag TEXT NOT NULL UNIQUE REFERENCES bags(id),
            PRIMARY KEY (manifest, bag)
        ) WITHOUT ROWID
        """,
    )


@MIGRATIONS(name="0004_feed")
def m0004_feed(db: sqlite_utils.Database) -> None:
    """The payment platform's feed: cursors, refund and cancel events, exceptions for the lead."""
    _run(
        db,
        """
        CREATE TABLE feed_sources (
            name TEXT PRIMARY KEY,
            orders_cursor TEXT NOT NULL DEFAULT '',
            events_cursor TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'idle',
            last_ok_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            updated_at TEXT
        );
        CREATE TABLE order_events (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            order_no TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('refund', 'cancel')),
            amount_fen INTEGER,
            at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            UNIQUE (source, event_id)
        );
        CREATE INDEX order_events_order ON order_events(order_no);
        CREATE TABLE order_exceptions (
            id INTEGER PRIMARY KEY,
            order_no TEXT NOT NULL REFERENCES orders(order_no),
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT
        );
        CREATE INDEX order_exceptions_open ON order_exceptions(resolved_at)
        """,
    )


@MIGRATIONS(name="0005_dispatch_more")
def m0005_dispatch_more(db: sqlite_utils.Database) -> None:
    """Who marked a route departed, and manifests by route for the route sheet."""
    _run(
        db,
        """
        ALTER TABLE routes ADD COLUMN departed_by TEXT REFERENCES operators(code);
        CREATE INDEX routes_day ON routes(day);
        CREATE INDEX manifests_route ON manifests(route)
        """,
    )


@MIGRATIONS(name="0006_crates")
def m0006_crates(db: sqlite_utils.Database) -> None:
    """Crates (周转筐) holding a committee's bags, one fill per crate and day.

    `code` is the reusable crate's printed id (`CR-XY01-0007`); a crate filled again on
    another day is a new row. `seq` (k of the committee's crates that day) is given when the
    crate closes, so an abandoned empty crate leaves no gap; `n` is what its label printed.
    """
    _run(
        db,
        """
        CREATE TABLE crates (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL,
            committee TEXT NOT NULL REFERENCES committees(code),
            day TEXT NOT NULL,
            seq INTEGER CHECK (seq >= 1),
            n INTEGER,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            max_bags INTEGER NOT NULL CHECK (max_bags >= 1),
            max_grams INTEGER NOT NULL CHECK (max_grams >= 1),
            opened_at TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT,
            UNIQUE (code, day),
            UNIQUE (committee, day, seq)
        );
        CREATE INDEX crates_committee_day ON crates(committee, day);
        CREATE UNIQUE INDEX crates_one_open ON crates(code) WHERE status = 'open';
        CREATE TABLE crate_bags (
            bag TEXT PRIMARY KEY REFERENCES bags(id),
            crate INTEGER NOT NULL REFERENCES crates(id),
            at TEXT NOT NULL,
            operator TEXT NOT NULL,
            grams INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX crate_bags_crate ON crate_bags(crate)
        """,
    )


@MIGRATIONS(name="0007_devices")
def m0007_devices(db: sqlite_utils.Database) -> None:
    """What each printer with status queries last said about itself (paper, cover, errors)."""
    _run(
        db,
        """
        CREATE TABLE printer_status (
            printer TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            checked_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS(name="0008_orders_received_status")
def m0008_orders_received_status(db: sqlite_utils.Database) -> None:
    """An order's status as it arrived, so an order sent again is compared with what was sent
    before, not with what refund events made of it since. Orders already closed by an event
    arrived paid."""
    _run(
        db,
        """
        ALTER TABLE orders ADD COLUMN received_status TEXT;
        UPDATE orders SET received_status = CASE
            WHEN status != 'paid' AND order_no IN (
                SELECT order_no FROM order_events
                WHERE outcome IN ('cancelled', 'flagged', 'pull-bag', 'applying')
            ) THEN 'paid'
            ELSE status END
        """,
    )


@MIGRATIONS(name="0009_print_claims")
def m0009_print_claims(db: sqlite_utils.Database) -> None:
    """Who claimed a print job and when, a `held` state for jobs that may have printed, and
    one row per send of a job, marked when it was a reprint (补打).

    SQLite cannot change a CHECK constraint in place: the table is rebuilt. Nothing refers to
    it, so it is dropped and its copy renamed.
    """
    _run(
        db,
        """
        CREATE TABLE print_jobs_new (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            printer TEXT NOT NULL DEFAULT '',
            reprint INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),
            data BLOB,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'done', 'failed', 'held')),
            attempts INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            done_at TEXT,
            claimed_by TEXT NOT NULL DEFAULT '',
            claimed_at TEXT
        );
        INSERT INTO print_jobs_new (id, kind, target, printer, reprint, data, status, attempts,
            reason, next_attempt_at, created_at, updated_at, done_at, claimed_at)
            SELECT id, kind, target, printer, reprint, data, status, attempts, reason,
            next_attempt_at, created_at, updated_at, done_at,
            CASE status WHEN 'sending' THEN updated_at END FROM print_jobs;
        DROP TABLE print_jobs;
        ALTER TABLE print_jobs_new RENAME TO print_jobs;
        CREATE INDEX print_jobs_status ON print_jobs(status, next_attempt_at);
        CREATE TABLE print_sends (
            id INTEGER PRIMARY KEY,
            job INTEGER NOT NULL REFERENCES print_jobs(id),
            printer TEXT NOT NULL,
            worker TEXT NOT NULL,
            reprint INTEGER NOT NULL CHECK (reprint IN (0, 1)),
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'sending'
                CHECK (outcome IN ('sending', 'done', 'failed', 'waiting', 'unknown'))
        );
        CREATE INDEX print_sends_job ON print_sends(job)
        """,
    )


@MIGRATIONS(name="0010_manifest_pages")
def m0010_manifest_pages(db: sqlite_utils.Database) -> None:
    """The pages of a manifest that came back signed, each with the photo that proves it.

    `pages` is the page count printed on the page (its QR says it), so pages of two printings
    of one manifest are told apart.
    """
    _run(
        db,
        """
        CREATE TABLE manifest_pages (
            manifest TEXT NOT NULL REFERENCES manifests(id),
            pages INTEGER NOT NULL CHECK (pages >= 1),
            page INTEGER NOT NULL CHECK (page BETWEEN 1 AND pages),
            signed_at TEXT NOT NULL,
            pod_path TEXT NOT NULL,
            PRIMARY KEY (manifest, pages, page)
        ) WITHOUT ROWID
        """,
    )


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations under the write lock; returns the names applied.

    Two processes opening a new file at once would otherwise race to create the same tables.
    """
    if not MIGRATIONS.pending(db):
        return []
    with write(db):
        pending = [m.name for m in MIGRATIONS.pending(db)]
        MIGRATIONS.apply(db)
    return pending
