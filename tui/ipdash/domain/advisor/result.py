"""What the advisor answers, and its JSON form (the public contract of `ipdash recommend`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ipdash.domain.advisor.inputs import AdvisorInputs


class Verdict(StrEnum):
    SHARED = "shared"
    DEDICATED = "dedicated"
    MANAGED = "managed-dedicated"
    NOT_READY = "not-ready"


class RuleStatus(StrEnum):
    PASS = "pass"  # the figure was met
    FAIL = "fail"  # the figure was missed
    UNKNOWN = "unknown"  # the answer needed was not given
    APPLIES = "applies"  # a trigger rule (exception, mandate, isolation …) applied


STATUS_SYMBOL = {
    RuleStatus.PASS: "✓",
    RuleStatus.FAIL: "✗",
    RuleStatus.UNKNOWN: "?",
    RuleStatus.APPLIES: "→",
}

VERDICT_SYMBOL = {
    Verdict.SHARED: "◎",
    Verdict.DEDICATED: "●",
    Verdict.MANAGED: "◐",
    Verdict.NOT_READY: "✗",
}


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One rule as evaluated against the answers: the figure it compared and what it found."""

    rule: str
    title: str
    effect: str
    status: RuleStatus
    detail: str
    source: str
    figure: float | str | None = None
    value: float | str | None = None
    source_short: str = ""


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    streams: tuple[str, ...]
    ips: int
    kind: str  # dedicated / managed / shared
    monthly_volume: int
    daily_volume: int  # on a sending day
    why: str


@dataclass(frozen=True, slots=True)
class WarmupSend:
    """One send of the warm-up in calendar time: the cap per IP it meets and the planned send."""

    send: int
    calendar_day: int
    cap_per_ip: int
    planned_per_ip: int

    @property
    def held_back(self) -> int:
        return max(0, self.planned_per_ip - self.cap_per_ip)


@dataclass(frozen=True, slots=True)
class WarmupPreview:
    schedule: str | None
    sending_days: int | None
    target_daily: int | None
    calendar_days: int | None  # calendar days from the first send, from the cadence and mechanism
    first_days: tuple[tuple[int, int], ...]
    note: str
    engine: str  # "ipdash.domain.warmup" or "none"
    sends: tuple[WarmupSend, ...] = ()
    mechanism: str = ""  # sending-days / time-based / weekly-caps / adaptive / none
    calendar_days_min: int | None = None  # adaptive warm-ups give a range


@dataclass(frozen=True, slots=True)
class CostRow:
    """A provider's monthly cost for the plan, in parts; ``usd`` is the sum of the known parts,
    a floor when ``lower_bound`` (a part is unknown: the sending plan, a usage fee, a higher tier)."""

    provider: str
    name: str
    usd: float | None
    basis: str
    source: str
    as_of: str
    confidence: str
    ips: int
    current: bool = False
    within_budget: bool | None = None
    note: str = ""
    plan_usd: float | None = None
    ip_usd: float | None = None
    per_message_usd: float | None = None
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    stale: bool = False
    lower_bound: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """What to reach before a dedicated IP: the not-ready verdict's to-do list."""

    metric: str
    current: float | str | None
    target: str
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    inputs: AdvisorInputs
    verdict: Verdict
    verdict_reason: str
    ip_count: int
    pools: tuple[Pool, ...]
    warmup: WarmupPreview
    monthly_cost: tuple[CostRow, ...]
    reasons: tuple[RuleOutcome, ...]
    risks: tuple[str, ...]
    would_change: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def recommendation_json(result: Recommendation) -> dict[str, Any]:
    """The JSON shape of `ipdash recommend --format json` (rates as fractions)."""
    return {
        "verdict": result.verdict.value,
        "verdict_reason": result.verdict_reason,
        "ip_count": result.ip_count,
        "pools": [
            {
                "name": pool.name,
                "streams": list(pool.streams),
                "ips": pool.ips,
                "kind": pool.kind,
                "monthly_volume": pool.monthly_volume,
                "daily_volume": pool.daily_volume,
                "why": pool.why,
            }
            for pool in result.pools
        ],
        "warmup": {
            "schedule": result.warmup.schedule,
            "sending_days": result.warmup.sending_days,
            "target_daily": result.warmup.target_daily,
            "calendar_days": result.warmup.calendar_days,
            "note": result.warmup.note,
        },
        "monthly_cost": [
            {
                "provider": row.provider,
                "usd": row.usd,
                "usd_is_lower_bound": row.lower_bound,
                "basis": row.basis,
                "source": row.source,
                "as_of": row.as_of,
                "confidence": row.confidence,
                "ips": row.ips,
                "current": row.current,
                "within_budget": row.within_budget,
                "note": row.note,
                "plan_usd": row.plan_usd,
                "ip_usd": row.ip_usd,
                "per_message_usd": row.per_message_usd,
                "includes": list(row.includes),
                "excludes": list(row.excludes),
                "stale": row.stale,
            }
            for row in result.monthly_cost
        ],
        "reasons": [
            {
                "rule": outcome.rule,
                "title": outcome.title,
                "status": outcome.status.value,
                "detail": outcome.detail,
                "source": outcome.source,
                "figure": outcome.figure,
                "value": outcome.value,
            }
            for outcome in result.reasons
        ],
        "risks": list(result.risks),
        "would_change": list(result.would_change),
        "targets": [
            {"metric": t.metric, "current": t.current, "target": t.target, "rule": t.rule, "source": t.source}
            for t in result.targets
        ],
        "assumptions": list(result.assumptions),
        "inputs": result.inputs.model_dump(mode="json"),
    }
