"""The SQLite schema as numbered migrations; ``PRAGMA user_version`` holds the version.

Migration 1 is the first released schema and must never change: stores created by it
are upgraded by the migrations after it, each in its own transaction.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: daily stats, IP facts, SNDS days, provider warm-ups, source outcomes.
    """
    CREATE TABLE daily_stats (
        day TEXT NOT NULL, ip TEXT NOT NULL, mailbox_provider TEXT NOT NULL, source TEXT NOT NULL,
        sent INTEGER NOT NULL, delivered INTEGER, bounced INTEGER, hard_bounced INTEGER,
        soft_bounced INTEGER, complaints INTEGER, unsubscribes INTEGER, opens INTEGER, clicks INTEGER,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (day, ip, mailbox_provider, source)
    );
    CREATE INDEX daily_stats_ip ON daily_stats (ip, day);
    CREATE TABLE ip_facts (
        ip TEXT NOT NULL, source TEXT NOT NULL, pool TEXT, provider TEXT, kind TEXT, stream TEXT,
        warmup_start TEXT, warmup_plan TEXT, warmup_target_daily INTEGER, rdns TEXT,
        sending_domains TEXT NOT NULL DEFAULT '',
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (ip, source)
    );
    CREATE TABLE snds_days (
        ip TEXT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL,
        activity_start TEXT, activity_end TEXT, rcpt_commands INTEGER NOT NULL,
        data_commands INTEGER NOT NULL, recipients INTEGER NOT NULL, filter_result TEXT NOT NULL,
        complaint_rate_text TEXT NOT NULL, complaint_rate_max REAL, trap_hits INTEGER NOT NULL,
        sample_helo TEXT NOT NULL, sample_mail_from TEXT NOT NULL, comments TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (ip, day, source)
    );
    CREATE TABLE warmups (
        ip TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL, active INTEGER NOT NULL,
        progress REAL, stage INTEGER, total_stages INTEGER, started_on TEXT, status_text TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (ip, source)
    );
    CREATE TABLE source_runs (
        source TEXT PRIMARY KEY, kind TEXT NOT NULL, last_attempt TEXT NOT NULL,
        last_success TEXT, last_failure TEXT, failure_kind TEXT,
        last_error TEXT NOT NULL DEFAULT '', last_detail TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: provider listings, account/domain days, alert state, failure streaks.
    """
    CREATE TABLE listings (
        ip TEXT NOT NULL, list_name TEXT NOT NULL, source TEXT NOT NULL, listed INTEGER NOT NULL,
        reason TEXT NOT NULL, first_seen TEXT, fetched_at TEXT NOT NULL,
        PRIMARY KEY (ip, list_name, source)
    );
    CREATE TABLE account_days (
        day TEXT NOT NULL, scope TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL,
        sent INTEGER, delivered INTEGER, bounced INTEGER, hard_bounced INTEGER, soft_bounced INTEGER,
        complaints INTEGER, opens INTEGER, clicks INTEGER, bounce_rate REAL, complaint_rate REAL,
        status TEXT NOT NULL, fetched_at TEXT NOT NULL,
        PRIMARY KEY (day, scope, source)
    );
    CREATE TABLE alerts (
        key TEXT PRIMARY KEY, source TEXT NOT NULL, opened_at TEXT NOT NULL, payload TEXT NOT NULL
    );
    ALTER TABLE source_runs ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: a provider's own "warm-up complete" (SES DONE), apart from "not auto-warming".
    """
    ALTER TABLE warmups ADD COLUMN completed INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: block bounces per IP and per account; how account rates are computed; Postmaster v2's
    # delivery-error reasons and compliance rows.
    """
    ALTER TABLE daily_stats ADD COLUMN blocked INTEGER;
    ALTER TABLE account_days ADD COLUMN blocked INTEGER;
    ALTER TABLE account_days ADD COLUMN rate_basis TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE account_days ADD COLUMN delivery_errors TEXT NOT NULL DEFAULT '';
    ALTER TABLE account_days ADD COLUMN compliance TEXT NOT NULL DEFAULT '';
    """,
    # 5: alerts acknowledged on screen (the TUI's `a`), kept across restarts.
    """
    CREATE TABLE alert_acks (key TEXT PRIMARY KEY, acknowledged_at TEXT NOT NULL);
    """,
    # 6: each (IP, source)'s newest day of daily stats, kept by a trigger on every insert: which IPs
    # a lean read leaves out entirely (held only before its start) without scanning the older days.
    """
    CREATE TABLE stat_latest (
        ip TEXT NOT NULL, source TEXT NOT NULL, last_day TEXT NOT NULL, PRIMARY KEY (ip, source)
    );
    INSERT INTO stat_latest (ip, source, last_day)
        SELECT ip, source, max(day) FROM daily_stats GROUP BY ip, source;
    CREATE TRIGGER daily_stats_latest AFTER INSERT ON daily_stats BEGIN
        INSERT INTO stat_latest (ip, source, last_day) VALUES (new.ip, new.source, new.day)
        ON CONFLICT (ip, source) DO UPDATE SET last_day = max(last_day, excluded.last_day);
    END;
    """,
    # 7: the store's data version, bumped by a trigger in the same transaction as every write of what
    # an analysis reads (any writer: polls, `store migrate`, imports, retention); and the analysis
    # snapshots viewers share (sources.store.snapshots), each labelled with the version it was made at.
    """
    CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL
    );
    INSERT INTO data_version (id, version) VALUES (1, 1);
    CREATE TABLE analysis_snapshots (
        key TEXT PRIMARY KEY, data_version INTEGER NOT NULL, written_at TEXT NOT NULL, payload BLOB NOT NULL
    );
    CREATE TRIGGER daily_stats_insert_version AFTER INSERT ON daily_stats BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER daily_stats_update_version AFTER UPDATE ON daily_stats BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER daily_stats_delete_version AFTER DELETE ON daily_stats BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER ip_facts_insert_version AFTER INSERT ON ip_facts BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER ip_facts_update_version AFTER UPDATE ON ip_facts BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER ip_facts_delete_version AFTER DELETE ON ip_facts BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER snds_days_insert_version AFTER INSERT ON snds_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER snds_days_update_version AFTER UPDATE ON snds_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER snds_days_delete_version AFTER DELETE ON snds_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER warmups_insert_version AFTER INSERT ON warmups BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER warmups_update_version AFTER UPDATE ON warmups BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER warmups_delete_version AFTER DELETE ON warmups BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER source_runs_insert_version AFTER INSERT ON source_runs BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER source_runs_update_version AFTER UPDATE ON source_runs BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER source_runs_delete_version AFTER DELETE ON source_runs BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER listings_insert_version AFTER INSERT ON listings BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER listings_update_version AFTER UPDATE ON listings BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER listings_delete_version AFTER DELETE ON listings BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER account_days_insert_version AFTER INSERT ON account_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER account_days_update_version AFTER UPDATE ON account_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    CREATE TRIGGER account_days_delete_version AFTER DELETE ON account_days BEGIN
        UPDATE data_version SET version = version + 1;
    END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(Exception):
    """The store was written by a newer ipdash, or is not an ipdash store."""


class NewerSchemaError(SchemaError):
    """Written by a newer ipdash: not damaged, this one must not touch it."""


def current_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target``; each step is atomic. Returns the version reached."""
    version = current_version(connection)
    if version == 0:
        foreign = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        if foreign:
            raise SchemaError(
                f"not an ipdash history store: it holds other tables ({', '.join(foreign[:5])}) "
                "and no ipdash schema version; point [store] path at a file of its own"
            )
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the history store has schema version {version}, newer than this ipdash "
            f"understands ({SCHEMA_VERSION}): upgrade ipdash"
        )
    while version < target:
        script = MIGRATIONS[version]
        connection.execute("BEGIN IMMEDIATE")
        try:
            if current_version(connection) != version:  # another process migrated meanwhile
                connection.execute("ROLLBACK")
                version = current_version(connection)
                continue
            for statement in _statements(script):
                connection.execute(statement)
            version += 1
            connection.execute(f"PRAGMA user_version = {version}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return version


def _statements(script: str) -> list[str]:
    """The script's statements, each whole (a trigger's body holds statements of its own)."""
    found, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending.strip())
    return found
