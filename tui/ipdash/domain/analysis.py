"""The one analysis: from a Dataset (and the check results) to everything any surface shows.

source records -> metrics over a window -> thresholds -> warm-up -> checks and provider signals ->
breaches -> score -> the feed. The TUI, ``report``, ``poll`` (alerts) and ``warmup status`` all call
``analyse`` and nothing else, so they show the same verdicts for the same inputs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ipdash.domain.accounts import AccountSignal, account_signals
from ipdash.domain.auth.findings import domain_findings
from ipdash.domain.auth.judge import DomainAuth
from ipdash.domain.checks import CheckResults, IpChecks, check_breaches, ip_checks
from ipdash.domain.config import Config
from ipdash.domain.feed import FeedItem, ordered, verdict_item, worst_severity
from ipdash.domain.metrics import IpMetrics, Window
from ipdash.domain.models import Dataset, IpFacts, ProviderListing, SndsDay
from ipdash.domain.mta_replies import IpReplies, ReplyCount, ReplyIndex
from ipdash.domain.rates import RateJudgement, judge_rates
from ipdash.domain.receiver import IpReceiver, ReceiverData, UnknownSource, prepare
from ipdash.domain.score import Score, score_ip
from ipdash.domain.signals import account_breaches, provider_listing_breaches, snds_breaches
from ipdash.domain.thresholds import Preset, Status, Verdict, breaches
from ipdash.domain.warmup import WarmupProgress, WarmupSettings, assess_all, warmup_breach


@dataclass(frozen=True, slots=True)
class IpAnalysis:
    ip: str
    facts: IpFacts | None
    metrics: IpMetrics
    verdicts: tuple[Verdict, ...]
    #: Every breach of this IP, whatever raised it: the table's count, the feed, report JSON, alerts.
    breaches: tuple[FeedItem, ...]
    score: Score
    snds: tuple[SndsDay, ...]
    warmup: WarmupProgress | None = None
    checks: IpChecks | None = None
    listings: tuple[ProviderListing, ...] = ()
    #: What receivers reported (DMARC aggregate reports, ARF complaints); None: no report names it.
    receiver: IpReceiver | None = None
    #: SMTP replies from MTA logs over the window (top reasons, deferrals); None: no MTA log for this IP.
    replies: IpReplies | None = None

    @property
    def worst_status(self) -> Status | None:
        worst = worst_severity(self.breaches)
        return None if worst is None else Status(worst)

    @property
    def volume_known(self) -> bool:
        """Some source counts this IP's sending (an SNDS-only or facts-only IP has unknown volume, not 0)."""
        return bool(self.metrics.by_provider)

    @property
    def threshold_breaches(self) -> tuple[Verdict, ...]:
        return tuple(breaches(list(self.verdicts)))


@dataclass(frozen=True, slots=True)
class Analysis:
    window: Window | None
    ips: dict[str, IpAnalysis]
    #: Every breach (per IP, account-level, sending domains), critical first, newest first.
    feed: tuple[FeedItem, ...] = ()
    #: The sending domains' authentication checks the analysis was given (empty: not run).
    domains: tuple[DomainAuth, ...] = ()
    #: Account- and domain-level signals (Postmaster domains, SES account, ESP totals), judged.
    accounts: tuple[AccountSignal, ...] = ()
    #: The metrics and rate verdicts, kept so the next analysis can reuse what still holds.
    rates: RateJudgement | None = field(default=None, compare=False, repr=False)
    #: IPs receivers saw sending as our domains that no source or config knows, most messages first.
    unknown_sources: tuple[UnknownSource, ...] = ()

    def all_breaches(self) -> list[FeedItem]:
        return list(self.feed)

    @property
    def has_critical(self) -> bool:
        return any(item.severity == "critical" for item in self.feed)

    @property
    def checks_incomplete(self) -> list[str]:
        """IPs whose blocklist or rDNS result has unknowns (a list or the PTR could not be asked)."""
        return [
            ip
            for ip, analysis in self.ips.items()
            if analysis.checks is not None
            and (analysis.checks.signal.important_unknown or not analysis.checks.rdns_judged)
        ]


def analysis_window(
    dataset: Dataset, days: int, end: date | None = None, today: date | None = None
) -> Window | None:
    """The last ``days`` days ending at ``end``, else at the latest day every current source of
    daily records has reported (``coverage.complete_day``: a day one source has not reported yet
    is no data for its IPs, not zero volume), else at the latest date of any other signal (SNDS,
    account days), else (when some source knows IPs) at ``today``; with no IP at all there is no
    window.

    The fallbacks keep IPs that a provider knows but that have no volume yet in the report.
    """
    from ipdash.domain.coverage import complete_day

    other_days = [key[1] for key in dataset.snds] + [key[2] for key in dataset.accounts]
    last = end or complete_day(dataset) or (max(other_days) if other_days else None)
    if last is None and dataset.ips():
        last = today
    return Window.ending(last, days) if last else None


