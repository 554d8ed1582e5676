from __future__ import annotations

import sqlite3
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ipdash.domain.models import (
    AccountDay,
    DailyStat,
    IpFacts,
    PollResult,
    ProviderListing,
    ProviderWarmup,
    SndsDay,
    SourceState,
)
from ipdash.sources.store import (
    AlertRecord,
    SqliteStore,
    StoreError,
    StoreSettings,
    load_history,
    open_store,
    store_settings,
)
from ipdash.sources.store.rows import TABLES
from ipdash.sources.store.schema import MIGRATIONS, SCHEMA_VERSION, current_version

T0 = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
DAY = date(2025, 6, 9)

STAT = DailyStat(
    DAY,
    "192.0.2.10",
    "gmail.com",
    sent=5000,
    delivered=4950,
    bounced=30,
    hard_bounced=20,
    soft_bounced=10,
    complaints=2,
    unsubscribes=None,
    opens=None,
    clicks=7,
    source="sg",
)
FACTS = IpFacts(
    "192.0.2.10",
    pool="marketing",
    provider="sendgrid",
    kind="dedicated",
    stream="marketing",
    warmup_start=date(2025, 5, 1),
    warmup_plan="gmail-30",
    warmup_target_daily=80000,
    rdns="o1.example.com",
    sending_domains=("a.example", "b.example"),
    source="sg",
)
SNDS = SndsDay(
    "192.0.2.10",
    DAY,
    datetime(2025, 6, 9, 8, 0),
    datetime(2025, 6, 9, 21, 0),
    1500,
    1500,
    1490,
    "YELLOW",
    "< 0.1%",
    0.001,
    3,
    "mta.example",
    "bounce@example",
    "",
    source="snds",
)
WARMUP = ProviderWarmup(
    "192.0.2.10",
    "sparkpost",
    True,
    progress=5 / 29,
    stage=5,
    total_stages=29,
    started_on=date(2025, 5, 1),
    status_text="stage 5 of 29",
    source="sp",
)
LISTING = ProviderListing(
    "192.0.2.10", "snds-blocked", True, "complaints", datetime(2025, 6, 1, tzinfo=UTC), source="snds"
)
ACCOUNT = AccountDay(DAY, "account", "postmark", sent=900, bounced=9, bounce_rate=0.01, status="HEALTHY",
                     source="pm")  # fmt: skip


def poll(fetched_at: datetime = T0, **records: tuple[object, ...]) -> PollResult:
    return PollResult(source="sg", kind="sendgrid", fetched_at=fetched_at, **records)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    with SqliteStore(tmp_path / "h.sqlite3") as opened:
        yield opened  # type: ignore[misc]


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
def test_every_record_type_round_trips_exactly(store: SqliteStore, field: str, record: object, view) -> None:  # type: ignore[no-untyped-def]
    assert store.save_poll(poll(**{field: (record,)})) == 1
    assert view(store.load()) == record


def test_every_domain_field_has_a_column(store: SqliteStore) -> None:
    # A field added to a domain record needs a migration; this fails until it has one.
    for table in TABLES:
        assert store.columns[table.name] == table.field_names, table.name


def test_re_polling_a_day_updates_it_without_duplicates(store: SqliteStore) -> None:
    store.save_poll(poll(stats=(STAT,)))
    store.save_poll(poll(T0 + timedelta(hours=1), stats=(replace(STAT, sent=7000, complaints=None),)))
    dataset = store.load()
    assert len(dataset.stats) == 1
    stored = dataset.stats[(STAT.day, STAT.ip, STAT.mailbox_provider)]
    assert stored.sent == 7000 and stored.complaints is None
    raw = sqlite3.connect(store.path)
    assert raw.execute("SELECT COUNT(*) FROM daily_stats").fetchone()[0] == 1


def test_newest_fetch_wins_between_sources(store: SqliteStore) -> None:
    store.save_poll(poll(T0 + timedelta(hours=2), stats=(replace(STAT, sent=2, source="b"),)))
    store.save_poll(poll(T0, stats=(replace(STAT, sent=1, source="a"),)))
    assert store.load().stats[(STAT.day, STAT.ip, STAT.mailbox_provider)].sent == 2


