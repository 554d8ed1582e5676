"""RFC 7208 check_host() for one sending IP over fetched answers: pass, fail, softfail, neutral, none,
permerror or temperror, with the directive that decided it. Raises Pending for a lookup not fetched yet."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ipdash.domain.auth.answers import Answers, is_unanswered, unanswered_reason
from ipdash.domain.auth.spf_macros import MacroContext, expand
from ipdash.domain.auth.spf_record import Directive, SpfSyntaxError
from ipdash.domain.auth.spf_walk import LOOKUP_LIMIT, MAX_DEPTH, MX_LIMIT, VOID_LIMIT, find_record

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class SpfResult:
    result: str  # pass | fail | softfail | neutral | none | permerror | temperror
    reason: str


class _Stop(Exception):
    def __init__(self, result: str, reason: str) -> None:
        super().__init__(reason)
        self.result = SpfResult(result, reason)


class _Counter:
    def __init__(self) -> None:
        self.lookups = 0
        self.voids = 0

    def lookup(self) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise _Stop("permerror", f"more than {LOOKUP_LIMIT} DNS lookups (RFC 7208 §4.6.4)")

    def void(self) -> None:
        self.voids += 1
        if self.voids > VOID_LIMIT:
            raise _Stop("permerror", f"more than {VOID_LIMIT} void lookups (RFC 7208 §4.6.4)")


def check_host(answers: Answers, ip: str, domain: str, sender: str = "") -> SpfResult:
    address = ipaddress.ip_address(ip)
    try:
        return _check(answers, address, domain.lower(), sender, _Counter(), 0)
    except _Stop as stop:
        return stop.result


def _check(
    answers: Answers, ip: IpAddress, domain: str, sender: str, counter: _Counter, depth: int
) -> SpfResult:
    if depth > MAX_DEPTH:
        raise _Stop("permerror", f"includes nested more than {MAX_DEPTH} deep")
    record, problem, unanswered = find_record(answers, domain)
    if record is None:
        if unanswered:
            raise _Stop("temperror", problem)
        return SpfResult("none" if "no SPF record" in problem else "permerror", problem)
    context = MacroContext(domain, sender, str(ip))
    for directive in record.directives:
        if _matches(answers, ip, directive, context, sender, counter, depth):
            return SpfResult(directive.qualifier, f"{directive.text} in {domain}'s record")
    if record.redirect and record.all_qualifier is None:
        counter.lookup()
        target = _expand(record.redirect, context)
        result = _check(answers, ip, target, sender, counter, depth + 1)
        if result.result == "none":
            raise _Stop("permerror", f"redirect={target} has no SPF record")
        return result
    return SpfResult("neutral", f"nothing in {domain}'s record matched (default ?all)")


def _expand(spec: str, context: MacroContext) -> str:
    try:
        return expand(spec, context).lower()
    except SpfSyntaxError as error:
        raise _Stop("permerror", str(error)) from None


def _matches(
    answers: Answers,
    ip: IpAddress,
    directive: Directive,
    context: MacroContext,
    sender: str,
    counter: _Counter,
    depth: int,
) -> bool:
    mechanism = directive.mechanism
    if mechanism == "all":
        return True
    if mechanism in ("ip4", "ip6"):
        network = directive.network
        return network.version == ip.version and ip in network
    counter.lookup()
    target = _expand(directive.target or context.domain, context)
    if mechanism == "include":
        result = _check(answers, ip, target, sender, counter, depth + 1)
        if result.result == "temperror":
            raise _Stop("temperror", result.reason)
        if result.result in ("permerror", "none"):
            raise _Stop("permerror", f"include:{target}: {result.reason}")
        return result.result == "pass"
    if mechanism == "exists":
        return bool(_addresses(answers, target, "A", counter))
    if mechanism == "a":
        return _in_any(ip, _addresses(answers, target, _family(ip), counter), directive)
    if mechanism == "mx":
        hosts = _mx_hosts(answers, target, counter)
        return any(_in_any(ip, _addresses(answers, host, _family(ip), None), directive) for host in hosts)
    return _ptr_matches(answers, ip, target)


def _family(ip: IpAddress) -> str:
    return "A" if ip.version == 4 else "AAAA"


def _addresses(answers: Answers, name: str, rdtype: str, counter: _Counter | None) -> tuple[str, ...]:
    outcome = answers.get(name, rdtype)
    if is_unanswered(outcome):
        raise _Stop("temperror", unanswered_reason(name, rdtype, outcome))
    if not outcome.has_records and counter is not None:
        counter.void()
    return outcome.values if outcome.has_records else ()


def _mx_hosts(answers: Answers, name: str, counter: _Counter) -> list[str]:
    values = _addresses(answers, name, "MX", counter)
    if len(values) > MX_LIMIT:
        raise _Stop("permerror", f"{name} has more than {MX_LIMIT} MX records")
    return [mx_host(value) for value in values]


def mx_host(value: str) -> str:
    """The exchange of an MX answer written as 'preference host.'."""
    return value.split()[-1].rstrip(".").lower() if value.split() else ""


def _in_any(ip: IpAddress, addresses: tuple[str, ...], directive: Directive) -> bool:
    prefix = directive.cidr4 if ip.version == 4 else directive.cidr6
    for text in addresses:
        try:
            network = ipaddress.ip_network(f"{text}/{prefix}", strict=False)
        except ValueError:
            continue
        if network.version == ip.version and ip in network:
            return True
    return False


def _ptr_matches(answers: Answers, ip: IpAddress, target: str) -> bool:
    outcome = answers.get(ip.reverse_pointer, "PTR")
    if is_unanswered(outcome) or not outcome.has_records:
        return False  # RFC 7208 §5.5: PTR trouble is no match, not an error
    for name in outcome.values[:MX_LIMIT]:
        name = name.rstrip(".").lower()
        if name == target or name.endswith("." + target):
            forward = answers.get(name, _family(ip))
            if forward.has_records and str(ip) in {str(ipaddress.ip_address(a)) for a in forward.values}:
                return True
    return False
