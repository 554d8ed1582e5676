"""The configuration schema (TOML on disk; loaded and located by ipdash.sources.config_file).

Every section validates here. Sections owned by a later feature (``sources``,
``blocklists``, ``warmup``, ``advisor``, ``store``, ``alerts``) are validated
further by that feature's own model; this schema only guarantees they are tables.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ipdash.domain.auth.config import SendingDomainEntry
from ipdash.domain.models import IpFacts, canonical_ip


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class MetricThreshold(StrictModel):
    """Warn and critical levels for one rate, as fractions (0.001 = 0.1%)."""

    warn: float | None = Field(default=None, ge=0, le=1)
    critical: float | None = Field(default=None, ge=0, le=1)
    source: str = "user config"


#: The rates a threshold can be set for (metrics.RATE_METRICS judges them).
KNOWN_METRICS = ("bounce_rate", "complaint_rate", "unsubscribe_rate", "block_rate")


class ThresholdSettings(StrictModel):
    preset: str = "default"
    """Name of the threshold preset applied to every IP (see `ipdash report --help`)."""

    min_volume: int = Field(default=1000, ge=0)
    """Rates are judged only when at least this many were sent in the window."""

    overrides: dict[str, MetricThreshold] = Field(default_factory=dict)
    """Per-metric overrides on top of the preset: bounce_rate, complaint_rate, unsubscribe_rate, block_rate."""

    mailbox_provider_presets: dict[str, str] = Field(default_factory=dict)
    """A different preset for one mailbox provider's scope, e.g. {"gmail.com" = "gmail-yahoo"}."""

    @field_validator("overrides")
    @classmethod
    def _known_metrics(cls, value: dict[str, MetricThreshold]) -> dict[str, MetricThreshold]:
        # A misspelt metric would otherwise be ignored without a word.
        unknown = sorted(set(value) - set(KNOWN_METRICS))
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}: use {', '.join(KNOWN_METRICS)}")
        return value


class CsvColumns(StrictModel):
    """Explicit header names for columns ipdash does not recognise on its own."""

    date: str | None = None
    ip: str | None = None
    mailbox_provider: str | None = None
    sent: str | None = None
    delivered: str | None = None
    bounced: str | None = None
    hard_bounced: str | None = None
    soft_bounced: str | None = None
    complaints: str | None = None
    unsubscribes: str | None = None
    opens: str | None = None
    clicks: str | None = None

    def explicit(self) -> dict[str, str]:
        return {name: header for name, header in self.model_dump().items() if header}


class CsvFile(StrictModel):
    path: Path
    columns: CsvColumns = Field(default_factory=CsvColumns)
    delimiter: str | None = None
    """One character; sniffed from the header when absent."""
    date_format: str | None = None
    """strptime format when dates are not ISO 8601 (e.g. "%d/%m/%Y")."""

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("delimiter must be a single character")
        return value


class IpFactsEntry(StrictModel):
    ip: str
    pool: str | None = None
    provider: str | None = None
    kind: str | None = Field(default=None, pattern="^(dedicated|shared)$")
    stream: str | None = None
    warmup_start: date | None = None
    warmup_plan: str | None = None
    warmup_target_daily: int | None = Field(default=None, gt=0)
    rdns: str | None = None
    sending_domains: list[str] = Field(default_factory=list)

    def to_facts(self, source: str) -> IpFacts:
        return IpFacts(
            ip=canonical_ip(self.ip),
            pool=self.pool,
            provider=self.provider,
            kind=self.kind,  # type: ignore[arg-type]
            stream=self.stream,
            warmup_start=self.warmup_start,
            warmup_plan=self.warmup_plan,
            warmup_target_daily=self.warmup_target_daily,
            rdns=self.rdns,
            sending_domains=tuple(self.sending_domains),
            source=source,
        )

    @field_validator("ip")
    @classmethod
    def _valid_ip(cls, value: str) -> str:
        return canonical_ip(value)


class Config(StrictModel):
    theme: str | None = None
    window_days: int = Field(default=7, ge=1, le=366)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    csv: list[CsvFile] = Field(default_factory=list)
    snds_files: list[Path] = Field(default_factory=list)
    facts_files: list[Path] = Field(default_factory=list)
    ips: list[IpFactsEntry] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    blocklists: dict[str, Any] = Field(default_factory=dict)
    warmup: dict[str, Any] = Field(default_factory=dict)
    advisor: dict[str, Any] = Field(default_factory=dict)
    store: dict[str, Any] = Field(default_factory=dict)
    alerts: dict[str, Any] = Field(default_factory=dict)
    domains: list[SendingDomainEntry] = Field(default_factory=list)
