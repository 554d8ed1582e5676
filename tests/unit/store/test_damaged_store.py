"""A damaged history store: every way it can be broken is a StoreError that names the file and says
how to recover (never a traceback); commands exit 2 with it; the TUI's load shows it as a failed source."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.domain.models import DailyStat, PollResult, SndsDay, SourceState
from ipdash.sources.store import SqliteStore, StoreDamaged, StoreError, load_history

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STAT = DailyStat(date(2026, 3, 1), "192.0.2.10", "gmail.com", sent=5000, delivered=4950, source="mg")
SNDS = SndsDay(
    "192.0.2.10",
    date(2026, 3, 1),
    None,
    None,
    900,
    900,
    900,
    "GREEN",
    "< 0.1%",
    0.001,
    0,
    source="snds",
)


def _good_store(path: Path) -> None:
    with SqliteStore(path) as store:
        store.save_poll(PollResult(source="mg", kind="mailgun", fetched_at=T0, stats=(STAT,) * 1))
        for index in range(200):  # enough pages that truncating the file cuts into tables
            stat = DailyStat(date(2026, 1, 1), f"10.0.{index // 250}.{index % 250}", "all", sent=index)
            store.save_poll(PollResult(source=f"s{index}", kind="csv", fetched_at=T0, stats=(stat,)))


def _truncated(path: Path) -> None:
    _good_store(path)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096) * 5)


def _other_apps_file(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")


def _newer_schema(path: Path) -> None:
    _good_store(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")


def _dropped_table(path: Path) -> None:
    _good_store(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE daily_stats")


def _impossible_day(path: Path) -> None:
    _good_store(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE daily_stats SET day = '2026-99-99' WHERE source = 'mg'")


def _bad_timestamp(path: Path) -> None:
    _good_store(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE source_runs SET last_attempt = 'not-a-date' WHERE source = 'mg'")


def _text_in_a_count(path: Path) -> None:
    _good_store(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE daily_stats SET sent = 'lots' WHERE source = 'mg'")


def _text_in_snds_days(column: str, text: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        _good_store(path)
        with SqliteStore(path) as store:
            store.save_poll(PollResult(source="snds", kind="snds", fetched_at=T0, snds=(SNDS,)))
        with sqlite3.connect(path) as db:
            db.execute(f"UPDATE snds_days SET {column} = '{text}'")

    return damage


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (_truncated, "database disk image is malformed"),
    "garbage": (_garbage, "file is not a database"),
    "another app's file": (_other_apps_file, "not an ipdash history store: it holds other tables (notes)"),
    "newer schema": (_newer_schema, "schema version 99, newer than this ipdash understands"),
    "dropped table": (_dropped_table, "the table(s) daily_stats, but it has not"),
    "impossible day": (_impossible_day, "daily_stats has a day that is not a date: '2026-99-99'"),
    "bad timestamp": (_bad_timestamp, "Invalid isoformat string: 'not-a-date'"),
    "text in a count": (_text_in_a_count, "a stored value cannot be read"),
    "text in an SNDS count": (
        _text_in_snds_days("rcpt_commands", "many"),
        "snds_days.rcpt_commands holds 'many', not a number",
    ),
    "text in an SNDS rate": (
        _text_in_snds_days("complaint_rate_max", "low"),
        "snds_days.complaint_rate_max holds 'low', not a number",
    ),
}


def _open_and_read(path: Path) -> None:
    with SqliteStore(path) as store:
        load_history(store)
        store.save_poll(PollResult(source="mg", kind="mailgun", fetched_at=T0, stats=(STAT,)))


@pytest.mark.parametrize("damage", DAMAGE, ids=DAMAGE)
def test_a_damaged_store_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    make, reason = DAMAGE[damage]
    path = tmp_path / "history.sqlite3"
    make(path)
    with pytest.raises(StoreError) as raised:
        _open_and_read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message
    if damage == "newer schema":
        assert not isinstance(raised.value, StoreDamaged) and "left untouched" in message
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 99
    else:
        assert isinstance(raised.value, StoreDamaged)
        assert "PRAGMA integrity_check" in message and "move the file aside" in message
    if damage == "another app's file":  # ipdash did not create its tables in someone else's file
        with sqlite3.connect(path) as db:
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert names == {"notes"}


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "history.sqlite3"\n\n[[sources]]\nkind = "snds"\nname = "snds"\n'
        'api_key_env = "IPDASH_TEST_NO_SUCH_KEY"\nbase_url = "http://127.0.0.1:9"\n'
    )
    return config


COMMAND_CASES = [
    (damage, command)
    for damage in ("truncated", "garbage", "newer schema", "impossible day", "bad timestamp")
    for command in (["poll", "--once"], ["poll"], ["report"])
    # the daemon reads the runs, not the days: with a bad day it polls on (it is never read)
    if not (damage == "impossible day" and command == ["poll"])
]


@pytest.mark.parametrize(("damage", "command"), COMMAND_CASES)
def test_commands_on_a_damaged_store_exit_2_with_the_reason(
    tmp_path: Path, damage: str, command: list[str]
) -> None:
    make, reason = DAMAGE[damage]
    config = _config(tmp_path)
    make(tmp_path / "history.sqlite3")
    result = CliRunner().invoke(main_group, [*command, "--config", str(config)], catch_exceptions=False)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    if damage in ("impossible day", "bad timestamp") and command == ["poll", "--once"]:
        assert result.exit_code == 3, result.output  # it only writes: the bad value is never read
        return
    assert result.exit_code == 2, result.output
    assert reason in result.stderr


def test_the_tui_load_shows_a_damaged_store_as_a_failed_source(tmp_path: Path) -> None:
    from ipdash.sources.config_file import load_config
    from ipdash.sources.loader import load_dataset, plan_from_inputs
    from ipdash.ui.live import HISTORY_SOURCE, with_history

    config_path = _config(tmp_path)
    _impossible_day(tmp_path / "history.sqlite3")
    config, found = load_config(config_path)
    plan = plan_from_inputs([], config, config_path=found)
    dataset = with_history(plan, load_dataset(plan))
    failed = [info for info in dataset.sources if info.name == HISTORY_SOURCE]
    assert [info.state for info in failed] == [SourceState.FAILED]
    assert "daily_stats has a day that is not a date" in failed[0].detail
