"""`report` and `metrics serve` read the stored history lean (its daily stats from the lean start,
then the earlier ones of the IPs that need them): their output is the whole lookback's, on SQLite and
on a real PostgreSQL server. Crafted data: a steady IP, complaints for 80 days (longer than the lean
read), an IP idle these 45 days (held only earlier: a re-warm), a plan its facts started, a plan
the config starts, and ARF complaints that make a breach the ESP's own counts do not show (the first
analysis must include them) and that fall on days before the lean start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry, generate_latest

from ipdash.cli import main_group
from ipdash.commands._analysis import ChecksChoice, analyse_for_cli
from ipdash.commands._metrics import IpdashCollector
from ipdash.commands._output import dumps_json
from ipdash.commands._receiver import load_receiver_for_cli
from ipdash.commands.report import report_json
from ipdash.domain.config import Config
from ipdash.domain.lookback import lean_start
from ipdash.domain.models import DailyStat, Dataset, IpFacts, PollResult
from ipdash.sources.config_file import load_config
from ipdash.sources.loader import load_dataset_for_cli, load_lean_for_cli
from ipdash.sources.reference_data import threshold_presets
from ipdash.sources.store import HistoryReader, SqliteStore, analysis_lookback
from ipdash.sources.store.base import HistoryStore
from ipdash.sources.store.history import LeanPlan

END = date(2025, 6, 30)
DAYS = 130
FETCHED = datetime(2025, 7, 1, 6, tzinfo=UTC)
NAMES = ("steady", "long", "idle", "planned", "configured", "arf_breach", "arf_early", "new")
IPS = {name: f"192.0.2.{n}" for n, name in enumerate(NAMES, start=1)}
PROVIDERS = ("gmail.com", "yahoo.com")
FIXTURES = Path(__file__).resolve().parents[1] / "receiver" / "fixtures" / "arf"
LEAN_FROM = lean_start(Config(window_days=7), 7, END)
#: ARF complaints (yahoo.com) per (IP, days back): a breach the ESP's counts do not show (its own
#: complaints ended 25 days ago, within the lean read), and complaints on days before the lean start.
ARF = {(IPS["arf_breach"], back): 30 for back in range(25)} | {
    (IPS["arf_early"], back): 12 for back in (33, 34)
}


def sending(name: str, back: int) -> tuple[int, int] | None:
    """(sent, complaints) per provider ``back`` days before END, or None: no record."""
    if name == "steady":
        return 3000 + back % 7 * 10, 0
    if name == "long":  # complaining for 80 days
        return 3000, 15 if back < 80 else 0
    if name == "idle":  # nothing these 45 days: held only before the lean start
        return (5000 - back, 0) if back >= 45 else None
    if name == "planned":  # its facts start a plan 100 days ago
        return (min(50 * (101 - back), 4000), 0) if back <= 100 else None
    if name == "configured":  # the config starts a plan 120 days ago
        return (min(40 * (121 - back), 4000), 0) if back <= 120 else None
    if name == "arf_breach":  # complaining 70..25 days ago by the ESP's count, by ARF since
        return 3000, 15 if 25 <= back <= 70 else 0
    if name == "arf_early":
        return 3000, 0
    if name == "new":
        return (3000, 15) if back < 10 else None
    raise AssertionError(name)


def history() -> PollResult:
    stats = []
    for back in range(DAYS):
        day = END - timedelta(days=back)
        for name, ip in IPS.items():
            drawn = sending(name, back)
            if drawn is None:
                continue
            sent, complaints = drawn
            for provider in PROVIDERS:
                stats.append(DailyStat(day, ip, provider, sent=sent, delivered=sent - 5, bounced=5,
                                       complaints=complaints, source="esp"))  # fmt: skip
    facts = (
        IpFacts(IPS["planned"], warmup_plan="sendgrid", warmup_start=END - timedelta(days=100), source="esp"),
        IpFacts(IPS["steady"], pool="marketing", source="esp"),
    )
    return PollResult("esp", "sendgrid", FETCHED, stats=tuple(stats), facts=facts)


@pytest.fixture(params=["sqlite", "postgres"])
def store_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A viewer's config of a store holding the history (and a [warmup.ips] plan)."""
    if request.param == "sqlite":
        path = tmp_path / "h.sqlite3"
        with SqliteStore(path) as sqlite:
            sqlite.save_poll(history())
        table = f'[store]\npath = "{path}"\n'
    else:
        from ipdash.sources.store.postgres import PostgresStore

        url = request.getfixturevalue("pg_url")
        with PostgresStore(url) as postgres:
            postgres.save_poll(history())
        table = f'[store]\nurl = "{url}"\n'
    start = END - timedelta(days=120)
    config = tmp_path / "ipdash.toml"
    config.write_text(
        f'window_days = 7\n{table}\n[warmup.ips."{IPS["configured"]}"]\nplan = "sendgrid"\nstart = "{start}"\n'
    )
    yield config


