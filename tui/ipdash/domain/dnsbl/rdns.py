"""Reverse DNS: PTR names, forward-confirmed rDNS (iprev, RFC 8601) and generic-looking names.

FCrDNS passes when any PTR name (capped) resolves, in the sender's own address family (A for IPv4,
AAAA for IPv6), back to exactly the sending address. Results use the iprev words: pass, fail
(PTR exists, nothing maps back), permerror (no PTR), temperror (a lookup failed or timed out).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from ipdash.domain.dnsbl.fields import Fields, any_text, boolean, frozenset_of, integer, tuple_of
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.domain.dnsbl.text import sanitise_text

_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"[0-9]+")


class Fcrdns(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


@dataclass(frozen=True)
class ProviderDefault:
    pattern: str
    provider: str

    @classmethod
    def from_data(cls, raw: Any) -> ProviderDefault:
        f = Fields(raw, "ProviderDefault", extra="ignore")
        made = cls(pattern=f.get("pattern", any_text), provider=f.get("provider", any_text))
        f.done()
        return made


@dataclass(frozen=True)
class GenericRules:
    strong_tokens: frozenset[str]
    weak_tokens: frozenset[str]
    exempt_tokens: frozenset[str]
    provider_default_patterns: tuple[ProviderDefault, ...] = ()

    @classmethod
    def from_data(cls, raw: Any) -> GenericRules:
        f = Fields(raw, "GenericRules", extra="ignore")
        made = cls(
            strong_tokens=f.get("strong_tokens", frozenset_of(any_text)),
            weak_tokens=f.get("weak_tokens", frozenset_of(any_text)),
            exempt_tokens=f.get("exempt_tokens", frozenset_of(any_text)),
            provider_default_patterns=f.get(
                "provider_default_patterns", tuple_of(ProviderDefault.from_data), ()
            ),
        )
        f.done()
        return made

    @cached_property
    def compiled_defaults(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(p.pattern), p.provider) for p in self.provider_default_patterns)


@dataclass(frozen=True)
class ProviderRule:
    provider: str
    requires: str
    needs_fcrdns: bool
    rejects_generic: bool
    failure: str = ""
    sources: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, raw: Any) -> ProviderRule:
        f = Fields(raw, "ProviderRule", extra="ignore")
        made = cls(
            provider=f.get("provider", any_text),
            requires=f.get("requires", any_text),
            needs_fcrdns=f.get("needs_fcrdns", boolean),
            rejects_generic=f.get("rejects_generic", boolean),
            failure=f.get("failure", any_text, ""),
            sources=f.get("sources", tuple_of(any_text), ()),
        )
        f.done()
        return made


@dataclass(frozen=True)
class RdnsRules:
    generic: GenericRules
    ptr_limit: int = 10
    providers: tuple[ProviderRule, ...] = ()
    shared_ip_note: str = ""

    @classmethod
    def from_data(cls, raw: Any) -> RdnsRules:
        """Raises Invalid naming the bad field (keys the rules do not use, such as sources, are ignored)."""
        f = Fields(raw, "RdnsRules", extra="ignore")
        made = cls(
            ptr_limit=f.get("ptr_limit", integer(), 10),
            generic=f.get("generic", GenericRules.from_data),
            providers=f.get("providers", tuple_of(ProviderRule.from_data), ()),
            shared_ip_note=f.get("shared_ip_note", any_text, ""),
        )
        f.done()
        return made


def rdns_rules_from_data(data: Mapping[str, Any]) -> RdnsRules:
    return RdnsRules.from_data(data["rdns"])


@dataclass(frozen=True, slots=True)
class ProviderCheck:
    provider: str
    status: str  # "met" | "not met" | "at risk" | "unknown"
    reason: str


@dataclass(frozen=True, slots=True)
class RdnsResult:
    ip: str
    ptr: tuple[str, ...]
    fcrdns: Fcrdns
    generic: bool
    reason: str
    generic_reason: str = ""
    confirmed_name: str | None = None
    more_names: int = 0
    requirements: tuple[ProviderCheck, ...] = ()

    @property
    def ok(self) -> bool:
        return self.fcrdns is Fcrdns.PASS and not self.generic


def ptr_names(outcome: LookupOutcome, limit: int) -> tuple[tuple[str, ...], int]:
    """Sanitised, de-duplicated PTR names (at most ``limit``) and how many more were left out."""
    names = tuple(dict.fromkeys(sanitise_text(v, limit=253).lower().rstrip(".") for v in outcome.values))
    names = tuple(name for name in names if name)
    return names[:limit], max(len(names) - limit, 0)


def judge_rdns(
    ip: str,
    ptr: LookupOutcome,
    forward: Mapping[str, LookupOutcome],
    rules: RdnsRules,
    *,
    shared_ip: bool = False,
) -> RdnsResult:
    """``forward`` maps each PTR name that was looked up to its A/AAAA outcome."""
    address = ipaddress.ip_address(ip)
    names, more = ptr_names(ptr, rules.ptr_limit)
    if ptr.rcode in (Rcode.NXDOMAIN, Rcode.NOERROR) and not names:
        result = RdnsResult(ip, (), Fcrdns.PERMERROR, False, "no PTR record: no reverse DNS at all")
    elif not ptr.answered:
        detail = f" ({ptr.detail})" if ptr.detail else ""
        reason = f"PTR lookup got {ptr.rcode.value}{detail}: try again later"
        result = RdnsResult(ip, (), Fcrdns.TEMPERROR, False, reason)
    else:
        result = _confirm(address, names, more, forward, rules)
    return _with_requirements(result, rules, shared_ip)


def unjudged_rdns(ip: str, reason: str, rules: RdnsRules) -> RdnsResult:
    """rDNS that was not judged (temperror): every provider requirement is unknown, nothing fails."""
    return _with_requirements(RdnsResult(ip, (), Fcrdns.TEMPERROR, False, reason), rules, False)


def _confirm(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    names: tuple[str, ...],
    more: int,
    forward: Mapping[str, LookupOutcome],
    rules: RdnsRules,
) -> RdnsResult:
    record = "A" if address.version == 4 else "AAAA"
    generic_reason = next(
        (r for r in (generic_ptr_reason(n, address, rules.generic) for n in names) if r), ""
    )

    def result(fcrdns: Fcrdns, reason: str, confirmed: str | None = None) -> RdnsResult:
        return RdnsResult(
            str(address), names, fcrdns, bool(generic_reason), reason, generic_reason, confirmed, more
        )

    failed: list[str] = []
    for name in names:
        outcome = forward.get(name)
        if outcome is None or not outcome.answered:
            failed.append(name)
            continue
        if any(_same_address(value, address) for value in outcome.values):
            return result(Fcrdns.PASS, f"{name} resolves ({record}) back to {address}", name)
    if failed:
        return result(
            Fcrdns.TEMPERROR, f"forward {record} lookup failed for {', '.join(failed)}: try again later"
        )
    return result(
        Fcrdns.FAIL, f"no PTR name resolves ({record}) back to {address}: PTR does not forward-confirm"
    )


def _same_address(value: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(value) == address
    except ValueError:
        return False


def generic_ptr_reason(
    name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, rules: GenericRules
) -> str:
    """Why ``name`` looks generic or dynamic ("" when it does not)."""
    name = name.lower().rstrip(".")
    for pattern, provider in rules.compiled_defaults:
        if pattern.search(name):
            return f"{provider}: identifies the hoster, not the sender"
    words = set(_WORD.findall(name.replace("in-addr", "inaddr")))
    if "in-addr" in name:
        words.add("in-addr")
    if "unused-addr" in name:
        words.add("unused-addr")
    strong = sorted(words & rules.strong_tokens)
    if strong:
        return f"contains access/pool word {strong[0]!r}"
    exempt = bool(words & rules.exempt_tokens)
    if not exempt and _embeds_address(name, address):
        return "contains the IP address"
    numbers = _NUMBER.findall(name)
    weak = sorted(words & rules.weak_tokens)
    if weak and len(numbers) >= 2 and not exempt:
        return f"word {weak[0]!r} next to numbers"
    return ""


def _embeds_address(name: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 6:
        nibbles = address.exploded.replace(":", "")
        squashed = re.sub(r"[^0-9a-f]", "", name)
        return nibbles[16:] in squashed or nibbles[16:][::-1] in squashed
    octets = [int(part) for part in str(address).split(".")]
    numbers = [int(n) for n in _NUMBER.findall(name) if len(n) <= 3]
    runs = {tuple(numbers[i : i + 4]) for i in range(len(numbers) - 3)}
    if tuple(octets) in runs or tuple(reversed(octets)) in runs:
        return True
    threes = {tuple(numbers[i : i + 3]) for i in range(len(numbers) - 2)}
    windows = (tuple(octets[:3]), tuple(octets[1:]))
    if any(w in threes or tuple(reversed(w)) in threes for w in windows):
        return True
    digits = re.sub(r"[^0-9]", "", name)
    if "".join(f"{o:03d}" for o in octets) in digits:
        return True
    hex_form = "".join(f"{o:02x}" for o in octets)
    return hex_form in name.replace("-", "")


def _with_requirements(result: RdnsResult, rules: RdnsRules, shared_ip: bool) -> RdnsResult:
    checks = tuple(_provider_check(rule, result) for rule in rules.providers)
    reason = result.reason
    if result.generic:
        reason += f"; generic-looking name ({result.generic_reason})"
        if shared_ip:
            reason += " — on a shared ESP IP this is the ESP's name and not yours to change"
    return RdnsResult(
        result.ip,
        result.ptr,
        result.fcrdns,
        result.generic,
        reason,
        result.generic_reason,
        result.confirmed_name,
        result.more_names,
        checks,
    )


def _provider_check(rule: ProviderRule, result: RdnsResult) -> ProviderCheck:
    if result.fcrdns is Fcrdns.TEMPERROR:
        return ProviderCheck(rule.provider, "unknown", "rDNS could not be checked")
    if result.fcrdns is Fcrdns.PERMERROR:
        return ProviderCheck(rule.provider, "not met", f"no PTR; requires {rule.requires}. {rule.failure}")
    if rule.needs_fcrdns and result.fcrdns is Fcrdns.FAIL:
        return ProviderCheck(rule.provider, "not met", f"PTR does not forward-confirm; {rule.failure}")
    if rule.rejects_generic and result.generic:
        return ProviderCheck(rule.provider, "at risk", f"generic-looking PTR; {rule.failure}")
    if result.fcrdns is Fcrdns.FAIL:
        return ProviderCheck(rule.provider, "at risk", "PTR exists but does not forward-confirm")
    return ProviderCheck(rule.provider, "met", rule.requires)
