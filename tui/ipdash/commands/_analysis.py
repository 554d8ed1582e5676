"""The analysis for headless commands: the same ``analyse`` call the TUI makes, with the stored (or
freshly run) blocklist/rDNS results, and the exit code it implies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

from ipdash.commands._options import stacked
from ipdash.commands._output import fail_usage
from ipdash.domain.analysis import Analysis, analyse
from ipdash.domain.checks import CheckResults
from ipdash.domain.dnsbl.settings import BlocklistConfigError, Nameserver, parse_nameserver
from ipdash.domain.metrics import Window
from ipdash.domain.models import Dataset, SourceState
from ipdash.domain.receiver import ReceiverData
from ipdash.domain.thresholds import IP_SCOPE, UnknownPresetError, resolve_levels
from ipdash.exit_codes import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_OK
from ipdash.gc_pauses import bulk_allocation
from ipdash.sources.reference_data import threshold_presets

if TYPE_CHECKING:
    from ipdash.sources.store.history import LeanRead


@dataclass(frozen=True)
class ChecksChoice:
    """Run the blocklist/rDNS and sending-domain checks now (``run``), or use the stored results.
    ``sample``: the data is the bundled sample, whose domains are checked from its offline zone snapshot."""

    run: bool = False
    nameserver: Nameserver | None = None
    sample: bool = False


def _domain_results(dataset: Dataset, config: Any, sample: bool) -> tuple[tuple[Any, ...], list[str]]:
    """The sending domains' checks ([[domains]] and the IPs' sending_domains), or why they did not run."""
    import asyncio

    from ipdash.sources.auth.setup import DomainSetupError, live_run, sample_run

    pools = {ip: facts.pool for ip, facts in dataset.facts.items()}
    sending = {ip: facts.sending_domains for ip, facts in dataset.facts.items()}
    try:
        if sample and not config.domains:
            run = sample_run(pools)
        elif config.domains or any(sending.values()):
            run = live_run(config.domains, config.blocklists, pools, sending)
        else:
            return (), []
    except DomainSetupError as error:
        return (), [f"sending domains not checked: {error}"]
    return tuple(asyncio.run(run.run())), []


def _nameserver(_: click.Context, __: click.Parameter, value: str | None) -> Nameserver | None:
    if value is None:
        return None
    try:
        return parse_nameserver(value)
    except BlocklistConfigError as error:
        raise click.BadParameter(str(error)) from error


check_options = stacked(
    click.option(
        "--checks",
        "run_checks",
        is_flag=True,
        help="Run the blocklist and rDNS checks for every IP first (default: use the stored results).",
    ),
    click.option(
        "--nameserver", callback=_nameserver, help="With --checks: send every query to HOST[:PORT]."
    ),
)
"""``--checks`` and ``--nameserver`` for a command that reports on IPs."""


@bulk_allocation()
def analyse_for_cli(
    dataset: Dataset,
    config: Any,
    choice: ChecksChoice = ChecksChoice(),
    *,
    today: date | None = None,
    window: Window | None = None,
    receiver: ReceiverData | None = None,
    lean: LeanRead | None = None,
) -> tuple[Analysis, list[str]]:
    """The one analysis, with check results; exits 2 on an unknown preset or unusable [blocklists].

    ``lean``: ``dataset`` holds a lean read of the stored history (``sources.store.history``): the IPs
    that need their earlier daily stats are found by a first analysis, their stats read, and the
    analysis made again over them, so the result is the whole lookback's. Fresh checks (``choice.run``)
    run once, for the IPs of the whole lookback."""
    from ipdash.domain.dnsbl.plan import ZoneSelectionError
    from ipdash.sources.dns.configure import NoNameserverError
    from ipdash.sources.dns.stored import fresh_check_results, stored_check_results
    from ipdash.sources.store.history import analyse_in_two_steps

    presets = threshold_presets()
    now = datetime.now(UTC)

    def analysed(data: Dataset, previous: Analysis | None, checks: CheckResults | None) -> Analysis:
        return analyse(
            data,
            config,
            presets,
            checks=checks,
            today=today or date.today(),
            window=window,
            receiver=receiver,
            previous=previous,
        )

    try:
        # Checked up front too: with no data rows analyse() never looks the presets up.
        for scope in (IP_SCOPE, *config.thresholds.mailbox_provider_presets):
            resolve_levels(presets, config.thresholds, scope)
        if choice.run:
            first: Analysis | None = None
            if lean is not None:  # which IPs there are is known once the context is read
                first, dataset = analyse_in_two_steps(
                    dataset, lean, lambda data, previous: analysed(data, previous, None), receiver=receiver
                )
            shared = frozenset(ip for ip, facts in dataset.facts.items() if facts.kind == "shared")
            checks, notes = fresh_check_results(
                config.blocklists, dataset.ips(), now=now, nameserver=choice.nameserver, shared_ips=shared
            )
            domains, domain_notes = _domain_results(dataset, config, choice.sample)
            checks, notes = replace(checks, domains=domains), notes + domain_notes
            result = analysed(dataset, first, checks)
        else:
            checks, notes = stored_check_results(config.blocklists, now)
            result, _read = analyse_in_two_steps(
                dataset, lean, lambda data, previous: analysed(data, previous, checks), receiver=receiver
            )
    except (UnknownPresetError, BlocklistConfigError, ZoneSelectionError, NoNameserverError) as error:
        fail_usage(str(error))
        raise  # fail_usage exits; this keeps the type checker sure
    return result, notes


def finding_exit_code(result: Analysis, dataset: Dataset) -> int:
    """1 on a critical breach or any listing; else 3 when a source failed or a check could not be made."""
    listed = any(item.kind in ("listing", "provider-listing") for item in result.feed)
    if result.has_critical or listed:
        return EXIT_FINDING
    failed = any(info.state in (SourceState.STALE, SourceState.FAILED) for info in dataset.sources)
    return EXIT_INCOMPLETE if failed or result.checks_incomplete else EXIT_OK
