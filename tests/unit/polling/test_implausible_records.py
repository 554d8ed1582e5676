"""A provider record with a count past 2^63-1 (or a day in year 9999) is one refused record: the
rest of the poll is saved, the store never sees an OverflowError, the polars frame stays Int64."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from ipdash.domain.config import Config
from ipdash.domain.models import AccountDay, DailyStat, Dataset, IpFacts, PollResult
from ipdash.sources.providers.base import Collected, ProviderSource, Runtime
from ipdash.sources.providers.polling import merge_poll_results, poll_all_once
from ipdash.sources.record_bounds import plausible_poll
from ipdash.sources.sources_config import validate_sources
from ipdash.sources.store import SqliteStore, StoreError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DAY = date(2026, 3, 1)
HUGE = 2**63


class HugeCounts(ProviderSource):
    kind = "sendgrid"

    def __init__(self) -> None:
        [spec] = validate_sources([{"kind": "sendgrid", "name": "sg", "api_key_env": "K"}])
        super().__init__(spec, Runtime(env={"K": "k"}, clock=lambda: NOW))

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        return Collected(
            stats=[
                DailyStat(DAY, "192.0.2.1", "gmail.com", sent=1000, delivered=990, source=self.name),
                DailyStat(DAY, "192.0.2.2", "gmail.com", sent=HUGE, delivered=1, source=self.name),
                DailyStat(DAY, "192.0.2.3", "gmail.com", sent=10, complaints=10**400, source=self.name),
                DailyStat(date(9999, 12, 31), "192.0.2.4", "all", sent=5, source=self.name),
            ],
            facts=[IpFacts("192.0.2.1", warmup_target_daily=HUGE, source=self.name)],
            account_days=[AccountDay(DAY, "account", "sendgrid", sent=-HUGE, source=self.name)],
        )


async def test_one_bad_value_is_one_refused_record_and_the_poll_is_saved(tmp_path: Path) -> None:
    [result] = await poll_all_once(Config(), sources=[HugeCounts()], today=DAY)
    assert result.ok
    assert [stat.ip for stat in result.stats] == ["192.0.2.1"]
    assert result.facts == () and result.account_days == ()
    assert (
        "5 implausible record(s) refused (2026-03-01 192.0.2.2 gmail.com: sent is 9223372036854775808, over"
        in (result.detail)
    )
    assert "complaints is a 401-digit number" in result.detail and "and 2 more" in result.detail
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        assert store.save_poll(result) == 1
        assert [run.ok for run in store.source_runs()] == [True]
        assert len(store.load().stats) == 1
    dataset = merge_poll_results(Dataset(), [result])
    assert dataset.frame().schema["sent"] == pl.Int64
    assert dataset.stats[(DAY, "192.0.2.1", "gmail.com")].sent == 1000


def test_a_plausible_poll_is_returned_unchanged() -> None:
    result = PollResult(
        source="sg", kind="sendgrid", fetched_at=NOW, stats=(DailyStat(DAY, "192.0.2.1", "all", sent=10**12),)
    )
    assert plausible_poll(result) is result


def test_the_store_refuses_an_overflowing_value_with_a_clear_error(tmp_path: Path) -> None:
    """Defence in depth: a value that bypassed the poller is a StoreError, not an OverflowError."""
    result = PollResult(
        source="sg", kind="sendgrid", fetched_at=NOW, stats=(DailyStat(DAY, "192.0.2.1", "all", sent=HUGE),)
    )
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        with pytest.raises(
            StoreError, match=r"too large for SQLite \(over 2\^63-1\): the poll was not saved"
        ):
            store.save_poll(result)
        assert store.source_runs() == [] and store.count("daily_stats") == 0
