"""`ipdash report`: the per-IP summary for cron, CI and scripts."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ipdash.commands._analysis import ChecksChoice, analyse_for_cli, check_options, finding_exit_code
from ipdash.commands._options import PluginCommand, config_option, format_option
from ipdash.commands._output import echo, emit_json, fail_usage, render_table
from ipdash.commands._receiver import load_receiver_for_cli, receiver_options
from ipdash.commands.accounts_json import accounts_to_json
from ipdash.commands.mta_json import mta_fields, mta_options, mta_specs_from_options
from ipdash.domain.analysis import Analysis, IpAnalysis
from ipdash.domain.auth.serialise import domains_to_json
from ipdash.domain.checks import IpChecks
from ipdash.domain.dnsbl.serialise import rdns_to_json
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.domain.dnsbl.summary import summarise
from ipdash.domain.feed import FeedItem
from ipdash.domain.labels import BAND_LABELS, STATUS_LABELS, format_count
from ipdash.domain.models import Dataset, RowError
from ipdash.domain.thresholds import format_rate
from ipdash.domain.warmup import warmup_cell_text
from ipdash.sources.config_file import ConfigError
from ipdash.sources.csv_stats import CsvReadError
from ipdash.sources.loader import load_lean_for_cli


@click.command(cls=PluginCommand)
@click.option(
    "--csv", "csv_files", multiple=True, type=click.Path(path_type=Path), help="Stats or SNDS CSV file(s)."
)
@config_option()
@mta_options
@click.option("--demo", is_flag=True, help="Use the bundled sample data (the default with no other source).")
@click.option(
    "--window", "window_days", type=click.IntRange(1, 366), default=None, help="Window in days (default 7)."
)
@click.option("--preset", default=None, help="Threshold preset: default, gmail-yahoo, ses, dynamics, …")
@check_options
@receiver_options
@click.option(
    "--reanalyse",
    is_flag=True,
    help="Analyse the stored history now even when the shared analysis of the same data is stored.",
)
@format_option("table", "json", "nagios")
def report(
    csv_files: tuple[Path, ...],
    config_path: Path | None,
    mta_logs: tuple[Path, ...],
    mta_format: str,
    mta_ips: tuple[str, ...],
    mta_timezone: str | None,
    demo: bool,
    window_days: int | None,
    preset: str | None,
    run_checks: bool,
    nameserver: Nameserver | None,
    dmarc_paths: tuple[Path, ...],
    arf_paths: tuple[Path, ...],
    reanalyse: bool,
    output_format: str,
) -> None:
    """Per-IP summary: volume, rates, score, warm-up, breaches.

    With a config that has [[sources]], every provider source is polled once and
    merged (with the stored history): every IP a source knows is listed, even
    before it has volume.

    Blocklist and rDNS results are the stored ones (from `b` in the TUI or an earlier
    --checks), exactly as the TUI uses them; --checks runs them first.

    Exit codes: 0 all good; 1 a finding (a critical breach or a listing); 2 usage or
    unreadable input; 3 no finding, but the report is incomplete (a provider source
    failed, or a blocklist or rDNS check could not be made).

    On a [store]-only config (a viewer of a shared store), the JSON and nagios output come from the
    analysis a poller or an earlier report stored for the same data, config, day and check results
    (--reanalyse: analyse anyway); anything else changed, it is analysed now and stored for the next.
    """
    shared = None
    if not (csv_files or mta_logs or demo or run_checks or dmarc_paths or arf_paths):
        shared = _shared_lookup(config_path, window_days, preset, output_format, reanalyse)
    try:
        mta_specs = mta_specs_from_options(mta_logs, mta_format, mta_ips, mta_timezone)
        # The stored history read lean: the analysis reads the earlier days of the IPs that need them.
        config, dataset, lean = load_lean_for_cli(
            csv_files, config_path, demo, poll_sources=True, mta_logs=mta_specs, window_days=window_days
        )
    except (ConfigError, CsvReadError) as error:
        fail_usage(str(error))
        return
    config = _with_options(config, window_days, preset)
    sample = not csv_files and not mta_logs and config_path is None and not config.sources
    from ipdash.sources.loader import plan_from_inputs

    # The sample's DMARC/ARF reports go with the sample's stats, as in the TUI (a config with no data
    # source of its own, e.g. only [blocklists], shows the sample data).
    sample_data = plan_from_inputs(csv_files, config, demo, config_path, mta_specs).is_sample
    receiver = load_receiver_for_cli(
        dataset,
        config,
        config_path,
        dmarc_paths,
        arf_paths,
        sample=sample_data,
        echo_errors=output_format != "table",
    )
    choice = ChecksChoice(run_checks, nameserver, sample=sample)
    from ipdash.sources.store import StoreError

    try:
        today = shared.today if shared is not None else None
        result, notes = analyse_for_cli(dataset, config, choice, receiver=receiver, lean=lean, today=today)
    except StoreError as error:  # the earlier days of the IPs that need them, read mid-analysis
        fail_usage(str(error))
        return
    finally:
        if lean is not None:
            lean.close()
    if shared is not None:
        shared.save(result, dataset, notes, config)
    for note in notes:
        echo(f"ipdash report: {note}", err=True)
    if output_format == "nagios":
        from ipdash.commands import _nagios

        payload = report_json(result, dataset, generated_at=datetime.now(UTC))
        _nagios.emit(
            _nagios.report_output(
                payload,
                _nagios.report_levels(config.thresholds),
                exit_code=finding_exit_code(result, dataset),
            )
        )
    if output_format == "json":
        emit_json(report_json(result, dataset, generated_at=datetime.now(UTC)))
    else:
        print_report(result, dataset)
    sys.exit(finding_exit_code(result, dataset))


def _with_options(config: Any, window_days: int | None, preset: str | None) -> Any:
    updates: dict[str, Any] = {}
    if window_days is not None:
        updates["window_days"] = window_days
    if preset is not None:
        updates["thresholds"] = config.thresholds.model_copy(update={"preset": preset})
    return config.model_copy(update=updates)


def _shared_lookup(
    config_path: Path | None, window_days: int | None, preset: str | None, output_format: str, reanalyse: bool
) -> Any:
    """On a [store]-only config: print the stored report and exit when one matches (not for the table,
    which is rendered from the analysis), else what stores this report once analysed (None: nothing)."""
    from ipdash.commands._shared_report import SharedReport
    from ipdash.sources.config_file import load_config

    try:
        config, found_at = load_config(config_path)
    except ConfigError:
        return None  # the normal path says what is wrong
    config = _with_options(config, window_days, preset)
    shared = SharedReport.open(config, found_at)
    if shared is None:
        return None
    found = shared.lookup() if output_format != "table" and not reanalyse else None
    if found is None:
        return shared
    shared.close()
    for note in found.notes:
        echo(f"ipdash report: {note}", err=True)
    generated_at = datetime.now(UTC)
    if output_format == "nagios":
        from ipdash.commands import _nagios

        levels = _nagios.report_levels(config.thresholds)
        _nagios.emit(_nagios.report_output(found.payload(generated_at), levels, exit_code=found.exit_code))
    click.echo(found.json_text(generated_at))  # as emit_json writes it
    sys.exit(found.exit_code)


def report_json(result: Analysis, dataset: Dataset, *, generated_at: datetime) -> dict[str, Any]:
    window = result.window
    ip_scoped = {id(item) for analysis in result.ips.values() for item in analysis.breaches}
    return {
        "generated_at": generated_at.isoformat(),
        "window": {"start": window.start, "end": window.end, "days": window.days} if window else None,
        "ips": [_ip_json(analysis) for analysis in result.ips.values()],
        "account_breaches": [
            _breach_json(item) for item in result.feed if id(item) not in ip_scoped and item.kind != "domain"
        ],
        "domains": domains_to_json(result.domains),
        "accounts": accounts_to_json(result.accounts),
        "unknown_sources": [source.to_json() for source in result.unknown_sources],
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


def _ip_json(analysis: IpAnalysis) -> dict[str, Any]:
    facts, totals, score = analysis.facts, analysis.metrics.totals, analysis.score
    warmup = analysis.warmup
    return {
        "ip": analysis.ip,
        "pool": facts.pool if facts else None,
        "provider": facts.provider if facts else None,
        "kind": facts.kind if facts else None,
        "sent": totals.sent if analysis.volume_known else None,
        "delivered": totals.delivered,
        "bounce_rate": totals.bounce_rate,
        "complaint_rate": totals.complaint_rate,
        "unsubscribe_rate": totals.unsubscribe_rate,
        **mta_fields(analysis),
        "idle_days": analysis.metrics.idle_days,
        "score": score.value,
        "band": score.band.value,
        "score_reason": score.reason,
        "warmup": warmup.to_json() if warmup is not None else None,
        "blocklists": _checks_json(analysis.checks),
        "breaches": [_breach_json(b) for b in analysis.breaches],
        "dmarc": analysis.receiver.to_json() if analysis.receiver is not None else None,
    }


def _breach_json(breach: FeedItem) -> dict[str, Any]:
    return {
        "kind": breach.kind,
        "metric": breach.metric,
        "scope": breach.scope,
        "value": breach.value,
        "threshold": breach.threshold,
        "severity": breach.severity,
        "preset": breach.preset or None,
        "source": breach.source,
        "since": breach.since,
        "what": breach.what,
        "reason": breach.reason or breach.detail,
    }


def _checks_json(checks: IpChecks | None) -> dict[str, Any]:
    """The IP's blocklist and rDNS verdict as the TUI shows it; "not-checked" when there is no result."""
    if checks is None:
        return {"status": "not-checked", "reason": "no blocklist or rDNS result yet (run with --checks)"}
    result = checks.result
    summary = summarise(result.blocklists)
    return {
        "status": summary.overall.value,
        "reason": summary.text,
        "checked_at": result.checked_at,
        "resolver": result.resolver or None,
        "stale": checks.stale,
        "listed": [zone.zone for zone in result.listed],
        "important_unknown": checks.signal.important_unknown,
        "rdns": rdns_to_json(result.rdns),
    }


