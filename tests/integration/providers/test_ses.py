from __future__ import annotations

import sys
from datetime import UTC, date, datetime

import pytest

from ipdash.sources.providers.ses import SesSource, endpoint_url
from ipdash.sources.sources_config import SesSpec

from .conftest import SleepRecorder, fetch, make_runtime
from .fakeapi import FakeApi, Reply, Seen

botocore = pytest.importorskip("botocore")


def make(api: FakeApi, sleeps: SleepRecorder, **settings: object) -> SesSource:
    spec = SesSpec(
        kind="ses",
        name="ses",
        region="eu-west-1",
        base_url=api.base_url,
        monitoring_base_url=api.base_url,
        **settings,
    )
    return SesSource(spec, make_runtime({}, sleeps))


def ses_routes(api: FakeApi) -> None:
    api.route("GET", "/v2/email/dedicated-ip-pools", Reply(json={"DedicatedIpPools": ["marketing", "auto"]}))
    api.route(
        "GET",
        "/v2/email/dedicated-ip-pools/marketing",
        Reply(json={"DedicatedIpPool": {"PoolName": "marketing", "ScalingMode": "STANDARD"}}),
    )
    api.route(
        "GET",
        "/v2/email/dedicated-ip-pools/auto",
        Reply(json={"DedicatedIpPool": {"PoolName": "auto", "ScalingMode": "MANAGED"}}),
    )

    def ips(seen: Seen) -> Reply:
        if seen.query.get("NextToken") == ["page/2+"]:
            return Reply(
                json={
                    "DedicatedIps": [
                        {
                            "Ip": "198.51.100.3",
                            "WarmupStatus": "NOT_APPLICABLE",
                            "WarmupPercentage": -1,
                            "PoolName": "auto",
                        },
                    ]
                }
            )
        return Reply(
            json={
                "DedicatedIps": [
                    {
                        "Ip": "198.51.100.1",
                        "WarmupStatus": "IN_PROGRESS",
                        "WarmupPercentage": 45,
                        "PoolName": "marketing",
                    },
                    {
                        "Ip": "198.51.100.2",
                        "WarmupStatus": "DONE",
                        "WarmupPercentage": 100,
                        "PoolName": "marketing",
                    },
                ],
                "NextToken": "page/2+",
            }
        )

    api.route("GET", "/v2/email/dedicated-ips", ips)
    api.route(
        "GET",
        "/v2/email/account",
        Reply(
            json={
                "EnforcementStatus": "PROBATION",
                "SendingEnabled": True,
                "ProductionAccessEnabled": True,
                "SendQuota": {"Max24HourSend": 200.0, "SentLast24Hours": 1.0, "MaxSendRate": 1.0},
            }
        ),
    )
    day = datetime(2025, 6, 9, tzinfo=UTC).timestamp()
    api.route("POST", "/", Reply(json={"MetricDataResults": [
        {"Id": "bounce", "Timestamps": [day], "Values": [0.021], "StatusCode": "Complete"},
        {"Id": "complaint", "Timestamps": [day], "Values": [0.0007], "StatusCode": "Complete"},
    ]}))  # fmt: skip


