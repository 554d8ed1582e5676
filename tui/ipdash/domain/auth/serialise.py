"""Domain authentication results as JSON-ready dicts: ``auth_to_json`` is the ``auth`` object of
`ipdash check DOMAIN --auth --format json` (issue 14's Interface), ``domains_to_json`` the ``domains`` list
for `report` JSON. Extra keys add detail without changing the promised ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipdash.domain.auth.dkim import DkimCheck
from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.auth.requirements import provider_summary
from ipdash.domain.auth.simple_check import RecordCheck
from ipdash.domain.auth.spf_walk import SpfNode


def _chain(node: SpfNode | None) -> dict[str, Any] | None:
    if node is None:
        return None
    return {
        "domain": node.domain,
        "via": node.via or None,
        "record": node.record,
        "lookups": node.lookups,
        "problem": node.problem or None,
        "includes": [_chain(child) for child in node.children],
    }


def _dkim(check: DkimCheck) -> dict[str, Any]:
    return {
        "selector": check.selector,
        "status": check.status.value,
        "reason": check.reason,
        "key_bits": check.key_bits,
        "key_type": check.key_type,
        "testing": check.testing,
        "name": check.name,
        "record": check.record,
    }


def _record(check: RecordCheck) -> dict[str, Any]:
    return {
        "status": check.status.value,
        "reason": check.reason,
        "name": check.name,
        "record": check.record,
    } | {key: value for key, value in check.details.items()}


def auth_to_json(result: DomainAuth) -> dict[str, Any]:
    spf, dmarc = result.spf, result.dmarc
    provider_ids = dict.fromkeys(line.provider_id for line in result.requirements)
    return {
        "status": result.status.value,
        "spf": {
            "status": spf.status.value,
            "reason": spf.reason,
            "lookups": spf.lookups,
            "void_lookups": spf.void_lookups,
            "domain": spf.domain,
            "record": spf.record,
            "ips": dict(spf.per_ip),
            "ip_reasons": dict(spf.per_ip_reason),
            "chain": _chain(spf.chain),
        },
        "dkim": [_dkim(check) for check in result.dkim],
        "dmarc": {
            "status": dmarc.status.value,
            "reason": dmarc.reason,
            "policy": dmarc.policy,
            "pct": dmarc.pct,
            "record": dmarc.record,
            "found_at": dmarc.found_at,
            "org_domain": dmarc.org_domain,
            "rua": list(dmarc.rua),
            "ruf": list(dmarc.ruf),
            "aligned": dict(dmarc.aligned),
        },
        "bimi": _record(result.bimi),
        "mta_sts": _record(result.mta_sts),
        "tls_rpt": _record(result.tls_rpt),
        "requirements": [
            {
                "provider": line.provider,
                "rule": line.rule,
                "status": line.status.value,
                "source": line.source,
                "reason": line.reason,
                "provider_id": line.provider_id,
                "rule_id": line.rule_id,
                "checkable_in_dns": line.checkable,
            }
            for line in result.requirements
        ],
        "summary": {pid: provider_summary(list(result.requirements), pid) for pid in provider_ids},
        "checked_at": result.checked_at.isoformat() if result.checked_at else None,
        "source": result.source or None,
    }


def domains_to_json(results: Sequence[DomainAuth]) -> list[dict[str, Any]]:
    """The ``domains`` list of `report` JSON: one entry per sending domain."""
    return [
        {
            "domain": result.name,
            "ips": list(result.spec.ips),
            "selectors": list(result.spec.selectors),
            "status": result.status.value,
            "auth": auth_to_json(result),
        }
        for result in results
    ]
