"""SparkPost's mailbox-provider split asked per (provider, day) for every IP at once, against a
loopback account answering the Metrics API as documented (sparkpost_api): the records equal the
ones the former per-(IP, day) split made of the same account, in far fewer requests, with
requests in flight together but never more than the bound, and 429s waited out."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from ipdash.domain.mailbox_providers import OTHER, normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, DailyStat
from ipdash.sources.providers.base import day_range, provider_facts
from ipdash.sources.providers.http import InFlightLimit
from ipdash.sources.providers.sparkpost import MAX_IN_FLIGHT, METRICS, SparkpostSource, _subtract
from ipdash.sources.providers.stat_merge import add_stats
from ipdash.sources.sources_config import SparkpostSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply
from .sparkpost_api import BY_IP_PATH, BY_PROVIDER_PATH, SparkpostAccount, crafted_account

ENV = {"SP_KEY": "sparkpost-secret"}
SINCE, UNTIL = date(2025, 6, 4), date(2025, 6, 10)
IPS = [f"192.0.2.{n}" for n in range(1, 41)] + ["2001:db8::7"]


def make(api: FakeApi, sleeps: SleepRecorder) -> SparkpostSource:
    spec = SparkpostSpec(kind="sparkpost", name="sp", api_key_env="SP_KEY", base_url=api.base_url)
    return SparkpostSource(spec, make_runtime(ENV, sleeps))


def _query(day: date, **filters: str) -> dict[str, list[str]]:
    query = {
        "from": [f"{day}T00:00"],
        "to": [f"{day + timedelta(days=1)}T00:00"],
        "metrics": [",".join(METRICS)],
        "limit": ["10000"],
    }
    return {**query, **{name: [value] for name, value in filters.items()}}


def _stat(row: dict[str, object], day: date, ip: str, provider: str) -> DailyStat | None:
    sent = row.get("count_sent")
    if not isinstance(sent, int):
        return None
    values = {ours: row.get(theirs) for theirs, ours in METRICS.items() if ours != "sent"}
    return DailyStat(day=day, ip=ip, mailbox_provider=provider, sent=sent, source="sp", **values)  # type: ignore[arg-type]


def per_ip_split(account: SparkpostAccount, days: list[date]) -> list[DailyStat]:
    """What the former split made of the account: each (IP, day) asked by provider with
    ``sending_ips=<ip>``, every named row kept, the rest of the IP's total as ``other``."""
    stats: list[DailyStat] = []
    for day in days:
        for total_row in account.rows(_query(day), "sending_ip", 0):
            ip = str(total_row["sending_ip"])
            total = _stat(total_row, day, ip, ALL_PROVIDERS)
            assert total is not None
            if total.sent <= 0:
                stats.append(total)
                continue
            merged: dict[str, DailyStat] = {}
            for row in account.rows(_query(day, sending_ips=ip), "mailbox_provider", 2):
                provider = normalise_mailbox_provider(str(row["mailbox_provider"]))
                stat = _stat(row, day, ip, provider)
                assert stat is not None
                merged[provider] = add_stats(merged[provider], stat) if provider in merged else stat
            rest = _subtract(total, list(merged.values()))
            if rest is not None:
                merged[OTHER] = add_stats(merged[OTHER], rest) if OTHER in merged else rest
            stats.extend(merged.values())
    return stats


def _key(stat: DailyStat) -> tuple[date, str, str]:
    return stat.day, stat.ip, stat.mailbox_provider


@pytest.fixture
def account(api: FakeApi) -> SparkpostAccount:
    made = crafted_account(IPS, day_range(SINCE, UNTIL))
    made.install(api)
    return made


async def test_the_records_equal_the_per_ip_splits_in_a_request_per_provider_and_day(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount
) -> None:
    result = await fetch(make(api, sleeps), since=SINCE, until=UNTIL)
    assert result.ok, result.detail
    before = sorted(per_ip_split(account, day_range(SINCE, UNTIL)), key=_key)
    # The one difference: an 'other' row of 0 sent (unnamed providers' rows all of 0 sent) was
    # made from their rows; now 'other' is the total less the named providers, and nothing is left.
    zero_others = [s for s in before if s.mailbox_provider == OTHER and s.sent == 0]
    assert zero_others  # the crafted account has such IP-days
    assert all(s.bounced == s.complaints == s.opens == s.clicks == s.delivered == 0 for s in zero_others)
    assert sorted(result.stats, key=_key) == [s for s in before if s not in zero_others]
    assert len(result.stats) > 7 * len(IPS) * 2  # most IP-days split into several providers
    assert {s.mailbox_provider for s in result.stats} == {
        "gmail.com", "outlook.com", "yahoo.com", "icloud.com", OTHER, ALL_PROVIDERS
    }  # fmt: skip
    # Per day: the totals, the day's providers, then one answer per provider ipdash groups.
    named = {"Gmail", "Google", "Hotmail / Outlook", "Verizon Media Group", "Apple"}
    by_ip = api.calls("GET", BY_IP_PATH)
    assert len(api.calls("GET", BY_PROVIDER_PATH)) == 7
    assert len(by_ip) == 7 + 7 * len(named)  # the former split: 7 × 41 IP requests
    assert {c.query["mailbox_providers"][0] for c in by_ip if "mailbox_providers" in c.query} == named
    assert not any("sending_ips" in c.query for c in api.seen)
    # In day order, however the answers came in.
    assert [s.day for s in result.stats] == sorted(s.day for s in result.stats)


