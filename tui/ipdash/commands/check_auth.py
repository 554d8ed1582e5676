"""`ipdash check DOMAIN --auth`: SPF, DKIM, DMARC, BIMI, MTA-STS and TLS-RPT for each domain target,
added to that target's result as ``auth`` (issue 14). Exit: 1 when any check fails, 3 when any is unknown
and none fails; combined with the blocklist outcome by check.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ipdash.commands._output import echo
from ipdash.domain.auth.config import DomainSpec, domain_specs
from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.auth.requirements import provider_summary
from ipdash.domain.auth.serialise import auth_to_json
from ipdash.domain.auth.spf_walk import chain_lines
from ipdash.domain.auth.status import SYMBOLS, Status, worst
from ipdash.domain.config import Config
from ipdash.domain.dnsbl.score import RunOutcome
from ipdash.domain.dnsbl.targets import Target
from ipdash.sources.auth import Lookups, check_domains
from ipdash.sources.auth.ptr import ptr_check
from ipdash.sources.dns.checker import CheckSettings
from ipdash.sources.dns.client import DnsClient


def specs_for(targets: Sequence[Target], config: Config, selectors: Sequence[str]) -> list[DomainSpec]:
    """Each domain target's spec: its [[domains]] entry (selectors replaced by --selectors when given),
    else the IPs whose facts name it as a sending domain."""
    pools = {entry.ip: entry.pool for entry in config.ips}
    facts = {entry.ip: entry.sending_domains for entry in config.ips}
    known = {spec.name: spec for spec in domain_specs(config.domains, pools, facts)}
    specs = []
    for target in targets:
        if target.kind != "domain":
            continue
        spec = known.get(target.text, DomainSpec(target.text))
        if selectors:
            spec = DomainSpec(spec.name, tuple(selectors), spec.ips, spec.return_path, spec.dkim_domain)
        specs.append(spec)
    return specs


def run_auth(specs: Sequence[DomainSpec], settings: CheckSettings) -> list[DomainAuth]:
    lookups = Lookups(DnsClient(settings.nameserver), timeout=settings.timeout, label=settings.resolver_label)
    checks = ptr_check(settings) if settings.rdns else None
    return asyncio.run(check_domains(specs, lookups, ptr_check=checks))


def auth_outcome(results: Sequence[DomainAuth]) -> RunOutcome:
    status = worst(result.status for result in results)
    if status is Status.FAIL:
        return RunOutcome.FINDING
    return RunOutcome.INCOMPLETE if status is Status.UNKNOWN else RunOutcome.CLEAN


def combined(first: RunOutcome, second: RunOutcome) -> RunOutcome:
    for outcome in (RunOutcome.FINDING, RunOutcome.INCOMPLETE):
        if outcome in (first, second):
            return outcome
    return RunOutcome.CLEAN


def add_to_json(report: dict[str, Any], results: Sequence[DomainAuth]) -> dict[str, Any]:
    by_name = {result.name: result for result in results}
    for target in report.get("results", []):
        result = by_name.get(target.get("target"))
        if result is not None:
            target["auth"] = auth_to_json(result)
    return report


def print_auth(results: Sequence[DomainAuth]) -> None:
    from ipdash.commands._output import render_table

    for result in results:
        echo("")
        echo(f"{result.name}: authentication {SYMBOLS[result.status]} {result.status.value}")
        rows = [("SPF", result.spf.status, result.spf.reason)]
        rows += [(f"DKIM {d.selector}", d.status, d.reason) for d in result.dkim]
        if not result.dkim:
            rows.append(("DKIM", Status.UNKNOWN, "no selectors configured: pass --selectors s1,s2"))
        rows += [
            ("DMARC", result.dmarc.status, result.dmarc.reason),
            ("BIMI", result.bimi.status, result.bimi.reason),
            ("MTA-STS", result.mta_sts.status, result.mta_sts.reason),
            ("TLS-RPT", result.tls_rpt.status, result.tls_rpt.reason),
        ]
        render_table(("check", "status", "reason"), [(n, f"{SYMBOLS[s]} {s.value}", r) for n, s, r in rows])
        if result.spf.chain is not None and result.spf.chain.children:
            echo("SPF lookup chain:")
            for line in chain_lines(result.spf.chain):
                echo(f"  {line}")
        lines = list(result.requirements)
        for provider_id in dict.fromkeys(line.provider_id for line in lines):
            echo(provider_summary(lines, provider_id))
