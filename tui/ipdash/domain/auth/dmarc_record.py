"""One DMARC record (RFC 7489 §6.3, with the DMARCbis t= flag) read into a typed value."""

from __future__ import annotations

from dataclasses import dataclass

from ipdash.domain.auth.tags import TagError, parse_tags, printable, starts_with_version

POLICIES = ("none", "quarantine", "reject")
MAX_URIS = 20


class DmarcSyntaxError(ValueError):
    """The record cannot be used: receivers ignore it as if there were none."""


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    text: str
    policy: str
    subdomain_policy: str | None
    pct: int
    rua: tuple[str, ...]
    ruf: tuple[str, ...]
    adkim: str
    aspf: str
    testing: bool
    psd: str | None


def is_dmarc(text: str) -> bool:
    return starts_with_version(text, "DMARC1")


def parse_dmarc(text: str) -> DmarcRecord:
    try:
        tags = parse_tags(text)
    except TagError as error:
        raise DmarcSyntaxError(str(error)) from None
    if tags.get("v") != "DMARC1":
        raise DmarcSyntaxError("the record does not start with v=DMARC1")
    policy = tags.get("p", "").lower()
    if policy not in POLICIES:
        shown = f"p={printable(tags['p'], 20)}" if "p" in tags else "no p= tag"
        raise DmarcSyntaxError(f"{shown}: the policy must be none, quarantine or reject")
    subdomain = tags.get("sp", "").lower() or None
    if subdomain is not None and subdomain not in POLICIES:
        raise DmarcSyntaxError(f"sp={printable(subdomain, 20)} is not none, quarantine or reject")
    return DmarcRecord(
        text=text,
        policy=policy,
        subdomain_policy=subdomain,
        pct=_pct(tags.get("pct", "100")),
        rua=_uris(tags.get("rua", ""), "rua"),
        ruf=_uris(tags.get("ruf", ""), "ruf"),
        adkim=_mode(tags.get("adkim", "r"), "adkim"),
        aspf=_mode(tags.get("aspf", "r"), "aspf"),
        testing=tags.get("t", "n").lower() == "y",
        psd=tags.get("psd", "").lower() or None,
    )


def _pct(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 100:
        raise DmarcSyntaxError(f"pct={printable(value, 20)} is not a whole number from 0 to 100")
    return int(value)


def _mode(value: str, tag: str) -> str:
    mode = value.lower()
    if mode not in ("r", "s"):
        raise DmarcSyntaxError(f"{tag}={printable(value, 20)} is not r (relaxed) or s (strict)")
    return mode


def _uris(value: str, tag: str) -> tuple[str, ...]:
    uris = tuple(u.strip() for u in value.split(",") if u.strip())
    if len(uris) > MAX_URIS:
        raise DmarcSyntaxError(f"{tag}= lists {len(uris)} addresses")
    return tuple(printable(u, 256) for u in uris)


def mailto_domain(uri: str) -> str | None:
    """The domain of a ``mailto:`` report address (RFC 7489 §6.2; '!size' suffix allowed), else None."""
    if not uri.lower().startswith("mailto:"):
        return None
    address = uri[7:].split("!", 1)[0].split("?", 1)[0]
    local, at, domain = address.rpartition("@")
    return domain.lower().rstrip(".") if at and local and domain else None
