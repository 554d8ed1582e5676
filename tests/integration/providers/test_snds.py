from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ipdash.sources.providers.snds import BLOCKED_LIST, SndsSource
from ipdash.sources.sources_config import SndsSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FIXTURES, FakeApi, Reply

KEY = "0b7c3f1e-5d2a-4c8e-9f00-123456789abc"
ENV = {"SNDS_KEY": KEY}
DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()
STATUS = (FIXTURES / "microsoft-snds/ipstatus.csv").read_bytes()


def make(api: FakeApi, sleeps: SleepRecorder, **settings: object) -> SndsSource:
    spec = SndsSpec(kind="snds", name="snds", api_key_env="SNDS_KEY", base_url=api.base_url, **settings)
    return SndsSource(spec, make_runtime(ENV, sleeps))


async def test_data_and_status_feeds(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=STATUS))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    colours = {d.ip: d.filter_result for d in result.snds}
    assert colours == {"1.1.1.0": "GREEN", "1.1.1.1": "YELLOW", "1.1.1.2": "RED"}
    listed = {item.ip for item in result.listings if item.listed}
    # Ranges expand to every address: 1.1.1.0-1, 1.1.1.3, 1.1.1.254-1.1.2.1 (4), two 2-address ranges.
    assert {"1.1.1.0", "1.1.1.1", "1.1.1.3", "1.1.1.255", "1.1.2.0", "1.1.2.1", "2.0.0.0"} <= listed
    assert len(listed) == 11
    clear = [item.ip for item in result.listings if not item.listed]
    assert clear == ["1.1.1.2"]  # in the data feed, not blocked
    assert all(item.list_name == BLOCKED_LIST for item in result.listings)
    assert api.calls("GET", "/snds/data.aspx")[0].query["key"] == [KEY]


async def test_history_days_ask_by_date(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    result = await fetch(make(api, sleeps, history_days=3), until=date(2025, 6, 10))
    assert result.ok
    dates = [c.query.get("date") for c in api.calls("GET", "/snds/data.aspx")]
    assert dates == [None, ["060925"], ["060825"]]


async def test_empty_feeds_mean_no_activity_and_nothing_blocked(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=b""))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    result = await fetch(make(api, sleeps))
    assert result.ok and result.snds == () and result.listings == ()


async def test_html_page_means_a_bad_key_and_the_key_is_never_shown(
    api: FakeApi, sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.route("GET", "/snds/data.aspx", Reply(body=b"<!DOCTYPE html><html><body>Sign in</body></html>"))
    result = await fetch(make(api, sleeps))
    assert result.failure == "auth" and "key" in result.detail
    assert KEY not in result.detail
    assert "HTTP Request: GET" in caplog.text and "key=***" in caplog.text
    assert KEY not in caplog.text


async def test_bad_rows_are_skipped_and_counted(api: FakeApi, sleeps: SleepRecorder) -> None:
    data = DATA + b"\r\nnot-an-ip,garbage\r\n"
    status = STATUS + b"\r\n9.9.9.9,1.1.1.1,Yes,backwards range\r\nnonsense\r\n"
    api.route("GET", "/snds/data.aspx", Reply(body=data))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=status))
    result = await fetch(make(api, sleeps))
    assert result.ok and len(result.snds) == 3
    assert "1 data rows unreadable" in result.detail
    assert "2 ipStatus rows unreadable" in result.detail


async def test_huge_blocked_range_is_capped(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=b""))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b"10.0.0.0,10.255.255.255,Yes,whole /8\r\n"))
    result = await fetch(make(api, sleeps))
    assert len(result.listings) == 65536
    assert "first 65536 kept" in result.detail


async def test_pacific_times_become_utc_and_days_count_back_from_pacific_today(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))
    early = datetime(2025, 6, 11, 3, 0, tzinfo=UTC)  # still 10 June, 20:00, in Pacific time
    spec = SndsSpec(kind="snds", name="snds", api_key_env="SNDS_KEY", base_url=api.base_url, history_days=2)
    runtime = replace(make_runtime(ENV, sleeps), clock=lambda: early)
    result = await fetch(SndsSource(spec, runtime), until=date(2025, 6, 11))
    assert [c.query.get("date") for c in api.calls("GET", "/snds/data.aspx")] == [None, ["060925"]]
    first = {d.ip: d for d in result.snds}["1.1.1.0"]
    # "12/31/2019 8:00 AM" and "9/29/2020 9:00 PM" Pacific (PST, then PDT)
    assert first.activity_start == datetime(2019, 12, 31, 16, 0, tzinfo=UTC)
    assert first.activity_end == datetime(2020, 9, 30, 4, 0, tzinfo=UTC)
    assert first.day == date(2020, 9, 29)  # the Pacific day, which is the UTC day it overlaps most
