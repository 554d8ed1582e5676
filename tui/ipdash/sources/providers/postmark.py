"""Postmark: account-level daily stats (sends, bounces, spam complaints) for one server.

Postmark has no dedicated-IP, pool or warm-up API, so nothing here is per IP: the days
land as AccountDay rows (scope "server", or the message stream when one is set).
Postmark answers a bad token with 401, or with 422 and ErrorCode 10.

Postmark's days are US Eastern (``day_zone`` in data/providers.json): the window is
asked in Eastern dates, never past Eastern "today", and each day is labelled with the
UTC day it overlaps most (the same date), so that a day matches the other sources'.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.models import AccountDay
from ipdash.sources.providers.base import (
    Collected,
    ProviderError,
    ProviderSource,
    default_base_url,
    parse_payload,
)
from ipdash.sources.providers.day_zones import day_zone, local_today, utc_day
from ipdash.sources.providers.http import HttpCaller, RetryPolicy

#: endpoint -> {our field: Postmark's field}
ENDPOINTS: dict[str, dict[str, str]] = {
    "/stats/outbound/sends": {"sent": "Sent"},
    "/stats/outbound/bounces": {"hard_bounced": "HardBounce", "soft_bounced": "SoftBounce"},
    "/stats/outbound/spam": {"complaints": "SpamComplaint"},
}


class Days(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Days: list[dict[str, Any]] = Field(default_factory=list)


class PostmarkSource(ProviderSource):
    kind = "postmark"
    provider = "postmark"

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        token = self.secret_from_env(self.spec.api_key_env)
        http = HttpCaller(
            client,
            base_url=self.spec.base_url or default_base_url("postmark"),
            runtime=self.runtime,
            policy=RetryPolicy.from_data(timeout=self.spec.timeout),
            headers={"Accept": "application/json", "X-Postmark-Server-Token": token},
        )
        zone = day_zone(self.kind)
        last = max(since, min(until, local_today(self.runtime.clock(), zone)))
        params = {
            "fromdate": since.isoformat(),
            "todate": last.isoformat(),
            "messagestream": self.spec.message_stream,
        }
        collected = self.collecting()  # a day is whole only once all three endpoints answered
        counts: dict[date, dict[str, int]] = {}
        for path, fields in ENDPOINTS.items():
            try:
                data = await http.get_json(path, params=params)
            except ProviderError as error:
                if error.status == 422 and "token" in error.detail.lower():  # Postmark's ErrorCode 10
                    raise ProviderError("auth", f"{error.detail} (check the server token)", 422) from error
                raise
            for row in parse_payload(Days, data, f"GET {path}").Days:
                local = _day(row.get("Date"))
                if local is None:
                    continue
                day = utc_day(local, zone)
                target = counts.setdefault(day, {})
                for ours, theirs in fields.items():
                    value = row.get(theirs)
                    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                        target[ours] = value
        scope = self.spec.message_stream or "server"
        for day, values in sorted(counts.items()):
            hard, soft = values.get("hard_bounced"), values.get("soft_bounced")
            bounced = None if hard is None and soft is None else (hard or 0) + (soft or 0)
            sent = values.get("sent")
            collected.account_days.append(
                AccountDay(
                    day=day,
                    scope=scope,
                    provider="postmark",
                    sent=sent,
                    bounced=bounced,
                    hard_bounced=hard,
                    soft_bounced=soft,
                    complaints=values.get("complaints"),
                    bounce_rate=bounced / sent if sent and bounced is not None else None,
                    complaint_rate=values["complaints"] / sent if sent and "complaints" in values else None,
                    source=self.name,
                )
            )
        return collected


def _day(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
