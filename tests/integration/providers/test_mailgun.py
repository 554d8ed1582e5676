from __future__ import annotations

import base64
from datetime import date

import pytest

from ipdash.domain.models import ALL_PROVIDERS
from ipdash.sources.providers.mailgun import MailgunSource
from ipdash.sources.sources_config import MailgunSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen, fixture, fixture_body

ENV = {"MG_KEY": "key-mailgun-secret"}


def make(api: FakeApi, sleeps: SleepRecorder) -> MailgunSource:
    spec = MailgunSpec(kind="mailgun", name="mg", api_key_env="MG_KEY", base_url=api.base_url)
    return MailgunSource(spec, make_runtime(ENV, sleeps))


def metrics_item(ip: str, day: str, **counts: object) -> dict[str, object]:
    return {
        "dimensions": [
            {"dimension": "ip", "value": ip, "display_value": ip},
            {"dimension": "time", "value": day, "display_value": day},
        ],
        "metrics": counts,
    }


def documented_routes(api: FakeApi) -> None:
    api.route("GET", "/v3/ips", fixture("mailgun/ips-list.json"))
    pools = fixture_body("mailgun/ip-pools-list.json")
    pools["ip_pools"][0]["ips"] = ["1.2.3.4"]
    api.route("GET", "/v3/ip_pools", Reply(json=pools))
    warmups = fixture_body("mailgun/ip-warmups-list.json")
    warmups["items"][0]["ip"] = "1.2.3.4"
    warmups["paging"] = {"next": f"{api.base_url}/v3/ip_warmups?page=2"}

    def warmup_pages(seen: Seen) -> Reply:
        if seen.query.get("page") == ["2"]:
            return Reply(json={"items": [], "paging": {"next": f"{api.base_url}/v3/ip_warmups?page=3"}})
        return Reply(json=warmups)

    api.route("GET", "/v3/ip_warmups", warmup_pages)
    item = metrics_item(
        "1.2.3.4",
        "Tue, 10 Jun 2025 00:00:00 +0000",
        sent_count=1000,
        delivered_count=990,
        hard_bounces_count=4,
        soft_bounces_count=6,
        bounced_count=10,
        complained_count=1,
        unique_opened_count=None,
    )
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": [item], "pagination": {"total": 1}}))