def test_failures_are_recorded_without_touching_history(store: SqliteStore) -> None:
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
    assert len(dataset.stats) == 1
    [info] = dataset.sources
    assert info.state is SourceState.STALE and "401 bad key" in info.detail and info.fetched_at == T0
    store.save_poll(poll(T0 + timedelta(hours=1)))
    [run] = store.source_runs()
    assert run.ok and run.consecutive_failures == 0 and run.last_error == "401 bad key"


def test_load_since_and_prune(store: SqliteStore) -> None:
    old = replace(STAT, day=date(2023, 1, 1))
    store.save_poll(poll(stats=(STAT, old), snds=(replace(SNDS, day=date(2023, 1, 1)),), facts=(FACTS,)))
    assert len(load_history(store, days=30, today=date(2025, 6, 10)).stats) == 1
    assert store.prune(date(2024, 1, 1)) == 2
    dataset = store.load()
    assert list(dataset.stats) == [(STAT.day, STAT.ip, STAT.mailbox_provider)]
    assert FACTS.ip in dataset.facts  # current state is never pruned


def test_alert_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with SqliteStore(path) as store:
        store.open_alert(AlertRecord("listing:snds:192.0.2.10", "snds", T0, {"title": "listed"}))
        store.open_alert(AlertRecord("other", "sg", T0, {}))
        store.close_alert("other")
    with SqliteStore(path) as store:
        assert list(store.open_alerts()) == ["listing:snds:192.0.2.10"]
        assert store.open_alerts()["listing:snds:192.0.2.10"].payload == {"title": "listed"}


def test_migration_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    raw.execute(
        "INSERT INTO daily_stats (day, ip, mailbox_provider, source, sent, fetched_at) VALUES (?,?,?,?,?,?)",
        ("2024-01-02", "192.0.2.1", "all", "old", 123, T0.isoformat()),
    )
    raw.execute(
        "INSERT INTO source_runs (source, kind, last_attempt, last_success) VALUES (?,?,?,?)",
        ("old", "sendgrid", T0.isoformat(), T0.isoformat()),
    )
    raw.commit()
    raw.close()
    with SqliteStore(path) as store:
        assert current_version(sqlite3.connect(path)) == SCHEMA_VERSION == 7
        assert store.load().stats[(date(2024, 1, 2), "192.0.2.1", "all")].sent == 123
        # Migration 6 found each IP's newest day in the records there were.
        assert store.held_until(None, date(2024, 1, 3)) == {("192.0.2.1", "old")}
        [run] = store.source_runs()
        assert run.consecutive_failures == 0 and run.ok
        store.save_poll(poll(listings=(LISTING,)))  # tables of migration 2 work
        assert len(store.load().listings) == 1


def test_a_store_from_a_newer_ipdash_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer than this ipdash"):
        SqliteStore(path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=str(path)):
        SqliteStore(path)


def test_settings_default_path_and_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ipdash.sources.store.user_data_dir", lambda: tmp_path / "data")
    with open_store() as store:
        assert store.path == tmp_path / "data" / "history.sqlite3"
        assert sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    relative = store_settings({"path": "hist/h.sqlite3", "retention_days": 30}, tmp_path / "config.toml")
    assert relative.path == tmp_path / "hist/h.sqlite3"
    with pytest.raises(StoreError, match=r"config.toml: store.retention_days"):
        store_settings({"retention_days": 0}, tmp_path / "config.toml")
    with pytest.raises(StoreError, match=r"store.colour"):
        store_settings({"colour": "red"})
    assert StoreSettings().retention_days == 730


def test_record_fields_cover_the_dataclasses() -> None:
    assert {t.record for t in TABLES} == {
        DailyStat,
        IpFacts,
        SndsDay,
        ProviderWarmup,
        ProviderListing,
        AccountDay,
    }
    assert all(t.field_names == [f.name for f in fields(t.record)] for t in TABLES)