def _checks_cell(checks: IpChecks | None) -> str:
    from ipdash.domain.dnsbl.labels import blocklist_cell_text

    if checks is None:
        return "— not checked"
    text, _level = blocklist_cell_text(checks.result)
    return text + (" · stale" if checks.stale else "")


def _error_json(error: RowError) -> dict[str, Any]:
    return {"file": error.file, "line": error.line, "column": error.column, "message": error.message}


def _dmarc_cell(analysis: IpAnalysis) -> str:
    """The DMARC pass rate over the receiver-reported messages ("98.1% of 4,210"), as the TUI's detail."""
    found = analysis.receiver
    if found is None or found.dmarc_pass_rate is None:
        return "—"
    return f"{format_rate(found.dmarc_pass_rate)} of {format_count(found.messages)}"


def print_report(result: Analysis, dataset: Dataset) -> None:
    if result.window is None:
        echo("No sending data loaded.")
    else:
        window = result.window
        echo(f"Window {window.start} .. {window.end} ({window.days} days)\n")
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
                format_count(totals.sent) if analysis.volume_known else "—",
                format_rate(totals.bounce_rate),
                format_rate(totals.complaint_rate),
                format_rate(totals.unsubscribe_rate),
                score.value if score.value is not None else "–",
                BAND_LABELS[score.band],
                _checks_cell(analysis.checks),
                warmup_cell_text(analysis.warmup) if analysis.warmup is not None else "—",
                f"{STATUS_LABELS[worst]} ×{len(analysis.breaches)}" if worst else "✓ none",
            ]
        )
    headers = [
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
        "blocklists · rDNS",
        "warm-up",
        "breaches",
    ]
    if any(analysis.receiver is not None for analysis in result.ips.values()):  # a DMARC/ARF source
        headers.insert(8, "DMARC")
        for row, analysis in zip(rows, result.ips.values(), strict=True):
            row.insert(8, _dmarc_cell(analysis))
    render_table(headers, rows, right_align=["sent", "bounce", "complaint", "unsub", "score", "DMARC"])
    found = result.all_breaches()
    if found:
        echo("\nBreaches (critical first, newest first):")
        # Columns as wide as their widest entry (an account or domain subject is longer than an IP).
        subject_width = max(16, *(len(breach.ip) for breach in found))
        what_width = max(28, *(len(breach.what) for breach in found))
        for breach in found:
            since = f" since {breach.since}" if breach.since else ""
            echo(
                f"  {STATUS_LABELS[breach.status]:<12} {breach.ip:<{subject_width}} "
                f"{breach.what:<{what_width}} {breach.detail}{since}"
            )
        echo("\nSources of the levels and signals:")
        for source in dict.fromkeys(breach.source for breach in found):
            echo(f"  {source}")
    if dataset.errors:
        total_errors = sum(info.row_errors for info in dataset.sources)
        echo(f"\n{total_errors} row(s) skipped:", err=True)
        for error in dataset.errors[:20]:
            echo(f"  {error}", err=True)
        if total_errors > 20:
            echo(f"  … and {total_errors - 20} more (see --format json)", err=True)
