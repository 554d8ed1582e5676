"""Parse one DMARC aggregate report (RFC 7489 appendix C; DMARCbis ``urn:ietf:params:xml:ns:dmarc-2.0``)
as a stream, safely.

Any DTD, entity declaration or external reference (XXE, billion laughs) is refused before the document
is used (:mod:`ipdash.sources.dmarc.safe_xml`); elements are dropped as soon as their record is taken,
so memory holds one record.
Namespaces differ between reporters (none, the 0.1 draft, DMARCbis), so tags are matched by local name.
Microsoft's reports lack ``version`` and sometimes ``policy_evaluated`` results: the aligned results
are then worked out from ``auth_results`` and the published alignment modes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from xml.etree.ElementTree import Element, ParseError

from publicsuffixlist import PublicSuffixList

from ipdash.domain.models import canonical_ip
from ipdash.sources.dmarc.opener import ByteSource
from ipdash.sources.dmarc.safe_xml import ForbiddenDeclaration, top_level

#: A report with more records than this is not one reporter's day for one domain.
MAX_RECORDS = 1_000_000
_MAX_TEXT = 255


class ReportError(Exception):
    """The report as a whole is unusable: reported with its position and skipped."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column


@dataclass(frozen=True, slots=True)
class ReportMeta:
    org_name: str
    email: str
    report_id: str
    begin: datetime
    end: datetime | None
    domain: str
    adkim: str = "r"
    aspf: str = "r"


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    source_ip: str
    count: int
    disposition: str
    dkim: str  # aligned DKIM result: pass / fail
    spf: str  # aligned SPF result
    header_from: str
    dkim_results: tuple[tuple[str, str], ...] = ()  # (domain, result) per signature
    spf_results: tuple[tuple[str, str], ...] = ()  # (domain, result)
    envelope_to: str = ""


@dataclass(slots=True)
class ParseOutcome:
    meta: ReportMeta | None = None
    records: int = 0
    #: (record number, message) for records that were skipped; the rest of the report counts.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    duplicate: bool = False


def _local(tag: str) -> str:
    return tag[tag.index("}") + 1 :] if tag[:1] == "{" else tag


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        found = None
        for child in element:
            if _local(child.tag) == name:
                found = child
                break
        element = found
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip()[:_MAX_TEXT] if found is not None else ""


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _meta(metadata: Element, policy: Element | None) -> ReportMeta:
    org, report_id = _text(metadata, "org_name"), _text(metadata, "report_id")
    if not org or not report_id:
        raise ReportError("report_metadata has no org_name or report_id")
    begin = _timestamp(_text(metadata, "date_range", "begin"))
    if begin is None:
        raise ReportError("report_metadata date_range/begin is missing or not a Unix time")
    return ReportMeta(
        org_name=org,
        email=_text(metadata, "email"),
        report_id=report_id,
        begin=begin,
        end=_timestamp(_text(metadata, "date_range", "end")),
        domain=_text(policy, "domain").lower(),
        adkim=_text(policy, "adkim").lower() or "r",
        aspf=_text(policy, "aspf").lower() or "r",
    )


def aligned(domain: str, header_from: str, mode: str) -> bool:
    """RFC 7489 3.1 alignment: strict is the same name; relaxed is the same Organizational Domain,
    found with the public-suffix list (RFC 7489 3.2) from publicsuffixlist's bundled snapshot (offline)."""
    domain, header_from = domain.lower().rstrip("."), header_from.lower().rstrip(".")
    if not domain or not header_from:
        return False
    if mode == "s" or domain == header_from:
        return domain == header_from
    return organizational_domain(domain) == organizational_domain(header_from)


@lru_cache(maxsize=4096)
def organizational_domain(name: str) -> str:
    """The registered domain under its public suffix (``mail.example.co.uk`` -> ``example.co.uk``);
    a name that is itself a public suffix is its own."""
    return _suffix_list().privatesuffix(name) or name


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList()


_IPS: dict[str, str] = {}


def _ip(raw: str) -> str:
    """canonical_ip, remembered: a report names the same few IPs again and again."""
    found = _IPS.get(raw)
    if found is None:
        try:
            found = canonical_ip(raw)
        except ValueError:
            raise ValueError(f"source_ip {raw[:60]!r} is not an IP address") from None
        if len(_IPS) > 100_000:
            _IPS.clear()
        _IPS[raw] = found
    return found


def _kids(element: Element | None) -> dict[str, Element]:
    """An element's children by local name (the first of each): one pass, for the record's fields."""
    found: dict[str, Element] = {}
    if element is not None:
        for child in element:
            tag = child.tag
            found.setdefault(tag[tag.index("}") + 1 :] if tag[:1] == "{" else tag, child)
    return found


