"""Amazon SES v2 (dedicated IPs, pools, warm-up, account status) and CloudWatch reputation.

Credentials come from botocore's standard chain (environment, profile, SSO, instance
role …) and every request is signed with botocore's SigV4 signer: nothing is hand-rolled.
botocore is optional (``pip install 'ipdash[aws]'``); without it this source fails with
a config error that names the extra.

SES exposes no per-IP statistics: reputation is account-wide (CloudWatch
``Reputation.BounceRate`` / ``ComplaintRate``, fractions) and lands as AccountDay rows,
together with the account's enforcement status. Those rates are not the day's own
rates: SES computes them over a rolling window of "representative volume", so the
rows say ``rate_basis="rolling"`` and are shown and judged as such.

Endpoints come from botocore's endpoint data (``email`` and ``monitoring`` prefixes), so
a China region gets its partition's suffix (``email.cn-north-1.amazonaws.com.cn``).
When the account subscribes to the deliverability dashboard, the dedicated IPs'
blocklist report (``GetBlacklistReports``) becomes provider listings; without the
subscription that call is skipped (a note, never a failure). With Virtual Deliverability
Manager enabled, the account's days per recipient ISP come from VDM (``ses_vdm.py``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.models import AccountDay, IpFacts, ProviderListing, ProviderWarmup
from ipdash.sources.providers.base import (
    Collected,
    Interrupted,
    ProviderError,
    ProviderSource,
    missing_extra,
    parse_payload,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy, follow_pages
from ipdash.sources.providers.ses_vdm import collect_isp_days, vdm_enabled

#: IPs per GetBlacklistReports call (a list in the query string: kept short).
BLOCKLIST_BATCH = 20
#: The "no listing" row for an IP the report covers and has nothing on.
CLEAN_LIST = "ses-blocklist-report"
REPUTATION_METRICS = {"bounce": "Reputation.BounceRate", "complaint": "Reputation.ComplaintRate"}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DedicatedIp(_Loose):
    Ip: str
    WarmupStatus: str = "NOT_APPLICABLE"
    WarmupPercentage: int | None = None
    PoolName: str | None = None


class DedicatedIpPage(_Loose):
    DedicatedIps: list[DedicatedIp] = Field(default_factory=list)
    NextToken: str | None = None


class PoolPage(_Loose):
    DedicatedIpPools: list[str] = Field(default_factory=list)
    NextToken: str | None = None


class PoolDetail(_Loose):
    PoolName: str
    ScalingMode: str = "STANDARD"


class PoolResponse(_Loose):
    DedicatedIpPool: PoolDetail


class Account(_Loose):
    EnforcementStatus: str = ""
    SendingEnabled: bool | None = None
    ProductionAccessEnabled: bool | None = None


class MetricResult(_Loose):
    Id: str
    Timestamps: list[float] = Field(default_factory=list)
    Values: list[float] = Field(default_factory=list)
    StatusCode: str = "Complete"


class MetricData(_Loose):
    MetricDataResults: list[MetricResult] = Field(default_factory=list)
    NextToken: str | None = None


class DashboardOptions(_Loose):
    DashboardEnabled: bool = False


class BlacklistEntry(_Loose):
    RblName: str = ""
    ListingTime: float | str | None = None
    Description: str | None = None


class BlacklistReports(_Loose):
    BlacklistReport: dict[str, list[BlacklistEntry]] = Field(default_factory=dict)


@cache
def _endpoint_resolver() -> Any:
    from botocore.loaders import create_loader
    from botocore.regions import EndpointResolver

    return EndpointResolver(create_loader().load_data("endpoints"))


def endpoint_url(prefix: str, region: str) -> str:
    """``https://<host>`` for an AWS endpoint prefix in a region, from botocore's endpoint data."""
    try:
        resolver = _endpoint_resolver()
        from botocore.exceptions import UnknownRegionError
    except ImportError as error:
        raise missing_extra("ses", "aws", "botocore") from error
    endpoint = resolver.construct_endpoint(prefix, region)
    if endpoint and endpoint.get("hostname"):
        return f"https://{endpoint['hostname']}"
    try:
        suffix = resolver.get_partition_dns_suffix(resolver.get_partition_for_region(region))
    except UnknownRegionError as error:
        raise ProviderError("config", f"region {region!r} is in no AWS partition botocore knows") from error
    return f"https://{prefix}.{region}.{suffix}"