def analyse(
    dataset: Dataset,
    config: Config,
    presets: Mapping[str, Preset],
    *,
    checks: CheckResults | None = None,
    window: Window | None = None,
    today: date | None = None,
    previous: Analysis | None = None,
    receiver: ReceiverData | None = None,
    replies: Iterable[ReplyCount] | None = None,
) -> Analysis:
    """Everything per IP and the feed, for one state of the data and the check results.

    ``checks`` are the stored or fresh blocklist/rDNS results; only IPs in ``dataset`` use theirs.
    ``previous``: the last analysis of this data, whose metrics and rate verdicts are reused where
    the records, window and thresholds are unchanged (see :mod:`ipdash.domain.rates`).
    ``receiver``: DMARC and ARF reports; ARF complaints join the complaint rate (never counted twice,
    see domain.receiver.complaints), DMARC volume stays a separate series beside the ESP's sent count.
    ``replies`` are MTA-log SMTP replies (default: ``dataset.replies``): top reasons and new block reasons.
    Raises UnknownPresetError for a preset the presets do not have, PlanError for a bad [warmup].
    """
    window = window or analysis_window(dataset, config.window_days, today=today)
    if window is None:
        return Analysis(None, {})
    checks = checks or CheckResults()
    dataset, seen_by = prepare(receiver, dataset, window) if receiver is not None else (dataset, None)
    by_ip_checks = {ip: got for ip in dataset.ips() if (got := ip_checks(checks, ip)) is not None}
    rates = judge_rates(
        dataset, window, presets, config.thresholds, previous=previous.rates if previous is not None else None
    )
    metrics_by_ip = rates.metrics
    warmups = assess_all(
        dataset,
        config,
        presets,
        today=window.end,
        blocklists={ip: item.signal for ip, item in by_ip_checks.items()},
        last_sent={ip: metrics.last_sent_day for ip, metrics in metrics_by_ip.items()},
    )
    rewarm_idle_days = WarmupSettings.from_section(config.warmup).rewarm_idle_days
    snds_by_ip: dict[str, list[SndsDay]] = defaultdict(list)
    for (ip, _day), record in sorted(dataset.snds.items(), key=lambda item: item[0][1]):
        snds_by_ip[ip].append(record)
    listings_by_ip: dict[str, list[ProviderListing]] = defaultdict(list)
    for listing in dataset.listings.values():
        listings_by_ip[listing.ip].append(listing)
    reply_index = ReplyIndex(dataset.replies.values() if replies is None else replies, window)

    results: dict[str, IpAnalysis] = {}
    verdicts_by_ip = rates.verdicts
    for ip, metrics in metrics_by_ip.items():
        verdicts = verdicts_by_ip[ip]
        found_checks = by_ip_checks.get(ip)
        warmup = warmups.get(ip)
        snds = tuple(snds_by_ip.get(ip, ()))
        listings = tuple(listings_by_ip.get(ip, ()))
        found = [verdict_item(v) for v in breaches(verdicts)]
        warmup_item = warmup_breach(warmup, rewarm_idle_days=rewarm_idle_days)
        found += [warmup_item] if warmup_item is not None else []
        found += check_breaches(found_checks) if found_checks is not None else []
        found += snds_breaches(ip, snds, window)
        found += provider_listing_breaches(listings)
        ip_receiver = seen_by.for_ip(ip, metrics) if seen_by is not None else None
        found += seen_by.breaches(ip_receiver) if seen_by is not None else []
        found += reply_index.breaches(ip)
        ip_breaches = tuple(ordered(found))
        score = score_ip(
            metrics,
            min_volume=config.thresholds.min_volume,
            facts=dataset.facts.get(ip),
            snds=snds,
            blocklists=found_checks.signal if found_checks is not None else None,
            worst_breach=worst_severity(ip_breaches),
        )
        results[ip] = IpAnalysis(
            ip=ip,
            facts=dataset.facts.get(ip),
            metrics=metrics,
            verdicts=tuple(verdicts),
            breaches=ip_breaches,
            score=score,
            snds=snds,
            warmup=warmup,
            checks=found_checks,
            listings=listings,
            receiver=ip_receiver,
            replies=reply_index.for_ip(ip, metrics.totals.sent),
        )
    feed = [item for analysis in results.values() for item in analysis.breaches]
    feed += account_breaches(dataset.accounts.values(), window, presets, config.thresholds)
    feed += domain_findings(checks.domains)
    feed += seen_by.unknown_items() if seen_by is not None else []
    accounts = tuple(account_signals(dataset.accounts.values(), window, presets, config.thresholds))
    unknown = seen_by.unknown if seen_by is not None else ()
    return Analysis(
        window, results, tuple(ordered(feed)), checks.domains, accounts, rates, unknown_sources=unknown
    )
