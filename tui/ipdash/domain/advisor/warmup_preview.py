"""The warm-up a dedicated plan implies, from the warm-up engine (ipdash.domain.warmup)."""

from __future__ import annotations

import math

from ipdash.domain.advisor import text
from ipdash.domain.advisor.evaluate import Resolved
from ipdash.domain.advisor.result import Pool, WarmupPreview
from ipdash.domain.advisor.rulebook import RuleBook
from ipdash.domain.warmup import PlanError, build_plan

PREVIEW_DAYS = 10


def choose_schedule(resolved: Resolved, book: RuleBook) -> str:
    """The provider's own published schedule, else the default (conservative, for a move off shared)."""
    if resolved.provider is not None:
        own = book.providers[resolved.provider].warmup_schedule
        if own:
            return own
    return book.warmup.default_schedule


def no_warmup(note: str) -> WarmupPreview:
    return WarmupPreview(None, None, None, None, (), note, "none")


def preview_warmup(resolved: Resolved, book: RuleBook, pools: list[Pool]) -> WarmupPreview:
    """Warm every dedicated IP to its pool's peak day per IP; the slowest pool sets the length."""
    dedicated = [pool for pool in pools if pool.ips > 0]
    if not dedicated:
        return no_warmup("No dedicated IPs: nothing to warm up.")
    target = max(math.ceil(pool.daily_volume / pool.ips) for pool in dedicated)
    schedule = choose_schedule(resolved, book)
    weekdays = frozenset(range(resolved.sending_days_per_week))
    try:
        plan = build_plan(schedule, target, sending_weekdays=weekdays)
    except PlanError as error:
        return WarmupPreview(schedule, None, target, None, (), f"No plan: {error}", "ipdash.domain.warmup")
    days = plan.sending_days_to_target
    calendar = math.ceil(days / resolved.sending_days_per_week * 7)
    first = tuple((day.day, day.daily_limit) for day in plan.days[:PREVIEW_DAYS])
    note = (
        f"{schedule} schedule to {text.count(target)} a sending day per IP: "
        f"{text.plural(days, 'sending day')} at {resolved.sending_days_per_week} a week "
        f"(about {text.plural(calendar, 'calendar day')}). Warm up to your peak; do not skip days."
    )
    return WarmupPreview(schedule, days, target, calendar, first, note, "ipdash.domain.warmup")
