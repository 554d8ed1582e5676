"""Alerts: new breaches and listings to a webhook (Slack-compatible JSON) and/or a command,
once per new condition, with a recovery message when it clears.

Which conditions are open is kept in the history store, so a restart neither repeats
an alert nor forgets to send its recovery. A condition from a source clears only after
that source polled successfully without it: a failing source never "recovers" anything.
Delivery that fails leaves the condition unopened, so it is retried on the next poll.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ipdash.domain.feed import FeedItem
from ipdash.domain.models import PollResult, SourceInfo, SourceState
from ipdash.sources.alert_command import run_alert_command
from ipdash.sources.config_file import ConfigError
from ipdash.sources.providers.base import SECRET_FILTER
from ipdash.sources.store.base import AlertRecord, HistoryStore

Severity = Literal["warning", "critical"]
BREACH_SOURCE = "thresholds"
SOURCES_SOURCE = "sources"


class AlertSettings(BaseModel):
    """The ``[alerts]`` config table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook_url_env: str | None = None
    """Environment variable holding the webhook URL (it is a secret: never in the file)."""
    command: list[str] | str | None = None
    """Program run per alert with the alert as JSON on stdin, e.g. ["notify", "--urgent"]."""
    min_severity: Severity = "warning"
    recovery: bool = True
    """Also send a message when a condition clears."""
    timeout: float = Field(default=15.0, gt=0, le=120)

    @field_validator("webhook_url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "a").isalnum():
            raise ValueError("must name an environment variable, not hold the URL itself")
        return value

    def argv(self) -> list[str] | None:
        if self.command is None:
            return None
        return shlex.split(self.command) if isinstance(self.command, str) else list(self.command)


def alert_settings(raw: Mapping[str, Any], config_path: object = None) -> AlertSettings:
    try:
        return AlertSettings.model_validate(raw)
    except ValidationError as error:
        where = str(config_path) if config_path else "config"
        raise ConfigError(
            "\n".join(f"{where}: alerts.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        ) from error


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    source: str
    severity: Severity
    title: str
    reason: str
    ip: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "severity": self.severity,
            "title": self.title,
            "reason": self.reason,
            "ip": self.ip,
        }


def conditions_from_result(result: PollResult) -> list[Condition]:
    """Listings, SNDS red/yellow verdicts (latest day per IP) and account enforcement from one poll."""
    found: list[Condition] = []
    for listing in result.listings:
        if listing.listed:
            found.append(
                Condition(
                    key=f"listing:{result.source}:{listing.ip}:{listing.list_name}",
                    source=result.source,
                    severity="critical",
                    title=f"{listing.ip} listed on {listing.list_name}",
                    reason=listing.reason or f"reported by {result.source}",
                    ip=listing.ip,
                )
            )
    latest: dict[str, Any] = {}
    for day in result.snds:
        if day.ip not in latest or day.day > latest[day.ip].day:
            latest[day.ip] = day
    for ip, day in sorted(latest.items()):
        if day.filter_result in ("RED", "YELLOW"):
            found.append(
                Condition(
                    key=f"snds:{result.source}:{ip}",
                    source=result.source,
                    severity="critical" if day.filter_result == "RED" else "warning",
                    title=f"{ip} is {day.filter_result} in Microsoft SNDS",
                    reason=f"{day.day}: filter result {day.filter_result}, complaint rate {day.complaint_rate_text}, "
                    f"{day.trap_hits} trap hits",
                    ip=ip,
                )
            )
    for account in result.account_days:
        if account.status and account.status.upper() not in ("HEALTHY", "OK"):
            found.append(
                Condition(
                    key=f"account:{result.source}:{account.scope}",
                    source=result.source,
                    severity="critical",
                    title=f"{result.source} account status {account.status}",
                    reason=f"{account.provider} reports {account.status} for {account.scope} on {account.day}",
                )
            )
    return found


def conditions_from_breaches(breaches: Iterable[FeedItem]) -> list[Condition]:
    """Every breach of the analysis (thresholds, warm-up, listings, rDNS, SNDS, account) as conditions."""
    return [
        Condition(
            key=_breach_key(b),
            source=BREACH_SOURCE,
            severity="critical" if b.severity == "critical" else "warning",
            title=f"{b.ip} {b.what} ({b.severity})",
            reason=b.reason or b.detail,
            ip=b.ip if b.kind != "account" else None,
        )
        for b in breaches
    ]


def conditions_from_sources(sources: Iterable[SourceInfo]) -> list[Condition]:
    """A stale or failed source (a provider whose last poll failed, a file that could not be read):
    its numbers stop moving, so the verdicts drawn from it age without saying so."""
    found = []
    for info in sources:
        if info.state not in (SourceState.STALE, SourceState.FAILED):
            continue
        found.append(
            Condition(
                key=f"source:{info.name}",
                source=SOURCES_SOURCE,
                severity="critical" if info.state is SourceState.FAILED else "warning",
                title=f"source {info.name} is {info.state.value}",
                reason=info.detail or info.state.value,
            )
        )
    return found


def _breach_key(breach: FeedItem) -> str:
    if breach.kind == "threshold":  # the key alerts were sent under before other kinds joined
        return f"breach:{breach.ip}:{breach.scope}:{breach.metric}"
    return f"breach:{breach.ip}:{breach.kind}:{breach.scope}:{breach.metric}"


def plan_alerts(
    open_alerts: Mapping[str, AlertRecord],
    current: Sequence[Condition],
    evaluated_sources: set[str],
    min_severity: Severity = "warning",
) -> tuple[list[Condition], list[AlertRecord]]:
    """(conditions to alert now, open alerts to recover). Pure."""
    wanted = [c for c in current if min_severity == "warning" or c.severity == "critical"]
    keys = {c.key for c in wanted}
    new = [c for c in dict((c.key, c) for c in wanted).values() if c.key not in open_alerts]
    cleared = [r for k, r in open_alerts.items() if k not in keys and r.source in evaluated_sources]
    return new, cleared


def message_text(condition_or_record: Condition | AlertRecord, *, recovered: bool) -> str:
    data = (
        condition_or_record.payload
        if isinstance(condition_or_record, AlertRecord)
        else condition_or_record.payload()
    )
    if recovered:
        return f"✓ ipdash recovered: {data.get('title', condition_or_record.key)}"
    marker = "✗ CRITICAL" if data["severity"] == "critical" else "! warning"
    return f"{marker} ipdash: {data['title']}: {data['reason']}"


class AlertDispatcher:
    def __init__(
        self, settings: AlertSettings, store: HistoryStore, client: httpx.AsyncClient, env: Mapping[str, str]
    ) -> None:
        self.settings = settings
        self.store = store
        self.client = client
        self.webhook = env.get(settings.webhook_url_env, "").strip() if settings.webhook_url_env else ""
        if settings.webhook_url_env and not self.webhook:
            raise ConfigError(
                f"alerts.webhook_url_env: environment variable {settings.webhook_url_env} is not set"
            )
        if self.webhook:
            SECRET_FILTER.add(self.webhook)
        self.errors: list[str] = []

    @property
    def enabled(self) -> bool:
        return bool(self.webhook or self.settings.argv())

    async def process(
        self, current: Sequence[Condition], evaluated_sources: set[str], now: datetime
    ) -> tuple[int, int]:
        """Send what is new and what recovered, all at once and within one total deadline
        (``[alerts] timeout``); returns (alerts sent, recoveries sent). What was not delivered is
        in ``errors`` and is tried again on the next poll."""
        open_alerts = await asyncio.to_thread(self.store.open_alerts)
        new, cleared = plan_alerts(open_alerts, current, evaluated_sources, self.settings.min_severity)
        jobs: list[tuple[str, Condition | AlertRecord]] = [("alert", c) for c in new]
        if self.settings.recovery:
            jobs += [("recovery", r) for r in cleared]
        tasks = [asyncio.ensure_future(self._deliver_one(event, item, now)) for event, item in jobs]
        delivered: dict[str, bool] = {}
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.settings.timeout + 1.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for (event, item), task in zip(jobs, tasks, strict=True):
                ok = task.done() and not task.cancelled() and task.exception() is None and task.result()
                if task.cancelled():
                    self.errors.append(
                        f"{event} {item.key}: not delivered within {self.settings.timeout:g} s"
                    )
                delivered[f"{event}:{item.key}"] = bool(ok)
        sent = recovered = 0
        for condition in new:
            if delivered.get(f"alert:{condition.key}"):
                record = AlertRecord(condition.key, condition.source, now, condition.payload())
                await asyncio.to_thread(self.store.open_alert, record)
                sent += 1
        for record in cleared:
            if not self.settings.recovery or delivered.get(f"recovery:{record.key}"):
                await asyncio.to_thread(self.store.close_alert, record.key)
                recovered += 1
        return sent, recovered

    async def _deliver_one(self, event: str, item: Condition | AlertRecord, now: datetime) -> bool:
        payload = item.payload() if isinstance(item, Condition) else item.payload
        text = message_text(item, recovered=event == "recovery")
        return await self._deliver(event, item.key, payload, text, now)

    async def _deliver(self, event: str, key: str, payload: dict[str, Any], text: str, now: datetime) -> bool:
        ok = True
        if self.webhook:
            ok &= await self._post(text)
        argv = self.settings.argv()
        if argv:
            document = {"event": event, "key": key, "at": now.isoformat(), "text": text, **payload}
            ok &= await run_alert_command(argv, json.dumps(document), self.settings.timeout, self.errors)
        return ok

    async def _post(self, text: str) -> bool:
        try:
            # A total deadline: httpx's timeout is per read, and a webhook may drip its answer.
            async with asyncio.timeout(self.settings.timeout):
                response = await self.client.post(
                    self.webhook, json={"text": text}, timeout=self.settings.timeout
                )
        except TimeoutError:
            self.errors.append(f"webhook: no answer within {self.settings.timeout:g} s")
            return False
        except httpx.HTTPError as error:
            self.errors.append(f"webhook: {type(error).__name__}")
            return False
        if response.status_code >= 300:
            self.errors.append(f"webhook: HTTP {response.status_code}")
            return False
        return True
