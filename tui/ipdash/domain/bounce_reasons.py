"""Bounce and deferral reasons: an SMTP reply to the reason class that matters for IP reputation.

The rules are data with sources (``data/bounce_reasons.json``): the mailbox providers' own reply texts
(Outlook S3150 / 5.7.511 / 4.7.650, Gmail 421-4.7.28 / 550-5.7.1 / 5.7.26, Yahoo TSS04 / TSS09),
blocklists named in replies, then the MTA's own category, then the enhanced status code (RFC 3463).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ipdash.domain.safe_text import safe_text

#: Longest reply kept (SMTP replies are short; a longer one is cut, never held whole).
MAX_REPLY_CHARS = 240
_CACHE_SIZE = 8192

_BRACKETED_IP = re.compile(
    r"\[(?:\d{1,3}\.){3}\d{1,3}\]|\[[0-9a-f:]*:[0-9a-f:]+\]|\((?:\d{1,3}\.){3}\d{1,3}\)", re.I
)
_BARE_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_BRACKETED_HOST = re.compile(r"\[[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+){2,}\]")
_TOKEN_ID = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{12,}\b")
_KEYED_ID = re.compile(r"\b(MxId|InternalId|ids?|queued as)([=: ])[^\s\]),;]+", re.I)
_CAPS_ID = re.compile(r"\b[A-Z0-9]{10,}\b")
_SPACES = re.compile(r"\s+")
_ADDRESS = re.compile(r"<[^<>@\s]*@[^<>\s]*>|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")


@dataclass(frozen=True, slots=True)
class ReasonClass:
    name: str
    label: str
    #: A policy or reputation refusal: counted as blocked.
    blocking: bool
    #: Severity of a new reason of this class at a mailbox provider ("critical" / "warn"), None: no feed line.
    severity: str | None


@dataclass(frozen=True, slots=True)
class Classification:
    """What a reply means: the rule that matched (its id, label and source) and its class."""

    rule_id: str
    reason_class: ReasonClass
    label: str
    source: str

    @property
    def blocking(self) -> bool:
        return self.reason_class.blocking


@dataclass(frozen=True, slots=True)
class _Rule:
    rule_id: str
    reason_class: ReasonClass
    mailbox_provider: str | None
    pattern: re.Pattern[str]
    label: str
    source: str

    def matches(self, reply: str, mailbox_provider: str) -> bool:
        if self.mailbox_provider is not None and self.mailbox_provider != mailbox_provider:
            return False
        return self.pattern.search(reply) is not None

    def classification(self) -> Classification:
        return Classification(self.rule_id, self.reason_class, self.label, self.source)


def normalise_reply(text: str) -> str:
    """One spelling per reason: addresses, IPs, server names and queue ids masked, spaces collapsed, cut.

    "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent … [DB3EUR04FT007.eop-eur04…]"
    becomes "550 5.7.1 Unfortunately, messages from [IP] weren't sent … [host]", the same for every IP.
    """
    text = safe_text(text[: MAX_REPLY_CHARS * 4])
    text = _ADDRESS.sub("<address>", text)
    text = _BRACKETED_IP.sub("[IP]", text)
    text = _BRACKETED_HOST.sub("[host]", text)
    text = _BARE_IP.sub("IP", text)
    text = _KEYED_ID.sub(r"\1\2…", text)
    text = _TOKEN_ID.sub("…", text)
    text = _CAPS_ID.sub("…", text)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= MAX_REPLY_CHARS else text[: MAX_REPLY_CHARS - 1] + "…"


class ReasonClassifier:
    """The rules of ``bounce_reasons.json``; ``classify`` is cached (logs repeat the same replies)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        try:
            self.classes = {
                name: ReasonClass(name, str(spec["label"]), bool(spec["blocking"]), spec.get("severity"))
                for name, spec in data["classes"].items()
            }
            self._rules = tuple(self._rule(spec) for spec in data["rules"])
            self._generic = tuple(self._rule(spec) for spec in data["generic"])
            categories = data["mta_categories"]
            self._categories: dict[str, dict[str, str]] = {
                mta: {key.lower(): value for key, value in mapping.items()}
                for mta, mapping in categories.items()
                if isinstance(mapping, dict)
            }
            for mapping in self._categories.values():
                for value in mapping.values():
                    self.classes[value]  # an unknown class is a broken data file
            self._category_source = str(categories.get("source", ""))
        except (KeyError, TypeError, AttributeError, re.error) as error:
            raise ValueError(f"bounce_reasons.json: {error!r}") from error
        if not self._generic or self._generic[-1].pattern.pattern:
            raise ValueError("bounce_reasons.json: the last generic rule must match everything")
        self._cache: dict[tuple[str, str, str, str], Classification] = {}

    def _rule(self, spec: Mapping[str, Any]) -> _Rule:
        return _Rule(
            rule_id=str(spec["id"]),
            reason_class=self.classes[spec["class"]],
            mailbox_provider=spec.get("mailbox_provider"),
            pattern=re.compile(str(spec["pattern"]), re.IGNORECASE),
            label=str(spec["label"]),
            source=str(spec["source"]),
        )

    def classify(
        self, reply: str, mailbox_provider: str, mta: str = "", category: str = ""
    ) -> Classification:
        """The reason for ``reply`` (already normalised) from a recipient at ``mailbox_provider``;
        ``category`` is the MTA's own class (KumoMTA bounce_classification, PowerMTA bounceCat)."""
        key = (reply, mailbox_provider, mta, category)
        found = self._cache.get(key)
        if found is None:
            found = self._classify(reply, mailbox_provider, mta, category.strip().lower())
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _classify(self, reply: str, mailbox_provider: str, mta: str, category: str) -> Classification:
        for rule in self._rules:
            if rule.matches(reply, mailbox_provider):
                return rule.classification()
        mapped = self._categories.get(mta, {}).get(category) if category else None
        if mapped is not None:
            reason_class = self.classes[mapped]
            label = f"{reason_class.label} ({mta} category {category})"
            return Classification(f"{mta}-{category}", reason_class, label, self._category_source)
        for rule in self._generic:
            if rule.matches(reply, mailbox_provider):
                return rule.classification()
        raise AssertionError("the catch-all generic rule always matches")  # pragma: no cover
