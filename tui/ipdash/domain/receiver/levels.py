"""The levels receiver-reported data is judged by, and the reporters' names, from
``ipdash/data/receiver_levels.json`` (data with sources, not constants here)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ipdash.domain.mailbox_providers import GMAIL, OUTLOOK, YAHOO


class PassRateLevels(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    warn: float = Field(ge=0, le=1)
    critical: float = Field(ge=0, le=1)
    min_messages: int = Field(ge=1)
    source: str

    @model_validator(mode="after")
    def _ordered(self) -> PassRateLevels:
        if self.critical > self.warn:
            raise ValueError("a pass rate's critical level must be at or below its warn level")
        return self


class UnknownSourceLevels(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    min_messages: int = Field(ge=1)
    severity: str = Field(pattern="^(warn|critical)$")
    source: str


class ReceiverLevels(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    dmarc_pass_rate: PassRateLevels
    unknown_source: UnknownSourceLevels
    reporters: dict[str, list[str]]


@cache
def receiver_levels() -> ReceiverLevels:
    text = resources.files("ipdash").joinpath("data/receiver_levels.json").read_text(encoding="utf-8")
    return parse_levels(json.loads(text))


def parse_levels(raw: Any) -> ReceiverLevels:
    return ReceiverLevels.model_validate(raw)


@cache
def _reporter_aliases() -> dict[str, str]:
    return {
        alias.lower(): provider
        for provider, aliases in receiver_levels().reporters.items()
        for alias in aliases
    }


def reporter_provider(org_name: str, email: str = "") -> str:
    """The mailbox provider a DMARC reporter stands for (google.com -> gmail.com, Outlook.com /
    Enterprise Outlook -> outlook.com, Yahoo -> yahoo.com); any other reporter keeps its own name."""
    aliases = _reporter_aliases()
    name = " ".join(org_name.split()).lower()
    address = email.strip().lower()
    domain = address.rpartition("@")[2]
    for candidate in (name, address, domain):
        if candidate in aliases:
            return aliases[candidate]
    for suffix in _suffixes(domain):
        if suffix in aliases:
            return aliases[suffix]
    return " ".join(org_name.split())[:80] or domain[:80] or "unknown reporter"


def complaint_provider(domain: str) -> str:
    """The mailbox-provider scope (as the ESP data names it) of an ARF reporter's domain:
    feedback@arf.mail.yahoo.com -> yahoo.com; unknown domains are ``other``, like the ESP data's."""
    from ipdash.domain.mailbox_providers import ALIASES, OTHER

    aliases = _reporter_aliases()
    for suffix in _suffixes(domain.strip().lower()):
        if suffix in ALIASES:
            return ALIASES[suffix]
        if suffix in aliases:
            return aliases[suffix]
    return OTHER


def _suffixes(domain: str) -> list[str]:
    labels = [label for label in domain.split(".") if label]
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


KNOWN_REPORTERS = (GMAIL, OUTLOOK, YAHOO)