def _value(kids: dict[str, Element], name: str) -> str:
    element = kids.get(name)
    return (element.text or "").strip()[:_MAX_TEXT] if element is not None else ""


def _results(auth: Element | None) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(domain, result) of every DKIM signature and SPF check in ``auth_results``, in one pass."""
    dkim: list[tuple[str, str]] = []
    spf: list[tuple[str, str]] = []
    for child in auth if auth is not None else ():
        kind = _local(child.tag)
        if kind == "dkim" or kind == "spf":
            kids = _kids(child)
            (dkim if kind == "dkim" else spf).append(
                (_value(kids, "domain").lower(), _value(kids, "result").lower())
            )
    return tuple(dkim), tuple(spf)


def _record(element: Element, meta: ReportMeta) -> DmarcRecord:
    record = _kids(element)
    row = _kids(record.get("row"))
    ip = _ip(_value(row, "source_ip"))
    raw_count = _value(row, "count")
    if not raw_count.isdigit() or len(raw_count) > 12:
        raise ValueError(f"count {raw_count[:20]!r} is not a whole number")
    identifiers = _kids(record.get("identifiers"))
    header_from = _value(identifiers, "header_from").lower() or meta.domain
    auth = record.get("auth_results")
    dkim_results, spf_results = _results(auth)
    evaluated = _kids(row.get("policy_evaluated"))
    dkim = _value(evaluated, "dkim").lower()
    spf = _value(evaluated, "spf").lower()
    if not dkim:
        ok = any(r == "pass" and aligned(d, header_from, meta.adkim) for d, r in dkim_results)
        dkim = "pass" if ok else "fail"
    if not spf:
        ok = any(r == "pass" and aligned(d, header_from, meta.aspf) for d, r in spf_results)
        spf = "pass" if ok else "fail"
    return DmarcRecord(
        source_ip=ip,
        count=int(raw_count),
        disposition=_value(evaluated, "disposition").lower() or "none",
        dkim=dkim,
        spf=spf,
        header_from=header_from,
        dkim_results=dkim_results,
        spf_results=spf_results,
        envelope_to=_value(identifiers, "envelope_to").lower(),
    )


def parse_report(
    stream: ByteSource,
    on_record: Callable[[ReportMeta, DmarcRecord], None],
    accept: Callable[[ReportMeta], bool] = lambda meta: True,
) -> ParseOutcome:
    """Read one report, calling ``on_record`` per good record. ``accept`` is asked once the metadata
    is read (False: a duplicate; the rest is not read). Raises ReportError for an unusable report."""
    outcome = ParseOutcome()
    root: Element | None = None
    metadata: Element | None = None
    policy: Element | None = None
    try:
        for element in top_level(stream):
            name = _local(element.tag)
            if root is None:
                root = element
                if name != "feedback":
                    raise ReportError(f"root element is <{name[:40]}>, not <feedback>: not a DMARC report")
            elif name == "report_metadata":
                metadata = element
            elif name == "policy_published":
                policy = element
            elif name == "record":
                if outcome.meta is None:
                    outcome.meta = _start(metadata, policy)
                    if not accept(outcome.meta):
                        outcome.duplicate = True
                        return outcome
                outcome.records += 1
                if outcome.records > MAX_RECORDS:
                    raise ReportError(f"more than {MAX_RECORDS:,} records: not read further")
                try:
                    on_record(outcome.meta, _record(element, outcome.meta))
                except ValueError as error:
                    outcome.skipped.append((outcome.records, str(error)))
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        raise ReportError(f"malformed XML: {_reason(error)}", line, column) from None
    except ForbiddenDeclaration:
        raise ReportError("refused: the XML declares a DTD or entities (XXE or an entity bomb)") from None
    if root is None:
        raise ReportError("no XML content")
    if outcome.meta is None:
        outcome.meta = _start(metadata, policy)
        if not accept(outcome.meta):
            outcome.duplicate = True
    return outcome


def _start(metadata: Element | None, policy: Element | None) -> ReportMeta:
    if metadata is None:
        raise ReportError("no report_metadata before the first record: not a DMARC aggregate report")
    return _meta(metadata, policy)


def _reason(error: ParseError) -> str:
    return str(error).split(":", 1)[0] if ": line" in str(error) else str(error)


def report_day(meta: ReportMeta) -> date:
    """The day a report's counts belong to: its range's start (reporters cover one UTC day)."""
    return meta.begin.date()
