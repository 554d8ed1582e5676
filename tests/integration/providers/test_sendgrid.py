from __future__ import annotations

from datetime import date

from ipdash.sources.providers.sendgrid import SendgridSource
from ipdash.sources.sources_config import SendgridSpec

from .conftest import NOW, SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen, fixture, fixture_body

ENV = {"SG_KEY": "SG.secret-value-123"}


def make(api: FakeApi, sleeps: SleepRecorder, **settings: object) -> SendgridSource:
    spec = SendgridSpec(kind="sendgrid", name="sg", api_key_env="SG_KEY", base_url=api.base_url, **settings)
    return SendgridSource(spec, make_runtime(ENV, sleeps))


async def test_ips_pools_warmup_and_account_stats(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert [f.ip for f in result.facts] == ["192.168.1.1", "208.115.214.22"]
    assert result.facts[0].pool == "pool1, pool2"
    assert result.facts[1].rdns == "o1.email.example.com"
    assert all(f.source == "sg" and f.provider == "sendgrid" for f in result.facts)
    assert [w.active for w in result.warmups] == [False, False]
    assert result.account_days[0].day == date(2015, 11, 3)
    assert result.fetched_at == NOW
    request = api.calls("GET", "/v3/ips")[0]
    assert request.headers["Authorization"] == "Bearer SG.secret-value-123"
    assert api.calls("GET", "/v3/stats")[0].query["aggregated_by"] == ["day"]


async def test_warming_ip_reports_start_date(api: FakeApi, sleeps: SleepRecorder) -> None:
    body = [{"ip": "167.89.21.3", "pools": ["new"], "warmup": True, "start_date": 1409616000}]
    api.route("GET", "/v3/ips", Reply(json=body))
    api.route("GET", "/v3/stats", Reply(json=[]))
    result = await fetch(make(api, sleeps))
    assert result.warmups[0].active and result.warmups[0].started_on == date(2014, 9, 2)
    assert result.facts[0].warmup_start == date(2014, 9, 2)


async def test_offset_pagination_until_a_short_page(api: FakeApi, sleeps: SleepRecorder) -> None:
    def pages(seen: Seen) -> Reply:
        offset = int(seen.query["offset"][0])
        limit = int(seen.query["limit"][0])
        total = 1203
        return Reply(
            json=[{"ip": f"10.0.{n // 256}.{n % 256}"} for n in range(offset, min(total, offset + limit))]
        )

    api.route("GET", "/v3/ips", pages)
    api.route("GET", "/v3/stats", Reply(json=[]))
    result = await fetch(make(api, sleeps))
    assert len(result.facts) == 1203
    assert [s.query["offset"][0] for s in api.calls("GET", "/v3/ips")] == ["0", "500", "1000"]


async def test_429_waits_until_x_ratelimit_reset(api: FakeApi, sleeps: SleepRecorder) -> None:
    limited = fixture("sendgrid/error-429-rate-limited.json")
    limited.headers["X-RateLimit-Reset"] = str(int(NOW.timestamp()) + 42)
    api.route("GET", "/v3/ips", limited, fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", Reply(json=[]))
    result = await fetch(make(api, sleeps))
    assert result.ok
    assert sleeps.waits == [42.0]


async def test_429_with_a_reset_far_away_fails_fast_as_rate_limited(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    # The documented example's reset (2014) is in the past relative to NOW: wait 0 and retry.
    api.route("GET", "/v3/ips", fixture("sendgrid/error-429-rate-limited.json"))
    api.route("GET", "/v3/stats", Reply(json=[]))
    result = await fetch(make(api, sleeps))
    assert result.failure == "rate_limited"
    assert "too many requests" in result.detail
    far = Reply(
        429,
        json=fixture_body("sendgrid/error-429-rate-limited.json"),
        headers={"X-RateLimit-Reset": str(int(NOW.timestamp()) + 3600)},
    )
    api.route("GET", "/v3/ips", far)
    sleeps.waits.clear()
    result = await fetch(make(api, sleeps))
    assert result.failure == "rate_limited" and "3600 s" in result.detail
    assert sleeps.waits == []


async def test_spent_window_delays_the_next_request(api: FakeApi, sleeps: SleepRecorder) -> None:
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW.timestamp()) + 5)}
    api.route("GET", "/v3/ips", Reply(json=[], headers=spent))
    api.route("GET", "/v3/stats", Reply(json=[]))
    assert (await fetch(make(api, sleeps))).ok
    assert sleeps.waits == [5.0]


async def test_scope_error_is_auth_and_never_shows_the_key(api: FakeApi, sleeps: SleepRecorder) -> None:
    body = {"errors": [{"field": "", "message": "missing required scope: SG.secret-value-123"}]}
    api.route("GET", "/v3/ips", Reply(401, json=body))
    result = await fetch(make(api, sleeps))
    assert result.failure == "auth"
    assert "missing required scope" in result.detail
    assert "SG.secret-value-123" not in result.detail


async def test_on_behalf_of_header_goes_to_stats(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", Reply(json=[]))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    result = await fetch(make(api, sleeps, on_behalf_of="sub1"))
    assert result.ok
    assert api.calls("GET", "/v3/stats")[0].headers["on-behalf-of"] == "sub1"


async def test_blocks_land_on_the_account_days(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", Reply(json=[]))
    days = fixture_body("sendgrid/stats-global.json")
    days[0]["stats"][0]["metrics"].update(processed=10000, blocks=240)
    days[0]["stats"].append({"metrics": {"processed": 500, "blocks": 10}})
    api.route("GET", "/v3/stats", Reply(json=days))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    first = result.account_days[0]
    assert (first.sent, first.blocked) == (10500, 250)
    assert result.account_days[1].blocked == 0  # the documented example's 0 is a measured 0


async def test_days_without_a_blocks_field_stay_unknown(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", Reply(json=[]))
    api.route(
        "GET", "/v3/stats", Reply(json=[{"date": "2025-06-10", "stats": [{"metrics": {"processed": 5}}]}])
    )
    result = await fetch(make(api, sleeps))
    assert result.account_days[0].blocked is None
