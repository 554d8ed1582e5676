"""Every source against the same hostile API behaviours, on a real loopback server."""

from __future__ import annotations

import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

from ipdash.sources.providers.base import provider_facts

from .conftest import SleepRecorder, fetch
from .fakeapi import FakeApi, Reply
from .scenarios import SCENARIOS, write_google_credentials

KINDS = sorted(SCENARIOS)


@pytest.fixture(params=KINDS)
def scenario(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return SCENARIOS[request.param]


async def test_success(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    result = await fetch(scenario.source(api, sleeps))
    assert result.ok, result.detail
    assert result.source == f"test-{scenario.kind}" and result.kind == scenario.kind
    assert result.facts or result.snds or result.account_days
    assert sleeps.waits == []


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failures(api: FakeApi, sleeps: SleepRecorder, scenario, status: int) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, Reply(status, json={"errors": [{"message": "authorization required"}]}))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "auth"
    assert str(status) in result.detail
    assert all(secret not in result.detail for secret in scenario.env.values())
    assert len(api.calls(*scenario.first)) == 1  # bad credentials are not retried


async def test_404_is_unavailable_and_says_not_found(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, Reply(404, json={"message": "Not Found"}))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "unavailable" and "not found" in result.detail.lower()


async def test_429_retry_after_then_success(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    happy_reply = api.routes[scenario.first]
    assert isinstance(happy_reply, list)
    api.route(
        *scenario.first, Reply(429, json={"message": "slow down"}, headers={"Retry-After": "7"}), *happy_reply
    )
    result = await fetch(scenario.source(api, sleeps))
    assert result.ok, result.detail
    assert sleeps.waits == [7.0]


async def test_429_retry_after_beyond_the_cap_fails_fast(
    api: FakeApi, sleeps: SleepRecorder, scenario
) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, Reply(429, json={"message": "slow down"}, headers={"Retry-After": "86400"}))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "rate_limited" and "86400 s" in result.detail
    assert sleeps.waits == [] and len(api.calls(*scenario.first)) == 1


async def test_429_forever_gives_up_as_rate_limited(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, Reply(429, json={"message": "slow down"}))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "rate_limited"
    assert len(api.calls(*scenario.first)) == 4


async def test_5xx_is_retried_with_growing_jittered_backoff(
    api: FakeApi, sleeps: SleepRecorder, scenario
) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    happy_reply = api.routes[scenario.first]
    assert isinstance(happy_reply, list)
    api.route(*scenario.first, Reply(503, body="busy"), Reply(500, body="oops"), *happy_reply)
    result = await fetch(scenario.source(api, sleeps))
    assert result.ok, result.detail
    first, second = sleeps.waits
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0


async def test_5xx_forever_is_unavailable(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, Reply(502, body="<html>bad gateway</html>"))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "unavailable" and "502" in result.detail and "4 attempts" in result.detail
    assert len(sleeps.waits) == 3


async def test_timeouts_are_retried_then_unavailable(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    happy_reply = api.routes[scenario.first]
    assert isinstance(happy_reply, list)
    api.route(*scenario.first, Reply(200, json={}, delay=0.6), *happy_reply)
    result = await fetch(scenario.source(api, sleeps, timeout=0.2))
    assert result.ok, result.detail
    api.route(*scenario.first, Reply(200, json={}, delay=0.6))
    result = await fetch(scenario.source(api, sleeps, timeout=0.2))
    assert result.failure == "unavailable" and "timed out" in result.detail


async def test_connection_refused_is_unavailable(sleeps: SleepRecorder, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = SimpleNamespace(base_url=f"http://127.0.0.1:{port}")  # nothing listens there
    if scenario.kind == "postmaster":  # its token endpoint is the closed port too
        scenario.env["GOOGLE_CREDS"] = str(write_google_credentials(tmp_path, closed))  # type: ignore[arg-type]
    result = await fetch(scenario.source(closed, sleeps))
    assert result.failure == "unavailable" and "cannot connect" in result.detail


async def test_malformed_payload_is_bad_payload(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    body = '{"items": [1, 2' if scenario.json else "<html><body>Please sign in</body></html>"
    api.route(*scenario.first, Reply(200, body=body))
    result = await fetch(scenario.source(api, sleeps))
    expected = "bad_payload" if scenario.json else "auth"
    assert result.failure == expected, result.detail


async def test_wrong_shape_is_bad_payload(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    if not scenario.json:
        pytest.skip("CSV feeds have no JSON shape")
    scenario.happy(api)
    api.route(
        *scenario.first, Reply(200, json={"unexpected": True} if scenario.kind == "sendgrid" else [1, 2])
    )
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "bad_payload" and "unexpected response shape" in result.detail


async def test_empty_lists_are_fine_and_empty(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    scenario.happy(api)
    api.route(*scenario.first, scenario.empty)
    result = await fetch(scenario.source(api, sleeps))
    assert result.ok, result.detail
    assert result.facts == () and result.stats == ()


async def test_missing_env_var_is_named(api: FakeApi, sleeps: SleepRecorder, scenario) -> None:  # type: ignore[no-untyped-def]
    if not scenario.env:
        pytest.skip("this source uses its provider's own credential chain")
    scenario.happy(api)
    source = scenario.source(api, sleeps)
    source.runtime = type(source.runtime)(env={}, clock=source.runtime.clock, sleep=sleeps)
    result = await fetch(source)
    assert result.failure == "config"
    [env_name] = scenario.env
    assert env_name in result.detail and "not set" in result.detail
    assert api.seen == []


async def test_huge_body_is_refused(
    api: FakeApi,
    sleeps: SleepRecorder,
    scenario,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setitem(provider_facts()["http"], "max_body_bytes", 1024 * 1024)
    scenario.happy(api)
    api.route(*scenario.first, Reply(200, body=b"[" + b"0," * 600_000 + b"0]"))
    result = await fetch(scenario.source(api, sleeps))
    assert result.failure == "bad_payload" and "larger than 1 MiB" in result.detail
