"""Mailbox-provider grouping: recipient domains and ESP labels to one scope name.

Deliverability is judged per mailbox provider, not per recipient domain:
hotmail.com and outlook.com share Microsoft's filters, aol.com is Yahoo's.
Domains not listed here fall into ``other`` so that a file with millions of
recipient domains stays a handful of scopes.
"""

from __future__ import annotations

from functools import lru_cache

from ipdash.domain.models import ALL_PROVIDERS

GMAIL = "gmail.com"
OUTLOOK = "outlook.com"
YAHOO = "yahoo.com"
APPLE = "icloud.com"
OTHER = "other"

_GROUPS: dict[str, tuple[str, ...]] = {
    GMAIL: ("gmail.com", "googlemail.com", "gmail", "google", "google.com"),
    OUTLOOK: (
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "outlook",
        "hotmail",
        "microsoft",
        "outlook/hotmail",
        "hotmail/outlook",
        "hotmail / outlook",
        "outlook / hotmail",
    ),
    YAHOO: (
        "yahoo.com",
        "aol.com",
        "ymail.com",
        "rocketmail.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo",
        "aol",
        "yahoo/aol",
        "verizon media",
        "verizon media group",
        "yahoo / aol",
    ),
    APPLE: ("icloud.com", "me.com", "mac.com", "apple", "icloud"),
}

_LOOKUP = {alias: group for group, aliases in _GROUPS.items() for alias in aliases}
#: Every recognised spelling (stripped, lower-case) and its scope; the rest is ``other``.
ALIASES: dict[str, str] = dict(_LOOKUP)

#: Display order for per-provider tables.
KNOWN_ORDER = (GMAIL, OUTLOOK, YAHOO, APPLE, OTHER, ALL_PROVIDERS)


#: No domain name is longer (RFC 1035); a longer cell is not a provider and must not enter the cache.
MAX_NAME_LENGTH = 253


def normalise_mailbox_provider(raw: str) -> str:
    """Map a raw cell ('Hotmail', 'aol.com', '') to its scope name."""
    if len(raw) > MAX_NAME_LENGTH:
        return OTHER
    return _normalise(raw)


@lru_cache(maxsize=4096)
def _normalise(raw: str) -> str:
    text = raw.strip().lower()
    if not text:
        return OTHER
    if text in _LOOKUP:
        return _LOOKUP[text]
    if text in {OTHER, "others", "rest", "misc"}:
        return OTHER
    return OTHER


def provider_sort_key(name: str) -> tuple[int, str]:
    try:
        return (KNOWN_ORDER.index(name), name)
    except ValueError:
        return (len(KNOWN_ORDER), name)
