"""From a loaded Dataset to warm-up progress: one call per IP for the dashboard and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from ipdash.domain.config import Config
from ipdash.domain.models import BlocklistSignal, Dataset, IpFacts, canonical_ip
from ipdash.domain.thresholds import Preset
from ipdash.domain.warmup.plans import WarmupPlan, build_plan
from ipdash.domain.warmup.progress import assess_warmup
from ipdash.domain.warmup.provider_view import assess_provider_only, provider_not_warming
from ipdash.domain.warmup.results import DayVolume, NextAction, NextStep, WarmupProgress, WarmupState
from ipdash.domain.warmup.schedules import PlanError, Schedule
from ipdash.domain.warmup.settings import WarmupSettings
from ipdash.domain.warmup.severity import severities_of
from ipdash.domain.warmup.volumes import last_sending_days, totals_by_ip, volumes_by_ip


def daily_volumes(dataset: Dataset, ip: str) -> list[DayVolume]:
    """One IP's sending per day, summed over mailbox providers.

    A day with per-provider records uses those (an ``all`` record beside them
    would double count); ``delivered`` is known only if every record has it.
    """
    return volumes_by_ip(dataset, [ip]).get(ip, [])


def assess_dataset_ip(
    dataset: Dataset,
    ip: str,
    *,
    settings: WarmupSettings,
    today: date,
    severity_by_day: Mapping[date, str] | None = None,
    spamhaus_listed: bool | None = None,
    volumes: list[DayVolume] | None = None,
) -> WarmupProgress | None:
    """Warm-up progress of ``ip``, or None when it has no plan, no provider warm-up and no re-warm need.

    The plan comes from ``[warmup.ips."IP"]`` in the config, else the IP's facts
    (``warmup_plan`` / ``warmup_start``). An IP without a plan that has been idle
    longer than the re-warm limit gets a re-warm plan on the default schedule,
    up to its previous peak day. ``volumes`` are the IP's daily volumes when the
    caller grouped them already (see volumes.volumes_by_ip).
    """
    ip = canonical_ip(ip)
    entry = settings.ips.get(ip)
    facts = dataset.facts.get(ip)
    plan_name = (entry.plan if entry else None) or (facts.warmup_plan if facts else None)
    start = (entry.start if entry else None) or (facts.warmup_start if facts else None)
    provider_state = dataset.warmups.get(ip)
    if volumes is None:
        volumes = daily_volumes(dataset, ip)

    def assess(plan: WarmupPlan, target_source: str) -> WarmupProgress:
        return assess_warmup(
            ip,
            plan,
            volumes,
            today=today,
            severity_by_day=severity_by_day,
            spamhaus_listed=spamhaus_listed,
            provider_state=provider_state,
            advance_fraction=settings.advance_fraction,
            rewarm_idle_days=settings.rewarm_idle_days,
            target_source=target_source,
        )

    if plan_name is None:
        # A provider that is not warming the IP tells nothing: the estimate from its history (re-warm
        # after an idle spell) applies, else there is no warm-up information.
        if provider_state is not None and not provider_not_warming(provider_state):
            last_sent = max((v.day for v in volumes if v.sent > 0 and v.day <= today), default=None)
            return assess_provider_only(
                ip,
                provider_state,
                today=today,
                last_sent=last_sent,
                rewarm_idle_days=settings.rewarm_idle_days,
            )
        return _rewarm_without_plan(ip, volumes, settings, today, assess)
    try:
        schedule = settings.schedules().get(plan_name.strip().lower())
        if schedule is None:
            known = ", ".join(sorted(settings.schedules()))
            raise PlanError(f"unknown warm-up schedule {plan_name!r}; known: {known}")
        target, target_source = _target(ip, schedule, settings, facts, _rewarm_peak(volumes, settings, today))
        plan = build_plan(
            schedule,
            target,
            start=start,
            sending_weekdays=settings.weekdays_for(ip),
            mailbox_split=entry.mailbox_split if entry else None,
            provider_caps=entry.provider_caps if entry else None,
        )
    except PlanError as error:
        return _plan_error(ip, today, str(error))
    return assess(plan, target_source)


def _target(
    ip: str, schedule: Schedule, settings: WarmupSettings, facts: IpFacts | None, rewarm_peak: int | None
) -> tuple[int, str]:
    """The first of: the config's per-IP target, the IP's facts, the custom plan's, the default,
    the previous peak (for an IP that must re-warm: warm up to your normal peak), the table end."""
    entry = settings.ips.get(ip)
    if entry and entry.target_daily:
        return entry.target_daily, f'config warmup.ips."{ip}".target_daily'
    if facts is not None and facts.warmup_target_daily:
        return facts.warmup_target_daily, f"IP facts ({facts.source or 'facts'})"
    if schedule.target_daily:
        return schedule.target_daily, f"plan {schedule.name}"
    if settings.default_target_daily:
        return settings.default_target_daily, "config warmup.default_target_daily"
    if rewarm_peak is not None:
        return rewarm_peak, "the IP's previous peak day"
    return schedule.daily_limits[-1], f"end of the {schedule.name} table (set target_daily in [warmup])"


def _rewarm_peak(volumes: list[DayVolume], settings: WarmupSettings, today: date) -> int | None:
    """The busiest day before an idle spell longer than the re-warm limit, if the IP is in one now."""
    sent = [v for v in volumes if v.sent > 0 and v.day <= today]
    if not sent or (today - sent[-1].day).days <= settings.rewarm_idle_days:
        return None
    return max(v.sent for v in sent)


def _rewarm_without_plan(
    ip: str,
    volumes: list[DayVolume],
    settings: WarmupSettings,
    today: date,
    assess: Callable[[WarmupPlan, str], WarmupProgress],
) -> WarmupProgress | None:
    peak = _rewarm_peak(volumes, settings, today)
    if peak is None:
        return None
    try:
        plan = build_plan(
            settings.schedules()[settings.default_schedule.strip().lower()],
            peak,
            sending_weekdays=settings.weekdays_for(ip),
        )
    except PlanError as error:
        return _plan_error(ip, today, str(error))
    return assess(plan, "the IP's previous peak day")


def _plan_error(ip: str, today: date, message: str) -> WarmupProgress:
    step = NextStep(NextAction.FIX_PLAN, None, None, "", "ipdash config", f"fix the warm-up plan: {message}")
    return WarmupProgress(ip, WarmupState.PLAN_ERROR, message, step, None, today=today)


def assess_all(
    dataset: Dataset,
    config: Config,
    presets: Mapping[str, Preset],
    *,
    today: date | None = None,
    blocklists: Mapping[str, BlocklistSignal] | None = None,
    last_sent: Mapping[str, date | None] | None = None,
) -> dict[str, WarmupProgress]:
    """Warm-up progress of every IP that has one, keyed by IP, in the dataset's IP order.

    ``last_sent``: each IP's last sending day up to ``today`` when the caller has it already
    (the analysis' metrics), else it is found in the records.

    ``today`` defaults to the latest day in the data. Metric severity per day
    comes from the configured threshold preset; a Spamhaus listing from
    ``blocklists`` when checks have run. Raises PlanError for an invalid
    ``[warmup]`` section and UnknownPresetError for an unknown preset.
    """
    day = today or dataset.latest_day()
    if day is None:
        return {}
    settings = WarmupSettings.from_section(config.warmup)
    candidates = _candidates(dataset, settings, day, last_sent)
    volumes = volumes_by_ip(dataset, candidates)
    day_totals = totals_by_ip(dataset, candidates)
    results: dict[str, WarmupProgress] = {}
    for ip in dataset.ips():
        if ip not in candidates:
            continue
        signal = (blocklists or {}).get(ip)
        progress = assess_dataset_ip(
            dataset,
            ip,
            settings=settings,
            today=day,
            severity_by_day=severities_of(day_totals.get(ip, {}), presets, config.thresholds),
            spamhaus_listed=signal.spamhaus_listed if signal is not None else None,
            volumes=volumes.get(ip, []),
        )
        if progress is not None:
            results[ip] = progress
    return results


def _candidates(
    dataset: Dataset, settings: WarmupSettings, today: date, last_sent: Mapping[str, date | None] | None
) -> set[str]:
    """IPs that can have warm-up progress: a plan, a provider warm-up, or idle past the re-warm limit.

    Every other IP gets None from assess_dataset_ip, so it is not assessed at all.
    """
    found = {canonical_ip(ip) for ip in settings.ips if settings.ips[ip].plan} | set(dataset.warmups)
    found |= {ip for ip, facts in dataset.facts.items() if facts.warmup_plan}
    for ip, last in (last_sending_days(dataset, today) if last_sent is None else last_sent).items():
        if last is not None and (today - last).days > settings.rewarm_idle_days:
            found.add(ip)
    return found
