"""Hostile servers on 127.0.0.1: dripping answers, repeating huge pages, error bodies that echo the
credential, pagination links to another origin. None hangs a poll, none leaks a secret, and a bad
source never costs the others their results."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import httpx
import pytest

from ipdash.sources.providers.base import provider_facts
from ipdash.sources.providers.mailgun import MailgunSource
from ipdash.sources.providers.polling import Poller, poll_all_once
from ipdash.sources.providers.sendgrid import SendgridSource
from ipdash.sources.providers.snds import SndsSource
from ipdash.sources.sources_config import MailgunSpec, SendgridSpec, SndsSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .dripping import DrippingServer
from .fakeapi import FakeApi, Reply, Seen, fixture

MG_KEY = "key-mailgun-secret+/="
SNDS_KEY = "snds+key/with=signs"
ENV = {"MG_KEY": MG_KEY, "SG_KEY": "sg-secret-xyz", "SNDS_KEY": SNDS_KEY}


def every_spelling(secret: str, user: str = "api") -> list[str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return [secret, quote(secret, safe=""), quote_plus(secret), quote(secret), token, token.rstrip("=")]


def mailgun(base_url: str, sleeps: SleepRecorder, timeout: float | None = None) -> MailgunSource:
    spec = MailgunSpec(kind="mailgun", name="mg", api_key_env="MG_KEY", base_url=base_url, timeout=timeout)
    return MailgunSource(spec, make_runtime(ENV, sleeps))


def sendgrid(base_url: str, sleeps: SleepRecorder, timeout: float | None = None) -> SendgridSource:
    spec = SendgridSpec(kind="sendgrid", name="sg", api_key_env="SG_KEY", base_url=base_url, timeout=timeout)
    return SendgridSource(spec, make_runtime(ENV, sleeps))


@pytest.fixture(params=[False, True], ids=["body-drips", "headers-drip"])
def dripping(request: pytest.FixtureRequest) -> Iterator[DrippingServer]:
    with DrippingServer(every=0.05, headers_too=request.param) as server:
        yield server


async def test_a_dripping_server_times_out_per_request_and_the_others_still_land(
    dripping: DrippingServer, api: FakeApi, sleeps: SleepRecorder
) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    slow = mailgun(dripping.base_url, sleeps, timeout=0.3)
    healthy = sendgrid(api.base_url, sleeps)
    async with httpx.AsyncClient() as client:
        slow_result, healthy_result = await poll_all_once(
            None,  # type: ignore[arg-type]
            sources=[slow, healthy],
            client=client,
        )
    assert slow_result.failure == "unavailable"
    assert "timed out after 0.3 s" in slow_result.detail and "gave up after 4 attempts" in slow_result.detail
    assert dripping.accepted == 4  # every attempt bounded by the total deadline
    assert healthy_result.ok and healthy_result.facts


async def test_one_dripping_source_does_not_starve_the_others(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))
    with DrippingServer(every=0.05) as server:
        slow = mailgun(server.base_url, sleeps, timeout=60)
        healthy = sendgrid(api.base_url, sleeps)
        healthy_polled = asyncio.Event()

        async def on_result(result: object) -> None:
            if getattr(result, "source", "") == "sg":
                healthy_polled.set()

        async with httpx.AsyncClient() as client:
            poller = Poller([slow, healthy], client, on_result=on_result)
            stop = asyncio.Event()
            running = asyncio.create_task(poller.run(stop, grace=0.1))
            await healthy_polled.wait()
            assert poller.status["mg"].polling  # still dripping, and sg was polled anyway
            assert poller.status["sg"].last_success is not None
            stop.set()
            await running  # stops: the dripping poll is cancelled after the grace period
    assert running.exception() is None


def echo_credentials(seen: Seen) -> Reply:
    """An error body that echoes what the client sent, as some proxies and APIs do."""
    return Reply(
        401,
        json={
            "message": f"bad credentials: Authorization: {seen.headers.get('Authorization')} "
            f"url={seen.path}?{'&'.join(f'{k}={v[0]}' for k, v in seen.query.items())}"
        },
    )


async def test_an_echoed_basic_auth_header_is_masked(api: FakeApi, sleeps: SleepRecorder) -> None:
    api.route("GET", "/v3/ips", echo_credentials)
    result = await fetch(mailgun(api.base_url, sleeps))
    assert result.failure == "auth" and "Authorization: Basic ***" in result.detail
    for form in every_spelling(MG_KEY):
        assert form not in result.detail


async def test_a_percent_encoded_snds_key_is_masked(api: FakeApi, sleeps: SleepRecorder) -> None:
    def echo_query(seen: Seen) -> Reply:
        raw = quote_plus(seen.query["key"][0])
        return Reply(500, body=f"error for key={raw} ({quote(seen.query['key'][0], safe='').lower()})")

    api.route("GET", "/snds/data.aspx", echo_query)
    api.route("GET", "/snds/ipStatus.aspx", echo_query)
    spec = SndsSpec(kind="snds", name="snds", api_key_env="SNDS_KEY", base_url=api.base_url)
    result = await fetch(SndsSource(spec, make_runtime(ENV, sleeps)))
    assert not result.ok
    for form in [*every_spelling(SNDS_KEY), quote(SNDS_KEY, safe="").lower()]:
        assert form not in result.detail, form


@pytest.mark.parametrize("where", ["other-port", "other-scheme"])
async def test_paging_links_only_to_the_exact_origin(api: FakeApi, sleeps: SleepRecorder, where: str) -> None:
    with FakeApi() as elsewhere:
        target = elsewhere.base_url if where == "other-port" else api.base_url.replace("http://", "https://")
        api.route("GET", "/v3/ips", Reply(json={"items": ["1.2.3.4"], "total_count": 1}))
        api.route("GET", "/v3/ip_pools", Reply(json={"ip_pools": []}))
        page = {"items": [{"ip": "1.2.3.4"}], "paging": {"next": f"{target}/v3/ip_warmups?page=2"}}
        api.route("GET", "/v3/ip_warmups", Reply(json=page))
        elsewhere.route("GET", "/v3/ip_warmups", Reply(json={"items": [], "paging": {}}))
        result = await fetch(mailgun(api.base_url, sleeps))
    assert result.failure == "bad_payload" and "another origin" in result.detail
    assert elsewhere.seen == []  # the credential never left for another origin


async def test_the_same_big_page_for_every_offset_fails_with_a_reason(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(provider_facts()["http"], "max_source_bytes", 3 * 1024 * 1024)
    api.route("GET", "/v3/ips", Reply(json={"items": ["1.2.3.4"], "total_count": 1}))
    api.route("GET", "/v3/ip_pools", Reply(json={"ip_pools": []}))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": []}))
    item = {"dimensions": [{"dimension": "ip", "value": "1.2.3.4"}], "metrics": {}, "pad": "x" * 1000}
    big = Reply(json={"items": [item] * 1000})  # ~1 MB, the same for every skip
    api.route("POST", "/v1/analytics/metrics", big)
    result = await fetch(mailgun(api.base_url, sleeps))
    assert result.failure == "bad_payload"
    assert "more than 3 MiB from this source in one poll" in result.detail
    assert len(api.calls("POST", "/v1/analytics/metrics")) <= 4


async def test_more_records_than_the_bound_fails_with_a_reason(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(provider_facts()["http"], "max_records", 2500)
    api.route("GET", "/v3/ips", Reply(json={"items": ["1.2.3.4"], "total_count": 1}))
    api.route("GET", "/v3/ip_pools", Reply(json={"ip_pools": []}))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": []}))
    item = {"dimensions": [{"dimension": "ip", "value": "1.2.3.4"}], "metrics": {}}
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": [item] * 1000}))
    result = await fetch(mailgun(api.base_url, sleeps))
    assert result.failure == "bad_payload"
    assert "records after 3 pages in one poll, more than the bound of 2,500: refused" in result.detail
    assert "raise max_records for this source in the config" in result.detail


async def test_a_source_s_max_records_raises_the_bound_for_a_large_fleet(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(provider_facts()["http"], "max_records", 2500)
    api.route("GET", "/v3/ips", Reply(json={"items": ["1.2.3.4"], "total_count": 1}))
    api.route("GET", "/v3/ip_pools", Reply(json={"ip_pools": []}))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": []}))
    rows = [
        {"dimensions": [{"dimension": "ip", "value": f"10.0.{n // 256}.{n % 256}"},
                        {"dimension": "time", "value": "Mon, 02 Mar 2026 00:00:00 +0000"}],
         "metrics": {"sent_count": 10, "delivered_count": 10}}
        for n in range(4000)
    ]  # fmt: skip

    def metrics(seen: Seen) -> Reply:
        page = seen.json()["pagination"]
        return Reply(json={"items": rows[page["skip"] : page["skip"] + page["limit"]]})

    api.route("POST", "/v1/analytics/metrics", metrics)
    spec = MailgunSpec(
        kind="mailgun", name="mg", api_key_env="MG_KEY", base_url=api.base_url, max_records=5000
    )
    result = await fetch(MailgunSource(spec, make_runtime(ENV, sleeps)))
    assert result.ok, result.detail
    assert len(result.stats) == 4000
    tight = MailgunSpec(
        kind="mailgun", name="mg", api_key_env="MG_KEY", base_url=api.base_url, max_records=3000
    )
    refused = await fetch(MailgunSource(tight, make_runtime(ENV, sleeps)))
    assert refused.failure == "bad_payload" and "more than the bound of 3,000" in refused.detail


async def test_hostile_text_from_a_provider_never_reaches_the_records(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    api.route(
        "GET",
        "/v3/ips",
        Reply(json={"items": ["2001:db8::1%\x1b[2J\x1b]0;TITLE\x07", "1.2.3.4"], "total_count": 2}),
    )
    api.route(
        "GET",
        "/v3/ip_pools",
        Reply(
            json={"ip_pools": [{"pool_id": "p", "name": "pool\x1b[31m\u202eevil\u2066", "ips": ["1.2.3.4"]}]}
        ),
    )
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": []}))
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": []}))
    result = await fetch(mailgun(api.base_url, sleeps))
    assert result.ok, result.detail
    assert [f.ip for f in result.facts] == ["1.2.3.4"]  # the zone id with escapes is refused
    assert result.facts[0].pool == "poolevil"
    assert "1 rows skipped" in result.detail
