"""The PostgreSQL schema as numbered migrations, and the monthly partitions of the daily tables.

``ipdash_schema.version`` holds the version. Migrations run under a transaction-scoped advisory
lock, so several processes starting at once migrate once. Migration 1 is released and must never
change. Daily tables (``daily_stats``, ``snds_days``, ``account_days``) are partitioned by month on
``day``: retention drops whole months, and a 7-day query reads one or two partitions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

MIGRATION_LOCK = 0x1D_DA5B_0001
PARTITION_LOCK = 0x1D_DA5B_0002

DAILY_TABLES = ("daily_stats", "snds_days", "account_days")

MIGRATIONS: tuple[str, ...] = (
    # 1: the SQLite schema's tables (as of its migration 3), daily ones partitioned by month.
    """
    CREATE TABLE daily_stats (
        day DATE NOT NULL, ip TEXT NOT NULL, mailbox_provider TEXT NOT NULL, source TEXT NOT NULL,
        sent BIGINT NOT NULL, delivered BIGINT, bounced BIGINT, hard_bounced BIGINT,
        soft_bounced BIGINT, complaints BIGINT, unsubscribes BIGINT, opens BIGINT, clicks BIGINT,
        fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (day, ip, mailbox_provider, source)
    ) PARTITION BY RANGE (day);
    CREATE INDEX daily_stats_fetched ON daily_stats (fetched_at);
    CREATE TABLE snds_days (
        ip TEXT NOT NULL, day DATE NOT NULL, source TEXT NOT NULL,
        activity_start TEXT, activity_end TEXT, rcpt_commands BIGINT NOT NULL,
        data_commands BIGINT NOT NULL, recipients BIGINT NOT NULL, filter_result TEXT NOT NULL,
        complaint_rate_text TEXT NOT NULL, complaint_rate_max DOUBLE PRECISION, trap_hits BIGINT NOT NULL,
        sample_helo TEXT NOT NULL, sample_mail_from TEXT NOT NULL, comments TEXT NOT NULL,
        fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ip, day, source)
    ) PARTITION BY RANGE (day);
    CREATE TABLE account_days (
        day DATE NOT NULL, scope TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL,
        sent BIGINT, delivered BIGINT, bounced BIGINT, hard_bounced BIGINT, soft_bounced BIGINT,
        complaints BIGINT, opens BIGINT, clicks BIGINT, bounce_rate DOUBLE PRECISION,
        complaint_rate DOUBLE PRECISION, status TEXT NOT NULL, fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (day, scope, source)
    ) PARTITION BY RANGE (day);
    CREATE TABLE ip_facts (
        ip TEXT NOT NULL, source TEXT NOT NULL, pool TEXT, provider TEXT, kind TEXT, stream TEXT,
        warmup_start DATE, warmup_plan TEXT, warmup_target_daily BIGINT, rdns TEXT,
        sending_domains TEXT NOT NULL DEFAULT '',
        fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ip, source)
    );
    CREATE TABLE warmups (
        ip TEXT NOT NULL, source TEXT NOT NULL, provider TEXT NOT NULL, active BOOLEAN NOT NULL,
        progress DOUBLE PRECISION, stage INTEGER, total_stages INTEGER, started_on DATE,
        status_text TEXT NOT NULL, completed BOOLEAN NOT NULL DEFAULT false, fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ip, source)
    );
    CREATE TABLE listings (
        ip TEXT NOT NULL, list_name TEXT NOT NULL, source TEXT NOT NULL, listed BOOLEAN NOT NULL,
        reason TEXT NOT NULL, first_seen TEXT, fetched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (ip, list_name, source)
    );
    CREATE TABLE source_runs (
        source TEXT PRIMARY KEY, kind TEXT NOT NULL, last_attempt TIMESTAMPTZ NOT NULL,
        last_success TIMESTAMPTZ, last_failure TIMESTAMPTZ, failure_kind TEXT,
        last_error TEXT NOT NULL DEFAULT '', last_detail TEXT NOT NULL DEFAULT '',
        consecutive_failures INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE alerts (
        key TEXT PRIMARY KEY, source TEXT NOT NULL, opened_at TIMESTAMPTZ NOT NULL, payload JSONB NOT NULL
    );
    """,
    # 2: as SQLite's migration 4: block bounces, account rate basis, Postmaster reasons and compliance.
    """
    ALTER TABLE daily_stats ADD COLUMN blocked BIGINT;
    ALTER TABLE account_days ADD COLUMN blocked BIGINT;
    ALTER TABLE account_days ADD COLUMN rate_basis TEXT NOT NULL DEFAULT 'daily';
    ALTER TABLE account_days ADD COLUMN delivery_errors TEXT NOT NULL DEFAULT '';
    ALTER TABLE account_days ADD COLUMN compliance TEXT NOT NULL DEFAULT '';
    """,
    # 3: as SQLite's migration 5: alerts acknowledged on screen.
    """
    CREATE TABLE alert_acks (key TEXT PRIMARY KEY, acknowledged_at TIMESTAMPTZ NOT NULL);
    """,
    # 4: as SQLite's migration 6: each (IP, source)'s newest day of daily stats, kept by a statement
    # trigger on every insert (any writer: polls, `store migrate`, COPY); and an (IP, day) index: a
    # lean read's context (a few IPs' earlier days) without scanning every IP's.
    """
    CREATE TABLE stat_latest (
        ip TEXT NOT NULL, source TEXT NOT NULL, last_day DATE NOT NULL, PRIMARY KEY (ip, source)
    );
    INSERT INTO stat_latest (ip, source, last_day)
        SELECT ip, source, max(day) FROM daily_stats GROUP BY ip, source;
    CREATE FUNCTION ipdash_stat_latest() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO stat_latest (ip, source, last_day)
            SELECT ip, source, max(day) FROM inserted GROUP BY ip, source
            ON CONFLICT (ip, source) DO UPDATE SET last_day = GREATEST(stat_latest.last_day, excluded.last_day);
        RETURN NULL;
    END $$;
    CREATE TRIGGER daily_stats_latest AFTER INSERT ON daily_stats
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ipdash_stat_latest();
    CREATE INDEX daily_stats_ip_day ON daily_stats (ip, day);
    """,
    # 5: as SQLite's migration 7: the data version, bumped by a statement trigger in the writing
    # transaction (any writer; retention's DELETE after its dropped partitions fires it: a DROP fires
    # none); the shared analysis snapshots. The version is one row: a viewer reads it before the
    # data, so a snapshot is never labelled with a version newer than the data it was made of.
    """
    CREATE TABLE data_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
    INSERT INTO data_version (id, version) VALUES (1, 1);
    CREATE TABLE analysis_snapshots (
        key TEXT PRIMARY KEY, data_version BIGINT NOT NULL, written_at TIMESTAMPTZ NOT NULL,
        payload BYTEA NOT NULL
    );
    CREATE FUNCTION ipdash_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE data_version SET version = version + 1;
        RETURN NULL;
    END $$;
    CREATE TRIGGER daily_stats_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON daily_stats
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER ip_facts_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ip_facts
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER snds_days_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON snds_days
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER warmups_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON warmups
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER source_runs_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON source_runs
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER listings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listings
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    CREATE TRIGGER account_days_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON account_days
        FOR EACH STATEMENT EXECUTE FUNCTION ipdash_bump_data_version();
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def create_partition_sql(table: str, month: date) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(table, month)} PARTITION OF {table} "
        f"FOR VALUES FROM ('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
    )


def migrate(connection: Any) -> int:
    """Bring the schema to SCHEMA_VERSION (psycopg connection, autocommit off). Returns the version."""
    from ipdash.sources.store.schema import SchemaError

    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS ipdash_schema (version INTEGER NOT NULL)")
        row = connection.execute("SELECT max(version) FROM ipdash_schema").fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"the history store has schema version {version}, newer than this ipdash "
                f"understands ({SCHEMA_VERSION}): upgrade ipdash"
            )
        while version < SCHEMA_VERSION:
            connection.execute(MIGRATIONS[version])
            version += 1
            connection.execute("DELETE FROM ipdash_schema")
            connection.execute("INSERT INTO ipdash_schema (version) VALUES (%s)", (version,))
    return version
