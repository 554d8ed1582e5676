"""Amazon SES Virtual Deliverability Manager (VDM): the account's days per recipient ISP.

``POST /v2/email/metrics/batch`` (SESv2 ``BatchGetMetricData``, botocore sesv2 service-2.json)
takes 1-10 queries, each one metric in the ``VDM`` namespace filtered by ``Dimensions``
(``ISP``, ``EMAIL_IDENTITY``, ``CONFIGURATION_SET``; no IP or pool dimension) over
``StartDate``/``EndDate`` (epoch seconds), and answers ``Results`` (``Id``, ``Timestamps``,
``Values``: counts per day) and ``Errors`` (``Id``, ``Code``, ``Message``). So the rows are the
account's, one ISP at a time, as AccountDays with scope ``account @ gmail.com``: judged with the
levels an IP's rows for that mailbox provider get.

Mapping: sent = SEND, delivered = DELIVERY, bounced = hard_bounced = PERMANENT_BOUNCE (SES's
bounce rate counts permanent bounces), soft_bounced = TRANSIENT_BOUNCE, opens = OPEN, clicks =
CLICK. Complaints = COMPLAINT only on a day with DELIVERY_COMPLAINT > 0 ("deliveries to ISPs with
which Amazon SES has a feedback loop agreement"): an ISP without one (Gmail) sends SES no
complaints, so its complaint count is unknown, never a 0% rate.

Asked only when ``GetAccount`` says ``VdmAttributes.VdmEnabled = ENABLED``, for the ISPs in
``vdm_isps`` (default the API reference's own examples, "Gmail" and "Yahoo": VDM names others in
its console). A failing batch or a query error is a note; the rest of the poll stands.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ipdash.domain.accounts import provider_scope
from ipdash.domain.mailbox_providers import normalise_mailbox_provider
from ipdash.domain.models import AccountDay
from ipdash.sources.providers.base import Collected, ProviderError, parse_payload
from ipdash.sources.providers.http import HttpCaller

BATCH_PATH = "/v2/email/metrics/batch"
#: Query Id -> VDM metric; 8 queries, within the 10 a batch allows: one batch per ISP.
METRICS = {
    "send": "SEND",
    "delivery": "DELIVERY",
    "permanent": "PERMANENT_BOUNCE",
    "transient": "TRANSIENT_BOUNCE",
    "complaint": "COMPLAINT",
    "fbl_delivery": "DELIVERY_COMPLAINT",
    "open": "OPEN",
    "click": "CLICK",
}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class VdmAttributes(_Loose):
    VdmEnabled: str = "DISABLED"


class MetricDataResult(_Loose):
    Id: str
    Timestamps: list[float | str] = Field(default_factory=list)
    Values: list[int] = Field(default_factory=list)


class MetricDataError(_Loose):
    Id: str = ""
    Code: str = ""
    Message: str = ""


class BatchResponse(_Loose):
    Results: list[MetricDataResult] = Field(default_factory=list)
    Errors: list[MetricDataError] = Field(default_factory=list)


def vdm_enabled(account: dict[str, Any] | None) -> bool:
    attributes = VdmAttributes.model_validate((account or {}).get("VdmAttributes") or {})
    return attributes.VdmEnabled.upper() == "ENABLED"


async def collect_isp_days(
    http: HttpCaller, collected: Collected, *, isps: list[str], since: date, until: date, source: str
) -> None:
    """Per ISP, one batch of counts; each ISP's days become AccountDays (a failure is a note)."""
    start = datetime.combine(since, time(), UTC).timestamp()
    end = datetime.combine(until + timedelta(days=1), time(), UTC).timestamp()
    for isp in dict.fromkeys(isps):
        body = {
            "Queries": [
                {
                    "Id": query_id,
                    "Namespace": "VDM",
                    "Metric": metric,
                    "Dimensions": {"ISP": isp},
                    "StartDate": start,
                    "EndDate": end,
                }
                for query_id, metric in METRICS.items()
            ]
        }
        try:
            data = await http.post_json(BATCH_PATH, body)
            answer = parse_payload(BatchResponse, data, "POST /v2/email/metrics/batch")
        except ProviderError as error:
            if error.kind == "config":
                raise
            collected.notes.append(
                f"VDM metrics for ISP {isp!r} unavailable ({error.kind}: {error.detail[:160]})"
            )
            continue
        if answer.Errors:
            codes = ", ".join(sorted({f"{e.Id or '?'} {e.Code or 'error'}" for e in answer.Errors}))
            collected.notes.append(f"VDM metrics for ISP {isp!r}: query errors ({codes[:160]})")
        collected.account_days.extend(_isp_days(answer.Results, isp, since, until, source))


def _isp_days(
    results: list[MetricDataResult], isp: str, since: date, until: date, source: str
) -> list[AccountDay]:
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for result in results:
        if result.Id not in METRICS:
            continue
        for stamp, value in zip(result.Timestamps, result.Values, strict=False):
            day = _day(stamp)
            if day is None or not since <= day <= until or value < 0:
                continue
            counts[day][result.Id] = counts[day].get(result.Id, 0) + value
    scope = provider_scope("account", normalise_mailbox_provider(isp))
    days = []
    for day, found in sorted(counts.items()):
        fbl = found.get("fbl_delivery", 0) > 0
        days.append(
            AccountDay(
                day=day,
                scope=scope,
                provider="ses",
                sent=found.get("send"),
                delivered=found.get("delivery"),
                bounced=found.get("permanent"),
                hard_bounced=found.get("permanent"),
                soft_bounced=found.get("transient"),
                complaints=found.get("complaint") if fbl else None,
                opens=found.get("open"),
                clicks=found.get("click"),
                rate_basis="daily",
                source=source,
            )
        )
    return days


def _day(stamp: float | str) -> date | None:
    try:
        if isinstance(stamp, str):
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).date()
        return datetime.fromtimestamp(stamp, UTC).date()
    except (ValueError, OverflowError, OSError):
        return None
