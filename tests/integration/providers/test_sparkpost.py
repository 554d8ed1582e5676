from __future__ import annotations

from datetime import date

import pytest

from ipdash.sources.providers.sparkpost import SparkpostSource
from ipdash.sources.sources_config import SparkpostSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen, fixture, fixture_body

ENV = {"SP_KEY": "sparkpost-secret"}
METRICS_PATH = "/api/v1/metrics/deliverability/sending-ip"


def make(api: FakeApi, sleeps: SleepRecorder) -> SparkpostSource:
    spec = SparkpostSpec(kind="sparkpost", name="sp", api_key_env="SP_KEY", base_url=api.base_url)
    return SparkpostSource(spec, make_runtime(ENV, sleeps))


def per_day(seen: Seen) -> Reply:
    day = seen.query["from"][0][:10]
    volume = int(day[-2:]) * 1000
    rows = [
        {
            "sending_ip": "123.45.67.89",
            "count_sent": volume,
            "count_delivered": volume - 10,
            "count_bounce": 10,
        },
        {"sending_ip": "sending-ip-0", "count_sent": 5},
    ]
    return Reply(json={"results": rows})


async def test_sending_ips_and_one_metrics_call_per_day(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/api/v1/sending-ips", fixture("sparkpost/sending-ips-list.json"))
    api.route("GET", METRICS_PATH, per_day)
    result = await fetch(make(api, sleeps), since=date(2025, 6, 8), until=date(2025, 6, 10))
    assert result.ok, result.detail
    assert [(f.ip, f.pool, f.rdns) for f in result.facts] == [
        ("123.45.67.89", "marketing", "mta472a.sparkpostmail.com"),
        ("123.45.67.80", "default", "mta474a.sparkpostmail.com"),
    ]
    warm = {w.ip: w for w in result.warmups}
    assert warm["123.45.67.89"].progress == pytest.approx(5 / 29)
    assert warm["123.45.67.89"].status_text == "auto warm-up stage 5 of 29"
    assert not warm["123.45.67.80"].active and warm["123.45.67.80"].progress is None
    assert [(s.day, s.sent) for s in result.stats] == [
        (date(2025, 6, 8), 8000),
        (date(2025, 6, 9), 9000),
        (date(2025, 6, 10), 10000),
    ]
    assert result.stats[0].complaints is None  # not returned: unknown, not 0
    calls = api.calls("GET", METRICS_PATH)
    assert [c.query["from"][0] for c in calls] == ["2025-06-08T00:00", "2025-06-09T00:00", "2025-06-10T00:00"]
    assert calls[0].headers["Authorization"] == "sparkpost-secret"
    assert "3 rows skipped" in result.detail  # "sending-ip-0" is the docs' placeholder, not an IP


async def test_documented_example_metrics_have_no_real_ips(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route("GET", METRICS_PATH, fixture("sparkpost/metrics-deliverability-sending-ip.json"))
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert result.ok and result.stats == () and result.facts == ()


async def test_pool_not_found_404_is_unavailable_with_message(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route(
        "GET", "/api/v1/sending-ips", Reply(404, json=fixture_body("sparkpost/sending-ip-get-404.json"))
    )
    result = await fetch(make(api, sleeps))
    assert result.failure == "unavailable"
    assert "Sending IP does not exist" in result.detail


async def test_422_is_reported_with_the_providers_message(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/api/v1/sending-ips", fixture("sparkpost/error-422-generic.json"))
    result = await fetch(make(api, sleeps))
    assert result.failure == "unavailable" and "required field is missing" in result.detail
