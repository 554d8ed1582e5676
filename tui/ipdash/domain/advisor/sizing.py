"""How many IPs, in which pools: one pool per stream, sized by daily volume and capped so
every IP keeps enough volume to stay warm."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ipdash.domain.advisor import text
from ipdash.domain.advisor.evaluate import Resolved
from ipdash.domain.advisor.result import Pool, RuleOutcome, RuleStatus
from ipdash.domain.advisor.rulebook import IpCountTable, RuleBook


@dataclass(slots=True)
class Sizing:
    pools: list[Pool] = field(default_factory=list)
    reasons: list[RuleOutcome] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)

    @property
    def ip_count(self) -> int:
        return sum(pool.ips for pool in self.pools)


def ips_for_daily_volume(daily: float, table: IpCountTable) -> tuple[int, bool]:
    """IPs the table suggests for a daily volume (next row up), and whether the volume is
    beyond the table (then IPs are added at the last row's volume per IP)."""
    for row in table.rows:
        if daily <= row.up_to_daily:
            return row.ips, False
    last = table.rows[-1]
    per_ip = last.up_to_daily / last.ips
    return math.ceil(daily / per_ip), True


def shared_pools(resolved: Resolved) -> Sizing:
    """On shared IPs the streams still go separately (subusers, streams, pools of the provider)."""
    sizing = Sizing()
    for stream, share in resolved.stream_shares():
        monthly = round(resolved.monthly_volume * share)
        if monthly == 0:
            continue
        sizing.pools.append(
            Pool(
                name=f"shared-{stream}",
                streams=(stream,),
                ips=0,
                kind="shared",
                monthly_volume=monthly,
                daily_volume=round(monthly / resolved.sends_per_month),
                why="the provider's shared pool; keep this stream in its own subaccount or stream",
            )
        )
    return sizing


def size_pools(resolved: Resolved, book: RuleBook, kind: str) -> Sizing:
    """Dedicated (or provider-managed) pools, one per stream with volume."""
    sizing = Sizing()
    figures = book.sizing
    keep_warm = figures.keep_warm_monthly_per_ip.value
    provider = book.providers.get(resolved.provider) if resolved.provider else None
    for stream, share in resolved.stream_shares():
        monthly = round(resolved.monthly_volume * share)
        if monthly == 0:
            continue
        daily = monthly / resolved.sends_per_month
        name = stream
        table_ips, beyond = ips_for_daily_volume(daily, figures.ip_count_table)
        why = [f"{text.count(daily)} a sending day → {text.plural(table_ips, 'IP')} by the IP-count table"]
        sizing.reasons.append(
            RuleOutcome(
                "ip-count-table",
                f"IP count for the {name} pool",
                "sizing",
                RuleStatus.APPLIES,
                why[0] + (" (beyond the table: extrapolated)" if beyond else ""),
                book.source_text(figures.ip_count_table.source),
                "table",
                round(daily),
                book.source_short(figures.ip_count_table.source),
            )
        )
        if beyond:
            sizing.risks.append(
                f"{name}: {text.count(daily)} a day is beyond SendGrid's IP-count table; "
                f"{table_ips} IPs is an extrapolation, size it with your provider."
            )
        ips = table_ips
        warm_cap = max(1, math.floor(monthly / keep_warm))
        if warm_cap < ips:
            ips = warm_cap
            why.append(f"capped at {ips} so each IP keeps ≥ {text.count(keep_warm)} a month")
            sizing.reasons.append(
                _sizing_reason(
                    book,
                    "keep-warm-cap",
                    "Keep every IP warm",
                    f"{name}: {why[-1]}",
                    figures.keep_warm_monthly_per_ip.source,
                    keep_warm,
                    monthly,
                )
            )
        promo = figures.promotional_two_ips_monthly.value
        if stream == "marketing" and monthly >= promo and ips < 2:
            ips = 2
            why.append(f"at least 2 marketing IPs from {text.count(promo)} a month")
            sizing.reasons.append(
                _sizing_reason(
                    book,
                    "promotional-two-ips",
                    "At least 2 marketing IPs",
                    f"{name}: {why[-1]}",
                    figures.promotional_two_ips_monthly.source,
                    promo,
                    monthly,
                )
            )
        if provider is not None and provider.max_daily_per_ip:
            needed = math.ceil(daily / provider.max_daily_per_ip)
            if needed > ips:
                ips = needed
                why.append(
                    f"{provider.name} sends at most {text.count(provider.max_daily_per_ip)} a day per IP"
                )
                sizing.reasons.append(
                    _sizing_reason(
                        book,
                        "provider-ip-capacity",
                        "Per-IP capacity",
                        f"{name}: {why[-1]}",
                        provider.source,
                        provider.max_daily_per_ip,
                        round(daily),
                    )
                )
        if (
            kind == "dedicated"
            and provider is not None
            and provider.min_dedicated_ips
            and ips < provider.min_dedicated_ips
        ):
            if warm_cap >= provider.min_dedicated_ips:
                ips = provider.min_dedicated_ips
                why.append(provider.min_ips_note or f"{provider.name} suggests at least {ips} IPs")
                sizing.reasons.append(
                    _sizing_reason(
                        book,
                        "provider-min-ips",
                        "Provider minimum IP count",
                        f"{name}: {why[-1]}",
                        provider.source,
                        ips,
                        monthly,
                    )
                )
            else:
                sizing.risks.append(
                    f"{name}: {provider.min_ips_note or provider.name + ' suggests more IPs'} — at "
                    f"{text.count(monthly)} a month a second IP would not stay warm."
                )
        per_provider = figures.per_mailbox_provider_daily_per_ip.value
        providers = figures.major_mailbox_providers.value
        per_ip_provider = daily / ips / providers
        if per_ip_provider < per_provider:
            sizing.risks.append(
                f"{name}: each of {text.plural(ips, 'IP')} sends about {text.count(per_ip_provider)} a sending "
                f"day to each major mailbox provider, below the ~{text.count(per_provider)} a day per IP per "
                "mailbox provider that keeps it warm (SES): expect a slower warm-up at Gmail, Microsoft and Yahoo."
            )
        if monthly < keep_warm:
            sizing.risks.append(
                f"{name} pool: {text.count(monthly)} a month is below the {text.count(keep_warm)} a month "
                "that keeps an IP warm (Salesforce); expect a slower warm-up and reputation that cools between sends."
            )
        sizing.pools.append(
            Pool(
                name=name,
                streams=(stream,),
                ips=ips,
                kind=kind,
                monthly_volume=monthly,
                daily_volume=round(daily),
                why="; ".join(why),
            )
        )
    return sizing


def _sizing_reason(
    book: RuleBook, rule: str, title: str, detail: str, source: str, figure: float, value: float
) -> RuleOutcome:
    return RuleOutcome(
        rule,
        title,
        "sizing",
        RuleStatus.APPLIES,
        detail,
        book.source_text(source),
        figure,
        value,
        book.source_short(source),
    )
