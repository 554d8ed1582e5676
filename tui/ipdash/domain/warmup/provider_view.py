"""Warm-up state reported by the provider: shown as theirs and preferred over ipdash's estimate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ipdash.domain.models import ProviderWarmup, canonical_ip
from ipdash.domain.warmup.results import NextAction, NextStep, WarmupProgress, WarmupState
from ipdash.domain.warmup.schedules import rule


def describe_provider_state(state: ProviderWarmup) -> str:
    """e.g. ``sendgrid reports warm-up in progress, stage 3 of 15 (20%), started 2024-05-01``."""
    parts = [f"{state.provider} reports warm-up {'in progress' if state.active else 'not active'}"]
    if state.stage is not None:
        parts.append(f"stage {state.stage}" + (f" of {state.total_stages}" if state.total_stages else ""))
    if state.progress is not None:
        parts.append(f"{state.progress:.0%}")
    text = ", ".join(parts)
    if state.started_on is not None:
        text += f", started {state.started_on.isoformat()}"
    if state.status_text:
        text += f" ({state.status_text})"
    return text


def provider_reports_done(state: ProviderWarmup) -> bool:
    """Only the provider's word that warm-up is done, or its own progress at 100% once it stopped."""
    return state.completed or (not state.active and state.progress is not None and state.progress >= 1)


def provider_not_warming(state: ProviderWarmup) -> bool:
    """SendGrid ``warmup: false``, SparkPost ``auto_warmup_enabled: false``, an IP missing from Mailgun's
    warm-ups: the provider's automatic warm-up is not running. That says nothing of how warm the IP is."""
    return not state.active and not provider_reports_done(state)


def apply_provider_state(progress: WarmupProgress, state: ProviderWarmup) -> WarmupProgress:
    """Attach the provider's report. A provider that says warm-up is done wins over the estimate,
    except that a re-warm after a long idle spell is judged from the sending data itself."""
    told = describe_provider_state(state)
    if provider_reports_done(state) and progress.state is not WarmupState.NEEDS_REWARM:
        step = NextStep(
            NextAction.KEEP,
            None,
            progress.plan.target_daily if progress.plan else None,
            "The provider's own warm-up record is preferred over ipdash's estimate.",
            state.source or state.provider,
            "keep volume steady and grow gradually",
        )
        return replace(progress, state=WarmupState.COMPLETE, reason=told, next_step=step, provider=state)
    if provider_not_warming(state):
        told += ": your plan applies"
    return replace(progress, reason=f"{progress.reason}; {told}", provider=state)


def assess_provider_only(
    ip: str, state: ProviderWarmup, *, today: date, last_sent: date | None, rewarm_idle_days: int = 30
) -> WarmupProgress:
    """Progress for an IP whose only warm-up record is the provider's (no plan in facts or config)."""
    ip = canonical_ip(ip)
    told = describe_provider_state(state)
    if last_sent is not None and (today - last_sent).days > rewarm_idle_days:
        idle = (today - last_sent).days
        rewarm = rule("rewarm_after_idle")
        step = NextStep(
            NextAction.REWARM, 1, None, rewarm.text, rewarm.source, "ask the provider to restart warm-up"
        )
        reason = f"nothing sent for {idle} days (more than {rewarm_idle_days}); {told}"
        return WarmupProgress(ip, WarmupState.NEEDS_REWARM, reason, step, None, today=today, provider=state)
    if provider_reports_done(state):
        step = NextStep(NextAction.KEEP, None, None, "", state.source or state.provider, "keep volume steady")
        return WarmupProgress(ip, WarmupState.COMPLETE, told, step, None, today=today, provider=state)
    step = NextStep(
        NextAction.FOLLOW_PROVIDER,
        state.stage,
        None,
        "The provider's automatic warm-up sets the caps; excess traffic overflows to its other IPs.",
        state.source or state.provider,
        f"follow {state.provider}'s warm-up; send only to engaged recipients",
    )
    return WarmupProgress(ip, WarmupState.ON_TRACK, told, step, None, today=today, provider=state)
