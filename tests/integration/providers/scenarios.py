"""Per-source loopback setups shared by the failure matrix: a spec, env, happy routes,
the first request each source makes (where failures are injected) and an empty answer."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ipdash.sources.providers.base import ProviderSource
from ipdash.sources.providers.registry import build_source
from ipdash.sources.sources_config import validate_sources

from .conftest import SleepRecorder, make_runtime
from .fakeapi import FIXTURES, FakeApi, Reply, fixture


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
