"""The shared analysis: a `report` viewer of a store prints the report a poller or an earlier viewer
stored for the same data, config, day, code and check results, byte for byte what the analysis gives;
any write to the store (another process's poll, a raw SQL change, `store migrate`, retention) makes
the next viewer analyse again; a damaged, foreign or pickled payload is ignored and replaced. SQLite
and a real PostgreSQL server, on the crafted history of the lean-read tests."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ipdash.commands.report as report_module
from counting import CountedCalls
from ipdash.cli import main_group
from ipdash.commands import _shared_report
from ipdash.domain.models import DailyStat, IpFacts, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.live import open_configured_store
from ipdash.sources.store import SqliteStore, snapshots

from .test_lean_report import END, FETCHED, IPS, history, store_config  # noqa: F401 - a fixture


@pytest.fixture
def viewer(store_config: Path) -> Path:  # noqa: F811 - the imported fixture, requested
    """A [store]-only viewer's config of a store holding the crafted history (and a config plan):
    the lean-read tests' ``store_config``, SQLite and PostgreSQL."""
    return store_config


class Analyses(CountedCalls):
    """Counts the report command's analyses (a report printed from a snapshot makes none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(monkeypatch, "analyse_for_cli", report_module)


def run_report(config: Path, *extra: str, output: str = "json") -> tuple[int, str, str]:
    args = ["report", "--config", str(config), "--format", output, *extra]
    result = CliRunner().invoke(main_group, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def without_stamp(text: str) -> str:
    lines = text.splitlines(keepends=True)
    assert lines[1].startswith('  "generated_at": "')
    return "".join(lines[:1] + lines[2:])


def stored_count(config: Path) -> int:
    loaded, found_at = load_config(config)
    store = open_configured_store(loaded, found_at)
    try:
        if isinstance(store, SqliteStore):
            return store.count("analysis_snapshots")
        return store.count("analysis_snapshots")  # type: ignore[attr-defined, no-any-return]
    finally:
        store.close()


@pytest.mark.parametrize("output", ["json", "nagios"])
def test_a_viewer_prints_the_stored_report_byte_for_byte(
    viewer: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    analysed = run_report(viewer, "--reanalyse", output=output)
    assert analyses.count == 1 and stored_count(viewer) == 1
    shared = run_report(viewer, output=output)
    assert analyses.count == 1  # printed from the snapshot
    again = run_report(viewer, "--reanalyse", output=output)
    assert analyses.count == 2
    for found in (shared, again):
        # The crafted complaints are critical: a finding (1), the plugin's CRITICAL (2).
        assert found[0] == analysed[0] == (1 if output == "json" else 2)
        assert found[2] == analysed[2]
        if output == "json":
            assert without_stamp(found[1]) == without_stamp(analysed[1])
            assert json.loads(found[1])["generated_at"] != json.loads(analysed[1])["generated_at"]
        else:
            assert found[1] == analysed[1] and found[1].startswith("IPDASH CRITICAL - ")


def test_the_table_is_rendered_from_the_analysis_and_stores_the_report(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    code, table, _err = run_report(viewer, output="table")
    assert code == 1 and IPS["steady"] in table and analyses.count == 1
    run_report(viewer, output="table")
    assert analyses.count == 2  # the table is not stored
    code, _text, _err = run_report(viewer)
    assert code == 1 and analyses.count == 2  # the JSON is, by the table's analysis


def poll_in_another_process(config: Path, stats: tuple[DailyStat, ...]) -> None:
    """A poll saved by another process (a poller on the same store)."""
    day = stats[0].day.isoformat()
    rows = [(s.ip, s.mailbox_provider, s.sent, s.complaints) for s in stats]
    code = f"""
import sys
from datetime import UTC, date, datetime
from ipdash.domain.models import DailyStat, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.live import open_configured_store
config, found_at = load_config(__import__("pathlib").Path({str(config)!r}))
store = open_configured_store(config, found_at)
stats = tuple(DailyStat(date.fromisoformat({day!r}), ip, provider, sent=sent, delivered=sent, bounced=0,
                        complaints=complaints, source="esp") for ip, provider, sent, complaints in {rows!r})
