"""The advisor's facts as data: rules, sizing figures, providers and prices.

The bundled copies live in ``ipdash/data/advisor_rules.json`` and ``ip_prices.json``;
``ipdash.domain.advisor.settings`` applies a user's ``[advisor]`` overrides on top.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RuleKind = Literal[
    "min_monthly_volume",
    "min_weekly_volume",
    "min_daily_volume",
    "min_sends_per_month",
    "min_sending_days_per_week",
    "max_gap_days",
    "steady_pattern",
    "min_daily_per_mailbox_provider",
    "max_rate",
    "requires_double_opt_in",
    "max_engagement_months",
    "allowlisted_recipients",
    "ips_watched",
    "isolate_streams",
    "time_critical",
    "mandatory_above_monthly",
]
#: What a rule does to the verdict (see ipdash.domain.advisor.engine).
Effect = Literal[
    "eligibility",
    "evidence",
    "readiness",
    "regularity",
    "support",
    "risk",
    "exception",
    "mandate",
    "oversight",
    "pools",
]
RateMetric = Literal["bounce_rate", "complaint_rate", "unsubscribe_rate"]

_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Data):
    short: str
    title: str
    where: str
    confidence: str


class Rule(_Data):
    id: str
    kind: RuleKind
    effect: Effect
    title: str
    note: str
    source: str
    figure: float | None = None
    metric: RateMetric | None = None
    providers: tuple[str, ...] | None = None

    def applies_to(self, provider: str | None) -> bool:
        return self.providers is None or provider in self.providers


class Figure(_Data):
    value: float
    note: str
    source: str


class IpCountRow(_Data):
    up_to_daily: int = Field(ge=0)
    ips: int = Field(ge=1)


class IpCountTable(_Data):
    note: str
    source: str
    rows: tuple[IpCountRow, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ascending(self) -> IpCountTable:
        bounds = [row.up_to_daily for row in self.rows]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("ip_count_table rows must ascend by up_to_daily")
        return self


SIZING_FIGURES = (
    "keep_warm_monthly_per_ip",
    "promotional_two_ips_monthly",
    "major_mailbox_providers",
    "default_sending_days_per_week",
    "default_transactional_share",
    "days_per_month",
    "default_peak_ratio",
    "per_mailbox_provider_daily_per_ip",
    "price_max_age_months",
)


class Sizing(_Data):
    keep_warm_monthly_per_ip: Figure
    promotional_two_ips_monthly: Figure
    major_mailbox_providers: Figure
    default_sending_days_per_week: Figure
    default_transactional_share: Figure
    days_per_month: Figure
    default_peak_ratio: Figure
    per_mailbox_provider_daily_per_ip: Figure
    price_max_age_months: Figure
    ip_count_table: IpCountTable


class PatternDetection(_Data):
    note: str
    source: str
    spiky_cv: float = Field(gt=0)
    seasonal_ratio: float = Field(gt=1)
    window_days: int = Field(ge=7, le=366)


class WarmupMechanism(_Data):
    """How a provider warms a new dedicated IP, which sets the calendar length of the warm-up.

    ``sending-days``: a schedule by sending day (calendar time follows the sender's cadence);
    ``time-based``: the provider ramps by calendar day whatever is sent (SES standard);
    ``weekly-caps``: a daily cap per IP by warm-up week (Salesforce).
    Managed IPs warm adaptively in ``calendar_days_min``..``calendar_days_max``.
    """

    mechanism: Literal["sending-days", "time-based", "weekly-caps"]
    note: str
    source: str
    schedule: str | None = None
    calendar_days: int | None = Field(default=None, ge=1)
    daily_per_ip_at_end: int | None = Field(default=None, ge=1)
    calendar_days_min: int | None = Field(default=None, ge=1)
    calendar_days_max: int | None = Field(default=None, ge=1)
    weekly_caps: tuple[int, ...] = ()
    min_calendar_days: int | None = Field(default=None, ge=1)
    stops_after_idle_days: int | None = Field(default=None, ge=1)


class ProviderInfo(_Data):
    name: str
    aliases: tuple[str, ...] = ()
    managed_dedicated: bool = False
    min_dedicated_ips: int | None = Field(default=None, ge=1)
    min_ips_note: str | None = None
    max_daily_per_ip: int | None = Field(default=None, ge=1)
    warmup: WarmupMechanism | None = None
    source: str

    @property
    def warmup_schedule(self) -> str | None:
        return self.warmup.schedule if self.warmup is not None else None


class WarmupChoice(_Data):
    default_schedule: str
    note: str
    source: str


class RuleBook(_Data):
    version: int
    about: str
    sources: dict[str, Source]
    rules: tuple[Rule, ...]
    sizing: Sizing
    pattern_detection: PatternDetection
    providers: dict[str, ProviderInfo]
    warmup: WarmupChoice

    @model_validator(mode="after")
    def _references_resolve(self) -> RuleBook:
        ids = [rule.id for rule in self.rules]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
        cited = [rule.source for rule in self.rules] + [info.source for info in self.providers.values()]
        cited += [info.warmup.source for info in self.providers.values() if info.warmup is not None]
        missing = sorted({name for name in cited if name not in self.sources})
        if missing:
            raise ValueError(f"unknown sources cited: {', '.join(missing)}")
        for rule in self.rules:
            if rule.kind == "max_rate" and rule.metric is None:
                raise ValueError(f"rule {rule.id}: max_rate needs a metric")
            for provider in rule.providers or ():
                if provider not in self.providers:
                    raise ValueError(f"rule {rule.id}: unknown provider {provider!r}")
        return self

    def source_text(self, name: str) -> str:
        source = self.sources.get(name)
        if source is None:
            return name
        return f"{source.title} [{source.confidence}] — {source.where}"

    def source_short(self, name: str) -> str:
        source = self.sources.get(name)
        return source.short if source is not None else name

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def provider_id(self, text: str) -> str | None:
        """The provider id for a name or alias (case-insensitive), or None."""
        wanted = text.strip().lower().replace(" ", "-").replace("_", "-")
        for provider_id, info in self.providers.items():
            if wanted == provider_id or wanted in info.aliases:
                return provider_id
        return None

    def managed_providers(self) -> list[str]:
        return [provider_id for provider_id, info in self.providers.items() if info.managed_dedicated]


class Price(_Data):
    name: str
    basis: str
    source: str
    as_of: str
    confidence: str
    kind: Literal["dedicated", "managed"] = "dedicated"
    usd_per_ip: float | None = Field(default=None, ge=0)
    usd_per_account: float | None = Field(default=None, ge=0)
    plan_usd: float | None = Field(default=None, ge=0)
    plan_name: str | None = None
    usd_per_1000: float | None = Field(default=None, ge=0)
    included_ips: int = Field(default=0, ge=0)
    max_ips: int | None = Field(default=None, ge=1)
    min_monthly_volume: int | None = Field(default=None, ge=1)
    all_in: bool = False
    """The parts cover every charge of sending the volume there (bar the small extras in
    ``excludes``); otherwise the figure is a floor: the sending plan or a usage fee is extra."""
    plan_monthly_messages: int | None = Field(default=None, ge=1)
    """Messages a month the priced plan carries; above it the figure is a floor (a higher tier)."""
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    provider: str | None = None

    def provider_id(self, key: str) -> str:
        return self.provider or key


class PriceTable(_Data):
    version: int
    about: str
    prices: dict[str, Price]


@lru_cache(maxsize=1)
def bundled_rule_book() -> RuleBook:
    """The rules shipped with ipdash (read once)."""
    return RuleBook.model_validate(json.loads((_DATA_DIR / "advisor_rules.json").read_text("utf-8")))


@lru_cache(maxsize=1)
def bundled_prices() -> PriceTable:
    """The price table shipped with ipdash (read once)."""
    return PriceTable.model_validate(json.loads((_DATA_DIR / "ip_prices.json").read_text("utf-8")))
