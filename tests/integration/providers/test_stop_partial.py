"""A poll stopped in the middle of a slow pagination (SIGTERM/SIGINT, the TUI quitting) returns the
whole records fetched so far, marked partial ("interrupted"), and the poller saves them.

Each provider's API is served on 127.0.0.1 with one request held (the page after the first, the
next day, the next endpoint); the test waits for that request to arrive, then stops the poll."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from ipdash.domain.models import PollResult
from ipdash.sources.providers.base import ProviderSource, provider_facts
from ipdash.sources.providers.polling import Poller
from ipdash.sources.store import SqliteStore

from .conftest import SINCE, UNTIL, SleepRecorder
from .fakeapi import FakeApi, Reply, fixture
from .gate import Gate
from .scenarios import SCENARIOS, postmark_routes, postmaster_routes


@pytest.fixture
def gate() -> Iterator[Gate]:
    with Gate() as held:
        yield held


def _ips(count: int, start: int = 0) -> list[str]:
    return [f"198.51.{(start + n) // 250}.{(start + n) % 250 + 1}" for n in range(count)]


def _sendgrid(api: FakeApi, gate: Gate) -> None:
    size = int(provider_facts()["providers"]["sendgrid"]["page_size"])
    first = Reply(json=[{"ip": ip, "pools": ["bulk"], "warmup": False} for ip in _ips(size)])
    api.route("GET", "/v3/ips", gate.hold(lambda seen: seen.query.get("offset") != ["0"], first))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))


def _mailgun(api: FakeApi, gate: Gate) -> None:
    api.route("GET", "/v3/ips", fixture("mailgun/ips-list.json"))
    api.route("GET", "/v3/ip_pools", fixture("mailgun/ip-pools-list.json"))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": [], "paging": {}}))
    size = int(provider_facts()["providers"]["mailgun"]["page_size"])
    days = ["Sun, 08 Jun 2025 00:00:00 +0000", "Mon, 09 Jun 2025 00:00:00 +0000"]
    items = [
        {
            "dimensions": [
                {"dimension": "time", "value": days[n * 2 // size]},
                {"dimension": "ip", "value": ip},
            ],
            "metrics": {"sent_count": 100 + n},
        }
        for n, ip in enumerate(_ips(size // 2) * 2)
    ]
    first = Reply(json={"items": items})
    api.route(
        "POST",
        "/v1/analytics/metrics",
        gate.hold(lambda seen: seen.json()["pagination"]["skip"] != 0, first),
    )


def _sparkpost(api: FakeApi, gate: Gate) -> None:
    api.route("GET", "/api/v1/sending-ips", fixture("sparkpost/sending-ips-list.json"))
    rows = [{"sending_ip": ip, "count_sent": 500, "count_delivered": 490} for ip in _ips(2)]
    first = Reply(json={"results": rows})
    api.route(
        "GET",
        "/api/v1/metrics/deliverability/sending-ip",
        gate.hold(lambda seen: not seen.query["from"][0].startswith(SINCE.isoformat()), first),
    )


def _snds(api: FakeApi, gate: Gate) -> None:
    SCENARIOS["snds"].happy(api)
    latest = api.routes[("GET", "/snds/data.aspx")]
    assert isinstance(latest, list)
    api.route("GET", "/snds/data.aspx", gate.hold(lambda seen: "date" in seen.query, latest[0]))


def _ses(api: FakeApi, gate: Gate) -> None:
    SCENARIOS["ses"].happy(api)
    page = [{"Ip": ip, "WarmupStatus": "DONE", "PoolName": "marketing"} for ip in _ips(2)]
    first = Reply(json={"DedicatedIps": page, "NextToken": "page-2"})
    api.route("GET", "/v2/email/dedicated-ips", gate.hold(lambda seen: "NextToken" in seen.query, first))


def _postmark(api: FakeApi, gate: Gate) -> None:
    postmark_routes(api)
    api.route("GET", "/stats/outbound/bounces", gate.hold(lambda seen: True, Reply()))


def _postmaster(api: FakeApi, gate: Gate) -> None:
    SCENARIOS["postmaster"].happy(api)
    postmaster_routes(api)
    stats = api.routes[("POST", "/v2/domains/mail.example.org/domainStats:query")]
    assert callable(stats)
    api.route("POST", "/v2/domains/mail.example.org/domainStats:query", gate.hold(lambda seen: True, stats))


@dataclass(frozen=True)
class Case:
    routes: Callable[[FakeApi, Gate], None]
    overrides: dict[str, object]
    expect: Callable[[PollResult], None]


def _expect_sendgrid(result: PollResult) -> None:
    size = int(provider_facts()["providers"]["sendgrid"]["page_size"])
    assert len(result.facts) == len(result.warmups) == size  # the first page's IPs, each whole
    assert not result.account_days  # /v3/stats was never reached


def _expect_mailgun(result: PollResult) -> None:
    size = int(provider_facts()["providers"]["mailgun"]["page_size"])
    assert {stat.day for stat in result.stats} == {date(2025, 6, 8)}  # 9 June may go on in page 2
    assert len(result.stats) == size // 2
    assert len(result.facts) == len(result.warmups) == 2  # IPs, pools and warm-ups were all read


def _expect_sparkpost(result: PollResult) -> None:
    # The days are asked together and the gate holds the whole server: the first day may or may
    # not have been answered before a later one was held. Either way, only whole days are kept.
    days = {stat.day for stat in result.stats}
    assert days <= {SINCE} and len(result.stats) == 2 * len(days)
    assert len(result.facts) == 2


def _expect_snds(result: PollResult) -> None:
    assert len(result.snds) == 3  # the latest file, read whole
    assert not result.listings  # ipStatus was never reached: no "not blocked" rows made up


def _expect_ses(result: PollResult) -> None:
    assert {facts.ip for facts in result.facts} == set(_ips(2))
    assert not result.account_days


def _expect_postmark(result: PollResult) -> None:
    assert not result.account_days  # a day is whole only with all three endpoints
    assert "no whole record yet" in result.detail


def _expect_postmaster(result: PollResult) -> None:
    assert result.account_days and {day.scope for day in result.account_days} == {"example.com"}


CASES: dict[str, Case] = {
    "sendgrid": Case(_sendgrid, {}, _expect_sendgrid),
    "mailgun": Case(_mailgun, {}, _expect_mailgun),
    "sparkpost": Case(_sparkpost, {"by_mailbox_provider": False}, _expect_sparkpost),
    "snds": Case(_snds, {"history_days": 3}, _expect_snds),
    "ses": Case(_ses, {"cloudwatch": False}, _expect_ses),
    "postmark": Case(_postmark, {}, _expect_postmark),
    "postmaster": Case(_postmaster, {"domains": ["example.com", "mail.example.org"]}, _expect_postmaster),
}
NEEDS = {"ses": "botocore", "postmaster": "google.auth"}


def _source(kind: str, api: FakeApi, gate: Gate, sleeps: SleepRecorder) -> ProviderSource:
    if kind in NEEDS and importlib.util.find_spec(NEEDS[kind]) is None:
        pytest.skip(f"{NEEDS[kind]} is not installed")
    case = CASES[kind]
    case.routes(api, gate)
    return SCENARIOS[kind].source(api, sleeps, **case.overrides)


async def _stopped_fetch(source: ProviderSource, gate: Gate) -> PollResult:
    async with httpx.AsyncClient() as client:
        task = asyncio.create_task(source.fetch(client, since=SINCE, until=UNTIL))
        assert await asyncio.to_thread(gate.reached.wait, 60), "the held request never arrived"
        source.interrupt()
        return await task


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_stopped_poll_returns_its_whole_records_marked_partial(
    kind: str, api: FakeApi, gate: Gate, sleeps: SleepRecorder
) -> None:
    source = _source(kind, api, gate, sleeps)
    result = await _stopped_fetch(source, gate)
    assert result.partial and result.failure == "interrupted" and not result.ok
    assert "partial poll" in result.detail and "the next poll fetches it all again" in result.detail
    assert "in flight" in result.detail  # what it was doing when stopped
    CASES[kind].expect(result)
    assert all(secret not in result.detail for secret in SCENARIOS[kind].env.values())
    assert gate.held == 1  # no request was started after the stop


async def test_a_poll_never_stopped_is_whole(api: FakeApi, sleeps: SleepRecorder) -> None:
    SCENARIOS["sendgrid"].happy(api)
    source = SCENARIOS["sendgrid"].source(api, sleeps)
    async with httpx.AsyncClient() as client:
        result = await source.fetch(client, since=SINCE, until=UNTIL)
    source.interrupt()  # after the fetch: nothing to stop, no effect on the next one
    async with httpx.AsyncClient() as client:
        again = await source.fetch(client, since=SINCE, until=UNTIL)
    assert result.ok and again.ok and not again.partial


async def _poller_until_held(
    api: FakeApi, gate: Gate, sleeps: SleepRecorder, store: SqliteStore
) -> tuple[Poller, asyncio.Event, asyncio.Task[None], httpx.AsyncClient]:
    _sendgrid(api, gate)
    client = httpx.AsyncClient()
    poller = Poller([SCENARIOS["sendgrid"].source(api, sleeps)], client, store=store)
    stop = asyncio.Event()
    running = asyncio.create_task(poller.run(stop, grace=30))
    assert await asyncio.to_thread(gate.reached.wait, 60)
    return poller, stop, running, client


def _assert_saved_partial(store: SqliteStore) -> None:
    size = int(provider_facts()["providers"]["sendgrid"]["page_size"])
    assert len(store.load().facts) == size
    [run] = store.source_runs()
    assert run.failure_kind == "interrupted" and run.last_success is None
    assert "partial poll" in run.last_error


async def test_the_poller_saves_a_partial_poll_when_stopped(
    api: FakeApi, gate: Gate, sleeps: SleepRecorder, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        poller, stop, running, client = await _poller_until_held(api, gate, sleeps, store)
        stop.set()
        await running
        await client.aclose()
        _assert_saved_partial(store)
        assert not poller.status["test-sendgrid"].polling


async def test_the_poller_saves_a_partial_poll_when_cancelled_as_the_tui_quits(
    api: FakeApi, gate: Gate, sleeps: SleepRecorder, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        _poller, _stop, running, client = await _poller_until_held(api, gate, sleeps, store)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        await client.aclose()
        _assert_saved_partial(store)


@pytest.mark.parametrize("once", [False, True], ids=["daemon", "once"])
def test_sigterm_saves_the_pages_a_slow_source_fetched(
    api: FakeApi, gate: Gate, tmp_path, once: bool
) -> None:  # type: ignore[no-untyped-def]
    _sendgrid(api, gate)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "history.sqlite3"\nretention_days = 36500\n\n[[sources]]\nkind = "sendgrid"\n'
        f'name = "sg"\napi_key_env = "TEST_SG_KEY"\nbase_url = "{api.base_url}"\ntimeout = 120\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "ipdash", "poll", *(["--once"] if once else []), "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TEST_SG_KEY": "sg-secret-key"},
        text=True,
    )
    try:
        assert gate.reached.wait(120), "the second page was never asked for"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == (3 if once else 0), err
    assert "Traceback" not in out + err and "sg-secret-key" not in out + err
    assert "interrupted" in out and "partial poll" in out
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        size = int(provider_facts()["providers"]["sendgrid"]["page_size"])
        assert len(store.load().facts) == size  # the first page, not lost
        [run] = store.source_runs()
        assert run.failure_kind == "interrupted" and "sg-secret-key" not in run.last_error
