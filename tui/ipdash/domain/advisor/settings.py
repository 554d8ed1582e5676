"""The ``[advisor]`` config section: price overrides and rule-figure overrides.

```toml
[advisor]
price_max_age_months = 18          # when a price is flagged stale (default 12)

[advisor.figures]
volume-floor = 150000              # a rule id: its figure
keep_warm_monthly_per_ip = 80000   # a sizing figure name

[advisor.prices.sendgrid]
usd_per_ip = 35
as_of = "2026-09"
source = "our contract"
all_in = true                      # the figure is the whole bill (default: a floor)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ipdash.domain.advisor.rulebook import (
    SIZING_FIGURES,
    Figure,
    Price,
    PriceTable,
    RuleBook,
    Source,
    bundled_prices,
    bundled_rule_book,
)

USER_SOURCE = "user-config"


class PriceOverride(BaseModel):
    """A provider's price as the user knows it; unset fields keep the bundled value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    usd_per_ip: float | None = Field(default=None, ge=0)
    usd_per_account: float | None = Field(default=None, ge=0)
    included_ips: int | None = Field(default=None, ge=0)
    max_ips: int | None = Field(default=None, ge=1)
    plan_usd: float | None = Field(default=None, ge=0)
    plan_name: str | None = None
    usd_per_1000: float | None = Field(default=None, ge=0)
    min_monthly_volume: int | None = Field(default=None, ge=1)
    all_in: bool | None = None
    plan_monthly_messages: int | None = Field(default=None, ge=1)
    includes: tuple[str, ...] | None = None
    excludes: tuple[str, ...] | None = None
    basis: str | None = None
    source: str | None = None
    as_of: str | None = None
    kind: Literal["dedicated", "managed"] | None = None
    provider: str | None = None


class AdvisorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    figures: dict[str, float] = Field(default_factory=dict)
    """Rule figure (by rule id) or sizing figure (by name) overrides."""

    prices: dict[str, PriceOverride] = Field(default_factory=dict)
    """Per-provider price overrides or additions, keyed like ip_prices.json."""

    price_max_age_months: float | None = Field(default=None, gt=0, le=1200)
    """A price older than this is flagged stale (same as figures.price_max_age_months)."""


class InvalidSettings(ValueError):
    """The [advisor] section cannot be used; the message names the key."""


def parse_advisor_settings(raw: Mapping[str, Any]) -> AdvisorSettings:
    try:
        return AdvisorSettings.model_validate(dict(raw))
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            key = ".".join(str(part) for part in detail["loc"])
            problems.append(f"advisor.{key}: {detail['msg']}")
        raise InvalidSettings("; ".join(problems)) from None


def apply_settings(
    book: RuleBook, prices: PriceTable, settings: AdvisorSettings
) -> tuple[RuleBook, PriceTable]:
    """The rule book and price table with the user's overrides; unknown figure names are refused."""
    figures = dict(settings.figures)
    if settings.price_max_age_months is not None:
        figures.setdefault("price_max_age_months", settings.price_max_age_months)
    return _apply_figures(book, figures), _apply_prices(prices, settings.prices)


def _apply_figures(book: RuleBook, figures: Mapping[str, float]) -> RuleBook:
    if not figures:
        return book
    rules_with_figures = {rule.id for rule in book.rules if rule.figure is not None}
    sizing_names = set(SIZING_FIGURES)
    unknown = sorted(set(figures) - rules_with_figures - sizing_names)
    if unknown:
        valid = ", ".join(sorted(rules_with_figures | sizing_names))
        raise InvalidSettings(f"advisor.figures: unknown figure {', '.join(unknown)} (known: {valid})")
    rates = {rule.id for rule in book.rules if rule.kind == "max_rate"} | {"default_transactional_share"}
    for name, value in figures.items():
        if value < 0 or value != value or value == float("inf"):
            raise InvalidSettings(f"advisor.figures.{name}: must be a number ≥ 0")
        if name in rates and value > 1:
            raise InvalidSettings(f"advisor.figures.{name}: a rate is a fraction ≤ 1 (0.03 for 3%)")
        if name == "default_sending_days_per_week" and not 1 <= value <= 7:
            raise InvalidSettings(f"advisor.figures.{name}: must be 1 to 7")
        zero_refused = {
            "days_per_month",
            "major_mailbox_providers",
            "keep_warm_monthly_per_ip",
            "price_max_age_months",
            "default_peak_ratio",
            "per_mailbox_provider_daily_per_ip",
        }
        if name in zero_refused and value == 0:
            raise InvalidSettings(f"advisor.figures.{name}: must be > 0")
    rules = tuple(
        rule.model_copy(update={"figure": float(figures[rule.id]), "source": USER_SOURCE})
        if rule.id in figures
        else rule
        for rule in book.rules
    )
    sizing_updates = {
        name: Figure(
            value=float(value),
            note=f"overridden in config (bundled: {getattr(book.sizing, name).value:g})",
            source=USER_SOURCE,
        )
        for name, value in figures.items()
        if name in sizing_names
    }
    sources = dict(book.sources)
    sources[USER_SOURCE] = Source(
        short="your config", title="Your config", where="[advisor.figures]", confidence="user"
    )
    return book.model_copy(
        update={"rules": rules, "sizing": book.sizing.model_copy(update=sizing_updates), "sources": sources}
    )


def _apply_prices(prices: PriceTable, overrides: Mapping[str, PriceOverride]) -> PriceTable:
    if not overrides:
        return prices
    merged = dict(prices.prices)
    for key, override in overrides.items():
        changes = override.model_dump(exclude_none=True)
        base = merged.get(key)
        if base is None:
            if override.usd_per_ip is None and override.usd_per_account is None:
                raise InvalidSettings(
                    f"advisor.prices.{key}: a new provider needs usd_per_ip or usd_per_account"
                )
            amount = override.usd_per_ip if override.usd_per_ip is not None else override.usd_per_account
            unit = "IP" if override.usd_per_ip is not None else "account"
            base = Price(
                name=key,
                basis=f"${amount:g} per {unit} per month",
                source=f"config [advisor.prices.{key}]",
                as_of="config",
                confidence="user",
            )
        elif "basis" not in changes and ({"usd_per_ip", "usd_per_account"} & set(changes)):
            amount = changes.get("usd_per_ip", changes.get("usd_per_account"))
            unit = "IP" if "usd_per_ip" in changes else "account"
            changes["basis"] = f"${amount:g} per {unit} per month (your config)"
        changes.setdefault("source", f"config [advisor.prices.{key}]")
        changes.setdefault("as_of", "config")
        changes["confidence"] = "user"
        merged[key] = base.model_copy(update=changes)
    return prices.model_copy(update={"prices": merged})


def advisor_data(section: Mapping[str, Any]) -> tuple[RuleBook, PriceTable]:
    """The bundled rules and prices with a config's ``[advisor]`` section applied (the
    ``Config.advisor`` table). Raises InvalidSettings naming the key."""
    return apply_settings(bundled_rule_book(), bundled_prices(), parse_advisor_settings(section))
