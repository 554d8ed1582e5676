"""Mailbox providers' bulk-sender checklists (data in sender_requirements.json) judged for one domain:
each line pass / fail / unknown with its source, summarised as "meets Gmail's requirements: 4 of 5"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from ipdash.domain.auth.status import Status, worst


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    id: str
    rule: str
    check: str


class Provider(_Strict):
    id: str
    name: str
    applies: str
    source: str
    rules: tuple[Rule, ...]


class Requirements(_Strict):
    providers: tuple[Provider, ...]


def requirements_from_data(data: Mapping[str, Any]) -> Requirements:
    return Requirements.model_validate({k: v for k, v in data.items() if not k.startswith("_")})


@dataclass(frozen=True, slots=True)
class Signals:
    """What the checklists read off the checks: None where a check could not be made."""

    spf: Status
    dkim: Status  # worst over the configured selectors (FAIL with none configured)
    dkim_configured: bool
    dkim_min_bits_ok: bool | None
    dmarc_present: bool | None
    dmarc_aligned: bool | None
    ptr: Status  # worst over the sending IPs' rDNS; UNKNOWN with no IPs or no results


@dataclass(frozen=True, slots=True)
class RequirementLine:
    provider: str
    provider_id: str
    rule_id: str
    rule: str
    status: Status
    reason: str
    source: str
    checkable: bool


NOT_DNS = "not visible in DNS: check your mail and the provider's dashboard"


def _from_bool(value: bool | None, yes: str, no: str, unknown: str) -> tuple[Status, str]:
    if value is None:
        return Status.UNKNOWN, unknown
    return (Status.PASS, yes) if value else (Status.FAIL, no)


def _from_status(status: Status, what: str) -> tuple[Status, str]:
    if status is Status.UNKNOWN:
        return status, f"{what} could not be checked"
    if status is Status.FAIL:
        return status, f"{what} fails"
    return Status.PASS, f"{what} passes"


def _dkim(signals: Signals) -> tuple[Status, str]:
    if not signals.dkim_configured:
        return (
            Status.UNKNOWN,
            "no DKIM selectors configured: pass --selectors or set selectors in [[domains]]",
        )
    return _from_status(signals.dkim, "DKIM")


def _spf_and_dkim(signals: Signals) -> tuple[Status, str]:
    spf, dkim = _from_status(signals.spf, "SPF"), _dkim(signals)
    status = worst((spf[0], dkim[0]))
    return status, f"{spf[1]}; {dkim[1]}"


_JUDGES: dict[str, Callable[[Signals], tuple[Status, str]]] = {
    "spf_pass": lambda s: _from_status(s.spf, "SPF"),
    "dkim_pass": _dkim,
    "spf_and_dkim": _spf_and_dkim,
    "dmarc_present": lambda s: _from_bool(
        s.dmarc_present, "DMARC record published", "no usable DMARC record", "DMARC could not be checked"
    ),
    "dmarc_aligned": lambda s: _from_bool(
        s.dmarc_aligned,
        "DMARC published and aligned",
        "DMARC missing or not aligned",
        "DMARC alignment could not be judged",
    ),
    "dkim_1024": lambda s: _from_bool(
        s.dkim_min_bits_ok,
        "every key ≥ 1024 bits",
        "a key is under 1024 bits or unusable",
        "no DKIM key read",
    ),
    "ptr": lambda s: (
        _from_status(s.ptr, "PTR/FCrDNS of every sending IP")
        if s.ptr is not Status.UNKNOWN
        else (Status.UNKNOWN, "no rDNS results for this domain's sending IPs")
    ),
}


def judge_requirements(requirements: Requirements, signals: Signals) -> list[RequirementLine]:
    lines = []
    for provider in requirements.providers:
        for rule in provider.rules:
            judge = _JUDGES.get(rule.check)
            status, reason = judge(signals) if judge else (Status.UNKNOWN, NOT_DNS)
            lines.append(
                RequirementLine(
                    provider.name,
                    provider.id,
                    rule.id,
                    rule.rule,
                    status,
                    reason,
                    provider.source,
                    judge is not None,
                )
            )
    return lines


def provider_summary(lines: list[RequirementLine], provider_id: str) -> str:
    """'meets Gmail bulk-sender requirements: 4 of 5 checkable (3 not visible in DNS)'."""
    mine = [line for line in lines if line.provider_id == provider_id]
    if not mine:
        return ""
    checkable = [line for line in mine if line.checkable]
    met = sum(line.status is Status.PASS for line in checkable)
    unknown = sum(line.status is Status.UNKNOWN for line in checkable)
    text = f"meets {mine[0].provider} bulk-sender requirements: {met} of {len(checkable)}"
    if unknown:
        text += f" ({unknown} unknown)"
    hidden = len(mine) - len(checkable)
    if hidden:
        text += f"; {hidden} not visible in DNS"
    return text
