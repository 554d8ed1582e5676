"""Twilio SendGrid v3: dedicated IPs with pools and warm-up (``/v3/ips``) and account stats.

SendGrid has no per-IP statistics endpoint, so daily counts are account-level
(``/v3/stats``) and land as :class:`AccountDay`, with ``blocks`` ("not allowed to be
delivered by ISPs") as the account's block count; every IP is still listed with its
pool and warm-up state. SendGrid exposes only "warming since", not a percentage.

With ``by_mailbox_provider`` (default on) the account's days are also read per mailbox
provider from ``/v3/mailbox_providers/stats`` (SendGrid's own grouping: "Gmail", "Microsoft",
"Yahoo" … ~250 names) and land as AccountDays with scope ``account @ gmail.com``, judged with
the levels an IP's Gmail rows get. Names ipdash does not group are summed as ``other``. Gmail
sends no per-message complaint reports to ESPs (its feedback loop is aggregate, in Postmaster
Tools), so SendGrid's Gmail ``spam_reports`` are not Gmail users' complaints: that count is
kept unknown, never a 0% complaint rate (``no_complaint_feedback`` in data/providers.json).
SendGrid keeps only a few days of these advanced stats; a failing call keeps the totals and
says why in the poll's detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import httpx
from pydantic import BaseModel, ConfigDict, Field, RootModel

from ipdash.domain.accounts import provider_scope
from ipdash.domain.mailbox_providers import normalise_mailbox_provider
from ipdash.domain.models import AccountDay, IpFacts, ProviderWarmup
from ipdash.sources.providers.base import (
    Collected,
    Interrupted,
    ProviderError,
    ProviderSource,
    default_base_url,
    from_unix,
    off_loop,
    parse_payload,
    parse_payload_off_loop,
    provider_facts,
)
from ipdash.sources.providers.http import HttpCaller, RetryPolicy, follow_pages


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SendgridIp(_Loose):
    ip: str
    pools: list[str] = Field(default_factory=list)
    warmup: bool = False
    start_date: float | None = None
    rdns: str | None = None
    whitelabeled: bool = False


class SendgridIpList(RootModel[list[SendgridIp]]):
    pass


class SendgridMetrics(_Loose):
    processed: int | None = None
    delivered: int | None = None
    bounces: int | None = None
    blocks: int | None = None
    spam_reports: int | None = None
    unique_opens: int | None = None
    unique_clicks: int | None = None
    unsubscribes: int | None = None


class SendgridStatEntry(_Loose):
    metrics: SendgridMetrics
    type: str = ""
    name: str = ""


class SendgridStatDay(_Loose):
    date: date
    stats: list[SendgridStatEntry] = Field(default_factory=list)


class SendgridStats(RootModel[list[SendgridStatDay]]):
    pass


class SendgridSource(ProviderSource):
    kind = "sendgrid"
    provider = "sendgrid"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        key = self.secret_from_env(self.spec.api_key_env)
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("sendgrid", self.spec.region),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(timeout=self.spec.timeout),
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        )
        collected = self.collecting()
        try:
            ips = await self._ips(http)
        except Interrupted as stop:  # each IP of the pages fetched is whole
            await off_loop(self._add_ips, collected, stop.items)
            raise
        await off_loop(self._add_ips, collected, ips)  # thousands of facts and warm-ups
        await self._stats(http, collected, since, until)
        if self.spec.by_mailbox_provider:
            await self._mailbox_provider_stats(http, collected, since, until)
        return collected

    async def _ips(self, http: HttpCaller) -> list[SendgridIp]:
        limit = int(provider_facts()["providers"]["sendgrid"]["page_size"])

        async def page(offset: int) -> tuple[list[SendgridIp], int | None]:
            data = await http.get_json("/v3/ips", params={"limit": limit, "offset": offset})
            items = (await parse_payload_off_loop(SendgridIpList, data, "GET /v3/ips")).root
            return items, (offset + limit if len(items) >= limit else None)

        return await follow_pages(0, page, max_pages=http.policy.max_pages, what="GET /v3/ips")

    def _add_ips(self, collected: Collected, items: list[SendgridIp]) -> None:
        for item in items:
            self._add_ip(collected, item)

    def _add_ip(self, collected: Collected, item: SendgridIp) -> None:
        ip = collected.ip_or_skip(item.ip)
        if ip is None:
            return
        started = from_unix(item.start_date)
        collected.facts.append(
            IpFacts(
                ip=ip,
                pool=", ".join(item.pools) or None,
                provider="sendgrid",
                kind="dedicated",
                warmup_start=started if item.warmup else None,
                rdns=item.rdns,
                source=self.name,
            )
        )
        collected.warmups.append(
            ProviderWarmup(
                ip=ip,
                provider="sendgrid",
                active=item.warmup,
                started_on=started if item.warmup else None,
                status_text=(
                    f"warming since {started.isoformat()}"
                    if item.warmup and started
                    else "warming"
                    if item.warmup
                    else "not warming"
                ),
                source=self.name,
            )
        )

    def _stats_headers(self) -> dict[str, str] | None:
        return {"on-behalf-of": self.spec.on_behalf_of} if self.spec.on_behalf_of else None

    async def _stats(self, http: HttpCaller, collected: Collected, since: date, until: date) -> None:
        params = {"start_date": since.isoformat(), "end_date": until.isoformat(), "aggregated_by": "day"}
        data = await http.get_json("/v3/stats", params=params, headers=self._stats_headers())
        days = parse_payload(SendgridStats, data, "GET /v3/stats").root
        for day in days:
            metrics = [entry.metrics for entry in day.stats]
            if metrics:
                collected.account_days.append(
                    self._account_day(day.date, "account", metrics, complaints=True)
                )

    async def _mailbox_provider_stats(
        self, http: HttpCaller, collected: Collected, since: date, until: date
    ) -> None:
        """The account's days per mailbox provider; a failure here keeps the totals, with a note."""
        what = "GET /v3/mailbox_providers/stats"
        limit = int(provider_facts()["providers"]["sendgrid"]["page_size"])

        async def page(offset: int) -> tuple[list[SendgridStatDay], int | None]:
            params = {
                "start_date": since.isoformat(),
                "end_date": until.isoformat(),
                "aggregated_by": "day",
                "limit": limit,
                "offset": offset,
            }
            data = await http.get_json(
                "/v3/mailbox_providers/stats", params=params, headers=self._stats_headers()
            )
            days = (await parse_payload_off_loop(SendgridStats, data, what)).root
            return days, (offset + limit if len(days) >= limit else None)

        try:
            days = await follow_pages(0, page, max_pages=http.policy.max_pages, what=what)
        except ProviderError as error:
            if error.kind == "config":
                raise
            collected.notes.append(f"no mailbox-provider split ({error.kind}: {error.detail[:160]})")
            return
        silent = set(provider_facts()["providers"]["sendgrid"]["no_complaint_feedback"])
        grouped: dict[tuple[date, str], list[SendgridMetrics]] = {}
        for day in days:
            for entry in day.stats:
                if entry.type and entry.type != "mailbox_provider":
                    continue
                mailbox_provider = normalise_mailbox_provider(entry.name)
                grouped.setdefault((day.date, mailbox_provider), []).append(entry.metrics)
        for (day_date, mailbox_provider), metrics in sorted(grouped.items()):
            collected.account_days.append(
                self._account_day(
                    day_date,
                    provider_scope("account", mailbox_provider),
                    metrics,
                    complaints=mailbox_provider not in silent,
                )
            )

    def _account_day(
        self, day: date, scope: str, metrics: list[SendgridMetrics], *, complaints: bool
    ) -> AccountDay:
        return AccountDay(
            day=day,
            scope=scope,
            provider="sendgrid",
            sent=_total(m.processed for m in metrics),
            delivered=_total(m.delivered for m in metrics),
            bounced=_total(m.bounces for m in metrics),
            blocked=_total(m.blocks for m in metrics),
            complaints=_total(m.spam_reports for m in metrics) if complaints else None,
            opens=_total(m.unique_opens for m in metrics),
            clicks=_total(m.unique_clicks for m in metrics),
            source=self.name,
        )


def _total(values: Iterable[int | None]) -> int | None:
    present = [value for value in values if value is not None]
    return sum(present) if present else None
