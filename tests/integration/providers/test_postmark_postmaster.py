from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ipdash.sources.providers.postmark import PostmarkSource
from ipdash.sources.providers.postmaster import PostmasterSource
from ipdash.sources.sources_config import PostmarkSpec, PostmasterSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .dripping import DrippingServer
from .fakeapi import FakeApi, Reply, Seen
from .gate import Gate
from .scenarios import postmark_routes, postmaster_routes, write_google_credentials


async def test_postmark_daily_account_stats(api: FakeApi, sleeps: SleepRecorder) -> None:
    postmark_routes(api)
    spec = PostmarkSpec(kind="postmark", name="pm", api_key_env="PM_TOKEN", base_url=api.base_url)
    result = await fetch(PostmarkSource(spec, make_runtime({"PM_TOKEN": "pm-token"}, sleeps)))
    assert result.ok, result.detail
    [day] = [d for d in result.account_days if d.day == date(2025, 6, 9)]
    assert (day.sent, day.hard_bounced, day.soft_bounced, day.bounced, day.complaints) == (1000, 12, 3, 15, 1)
    assert day.bounce_rate == pytest.approx(0.015) and day.complaint_rate == pytest.approx(0.001)
    only_sends = next(d for d in result.account_days if d.day == date(2025, 6, 10))
    assert only_sends.bounced is None and only_sends.complaints is None  # not reported: unknown
    call = api.calls("GET", "/stats/outbound/sends")[0]
    assert call.headers["X-Postmark-Server-Token"] == "pm-token"
    assert call.query["fromdate"] == ["2025-06-04"] and call.query["todate"] == ["2025-06-10"]


async def test_postmark_422_bad_token_is_auth(api: FakeApi, sleeps: SleepRecorder) -> None:
    postmark_routes(api)
    api.route(
        "GET",
        "/stats/outbound/sends",
        Reply(422, json={"ErrorCode": 10, "Message": "Bad or missing Server API token."}),
    )
    spec = PostmarkSpec(kind="postmark", name="pm", api_key_env="PM_TOKEN", base_url=api.base_url)
    result = await fetch(PostmarkSource(spec, make_runtime({"PM_TOKEN": "pm-token"}, sleeps)))
    assert result.failure == "auth" and "Server API token" in result.detail


def postmaster(api: FakeApi, sleeps: SleepRecorder, tmp_path: Path, **settings: object) -> PostmasterSource:
    path = write_google_credentials(tmp_path, api)
    spec = PostmasterSpec(kind="postmaster", name="gpt", credentials_file_env="GOOGLE_CREDS",
                          base_url=api.base_url, **settings)  # fmt: skip
    return PostmasterSource(spec, make_runtime({"GOOGLE_CREDS": str(path)}, sleeps))


