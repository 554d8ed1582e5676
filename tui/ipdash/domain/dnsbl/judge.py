"""Turning one DNS outcome from one zone into a verdict (reference dnsbl.md §2 and §7).

Every A record is read. One error code anywhere poisons the answer (error, never a listing); answers
outside 127.0.0.0/8 and an undocumented 127.0.0.1 are errors; timeouts, SERVFAIL and REFUSED are
unknown; NXDOMAIN is clean only from a zone that passed its RFC 5782 health check.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from ipdash.domain.dnsbl.catalog import Effect, ZoneEntry, lookup_code
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode

LOOPBACK_NET = ipaddress.ip_network("127.0.0.0/8")
LOOPBACK_TEST = ipaddress.ip_address("127.0.0.1")
_LISTING_EFFECTS: tuple[Effect, ...] = ("listing", "policy", "collateral")


class Status(StrEnum):
    LISTED = "listed"
    CLEAN = "clean"
    ERROR = "error"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


class HealthState(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    #: The user switched health checks off for this zone: NXDOMAIN is taken at its word.
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class ZoneHealth:
    state: HealthState
    reason: str = ""
    remedy: str = ""
    #: FAILED only: the zone answered "listed" to a name it must never list.
    lists_everything: bool = False


HEALTH_DISABLED = ZoneHealth(HealthState.DISABLED, "health check disabled in config")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One list's verdict on one target. ``severity`` is the worst listing effect (LISTED only);
    ``cause`` is a short label for why a list could not give a usable answer ("timeout", …)."""

    status: Status
    reason: str
    codes: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()
    remedy: str = ""
    severity: Effect | None = None
    cause: str = ""


def skipped(reason: str, cause: str) -> Verdict:
    return Verdict(Status.SKIPPED, reason, cause=cause)


def judge_addresses(entry: ZoneEntry, addresses: tuple[str, ...]) -> Verdict:
    """Decode the A records of one answer (ignores zone health)."""
    parsed: list[ipaddress.IPv4Address] = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return Verdict(Status.ERROR, f"malformed answer {text!r}", codes=addresses, cause="bad answer")
        if not isinstance(address, ipaddress.IPv4Address):
            return Verdict(
                Status.ERROR, f"non-IPv4 value {text} in an A answer", codes=addresses, cause="bad answer"
            )
        parsed.append(address)
    parsed.sort(key=int)
    codes = tuple(str(address) for address in parsed)
    error = _first_error(entry, parsed, codes)
    if error is not None:
        return error
    decoded = [_decode(entry, address) for address in parsed]
    pairs = [pair for group in decoded for pair in group]
    meanings = tuple(dict.fromkeys(meaning for meaning, _ in pairs))
    effects = {effect for _, effect in pairs}
    severity = next((effect for effect in _LISTING_EFFECTS if effect in effects), None)
    if severity is None:
        label = "on this allowlist" if "good" in effects and entry.list_type == "allow" else "not listed"
        return Verdict(Status.CLEAN, f"{label}: {'; '.join(meanings)}", codes, meanings, severity=None)
    lead = {
        "listing": "listed",
        "policy": "policy listing (not evidence of abuse)",
        "collateral": "network listed (collateral: neighbours' behaviour, not this address's)",
    }[severity]
    said = "; ".join(meanings)
    # A meaning that already says "listed" ("listed: IP sent mail reported by SpamCop users") is not
    # prefixed again ("listed: listed: …").
    reason = said if severity == "listing" and said.lower().startswith("listed") else f"{lead}: {said}"
    return Verdict(Status.LISTED, reason, codes, meanings, severity=severity)


def _first_error(
    entry: ZoneEntry, parsed: list[ipaddress.IPv4Address], codes: tuple[str, ...]
) -> Verdict | None:
    for address in parsed:
        if address not in LOOPBACK_NET:
            return Verdict(
                Status.ERROR,
                f"answer {address} is outside 127.0.0.0/8: the zone is broken, parked or hijacked "
                "(not a listing)",
                codes,
                ("answer outside 127.0.0.0/8",),
                remedy="the list's domain may have lapsed; stop using it if this persists",
                cause="broken zone",
            )
        documented = lookup_code(entry.error_table, address)
        if documented is not None:
            return Verdict(
                Status.ERROR,
                f"error code {address}: {documented.meaning}",
                codes,
                (documented.meaning,),
                remedy=documented.remedy,
                cause="error code",
            )
        if address == LOOPBACK_TEST and not entry.loopback_is_code:
            return Verdict(
                Status.ERROR,
                "answered 127.0.0.1, the RFC 5782 never-listed test address: the query was blocked "
                "or the zone lists everything (not a listing)",
                codes,
                ("127.0.0.1: query blocked or zone broken",),
                remedy=entry.failure_remedy
                or "use your own recursive resolver; stop using the list if it persists",
                cause="query blocked",
            )
    return None


