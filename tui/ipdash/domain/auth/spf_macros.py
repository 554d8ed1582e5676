"""SPF macro expansion (RFC 7208 §7) for the letters a receiver knows while checking one IP."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ipdash.domain.auth.spf_record import SpfSyntaxError

_MACRO = re.compile(
    r"%(?:\{(?P<letter>[a-zA-Z])(?P<digits>\d*)(?P<reverse>[rR]?)(?P<delims>[.\-+,/_=]*)\}|(?P<esc>[%_-]))|%"
)
#: Letters whose value depends on the connecting IP or the sender: unknown without one.
IP_LETTERS = frozenset("islpvh")


@dataclass(frozen=True, slots=True)
class MacroContext:
    domain: str
    sender: str = ""
    ip: str | None = None


def has_ip_macros(spec: str) -> bool:
    return any(m["letter"] and m["letter"].lower() in IP_LETTERS for m in _MACRO.finditer(spec))


def expand(spec: str, context: MacroContext) -> str:
    """The domain-spec with its macros replaced; a '%' that starts no macro is a syntax error."""

    def replace(match: re.Match[str]) -> str:
        if match["esc"]:
            return {"%": "%", "_": " ", "-": "%20"}[match["esc"]]
        letter = match["letter"]
        if letter is None:
            raise SpfSyntaxError(f"bad macro in {spec[:80]!r}")
        value = _letter(letter.lower(), context)
        parts = re.split("[" + re.escape(match["delims"] or ".") + "]", value)
        if match["reverse"]:
            parts.reverse()
        if match["digits"]:
            count = int(match["digits"])
            if count == 0:
                raise SpfSyntaxError(f"macro with 0 parts in {spec[:80]!r}")
            parts = parts[-count:]
        return ".".join(parts)

    expanded = _MACRO.sub(replace, spec)
    return expanded[-253:].lstrip(".") if len(expanded) > 253 else expanded


def _letter(letter: str, context: MacroContext) -> str:
    sender = context.sender or f"postmaster@{context.domain}"
    local, _, sender_domain = sender.rpartition("@")
    ip = ipaddress.ip_address(context.ip) if context.ip else None
    values = {
        "s": sender,
        "l": local or "postmaster",
        "o": sender_domain,
        "d": context.domain,
        "h": context.domain,
        "p": "unknown",
        "v": "ip6" if ip is not None and ip.version == 6 else "in-addr",
        "i": _ip_text(ip) if ip is not None else "",
    }
    if letter not in values:
        raise SpfSyntaxError(f"unknown macro letter {letter!r}")
    return values[letter]


def _ip_text(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))
