"""Breaches from the mailbox providers' and ESPs' own signals: Microsoft SNDS colours and trap hits,
provider-reported blocks and listings, account status (SES enforcement, …), and account and domain
rates judged against the presets (Gmail spam rate per domain, SES account reputation, ESP account
totals, each split by mailbox provider where the provider offers it) with Postmaster v2's
IP-related reject rates (judged as the domain's block rate) and compliance status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ipdash.domain.accounts import BASIS_TEXT, AccountSignal, account_signals, metric_name
from ipdash.domain.config import ThresholdSettings
from ipdash.domain.feed import FeedItem
from ipdash.domain.metrics import Window
from ipdash.domain.models import AccountDay, ProviderListing, SndsDay
from ipdash.domain.thresholds import Preset
from ipdash.domain.verdicts import Status, format_rate

SNDS_SOURCE = "Microsoft SNDS"
SNDS_MEANING = {
    "RED": "RED: most of this IP's mail is judged spam by Outlook.com's filters",
    "YELLOW": "YELLOW: a significant share of this IP's mail is judged spam",
}
#: Provider lists whose listing means mail is being refused, not just noted.
CRITICAL_PROVIDER_LISTS = ("snds-blocked", "spamhaus")
#: Account statuses that stop sending; other non-healthy ones are warnings (SES: PROBATION).
STOPPED_ACCOUNT_STATUSES = frozenset({"SHUTDOWN", "PAUSED", "DISABLED", "SUSPENDED"})
HEALTHY_ACCOUNT_STATUSES = frozenset({"", "HEALTHY", "OK"})


def snds_breaches(ip: str, days: Sequence[SndsDay], window: Window) -> list[FeedItem]:
    """RED in the window is critical, YELLOW a warning; any spam-trap hit is critical."""
    in_window = sorted((d for d in days if d.day in window), key=lambda d: d.day)
    items = []
    for colour, severity in (("RED", "critical"), ("YELLOW", "warn")):
        coloured = [d for d in in_window if d.filter_result == colour]
        if coloured:
            items.append(
                FeedItem(
                    severity=severity,
                    since=coloured[0].day,
                    ip=ip,
                    what=f"SNDS · {colour}",
                    detail=f"{len(coloured)} {colour} day(s) in the window, latest {coloured[-1].day}",
                    source=f"{SNDS_SOURCE}: {SNDS_MEANING[colour]}",
                    kind="snds",
                    metric="snds_filter_result",
                    scope="outlook.com",
                    reason=SNDS_MEANING[colour],
                )
            )
            break
    trapped = [d for d in in_window if d.trap_hits > 0]
    if trapped:
        hits = sum(d.trap_hits for d in trapped)
        items.append(
            FeedItem(
                severity="critical",
                since=trapped[0].day,
                ip=ip,
                what="SNDS · trap hits",
                detail=f"{hits} spam-trap hit(s) on {len(trapped)} day(s)",
                source=f"{SNDS_SOURCE}: mail to spam traps means unsolicited or stale addresses",
                kind="snds",
                metric="snds_trap_hits",
                scope="outlook.com",
                reason=f"{hits} message(s) reached Microsoft's spam traps in the window",
            )
        )
    return items


def provider_listing_breaches(listings: Iterable[ProviderListing]) -> list[FeedItem]:
    """A block or listing a provider reports (SNDS ipStatus, Mailgun, SES): critical when mail is refused."""
    items = []
    for listing in listings:
        if not listing.listed:
            continue
        critical = any(name in listing.list_name.lower() for name in CRITICAL_PROVIDER_LISTS)
        items.append(
            FeedItem(
                severity="critical" if critical else "warn",
                since=listing.first_seen.date() if listing.first_seen else None,
                ip=listing.ip,
                what=f"listed · {listing.list_name}",
                detail=listing.reason or "reported by the provider",
                source=f"{listing.source or 'provider'}: provider-reported listing",
                kind="provider-listing",
                metric="blocklist",
                scope=listing.list_name,
                reason=listing.reason or f"{listing.source} reports {listing.ip} on {listing.list_name}",
            )
        )
    return items


def account_breaches(
    days: Iterable[AccountDay],
    window: Window,
    presets: Mapping[str, Preset] | None = None,
    settings: ThresholdSettings | None = None,
) -> list[FeedItem]:
    """The latest status of each account or domain in the window, when it is not healthy; with
    presets, also its rates over their levels and the compliance requirements that need work."""
    days = list(days)
    items = _status_breaches(days, window)
    if presets is not None:
        for signal in account_signals(days, window, presets, settings or ThresholdSettings()):
            items += signal_breaches(signal, window)
    return items


def signal_breaches(signal: AccountSignal, window: Window) -> list[FeedItem]:
    """One account's rates at or over a level, and its compliance rows that need work."""
    items = []
    for rate in signal.rates:
        if not rate.status.is_breach:
            continue
        name = metric_name(signal.provider, rate.metric)
        basis = BASIS_TEXT.get(rate.basis, rate.basis)
        when = f" on {rate.day}" if rate.day else f" from {window.start} to {window.end}"
        reason = (
            f"{signal.provider} {name} for {signal.scope} is {format_rate(rate.value)}{when} ({basis}), "
            f"at or over the {rate.preset} {rate.status.value} level {format_rate(rate.threshold)}"
        )
        if rate.metric == "block_rate" and signal.delivery_errors:
            reason += f"; Gmail rejects mail for {_largest_first(signal.delivery_errors)}"
        items.append(
            FeedItem(
                severity="critical" if rate.status is Status.CRITICAL else "warn",
                since=rate.day or window.start,
                ip=signal.label,
                what=f"account · {name}" + (" (rolling)" if rate.basis == "rolling" else ""),
                detail=f"{format_rate(rate.value)} ≥ {format_rate(rate.threshold)} · {basis}",
                source=f"{rate.preset}: {rate.source}",
                kind="account",
                metric=rate.metric,
                scope=signal.scope,
                value=rate.value,
                threshold=rate.threshold,
                preset=rate.preset,
                reason=reason,
            )
        )
    if signal.compliance:
        needs = ", ".join(row.split("=")[0] for row in signal.compliance)
        items.append(
            FeedItem(
                severity="warn",
                since=signal.latest,
                ip=signal.label,
                what="account · Gmail compliance",
                detail=f"needs work: {needs}",
                source="Google Postmaster Tools v2: sender compliance status (bulk-sender requirements)",
                kind="account",
                metric="compliance",
                scope=signal.scope,
                reason=f"Postmaster Tools says {signal.scope} needs work on {needs}",
            )
        )
    return items


def _largest_first(reasons: Sequence[tuple[str, float]]) -> str:
    ordered = sorted(reasons, key=lambda reason: (-reason[1], reason[0]))
    return ", ".join(f"{name} {format_rate(value)}" for name, value in ordered if value > 0)


def _status_breaches(days: Iterable[AccountDay], window: Window) -> list[FeedItem]:
    latest: dict[tuple[str, str], AccountDay] = {}
    for day in days:
        key = (day.source, day.scope)
        if day.day in window and (key not in latest or latest[key].day < day.day):
            latest[key] = day
    items = []
    for (source, scope), day in sorted(latest.items()):
        status = day.status.strip().upper()
        if status in HEALTHY_ACCOUNT_STATUSES:
            continue
        reason = f"{day.provider} reports {status} for {scope} on {day.day}"
        items.append(
            FeedItem(
                severity="critical" if status in STOPPED_ACCOUNT_STATUSES else "warn",
                since=day.day,
                ip=f"{day.provider}:{scope}",
                what=f"account · {status}",
                detail=reason,
                source=f"{source or day.provider}: account status",
                kind="account",
                metric="account_status",
                scope=scope,
                reason=reason,
            )
        )
    return items
