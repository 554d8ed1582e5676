"""`ipdash check`: blocklist (DNSBL) and reverse-DNS verdicts for IPs, IPv4 blocks up to /24, and domains.

Exit codes: 0 every list answered and nothing is listed (and rDNS passes); 1 a listing or failing rDNS;
2 usage or input error; 3 incomplete (errors, unknowns or the deadline, without a listing).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import ipdash.commands._no_pydantic_plugins  # noqa: F401  (before any model is built)
from ipdash.commands._options import PluginCommand, config_option, format_option
from ipdash.commands._output import echo, emit_json, fail_usage, render_table
from ipdash.domain.dnsbl.catalog import Catalog, ZoneEntry
from ipdash.domain.dnsbl.labels import fcrdns_label, lookup_caveat, status_label
from ipdash.domain.dnsbl.plan import ZoneSelectionError, split_zone_names
from ipdash.domain.dnsbl.results import CheckReport, TargetResult
from ipdash.domain.dnsbl.score import RunOutcome, run_outcome
from ipdash.domain.dnsbl.serialise import report_to_json
from ipdash.domain.dnsbl.settings import BlocklistConfigError, Nameserver, parse_nameserver
from ipdash.domain.dnsbl.summary import summarise
from ipdash.domain.dnsbl.targets import Target, TargetError, parse_targets
from ipdash.exit_codes import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_OK
from ipdash.gc_pauses import bulk_allocation
from ipdash.sources.config_file import ConfigError, read_config_tables, validate_config
from ipdash.sources.dns.checker import CheckSettings, check_targets
from ipdash.sources.dns.configure import CheckChoices, NoNameserverError, build_check_settings

if TYPE_CHECKING:
    from ipdash.domain.config import Config

EXIT_FOR = {
    RunOutcome.CLEAN: EXIT_OK,
    RunOutcome.FINDING: EXIT_FINDING,
    RunOutcome.INCOMPLETE: EXIT_INCOMPLETE,
}


def _nameserver(_: click.Context, __: click.Parameter, value: str | None) -> Nameserver | None:
    if value is None:
        return None
    try:
        return parse_nameserver(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _a_number(_: click.Context, __: click.Parameter, value: float | None) -> float | None:
    """FloatRange lets NaN through (every comparison with it is false): a NaN timeout waited for nothing,
    so every health probe "timed out" and the resolver was reported silent."""
    if value is not None and value != value:
        raise click.BadParameter("not a number")
    return value


@click.command(cls=PluginCommand)
@click.argument("targets", nargs=-1)
@click.option("--zones", "zones", multiple=True, help="Catalog names or raw zone names, comma-separated.")
@click.option(
    "--nameserver", callback=_nameserver, help="Send every query to this resolver: HOST[:PORT] ([IPv6]:PORT)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.05, 30),
    default=None,
    callback=_a_number,
    help="Per-query timeout in seconds (2.5).",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 100), default=None, help="Queries in flight at most (50)."
)
@click.option(
    "--include-private",
    is_flag=True,
    help="Also ask public lists about addresses they never list: private, CGNAT, link-local, "
    "unique-local, loopback, multicast, reserved.",
)
@click.option("--no-rdns", is_flag=True, help="Skip reverse-DNS checks.")
@format_option("table", "json", "nagios")
@config_option()
@click.option("--list-zones", is_flag=True, help="Show the zone catalog and exit.")
@click.option(
    "--auth", is_flag=True, help="Also check each DOMAIN's SPF, DKIM, DMARC, BIMI, MTA-STS, TLS-RPT."
)
@click.option("--selectors", default="", help="DKIM selectors for --auth, comma-separated (s1,s2).")
def check(
    targets: tuple[str, ...],
    zones: tuple[str, ...],
    nameserver: Nameserver | None,
    timeout: float | None,
    concurrency: int | None,
    include_private: bool,
    no_rdns: bool,
    output_format: str,
    config_path: Path | None,
    list_zones: bool,
    auth: bool,
    selectors: str,
) -> None:
    """Blocklist and rDNS verdicts: listed / clean / error / unknown / skipped, with codes and reasons.

    TARGET is an IPv4 or IPv6 address, an IPv4 block up to /24, or a domain. Unknown (timeouts,
    SERVFAIL, REFUSED, unhealthy zones) is never counted as clean.

    Exit codes: 0 all clean; 1 a listing or failing rDNS; 2 usage; 3 incomplete (no listing, but
    errors or unknowns).
    """
    if zones and not split_zone_names(zones):
        fail_usage("check: --zones names no list (give catalog ids or zone names, comma-separated)")
    try:
        config = _load_config(config_path)
        shared = [entry.ip for entry in config.ips if entry.kind == "shared"] if config else []
        choices = CheckChoices(
            zones=split_zone_names(zones) or None,
            nameserver=nameserver,
            timeout=timeout,
            concurrency=concurrency,
            rdns=False if no_rdns else None,
            shared_ips=frozenset(shared),
            include_private=include_private,
        )
        settings = build_check_settings(config.blocklists if config else {}, choices)
    except (ConfigError, BlocklistConfigError, ZoneSelectionError, NoNameserverError) as error:
        fail_usage(str(error))
        return
    if list_zones:
        _print_catalog(settings.catalog, output_format)
        return
    if not targets:
        fail_usage("check: give at least one TARGET (an IP address, an IPv4 block up to /24, or a domain)")
    try:
        parsed = parse_targets(targets)
    except TargetError as error:
        fail_usage(f"check: bad target {error}")
        return
    specs = _auth_specs(parsed, config, selectors) if auth else []
    with bulk_allocation():  # a /24 × 10 lists allocates ~10^5 objects that live to the end
        report = _run_sweep(parsed, settings)
    outcome = run_outcome(report)
    results: list[Any] = []
    if auth:  # imported only when asked: SPF/DKIM/… pull in httpx and the policy parsers
        from ipdash.commands import check_auth

        results = check_auth.run_auth(specs, settings)
        outcome = check_auth.combined(outcome, check_auth.auth_outcome(results))
    if output_format in ("json", "nagios"):
        with bulk_allocation():
            document = report_to_json(report)
        if auth:
            document = check_auth.add_to_json(document, results)
        if output_format == "nagios":
            from ipdash.commands import _nagios

            _nagios.emit(_nagios.check_output(document, outcome.value))
        else:
            emit_json(document)
    else:
        _print_report(report)
        if auth:
            check_auth.print_auth(results)
    sys.exit(EXIT_FOR[outcome])


def _load_config(config_path: Path | None) -> Config | None:
    """The validated config; None when there is no file or it holds nothing (so no defaults to build and
    nothing to validate: a check without a config does not load pydantic). Raises ConfigError."""
    tables, where = read_config_tables(config_path)
    return validate_config(tables, where) if where is not None and tables else None


def _run_sweep(parsed: Sequence[Target], settings: CheckSettings) -> CheckReport:
    """The sweep on a fresh event loop. The main task returns None: on Python 3.11 ``asyncio.run``
    looks up the SIGINT handler twice as it finishes, and the lookup formats that handler, which holds
    the main task, whose repr includes its result: the whole report (~1 MB of text for a /24)."""
    reports: list[CheckReport] = []

    async def sweep() -> None:
        reports.append(await check_targets(parsed, settings=settings))

    asyncio.run(sweep())
    return reports[0]


def _auth_specs(parsed: Any, config: Config | None, selectors: str) -> list[Any]:
    from ipdash.commands import check_auth
    from ipdash.domain.auth.config import parse_selector
    from ipdash.domain.config import Config

    try:
        names = [parse_selector(s) for s in selectors.split(",") if s.strip()]
    except ValueError as error:
        fail_usage(f"check: --selectors: {error}")
    specs = check_auth.specs_for(parsed, config or Config(), names)
    if not specs:
        fail_usage("check: --auth needs at least one DOMAIN target")
    return specs


def _print_report(report: CheckReport) -> None:
    echo(f"resolver: {report.resolver}")
    for result in report.results:
        echo("")
        echo(f"{result.target}: {summarise(result.blocklists).text}")
        if result.blocklists:
            render_table(("status", "list", "zone", "codes", "reason"), _zone_rows(result))
        if result.rdns is not None:
            rdns = result.rdns
            names = f" {', '.join(rdns.ptr)}:" if rdns.ptr else ""
            echo(f"rDNS {fcrdns_label(rdns.fcrdns)}:{names} {rdns.reason}")
            for requirement in rdns.requirements:
                echo(f"  {requirement.provider}: {requirement.status} ({requirement.reason})")
    everything = [zone for target in report.results for zone in target.blocklists]
    echo("")
    echo(f"overall: {summarise(everything).text}")
    if report.deadline_reached:
        echo("the overall deadline was reached: some lists were not asked")


def _zone_rows(result: TargetResult) -> list[tuple[str, ...]]:
    from rich.markup import escape

    rows = []
    for zone in result.blocklists:
        reason = zone.reason
        if zone.remedy:
            reason += f" → {zone.remedy}"
        if zone.txt:
            reason += f" — TXT: {zone.txt}"
        if zone.lookup_url:
            caveat = lookup_caveat(zone.lookup_evidence)
            reason += f" — look up / delist: {zone.lookup_url}" + (f" {caveat}" if caveat else "")
        cells = (
            status_label(zone.status, zone.severity),
            zone.name,
            zone.zone,
            ", ".join(zone.codes),
            reason,
        )
        rows.append(tuple(escape(cell) for cell in cells))
    return rows


def _print_catalog(catalog: Catalog, output_format: str) -> None:
    if output_format == "json":
        emit_json({"zones": [_catalog_row(entry) for entry in catalog.zones]})
        return
    rows = [
        (
            e.id,
            e.display_zone,
            e.kind,
            e.list_type,
            e.importance,
            e.status + (f" {e.defunct_since}" if e.defunct_since else ""),
            "yes" if e.default else ("demoted" if e.demoted else ""),
            e.key.env if e.key else "",
            _verified_cell(e),
            e.sources[0] if e.sources else "",
        )
        for e in catalog.zones
    ]
    headers = (
        "id",
        "zone",
        "kind",
        "type",
        "importance",
        "status",
        "default",
        "key from",
        "verified",
        "source",
    )
    render_table(headers, rows)


def _verified_cell(entry: ZoneEntry) -> str:
    """The date the sources were read, or "unverified" and why (never a blank that reads as fine)."""
    if entry.verified:
        return entry.verified.isoformat()
    return f"unverified: {entry.unverified_reason}" if entry.unverified_reason else "unverified"


def _catalog_row(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "zone": entry.display_zone,
        "name": entry.name,
        "kind": entry.kind,
        "families": list(entry.families),
        "list_type": entry.list_type,
        "importance": entry.importance,
        "status": entry.status,
        "defunct_since": entry.defunct_since,
        "default": entry.default,
        "key_env": entry.key.env if entry.key else None,
        "ip_literals": entry.ip_literals,
        "demoted": entry.demoted or None,
        "lookup_url": entry.lookup_url or None,
        "lookup_evidence": entry.lookup_evidence if entry.lookup_url else None,
        "verified": entry.verified,
        "unverified_reason": None if entry.verified else entry.unverified_reason or None,
        "sources": list(entry.sources),
    }
