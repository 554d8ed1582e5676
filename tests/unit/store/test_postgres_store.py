"""The PostgreSQL store against a real server: the same contract as SQLite, plus partitions,
retention by month, advisory-lock claims and notifications."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from ipdash.domain.models import DailyStat, PollResult, SourceState
from ipdash.sources.store import (
    AlertRecord,
    StoreError,
    load_history,
    open_store,
    store_settings,
)
from ipdash.sources.store.pg_schema import SCHEMA_VERSION
from ipdash.sources.store.postgres import PostgresStore
from ipdash.sources.store.rows import TABLES

from .test_store import ACCOUNT, DAY, FACTS, LISTING, SNDS, STAT, T0, WARMUP, poll


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    with PostgresStore(pg_url) as opened:
        yield opened


def raw(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as db:
        return db.execute(query, params or None).fetchall()


@pytest.mark.parametrize(
    ("field", "record", "view"),
    [
        ("stats", STAT, lambda d: d.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)]),
        ("facts", FACTS, lambda d: d.facts[FACTS.ip]),
        ("snds", SNDS, lambda d: d.snds[(SNDS.ip, SNDS.day)]),
        ("warmups", WARMUP, lambda d: d.warmups[WARMUP.ip]),
        ("listings", LISTING, lambda d: d.listings[("snds", LISTING.ip, LISTING.list_name)]),
        ("account_days", ACCOUNT, lambda d: d.accounts[("pm", "account", DAY)]),
    ],
)
def test_every_record_type_round_trips_exactly(
    store: PostgresStore, field: str, record: object, view
) -> None:  # type: ignore[no-untyped-def]
    assert store.save_poll(poll(**{field: (record,)})) == 1
    assert view(store.load()) == record


def test_every_domain_field_has_a_column(store: PostgresStore) -> None:
    # A field added to a domain record needs a migration; this fails until it has one.
    for table in TABLES:
        assert store.columns[table.name] == table.field_names, table.name


def test_re_polling_a_day_updates_it_without_duplicates(store: PostgresStore, pg_url: str) -> None:
    store.save_poll(poll(stats=(STAT,)))
    store.save_poll(poll(T0 + timedelta(hours=1), stats=(replace(STAT, sent=7000, complaints=None),)))
    store.save_poll(poll(T0 + timedelta(hours=1), stats=(replace(STAT, sent=7000, complaints=None),)))
    stored = store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)]
    assert stored.sent == 7000 and stored.complaints is None
    assert raw(pg_url, "SELECT count(*), sum(sent) FROM daily_stats") == [(1, 7000)]


def test_an_older_fetch_never_overwrites_a_newer_one(store: PostgresStore) -> None:
    store.save_poll(poll(T0 + timedelta(hours=2), stats=(replace(STAT, sent=2),)))
    store.save_poll(poll(T0, stats=(replace(STAT, sent=1),)))  # a slow poll finishing late
    assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 2


def test_a_batch_repeating_a_key_keeps_the_last(store: PostgresStore) -> None:
    assert store.save_poll(poll(stats=(replace(STAT, sent=1), replace(STAT, sent=3)))) == 2
    assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 3


def test_daily_rows_land_in_monthly_partitions(store: PostgresStore, pg_url: str) -> None:
    days = [date(2025, 1, 31), date(2025, 2, 1), date(2025, 3, 15)]
    store.save_poll(poll(stats=tuple(replace(STAT, day=d) for d in days)))
    found = raw(pg_url, "SELECT tableoid::regclass::text, day FROM daily_stats ORDER BY day")
    assert found == [
        ("daily_stats_p202501", days[0]),
        ("daily_stats_p202502", days[1]),
        ("daily_stats_p202503", days[2]),
    ]


def test_retention_drops_whole_months_and_trims_the_boundary(store: PostgresStore, pg_url: str) -> None:
    days = [date(2024, 11, 3), date(2024, 12, 30), date(2025, 1, 5), date(2025, 1, 20), DAY]
    store.save_poll(poll(stats=tuple(replace(STAT, day=d) for d in days), facts=(FACTS,)))
    store.save_poll(poll(snds=(replace(SNDS, day=date(2024, 11, 3)),)))
    assert store.prune(date(2025, 1, 10)) == 4
    assert sorted(store.load().stats) == [(d, STAT.ip, STAT.mailbox_provider) for d in (days[3], DAY)]
    assert FACTS.ip in store.load().facts  # current state is never pruned
    tables = {
        r[0] for r in raw(pg_url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'daily_stats_p%'")
    }
    assert tables == {"daily_stats_p202501", "daily_stats_p202506"}
    store.save_poll(poll(stats=(replace(STAT, day=date(2024, 12, 1)),)))  # a dropped month comes back
    assert len(store.load().stats) == 3


def test_failures_are_recorded_without_touching_history(store: PostgresStore) -> None:
    store.save_poll(poll(stats=(STAT,)))
    failed = PollResult("sg", "sendgrid", T0 + timedelta(minutes=15), failure="auth", detail="401 bad key")
    store.save_poll(failed)
    store.save_poll(replace(failed, fetched_at=T0 + timedelta(minutes=30)))
    [run] = store.source_runs()
    assert run.last_success == T0 and run.last_attempt == T0 + timedelta(minutes=30)
    assert (run.failure_kind, run.last_error, run.consecutive_failures, run.ok) == (
        "auth",
        "401 bad key",
        2,
        False,
    )
    dataset = load_history(store)
    [info] = dataset.sources
    assert info.state is SourceState.STALE and "401 bad key" in info.detail
    store.save_poll(poll(T0 + timedelta(hours=1)))
    [run] = store.source_runs()
    assert run.ok and run.consecutive_failures == 0


def test_load_since(store: PostgresStore) -> None:
    store.save_poll(poll(stats=(STAT, replace(STAT, day=date(2023, 1, 1)))))
    assert len(load_history(store, days=30, today=date(2025, 6, 10)).stats) == 1


def test_alert_state_survives_reopening(pg_url: str) -> None:
    with PostgresStore(pg_url) as store:
        store.open_alert(AlertRecord("listing:snds:192.0.2.10", "snds", T0, {"title": "listed", "n": [1]}))
        store.open_alert(AlertRecord("other", "sg", T0, {}))
        store.close_alert("other")
    with PostgresStore(pg_url) as store:
        [(key, record)] = store.open_alerts().items()
        assert key == "listing:snds:192.0.2.10" and record.payload == {"title": "listed", "n": [1]}
        assert record.opened_at == T0


def test_load_poll_gives_back_exactly_one_poll(store: PostgresStore) -> None:
    store.save_poll(poll(stats=(STAT,), facts=(FACTS,)))
    later = T0 + timedelta(hours=1)
    store.save_poll(poll(later, stats=(replace(STAT, day=DAY + timedelta(days=1)),)))
    again = store.load_poll("sg", later)
    assert again.ok and again.fetched_at == later
    assert [s.day for s in again.stats] == [DAY + timedelta(days=1)] and again.facts == ()


def test_migrating_twice_and_concurrently_is_one_migration(pg_url: str) -> None:
    with PostgresStore(pg_url), PostgresStore(pg_url):
        pass
    assert raw(pg_url, "SELECT version FROM ipdash_schema") == [(SCHEMA_VERSION,)]


def test_a_store_from_a_newer_ipdash_is_refused(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as db:
        db.execute("UPDATE ipdash_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this ipdash"):
        PostgresStore(pg_url)


def test_an_unreachable_server_is_a_clear_error(pg_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:1/.*cannot open the history store"):
        PostgresStore("postgresql://ipdash@127.0.0.1:1/nothing")
    with pytest.raises(StoreError) as error:
        PostgresStore("postgresql://ipdash:hunter2@127.0.0.1:1/nothing")
    assert "hunter2" not in str(error.value) and ":***@" in str(error.value)


def test_settings_choose_postgres_and_read_the_password_by_reference(pg_url: str) -> None:
    settings = store_settings({"url": pg_url, "password_env": "IPDASH_TEST_PG_PASSWORD"})
    with pytest.raises(StoreError, match="IPDASH_TEST_PG_PASSWORD is not set"):
        open_store(settings, env={})
    with open_store(settings, env={"IPDASH_TEST_PG_PASSWORD": "unused-with-trust"}) as store:
        assert isinstance(store, PostgresStore)


@pytest.mark.parametrize(
    ("raw_settings", "message"),
    [
        ({"url": "postgresql://u:hunter2@db/ipdash"}, "holds a password"),
        ({"url": "mysql://db/ipdash"}, "postgresql:// URL"),
        ({"url": "postgresql://db/x", "path": "h.sqlite3"}, "not both"),
        ({"url": "postgresql://db/x", "password_env": "$(rm -rf)"}, "environment variable"),
    ],
)
def test_bad_store_settings_are_refused_with_the_key(raw_settings: dict[str, str], message: str) -> None:
    with pytest.raises(StoreError, match="store") as error:
        store_settings(raw_settings)
    assert message in str(error.value) and "hunter2" not in str(error.value)


def test_claims_are_exclusive_and_die_with_their_holder(store: PostgresStore, pg_url: str) -> None:
    now = datetime.now(UTC)
    with PostgresStore(pg_url) as other:
        mine = store.claim("sg", 60, now)
        assert mine.granted
        theirs = other.claim("sg", 60, now)
        assert not theirs.granted and theirs.next_try == now + timedelta(seconds=60)
        assert other.claim("snds", 60, now).granted  # other sources are free
        store.release(mine)  # released without a poll recorded: free again
        taken = other.claim("sg", 60, now)
        assert taken.granted
        other.release(taken)
        store.save_poll(PollResult("sg", "sendgrid", now, stats=(replace(STAT, source="sg"),)))
        recent = other.claim("sg", 60, now + timedelta(seconds=30))
        assert not recent.granted and recent.next_try == now + timedelta(seconds=60)
        assert other.claim("sg", 60, now + timedelta(seconds=61)).granted


def test_a_claim_is_freed_when_its_connection_dies(store: PostgresStore, pg_url: str) -> None:
    now = datetime.now(UTC)
    assert store.claim("sg", 60, now).granted
    with psycopg.connect(pg_url, autocommit=True) as admin:  # as if the poller's process was killed
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
        )
    with PostgresStore(pg_url) as other:
        assert other.claim("sg", 60, now).granted


def test_hostile_text_is_stored_as_data(store: PostgresStore) -> None:
    hostile = DailyStat(DAY, "192.0.2.10", "x'); DROP TABLE daily_stats; --\t\n\\N", sent=1, source="sg")
    store.save_poll(poll(stats=(hostile,)))
    assert store.load().stats[(DAY, hostile.ip, hostile.mailbox_provider)] == hostile


def test_acknowledgements_survive_reopening(pg_url: str) -> None:
    with PostgresStore(pg_url) as store:
        store.acknowledge_alert("breach:192.0.2.1:all:bounce_rate@2026-11-19", T0)
        store.acknowledge_alert("breach:192.0.2.1:all:bounce_rate@2026-11-19", T0 + timedelta(hours=1))
    with PostgresStore(pg_url) as store:
        assert store.acknowledged_alerts() == {
            "breach:192.0.2.1:all:bounce_rate@2026-11-19": T0 + timedelta(hours=1)
        }


def test_daily_stats_read_in_binary_keep_hostile_text_exactly(store: PostgresStore, pg_url: str) -> None:
    # Written by another tool, not through ipdash's safe boundary: commas, quotes, newlines, empty
    # text and NULL counts survive the binary COPY the frame is read from.
    store.save_poll(poll(stats=(STAT,)))  # the month's partition
    hostile = ["", 'a,"b"\nc', '"', "\n", "x" * 5000, "NULL", "\\N"]
    with psycopg.connect(pg_url) as db:
        for n, provider in enumerate(hostile):
            db.execute(
                "INSERT INTO daily_stats (day, ip, mailbox_provider, source, sent, fetched_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (DAY, f"192.0.2.{n + 100}", provider, "", n, T0),
            )
    loaded = store.load()
    for n, provider in enumerate(hostile):
        stat = loaded.stats[(DAY, f"192.0.2.{n + 100}", provider)]
        assert (stat.sent, stat.source, stat.delivered) == (n, "", None)
    assert loaded.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)] == STAT


def test_the_arrow_reader_connects_with_the_password_from_the_environment() -> None:
    from ipdash.sources.store.pg_arrow import arrow_uri

    uri = arrow_uri("postgresql://team@db.example:5433/ipdash?sslmode=require", "p@ss:/w#rd", 10)
    assert uri == (
        "postgresql://team:p%40ss%3A%2Fw%23rd@db.example:5433/ipdash"
        "?sslmode=require&connect_timeout=10&application_name=ipdash"
    )
    assert arrow_uri("postgresql://team@db/ipdash", None, 5).startswith("postgresql://team@db/ipdash?")


def test_a_write_committed_during_a_read_is_not_half_seen(
    store: PostgresStore, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daily stats (ADBC's connection) are read in the snapshot of the other tables' transaction.
    store.save_poll(poll(stats=(STAT,)))
    import ipdash.sources.store.pg_arrow as pg_arrow

    real = pg_arrow.read_frame

    def read_after_a_commit(uri: str, query: str, snapshot: str | None) -> object:
        with psycopg.connect(pg_url) as db:
            db.execute("UPDATE daily_stats SET sent = 999")
        return real(uri, query, snapshot)

    monkeypatch.setattr(pg_arrow, "read_frame", read_after_a_commit)
    loaded = store.load()
    monkeypatch.undo()
    assert loaded.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == STAT.sent
    assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 999


def test_the_newest_fetch_wins_across_sources_in_the_frame(store: PostgresStore) -> None:
    store.save_poll(poll(T0 + timedelta(hours=1), stats=(replace(STAT, sent=2, source="b"),)))
    other = PollResult("a", "sendgrid", T0, stats=(replace(STAT, sent=1, source="a"),))
    store.save_poll(other)  # fetched earlier, saved later: the later fetch (b) still wins
    assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].source == "b"


@pytest.mark.parametrize(
    ("table", "action"),
    [
        ("daily_stats", lambda store: store.load()),  # read by ADBC, in its own session
        ("alerts", lambda store: store.open_alerts()),  # read by psycopg's pool
    ],
    ids=["stats-read", "pool-read"],
)
def test_a_read_locked_out_by_another_session_fails_after_the_busy_timeout(
    pg_url: str, table: str, action: object
) -> None:
    settings = store_settings({"url": pg_url, "busy_timeout_ms": 300})
    with open_store(settings) as store:
        store.save_poll(poll(T0, stats=(STAT,)))
        with psycopg.connect(pg_url) as locker:
            locker.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # held until it closes
            with pytest.raises(
                StoreError, match=r"locked by another session: a statement waited 0\.3 s"
            ) as error:
                action(store)  # type: ignore[operator]
            assert "[store] busy_timeout_ms" in str(error.value)
        assert store.load().stats  # once the lock is gone the same store works again


def test_a_dropped_connection_is_a_store_error_not_a_driver_traceback(
    store: PostgresStore, pg_url: str
) -> None:
    store.save_poll(poll(T0, stats=(STAT,)))
    raw(pg_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ipdash'")
    with pytest.raises(StoreError, match=r"the history store failed: .*terminat") as error:
        store.source_runs()
    assert isinstance(error.value.__cause__, psycopg.Error)


def test_the_arrow_reader_waits_no_longer_for_a_lock_than_the_pool() -> None:
    from ipdash.sources.store.pg_arrow import arrow_uri

    uri = arrow_uri("postgresql://team@db/ipdash", None, 5, lock_timeout_ms=2500)
    assert uri.endswith("&options=-c%20lock_timeout%3D2500")


def test_a_write_locked_out_is_retried_until_the_lock_goes(pg_url: str) -> None:
    """As with SQLite, a locked store delays a poll's write and never drops it."""
    locker = psycopg.connect(pg_url)
    waits: list[float] = []

    def busy(retry_in: float) -> None:
        waits.append(retry_in)
        locker.commit()  # the other session lets go after the first lock wait given up

    with PostgresStore(pg_url, lock_timeout_ms=200, on_busy=busy) as store:
        store.save_poll(poll(T0, stats=(STAT,)))
        locker.execute("LOCK TABLE daily_stats IN ACCESS EXCLUSIVE MODE")
        store.save_poll(poll(T0 + timedelta(hours=1), stats=(replace(STAT, sent=7),)))
        assert len(waits) == 1
        assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 7
    locker.close()


def test_a_write_locked_out_for_too_long_says_so(pg_url: str) -> None:
    with PostgresStore(pg_url, lock_timeout_ms=100) as store, psycopg.connect(pg_url) as locker:
        store.save_poll(poll(T0, stats=(STAT,)))
        store.retry_seconds = 0.3
        locker.execute("LOCK TABLE daily_stats IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(StoreError, match=r"locked by another session for over 0\.3 s"):
            store.save_poll(poll(T0 + timedelta(hours=1), stats=(STAT,)))