store.save_poll(PollResult("esp", "sendgrid", datetime.now(UTC), stats=stats))
store.close()
"""
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_a_poll_by_another_process_makes_the_next_viewer_analyse(
    viewer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    _code, before, _err = run_report(viewer)
    # The steady IP complains loudly today: a critical breach the stored report does not have.
    loud = tuple(
        DailyStat(END, IPS["steady"], provider, sent=3000, complaints=300, source="esp")
        for provider in ("gmail.com", "yahoo.com")
    )
    poll_in_another_process(viewer, loud)
    _code, after, _err = run_report(viewer)
    assert analyses.count == 2
    steady = next(ip for ip in json.loads(after)["ips"] if ip["ip"] == IPS["steady"])
    assert any(b["metric"] == "complaint_rate" and b["severity"] == "critical" for b in steady["breaches"])
    assert without_stamp(after) != without_stamp(before)
    _code, reanalysed, _err = run_report(viewer, "--reanalyse")
    assert without_stamp(reanalysed) == without_stamp(after)


def raw_write(config: Path, sql_sqlite: str, sql_pg: str) -> None:
    """A write by something other than ipdash's store code (a hand-made fix, a script)."""
    loaded, _found_at = load_config(config)
    if "path" in loaded.store:
        with sqlite3.connect(loaded.store["path"]) as db:
            db.execute(sql_sqlite)
    else:
        import psycopg

        with psycopg.connect(loaded.store["url"]) as db:
            db.execute(sql_pg)


