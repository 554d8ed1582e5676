"""Monthly cost of an IP plan at each provider, from the price table (bundled or overridden)."""

from __future__ import annotations

from ipdash.domain.advisor import text
from ipdash.domain.advisor.result import CostRow
from ipdash.domain.advisor.rulebook import Price, PriceTable


def monthly_costs(
    prices: PriceTable,
    *,
    ips: int,
    kind: str,
    provider: str | None,
    budget_usd: float | None,
) -> list[CostRow]:
    """One row per provider with a price of this kind (dedicated or managed): the sender's
    provider first, then cheapest first; unpublished prices last."""
    rows = [
        _row(key, price, ips=ips, provider=provider, budget_usd=budget_usd)
        for key, price in prices.prices.items()
        if price.kind == kind
    ]
    rows.sort(key=lambda row: (not row.current, row.usd is None, row.usd or 0.0, row.provider))
    return rows


def _row(key: str, price: Price, *, ips: int, provider: str | None, budget_usd: float | None) -> CostRow:
    provider_id = price.provider_id(key)
    notes = []
    usd: float | None
    if price.usd_per_account is not None:
        usd = price.usd_per_account
    elif price.usd_per_ip is not None:
        billable = max(0, ips - price.included_ips)
        usd = billable * price.usd_per_ip
        if price.included_ips:
            notes.append(f"{text.plural(price.included_ips, 'IP')} included in the plan")
    else:
        usd = None
        notes.append("no published price: ask the provider")
    if price.max_ips is not None and ips > price.max_ips:
        notes.append(f"{ips} IPs exceeds the self-serve maximum of {price.max_ips}: contact sales")
    if price.confidence == "3":
        notes.append("third-party figure: verify before quoting")
    within = None if budget_usd is None or usd is None else usd <= budget_usd
    return CostRow(
        provider=provider_id if price.kind == "dedicated" else key,
        name=price.name,
        usd=None if usd is None else round(usd, 2),
        basis=price.basis,
        source=price.source,
        as_of=price.as_of,
        confidence=price.confidence,
        ips=ips,
        current=provider is not None and provider_id == provider,
        within_budget=within,
        note="; ".join(notes),
    )
