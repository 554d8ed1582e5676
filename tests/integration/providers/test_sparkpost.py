from __future__ import annotations

from collections.abc import Callable
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
    calls = [c for c in api.calls("GET", METRICS_PATH) if "mailbox_providers" not in c.query]
    # One call a day; the days are asked together, so they may arrive in any order.
    assert sorted(c.query["from"][0] for c in calls) == [
        "2025-06-08T00:00",
        "2025-06-09T00:00",
        "2025-06-10T00:00",
    ]
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


MAILBOX_PATH = "/api/v1/metrics/deliverability/mailbox-provider"


def one_ip_day(seen: Seen) -> Reply:
    return Reply(
        json={
            "results": [
                {
                    "sending_ip": "123.45.67.89",
                    "count_sent": 300000,
                    "count_delivered": 290000,
                    "count_bounce": 1200,
                    "count_block_bounce": 500,
                }
            ]
        }
    )


async def test_only_documented_metrics_and_block_bounces_are_mapped(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route("GET", METRICS_PATH, one_ip_day)
    source = make(api, sleeps)
    spec = source.spec.model_copy(update={"by_mailbox_provider": False})
    result = await fetch(
        SparkpostSource(spec, source.runtime), since=date(2025, 6, 10), until=date(2025, 6, 10)
    )
    assert result.ok, result.detail
    requested = api.calls("GET", METRICS_PATH)[0].query["metrics"][0].split(",")
    assert "count_block_bounce" in requested
    assert "count_unsubscribe" not in requested  # not in the sending-ip endpoint's documented list
    [stat] = result.stats
    assert (stat.mailbox_provider, stat.sent, stat.blocked, stat.unsubscribes) == ("all", 300000, 500, None)


def one_ip_day_at(providers: dict[str, dict[str, int]]) -> Callable[[Seen], Reply]:
    """The sending-ip endpoint: the IP's day, or (filtered by ``mailbox_providers``) its part there."""

    def reply(seen: Seen) -> Reply:
        if "mailbox_providers" not in seen.query:
            return one_ip_day(seen)
        [name] = seen.query["mailbox_providers"]
        return Reply(json={"results": [{"sending_ip": "123.45.67.89", **providers[name]}]})

    return reply


def documented_example_by_name() -> dict[str, dict[str, int]]:
    rows = fixture_body("sparkpost/metrics-deliverability-mailbox-provider.json")["results"]
    return {row["mailbox_provider"]: {"count_sent": row["count_sent"]} for row in rows}


async def test_each_ip_day_is_split_by_mailbox_provider_from_the_documented_example(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route("GET", METRICS_PATH, one_ip_day_at(documented_example_by_name()))
    api.route("GET", MAILBOX_PATH, fixture("sparkpost/metrics-deliverability-mailbox-provider.json"))
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert result.ok, result.detail
    [call] = api.calls("GET", MAILBOX_PATH)  # the day's providers, for every IP at once
    assert "sending_ips" not in call.query
    assert call.query["from"] == ["2025-06-10T00:00"] and call.query["timezone"] == ["UTC"]
    asked = [
        c.query["mailbox_providers"] for c in api.calls("GET", METRICS_PATH) if "mailbox_providers" in c.query
    ]
    # Only the providers ipdash groups are asked for; Free.fr and "Educational Institution" are other.
    assert sorted(asked) == [["Gmail"], ["Hotmail / Outlook"], ["Verizon Media Group"]]
    by_provider = {s.mailbox_provider: s for s in result.stats}
    assert {p: s.sent for p, s in by_provider.items()} == {
        "yahoo.com": 107610,  # "Verizon Media Group"
        "gmail.com": 100301,
        "outlook.com": 52385,  # "Hotmail / Outlook"
        "other": 16468 + 7534 + (300000 - 284298),  # Free.fr, Educational, and what the split leaves out
    }
    assert sum(s.sent for s in result.stats) == 300000  # the IP's totals are unchanged by the split
    assert sum(s.blocked or 0 for s in result.stats) == 500


async def test_a_failed_split_keeps_the_ip_day_whole_with_a_note(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route("GET", METRICS_PATH, one_ip_day)
    api.route("GET", MAILBOX_PATH, fixture("sparkpost/error-422-generic.json"))
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert result.ok, result.detail
    assert [(s.mailbox_provider, s.sent, s.blocked) for s in result.stats] == [("other", 300000, 500)]
    assert "no mailbox-provider split" in result.detail


async def test_one_providers_failed_answer_keeps_the_whole_day_unsplit(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    """Gmail's share unknown: no IP's day is split (Gmail's mail is not silently 'other')."""
    by_name = documented_example_by_name()
    answer = one_ip_day_at(by_name)
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route(
        "GET",
        METRICS_PATH,
        lambda seen: (
            fixture("sparkpost/error-422-generic.json")
            if seen.query.get("mailbox_providers") == ["Gmail"]
            else answer(seen)
        ),
    )
    api.route("GET", MAILBOX_PATH, fixture("sparkpost/metrics-deliverability-mailbox-provider.json"))
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert result.ok, result.detail
    assert [(s.mailbox_provider, s.sent, s.blocked) for s in result.stats] == [("other", 300000, 500)]
    assert "2025-06-10: no mailbox-provider split (unavailable)" in result.detail


async def test_a_split_larger_than_the_total_never_goes_negative(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/api/v1/sending-ips", Reply(json={"results": []}))
    api.route(
        "GET", METRICS_PATH, one_ip_day_at({"Gmail": {"count_sent": 400000, "count_block_bounce": 900}})
    )
    api.route(
        "GET", MAILBOX_PATH, Reply(json={"results": [{"mailbox_provider": "Gmail", "count_sent": 400000}]})
    )
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert all(s.sent >= 0 and (s.blocked or 0) >= 0 for s in result.stats)
    assert [s.mailbox_provider for s in result.stats] == ["gmail.com"]


async def test_429_without_headers_waits_one_to_five_seconds(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route(
        "GET",
        "/api/v1/sending-ips",
        Reply(429, json={"errors": [{"message": "Too many requests"}]}),
        Reply(429, json={"errors": [{"message": "Too many requests"}]}),
        Reply(json={"results": []}),
    )
    api.route("GET", METRICS_PATH, Reply(json={"results": []}))
    result = await fetch(make(api, sleeps), since=date(2025, 6, 10), until=date(2025, 6, 10))
    assert result.ok, result.detail
    assert len(sleeps.waits) == 2 and all(1 <= wait <= 5 for wait in sleeps.waits)