def write_arf(folder: Path) -> Path:
    """One ARF message per complaint in ARF (Yahoo's report of the receiver tests, its date, IP and
    ids changed: its reporter counts for yahoo.com)."""
    template = (FIXTURES / "yahoo_abuse.eml").read_text()
    folder.mkdir()
    n = 0
    for (ip, back), count in ARF.items():
        when = datetime.combine(END - timedelta(days=back), datetime.min.time(), UTC) + timedelta(hours=12)
        stamp = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
        for _ in range(count):
            n += 1
            text = template.replace("Fri, 20 Nov 2026 13:58:11 +0000", stamp).replace("198.51.100.12", ip)
            text = text.replace("<fbl-1@", f"<fbl-{n}@").replace("<deal-42@", f"<deal-{n}@")
            (folder / f"c{n}.eml").write_text(text)
    return folder


def both_reports(config_path: Path, arf: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """`report`'s JSON over the whole lookback (the read before) and over the lean read, as the
    command makes them; and the lean read's LeanRead."""
    found = []
    lean_read = None
    for lean in (False, True):
        if lean:
            config, dataset, lean_read = load_lean_for_cli((), config_path, poll_sources=True)
        else:
            config, dataset = load_dataset_for_cli((), config_path, poll_sources=True, for_window=True)
        receiver = load_receiver_for_cli(dataset, config, config_path, (), arf, sample=False)
        result, _notes = analyse_for_cli(
            dataset, config, ChecksChoice(), today=END + timedelta(days=1), receiver=receiver, lean=lean_read
        )
        found.append(comparable(report_json(result, dataset, generated_at=FETCHED)))
    if lean_read is not None:
        lean_read.close()
    return found[0], found[1], lean_read


def comparable(payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON as text would read, the times of what was read or polled now left out."""
    for source in payload["sources"]:
        if not source["detail"].startswith("from history"):
            source["fetched_at"] = None
    loaded: dict[str, Any] = json.loads(dumps_json(payload))
    return loaded


def by_ip(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["ip"]: item for item in payload["ips"]}


def test_the_lean_report_is_the_whole_lookbacks(store_config: Path, tmp_path: Path) -> None:
    arf = write_arf(tmp_path / "arf")
    whole, lean, lean_read = both_reports(store_config, (arf,))
    assert lean == whole
    assert lean_read is not None and lean_read.lean_from == LEAN_FROM
    ips = by_ip(whole)
    assert set(ips) == set(IPS.values())
    # What the data was made to show: each case is there in the whole lookback's report.
    assert ips[IPS["idle"]]["warmup"] is not None and ips[IPS["idle"]]["sent"] == 0
    assert ips[IPS["planned"]]["warmup"] is not None and ips[IPS["configured"]]["warmup"] is not None
    onsets = {name: [b["since"] for b in ips[IPS[name]]["breaches"] if b["since"]] for name in IPS}
    assert LEAN_FROM is not None
    for name in ("long", "arf_breach"):  # breaches begun before the lean read, dated there
        assert onsets[name] and min(onsets[name]) < LEAN_FROM.isoformat(), name
    assert not onsets["steady"] and not onsets["arf_early"]
    assert ips[IPS["arf_breach"]]["dmarc"]["arf_complaints_added"] > 0


def test_the_first_analysis_sees_the_breaches_arf_complaints_make(store_config: Path, tmp_path: Path) -> None:
    """Without the receiver data the ESP's counts of the ARF IP are clean these 25 days: no breach, no
    context read. With it, the breach reaches the lean read's first judged day, so its earlier days
    are read, and its onset is the whole lookback's."""
    arf = write_arf(tmp_path / "arf")
    config, dataset, lean_read = load_lean_for_cli((), store_config, poll_sources=True)
    assert lean_read is not None
    try:
        receiver = load_receiver_for_cli(dataset, config, store_config, (), (arf,), sample=False)
        plain, _ = analyse_for_cli(dataset, config, ChecksChoice(), today=END + timedelta(days=1))
        with_arf, _ = analyse_for_cli(
            dataset, config, ChecksChoice(), today=END + timedelta(days=1), receiver=receiver
        )
        assert not plain.ips[IPS["arf_breach"]].threshold_breaches
        context = lean_read.context(with_arf, dataset)
        assert IPS["arf_breach"] in set(context.frame()["ip"].cast(str).unique().to_list())
        assert IPS["arf_breach"] not in set(
            lean_read.context(plain, dataset).frame()["ip"].cast(str).to_list()
        )
    finally:
        lean_read.close()


def test_the_report_command_prints_the_whole_lookbacks_json(store_config: Path, tmp_path: Path) -> None:
    arf = write_arf(tmp_path / "arf")
    whole, _lean, _read = both_reports(store_config, (arf,))
    args = ["report", "--config", str(store_config), "--arf", str(arf), "--format", "json"]
    result = CliRunner().invoke(main_group, args, catch_exceptions=False)
    printed = comparable(json.loads(result.stdout))
    printed["generated_at"] = whole["generated_at"]
    assert printed == whole
    assert result.exit_code == 1  # the complaint breaches are critical


def test_a_report_without_arf_and_a_longer_window(store_config: Path) -> None:
    whole, lean, lean_read = both_reports(store_config, ())
    assert lean == whole and lean_read is not None
    config = store_config.read_text().replace("window_days = 7", "window_days = 30")
    store_config.write_text(config)
    whole, lean, lean_read = both_reports(store_config, ())
    assert lean == whole and lean_read is not None
    assert lean_read.lean_from == lean_start(Config(window_days=30), 30, END)


def scraped(collector: IpdashCollector) -> list[str]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return [line for line in text.splitlines() if not line.startswith("ipdash_scrape_duration_seconds")]


def metrics_collectors(
    config_path: Path,
) -> tuple[IpdashCollector, IpdashCollector, HistoryReader, HistoryStore]:
    """`metrics serve`'s collector reading the whole lookback (before) and reading lean (now)."""
    from ipdash.sources.live import open_configured_store

    config, found_at = load_config(config_path)
    store = open_configured_store(config, found_at)
    lookback = analysis_lookback(config, config.window_days)
    whole = HistoryReader(store, lookback=lookback)
    lean = HistoryReader(store, lookback=lookback, lean=LeanPlan(config, config.window_days))

    def load_whole() -> tuple[Dataset, list[Any]]:
        return whole.read(), store.source_runs()

    def load_lean() -> tuple[Dataset, list[Any], Any]:
        held, rest = lean.read_lean()
        return held, store.source_runs(), rest

    presets = threshold_presets()
    today = END + timedelta(days=1)
    return (
        IpdashCollector(load_whole, config, presets, refresh=0, today=lambda: today),
        IpdashCollector(load_lean, config, presets, refresh=0, today=lambda: today),
        lean,
        store,
    )


def test_metrics_serve_reads_lean_and_exports_the_whole_lookbacks_gauges(store_config: Path) -> None:
    whole, lean, reader, store = metrics_collectors(store_config)
    try:
        assert scraped(lean) == scraped(whole)
        assert reader.counts.full == 1
        # A poll of the newest day: an increment, the same gauges.
        new_day = END + timedelta(days=1)
        polled = tuple(
            DailyStat(new_day, ip, provider, sent=3000, delivered=2995, bounced=5, complaints=0, source="esp")
            for ip in (IPS["steady"], IPS["long"])
            for provider in PROVIDERS
        )
        store.save_poll(PollResult("esp", "sendgrid", FETCHED + timedelta(days=1), stats=polled))
        assert scraped(lean) == scraped(whole)
        # A poll rewriting a day before the lean start: read lean again, still the same.
        early = END - timedelta(days=60)
        rewritten = DailyStat(
            early,
            IPS["steady"],
            "gmail.com",
            sent=9000,
            delivered=8995,
            bounced=5,
            complaints=90,
            source="esp",
        )
        store.save_poll(PollResult("esp", "sendgrid", FETCHED + timedelta(days=2), stats=(rewritten,)))
        full_before = reader.counts.full
        assert scraped(lean) == scraped(whole)
        assert reader.counts.full == full_before + 1
    finally:
        store.close()


@pytest.mark.parametrize("days", [7, 30])
def test_the_tuis_first_frame_reads_lean_and_analyses_as_the_whole_lookback(
    store_config: Path, days: int
) -> None:
    """``read_for_views`` (the TUI's first read): the range's analysis and the alerts' (over the
    configured window) are the whole lookback's, with fewer records read."""
    from ipdash.domain.analysis import analyse
    from ipdash.domain.time_range import range_window
    from ipdash.sources.live import open_configured_store
    from ipdash.sources.store import load_history
    from ipdash.sources.store.history import read_for_views

    from .test_history_lookback import judged

    config, found_at = load_config(store_config)
    store = open_configured_store(config, found_at)
    try:
        whole = load_history(store, lookback=analysis_lookback(config, days))
        lean = read_for_views(store, config, days, Dataset())
    finally:
        store.close()
    assert lean.frame().height < whole.frame().height
    presets, today = threshold_presets(), END + timedelta(days=1)
    for span in (days, config.window_days):
        full, part = (
            analyse(data, config, presets, window=range_window(data, span, today=today), today=today)
            for data in (whole, lean)
        )
        assert part.window == full.window
        assert list(part.ips) == list(full.ips) == sorted(IPS.values(), key=lambda ip: int(ip.split(".")[-1]))
        for ip in IPS.values():
            assert judged(part.ips[ip]) == judged(full.ips[ip]), (span, ip)
        assert part.feed == full.feed


def test_a_failed_source_held_only_before_the_lean_start_is_stale_as_over_the_lookback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report` polls the config's sources: one that fails is stale when the history holds its
    records, failed when not. Its records all before the lean start: stale still."""
    path = tmp_path / "h.sqlite3"
    with SqliteStore(path) as sqlite:
        sqlite.save_poll(history())
        old = tuple(
            DailyStat(END - timedelta(days=back), "198.51.100.7", "gmail.com", sent=900, source="mg")
            for back in range(40, 60)
        )
        sqlite.save_poll(PollResult("mg", "mailgun", FETCHED, stats=old))
    monkeypatch.setenv("TEST_MG_KEY", "key-not-sent")
    config = tmp_path / "ipdash.toml"
    config.write_text(  # a closed loopback port: the poll fails at once, never reaching out
        f'window_days = 7\n[store]\npath = "{path}"\n[[sources]]\nkind = "mailgun"\nname = "mg"\n'
        'api_key_env = "TEST_MG_KEY"\nbase_url = "http://127.0.0.1:9"\n'
    )
    whole, lean, lean_read = both_reports(config, ())
    assert lean_read is not None and "mg" in lean_read.earlier_sources
    assert lean == whole
    assert {s["name"]: s["state"] for s in lean["sources"]}["mg"] == "stale"
