"""SparkPost (US or EU): sending IPs with pool and auto warm-up stage, per-IP daily metrics.

Per-IP days come from ``/api/v1/metrics/deliverability/sending-ip`` asked once per day
(``from``/``to`` bound the day in UTC, results are grouped by IP). With
``by_mailbox_provider`` (default on), each day is then split by mailbox provider: the day's
providers from ``/api/v1/metrics/deliverability/mailbox-provider`` (grouped by provider), then
for each one ipdash groups (Gmail, "Hotmail / Outlook", "Verizon Media Group" …) the same
sending-ip endpoint filtered by it (``mailbox_providers=<name>``): every IP's counts there in one
answer, so a day costs 2 + P requests (P named providers), not one per IP. What the named
providers do not cover (the ones ipdash does not group, the ones SparkPost does not name, or a
failed split) stays on the IP as ``other`` so that the IP's totals are unchanged. The days'
requests go out together, at most ``MAX_IN_FLIGHT`` at once.
Only metrics the Metrics API documents are requested (an unknown one is a 400 that
would fail every day); ``count_block_bounce`` ("bounced due to an IP block") is the
block count. SparkPost publishes no rate-limit headers and asks for a 1-5 s wait
after a 429, which the retry policy does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.mailbox_providers import OTHER, normalise_mailbox_provider
from ipdash.domain.models import ALL_PROVIDERS, DailyStat, IpFacts, ProviderWarmup, canonical_ip
from ipdash.sources.providers.base import (
    Collected,
    ProviderError,
    ProviderSource,
    day_range,
    default_base_url,
    off_loop,
    parse_payload_off_loop,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, InFlightLimit, RetryPolicy, all_or_first_failure
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
#: Metrics requests one source keeps in flight: SparkPost's rate limit is dynamic and unpublished
#: (a 429 asks for a 1-5 s wait), so a small bound, halved by every 429.
MAX_IN_FLIGHT = 4
#: A request each per day: more spellings than this of the providers ipdash groups (it knows ~40)
#: is an answer not to follow, not an account.
MAX_NAMED_PROVIDERS = 60
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
            in_flight=InFlightLimit(MAX_IN_FLIGHT),
        )
        collected = self.collecting()
        data = await http.get_json("/api/v1/sending-ips")
        ips = await parse_payload_off_loop(SendingIpList, data, "GET /api/v1/sending-ips")
        # Off the loop: a pool of thousands of IPs is thousands of facts and warm-ups.
        await off_loop(self._add_ips, collected, ips.results, int(facts["auto_warmup_stages"]))
        await self._days(http, collected, day_range(since, until))
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

    def _params(self, day: date, metrics: str = ",".join(METRICS)) -> dict[str, Any]:
        return {
            "from": f"{day.isoformat()}T00:00",
            "to": f"{(day + timedelta(days=1)).isoformat()}T00:00",
            "timezone": "UTC",
            "metrics": metrics,
            "limit": int(provider_facts()["providers"]["sparkpost"]["metrics_limit"]),
        }

    async def _days(self, http: HttpCaller, collected: Collected, days: list[date]) -> None:
        """Every day's records, the days' requests in flight together (the caller bounds them); a
        day is added whole once its requests are all answered, so a stopped poll keeps whole days."""
        by_day: dict[date, tuple[list[DailyStat], list[str]]] = {}

        async def one(day: date) -> None:
            stats, notes = await self._day(http, collected, day)
            by_day[day] = (stats, notes)
            collected.stats.extend(stats)
            collected.notes.extend(notes)

        await all_or_first_failure(one(day) for day in days)
        # In day order, whatever order the answers came in.
        collected.stats[:] = [stat for day in days for stat in by_day[day][0]]
        collected.notes[:] = [note for day in days for note in by_day[day][1]]

    async def _day(
        self, http: HttpCaller, collected: Collected, day: date
    ) -> tuple[list[DailyStat], list[str]]:
        params = self._params(day)
        data = await http.get_json(SENDING_IP_PATH, params=params)
        # The IPs' day totals off the loop (a row each).
        totals, skipped = await off_loop(self._totals, data, day)
        collected.skipped_ips += skipped
        notes = []
        if totals.read >= params["limit"]:
            notes.append(f"{day}: more than {params['limit']} IPs, only the first {params['limit']} read")
        if not (self.spec.by_mailbox_provider and any(total.sent > 0 for total in totals.stats)):
            return totals.stats, notes
        try:
            names = await self._named_providers(http, day)
            parts = await all_or_first_failure(self._provider_rows(http, day, name) for name in names)
        except ProviderError as error:
            if error.kind in ("auth", "config"):
                raise
            notes.append(f"{day}: no mailbox-provider split ({error.kind})")
            return [_whole(total) for total in totals.stats], notes
        stats, cut = await off_loop(self._split, day, totals.stats, list(zip(names, parts, strict=True)))
        if cut:
            notes.append(
                f"{day}: more than {params['limit']} IPs sent to one mailbox provider, "
                f"{cut} IPs' days kept whole as other"
            )
        return stats, notes

    def _totals(self, data: Any, day: date) -> tuple[_Totals, int]:
        rows = metric_rows(data, f"GET {SENDING_IP_PATH}")
        scratch = Collected()  # its own skip count: several days' totals are built at once
        totals = _Totals(read=len(rows))
        for row in rows:
            ip = scratch.ip_or_skip(row.get("sending_ip"))
            total = self._stat(row, day, ip or "", ALL_PROVIDERS)
            if ip is not None and total is not None:
                totals.stats.append(total)
        return totals, scratch.skipped_ips

    def _stat(self, row: dict[str, Any], day: date, ip: str, provider: str) -> DailyStat | None:
        values = {ours: _count(row.get(theirs)) for theirs, ours in METRICS.items()}
        sent = values.pop("sent")
        if sent is None:
            return None
        return DailyStat(day=day, ip=ip, mailbox_provider=provider, sent=sent, source=self.name, **values)

    async def _named_providers(self, http: HttpCaller, day: date) -> list[str]:
        """SparkPost's names of the day's mailbox providers that ipdash groups (Gmail, "Hotmail /
        Outlook" …). The ones it does not group are never asked for: the IP's total less the
        named ones is their ``other``, as SparkPost's own split of an IP would add up to."""
        data = await http.get_json(MAILBOX_PROVIDER_PATH, params=self._params(day, metrics="count_sent"))
        rows = metric_rows(data, f"GET {MAILBOX_PROVIDER_PATH}")
        names: dict[str, None] = {}
        for row in rows:
            name = row.get("mailbox_provider")
            if isinstance(name, str) and normalise_mailbox_provider(name) != OTHER:
                names[name] = None
        if len(names) > MAX_NAMED_PROVIDERS:
            raise ProviderError(
                "bad_payload",
                f"GET {MAILBOX_PROVIDER_PATH}: {len(names)} spellings of the providers ipdash groups "
                f"(more than {MAX_NAMED_PROVIDERS}), not asked one by one",
            )
        return list(names)

    async def _provider_rows(
        self, http: HttpCaller, day: date, name: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """The day's IPs' counts at one mailbox provider (grouped by sending IP, filtered by the
        provider), and whether ``limit`` cut the answer."""
        delimiter = next(mark for mark in (",", ";", "|", "\t", "~") if mark not in name)
        params = {**self._params(day), "mailbox_providers": name}
        if delimiter != ",":
            params["delimiter"] = delimiter
        data = await http.get_json(SENDING_IP_PATH, params=params)
        rows = await off_loop(metric_rows, data, f"GET {SENDING_IP_PATH}")
        return rows, len(rows) >= params["limit"]

    def _split(
        self, day: date, totals: list[DailyStat], parts: list[tuple[str, tuple[list[dict[str, Any]], bool]]]
    ) -> tuple[list[DailyStat], int]:
        """Each IP's day by mailbox provider; the part the named providers do not cover stays as
        ``other`` so that the IP's totals are unchanged. An IP missing from an answer ``limit``
        cut is unknown there: its day stays whole as ``other``. Returns the records and how many
        IPs' days were kept whole so."""
        by_ip: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        unsure: set[str] = set()
        for name, (rows, cut) in parts:
            provider = normalise_mailbox_provider(name)
            answered = set()
            for row in rows:
                ip = _canonical_or_none(row.get("sending_ip"))
                if ip is not None:
                    by_ip.setdefault(ip, []).append((provider, row))
                    answered.add(ip)
            if cut:
                unsure.update(total.ip for total in totals if total.ip not in answered)
        stats: list[DailyStat] = []
        for total in totals:
            if total.sent <= 0:
                stats.append(total)
            elif total.ip in unsure:
                stats.append(_whole(total))
            else:
                stats.extend(self._ip_split(day, total, by_ip.get(total.ip, [])))
        return stats, len(unsure)

    def _ip_split(
        self, day: date, total: DailyStat, rows: list[tuple[str, dict[str, Any]]]
    ) -> list[DailyStat]:
        merged: dict[str, DailyStat] = {}
        for provider, row in rows:
            stat = self._stat(row, day, total.ip, provider)
            if stat is not None:
                merged[provider] = add_stats(merged[provider], stat) if provider in merged else stat
        rest = _subtract(total, list(merged.values()))
        if rest is not None:
            merged[OTHER] = add_stats(merged[OTHER], rest) if OTHER in merged else rest
        return list(merged.values())


@dataclass(slots=True)
class _Totals:
    read: int
    stats: list[DailyStat] = field(default_factory=list)


def metric_rows(data: Any, what: str) -> list[dict[str, Any]]:
    """The ``results`` rows of a Metrics API answer. Checked by hand rather than by a pydantic
    model: validating a 10,000-row answer is one call that holds the GIL throughout, and the
    event loop waits for it; this loop lets the loop in between rows."""
    if not isinstance(data, dict):
        raise ProviderError("bad_payload", f"{what}: unexpected response shape at (top level): not an object")
    rows = data.get("results", [])
    if not isinstance(rows, list):
        raise ProviderError("bad_payload", f"{what}: unexpected response shape at results: not a list")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ProviderError(
                "bad_payload", f"{what}: unexpected response shape at results.{index}: not an object"
            )
    return rows


def _whole(total: DailyStat) -> DailyStat:
    """An IP's day whose split is unknown: all of it as ``other`` (its totals unchanged)."""
    return replace(total, mailbox_provider=OTHER) if total.sent > 0 else total


def _canonical_or_none(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        return canonical_ip(text)
    except ValueError:
        return None


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
    if value.__class__ is int:  # nearly every value: answered first (half a million a 10k-IP poll)
        return value if value >= 0 else None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)