class Signer:
    """Signs each request with botocore's SigV4 using the standard credential chain."""

    def __init__(self, service: str, region: str, profile: str | None) -> None:
        try:
            import botocore.session
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
        except ImportError as error:
            raise missing_extra("ses", "aws", "botocore") from error
        self._session = botocore.session.Session(profile=profile)
        self._sigv4, self._request = SigV4Auth, AWSRequest
        self.service, self.region = service, region
        self._credentials: Any = None

    async def credentials(self) -> Any:
        if self._credentials is None:
            from botocore.exceptions import BotoCoreError

            try:  # the chain may read files or ask the instance metadata service: off the loop
                found = await asyncio.to_thread(self._session.get_credentials)
            except BotoCoreError as error:
                raise ProviderError("auth", f"AWS credential chain failed: {error}") from error
            if found is None:
                raise ProviderError(
                    "auth", "no AWS credentials found by botocore's chain (environment, profile, SSO, role)"
                )
            self._credentials = found
        return self._credentials

    async def __call__(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        frozen = (await self.credentials()).get_frozen_credentials()
        request = self._request(method=method, url=url, data=body, headers=dict(headers))
        self._sigv4(frozen, self.service, self.region).add_auth(request)
        return dict(request.headers.items())


class SesSource(ProviderSource):
    kind = "ses"
    provider = "ses"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        facts = provider_facts()["providers"]["ses"]
        region = self.spec.region
        policy = RetryPolicy.from_data(timeout=self.spec.timeout)
        ses = HttpCaller(
            client,
            base_url=self.spec.base_url or endpoint_url(facts["endpoint_prefix"], region),
            runtime=self.runtime,
            policy=policy,
            headers={"Accept": "application/json"},
            sign=Signer(facts["signing_name"], region, self.spec.profile),
        )
        collected = self.collecting()
        pools = await self._pools(ses)
        try:
            ips = await self._dedicated_ips(ses)
        except Interrupted as stop:  # each IP of the pages fetched is whole (the pools are all read)
            for item in stop.items:
                self._add_ip(collected, item, pools)
            raise
        for item in ips:
            self._add_ip(collected, item, pools)
        await self._blocklists(ses, collected)
        account_data = await ses.get_json("/v2/email/account")
        account = parse_payload(Account, account_data, "GET /v2/email/account")
        status = account.EnforcementStatus or "UNKNOWN"
        if account.SendingEnabled is False:
            status = f"{status} (sending paused)"
        rates: dict[date, dict[str, float]] = {}
        if self.spec.cloudwatch:
            monitoring = HttpCaller(
                client,
                base_url=self.spec.monitoring_base_url
                or endpoint_url(facts["monitoring_signing_name"], region),
                runtime=self.runtime,
                policy=policy,
                sign=Signer(facts["monitoring_signing_name"], region, self.spec.profile),
            )
            rates = await self._reputation(monitoring, since, until)
        await self._isp_days(ses, collected, account_data, since, until)
        for day in sorted({*rates, until}):
            collected.account_days.append(
                AccountDay(
                    day=day,
                    scope="account",
                    provider="ses",
                    bounce_rate=rates.get(day, {}).get("bounce"),
                    complaint_rate=rates.get(day, {}).get("complaint"),
                    status=status if day == until else "",
                    rate_basis="rolling",
                    source=self.name,
                )
            )
        return collected

    async def _isp_days(
        self, http: HttpCaller, collected: Collected, account: Any, since: date, until: date
    ) -> None:
        if not self.spec.vdm or not self.spec.vdm_isps:
            return
        if not vdm_enabled(account if isinstance(account, dict) else None):
            collected.notes.append("no per-ISP metrics (Virtual Deliverability Manager not enabled)")
            return
        await collect_isp_days(
            http, collected, isps=self.spec.vdm_isps, since=since, until=until, source=self.name
        )

    async def _blocklists(self, http: HttpCaller, collected: Collected) -> None:
        """The deliverability dashboard's blocklist report for the dedicated IPs, when subscribed."""
        ips = [facts.ip for facts in collected.facts]
        if not ips:
            return
        try:
            options = parse_payload(
                DashboardOptions,
                await http.get_json("/v2/email/deliverability-dashboard"),
                "GET /v2/email/deliverability-dashboard",
            )
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            collected.notes.append(f"deliverability dashboard status unavailable ({error.kind})")
            return
        if not options.DashboardEnabled:
            collected.notes.append("no blocklist report (deliverability dashboard not subscribed)")
            return
        listed: set[str] = set()
        for start in range(0, len(ips), BLOCKLIST_BATCH):
            batch = ips[start : start + BLOCKLIST_BATCH]
            query = "&".join(f"BlacklistItemNames={quote(ip, safe='')}" for ip in batch)
            data = await http.get_json(f"/v2/email/deliverability-dashboard/blacklist-report?{query}")
            report = parse_payload(BlacklistReports, data, "GET blacklist-report").BlacklistReport
            for raw_ip, entries in report.items():
                ip = collected.ip_or_skip(raw_ip)
                if ip is None:
                    continue
                for entry in entries:
                    listed.add(ip)
                    collected.listings.append(
                        ProviderListing(
                            ip=ip,
                            list_name=entry.RblName or "unnamed list",
                            listed=True,
                            reason=(entry.Description or "")[:300],
                            first_seen=_timestamp(entry.ListingTime),
                            source=self.name,
                        )
                    )
            for ip in batch:  # each batch whole as it lands, so an interrupted poll keeps it
                if ip not in listed:
                    collected.listings.append(
                        ProviderListing(ip=ip, list_name=CLEAN_LIST, listed=False, source=self.name)
                    )

    async def _dedicated_ips(self, http: HttpCaller) -> list[DedicatedIp]:
        size = int(provider_facts()["providers"]["ses"]["page_size"])

        async def page(token: str) -> tuple[list[DedicatedIp], str | None]:
            query = f"PageSize={size}" + (f"&NextToken={quote(token, safe='')}" if token else "")
            data = await http.get_json(f"/v2/email/dedicated-ips?{query}")
            body = parse_payload(DedicatedIpPage, data, "GET /v2/email/dedicated-ips")
            return body.DedicatedIps, body.NextToken or None

        return await follow_pages(
            "", page, max_pages=http.policy.max_pages, what="GET /v2/email/dedicated-ips"
        )

    async def _pools(self, http: HttpCaller) -> dict[str, str]:
        size = int(provider_facts()["providers"]["ses"]["page_size"])

        async def page(token: str) -> tuple[list[str], str | None]:
            query = f"PageSize={size}" + (f"&NextToken={quote(token, safe='')}" if token else "")
            data = await http.get_json(f"/v2/email/dedicated-ip-pools?{query}")
            body = parse_payload(PoolPage, data, "GET /v2/email/dedicated-ip-pools")
            return body.DedicatedIpPools, body.NextToken or None

        names = await follow_pages(
            "", page, max_pages=http.policy.max_pages, what="GET /v2/email/dedicated-ip-pools"
        )
        modes: dict[str, str] = {}
        for name in names:
            path = f"/v2/email/dedicated-ip-pools/{quote(name, safe='')}"
            detail = parse_payload(
                PoolResponse, await http.get_json(path), "GET /v2/email/dedicated-ip-pools/{name}"
            )
            modes[name] = detail.DedicatedIpPool.ScalingMode
        return modes

    def _add_ip(self, collected: Collected, item: DedicatedIp, pools: dict[str, str]) -> None:
        ip = collected.ip_or_skip(item.Ip)
        if ip is None:
            return
        managed = item.WarmupStatus == "NOT_APPLICABLE" or pools.get(item.PoolName or "") == "MANAGED"
        collected.facts.append(
            IpFacts(ip=ip, pool=item.PoolName, provider="ses", kind="dedicated", source=self.name)
        )
        percentage = item.WarmupPercentage
        progress = None if managed or percentage is None or percentage < 0 else min(1.0, percentage / 100)
        if managed:
            text = "managed pool: SES handles warm-up"
        elif item.WarmupStatus == "IN_PROGRESS":
            text = f"warming: {percentage}%"
        else:
            text = "warmed up" if item.WarmupStatus == "DONE" else item.WarmupStatus.lower()
        collected.warmups.append(
            ProviderWarmup(
                ip=ip,
                provider="ses",
                active=item.WarmupStatus == "IN_PROGRESS" or managed,  # managed: SES warms it
                completed=item.WarmupStatus == "DONE" and not managed,
                progress=progress,
                status_text=text,
                source=self.name,
            )
        )

    async def _reputation(self, http: HttpCaller, since: date, until: date) -> dict[date, dict[str, float]]:
        """Daily account reputation rates (fractions) from CloudWatch, keyed by "bounce" / "complaint"."""
        body: dict[str, Any] = {
            "MetricDataQueries": [
                {
                    "Id": name,
                    "MetricStat": {
                        "Metric": {"Namespace": "AWS/SES", "MetricName": metric},
                        "Period": 86400,
                        "Stat": "Average",
                    },
                }
                for name, metric in REPUTATION_METRICS.items()
            ],
            "StartTime": datetime.combine(since, time(), UTC).timestamp(),
            "EndTime": datetime.combine(until + timedelta(days=1), time(), UTC).timestamp(),
            "ScanBy": "TimestampAscending",
        }
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "GraniteServiceVersion20100801.GetMetricData",
        }
        rates: dict[date, dict[str, float]] = {}

        async def page(token: str) -> tuple[list[MetricResult], str | None]:
            request = {**body, "NextToken": token} if token else body
            data = await http.post_json("/", request, headers=headers)
            parsed = parse_payload(MetricData, data, "CloudWatch GetMetricData")
            return parsed.MetricDataResults, parsed.NextToken or None

        results = await follow_pages(
            "", page, max_pages=http.policy.max_pages, what="CloudWatch GetMetricData"
        )
        for result in results:
            for stamp, value in zip(result.Timestamps, result.Values, strict=False):
                if 0 <= value <= 1:
                    rates.setdefault(datetime.fromtimestamp(stamp, UTC).date(), {})[result.Id] = value
        return rates


def _timestamp(value: float | str | None) -> datetime | None:
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None
