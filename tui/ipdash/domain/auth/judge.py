"""One sending domain's authentication, judged from fetched answers: SPF (on the Return-Path domain), DKIM
per selector (on the d= domain), DMARC, BIMI, MTA-STS, TLS-RPT and the providers' checklists.

``judge_domain`` raises ``Pending`` while answers are missing; ``answers.missing`` then lists all of them
that this round could see, so the IO side fetches them together and calls again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from ipdash.domain.auth.answers import Answers, Pending
from ipdash.domain.auth.bimi import judge_bimi
from ipdash.domain.auth.config import DomainSpec
from ipdash.domain.auth.dkim import DkimCheck, judge_dkim
from ipdash.domain.auth.dmarc import DmarcCheck, judge_dmarc
from ipdash.domain.auth.mta_sts import judge_mta_sts
from ipdash.domain.auth.requirements import RequirementLine, Requirements, Signals, judge_requirements
from ipdash.domain.auth.simple_check import RecordCheck
from ipdash.domain.auth.spf import SpfCheck, judge_spf
from ipdash.domain.auth.status import Status, worst
from ipdash.domain.auth.tls_rpt import judge_tls_rpt

T = TypeVar("T")


@dataclass(frozen=True)
class DomainAuth:
    spec: DomainSpec
    spf: SpfCheck
    dkim: tuple[DkimCheck, ...]
    dmarc: DmarcCheck
    bimi: RecordCheck
    mta_sts: RecordCheck
    tls_rpt: RecordCheck
    requirements: tuple[RequirementLine, ...]
    checked_at: datetime | None = None
    source: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def statuses(self) -> list[Status]:
        checks = [self.spf.status, *(d.status for d in self.dkim), self.dmarc.status]
        checks += [self.bimi.status, self.mta_sts.status, self.tls_rpt.status]
        return checks + [line.status for line in self.requirements if line.checkable]

    @property
    def status(self) -> Status:
        return worst(self.statuses())


def judge_domain(
    answers: Answers,
    spec: DomainSpec,
    requirements: Requirements,
    ptr: Mapping[str, Status] | None = None,
    *,
    checked_at: datetime | None = None,
    source: str = "",
) -> DomainAuth:
    answers.start_round()
    spf = _attempt(lambda: judge_spf(answers, spec.spf_domain, spec.ips))
    dkim = [_attempt(partial(judge_dkim, answers, spec.signing_domain, s)) for s in spec.selectors]
    dkim_domains = (spec.signing_domain,) if spec.selectors else ()
    dmarc = _attempt(lambda: judge_dmarc(answers, spec.name, spec.spf_domain, dkim_domains))
    mta_sts = _attempt(lambda: judge_mta_sts(answers, spec.name))
    tls_rpt = _attempt(lambda: judge_tls_rpt(answers, spec.name))
    bimi = None
    if dmarc is not None:
        policy = dmarc.policy if dmarc.policy is not None else _absent_or_unknown(dmarc)
        bimi = _attempt(lambda: judge_bimi(answers, spec.name, policy, dmarc.pct))
    if spf is None or dmarc is None or bimi is None or mta_sts is None or tls_rpt is None or None in dkim:
        raise Pending(next(iter(answers.missing)))
    keys = [d for d in dkim if d is not None]
    signals = Signals(
        spf=spf.status,
        dkim=worst(d.status for d in keys) if keys else Status.FAIL,
        dkim_configured=bool(keys),
        dkim_min_bits_ok=_min_bits(keys),
        dmarc_present=True
        if dmarc.policy is not None
        else (None if dmarc.status is Status.UNKNOWN else False),
        dmarc_aligned=_aligned(dmarc),
        ptr=_ptr(spec, ptr or {}),
    )
    lines = judge_requirements(requirements, signals)
    return DomainAuth(spec, spf, tuple(keys), dmarc, bimi, mta_sts, tls_rpt, tuple(lines), checked_at, source)


def _attempt(judge: Callable[[], T]) -> T | None:
    try:
        return judge()
    except Pending:
        return None


def _min_bits(keys: list[DkimCheck]) -> bool | None:
    if not keys or any(k.status is Status.UNKNOWN for k in keys):
        return None
    return all(k.key_bits is not None and (k.key_type != "rsa" or k.key_bits >= 1024) for k in keys)


def _absent_or_unknown(dmarc: DmarcCheck) -> str | None:
    """'' when there is definitely no usable DMARC record, None when it could not be checked."""
    return None if dmarc.status is Status.UNKNOWN else ""


def _aligned(dmarc: DmarcCheck) -> bool | None:
    if dmarc.policy is None:
        return None if dmarc.status is Status.UNKNOWN else False
    values = list(dmarc.aligned.values())
    if any(values):
        return True
    return None if None in values or not values else False


def _ptr(spec: DomainSpec, ptr: Mapping[str, Status]) -> Status:
    if not spec.ips or any(ip not in ptr for ip in spec.ips):
        return Status.UNKNOWN
    return worst(ptr[ip] for ip in spec.ips)
