"""Check results as JSON-ready dicts (the `ipdash check --format json` shape) and back (the results store).

Shape (issue 3): {"resolver", "results": [{"target", "kind", "blocklists": [{"zone", "name", "status",
"codes", "meanings", "reason", "txt"}], "rdns": {"ptr", "fcrdns", "generic", "reason"}}], "summary":
{"listed", "clean", "error", "unknown", "skipped"}}. Extra keys add detail without changing those.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ipdash.domain.dnsbl.judge import Status
from ipdash.domain.dnsbl.rdns import Fcrdns, ProviderCheck, RdnsResult
from ipdash.domain.dnsbl.results import CheckReport, TargetResult, ZoneResult
from ipdash.domain.dnsbl.summary import report_counts, summarise


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime in check results: timestamps must carry an offset")
    return value.isoformat()


def zone_to_json(result: ZoneResult) -> dict[str, Any]:
    return {
        "zone": result.zone,
        "name": result.name,
        "status": result.status.value,
        "codes": list(result.codes),
        "meanings": list(result.meanings),
        "reason": result.reason,
        "txt": result.txt,
        "id": result.zone_id,
        "list_type": result.list_type,
        "importance": result.importance,
        "operator": result.operator,
        "severity": result.severity,
        "cause": result.cause or None,
        "remedy": result.remedy or None,
        "lookup_url": result.lookup_url or None,
        "lookup_evidence": result.lookup_evidence or None,
        "checked_at": _time(result.checked_at),
    }


def rdns_to_json(rdns: RdnsResult | None) -> dict[str, Any] | None:
    if rdns is None:
        return None
    return {
        "ptr": list(rdns.ptr),
        "fcrdns": rdns.fcrdns.value,
        "generic": rdns.generic,
        "reason": rdns.reason,
        "ip": rdns.ip,
        "generic_reason": rdns.generic_reason or None,
        "confirmed_name": rdns.confirmed_name,
        "more_names": rdns.more_names,
        "requirements": [
            {"provider": c.provider, "status": c.status, "reason": c.reason} for c in rdns.requirements
        ],
    }


def target_to_json(result: TargetResult) -> dict[str, Any]:
    summary = summarise(result.blocklists)
    return {
        "target": result.target,
        "kind": result.kind,
        "blocklists": [zone_to_json(zone) for zone in result.blocklists],
        "rdns": rdns_to_json(result.rdns),
        "checked_at": _time(result.checked_at),
        "resolver": result.resolver,
        "verdict": {"status": summary.overall.value, "reason": summary.text},
    }


def report_to_json(report: CheckReport) -> dict[str, Any]:
    everything = [zone for target in report.results for zone in target.blocklists]
    return {
        "resolver": report.resolver,
        "results": [target_to_json(target) for target in report.results],
        "summary": {**report_counts(report), "text": summarise(everything).text},
        "started_at": _time(report.started_at),
        "finished_at": _time(report.finished_at),
        "deadline_reached": report.deadline_reached,
    }


def zone_from_json(data: dict[str, Any]) -> ZoneResult:
    checked = data.get("checked_at")
    return ZoneResult(
        zone=str(data["zone"]),
        zone_id=str(data.get("id") or data["zone"]),
        name=str(data["name"]),
        list_type=data.get("list_type", "block"),
        importance=data.get("importance", "minor"),
        operator=str(data.get("operator") or ""),
        status=Status(data["status"]),
        reason=str(data["reason"]),
        codes=tuple(str(c) for c in data.get("codes", ())),
        meanings=tuple(str(m) for m in data.get("meanings", ())),
        remedy=str(data.get("remedy") or ""),
        severity=data.get("severity"),
        cause=str(data.get("cause") or ""),
        txt=data.get("txt"),
        checked_at=datetime.fromisoformat(checked) if checked else None,
        lookup_url=str(data.get("lookup_url") or ""),
        lookup_evidence=str(data.get("lookup_evidence") or ""),
    )


def rdns_from_json(data: dict[str, Any] | None) -> RdnsResult | None:
    if data is None:
        return None
    return RdnsResult(
        ip=str(data["ip"]),
        ptr=tuple(str(p) for p in data.get("ptr", ())),
        fcrdns=Fcrdns(data["fcrdns"]),
        generic=bool(data["generic"]),
        reason=str(data["reason"]),
        generic_reason=str(data.get("generic_reason") or ""),
        confirmed_name=data.get("confirmed_name"),
        more_names=int(data.get("more_names") or 0),
        requirements=tuple(
            ProviderCheck(str(c["provider"]), str(c["status"]), str(c["reason"]))
            for c in data.get("requirements", ())
        ),
    )


def target_from_json(data: dict[str, Any]) -> TargetResult:
    """Raises KeyError/ValueError/TypeError on a malformed record (the store skips such records)."""
    kind = data["kind"]
    if kind not in ("ip", "domain"):
        raise ValueError(f"unknown target kind {kind!r}")
    checked_at = datetime.fromisoformat(data["checked_at"])
    if checked_at.tzinfo is None:
        raise ValueError("checked_at has no offset")
    return TargetResult(
        target=str(data["target"]),
        kind=kind,
        blocklists=tuple(zone_from_json(zone) for zone in data["blocklists"]),
        rdns=rdns_from_json(data.get("rdns")),
        checked_at=checked_at,
        resolver=str(data.get("resolver") or ""),
    )
