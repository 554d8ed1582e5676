"""Short words and symbols for warm-up states: status is never shown by colour alone."""

from __future__ import annotations

from ipdash.domain.warmup.results import NextAction, WarmupProgress, WarmupState

STATE_LABELS: dict[WarmupState, str] = {
    WarmupState.ON_TRACK: "✓ on track",
    WarmupState.OVER_CAP: "▲ over cap",
    WarmupState.UNDER_SENDING: "▽ under-sending",
    WarmupState.HELD: "‖ held",
    WarmupState.STEPPED_BACK: "↓ stepped back",
    WarmupState.COMPLETE: "✓ complete",
    WarmupState.NEEDS_REWARM: "⟲ re-warm",
    WarmupState.PLAN_ERROR: "! plan error",
}

#: How serious a state is, for colour and sorting: ok / warn / critical.
STATE_LEVELS: dict[WarmupState, str] = {
    WarmupState.ON_TRACK: "ok",
    WarmupState.COMPLETE: "ok",
    WarmupState.UNDER_SENDING: "warn",
    WarmupState.HELD: "warn",
    WarmupState.OVER_CAP: "warn",
    WarmupState.STEPPED_BACK: "critical",
    WarmupState.NEEDS_REWARM: "critical",
    WarmupState.PLAN_ERROR: "critical",
}

ACTION_LABELS: dict[NextAction, str] = {
    NextAction.START: "start",
    NextAction.ADVANCE: "advance",
    NextAction.HOLD: "hold",
    NextAction.STEP_BACK: "step back",
    NextAction.PAUSE: "pause",
    NextAction.REWARM: "re-warm",
    NextAction.KEEP: "keep steady",
    NextAction.FOLLOW_PROVIDER: "follow provider",
    NextAction.FIX_PLAN: "fix plan",
}


def day_text(progress: WarmupProgress) -> str:
    """``day 4/9``, or the provider's ``stage 2/15`` / ``42%`` when it reports one."""
    provider = progress.provider
    if provider is not None and provider.stage is not None:
        of = f"/{provider.total_stages}" if provider.total_stages else ""
        return f"stage {provider.stage}{of}"
    if provider is not None and provider.progress is not None:
        return f"{provider.provider} {provider.progress:.0%}"
    if progress.day is None or progress.total_days is None:
        return "—"
    return f"day {min(progress.day, progress.total_days)}/{progress.total_days}"


def next_step_text(progress: WarmupProgress) -> str:
    step = progress.next_step
    text = ACTION_LABELS[step.action]
    if step.daily_limit is not None and step.action not in (NextAction.PAUSE, NextAction.FIX_PLAN):
        text += f" → {step.daily_limit:,}/day"
    return text


def warmup_cell_text(progress: WarmupProgress | None) -> str:
    """The IP table's warm-up column: ``day 12/30 ✓``, ``▲ over cap``, ``⟲ re-warm``; empty: no warm-up."""
    if progress is None:
        return ""
    state = progress.state
    if state is WarmupState.ON_TRACK:
        return f"{day_text(progress)} ✓"
    if state is WarmupState.UNDER_SENDING:
        return f"{day_text(progress)} ▽"
    if state is WarmupState.HELD:
        paused = progress.next_step.action is NextAction.PAUSE
        return "‖ paused" if paused else f"‖ held {day_text(progress)}"
    if state is WarmupState.STEPPED_BACK:
        return f"↓ back to {day_text(progress)}"
    if state is WarmupState.COMPLETE:
        return "✓ warmed"
    return STATE_LABELS[state]