async def test_ips_pools_warmups_and_per_ip_days(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    facts = {f.ip: f for f in result.facts}
    assert set(facts) == {"1.2.3.4", "5.6.7.8"}
    assert facts["1.2.3.4"].pool == "short name of the dedicated IP pool"
    assert facts["5.6.7.8"].pool is None
    warm = {w.ip: w for w in result.warmups}
    assert warm["1.2.3.4"].active and warm["1.2.3.4"].stage == 3
    assert "throttle 78" in warm["1.2.3.4"].status_text and "/h" not in warm["1.2.3.4"].status_text
    assert not warm["5.6.7.8"].active
    [stat] = result.stats
    assert (stat.day, stat.ip, stat.mailbox_provider) == (date(2025, 6, 10), "1.2.3.4", ALL_PROVIDERS)
    assert (stat.sent, stat.delivered, stat.hard_bounced, stat.complaints) == (1000, 990, 4, 1)
    assert stat.opens is None  # null from the API stays unknown, never 0
    auth = api.calls("GET", "/v3/ips")[0].headers["Authorization"]
    assert base64.b64decode(auth.split()[1]) == b"api:key-mailgun-secret"
    body = api.calls("POST", "/v1/analytics/metrics")[0].json()
    assert body["dimensions"] == ["time", "ip", "recipient_provider"] and body["resolution"] == "day"
    assert [s.query.get("page") for s in api.calls("GET", "/v3/ip_warmups")] == [None, ["2"]]


async def test_warmup_detail_names_from_the_openapi_example(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    detail = fixture_body("mailgun/ip-warmup-get.json")["details"]
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": [{"ip": "1.2.3.4", **detail}], "paging": {}}))
    result = await fetch(make(api, sleeps))
    warm = {w.ip: w for w in result.warmups}["1.2.3.4"]
    assert (warm.stage, warm.total_stages) == (2, 15)
    assert warm.progress == pytest.approx(2 / 15)
    assert warm.started_on == date(2025, 1, 1)


async def test_metrics_skip_limit_pagination(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)

    def pages(seen: Seen) -> Reply:
        paging = seen.json()["pagination"]
        rows = [
            metrics_item(f"10.1.{n // 250}.{n % 250}", "Mon, 09 Jun 2025 00:00:00 +0000", sent_count=n)
            for n in range(paging["skip"], min(230, paging["skip"] + paging["limit"]))
        ]
        return Reply(json={"items": rows})

    api.route("POST", "/v1/analytics/metrics", pages)
    result = await fetch(make(api, sleeps))
    assert len(result.stats) == 230
    assert [c.json()["pagination"]["skip"] for c in api.calls("POST", "/v1/analytics/metrics")] == [
        0,
        100,
        200,
    ]


async def test_paging_to_another_host_is_refused(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    page = {"items": [{"ip": "1.2.3.4"}], "paging": {"next": "https://evil.example/v3/ip_warmups?page=2"}}
    api.route("GET", "/v3/ip_warmups", Reply(json=page))
    result = await fetch(make(api, sleeps))
    assert result.failure == "bad_payload" and "another origin" in result.detail


async def test_429_waits_the_delay_stated_in_the_message(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route(
        "GET", "/v3/ips", fixture("mailgun/error-429-rate-limited.json"), fixture("mailgun/ips-list.json")
    )
    result = await fetch(make(api, sleeps))
    assert result.ok
    assert sleeps.waits == [120.0]


@pytest.mark.parametrize("name", ["error-401-invalid-private-key.json", "error-401-forbidden-text.json"])
async def test_401_json_or_plain_text_is_auth(api: FakeApi, sleeps: SleepRecorder, name: str) -> None:
    reply = fixture(f"mailgun/{name}")
    if reply.json is None:
        reply = Reply(401, body="Forbidden")
    api.route("GET", "/v3/ips", reply)
    result = await fetch(make(api, sleeps))
    assert result.failure == "auth"
    assert "key-mailgun-secret" not in result.detail


async def test_missing_pools_feature_is_a_note_not_a_failure(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route("GET", "/v3/ip_pools", fixture("mailgun/error-404-domain-not-found.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok and "pools unavailable" in result.detail


async def test_rows_without_an_ip_are_skipped_and_counted(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route("POST", "/v1/analytics/metrics", fixture("mailgun/analytics-metrics.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok and result.stats == ()
    assert "2 rows skipped" in result.detail


def provider_item(ip: str, provider: str, **counts: object) -> dict[str, object]:
    item = metrics_item(ip, "Tue, 10 Jun 2025 00:00:00 +0000", **counts)
    item["dimensions"].append(  # type: ignore[union-attr]
        {"dimension": "recipient_provider", "value": provider, "display_value": provider}
    )
    return item


async def test_days_split_by_recipient_provider_with_esp_blocks(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    items = [
        provider_item("1.2.3.4", "Gmail", sent_count=600, permanent_failed_esp_block_count=30),
        provider_item(
            "1.2.3.4",
            "Microsoft",
            sent_count=300,
            permanent_failed_esp_block_count=5,
            temporary_failed_esp_block_count=7,
        ),
        provider_item("1.2.3.4", "Free", sent_count=60),
        provider_item("1.2.3.4", "Orange", sent_count=40),
    ]
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": items}))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    rows = {s.mailbox_provider: (s.sent, s.blocked) for s in result.stats}
    assert rows == {"gmail.com": (600, 30), "outlook.com": (300, 12), "other": (100, None)}
    body = api.calls("POST", "/v1/analytics/metrics")[0].json()
    assert "permanent_failed_esp_block_count" in body["metrics"]
    assert "temporary_failed_esp_block_count" in body["metrics"]


async def test_accepted_count_is_never_used_as_an_ips_volume(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    items = [
        metrics_item("1.2.3.4", "Tue, 10 Jun 2025 00:00:00 +0000", accepted_count=1000, delivered_count=990)
    ]
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": items}))
    result = await fetch(make(api, sleeps))
    assert result.ok and result.stats == ()
    assert "1 metric rows without sent_count skipped" in result.detail
    assert "accepted_count" not in api.calls("POST", "/v1/analytics/metrics")[0].json()["metrics"]


async def test_metrics_pages_ask_for_a_deterministic_sort(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    result = await fetch(make(api, sleeps))
    assert result.ok
    [call] = api.calls("POST", "/v1/analytics/metrics")
    assert call.json()["pagination"] == {"sort": "time:asc", "skip": 0, "limit": 100}


def sort_checking_metrics(accepted: str, item: dict[str, object]) -> object:
    """A metrics endpoint that accepts one sort form and refuses others with a 400 naming it."""

    def handler(seen: Seen) -> Reply:
        sort = seen.json()["pagination"]["sort"]
        if sort != accepted:
            return Reply(400, json={"message": f"invalid sort field: '{sort}'"})
        return Reply(
            json={"items": [item], "pagination": {"sort": sort, "skip": 0, "limit": 100, "total": 1}}
        )

    return handler


async def test_a_400_naming_the_sort_retries_with_the_echoed_form(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    documented_routes(api)
    item = metrics_item("1.2.3.4", "Tue, 10 Jun 2025 00:00:00 +0000", sent_count=500)
    api.route("POST", "/v1/analytics/metrics", sort_checking_metrics("timestamp:asc", item))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert [s.sent for s in result.stats] == [500]
    assert [c.json()["pagination"]["sort"] for c in api.calls("POST", "/v1/analytics/metrics")] == [
        "time:asc",
        "timestamp:asc",
    ]
    assert "metrics sort 'time:asc' refused" in result.detail and "used 'timestamp:asc'" in result.detail


async def test_the_documented_sort_accepted_is_never_retried(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    item = metrics_item("1.2.3.4", "Tue, 10 Jun 2025 00:00:00 +0000", sent_count=500)
    api.route("POST", "/v1/analytics/metrics", sort_checking_metrics("time:asc", item))
    result = await fetch(make(api, sleeps))
    assert result.ok and "refused" not in result.detail
    assert len(api.calls("POST", "/v1/analytics/metrics")) == 1


async def test_later_pages_keep_the_accepted_sort(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)

    def pages(seen: Seen) -> Reply:
        pagination = seen.json()["pagination"]
        if pagination["sort"] != "timestamp:asc":
            return Reply(400, json={"message": "pagination.sort: unknown column time"})
        skip = pagination["skip"]
        count = 100 if skip == 0 else 3
        day = "Tue, 10 Jun 2025 00:00:00 +0000"
        return Reply(
            json={"items": [metrics_item(f"10.0.0.{skip + n}", day, sent_count=1) for n in range(count)]}
        )

    api.route("POST", "/v1/analytics/metrics", pages)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert len(result.stats) == 103
    sorts = [c.json()["pagination"]["sort"] for c in api.calls("POST", "/v1/analytics/metrics")]
    assert sorts == ["time:asc", "timestamp:asc", "timestamp:asc"]


async def test_both_sort_forms_refused_fails_with_the_providers_message(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    documented_routes(api)
    api.route("POST", "/v1/analytics/metrics", Reply(400, json={"message": "invalid sort"}))
    result = await fetch(make(api, sleeps))
    assert result.failure == "unavailable"
    assert "400 invalid sort" in result.detail
    assert len(api.calls("POST", "/v1/analytics/metrics")) == 2


async def test_a_400_not_about_the_sort_is_not_retried(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route("POST", "/v1/analytics/metrics", fixture("mailgun/analytics-metrics-400.json"))
    result = await fetch(make(api, sleeps))
    assert result.failure == "unavailable" and "reason for bad request" in result.detail
    assert len(api.calls("POST", "/v1/analytics/metrics")) == 1


async def test_warmup_progress_from_the_one_ip_endpoint(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route("GET", "/v3/ip_warmups/1.2.3.4", fixture("mailgun/ip-warmup-get.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    warm = {w.ip: w for w in result.warmups}["1.2.3.4"]
    assert (warm.stage, warm.total_stages) == (2, 15)
    assert warm.progress == pytest.approx(2 / 15)
    assert warm.status_text == (
        "stage 2 of 15, 20% of stage sent, stage limit 4000, hourly limit 100, throttle 78"
    )
    assert warm.started_on == date(2025, 1, 1)


async def test_warmup_detail_that_fails_keeps_the_list_entry(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route("GET", "/v3/ip_warmups/1.2.3.4", Reply(500, json={"message": "boom"}))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    warm = {w.ip: w for w in result.warmups}["1.2.3.4"]
    assert warm.stage == 3 and warm.total_stages is None and warm.progress is None
    assert "warm-up detail for 1.2.3.4 unavailable" in result.detail


async def test_warmup_detail_with_a_hostile_shape_is_bad_payload(api: FakeApi, sleeps: SleepRecorder) -> None:
    documented_routes(api)
    api.route(
        "GET", "/v3/ip_warmups/1.2.3.4", Reply(json={"details": {"stage": "three", "total_stages": []}})
    )
    result = await fetch(make(api, sleeps))
    assert result.failure == "bad_payload"
