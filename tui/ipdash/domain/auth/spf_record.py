"""Read one SPF record (RFC 7208 §4.6, §5, §6) into directives and modifiers; syntax errors are permerrors."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ipdash.domain.auth.tags import printable

#: Mechanisms and modifiers that cost one DNS lookup each toward the limit of 10 (RFC 7208 §4.6.4).
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
MECHANISMS = LOOKUP_MECHANISMS | {"all", "ip4", "ip6"}
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MAX_TERMS = 200
_CIDR = re.compile(r"^(?P<target>.*?)(?:/(?P<v4>\d{1,2}))?(?://(?P<v6>\d{1,3}))?$")
_MODIFIER = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9_.-]*)=(?P<value>.*)$")


class SpfSyntaxError(ValueError):
    """The record breaks RFC 7208's grammar: receivers return permerror."""


@dataclass(frozen=True, slots=True)
class Directive:
    qualifier: str  # pass | fail | softfail | neutral
    mechanism: str
    target: str = ""  # domain-spec (may hold macros) or, for ip4/ip6, the network text
    cidr4: int = 32
    cidr6: int = 128
    text: str = ""

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.target, strict=False)


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    directives: tuple[Directive, ...]
    redirect: str | None = None
    explanation: str | None = None
    unknown_modifiers: tuple[str, ...] = field(default=())

    @property
    def all_qualifier(self) -> str | None:
        return next((d.qualifier for d in self.directives if d.mechanism == "all"), None)


def is_spf(text: str) -> bool:
    """RFC 7208 §4.5: exactly "v=spf1" followed by a space or the end."""
    lowered = text.lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def parse_spf(text: str) -> SpfRecord:
    if not is_spf(text):
        raise SpfSyntaxError("the record does not start with v=spf1")
    terms = text.split()[1:]
    if len(terms) > MAX_TERMS:
        raise SpfSyntaxError(f"{len(terms)} terms: more than any receiver will read")
    directives: list[Directive] = []
    modifiers: dict[str, str] = {}
    unknown: list[str] = []
    for term in terms:
        modifier = _MODIFIER.match(term)
        if modifier and ":" not in modifier["name"]:
            name = modifier["name"].lower()
            if name in ("redirect", "exp"):
                if name in modifiers:
                    raise SpfSyntaxError(f"the {name}= modifier appears twice")
                _check_domain_spec(modifier["value"], term)
                modifiers[name] = modifier["value"]
            else:
                unknown.append(printable(term, 80))
            continue
        directives.append(_directive(term))
    return SpfRecord(
        text=text,
        directives=tuple(directives),
        redirect=modifiers.get("redirect"),
        explanation=modifiers.get("exp"),
        unknown_modifiers=tuple(unknown),
    )


def _directive(term: str) -> Directive:
    qualifier = "pass"
    body = term
    if body[:1] in QUALIFIERS:
        qualifier, body = QUALIFIERS[body[0]], body[1:]
    name, colon, rest = body.partition(":")
    name_only = name.split("/", 1)[0].lower()
    if name_only not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {printable(term, 80)!r}")
    shown = printable(term, 200)
    if name_only == "all":
        if colon or "/" in name:
            raise SpfSyntaxError(f"'all' takes no argument: {shown!r}")
        return Directive(qualifier, "all", text=shown)
    if name_only in ("ip4", "ip6"):
        return _network(qualifier, name_only, rest if colon else "", shown)
    if name_only in ("include", "exists") and not (colon and rest):
        raise SpfSyntaxError(f"{name_only} needs a domain: {shown!r}")
    if name_only in ("include", "exists", "ptr"):
        if colon:
            _check_domain_spec(rest, term)
        return Directive(qualifier, name_only, rest if colon else "", text=shown)
    # a and mx: optional domain-spec, then optional /cidr4 and //cidr6
    raw = rest if colon else body[len(name_only) :]
    match = _CIDR.match(raw)
    if match is None:
        raise SpfSyntaxError(f"bad {name_only} mechanism {shown!r}")
    cidr4 = int(match["v4"]) if match["v4"] else 32
    cidr6 = int(match["v6"]) if match["v6"] else 128
    if cidr4 > 32 or cidr6 > 128:
        raise SpfSyntaxError(f"prefix length out of range in {shown!r}")
    target = match["target"]
    if colon and not target:
        raise SpfSyntaxError(f"empty domain in {shown!r}")
    if target:
        _check_domain_spec(target, term)
    return Directive(qualifier, name_only, target, cidr4, cidr6, text=shown)


def _network(qualifier: str, kind: str, value: str, shown: str) -> Directive:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise SpfSyntaxError(f"bad address in {shown!r}") from None
    if (network.version == 4) != (kind == "ip4"):
        raise SpfSyntaxError(f"{kind} with a wrong-family address: {shown!r}")
    return Directive(qualifier, kind, str(network), text=shown)


def _check_domain_spec(value: str, term: str) -> None:
    if not value or len(value) > 253 or any(c.isspace() or ord(c) < 0x21 or ord(c) > 0x7E for c in value):
        raise SpfSyntaxError(f"bad domain in {printable(term, 80)!r}")
