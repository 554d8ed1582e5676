"""Per-source loopback setups shared by the failure matrix: a spec, env, happy routes,
the first request each source makes (where failures are injected) and an empty answer."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipdash.sources.providers.base import ProviderSource
from ipdash.sources.providers.registry import build_source
from ipdash.sources.sources_config import validate_sources

from .conftest import SleepRecorder, make_runtime
from .fakeapi import FIXTURES, FakeApi, Reply, Seen, fixture


@dataclass(frozen=True)
class Scenario:
    kind: str
    settings: dict[str, Any]
    env: dict[str, str]
    happy: Callable[[FakeApi], None]
    first: tuple[str, str]
    empty: Reply
    json: bool = True

    def source(self, api: FakeApi, sleeps: SleepRecorder, **overrides: Any) -> ProviderSource:
        entry = {"kind": self.kind, "name": f"test-{self.kind}", "base_url": api.base_url, **self.settings}
        entry.update(overrides)
        if "monitoring_base_url" in entry:
            entry["monitoring_base_url"] = entry["base_url"]
        [spec] = validate_sources([entry])
        return build_source(spec, make_runtime(self.env, sleeps))


def _sendgrid(api: FakeApi) -> None:
    api.route("GET", "/v3/ips", fixture("sendgrid/ips-list.json"))
    api.route("GET", "/v3/stats", fixture("sendgrid/stats-global.json"))


def _mailgun(api: FakeApi) -> None:
    api.route("GET", "/v3/ips", fixture("mailgun/ips-list.json"))
    api.route("GET", "/v3/ip_pools", fixture("mailgun/ip-pools-list.json"))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": [], "paging": {}}))
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": []}))


def _sparkpost(api: FakeApi) -> None:
    api.route("GET", "/api/v1/sending-ips", fixture("sparkpost/sending-ips-list.json"))
    api.route("GET", "/api/v1/metrics/deliverability/sending-ip", Reply(json={"results": []}))


def _snds(api: FakeApi) -> None:
    api.route("GET", "/snds/data.aspx", Reply(body=(FIXTURES / "microsoft-snds/data.csv").read_bytes()))
    api.route(
        "GET", "/snds/ipStatus.aspx", Reply(body=(FIXTURES / "microsoft-snds/ipstatus.csv").read_bytes())
    )


def _ses(api: FakeApi) -> None:
    api.route("GET", "/v2/email/dedicated-ip-pools", Reply(json={"DedicatedIpPools": ["marketing"]}))
    api.route(
        "GET",
        "/v2/email/dedicated-ip-pools/marketing",
        Reply(json={"DedicatedIpPool": {"PoolName": "marketing", "ScalingMode": "STANDARD"}}),
    )
    ips = [
        {"Ip": "198.51.100.1", "WarmupStatus": "IN_PROGRESS", "WarmupPercentage": 45, "PoolName": "marketing"}
    ]
    api.route("GET", "/v2/email/dedicated-ips", Reply(json={"DedicatedIps": ips}))
    api.route("GET", "/v2/email/account", Reply(json={"EnforcementStatus": "HEALTHY"}))
    api.route("POST", "/", Reply(json={"MetricDataResults": []}))


def postmark_routes(api: FakeApi) -> None:
    sends = {
        "Days": [{"Date": "2025-06-09", "Sent": 1000}, {"Date": "2025-06-10", "Sent": 400}],
        "Sent": 1400,
    }
    bounces = {"Days": [{"Date": "2025-06-09", "HardBounce": 12, "SoftBounce": 3, "Transient": 4}]}
    spam = {"Days": [{"Date": "2025-06-09", "SpamComplaint": 1}], "SpamComplaint": 1}
    api.route("GET", "/stats/outbound/sends", Reply(json=sends))
    api.route("GET", "/stats/outbound/bounces", Reply(json=bounces))
    api.route("GET", "/stats/outbound/spam", Reply(json=spam))


def write_google_credentials(tmp_path: Path, api: FakeApi) -> Path:
    path = tmp_path / "google-credentials.json"
    info = {
        "type": "authorized_user",
        "client_id": "loopback.apps.googleusercontent.com",
        "client_secret": "client-secret",
        "refresh_token": "refresh-secret",
        "token_uri": f"{api.base_url}/token",
    }
    path.write_text(json.dumps(info))
    return path


def postmaster_routes(api: FakeApi) -> None:
    token = {"access_token": "ya29.loopback-token", "expires_in": 3600, "token_type": "Bearer"}
    api.route("POST", "/token", Reply(json=token))

    def domains(seen: Seen) -> Reply:
        if seen.query.get("pageToken") == ["p2"]:
            return Reply(json={"domains": [{"name": "domains/mail.example.org", "permission": "READER"}]})
        return Reply(
            json={"domains": [{"name": "domains/example.com", "permission": "OWNER"}], "nextPageToken": "p2"}
        )

    api.route("GET", "/v2/domains", domains)

    def stats(seen: Seen) -> Reply:
        if seen.json().get("pageToken") == "s2":
            day = {"year": 2025, "month": 6, "day": 10}
            return Reply(
                json={"domainStats": [{"metric": "spam_rate", "date": day, "value": {"doubleValue": 0.004}}]}
            )
        day = {"year": 2025, "month": 6, "day": 9}
        rows = [
            {"metric": "spam_rate", "date": day, "value": {"doubleValue": 0.0012}},
            {
                "metric": "spam_rate",
                "date": {"year": 2025, "month": 2, "day": 30},
                "value": {"doubleValue": 0.5},
            },
        ]
        return Reply(json={"domainStats": rows, "nextPageToken": "s2"})

    for domain in ("example.com", "mail.example.org"):
        api.route("POST", f"/v2/domains/{domain}/domainStats:query", stats)


SCENARIOS: dict[str, Scenario] = {
    "sendgrid": Scenario(
        "sendgrid",
        {"api_key_env": "SG_KEY"},
        {"SG_KEY": "sg-secret"},
        _sendgrid,
        ("GET", "/v3/ips"),
        Reply(json=[]),
    ),
    "mailgun": Scenario(
        "mailgun",
        {"api_key_env": "MG_KEY"},
        {"MG_KEY": "mg-secret"},
        _mailgun,
        ("GET", "/v3/ips"),
        Reply(json={"items": [], "details": [], "total_count": 0}),
    ),
    "sparkpost": Scenario(
        "sparkpost",
        {"api_key_env": "SP_KEY"},
        {"SP_KEY": "sp-secret"},
        _sparkpost,
        ("GET", "/api/v1/sending-ips"),
        Reply(json={"results": []}),
    ),
    "snds": Scenario(
        "snds",
        {"api_key_env": "SNDS_KEY"},
        {"SNDS_KEY": "snds-secret"},
        _snds,
        ("GET", "/snds/data.aspx"),
        Reply(body=b""),
        json=False,
    ),
}

if importlib.util.find_spec("botocore") is not None:
    SCENARIOS["ses"] = Scenario(
        "ses",
        {"region": "eu-west-1", "monitoring_base_url": None},
        {},
        _ses,
        ("GET", "/v2/email/dedicated-ips"),
        Reply(json={"DedicatedIps": []}),
    )

SCENARIOS["postmark"] = Scenario(
    "postmark",
    {"api_key_env": "PM_TOKEN"},
    {"PM_TOKEN": "pm-secret"},
    postmark_routes,
    ("GET", "/stats/outbound/sends"),
    Reply(json={"Days": []}),
)


def _postmaster_with_credentials(api: FakeApi) -> None:
    postmaster_routes(api)
    api.route("GET", "/v2/domains", Reply(json={"domains": [{"name": "domains/example.com"}]}))
    _GOOGLE_ENV["GOOGLE_CREDS"] = str(write_google_credentials(Path(tempfile.mkdtemp()), api))


_GOOGLE_ENV: dict[str, str] = {}
if importlib.util.find_spec("google.auth") is not None:
    SCENARIOS["postmaster"] = Scenario(
        "postmaster",
        {"credentials_file_env": "GOOGLE_CREDS"},
        _GOOGLE_ENV,
        _postmaster_with_credentials,
        ("GET", "/v2/domains"),
        Reply(json={"domains": []}),
    )