async def test_dedicated_ips_pools_account_and_reputation(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert [f.ip for f in result.facts] == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    warm = {w.ip: w for w in result.warmups}
    assert warm["198.51.100.1"].active and warm["198.51.100.1"].progress == pytest.approx(0.45)
    assert warm["198.51.100.2"].status_text == "warmed up" and warm["198.51.100.2"].progress == 1.0
    assert warm["198.51.100.3"].progress is None and "managed" in warm["198.51.100.3"].status_text
    days = {d.day: d for d in result.account_days}
    assert days[date(2025, 6, 9)].bounce_rate == pytest.approx(0.021)
    assert days[date(2025, 6, 9)].complaint_rate == pytest.approx(0.0007)
    assert days[date(2025, 6, 10)].status == "PROBATION" and days[date(2025, 6, 10)].bounce_rate is None
    assert api.calls("GET", "/v2/email/dedicated-ips")[1].query["NextToken"] == ["page/2+"]
    target = api.calls("POST", "/")[0].headers["X-Amz-Target"]
    assert target == "GraniteServiceVersion20100801.GetMetricData"


async def test_requests_carry_a_valid_sigv4_signature(api: FakeApi, sleeps: SleepRecorder) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    ses_routes(api)
    assert (await fetch(make(api, sleeps))).ok
    for seen, service in [
        (api.calls("GET", "/v2/email/account")[0], "ses"),
        (api.calls("POST", "/")[0], "monitoring"),
    ]:
        header = seen.headers["Authorization"]
        assert header.startswith("AWS4-HMAC-SHA256 Credential=AKIDLOOPBACKTEST/")
        assert f"/eu-west-1/{service}/aws4_request" in header
        # Recompute the signature from what arrived: it must match.
        signed = header.split("SignedHeaders=")[1].split(",")[0].split(";")
        query = "&".join(f"{k}={v[0]}" for k, v in seen.query.items())
        url = f"{api.base_url}{seen.path}" + (f"?{query}" if query else "")
        request = AWSRequest(
            method=seen.method,
            url=url,
            data=seen.body,
            headers={k: v for k, v in seen.headers.items() if k.lower() in signed},
        )
        request.context["timestamp"] = seen.headers["X-Amz-Date"]
        auth = SigV4Auth(Credentials("AKIDLOOPBACKTEST", "loopback-secret-key"), service, "eu-west-1")
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        assert header.endswith(f"Signature={expected}")


async def test_no_credentials_is_an_auth_failure(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    ses_routes(api)
    result = await fetch(make(api, sleeps))
    assert result.failure == "auth" and "no AWS credentials" in result.detail
    assert api.seen == []


async def test_without_botocore_the_message_names_the_extra(
    api: FakeApi, sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "botocore", None)
    result = await fetch(make(api, sleeps))
    assert result.failure == "config"
    assert "pip install 'ipdash[aws]'" in result.detail


async def test_throttling_error_then_success(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    throttled = Reply(
        429, json={"message": "Too many requests"}, headers={"x-amzn-ErrorType": "TooManyRequestsException"}
    )
    api.route("GET", "/v2/email/account", throttled, Reply(json={"EnforcementStatus": "HEALTHY"}))
    result = await fetch(make(api, sleeps, cloudwatch=False))
    assert result.ok and len(sleeps.waits) == 1
    assert [d.status for d in result.account_days] == ["HEALTHY"]


async def test_reputation_rates_are_labelled_rolling(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    assert {d.rate_basis for d in result.account_days} == {"rolling"}


@pytest.mark.parametrize(
    ("region", "email", "monitoring"),
    [
        ("eu-west-1", "https://email.eu-west-1.amazonaws.com", "https://monitoring.eu-west-1.amazonaws.com"),
        (
            "cn-north-1",
            "https://email.cn-north-1.amazonaws.com.cn",
            "https://monitoring.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-northwest-1",
            "https://email.cn-northwest-1.amazonaws.com.cn",
            "https://monitoring.cn-northwest-1.amazonaws.com.cn",
        ),
    ],
)
def test_endpoints_come_from_botocores_partitions(region: str, email: str, monitoring: str) -> None:
    assert endpoint_url("email", region) == email
    assert endpoint_url("monitoring", region) == monitoring


async def test_a_region_in_no_partition_is_a_config_failure(sleeps: SleepRecorder) -> None:
    spec = SesSpec(kind="ses", name="ses", region="xx-nowhere-9")
    result = await fetch(SesSource(spec, make_runtime({}, sleeps)))
    assert result.failure == "config" and "xx-nowhere-9" in result.detail


async def test_blocklist_report_when_the_dashboard_is_subscribed(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    api.route("GET", "/v2/email/deliverability-dashboard", Reply(json={"DashboardEnabled": True}))
    listed = datetime(2025, 6, 8, 3, 0, tzinfo=UTC)
    report = {
        "BlacklistReport": {
            "198.51.100.1": [
                {
                    "RblName": "Spamhaus SBL",
                    "ListingTime": listed.timestamp(),
                    "Description": "listed for spam",
                }
            ],
            "198.51.100.2": [],
        }
    }
    api.route("GET", "/v2/email/deliverability-dashboard/blacklist-report", Reply(json=report))
    result = await fetch(make(api, sleeps))
    assert result.ok, result.detail
    [call] = api.calls("GET", "/v2/email/deliverability-dashboard/blacklist-report")
    assert call.query["BlacklistItemNames"] == ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    rows = {(li.ip, li.list_name): li for li in result.listings}
    sbl = rows[("198.51.100.1", "Spamhaus SBL")]
    assert sbl.listed and sbl.first_seen == listed and sbl.reason == "listed for spam"
    assert not rows[("198.51.100.2", "ses-blocklist-report")].listed


async def test_no_dashboard_subscription_is_a_note_not_a_failure(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    api.route("GET", "/v2/email/deliverability-dashboard", Reply(json={"DashboardEnabled": False}))
    result = await fetch(make(api, sleeps))
    assert result.ok and result.listings == ()
    assert "deliverability dashboard not subscribed" in result.detail
    assert api.calls("GET", "/v2/email/deliverability-dashboard/blacklist-report") == []


async def test_hostile_blocklist_report_is_bad_payload(api: FakeApi, sleeps: SleepRecorder) -> None:
    ses_routes(api)
    api.route("GET", "/v2/email/deliverability-dashboard", Reply(json={"DashboardEnabled": True}))
    api.route(
        "GET", "/v2/email/deliverability-dashboard/blacklist-report", Reply(json={"BlacklistReport": ["x"]})
    )
    result = await fetch(make(api, sleeps))
    assert result.failure == "bad_payload"
