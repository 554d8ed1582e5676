"""Warm-up: plans from schedules, progress against actual sending, and the next step (pure)."""

from ipdash.domain.warmup.dataset import assess_all, assess_dataset_ip, daily_volumes
from ipdash.domain.warmup.events import WarmupBreach, warmup_breach
from ipdash.domain.warmup.labels import warmup_cell_text
from ipdash.domain.warmup.plans import ALL_WEEKDAYS, PlanDay, WarmupPlan, build_plan, parse_weekdays
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.results import (
    DayOutcome,
    DayVolume,
    MailboxProviderProgress,
    NextAction,
    NextStep,
    UpcomingDay,
    WarmupProgress,
    WarmupState,
)
from ipdash.domain.warmup.schedules import PlanError, Schedule, builtin_schedules
from ipdash.domain.warmup.settings import CustomPlan, IpWarmup, WarmupSettings
from ipdash.domain.warmup.severity import daily_severities

__all__ = [
    "ALL_WEEKDAYS",
    "CustomPlan",
    "DayOutcome",
    "DayVolume",
    "IpWarmup",
    "MailboxProviderProgress",
    "NextAction",
    "NextStep",
    "PlanDay",
    "PlanError",
    "Schedule",
    "UpcomingDay",
    "WarmupBreach",
    "WarmupPlan",
    "WarmupProgress",
    "WarmupSettings",
    "WarmupState",
    "assess_all",
    "assess_dataset_ip",
    "assess_warmup",
    "build_plan",
    "builtin_schedules",
    "daily_severities",
    "daily_volumes",
    "parse_weekdays",
    "warmup_breach",
    "warmup_cell_text",
]
