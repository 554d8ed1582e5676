"""SparkPost (US or EU): sending IPs with pool and auto warm-up stage, per-IP daily metrics.

Per-IP days come from ``/api/v1/metrics/deliverability/sending-ip`` asked once per day
(``from``/``to`` bound the day in UTC, results are grouped by IP). With
``by_mailbox_provider`` (default on), each (day, IP) is then split by mailbox provider
from ``/api/v1/metrics/deliverability/mailbox-provider?sending_ips=<ip>``: N days × M IPs
more requests. What the split does not cover (providers SparkPost does not name, or a
failed split call) stays on the IP as ``other`` so that the IP's totals are unchanged.
Only metrics the Metrics API documents are requested (an unknown one is a 400 that
would fail every day); ``count_block_bounce`` ("bounced due to an IP block") is the
block count. SparkPost publishes no rate-limit headers and asks for a 1-5 s wait
after a 429, which the retry policy does.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.mailbox_providers import OTHER, normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, DailyStat, IpFacts, ProviderWarmup
from ipdash.sources.providers.base import (
    Collected,
    ProviderError,
    ProviderSource,
    day_range,
    default_base_url,
    parse_payload,
    parse_payload_off_loop,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy
from ipdash.sources.providers.stat_merge import add_stats

#: SparkPost metric -> DailyStat field. Every name is in the Metrics API's documented list.
METRICS: dict[str, str] = {
    "count_sent": "sent",
    "count_delivered": "delivered",
    "count_bounce": "bounced",
    "count_hard_bounce": "hard_bounced",
    "count_soft_bounce": "soft_bounced",
    "count_block_bounce": "blocked",
    "count_spam_complaint": "complaints",
    "count_unique_confirmed_opened": "opens",
    "count_unique_clicked": "clicks",
}
COUNT_FIELDS = tuple(field for field in METRICS.values() if field != "sent")
SENDING_IP_PATH = "/api/v1/metrics/deliverability/sending-ip"
MAILBOX_PROVIDER_PATH = "/api/v1/metrics/deliverability/mailbox-provider"


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
        facts = provider_facts()["providers"]["sparkpost"]
        low, high = facts["rate_limit_wait_seconds"]
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("sparkpost", self.spec.region),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(
                timeout=self.spec.timeout, unstated_429_wait=(float(low), float(high))
            ),
            headers={"Authorization": key, "Accept": "application/json"},
        )
        collected = self.collecting()
        data = await http.get_json("/api/v1/sending-ips")
        ips = await parse_payload_off_loop(SendingIpList, data, "GET /api/v1/sending-ips")
        # Off the loop: a pool of thousands of IPs is thousands of facts and warm-ups.
        await asyncio.to_thread(self._add_ips, collected, ips.results, int(facts["auto_warmup_stages"]))
        for day in day_range(since, until):
            await self._day(http, collected, day)
        return collected

    def _add_ips(self, collected: Collected, items: list[SendingIp], stages: int) -> None:
        for item in items:
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

    def _params(self, day: date) -> dict[str, Any]:
        return {
            "from": f"{day.isoformat()}T00:00",
            "to": f"{(day + timedelta(days=1)).isoformat()}T00:00",
            "timezone": "UTC",
            "metrics": ",".join(METRICS),
            "limit": int(provider_facts()["providers"]["sparkpost"]["metrics_limit"]),
        }

    async def _day(self, http: HttpCaller, collected: Collected, day: date) -> None:
        params = self._params(day)
        data = await http.get_json(SENDING_IP_PATH, params=params)
        rows = (await parse_payload_off_loop(MetricsList, data, f"GET {SENDING_IP_PATH}")).results
        if len(rows) >= params["limit"]:
            collected.notes.append(
                f"{day}: more than {params['limit']} IPs, only the first {params['limit']} read"
            )
        # The IPs' day totals off the loop (a row each); the splits are a request each, on it.
        totals = await asyncio.to_thread(self._totals, collected, rows, day)
        for total in totals:
            if self.spec.by_mailbox_provider and total.sent > 0:
                collected.stats.extend(await self._split(http, collected, total))
            else:
                collected.stats.append(total)

    def _totals(self, collected: Collected, rows: list[dict[str, Any]], day: date) -> list[DailyStat]:
        totals = []
        for row in rows:
            ip = collected.ip_or_skip(row.get("sending_ip"))
            total = self._stat(row, day, ip or "", ALL_PROVIDERS)
            if ip is not None and total is not None:
                totals.append(total)
        return totals

    def _stat(self, row: dict[str, Any], day: date, ip: str, provider: str) -> DailyStat | None:
        values = {ours: _count(row.get(theirs)) for theirs, ours in METRICS.items()}
        sent = values.pop("sent")
        if sent is None:
            return None
        return DailyStat(day=day, ip=ip, mailbox_provider=provider, sent=sent, source=self.name, **values)

    async def _split(self, http: HttpCaller, collected: Collected, total: DailyStat) -> list[DailyStat]:
        """The IP's day by mailbox provider; the part the split does not name stays as ``other``."""
        params = {**self._params(total.day), "sending_ips": total.ip}
        try:
            data = await http.get_json(MAILBOX_PROVIDER_PATH, params=params)
            rows = parse_payload(MetricsList, data, f"GET {MAILBOX_PROVIDER_PATH}").results
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            collected.notes.append(f"{total.day} {total.ip}: no mailbox-provider split ({error.kind})")
            return [replace(total, mailbox_provider=OTHER)]
        merged: dict[str, DailyStat] = {}
        for row in rows:
            provider = normalise_mailbox_provider(str(row.get("mailbox_provider") or ""))
            stat = self._stat(row, total.day, total.ip, provider)
            if stat is not None:
                merged[provider] = add_stats(merged[provider], stat) if provider in merged else stat
        rest = _subtract(total, list(merged.values()))
        if rest is not None:
            merged[OTHER] = add_stats(merged[OTHER], rest) if OTHER in merged else rest
        return list(merged.values())


def _subtract(total: DailyStat, parts: list[DailyStat]) -> DailyStat | None:
    """What the IP total sent beyond the named providers (counts never negative), or None when
    the named providers account for every message sent."""
    sent = total.sent - sum(p.sent for p in parts)
    values: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        whole = getattr(total, name)
        named = [getattr(p, name) for p in parts if getattr(p, name) is not None]
        values[name] = None if whole is None else max(0, whole - sum(named))
    if sent <= 0:
        return None
    return replace(total, mailbox_provider=OTHER, sent=sent, **values)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)