async def test_requests_go_out_together_but_never_more_than_the_bound(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount
) -> None:
    """The first metrics requests are held until MAX_IN_FLIGHT of them are being served at once:
    a sequential poll would never get them answered."""
    account.meet = threading.Barrier(MAX_IN_FLIGHT, timeout=30)
    result = await fetch(make(api, sleeps), since=SINCE, until=UNTIL)
    assert result.ok, result.detail
    assert account.met == MAX_IN_FLIGHT and not account.meet.broken
    assert api.most_in_flight == MAX_IN_FLIGHT


async def test_429s_are_waited_out_and_narrow_what_is_in_flight(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount
) -> None:
    """An account that answers 429 whenever two requests are in flight (SparkPost's limit is
    dynamic and unpublished, its 429 carries no header): every request still gets its answer, each
    429 waited 1-5 s once, and the records are as without a limit."""
    account.max_in_flight = 1
    account.hold_first_until_429 = True  # the first request is served only once another got a 429
    result = await fetch(make(api, sleeps), since=SINCE, until=UNTIL)
    assert result.ok, result.detail
    assert "no mailbox-provider split" not in result.detail
    assert account.rate_limited >= 1 and len(sleeps.waits) == account.rate_limited
    assert all(1 <= wait <= 5 for wait in sleeps.waits)
    assert len(result.stats) == len(per_ip_split(account, day_range(SINCE, UNTIL))) - sum(
        1
        for s in per_ip_split(account, day_range(SINCE, UNTIL))
        if s.mailbox_provider == OTHER and s.sent == 0
    )


async def test_in_flight_limit_halves_on_each_429_never_below_one() -> None:
    limit = InFlightLimit(MAX_IN_FLIGHT)
    for _ in range(MAX_IN_FLIGHT):
        await limit.acquire()
    assert limit.in_flight == MAX_IN_FLIGHT
    limit.narrow()
    limit.narrow()
    limit.narrow()
    assert limit.limit == 1
    for _ in range(MAX_IN_FLIGHT):
        limit.release()
    await limit.acquire()
    assert limit.in_flight == 1


