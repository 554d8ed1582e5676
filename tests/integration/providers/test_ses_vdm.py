"""SES Virtual Deliverability Manager per ISP (BatchGetMetricData) on a loopback server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from ipdash.sources.providers.ses import SesSource
from ipdash.sources.sources_config import SesSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen

botocore = pytest.importorskip("botocore")

BATCH = "/v2/email/metrics/batch"
DAY9 = datetime(2025, 6, 9, tzinfo=UTC).timestamp()
DAY10 = datetime(2025, 6, 10, tzinfo=UTC).timestamp()
#: What a VDM account sends per ISP and metric over 9 and 10 June (Gmail has no feedback loop with SES).
COUNTS: dict[str, dict[str, list[int]]] = {
    "Gmail": {
        "SEND": [40_000, 42_000], "DELIVERY": [39_000, 41_500], "PERMANENT_BOUNCE": [300, 320],
        "TRANSIENT_BOUNCE": [80, 60], "COMPLAINT": [0, 0], "DELIVERY_COMPLAINT": [0, 0],
        "OPEN": [9000, 9100], "CLICK": [700, 650],
    },
    "Yahoo": {
        "SEND": [10_000, 9_000], "DELIVERY": [9_900, 8_950], "PERMANENT_BOUNCE": [50, 40],
        "TRANSIENT_BOUNCE": [20, 10], "COMPLAINT": [25, 40], "DELIVERY_COMPLAINT": [9_900, 8_950],
        "OPEN": [2000, 1900], "CLICK": [100, 90],
    },
}  # fmt: skip


def vdm_answer(seen: Seen) -> Reply:
    """Answers like SESv2: validates the batch as the service would, then one result per query."""
    body = seen.json()
    queries = body.get("Queries", [])
    if not 1 <= len(queries) <= 10:
        return Reply(
            400,
            json={"message": "Queries must have 1-10 items"},
            headers={"x-amzn-ErrorType": "BadRequestException"},
        )
    results: list[dict[str, Any]] = []
    for query in queries:
        assert query["Namespace"] == "VDM" and set(query["Dimensions"]) == {"ISP"}
        assert isinstance(query["StartDate"], int | float) and query["StartDate"] < query["EndDate"]
        values = COUNTS.get(query["Dimensions"]["ISP"], {}).get(query["Metric"])
        results.append(
            {"Id": query["Id"], "Timestamps": [DAY9, DAY10] if values else [], "Values": values or []}
        )
    return Reply(json={"Results": results, "Errors": []})


def make(api: FakeApi, sleeps: SleepRecorder, **settings: object) -> SesSource:
    spec = SesSpec(
        kind="ses", name="ses", region="eu-west-1", base_url=api.base_url, cloudwatch=False, **settings
    )
    return SesSource(spec, make_runtime({}, sleeps))


def routes(api: FakeApi, *, vdm: str = "ENABLED") -> None:
    api.route("GET", "/v2/email/dedicated-ip-pools", Reply(json={"DedicatedIpPools": []}))
    api.route("GET", "/v2/email/dedicated-ips", Reply(json={"DedicatedIps": []}))
    account = {"EnforcementStatus": "HEALTHY", "VdmAttributes": {"VdmEnabled": vdm}}
    api.route("GET", "/v2/email/account", Reply(json=account))
    api.route("POST", BATCH, vdm_answer)


def isp_days(result: Any) -> dict[tuple[str, date], Any]:
    return {(d.scope, d.day): d for d in result.account_days if d.scope != "account"}


async def test_per_isp_counts_land_as_account_days(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    days = isp_days(result)
    gmail = days[("account @ gmail.com", date(2025, 6, 10))]
    assert (gmail.sent, gmail.delivered, gmail.bounced, gmail.hard_bounced, gmail.soft_bounced) == (
        42_000, 41_500, 320, 320, 60,
    )  # fmt: skip
    assert (gmail.opens, gmail.clicks, gmail.provider, gmail.rate_basis) == (9100, 650, "ses", "daily")
    assert gmail.complaints is None  # no feedback loop with Gmail: unknown, not 0
    yahoo = days[("account @ yahoo.com", date(2025, 6, 9))]
    assert (yahoo.sent, yahoo.complaints) == (10_000, 25)
    assert len(days) == 4
    calls = api.calls("POST", BATCH)
    assert [c.json()["Queries"][0]["Dimensions"] for c in calls] == [{"ISP": "Gmail"}, {"ISP": "Yahoo"}]
    assert all(len(c.json()["Queries"]) <= 10 for c in calls)


async def test_the_batch_call_is_sigv4_signed_for_ses(api: FakeApi, sleeps: SleepRecorder) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    routes(api)
    assert (await fetch(make(api, sleeps))).ok
    seen = api.calls("POST", BATCH)[0]
    header = seen.headers["Authorization"]
    assert "/eu-west-1/ses/aws4_request" in header
    signed = header.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(
        method="POST",
        url=f"{api.base_url}{BATCH}",
        data=seen.body,
        headers={k: v for k, v in seen.headers.items() if k.lower() in signed},
    )
    request.context["timestamp"] = seen.headers["X-Amz-Date"]
    auth = SigV4Auth(Credentials("AKIDLOOPBACKTEST", "loopback-secret-key"), "ses", "eu-west-1")
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    assert header.endswith(f"Signature={expected}")


async def test_without_vdm_nothing_is_asked(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api, vdm="DISABLED")
    result = await fetch(make(api, sleeps))
    assert result.ok and api.calls("POST", BATCH) == []
    assert "Virtual Deliverability Manager not enabled" in result.detail
    routes(api)
    result = await fetch(make(api, sleeps, vdm=False))
    assert api.calls("POST", BATCH) == []


async def test_configured_isps_are_asked_once_each(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)
    result = await fetch(make(api, sleeps, vdm_isps=["Hotmail", "Gmail", "Hotmail"]))
    assert result.ok
    assert [c.json()["Queries"][0]["Dimensions"]["ISP"] for c in api.calls("POST", BATCH)] == [
        "Hotmail",
        "Gmail",
    ]
    assert not any(scope == "account @ outlook.com" for scope, _ in isp_days(result))  # Hotmail sent nothing


async def test_429_is_retried_and_a_lasting_one_is_a_note(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)
    throttled = Reply(
        429,
        json={"message": "Too many requests"},
        headers={"x-amzn-ErrorType": "TooManyRequestsException", "Retry-After": "2"},
    )
    answers = iter([throttled])
    api.route("POST", BATCH, lambda seen: next(answers, None) or vdm_answer(seen))
    result = await fetch(make(api, sleeps, vdm_isps=["Gmail"]))
    assert result.ok and sleeps.waits == [2.0]
    assert ("account @ gmail.com", date(2025, 6, 9)) in isp_days(result)
    api.route("POST", BATCH, throttled)
    result = await fetch(make(api, sleeps, vdm_isps=["Gmail"]))
    assert result.ok and isp_days(result) == {}
    assert "VDM metrics for ISP 'Gmail' unavailable (rate_limited" in result.detail


async def test_query_errors_are_named_and_the_rest_is_kept(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)

    def partly(seen: Seen) -> Reply:
        full = vdm_answer(seen).json
        kept = [r for r in full["Results"] if r["Id"] != "complaint"]
        errors = [{"Id": "complaint", "Code": "ACCESS_DENIED", "Message": "not allowed"}]
        return Reply(json={"Results": kept, "Errors": errors})

    api.route("POST", BATCH, partly)
    result = await fetch(make(api, sleeps, vdm_isps=["Yahoo"]))
    assert result.ok
    assert "query errors (complaint ACCESS_DENIED)" in result.detail
    yahoo = isp_days(result)[("account @ yahoo.com", date(2025, 6, 9))]
    assert yahoo.sent == 10_000 and yahoo.complaints is None


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (
            Reply(
                400,
                json={"message": "VDM is not enabled"},
                headers={"x-amzn-ErrorType": "BadRequestException"},
            ),
            "400 VDM is not enabled",
        ),
        (Reply(403, json={"message": "not authorized to perform ses:BatchGetMetricData"}), "auth"),
        (Reply(body=b'{"Results": [{"Id": '), "malformed JSON"),
        (Reply(json={"Results": "lots"}), "unexpected response shape"),
        (
            Reply(json={"Results": [{"Id": "send", "Timestamps": [1], "Values": ["many"]}]}),
            "unexpected response shape",
        ),
        (Reply(500, json={"message": "InternalServiceErrorException"}), "server error 500"),
    ],
)
async def test_a_failing_batch_is_a_note_not_a_failed_source(
    api: FakeApi, sleeps: SleepRecorder, reply: Reply, words: str
) -> None:
    routes(api)
    api.route("POST", BATCH, reply)
    result = await fetch(make(api, sleeps, vdm_isps=["Gmail"]))
    assert result.ok, result.detail
    assert words in result.detail and [d.scope for d in result.account_days] == ["account"]


async def test_a_slow_batch_times_out_into_a_note(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)
    api.route("POST", BATCH, Reply(json={"Results": []}, delay=1.5))
    result = await fetch(make(api, sleeps, vdm_isps=["Gmail"], timeout=0.5))
    assert result.ok and "timed out" in result.detail


async def test_hostile_values_never_become_counts(api: FakeApi, sleeps: SleepRecorder) -> None:
    routes(api)
    hostile = {
        "Results": [
            {
                "Id": "send",
                "Timestamps": [
                    DAY9,
                    1e300,
                    "not a time",
                    DAY10,
                    datetime(2030, 1, 1, tzinfo=UTC).timestamp(),
                ],
                "Values": [5, 6, 7, -3, 9],
            },
            {"Id": "\x1b[2Jsend", "Timestamps": [DAY9], "Values": [10**12]},
            {"Id": "delivery", "Timestamps": [DAY9, DAY10], "Values": [4]},
        ],
        "Errors": [{"Id": "\x1b]0;x\x07", "Code": "INTERNAL_FAILURE"}],
    }
    api.route("POST", BATCH, Reply(json=hostile))
    result = await fetch(make(api, sleeps, vdm_isps=["Gmail"]))
    assert result.ok
    days = isp_days(result)
    assert list(days) == [
        ("account @ gmail.com", date(2025, 6, 9))
    ]  # out-of-window, bad and negative dropped
    assert (
        days[("account @ gmail.com", date(2025, 6, 9))].sent,
        days[("account @ gmail.com", date(2025, 6, 9))].delivered,
    ) == (5, 4)
    assert "\x1b" not in result.detail and "\x07" not in result.detail


async def test_per_isp_days_are_judged_like_an_ips_gmail_rows() -> None:
    from ipdash.domain.accounts import account_signals
    from ipdash.domain.config import ThresholdSettings
    from ipdash.domain.metrics import Window
    from ipdash.domain.models import AccountDay
    from ipdash.sources.reference_data import threshold_presets

    day = AccountDay(
        date(2025, 6, 10), "account @ gmail.com", "ses", sent=42_000, bounced=1_260, source="ses"
    )
    [signal] = account_signals(
        [day], Window.ending(date(2025, 6, 10), 7), threshold_presets(), ThresholdSettings()
    )
    rates = {r.metric: r for r in signal.rates}
    assert (
        rates["bounce_rate"].status.value == "warn" and rates["bounce_rate"].preset == "default"
    )  # 6% >= 5%? no: 2%
    assert rates["complaint_rate"].status.value == "no-data"
