"""What a warm-up assessment says: state, reason, day reached, next step with its rule, ETA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from ipdash.domain.models import ProviderWarmup
from ipdash.domain.warmup.plans import WarmupPlan


class WarmupState(StrEnum):
    ON_TRACK = "on-track"
    OVER_CAP = "over-cap"
    UNDER_SENDING = "under-sending"
    HELD = "held"
    STEPPED_BACK = "stepped-back"
    COMPLETE = "complete"
    NEEDS_REWARM = "needs-rewarm"
    PLAN_ERROR = "plan-error"  # the IP names a plan that cannot be built


class NextAction(StrEnum):
    START = "start"
    ADVANCE = "advance"
    HOLD = "hold"
    STEP_BACK = "step-back"
    PAUSE = "pause"
    REWARM = "rewarm"
    KEEP = "keep"  # warm-up complete: keep volume steady, grow gradually
    FOLLOW_PROVIDER = "follow-provider"  # the provider's automatic warm-up sets the caps
    FIX_PLAN = "fix-plan"


Severity = Literal["ok", "warn", "critical"]
_SEVERITY_WORDS: dict[str, Severity] = {
    "": "ok",
    "ok": "ok",
    "none": "ok",
    "healthy": "ok",
    "warn": "warn",
    "warning": "warn",
    "critical": "critical",
    "crit": "critical",
}


def parse_severity(value: str | None) -> Severity | None:
    """A day's worst metric severity from the thresholds: ok / warn / critical (None: not judged)."""
    if value is None:
        return None
    found = _SEVERITY_WORDS.get(str(value).strip().lower())
    if found is None:
        raise ValueError(f"unknown severity {value!r}: expected ok, warn or critical")
    return found


@dataclass(frozen=True, slots=True)
class DayVolume:
    """What one IP sent on one day, all mailbox providers together (plus the split when known)."""

    day: date
    sent: int
    delivered: int | None = None
    per_mailbox_provider: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.sent < 0:
            raise ValueError(f"{self.day}: sent cannot be negative ({self.sent})")
        if self.delivered is not None and self.delivered < 0:
            raise ValueError(f"{self.day}: delivered cannot be negative ({self.delivered})")
        if any(count < 0 for count in self.per_mailbox_provider.values()):
            raise ValueError(f"{self.day}: a mailbox provider's sent count is negative")


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """One sending day judged against the plan day that applied to it."""

    date: date
    plan_day: int
    daily_limit: int
    sent: int
    delivered: int | None
    severity: Severity | None
    state: WarmupState
    action: NextAction
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "plan_day": self.plan_day,
            "daily_limit": self.daily_limit,
            "sent": self.sent,
            "delivered": self.delivered,
            "severity": self.severity,
            "status": self.state.value,
            "action": self.action.value,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class NextStep:
    action: NextAction
    day: int | None
    daily_limit: int | None
    rule: str
    source: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "day": self.day,
            "daily_limit": self.daily_limit,
            "rule": self.rule,
            "source": self.source,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class MailboxProviderProgress:
    mailbox_provider: str
    daily_limit: int
    sent: int
    state: WarmupState
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "mailbox_provider": self.mailbox_provider,
            "daily_limit": self.daily_limit,
            "sent": self.sent,
            "status": self.state.value,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class UpcomingDay:
    day: int
    date: date | None
    daily_limit: int


@dataclass(frozen=True, slots=True)
class WarmupProgress:
    """One IP's warm-up: where it stands, why, and what to send next."""

    ip: str
    state: WarmupState
    reason: str
    next_step: NextStep
    plan: WarmupPlan | None
    target_source: str = ""
    day: int | None = None  # the plan day to send at next
    last: DayOutcome | None = None
    history: tuple[DayOutcome, ...] = ()
    today: date | None = None
    eta: date | None = None
    eta_reason: str = ""
    upcoming: tuple[UpcomingDay, ...] = ()
    per_mailbox_provider: tuple[MailboxProviderProgress, ...] = ()
    provider: ProviderWarmup | None = None
    metrics_judged: bool = True
    run_start: int = 0  # index in ``history`` where the current run began (after the last re-warm reset)

    @property
    def current_run(self) -> tuple[DayOutcome, ...]:
        """The sending days since the plan last (re)started."""
        return self.history[self.run_start :]

    @property
    def basis(self) -> Literal["provider", "estimate"]:
        """Whose progress figure is shown: the provider's report wins over ipdash's estimate."""
        return "provider" if self.provider is not None else "estimate"

    @property
    def total_days(self) -> int | None:
        if self.provider is not None and self.provider.total_stages:
            return self.provider.total_stages
        return self.plan.sending_days_to_target if self.plan else None

    @property
    def day_reached(self) -> int | None:
        if self.provider is not None and self.provider.stage is not None:
            return self.provider.stage
        return self.day

    @property
    def progress_fraction(self) -> float | None:
        """Share of the warm-up done, 0..1: the provider's figure when it reports one."""
        if self.provider is not None:
            if self.provider.progress is not None:
                return min(1.0, max(0.0, self.provider.progress))
            if self.provider.stage is not None and self.provider.total_stages:
                return min(1.0, max(0.0, (self.provider.stage - 1) / self.provider.total_stages))
            if not self.provider.active:
                return 1.0
        if self.state is WarmupState.COMPLETE:
            return 1.0
        if self.plan is None or self.day is None or self.state is WarmupState.NEEDS_REWARM:
            return 0.0 if self.state is WarmupState.NEEDS_REWARM else None
        return min(1.0, (self.day - 1) / self.plan.sending_days_to_target)

    @property
    def today_outcome(self) -> DayOutcome | None:
        return self.last if self.last is not None and self.last.date == self.today else None

    def to_json(self) -> dict[str, Any]:
        today = self.today_outcome
        return {
            "ip": self.ip,
            "status": self.state.value,
            "reason": self.reason,
            "basis": self.basis,
            "schedule": self.plan.schedule if self.plan else None,
            "target_daily": self.plan.target_daily if self.plan else None,
            "target_source": self.target_source or None,
            "day": self.day_reached,
            "total_days": self.total_days,
            "progress_fraction": self.progress_fraction,
            "today": {
                "date": self.today.isoformat() if self.today else None,
                "daily_limit": today.daily_limit if today else self.next_step.daily_limit,
                "sent": today.sent if today else None,
            },
            "last_sending_day": self.last.to_json() if self.last else None,
            "next_step": self.next_step.to_json(),
            "eta": self.eta.isoformat() if self.eta else None,
            "eta_reason": self.eta_reason,
            "upcoming": [
                {"day": d.day, "date": d.date.isoformat() if d.date else None, "daily_limit": d.daily_limit}
                for d in self.upcoming
            ],
            "per_mailbox_provider": [entry.to_json() for entry in self.per_mailbox_provider],
            "metrics_judged": self.metrics_judged,
            "provider": _provider_json(self.provider),
        }


def _provider_json(state: ProviderWarmup | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "provider": state.provider,
        "active": state.active,
        "progress_fraction": state.progress,
        "stage": state.stage,
        "total_stages": state.total_stages,
        "started_on": state.started_on.isoformat() if state.started_on else None,
        "status_text": state.status_text,
        "source": state.source,
    }
