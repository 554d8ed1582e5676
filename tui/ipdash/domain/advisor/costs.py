"""Monthly cost of an IP plan at each provider, in parts (plan, IPs, per-message charges), from
the price table (bundled or overridden), each with what it includes and leaves out, its date,
and a stale flag when that date is older than ``price_max_age_months``."""

from __future__ import annotations

import re
from datetime import date

from ipdash.domain.advisor import text
from ipdash.domain.advisor.result import CostRow
from ipdash.domain.advisor.rulebook import Price, PriceTable

_AS_OF = re.compile(r"^(\d{4})(?:-(\d{2}))?")


def months_old(as_of: str, today: date) -> int | None:
    """Whole months from ``as_of`` (YYYY or YYYY-MM…; a bare year counts from its December) to
    ``today``; None when the date cannot be read (e.g. "config")."""
    match = _AS_OF.match(as_of.strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2) or 12)
    if not 1 <= month <= 12:
        return None
    return (today.year - year) * 12 + (today.month - month)


def monthly_costs(
    prices: PriceTable,
    *,
    ips: int,
    kind: str,
    provider: str | None,
    budget_usd: float | None,
    monthly_volume: int = 0,
    today: date | None = None,
    max_age_months: float = 12,
) -> list[CostRow]:
    """One row per provider with a price of this kind (dedicated or managed) that offers it at
    this volume: the sender's provider first, then cheapest first; unpublished prices last."""
    rows = [
        _row(
            key,
            price,
            ips=ips,
            provider=provider,
            budget_usd=budget_usd,
            volume=monthly_volume,
            today=today or date.today(),
            max_age=max_age_months,
        )
        for key, price in prices.prices.items()
        if price.kind == kind
        and (price.min_monthly_volume is None or monthly_volume >= price.min_monthly_volume)
    ]
    rows.sort(key=lambda row: (not row.current, row.usd is None, row.usd or 0.0, row.provider))
    return rows


def _row(
    key: str,
    price: Price,
    *,
    ips: int,
    provider: str | None,
    budget_usd: float | None,
    volume: int,
    today: date,
    max_age: float,
) -> CostRow:
    provider_id = price.provider_id(key)
    notes = []
    plan_usd = price.plan_usd
    if price.usd_per_account is not None:
        plan_usd = (plan_usd or 0.0) + price.usd_per_account
    ip_usd: float | None = None
    if price.usd_per_ip is not None:
        billable = max(0, ips - price.included_ips)
        ip_usd = billable * price.usd_per_ip
        if price.included_ips:
            notes.append(f"{text.plural(price.included_ips, 'IP')} included in the plan")
    per_message = None if price.usd_per_1000 is None else volume / 1000 * price.usd_per_1000
    parts = [part for part in (plan_usd, ip_usd, per_message) if part is not None]
    usd = round(sum(parts), 2) if parts else None
    if usd is None:
        notes.append("no published price: ask the provider")
    if price.max_ips is not None and ips > price.max_ips:
        notes.append(f"{ips} IPs exceeds the self-serve maximum of {price.max_ips}: contact sales")
    if price.confidence == "3":
        notes.append("third-party figure: verify before quoting")
    age = months_old(price.as_of, today)
    stale = age is not None and age > max_age
    if stale:
        notes.append(f"price dated {price.as_of}, over {max_age:g} months old: check before quoting")
    lower_bound_reason = "" if usd is None else _lower_bound_reason(price, volume)
    if lower_bound_reason:
        notes.append(lower_bound_reason)
    within = _within_budget(usd, budget_usd, lower_bound=bool(lower_bound_reason))
    return CostRow(
        provider=provider_id if price.kind == "dedicated" else key,
        name=price.name,
        usd=usd,
        basis=price.basis,
        source=price.source,
        as_of=price.as_of,
        confidence=price.confidence,
        ips=ips,
        current=provider is not None and provider_id == provider,
        within_budget=within,
        note="; ".join(notes),
        plan_usd=None if plan_usd is None else round(plan_usd, 2),
        ip_usd=None if ip_usd is None else round(ip_usd, 2),
        per_message_usd=None if per_message is None else round(per_message, 2),
        includes=price.includes,
        excludes=price.excludes,
        stale=stale,
        lower_bound=bool(lower_bound_reason),
    )


def _lower_bound_reason(price: Price, volume: int) -> str:
    """Why the figure is only a floor ("" when it is the whole bill for this volume)."""
    if not price.all_in:
        return "a floor (≥): the sending plan or usage fees are extra, see excludes"
    if price.plan_monthly_messages is not None and volume > price.plan_monthly_messages:
        plan = f"the {price.plan_name} plan" if price.plan_name else "the priced plan"
        return (
            f"a floor (≥): {plan} carries {price.plan_monthly_messages:,} a month; {volume:,} "
            "needs a higher tier, not in ipdash's table"
        )
    return ""


def _within_budget(usd: float | None, budget_usd: float | None, *, lower_bound: bool) -> bool | None:
    """True or False when the figure settles it; None without a budget or a price, and for a floor
    under the budget (the real bill may be over it)."""
    if budget_usd is None or usd is None:
        return None
    if usd > budget_usd:
        return False
    return None if lower_bound else True