async def test_an_answer_cut_by_limit_keeps_the_ips_it_left_out_whole(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More IPs at Gmail than ``limit`` rows: an IP the cut answer left out is unknown at Gmail, so
    its day is not split (all 'other'); an IP in it is split as usual."""
    monkeypatch.setitem(provider_facts()["providers"]["sparkpost"], "metrics_limit", 2)
    a, b, c = "192.0.2.1", "192.0.2.2", "192.0.2.3"
    cells = {(a, UNTIL, "Apple"): 4, (b, UNTIL, "Gmail"): 10, (c, UNTIL, "Gmail"): 10, (a, UNTIL, "Gmail"): 6}
    SparkpostAccount({cell: {"count_sent": sent} for cell, sent in cells.items()}).install(api)
    result = await fetch(make(api, sleeps), since=UNTIL, until=UNTIL)
    assert result.ok, result.detail
    # The totals are cut too (to a and b); Gmail's answer to b and c: a is unknown there.
    assert [(s.ip, s.mailbox_provider, s.sent) for s in result.stats] == [
        (a, OTHER, 10),
        (b, "gmail.com", 10),
    ]
    assert "only the first 2 read" in result.detail
    assert "more than 2 IPs sent to one mailbox provider, 1 IPs' days kept whole as other" in result.detail


@pytest.mark.parametrize(
    ("answer", "expect"),
    [
        (Reply(json={"results": "nope"}), "no mailbox-provider split (bad_payload)"),
        (Reply(json={"results": [7]}), "no mailbox-provider split (bad_payload)"),
        (Reply(body=b"{not json"), "no mailbox-provider split (bad_payload)"),
        (Reply(json={"results": []}), None),
        (Reply(json=[1, 2]), "no mailbox-provider split (bad_payload)"),
    ],
    ids=["results-not-a-list", "row-not-an-object", "malformed-json", "empty", "top-level-list"],
)
async def test_a_bad_provider_list_keeps_each_day_whole(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount, answer: Reply, expect: str | None
) -> None:
    api.route("GET", BY_PROVIDER_PATH, answer)
    result = await fetch(make(api, sleeps), since=UNTIL, until=UNTIL)
    assert result.ok, result.detail
    assert {s.mailbox_provider for s in result.stats} <= {OTHER, ALL_PROVIDERS}
    totals = {s.ip: s.sent for s in per_ip_split(account, [UNTIL]) if s.mailbox_provider == ALL_PROVIDERS}
    assert sum(s.sent for s in result.stats) == sum(
        s.sent for s in per_ip_split(account, [UNTIL])
    ) and totals == {s.ip: s.sent for s in result.stats if s.mailbox_provider == ALL_PROVIDERS}
    if expect is not None:
        assert expect in result.detail


async def test_hostile_provider_names_are_never_asked_for(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount
) -> None:
    """Names ipdash does not group (huge, control characters, the delimiter, not a string) stay in
    'other' without a request; a grouped name with a comma in it is asked with another delimiter."""
    hostile = ["x" * 100_000, "Gmail\x1b[2J", "Comcast,Gmail", 7, None, " gmail "]
    for ip in IPS[:3]:
        account.cells[(ip, UNTIL, " gmail ")] = {"count_sent": 1}
    listed = account.rows(
        {"from": [f"{UNTIL}T00:00"], "metrics": ["count_sent"], "limit": ["10000"]}, "mailbox_provider", 2
    )
    api.route(
        "GET",
        BY_PROVIDER_PATH,
        Reply(json={"results": listed + [{"mailbox_provider": name, "count_sent": 1} for name in hostile]}),
    )
    result = await fetch(make(api, sleeps), since=UNTIL, until=UNTIL)
    assert result.ok, result.detail
    asked = [
        c.query["mailbox_providers"][0]
        for c in api.calls("GET", BY_IP_PATH)
        if "mailbox_providers" in c.query
    ]
    assert " gmail " in asked and not set(asked) & {"x" * 100_000, "Gmail\x1b[2J", "Comcast,Gmail"}
    assert sum(1 for s in result.stats if s.mailbox_provider == "gmail.com") >= 3


async def test_thousands_of_spellings_of_gmail_are_not_asked_one_by_one(
    api: FakeApi, sleeps: SleepRecorder, account: SparkpostAccount
) -> None:
    spellings = [" " * n + "gmail" for n in range(5000)]
    api.route(
        "GET",
        BY_PROVIDER_PATH,
        Reply(json={"results": [{"mailbox_provider": name, "count_sent": 1} for name in spellings]}),
    )
    result = await fetch(make(api, sleeps), since=UNTIL, until=UNTIL)
    assert result.ok, result.detail
    assert not any("mailbox_providers" in c.query for c in api.calls("GET", BY_IP_PATH))
    assert "no mailbox-provider split (bad_payload)" in result.detail
    assert {s.mailbox_provider for s in result.stats} <= {OTHER, ALL_PROVIDERS}


def test_the_account_answers_like_sparkpost() -> None:
    """The fake's own contract: unknown metric, limit out of range, a window wider than the
    precision allows are 400s; `limit` cuts rows; filters and the delimiter work."""
    account = crafted_account(IPS[:5], [UNTIL])
    bad = [
        {**_query(UNTIL), "metrics": ["count_unsubscribe"]},
        {**_query(UNTIL), "limit": ["0"]},
        {**_query(UNTIL), "limit": ["10001"]},
        {**_query(UNTIL), "to": [f"{UNTIL + timedelta(days=3)}T00:00"]},
        {key: value for key, value in _query(UNTIL).items() if key != "from"},
    ]
    for query in bad:
        with pytest.raises(Exception, match=r"metric|limit|window|from"):
            account.rows(query, "sending_ip", 0)
    assert len(account.rows({**_query(UNTIL), "limit": ["2"]}, "sending_ip", 0)) == 2
    wide = {**_query(UNTIL), "to": [f"{UNTIL + timedelta(days=3)}T00:00"], "precision": ["day"]}
    assert account.rows(wide, "sending_ip", 0)
    both = account.rows(_query(UNTIL, mailbox_providers="Gmail;Apple", delimiter=";"), "mailbox_provider", 2)
    assert {row["mailbox_provider"] for row in both} <= {"Gmail", "Apple"}
    one_ip = account.rows(_query(UNTIL, sending_ips=IPS[0]), "sending_ip", 0)
    assert [row["sending_ip"] for row in one_ip] in ([IPS[0]], [])
