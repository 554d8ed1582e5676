"""`ipdash report`: the per-IP summary for cron, CI and scripts."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from ipdash.commands._output import emit_json, fail_usage, render_table
from ipdash.domain.analysis import Analysis, IpAnalysis, analyse, analysis_window
from ipdash.domain.labels import BAND_LABELS, STATUS_LABELS, format_count
from ipdash.domain.models import Dataset, RowError, SourceState
from ipdash.domain.thresholds import (
    IP_SCOPE,
    METRIC_LABELS,
    UnknownPresetError,
    format_rate,
    resolve_levels,
)
from ipdash.domain.warmup import PlanError, WarmupProgress, assess_all, warmup_cell_text
from ipdash.exit_codes import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_OK
from ipdash.sources.config_file import ConfigError
from ipdash.sources.csv_stats import CsvReadError
from ipdash.sources.loader import load_dataset_for_cli
from ipdash.sources.reference_data import threshold_presets


@click.command()
@click.option(
    "--csv", "csv_files", multiple=True, type=click.Path(path_type=Path), help="Stats or SNDS CSV file(s)."
)
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), envvar="IPDASH_CONFIG", help="TOML config."
)
@click.option("--demo", is_flag=True, help="Use the bundled sample data (the default with no other source).")
@click.option(
    "--window", "window_days", type=click.IntRange(1, 366), default=None, help="Window in days (default 7)."
)
@click.option("--preset", default=None, help="Threshold preset: default, gmail-yahoo, ses, dynamics, …")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def report(
    csv_files: tuple[Path, ...],
    config_path: Path | None,
    demo: bool,
    window_days: int | None,
    preset: str | None,
    output_format: str,
) -> None:
    """Per-IP summary: volume, rates, score, warm-up, breaches.

    With a config that has [[sources]], every provider source is polled once and
    merged (with the stored history): every IP a source knows is listed, even
    before it has volume.

    Exit codes: 0 no critical breach; 1 a critical breach; 2 usage or unreadable
    input; 3 no critical breach, but a provider source failed (the report is incomplete).
    """
    try:
        config, dataset = load_dataset_for_cli(csv_files, config_path, demo, poll_sources=True)
    except (ConfigError, CsvReadError) as error:
        fail_usage(str(error))
        return
    updates: dict[str, Any] = {}
    if window_days is not None:
        updates["window_days"] = window_days
    if preset is not None:
        updates["thresholds"] = config.thresholds.model_copy(update={"preset": preset})
    config = config.model_copy(update=updates)
    presets = threshold_presets()
    try:
        # Checked up front too: with no data rows analyse() never looks the presets up.
        for scope in (IP_SCOPE, *config.thresholds.mailbox_provider_presets):
            resolve_levels(presets, config.thresholds, scope)
        result = analyse(
            dataset, config, presets, window=analysis_window(dataset, config.window_days, today=date.today())
        )
    except UnknownPresetError as error:
        fail_usage(str(error))
        return
    try:
        warmups = assess_all(dataset, config, presets, today=result.window.end if result.window else None)
    except PlanError as error:
        fail_usage(str(error))
        return
    if output_format == "json":
        emit_json(report_json(result, dataset, generated_at=datetime.now(UTC), warmups=warmups))
    else:
        print_report(result, dataset, warmups)
    if result.has_critical:
        sys.exit(EXIT_FINDING)
    incomplete = [info for info in dataset.sources if info.state in (SourceState.STALE, SourceState.FAILED)]
    sys.exit(EXIT_INCOMPLETE if incomplete else EXIT_OK)


def report_json(
    result: Analysis,
    dataset: Dataset,
    *,
    generated_at: datetime,
    warmups: Mapping[str, WarmupProgress] | None = None,
) -> dict[str, Any]:
    window = result.window
    return {
        "generated_at": generated_at.isoformat(),
        "window": {"start": window.start, "end": window.end, "days": window.days} if window else None,
        "ips": [_ip_json(analysis, (warmups or {}).get(analysis.ip)) for analysis in result.ips.values()],
        "errors": [_error_json(error) for error in dataset.errors],
        "sources": [
            {
                "name": info.name,
                "kind": info.kind,
                "state": info.state.value,
                "fetched_at": info.fetched_at,
                "rows": info.rows,
                "row_errors": info.row_errors,
                "detail": info.detail,
            }
            for info in dataset.sources
        ],
    }


def _ip_json(analysis: IpAnalysis, warmup: WarmupProgress | None = None) -> dict[str, Any]:
    facts, totals, score = analysis.facts, analysis.metrics.totals, analysis.score
    return {
        "ip": analysis.ip,
        "pool": facts.pool if facts else None,
        "provider": facts.provider if facts else None,
        "kind": facts.kind if facts else None,
        "sent": totals.sent,
        "delivered": totals.delivered,
        "bounce_rate": totals.bounce_rate,
        "complaint_rate": totals.complaint_rate,
        "unsubscribe_rate": totals.unsubscribe_rate,
        "idle_days": analysis.metrics.idle_days,
        "score": score.value,
        "band": score.band.value,
        "score_reason": score.reason,
        "warmup": warmup.to_json() if warmup is not None else None,
        "breaches": [
            {
                "metric": b.metric,
                "scope": b.scope,
                "value": b.value,
                "threshold": b.threshold,
                "severity": b.status.value,
                "preset": b.preset,
                "source": b.source,
                "since": b.since,
                "reason": b.reason,
            }
            for b in analysis.breaches
        ],
    }


def _error_json(error: RowError) -> dict[str, Any]:
    return {"file": error.file, "line": error.line, "column": error.column, "message": error.message}


def print_report(
    result: Analysis, dataset: Dataset, warmups: Mapping[str, WarmupProgress] | None = None
) -> None:
    if result.window is None:
        click.echo("No sending data loaded.")
    else:
        window = result.window
        click.echo(f"Window {window.start} .. {window.end} ({window.days} days)\n")
    rows = []
    for analysis in result.ips.values():
        facts, totals, score = analysis.facts, analysis.metrics.totals, analysis.score
        worst = analysis.worst_status
        rows.append(
            [
                analysis.ip,
                facts.pool if facts else None,
                facts.provider if facts else None,
                facts.kind if facts else None,
                format_count(totals.sent),
                format_rate(totals.bounce_rate),
                format_rate(totals.complaint_rate),
                format_rate(totals.unsubscribe_rate),
                score.value if score.value is not None else "–",
                BAND_LABELS[score.band],
                warmup_cell_text(warmups[analysis.ip]) if warmups and analysis.ip in warmups else "—",
                f"{STATUS_LABELS[worst]} ×{len(analysis.breaches)}" if worst else "✓ none",
            ]
        )
    render_table(
        [
            "IP",
            "pool",
            "provider",
            "kind",
            "sent",
            "bounce",
            "complaint",
            "unsub",
            "score",
            "band",
            "warm-up",
            "breaches",
        ],
        rows,
        right_align=["sent", "bounce", "complaint", "unsub", "score"],
    )
    found = result.all_breaches()
    if found:
        click.echo("\nBreaches (critical first, newest first):")
        sources: dict[tuple[str, str], str] = {}
        for breach in found:
            scope = "all providers" if breach.scope == "ip" else breach.scope
            since = f" since {breach.since}" if breach.since else ""
            click.echo(
                f"  {STATUS_LABELS[breach.status]:<12} {breach.ip:<16} {METRIC_LABELS[breach.metric]:<11} "
                f"{scope:<13} {format_rate(breach.value):>7} ≥ {format_rate(breach.threshold)}{since}"
            )
            sources[(breach.preset, breach.metric)] = breach.source
        click.echo("\nThresholds used:")
        for (preset_name, metric), source in sources.items():
            click.echo(f"  {preset_name} / {METRIC_LABELS[metric]}: {source}")
    if dataset.errors:
        total_errors = sum(info.row_errors for info in dataset.sources)
        click.echo(f"\n{total_errors} row(s) skipped:", err=True)
        for error in dataset.errors[:20]:
            click.echo(f"  {error}", err=True)
        if total_errors > 20:
            click.echo(f"  … and {total_errors - 20} more (see --format json)", err=True)
