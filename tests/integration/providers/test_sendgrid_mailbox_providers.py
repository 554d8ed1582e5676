"""SendGrid /v3/mailbox_providers/stats: the account's days per mailbox provider, on loopback."""

from __future__ import annotations

from datetime import date

from ipdash.sources.providers.sendgrid import SendgridSource
from ipdash.sources.sources_config import SendgridSpec

from .conftest import NOW, SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen, fixture, fixture_body

ENV = {"SG_KEY": "SG.secret-value-123"}
PATH = "/v3/mailbox_providers/stats"


def make(api: FakeApi, sleeps: SleepRecorder, **settings: object) -> SendgridSource:
    spec = SendgridSpec(kind="sendgrid", name="sg", api_key_env="SG_KEY", base_url=api.base_url, **settings)
    return SendgridSource(spec, make_runtime(ENV, sleeps))


def entry(name: str, **metrics: int) -> dict[str, object]:
    return {"type": "mailbox_provider", "name": name, "metrics": metrics}


def base_routes(api: FakeApi) -> None:
    api.route("GET", "/v3/ips", Reply(json=[]))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))


def by_scope(result: object) -> dict[tuple[date, str], object]:
    return {(d.day, d.scope): d for d in result.account_days}  # type: ignore[attr-defined]


async def test_the_documented_example_lands_per_day_at_gmail(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    api.route("GET", PATH, fixture("sendgrid/stats-mailbox-providers.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    gmail = [d for d in result.account_days if d.scope == "account @ gmail.com"]
    assert [d.day for d in gmail][:2] == [date(2015, 10, 11), date(2015, 10, 12)]
    assert len(gmail) == 31
    assert all(d.provider == "sendgrid" and d.source == "sg" and d.blocked == 0 for d in gmail)
    # the example's 22 October has no "processed": that day's volume is unknown, not 0
    assert {d.day: d.sent for d in gmail}[date(2015, 10, 22)] is None
    assert {d.sent for d in gmail if d.day != date(2015, 10, 22)} == {0}
    assert all(d.complaints is None for d in gmail)  # Gmail sends ESPs no per-message complaints
    assert any(d.scope == "account" for d in result.account_days)  # the totals stay
    [call] = api.calls("GET", PATH)
    assert call.query["aggregated_by"] == ["day"] and call.query["start_date"] == ["2025-06-04"]
    assert (
        call.query["end_date"] == ["2025-06-10"]
        and call.headers["Authorization"] == "Bearer SG.secret-value-123"
    )


async def test_names_group_into_scopes_and_the_ungrouped_sum_as_other(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    base_routes(api)
    day = {
        "date": "2025-06-10",
        "stats": [
            entry("Gmail", processed=5000, delivered=4700, bounces=50, blocks=250, spam_reports=3),
            entry("Microsoft", processed=3000, delivered=2990, bounces=5, blocks=5, spam_reports=9),
            entry("Comcast", processed=100, delivered=99, bounces=1, blocks=0, spam_reports=1),
            entry("GMX", processed=50, delivered=50, bounces=0, blocks=0, spam_reports=0),
            {"type": "browser", "name": "Chrome", "metrics": {"processed": 99}},
        ],
    }
    api.route("GET", PATH, Reply(json=[day]))
    result = await fetch(make(api, sleeps))
    days = by_scope(result)
    june10 = date(2025, 6, 10)
    gmail, outlook, other = (days[(june10, f"account @ {s}")] for s in ("gmail.com", "outlook.com", "other"))
    assert (gmail.sent, gmail.blocked, gmail.bounced, gmail.complaints) == (5000, 250, 50, None)
    assert (outlook.sent, outlook.complaints) == (3000, 9)
    assert (other.sent, other.delivered, other.complaints) == (150, 149, 1)
    assert not any("Chrome" in scope or scope.endswith("chrome") for _, scope in days)


async def test_offset_pagination_until_a_short_page(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)

    def pages(seen: Seen) -> Reply:
        offset, limit = int(seen.query["offset"][0]), int(seen.query["limit"][0])
        total = 620
        return Reply(
            json=[
                {"date": f"20{10 + n // 365:02d}-01-01", "stats": [entry("Yahoo", processed=n)]}
                for n in range(offset, min(total, offset + limit))
            ]
        )

    api.route("GET", PATH, pages)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert [c.query["offset"][0] for c in api.calls("GET", PATH)] == ["0", "500"]
    yahoo = [d for d in result.account_days if d.scope == "account @ yahoo.com"]
    assert sum(d.sent or 0 for d in yahoo) == sum(range(620))


async def test_a_429_waits_for_the_reset_and_retries(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    limited = fixture("sendgrid/error-429-rate-limited.json")
    limited.headers["X-RateLimit-Reset"] = str(int(NOW.timestamp()) + 7)
    api.route("GET", PATH, limited, fixture("sendgrid/stats-mailbox-providers.json"))
    result = await fetch(make(api, sleeps))
    assert result.ok and sleeps.waits == [7.0]
    assert any(d.scope == "account @ gmail.com" for d in result.account_days)


async def test_a_failing_split_keeps_the_totals_and_says_why(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    api.route("GET", PATH, Reply(403, json={"errors": [{"message": "access forbidden SG.secret-value-123"}]}))
    result = await fetch(make(api, sleeps))
    assert result.ok
    assert [d.scope for d in result.account_days] == ["account"] * len(result.account_days)
    assert "no mailbox-provider split (auth" in result.detail and "access forbidden" in result.detail
    assert "SG.secret-value-123" not in result.detail


async def test_a_timeout_on_the_split_is_a_note_not_a_failure(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    api.route("GET", PATH, Reply(json=[], delay=1.5))
    spec = SendgridSpec(kind="sendgrid", name="sg", api_key_env="SG_KEY", base_url=api.base_url, timeout=0.5)
    result = await fetch(SendgridSource(spec, make_runtime(ENV, sleeps)))
    assert (
        result.ok
        and "no mailbox-provider split (unavailable" in result.detail
        and "timed out" in result.detail
    )


async def test_broken_json_and_wrong_shapes_are_notes_naming_the_call(
    api: FakeApi, sleeps: SleepRecorder
) -> None:
    base_routes(api)
    for reply, words in (
        (Reply(body=b'[{"date": "2025-06-10", "stats": [{'), "malformed JSON"),
        (Reply(json={"errors": []}), "unexpected response shape"),
        (Reply(json=[{"date": "yesterday", "stats": []}]), "unexpected response shape"),
        (
            Reply(
                json=[{"date": "2025-06-10", "stats": [{"name": "Gmail", "metrics": {"processed": "many"}}]}]
            ),
            "unexpected",
        ),
        (Reply(body=b""), "empty response body"),
    ):
        api.route("GET", PATH, reply)
        result = await fetch(make(api, sleeps))
        assert result.ok, result.detail
        assert "no mailbox-provider split (bad_payload" in result.detail and words in result.detail
        assert all(d.scope == "account" for d in result.account_days)


async def test_hostile_names_are_grouped_never_trusted(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    names = ["\x1b[2J\x1b]0;owned\x07", "A" * 100_000, "", "gmail.com @ evil", "Gmail\u202e"]
    day = {"date": "2025-06-10", "stats": [entry(name, processed=10) for name in names]}
    api.route("GET", PATH, Reply(json=[day]))
    result = await fetch(make(api, sleeps))
    assert result.ok
    split = [d for d in result.account_days if d.scope != "account"]
    assert [(d.scope, d.sent) for d in split] == [("account @ other", 50)]


async def test_switched_off_it_is_never_asked(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    api.route("GET", PATH, fixture("sendgrid/stats-mailbox-providers.json"))
    result = await fetch(make(api, sleeps, by_mailbox_provider=False))
    assert result.ok and api.calls("GET", PATH) == []


async def test_the_subuser_header_goes_to_the_split_too(api: FakeApi, sleeps: SleepRecorder) -> None:
    base_routes(api)
    api.route("GET", PATH, Reply(json=fixture_body("sendgrid/stats-mailbox-providers.json")))
    await fetch(make(api, sleeps, on_behalf_of="sub1"))
    assert api.calls("GET", PATH)[0].headers["on-behalf-of"] == "sub1"
