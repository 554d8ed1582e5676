"""`ipdash store migrate --to postgresql://…`: a SQLite history copied exactly, safely re-runnable."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.domain.models import PollResult
from ipdash.sources.store import AlertRecord, SqliteStore
from ipdash.sources.store.postgres import PostgresStore
from unit.store.test_store import ACCOUNT, FACTS, LISTING, SNDS, STAT, T0, WARMUP, poll


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def filled_sqlite(path: Path) -> None:
    with SqliteStore(path) as sqlite:
        sqlite.save_poll(
            poll(
                stats=(STAT, replace(STAT, day=STAT.day - timedelta(days=40))),
                facts=(FACTS,),
                snds=(SNDS,),
                warmups=(WARMUP,),
                listings=(LISTING,),
                account_days=(ACCOUNT,),
            )
        )
        sqlite.save_poll(
            PollResult("sg", "sendgrid", T0 + timedelta(minutes=5), failure="auth", detail="401")
        )
        sqlite.open_alert(AlertRecord("listing:x", "snds", T0, {"title": "listed"}))


def test_migrate_copies_everything_and_can_run_again(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "history.sqlite3"
    filled_sqlite(source)
    code, out, err = run("store", "migrate", "--from", str(source), "--to", pg_url, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert all(t["copied"] == t["in_sqlite"] for t in report["tables"])
    assert {t["table"]: t["copied"] for t in report["tables"]}["daily_stats"] == 2
    with SqliteStore(source) as sqlite, PostgresStore(pg_url) as postgres:
        assert postgres.load() == sqlite.load()
        assert postgres.source_runs() == sqlite.source_runs()
        assert postgres.open_alerts() == sqlite.open_alerts()
    # A newer poll already in PostgreSQL is not overwritten by running the copy again.
    with PostgresStore(pg_url) as postgres:
        postgres.save_poll(poll(T0 + timedelta(hours=3), stats=(replace(STAT, sent=9),)))
    assert run("store", "migrate", "--from", str(source), "--to", pg_url)[0] == 0
    with PostgresStore(pg_url) as postgres:
        assert postgres.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 9
        assert postgres.count("daily_stats") == 2


def test_migrate_refuses_bad_targets_and_missing_files(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "history.sqlite3"
    code, _, err = run("store", "migrate", "--from", str(source), "--to", pg_url)
    assert code == 2 and "no SQLite history store" in err
    filled_sqlite(source)
    code, _, err = run("store", "migrate", "--from", str(source), "--to", "postgresql://u:pw@127.0.0.1/x")
    assert code == 2 and "holds a password" in err and "pw@" not in err
    code, _, err = run("store", "migrate", "--from", str(source), "--to", "postgresql://ipdash@127.0.0.1:1/x")
    assert code == 2 and "cannot open the history store" in err
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"\x00not sqlite" * 1000)
    code, _, err = run("store", "migrate", "--from", str(junk), "--to", pg_url)
    assert code == 2 and str(junk) in err


ACKED = "breach:192.0.2.1:all:bounce_rate@2026-11-19"


def test_migrate_copies_the_alert_acknowledgements(tmp_path: Path, pg_url: str) -> None:
    """Alerts acknowledged in the TUI on SQLite stay acknowledged once the team moves to PostgreSQL."""
    source = tmp_path / "history.sqlite3"
    filled_sqlite(source)
    with SqliteStore(source) as sqlite:
        sqlite.acknowledge_alert(ACKED, T0)
        sqlite.acknowledge_alert("source:stats.csv", T0 + timedelta(hours=1))
    code, out, err = run("store", "migrate", "--from", str(source), "--to", pg_url, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["acknowledgements"] == 2
    with SqliteStore(source) as sqlite, PostgresStore(pg_url) as postgres:
        assert postgres.acknowledged_alerts() == sqlite.acknowledged_alerts()
        assert postgres.acknowledged_alerts()[ACKED] == T0
    # Run again after more were acknowledged on both sides: PostgreSQL's own are kept as they are.
    with PostgresStore(pg_url) as postgres:
        postgres.acknowledge_alert(ACKED, T0 + timedelta(days=1))
    with SqliteStore(source) as sqlite:
        sqlite.acknowledge_alert("listing:x@2026-11-20", T0 + timedelta(hours=2))
    code, out, err = run("store", "migrate", "--from", str(source), "--to", pg_url)
    assert code == 0, err
    assert "acknowledgements" in out
    with PostgresStore(pg_url) as postgres:
        assert postgres.acknowledged_alerts() == {
            ACKED: T0 + timedelta(days=1),
            "source:stats.csv": T0 + timedelta(hours=1),
            "listing:x@2026-11-20": T0 + timedelta(hours=2),
        }


def test_an_unreadable_acknowledgement_is_left_out_and_the_rest_is_copied(
    tmp_path: Path, pg_url: str
) -> None:
    import sqlite3

    source = tmp_path / "history.sqlite3"
    filled_sqlite(source)
    with SqliteStore(source) as sqlite:
        sqlite.acknowledge_alert(ACKED, T0)
    raw = sqlite3.connect(source)
    with raw:  # hand-edited: a time that is not one, a time without an offset (read as UTC)
        raw.execute("INSERT INTO alert_acks VALUES ('junk', 'yesterday-ish')")
        raw.execute("INSERT INTO alert_acks VALUES ('naive', '2026-11-20T08:00:00')")
    raw.close()
    code, out, err = run("store", "migrate", "--from", str(source), "--to", pg_url, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["acknowledgements"] == 2
    with PostgresStore(pg_url) as postgres:
        acks = postgres.acknowledged_alerts()
    assert set(acks) == {ACKED, "naive"}
    assert acks["naive"] == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
