"""Warm-up states that belong in the breach feed: held, over cap, stepped back, needs re-warm."""

from __future__ import annotations

from datetime import date, timedelta

from ipdash.domain.feed import FeedItem
from ipdash.domain.warmup.labels import STATE_LABELS, STATE_LEVELS
from ipdash.domain.warmup.results import NextAction, WarmupProgress, WarmupState

#: States that are news for the feed; on track, under-sending and complete are not.
FEED_STATES = frozenset(
    {
        WarmupState.HELD,
        WarmupState.OVER_CAP,
        WarmupState.STEPPED_BACK,
        WarmupState.NEEDS_REWARM,
        WarmupState.PLAN_ERROR,
    }
)


#: A warm-up event is a feed line like any other breach.
WarmupBreach = FeedItem


def warmup_breach(progress: WarmupProgress | None, *, rewarm_idle_days: int = 30) -> WarmupBreach | None:
    """The feed line for an IP's warm-up, or None when its state is not news."""
    if progress is None or progress.state not in FEED_STATES:
        return None
    state = progress.state
    step = progress.next_step
    what = f"warm-up {STATE_LABELS[state]}"
    if step.action is NextAction.PAUSE:
        what = "warm-up ‖ paused (Spamhaus)"
    return WarmupBreach(
        severity="critical" if STATE_LEVELS[state] == "critical" else "warn",
        since=_since(progress, rewarm_idle_days),
        ip=progress.ip,
        what=what,
        detail=progress.reason,
        source=step.source or "ipdash warm-up rules",
        kind="warmup",
        metric="warmup_state",
        reason=progress.reason,
    )


def _since(progress: WarmupProgress, rewarm_idle_days: int) -> date | None:
    """The first day of the current run in this state."""
    last = progress.last
    if progress.state is WarmupState.NEEDS_REWARM:
        return last.date + timedelta(days=rewarm_idle_days + 1) if last else progress.today
    if progress.state is WarmupState.PLAN_ERROR or progress.next_step.action is NextAction.PAUSE:
        return progress.today
    since = None
    for outcome in reversed(progress.current_run):
        if outcome.state is not progress.state:
            break
        since = outcome.date
    return since