def _decode(entry: ZoneEntry, address: ipaddress.IPv4Address) -> list[tuple[str, Effect]]:
    if entry.code_semantics == "exact":
        meaning = lookup_code(entry.code_table, address)
        effect = lookup_code(entry.effect_table, address) or entry.default_effect
        if meaning is None:
            meaning = f"unrecognised code {address} (any answer is a listing per RFC 5782; review)"
        return [(meaning, effect)]
    value = int(address) & 0xFF
    pairs: list[tuple[str, Effect]] = []
    for bit in (1 << shift for shift in range(8)):
        if value & bit:
            code = ipaddress.IPv4Address(f"127.0.0.{bit}")
            meaning = lookup_code(entry.code_table, code) or f"unrecognised bit {bit} in {address}"
            pairs.append((meaning, lookup_code(entry.effect_table, code) or entry.default_effect))
    return pairs or [(f"unrecognised code {address} (no bit set)", entry.default_effect)]


def judge_lookup(entry: ZoneEntry, outcome: LookupOutcome, health: ZoneHealth) -> Verdict:
    """The verdict for one target from one zone, given that zone's health."""
    if outcome.rcode is Rcode.NOERROR and outcome.values:
        verdict = judge_addresses(entry, outcome.values)
        if verdict.status is Status.LISTED and health.lists_everything:
            return Verdict(
                Status.UNKNOWN,
                f"answer not trusted: {health.reason}",
                verdict.codes,
                verdict.meanings,
                remedy=health.remedy,
                cause="unhealthy zone",
            )
        return verdict
    if outcome.rcode in (Rcode.NXDOMAIN, Rcode.NOERROR):
        return _judge_absent(outcome, health)
    return _judge_unanswered(entry, outcome)


_NXDOMAIN = "NXDOMAIN"
_NODATA = "NOERROR without an A record (odd)"
#: The verdict of nearly every query of a sweep, built once (verdicts are frozen).
_CLEAN = {
    _NXDOMAIN: Verdict(Status.CLEAN, f"not listed ({_NXDOMAIN})"),
    _NODATA: Verdict(Status.CLEAN, f"not listed ({_NODATA})"),
}


def _judge_absent(outcome: LookupOutcome, health: ZoneHealth) -> Verdict:
    how = _NXDOMAIN if outcome.rcode is Rcode.NXDOMAIN else _NODATA
    if health.state is HealthState.PASSED:
        return _CLEAN[how]
    if health.state is HealthState.DISABLED:
        return Verdict(Status.CLEAN, f"not listed ({how}; zone health check disabled in config)")
    if health.state is HealthState.FAILED:
        return Verdict(
            Status.UNKNOWN,
            f"{how} not trusted: {health.reason}",
            remedy=health.remedy,
            cause="unhealthy zone",
        )
    return Verdict(
        Status.UNKNOWN,
        f"{how} not trusted: the zone's health check could not be made ({health.reason})",
        remedy=health.remedy,
        cause="health unknown",
    )


_UNANSWERED_TEXT = {
    Rcode.TIMEOUT: ("timeout", "timed out"),
    Rcode.SERVFAIL: ("SERVFAIL", "the resolver answered SERVFAIL"),
    Rcode.REFUSED: ("REFUSED", "the query was refused"),
    Rcode.FAILURE: ("failure", "the lookup failed"),
}


def _judge_unanswered(entry: ZoneEntry, outcome: LookupOutcome) -> Verdict:
    cause, text = _UNANSWERED_TEXT[outcome.rcode]
    detail = f" ({outcome.detail})" if outcome.detail else ""
    remedy = entry.failure_remedy if outcome.rcode is not Rcode.TIMEOUT else ""
    return Verdict(Status.UNKNOWN, f"{text}{detail}: unknown, not clean", remedy=remedy, cause=cause)
