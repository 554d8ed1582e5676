"""SparkPost (US or EU): sending IPs with pool and auto warm-up stage, per-IP daily metrics.

Per-IP days come from ``/api/v1/metrics/deliverability/sending-ip`` asked once per day
(``from``/``to`` bound the day, results are grouped by IP), so a window of N days
costs N requests however many IPs there are. Neither list is paginated.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.models import ALL_PROVIDERS, DailyStat, IpFacts, ProviderWarmup
from ipdash.sources.providers.base import (
    Collected,
    ProviderSource,
    day_range,
    default_base_url,
    parse_payload,
    parse_payload_off_loop,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy

METRICS = (
    "count_sent",
    "count_delivered",
    "count_bounce",
    "count_hard_bounce",
    "count_soft_bounce",
    "count_spam_complaint",
    "count_unsubscribe",
    "count_unique_confirmed_opened",
    "count_unique_clicked",
)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SendingIp(_Loose):
    external_ip: str
    hostname: str | None = None
    ip_pool: str | None = None
    customer_provided: bool = False
    auto_warmup_enabled: bool = False
    auto_warmup_stage: int | None = None


class SendingIpList(_Loose):
    results: list[SendingIp] = Field(default_factory=list)


class MetricsList(_Loose):
    results: list[dict[str, Any]] = Field(default_factory=list)


class SparkpostSource(ProviderSource):
    kind = "sparkpost"
    provider = "sparkpost"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        key = self.secret_from_env(self.spec.api_key_env)
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("sparkpost", self.spec.region),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(timeout=self.spec.timeout),
            headers={"Authorization": key, "Accept": "application/json"},
        )
        collected = Collected()
        ips = parse_payload(
            SendingIpList, await http.get_json("/api/v1/sending-ips"), "GET /api/v1/sending-ips"
        )
        stages = int(provider_facts()["providers"]["sparkpost"]["auto_warmup_stages"])
        for item in ips.results:
            ip = collected.ip_or_skip(item.external_ip)
            if ip is None:
                continue
            collected.facts.append(
                IpFacts(
                    ip=ip,
                    pool=item.ip_pool,
                    provider="sparkpost",
                    kind="dedicated",
                    rdns=item.hostname,
                    source=self.name,
                )
            )
            collected.warmups.append(self._warmup(ip, item, stages))
        for day in day_range(since, until):
            await self._day(http, collected, day)
        return collected

    def _warmup(self, ip: str, item: SendingIp, stages: int) -> ProviderWarmup:
        stage = item.auto_warmup_stage if item.auto_warmup_enabled else None
        return ProviderWarmup(
            ip=ip,
            provider="sparkpost",
            active=item.auto_warmup_enabled,
            progress=min(1.0, stage / stages) if stage else None,
            stage=stage,
            total_stages=stages if item.auto_warmup_enabled else None,
            status_text=f"auto warm-up stage {stage} of {stages}" if stage else "auto warm-up off",
            source=self.name,
        )

    async def _day(self, http: HttpCaller, collected: Collected, day: date) -> None:
        limit = int(provider_facts()["providers"]["sparkpost"]["metrics_limit"])
        params = {
            "from": f"{day.isoformat()}T00:00",
            "to": f"{(day + timedelta(days=1)).isoformat()}T00:00",
            "timezone": "UTC",
            "metrics": ",".join(METRICS),
            "limit": limit,
        }
        path = "/api/v1/metrics/deliverability/sending-ip"
        data = await http.get_json(path, params=params)
        rows = (await parse_payload_off_loop(MetricsList, data, f"GET {path}")).results
        if len(rows) >= limit:
            collected.notes.append(f"{day}: more than {limit} IPs, only the first {limit} read")
        for row in rows:
            ip = collected.ip_or_skip(row.get("sending_ip"))
            sent = _count(row.get("count_sent"))
            if ip is None or sent is None:
                continue
            collected.stats.append(
                DailyStat(
                    day=day,
                    ip=ip,
                    mailbox_provider=ALL_PROVIDERS,
                    sent=sent,
                    delivered=_count(row.get("count_delivered")),
                    bounced=_count(row.get("count_bounce")),
                    hard_bounced=_count(row.get("count_hard_bounce")),
                    soft_bounced=_count(row.get("count_soft_bounce")),
                    complaints=_count(row.get("count_spam_complaint")),
                    unsubscribes=_count(row.get("count_unsubscribe")),
                    opens=_count(row.get("count_unique_confirmed_opened")),
                    clicks=_count(row.get("count_unique_clicked")),
                    source=self.name,
                )
            )


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)
