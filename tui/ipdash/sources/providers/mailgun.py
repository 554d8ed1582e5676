"""Mailgun (US or EU): dedicated IPs, pools, warm-ups and per-IP daily metrics.

- ``GET /v3/ips?dedicated=true`` lists the IPs; ``GET /v3/ip_pools`` maps them to pools.
- ``GET /v3/ip_warmups`` pages by following ``paging.next`` URLs (only on the same origin, scheme, host and
  port: credentials are never sent elsewhere) until a page comes back empty. The list has no
  ``total_stages``, so each warming IP is then read from ``GET /v3/ip_warmups/{ip}``
  for its stage count (progress = stage / total_stages). The throttle's unit is not
  documented: it is shown as Mailgun states it.
- ``POST /v1/analytics/metrics`` with dimensions ip, time and (``by_mailbox_provider``,
  default on) recipient_provider gives per-(IP, provider) days; it pages by
  ``skip``/``limit`` with an explicit ``sort`` until a short page. The sort key's form is
  ``time:asc``: the published OpenAPI spec's Metrics overview says "sorted using the sort
  parameter, for example time:asc or time:desc" and its Pagination schema "column name and
  sort direction", the column being the ``time`` dimension; only its response example echoes
  ``timestamp:asc``. A 400 on the first page whose message names the sort retries once with
  that form (and says so in the poll's detail) rather than failing the source. A row's ``sent_count``
  is the only volume used: ``accepted_count`` is not per IP ("accepted events are not
  associated to IP addresses"). Blocks are ``permanent_failed_esp_block_count`` +
  ``temporary_failed_esp_block_count`` ("blocked by the ESP for policy errors and
  reputation rate limiting").
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from ipdash.domain.mailbox_providers import normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, DailyStat, IpFacts, ProviderWarmup
from ipdash.sources.providers.base import (
    Collected,
    Interrupted,
    ProviderError,
    ProviderSource,
    default_base_url,
    let_go,
    off_loop,
    parse_payload,
    parse_payload_off_loop,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy, follow_pages, origin
from ipdash.sources.providers.stat_merge import merge_by_key

METRICS = (
    "sent_count",
    "delivered_count",
    "bounced_count",
    "hard_bounces_count",
    "soft_bounces_count",
    "complained_count",
    "unsubscribed_count",
    "unique_opened_count",
    "unique_clicked_count",
    "permanent_failed_esp_block_count",
    "temporary_failed_esp_block_count",
)
#: A stable order, so that skip/limit pages do not overlap: the documented form first, then the
#: form the spec's response example echoes (mailgun/mailgun-mcp-server src/openapi.yaml @ 78d610f7).
METRICS_SORTS = ("time:asc", "timestamp:asc")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class IpDetail(_Loose):
    ip: str
    is_on_warmup: bool = False


class IpList(_Loose):
    items: list[str] = Field(default_factory=list)
    details: list[IpDetail] = Field(default_factory=list)


class Pool(_Loose):
    name: str = ""
    pool_id: str = ""
    ips: list[str] = Field(default_factory=list)


class PoolList(_Loose):
    ip_pools: list[Pool] = Field(default_factory=list)


class Warmup(_Loose):
    """Spec and official Go client name the same fields differently: accept both."""

    ip: str = ""
    sent_within_stage: str | None = None
    throttle: int | None = None
    hourly_limit: int | None = None
    stage_limit: int | None = Field(
        default=None, validation_alias=AliasChoices("stage_limit", "stage_volume_limit")
    )
    stage: int | None = Field(default=None, validation_alias=AliasChoices("stage_number", "stage"))
    total_stages: int | None = None
    stage_started: str | None = Field(
        default=None, validation_alias=AliasChoices("stage_start_time", "stage_started_at")
    )
    plan_started_at: str | None = None


class WarmupDetail(_Loose):
    details: Warmup


class Paging(_Loose):
    next: str | None = None


class WarmupPage(_Loose):
    items: list[Warmup] = Field(default_factory=list)
    paging: Paging = Field(default_factory=Paging)


class Dimension(_Loose):
    dimension: str
    value: str


class MetricsItem(_Loose):
    dimensions: list[Dimension] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)


class MetricsPage(_Loose):
    items: list[MetricsItem] = Field(default_factory=list)


class MailgunSource(ProviderSource):
    kind = "mailgun"
    provider = "mailgun"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        key = self.secret_from_env(self.spec.api_key_env, basic_users=("api",))
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("mailgun", self.spec.region),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(timeout=self.spec.timeout),
            headers={"Accept": "application/json"},
            auth=("api", key),
        )
        collected = self.collecting()
        data = await http.get_json("/v3/ips", params={"dedicated": "true"})
        ips = await parse_payload_off_loop(IpList, data, "GET /v3/ips")
        pools = await self._pools(http, collected)
        warmups = {w.ip: w for w in await self._warmups(http)}
        on_warmup = {d.ip for d in ips.details if d.is_on_warmup}
        for raw_ip in sorted(set(warmups) | on_warmup):
            detail = await self._warmup_detail(http, collected, raw_ip)
            if detail is not None:
                listed = warmups.get(raw_ip)
                merged = {
                    **(listed.model_dump(exclude_none=True) if listed else {}),
                    **detail.model_dump(exclude_none=True),
                }
                warmups[raw_ip] = Warmup.model_validate({**merged, "ip": raw_ip})
        await off_loop(self._add_ips, collected, ips, pools, warmups, on_warmup)
        await self._metrics(http, collected, since, until)
        return collected

    def _add_ips(
        self,
        collected: Collected,
        ips: IpList,
        pools: dict[str, str],
        warmups: dict[str, Warmup],
        on_warmup: set[str],
    ) -> None:
        """Each dedicated IP's facts and warm-up (off the loop: a pool of thousands of IPs)."""
        for raw_ip in dict.fromkeys([*ips.items, *(d.ip for d in ips.details)]):
            ip = collected.ip_or_skip(raw_ip)
            if ip is None:
                continue
            warmup = warmups.get(raw_ip)
            collected.facts.append(
                IpFacts(ip=ip, pool=pools.get(raw_ip), provider="mailgun", kind="dedicated", source=self.name)
            )
            collected.warmups.append(self._warmup(ip, warmup, raw_ip in on_warmup))

    async def _pools(self, http: HttpCaller, collected: Collected) -> dict[str, str]:
        try:
            data = await http.get_json("/v3/ip_pools")
        except ProviderError as error:
            if error.kind != "unavailable":
                raise
            collected.notes.append("pools unavailable (dedicated IP pools not enabled?)")
            return {}
        pools = parse_payload(PoolList, data, "GET /v3/ip_pools").ip_pools
        return {ip: pool.name or pool.pool_id for pool in pools for ip in pool.ips}

    async def _warmups(self, http: HttpCaller) -> list[Warmup]:
        limit = int(provider_facts()["providers"]["mailgun"]["page_size"])
        base_origin = origin(http.base_url)

        async def page(url: str) -> tuple[list[Warmup], str | None]:
            params = None if url.startswith("http") else {"limit": limit}
            body = parse_payload(WarmupPage, await http.get_json(url, params=params), "GET /v3/ip_warmups")
            following = body.paging.next
            if not body.items or not following or not following.startswith("http"):
                return body.items, None
            if origin(following) != base_origin:
                raise ProviderError(
                    "bad_payload",
                    "GET /v3/ip_warmups: paging.next points at another origin (scheme, host, port)",
                )
            return body.items, following

        return await follow_pages(
            "/v3/ip_warmups", page, max_pages=http.policy.max_pages, what="GET /v3/ip_warmups"
        )

    async def _warmup_detail(self, http: HttpCaller, collected: Collected, raw_ip: str) -> Warmup | None:
        """The one-IP warm-up (with total_stages); a missing one keeps what the list said."""
        path = f"/v3/ip_warmups/{quote(raw_ip, safe='')}"
        try:
            data = await http.get_json(path)
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            collected.notes.append(f"warm-up detail for {raw_ip} unavailable ({error.kind})")
            return None
        return parse_payload(WarmupDetail, data, "GET /v3/ip_warmups/{ip}").details

    def _warmup(self, ip: str, warmup: Warmup | None, flagged: bool) -> ProviderWarmup:
        if warmup is None:
            return ProviderWarmup(
                ip=ip,
                provider="mailgun",
                active=flagged,
                status_text="warming" if flagged else "not warming",
                source=self.name,
            )
        progress = None
        if warmup.stage and warmup.total_stages:
            progress = min(1.0, max(0.0, warmup.stage / warmup.total_stages))
        parts = [f"stage {warmup.stage}" + (f" of {warmup.total_stages}" if warmup.total_stages else "")]
        if warmup.sent_within_stage:
            parts.append(f"{warmup.sent_within_stage} of stage sent")
        if warmup.stage_limit is not None:
            parts.append(f"stage limit {warmup.stage_limit}")
        if warmup.hourly_limit is not None:
            parts.append(f"hourly limit {warmup.hourly_limit}")
        if warmup.throttle is not None:  # Mailgun does not document the unit: shown as stated
            parts.append(f"throttle {warmup.throttle}")
        return ProviderWarmup(
            ip=ip,
            provider="mailgun",
            active=True,
            progress=progress,
            stage=warmup.stage,
            total_stages=warmup.total_stages,
            started_on=_rfc3339_day(warmup.plan_started_at or warmup.stage_started),
            status_text=", ".join(parts),
            source=self.name,
        )

    async def _metrics(self, http: HttpCaller, collected: Collected, since: date, until: date) -> None:
        self.unsent_rows = 0
        limit = int(provider_facts()["providers"]["mailgun"]["page_size"])
        start = datetime.combine(since, time(), UTC)
        end = datetime.combine(until + timedelta(days=1), time(), UTC)
        dimensions = ["time", "ip", *(["recipient_provider"] if self.spec.by_mailbox_provider else [])]
        sorts = list(METRICS_SORTS)

        async def page(skip: int) -> tuple[list[MetricsItem], int | None]:
            while True:
                body = {
                    "start": format_datetime(start),
                    "end": format_datetime(end),
                    "resolution": "day",
                    "dimensions": dimensions,
                    "metrics": list(METRICS),
                    "include_aggregates": False,
                    "pagination": {"sort": sorts[0], "skip": skip, "limit": limit},
                }
                try:
                    data = await http.post_json("/v1/analytics/metrics", body)
                    break
                except ProviderError as error:
                    if skip != 0 or len(sorts) < 2 or not _refuses_sort(error):
                        raise
                    collected.notes.append(
                        f"metrics sort {sorts[0]!r} refused ({error.detail[:120]}), used {sorts[1]!r}"
                    )
                    sorts.pop(0)
            items = (await parse_payload_off_loop(MetricsPage, data, "POST /v1/analytics/metrics")).items
            return items, (skip + limit if len(items) >= limit else None)

        try:
            items = await follow_pages(
                0, page, max_pages=http.policy.max_pages, what="POST /v1/analytics/metrics"
            )
        except Interrupted as stop:  # sorted by time: the days before the last one seen are whole
            await off_loop(self._add_stats, collected, stop.items, whole_days_only=True)
            raise
        await off_loop(self._add_stats, collected, items)  # a row per IP, day and provider

    def _add_stats(
        self, collected: Collected, items: list[MetricsItem], *, whole_days_only: bool = False
    ) -> None:
        """The items' daily stats into ``collected``; the items are let go meanwhile (emptied)."""
        stats = [stat for item in items if (stat := self._daily_stat(item, collected)) is not None]
        let_go(items)
        if whole_days_only and stats:
            last = max(stat.day for stat in stats)
            stats = [stat for stat in stats if stat.day < last]
        collected.stats.extend(merge_by_key(stats))
        if self.unsent_rows:
            collected.notes.append(f"{self.unsent_rows} metric rows without sent_count skipped")

    def _daily_stat(self, item: MetricsItem, collected: Collected) -> DailyStat | None:
        dimensions = {d.dimension: d.value for d in item.dimensions}
        ip = collected.ip_or_skip(dimensions.get("ip"))
        day = _rfc2822_day(dimensions.get("time"))
        if ip is None or day is None:
            return None
        counts = {name: _count(item.metrics.get(name)) for name in METRICS}
        sent = counts["sent_count"]
        if sent is None:
            self.unsent_rows += 1
            return None
        blocks = [counts["permanent_failed_esp_block_count"], counts["temporary_failed_esp_block_count"]]
        provider = dimensions.get("recipient_provider")
        return DailyStat(
            day=day,
            ip=ip,
            mailbox_provider=ALL_PROVIDERS if provider is None else normalise_mailbox_provider(provider),
            blocked=None if all(b is None for b in blocks) else sum(b or 0 for b in blocks),
            sent=sent,
            delivered=counts["delivered_count"],
            bounced=counts["bounced_count"],
            hard_bounced=counts["hard_bounces_count"],
            soft_bounced=counts["soft_bounces_count"],
            complaints=counts["complained_count"],
            unsubscribes=counts["unsubscribed_count"],
            opens=counts["unique_opened_count"],
            clicks=counts["unique_clicked_count"],
            source=self.name,
        )


def _refuses_sort(error: ProviderError) -> bool:
    """A 400 whose message names the sort (the field or its value), not any bad request."""
    if error.status != 400:
        return False
    message = error.detail.lower()
    return "sort" in message or "time:asc" in message


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _rfc2822_day(text: str | None) -> date | None:
    """The day of an RFC 2822 time, in its own offset. A poll's rows name a handful of days, each
    in thousands of rows: each distinct text is parsed once (email.utils parses in Python)."""
    if not text:
        return None
    if type(text) is str and len(text) <= _MEMO_TEXT_LENGTH:
        return _rfc2822_day_memo(text)
    return _parse_rfc2822_day(text)


#: Longer texts are never one time worth remembering.
_MEMO_TEXT_LENGTH = 64


@functools.lru_cache(maxsize=4096)
def _rfc2822_day_memo(text: str) -> date | None:
    return _parse_rfc2822_day(text)


def _parse_rfc2822_day(text: str) -> date | None:
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        return None


def _rfc3339_day(text: str | None) -> date | None:
    if not text or text.startswith("0001-01-01"):  # Go's zero time means "not set"
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")[:19]).date()
    except ValueError:
        return None
