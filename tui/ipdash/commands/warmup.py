"""`ipdash warmup`: plan a warm-up, list the built-in schedules, and report warming IPs' progress."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from ipdash.commands._output import echo, emit_json, fail_usage, render_table
from ipdash.domain.warmup import (
    PlanError,
    WarmupPlan,
    WarmupProgress,
    WarmupSettings,
    build_plan,
    parse_weekdays,
)
from ipdash.domain.warmup.labels import STATE_LABELS, STATE_LEVELS, day_text, next_step_text
from ipdash.domain.warmup.results import WarmupState
from ipdash.domain.warmup.schedules import Schedule, builtin_schedules
from ipdash.exit_codes import EXIT_FINDING, EXIT_OK, EXIT_USAGE
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.csv_stats import CsvReadError
from ipdash.sources.loader import load_dataset_for_cli

_CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="IPDASH_CONFIG",
    help="TOML config with [warmup] plans (default: the platform config dir).",
)


@click.group()
def warmup() -> None:
    """Warm-up plans, built-in schedules, and the progress of warming IPs."""


@warmup.command("plan")
@click.option(
    "--target-daily", type=int, required=True, help="Daily volume to warm up to (your normal peak)."
)
@click.option(
    "--schedule", default="sendgrid", show_default=True, help="Schedule name: see `warmup schedules`."
)
@click.option(
    "--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="First day, YYYY-MM-DD."
)
@click.option(
    "--sending-days", default="mon-sun", show_default=True, help="e.g. mon,tue,wed,thu,fri or mon-fri."
)
@click.option("--mailbox-split", default=None, help="e.g. gmail.com=0.4,outlook.com=0.25 (rest: other).")
@click.option(
    "--provider-caps", default=None, help="Daily caps per mailbox provider, e.g. outlook.com=20000."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json", "md"]),
    default="table",
    show_default=True,
)
@_CONFIG_OPTION
def plan_command(
    target_daily: int,
    schedule: str,
    start: datetime | None,
    sending_days: str,
    mailbox_split: str | None,
    provider_caps: str | None,
    output_format: str,
    config_path: Path | None,
) -> None:
    """A day-by-day warm-up plan on your sending days. Exit codes: 0 done; 2 usage or input error."""
    settings = _settings(config_path)
    try:
        plan = build_plan(
            schedule,
            target_daily,
            start=start.date() if start else None,
            sending_weekdays=parse_weekdays(sending_days),
            mailbox_split=_pairs(mailbox_split, float, "--mailbox-split") if mailbox_split else None,
            provider_caps=_pairs(provider_caps, int, "--provider-caps") if provider_caps else None,
            schedules=settings.schedules(),
        )
    except PlanError as error:
        fail_usage(str(error))
        return
    if output_format == "json":
        emit_json(plan.to_json())
    elif output_format == "csv":
        click.echo(plan_csv(plan), nl=False)
    elif output_format == "md":
        echo(plan_markdown(plan, settings.schedules()[plan.schedule]))
    else:
        _print_plan(plan, settings.schedules()[plan.schedule])


@warmup.command("schedules")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@_CONFIG_OPTION
def schedules_command(output_format: str, config_path: Path | None) -> None:
    """The built-in schedules (and your [warmup.plans]) with their sources."""
    known = _settings(config_path).schedules()
    builtin = builtin_schedules()
    if output_format == "json":
        emit_json([_schedule_json(s, origin=_origin(s, builtin)) for s in known.values()])
        return
    rows = [
        (
            s.name,
            f"{len(s.daily_limits)} days",
            f"{s.daily_limits[0]:,} → {s.daily_limits[-1]:,}",
            _continuation_text(s),
            _origin(s, builtin),
            s.source,
        )
        for s in known.values()
    ]
    render_table(["schedule", "table", "daily", "after the table", "origin", "source"], rows)


@warmup.command("status")
@click.option("--csv", "csv_files", multiple=True, type=click.Path(path_type=Path), help="Stats CSV file(s).")
@_CONFIG_OPTION
@click.option("--demo", is_flag=True, help="Use the bundled sample data (the default with no other source).")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default: latest data day."
)
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def status_command(
    csv_files: tuple[Path, ...],
    config_path: Path | None,
    demo: bool,
    today: datetime | None,
    output_format: str,
) -> None:
    """Every IP with a warm-up plan, a provider warm-up or a re-warm need: state, day, cap, sent,
    next step and ETA.

    Exit codes: 0 all on track or complete; 1 a finding (over cap, held, stepped back, needs
    re-warm); 2 usage or input error, including an IP whose plan cannot be built.
    """
    from ipdash.commands._analysis import analyse_for_cli
    from ipdash.domain.metrics import Window

    try:
        config, dataset = load_dataset_for_cli(csv_files, config_path, demo)
        day = today.date() if today else (dataset.latest_day() or date.today())
        analysis, notes = analyse_for_cli(
            dataset, config, today=day, window=Window.ending(day, config.window_days)
        )
    except (ConfigError, CsvReadError, PlanError) as error:
        fail_usage(str(error))
        return
    for note in notes:
        echo(f"ipdash warmup status: {note}", err=True)
    results = [a.warmup for a in analysis.ips.values() if a.warmup is not None]
    if output_format == "json":
        emit_json(
            {
                "generated_at": datetime.now(UTC).isoformat(),
                "today": day.isoformat(),
                "blocklists_checked": any(a.checks is not None for a in analysis.ips.values()),
                "ips": [progress.to_json() for progress in results],
            }
        )
    else:
        _print_status(results, day)
    sys.exit(status_exit_code(results))


def status_exit_code(results: Sequence[WarmupProgress]) -> int:
    if any(p.state is WarmupState.PLAN_ERROR for p in results):
        return EXIT_USAGE
    if any(STATE_LEVELS[p.state] != "ok" and p.state is not WarmupState.UNDER_SENDING for p in results):
        return EXIT_FINDING
    return EXIT_OK


def plan_csv(plan: WarmupPlan) -> str:
    providers = _providers(plan)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["day", "date", "daily_limit", *providers])
    for day in plan.days:
        writer.writerow(
            [day.day, day.date.isoformat() if day.date else "", day.daily_limit]
            + [day.per_mailbox_provider.get(p, "") for p in providers]
        )
    return buffer.getvalue()


def plan_markdown(plan: WarmupPlan, schedule: Schedule) -> str:
    providers = _providers(plan)
    header = ["day", "date", "daily limit", *providers]
    lines = [
        f"## Warm-up plan: {schedule.title or schedule.name} to {plan.target_daily:,}/day",
        "",
        f"{plan.sending_days_to_target} sending days. Source: {schedule.source}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if h != "date" else "---" for h in header) + "|",
    ]
    for day in plan.days:
        cells = [str(day.day), day.date.isoformat() if day.date else "—", f"{day.daily_limit:,}"]
        cells += [f"{day.per_mailbox_provider.get(p, 0):,}" for p in providers]
        lines.append("| " + " | ".join(cells) + " |")
    notes = _notes(schedule, plan)
    return "\n".join(lines + ([""] + [f"- {note}" for note in notes] if notes else []))


def _print_plan(plan: WarmupPlan, schedule: Schedule) -> None:
    providers = _providers(plan)
    rows = [
        [day.day, day.date.isoformat() if day.date else None, f"{day.daily_limit:,}"]
        + [f"{day.per_mailbox_provider.get(p, 0):,}" for p in providers]
        for day in plan.days
    ]
    echo(
        f"{schedule.title or schedule.name}: {plan.sending_days_to_target} sending days to {plan.target_daily:,}/day"
    )
    render_table(
        ["day", "date", "daily limit", *providers], rows, right_align=["day", "daily limit", *providers]
    )
    echo(f"source: {schedule.source}")
    for note in _notes(schedule, plan):
        echo(f"note: {note}")


def _print_status(results: Sequence[WarmupProgress], today: date) -> None:
    if not results:
        echo(f"No IP is warming up or needs re-warming (as of {today.isoformat()}).")
        return
    rows = []
    for p in results:
        today_outcome = p.today_outcome
        cap = today_outcome.daily_limit if today_outcome else p.next_step.daily_limit
        rows.append(
            [
                p.ip,
                STATE_LABELS[p.state],
                p.plan.schedule if p.plan else (p.provider.provider if p.provider else None),
                _today_day_text(p),
                f"{cap:,}" if cap is not None else None,
                f"{today_outcome.sent:,}" if today_outcome else None,
                next_step_text(p),
                p.eta.isoformat() if p.eta else None,
                p.reason,
            ]
        )
    echo(f"Warm-up as of {today.isoformat()}")
    render_table(
        ["ip", "state", "plan", "day", "cap today", "sent today", "next step", "eta", "why"],
        rows,
        right_align=["cap today", "sent today"],
    )


def _today_day_text(progress: WarmupProgress) -> str:
    """The plan day beside today's cap and sent: the day today's mail was judged against once it
    is in (the progress has moved on to the next day), so 'day 12/18 · cap 75,000' is one day."""
    today = progress.today_outcome
    if today is None or progress.total_days is None or progress.provider is not None:
        return day_text(progress)
    return f"day {min(today.plan_day, progress.total_days)}/{progress.total_days}"


def _settings(config_path: Path | None) -> WarmupSettings:
    try:
        config, _ = load_config(config_path)
        return WarmupSettings.from_section(config.warmup)
    except (ConfigError, PlanError) as error:
        fail_usage(str(error))
        raise AssertionError("unreachable") from error


def _pairs(text: str, kind: type[float] | type[int], option: str) -> dict[str, Any]:
    """``a=1,b=2`` → {"a": 1, "b": 2}, with a one-line error naming the option."""
    result: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise PlanError(f"{option}: {item!r} is not name=value")
        try:
            result[name.strip()] = kind(value.strip())
        except ValueError as error:
            raise PlanError(f"{option}: {value.strip()!r} for {name.strip()} is not a number") from error
    if not result:
        raise PlanError(f"{option}: nothing given")
    return result


def _providers(plan: WarmupPlan) -> list[str]:
    return list(plan.days[0].per_mailbox_provider) if plan.days[0].per_mailbox_provider else []


def _notes(schedule: Schedule, plan: WarmupPlan) -> list[str]:
    notes = []
    table_days = len(schedule.daily_limits)
    if schedule.derivation:
        notes.append(schedule.derivation)
    if plan.sending_days_to_target > table_days and schedule.after_table is not None:
        notes.append(f"days {table_days + 1}+: {schedule.after_table.text}")
    if schedule.notes:
        notes.append(schedule.notes)
    return notes


def _continuation_text(schedule: Schedule) -> str:
    rule = schedule.after_table
    if rule is None:
        return "none (ends)"
    every = "daily" if rule.every_sending_days == 1 else f"every {rule.every_sending_days} days"
    return f"×{rule.factor:g} {every}" + (" (derived)" if rule.derived else "")


def _origin(schedule: Schedule, builtin: dict[str, Schedule]) -> str:
    return "built-in" if builtin.get(schedule.name) == schedule else "config"


def _schedule_json(schedule: Schedule, *, origin: str) -> dict[str, Any]:
    data = schedule.model_dump(mode="json")
    data["origin"] = origin
    data["table_days"] = len(schedule.daily_limits)
    return data