@pytest.mark.parametrize(
    "change",
    [
        ("UPDATE daily_stats SET complaints = 900 WHERE ip = '{ip}' AND day = '{day}'",) * 2,
        ("DELETE FROM daily_stats WHERE ip = '{ip}'",) * 2,
        ("UPDATE ip_facts SET pool = 'moved' WHERE ip = '{ip}'",) * 2,
        ("UPDATE source_runs SET last_detail = 'edited'",) * 2,
    ],
    ids=["stat", "deleted", "facts", "source-run"],
)
def test_any_write_to_what_the_analysis_reads_makes_the_next_viewer_analyse(
    viewer: Path, change: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    _code, before, _err = run_report(viewer)
    sql = [s.format(ip=IPS["steady"], day=END.isoformat()) for s in change]
    raw_write(viewer, *sql)
    _code, after, _err = run_report(viewer)
    assert analyses.count == 2
    _code, reanalysed, _err = run_report(viewer, "--reanalyse")
    assert without_stamp(reanalysed) == without_stamp(after) != without_stamp(before)


def test_a_store_migrated_over_makes_the_next_viewer_analyse(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ipdash store migrate --to` (another process) copies a SQLite history into the shared store."""
    from ipdash.sources.store.postgres import PostgresStore

    with PostgresStore(pg_url) as postgres:
        postgres.save_poll(history())
    config = tmp_path / "viewer.toml"
    config.write_text(f'[store]\nurl = "{pg_url}"\n')
    analyses = Analyses(monkeypatch)
    _code, before, _err = run_report(config)
    other = tmp_path / "other.sqlite3"
    newer = replace(history(), fetched_at=FETCHED + timedelta(days=1))
    louder = tuple(
        replace(s, complaints=(s.complaints or 0) + 200) if s.day == END else s for s in newer.stats
    )
    with SqliteStore(other) as sqlite:
        sqlite.save_poll(replace(newer, stats=louder))
    migrate = tmp_path / "migrate.toml"
    migrate.write_text(f'[store]\npath = "{other}"\n')
    done = subprocess.run(
        [sys.executable, "-m", "ipdash", "store", "migrate", "--config", str(migrate), "--to", pg_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    _code, after, _err = run_report(config)
    assert analyses.count == 2 and without_stamp(after) != without_stamp(before)


def corrupt(config: Path, payload: bytes) -> None:
    loaded, found_at = load_config(config)
    store = open_configured_store(loaded, found_at)
    try:
        if isinstance(store, SqliteStore):
            with sqlite3.connect(store.path) as db:
                assert db.execute("UPDATE analysis_snapshots SET payload = ?", (payload,)).rowcount == 1
        else:
            import psycopg

            with psycopg.connect(loaded.store["url"]) as db:
                assert db.execute("UPDATE analysis_snapshots SET payload = %s", (payload,)).rowcount == 1
    finally:
        store.close()


class Planted:
    """Unpickled, it would leave a file behind."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.mark, "code ran"))


def damaged_payloads(good: bytes, mark: Path) -> dict[str, bytes]:
    found = json.loads(good)
    body = found["body"]
    return {
        "truncated": good[: len(good) // 2],
        "not json": b"\x00\xffnot a snapshot",
        "pickle": pickle.dumps(Planted(mark)),
        "other codec": json.dumps({**found, "codec": "ipdash-snapshot/0"}).encode(),
        "other key": json.dumps({**found, "key": "report:" + "0" * 64}).encode(),
        "exit code as text": json.dumps({**found, "body": {**body, "exit_code": "1"}}).encode(),
        "no text": json.dumps({**found, "body": {**body, "text": None}}).encode(),
        "text cut": json.dumps({**found, "body": {**body, "text": body["text"][:-1]}}).encode(),
        "body a list": json.dumps({**found, "body": [body]}).encode(),
    }


def stored_payload(config: Path) -> bytes:
    loaded, found_at = load_config(config)
    store = open_configured_store(loaded, found_at)
    try:
        key = _shared_report.report_key(store, loaded, date.today())
        assert key is not None
        found = store.read_snapshot(key.text())  # type: ignore[attr-defined]
        assert found is not None
        return bytes(found[1])
    finally:
        store.close()


def test_a_damaged_or_foreign_snapshot_is_ignored_and_replaced(
    viewer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyses = Analyses(monkeypatch)
    _code, good_text, _err = run_report(viewer)
    good = stored_payload(viewer)
    mark = tmp_path / "pickle-ran"
    for name, payload in damaged_payloads(good, mark).items():
        corrupt(viewer, payload)
        before = analyses.count
        code, text, _err = run_report(viewer)
        assert analyses.count == before + 1, name  # analysed again
        assert code == 1 and without_stamp(text) == without_stamp(good_text), name
        assert stored_payload(viewer) == good, name  # and a good one stored over it
    assert not mark.exists()


def test_each_key_part_names_another_snapshot(viewer: Path) -> None:
    loaded, found_at = load_config(viewer)
    store = open_configured_store(loaded, found_at)
    try:
        today = date(2025, 7, 1)
        key = _shared_report.report_key(store, loaded, today)
        assert key is not None
        other_window = loaded.model_copy(update={"window_days": 30})
        other_preset = loaded.model_copy(
            update={"thresholds": loaded.thresholds.model_copy(update={"preset": "gmail-yahoo"})}
        )
        sources = loaded.model_copy(update={"sources": [{"kind": "sendgrid", "name": "esp"}]})
        texts = {
            key.text(),
            _shared_report.report_key(store, loaded, today + timedelta(days=1)).text(),  # type: ignore[union-attr]
            _shared_report.report_key(store, other_window, today).text(),  # type: ignore[union-attr]
            _shared_report.report_key(store, other_preset, today).text(),  # type: ignore[union-attr]
            replace(key, data_version=key.data_version + 1).text(),
            replace(key, inputs={"checks": "0" * 64}).text(),
        }
        assert len(texts) == 6
        # Where the data comes from is not part of it: a poller's config makes the viewer's key.
        assert _shared_report.report_key(store, sources, today) == key
        # The stored check results' content is.
        from ipdash.sources.dns.configure import results_path

        checks = results_path(loaded.blocklists)
        assert _shared_report.checks_input(loaded) == "absent"
        checks.parent.mkdir(parents=True, exist_ok=True)
        checks.write_text("{}")
        assert _shared_report.report_key(store, loaded, today) != key
    finally:
        store.close()


def test_a_stored_report_is_read_only_while_no_check_result_turns_stale(viewer: Path) -> None:
    loaded, found_at = load_config(viewer)
    store = open_configured_store(loaded, found_at)
    try:
        key = _shared_report.report_key(store, loaded, date.today())
        assert key is not None
        now = datetime.now(UTC)
        body = {
            "text": "{}",
            "exit_code": 0,
            "notes": [],
            "valid_until": (now + timedelta(hours=1)).isoformat(),
        }
        assert snapshots.write(store, key, body)
        assert _shared_report.read_report(store, key, now) is not None
        assert _shared_report.read_report(store, key, now + timedelta(hours=1)) is None
        # A row labelled with another data version than its key's is not read.
        store.write_snapshot(key.text(), key.data_version - 1, snapshots.encode(key, body))  # type: ignore[attr-defined]
        assert _shared_report.read_report(store, key, now) is None
        assert snapshots.write(store, key, body)
        # Storing a snapshot of a newer data version deletes those of older ones (none can match again).
        newer = replace(key, data_version=key.data_version + 1)
        assert snapshots.write(store, newer, body)
        assert _shared_report.read_report(store, newer, now) is not None
        assert _shared_report.read_report(store, key, now) is None
    finally:
        store.close()


def test_the_poller_stores_the_report_its_viewers_read(
    viewer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ipdash poll` (its config has [[sources]] and a facts file of its own) stores, after its polls,
    the report a [store]-only viewer with the same analysis settings prints."""
    _code, analysed, _err = run_report(viewer)
    loaded, found_at = load_config(viewer)
    store = open_configured_store(loaded, found_at)
    try:
        fresh = (IpFacts(IPS["new"], pool="fresh", source="esp"),)
        store.save_poll(PollResult("esp", "sendgrid", FETCHED, facts=fresh))
        poller = loaded.model_copy(
            update={"sources": [{"kind": "sendgrid", "name": "esp"}], "facts_files": [tmp_path / "own.toml"]}
        )
        assert _shared_report.refresh_for_viewers(store, poller)
        assert not _shared_report.refresh_for_viewers(store, poller)  # stored already
    finally:
        store.close()
    analyses = Analyses(monkeypatch)
    code, shared, _err = run_report(viewer)
    assert analyses.count == 0 and code == 1
    _code, expected, _err = run_report(viewer, "--reanalyse")
    assert without_stamp(shared) == without_stamp(expected) != without_stamp(analysed)


def test_every_write_bumps_the_data_version(viewer: Path) -> None:
    loaded, found_at = load_config(viewer)
    store = open_configured_store(loaded, found_at)
    try:
        seen = [store.data_version()]  # type: ignore[attr-defined]
        day = END + timedelta(days=1)
        for poll in (
            PollResult(
                "esp",
                "sendgrid",
                FETCHED,
                stats=(DailyStat(day, IPS["new"], "gmail.com", sent=1, source="esp"),),
            ),
            PollResult("esp", "sendgrid", FETCHED, facts=(IpFacts(IPS["new"], pool="p", source="esp"),)),
            PollResult("esp", "sendgrid", FETCHED, failure="unavailable", detail="down"),
        ):
            store.save_poll(poll)
            seen.append(store.data_version())  # type: ignore[attr-defined]
        store.prune(END - timedelta(days=60))  # whole months dropped on PostgreSQL: no trigger fires
        seen.append(store.data_version())  # type: ignore[attr-defined]
        key = _shared_report.report_key(store, loaded, date.today())
        assert key is not None and snapshots.write(store, key, {"text": "{}"})
        seen.append(store.data_version())  # type: ignore[attr-defined]
    finally:
        store.close()
    assert seen[:5] == sorted(set(seen[:5])), seen  # each write made it newer
    assert seen[5] == seen[4]  # a stored snapshot is no write of the data
