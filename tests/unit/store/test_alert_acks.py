"""Alerts acknowledged on screen are kept in the store (SQLite and PostgreSQL), and older stores gain the table."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ipdash.sources.store import SqliteStore
from ipdash.sources.store.schema import SCHEMA_VERSION, migrate

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_acknowledgements_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with SqliteStore(path) as store:
        assert store.acknowledged_alerts() == {}
        store.acknowledge_alert("breach:192.0.2.1:all:bounce_rate@2026-11-19", T0)
        store.acknowledge_alert("source:stats.csv", T0)
        store.acknowledge_alert("source:stats.csv", T0 + timedelta(hours=1))  # again: the later time
    with SqliteStore(path) as store:
        assert store.acknowledged_alerts() == {
            "breach:192.0.2.1:all:bounce_rate@2026-11-19": T0,
            "source:stats.csv": T0 + timedelta(hours=1),
        }


def test_a_store_from_before_acknowledgements_is_migrated_and_keeps_its_alerts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    assert migrate(raw, target=4) == 4  # the schema before migration 5 (acknowledgements)
    raw.execute(
        "INSERT INTO alerts (key, source, opened_at, payload) VALUES ('k', 'thresholds', ?, '{}')",
        (T0.isoformat(),),
    )
    assert "alert_acks" not in {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    with SqliteStore(path) as store:
        assert set(store.open_alerts()) == {"k"}
        store.acknowledge_alert("k@2026-11-20", T0)
        assert store.acknowledged_alerts() == {"k@2026-11-20": T0}
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()