async def test_postmaster_domains_pages_and_spam_rates(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    result = await fetch(postmaster(api, sleeps, tmp_path))
    assert result.ok, result.detail
    rates = {(d.scope, d.day): d.complaint_rate for d in result.account_days}
    assert rates == {
        ("example.com", date(2025, 6, 9)): 0.0012,
        ("example.com", date(2025, 6, 10)): 0.004,
        ("mail.example.org", date(2025, 6, 9)): 0.0012,
        ("mail.example.org", date(2025, 6, 10)): 0.004,
    }
    assert api.calls("GET", "/v2/domains")[1].query["pageToken"] == ["p2"]
    query = api.calls("POST", "/v2/domains/example.com/domainStats:query")[0]
    assert query.headers["Authorization"] == "Bearer ya29.loopback-token"
    assert query.json()["metricDefinitions"][0]["baseMetric"] == {"standardMetric": "SPAM_RATE"}
    token_request = api.calls("POST", "/token")[0].body.decode()
    assert "grant_type=refresh_token" in token_request


async def test_postmaster_refresh_refused_is_auth(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    api.route(
        "POST", "/token", Reply(400, json={"error": "invalid_grant", "error_description": "Token revoked"})
    )
    result = await fetch(postmaster(api, sleeps, tmp_path))
    assert result.failure == "auth" and "invalid_grant" in result.detail
    assert "refresh-secret" not in result.detail


async def test_postmaster_configured_domains_skip_the_listing(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert result.ok and {d.scope for d in result.account_days} == {"example.com"}
    assert api.calls("GET", "/v2/domains") == []


async def test_postmaster_bad_credentials_file_is_config(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    bad = tmp_path / "creds.json"
    bad.write_text(json.dumps({"type": "something_else"}))
    spec = PostmasterSpec(
        kind="postmaster", name="gpt", credentials_file_env="GOOGLE_CREDS", base_url=api.base_url
    )
    result = await fetch(PostmasterSource(spec, make_runtime({"GOOGLE_CREDS": str(bad)}, sleeps)))
    assert result.failure == "config" and "service_account or authorized_user" in result.detail


async def test_postmaster_without_google_auth_names_the_extra(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google", None)
    result = await fetch(postmaster(api, sleeps, tmp_path))
    assert result.failure == "config" and "pip install 'ipdash[google]'" in result.detail


def _unused(seen: Seen) -> None:
    del seen


def one_domain_stats(api: FakeApi, spam: list[float], errors: dict[str, float] | None = None) -> None:
    def stats(seen: Seen) -> Reply:
        names = [d["name"] for d in seen.json()["metricDefinitions"]]
        if names == ["spam_rate"]:
            rows = [
                {
                    "metric": "spam_rate",
                    "date": {"year": 2025, "month": 6, "day": 4 + n},
                    "value": {"doubleValue": v},
                }
                for n, v in enumerate(spam)
            ]
        elif errors is None:
            return Reply(400, json={"error": {"code": 400, "message": "Invalid filter"}})
        else:
            rows = [
                {"metric": name, "date": {"year": 2025, "month": 6, "day": 4}, "value": {"doubleValue": v}}
                for name, v in errors.items()
            ]
        return Reply(json={"domainStats": rows})

    api.route("POST", "/v2/domains/example.com/domainStats:query", stats)


async def test_postmaster_spam_rates_are_fractions_unless_the_answer_proves_percent(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    one_domain_stats(api, [0.0008, 0.003], {})
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert result.ok, result.detail
    assert [d.complaint_rate for d in result.account_days] == pytest.approx([0.0008, 0.003])
    assert "percent" not in result.detail
    one_domain_stats(api, [0.08, 3.0], {})  # 3.0 cannot be a fraction: the whole answer is percent
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert [d.complaint_rate for d in result.account_days] == pytest.approx([0.0008, 0.03])
    assert "example.com: rates above 1 in the answer: read as percent" in result.detail


async def test_postmaster_values_that_fit_no_unit_are_counted_never_silently_dropped(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    one_domain_stats(api, [0.001, 5.0, -1.0], {})
    result = await fetch(
        postmaster(api, sleeps, tmp_path, domains=["example.com"], spam_rate_unit="fraction")
    )
    assert result.ok
    assert [d.complaint_rate for d in result.account_days] == [0.001]
    assert "2 rate values out of range for fraction left out (first: 5)" in result.detail
    one_domain_stats(api, [250.0], {})
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert result.account_days == () and "1 rate values out of range for fraction" in result.detail


async def test_postmaster_ip_related_delivery_errors_and_compliance(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    one_domain_stats(api, [0.001], {"reject_low_ip_reputation": 0.02, "reject_ip_in_rbls": 0.0})
    compliance = {
        "name": "domains/example.com/complianceStatus",
        "complianceData": {
            "rowData": [
                {"requirement": "SPF", "status": {"status": "COMPLIANT"}},
                {"requirement": "DMARC_POLICY", "status": {"status": "NEEDS_WORK"}},
            ]
        },
        "subdomainComplianceData": {"rowData": [{"requirement": "DKIM", "status": {"status": "NEEDS_WORK"}}]},
    }
    api.route("GET", "/v2/domains/example.com/complianceStatus", Reply(json=compliance))
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert result.ok, result.detail
    first, latest = result.account_days[0], result.account_days[-1]
    assert first.delivery_errors == ("low_ip_reputation=0.02", "ip_in_rbls=0")
    assert latest.day == date(2025, 6, 10)  # compliance is a current state: on the window's last day
    assert latest.compliance == ("DMARC_POLICY=NEEDS_WORK", "subdomains:DKIM=NEEDS_WORK")
    [query] = [c.json() for c in api.calls("POST", "/v2/domains/example.com/domainStats:query")][1:]
    assert query["metricDefinitions"][0] == {
        "name": "reject_low_ip_reputation",
        "baseMetric": {"standardMetric": "DELIVERY_ERROR_RATE"},
        "filter": 'error_type = "reject" AND error_reason = "low_ip_reputation"',
    }


async def test_postmaster_delivery_error_query_refused_keeps_the_spam_rate(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    one_domain_stats(api, [0.001], None)
    result = await fetch(postmaster(api, sleeps, tmp_path, domains=["example.com"]))
    assert result.ok and [d.complaint_rate for d in result.account_days] == [0.001]
    assert "delivery-error reasons unavailable" in result.detail
    assert "compliance status unavailable" in result.detail


async def test_postmark_is_never_asked_past_eastern_today(api: FakeApi, sleeps: SleepRecorder) -> None:
    postmark_routes(api)
    spec = PostmarkSpec(kind="postmark", name="pm", api_key_env="PM_TOKEN", base_url=api.base_url)
    early = datetime(2025, 6, 11, 2, 30, tzinfo=UTC)  # 10 June, 22:30, in New York
    runtime = replace(make_runtime({"PM_TOKEN": "pm-token"}, sleeps), clock=lambda: early)
    result = await fetch(PostmarkSource(spec, runtime), since=date(2025, 6, 5), until=date(2025, 6, 11))
    assert result.ok, result.detail
    call = api.calls("GET", "/stats/outbound/sends")[0]
    assert call.query["fromdate"] == ["2025-06-05"] and call.query["todate"] == ["2025-06-10"]
    assert [d.day for d in result.account_days] == [date(2025, 6, 9), date(2025, 6, 10)]


@pytest.mark.parametrize("how", ["hangs", "drips"])
async def test_a_token_endpoint_that_hangs_or_drips_is_a_failed_source_within_the_timeout(
    api: FakeApi, sleeps: SleepRecorder, tmp_path: Path, how: str
) -> None:
    pytest.importorskip("google.auth")
    postmaster_routes(api)
    with Gate() as gate, DrippingServer(every=0.05) as dripping:
        api.route("POST", "/token", gate.hold(lambda seen: True, Reply()))
        source = postmaster(api, sleeps, tmp_path, timeout=0.5)
        if how == "drips":  # the credentials file's token_uri points at a server sending a byte at a time
            creds = tmp_path / "google-credentials.json"
            info = json.loads(creds.read_text())
            creds.write_text(json.dumps({**info, "token_uri": f"{dripping.base_url}/token"}))
        result = await fetch(source)
    assert result.failure == "unavailable"
    assert result.detail == "Google OAuth refresh failed: no answer from token_uri within 0.5 s"
    assert "refresh-secret" not in result.detail and "client-secret" not in result.detail
    assert api.calls("GET", "/v2/domains") == []  # no API call without a token
    assert gate.held + dripping.accepted == 1  # a transport failure is not retried by google-auth
