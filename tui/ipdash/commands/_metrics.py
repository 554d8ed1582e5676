"""Prometheus gauges from the same analysis `report` runs, per IP and per pool.

A :class:`IpdashCollector` analyses what :func:`load` gives it (the config's files and IPs over the
history store) at most once per ``refresh`` seconds and turns it into metric families. IP labels
only name IPs the config or the store knows; past ``max_ips`` the healthiest IPs are left out and
``ipdash_dropped_series`` says how many series that cost. Values that could not be measured are
left out rather than exported as 0 (a Prometheus absence is an honest "unknown").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ipdash.domain.analysis import Analysis, IpAnalysis, analyse
from ipdash.domain.config import Config
from ipdash.domain.dnsbl.summary import summarise
from ipdash.domain.metrics import Totals, total
from ipdash.domain.models import Dataset
from ipdash.domain.warmup import WarmupProgress
from ipdash.sources.store.base import SourceRun

if TYPE_CHECKING:
    from ipdash.sources.store.history import LeanRead

RATES = ("bounce_rate", "complaint_rate", "unsubscribe_rate")
BAND_ORDER = {"critical": 0, "at risk": 1, "watch": 2, "n/a": 3, "healthy": 4}
IP_LABELS = ("ip", "pool", "provider", "kind")


@dataclass(frozen=True)
class Snapshot:
    analysis: Analysis
    warmups: Mapping[str, WarmupProgress]
    dataset: Dataset
    runs: list[SourceRun]
    analysed_at: float


def analyse_like_report(
    dataset: Dataset,
    config: Config,
    presets: Mapping[str, Any],
    today: date,
    lean: LeanRead | None = None,
) -> tuple[Analysis, Mapping[str, WarmupProgress]]:
    """The analysis `ipdash report` prints: the one ``analyse`` call, with the stored blocklist and
    rDNS results, as of ``today``. ``lean``: ``dataset`` holds a lean read of the history, completed
    as `report` completes it (``sources.store.history.analyse_in_two_steps``)."""
    from ipdash.sources.dns.stored import stored_check_results
    from ipdash.sources.store.history import analyse_in_two_steps

    checks, _notes = stored_check_results(config.blocklists, datetime.now(UTC))

    def analysed(data: Dataset, previous: Analysis | None) -> Analysis:
        return analyse(data, config, presets, checks=checks, today=today, previous=previous)

    result, _read = analyse_in_two_steps(dataset, lean, analysed)
    return result, warmups_of(result)


def warmups_of(analysis: Analysis) -> dict[str, WarmupProgress]:
    return {ip: item.warmup for ip, item in analysis.ips.items() if item.warmup is not None}


#: What a collector's ``load`` gives: the data and the source runs, and, when the data holds a lean
#: read of the history, what reads the rest.
Loaded = tuple[Dataset, list[SourceRun]] | tuple[Dataset, list[SourceRun], "LeanRead | None"]
#: What a collector's ``stored`` gives for a day: an analysis stored for the data now (a poller's,
#: ``commands._shared_metrics``), the dataset's parts the gauges read and the source runs; None:
#: none stored for it (the collector loads and analyses).
Stored = Callable[[date], "tuple[Analysis, Dataset, list[SourceRun]] | None"]


class IpdashCollector(Collector):
    def __init__(
        self,
        load: Callable[[], Loaded],
        config: Config,
        presets: Mapping[str, Any],
        *,
        max_ips: int = 10_000,
        refresh: float = 60.0,
        today: Callable[[], date] = date.today,
        clock: Callable[[], float] = time.monotonic,
        stored: Stored | None = None,
    ) -> None:
        self._load, self.config, self.presets, self._stored = load, config, presets, stored
        self.max_ips, self.refresh, self.today, self.clock = max_ips, refresh, today, clock
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        with self._lock:  # one analysis at a time, however many scrapes arrive together
            if self._snapshot is None or self.clock() - self._snapshot.analysed_at >= self.refresh:
                found = self._stored(self.today()) if self._stored is not None else None
                if found is not None:
                    analysis, dataset, runs = found
                    self._snapshot = Snapshot(analysis, warmups_of(analysis), dataset, runs, self.clock())
                    return self._snapshot
                loaded = self._load()
                dataset, runs = loaded[0], loaded[1]
                lean = loaded[2] if len(loaded) == 3 else None
                analysis, warmups = analyse_like_report(
                    dataset, self.config, self.presets, self.today(), lean
                )
                self._snapshot = Snapshot(analysis, warmups, dataset, runs, self.clock())
            return self._snapshot

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        snap = self.snapshot()
        ranked = sorted(snap.analysis.ips.values(), key=_worst_first)
        kept, dropped = ranked[: self.max_ips], ranked[self.max_ips :]
        families = _ip_families(kept, snap)
        series_per_ip = sum(len(f.samples) for f in families) / max(1, len(kept))
        yield from families
        yield from _pool_families(snap.analysis)
        yield from _source_families(snap.runs, snap.dataset)
        listed_ips = GaugeMetricFamily("ipdash_ips", "IPs known to ipdash (config and store)")
        listed_ips.add_metric([], len(ranked))
        yield listed_ips
        lost = GaugeMetricFamily(
            "ipdash_dropped_series", "Series left out because more IPs are known than --max-ips allows"
        )
        lost.add_metric([], round(len(dropped) * series_per_ip))
        yield lost
        lost_ips = GaugeMetricFamily("ipdash_dropped_ips", "IPs left out (the healthiest) past --max-ips")
        lost_ips.add_metric([], len(dropped))
        yield lost_ips
        days = GaugeMetricFamily("ipdash_window_days", "Days in the analysis window")
        end = GaugeMetricFamily(
            "ipdash_window_end_timestamp_seconds", "Midnight UTC of the window's last day"
        )
        if snap.analysis.window is not None:
            w = snap.analysis.window
            days.add_metric([], w.days)
            end.add_metric([], datetime(w.end.year, w.end.month, w.end.day, tzinfo=UTC).timestamp())
        yield days
        yield end
        spent = GaugeMetricFamily(
            "ipdash_scrape_duration_seconds", "Time this scrape took (analysis included)"
        )
        spent.add_metric([], time.perf_counter() - started)
        yield spent


def _worst_first(analysis: IpAnalysis) -> tuple[int, int, str]:
    score = analysis.score.value
    return (BAND_ORDER.get(analysis.score.band.value, 3), score if score is not None else 101, analysis.ip)


def _labels(analysis: IpAnalysis) -> list[str]:
    facts = analysis.facts
    return [analysis.ip, (facts.pool or "") if facts else "", (facts.provider or "") if facts else "",
            (facts.kind or "") if facts else ""]  # fmt: skip


def _ip_families(kept: list[IpAnalysis], snap: Snapshot) -> list[Metric]:
    def gauge(name: str, doc: str, extra: tuple[str, ...] = ()) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=[*IP_LABELS, *extra])

    sent = gauge("ipdash_ip_sent", "Messages sent in the window (absent when no source reports volume)")
    rates = {m: gauge(f"ipdash_ip_{m}", f"{m.replace('_', ' ')} in the window, ratio 0-1") for m in RATES}
    score = gauge("ipdash_ip_score", "Reputation score 0-100 (absent when it cannot be scored)")
    band = gauge("ipdash_ip_band", "1 for the IP's current band", ("band",))
    breaches = gauge("ipdash_ip_breaches", "Threshold breaches in the window", ("severity",))
    warmup_day = gauge("ipdash_ip_warmup_day", "Plan day the IP sends at next")
    warmup_state = gauge("ipdash_ip_warmup_state", "1 for the IP's current warm-up state", ("state",))
    listings = gauge(
        "ipdash_ip_listings", "Provider-reported listings currently in force (e.g. SNDS blocked)"
    )
    checks = _CheckFamilies(gauge)
    listed_now: dict[str, int] = {}
    for listing in snap.dataset.listings.values():
        if listing.listed:
            listed_now[listing.ip] = listed_now.get(listing.ip, 0) + 1
    for analysis in kept:
        labels = _labels(analysis)
        totals = analysis.metrics.totals
        if analysis.volume_known:
            sent.add_metric(labels, totals.sent)
        for metric, family in rates.items():
            value = getattr(totals, metric)
            if value is not None:
                family.add_metric(labels, value)
        if analysis.score.value is not None:
            score.add_metric(labels, analysis.score.value)
        band.add_metric([*labels, analysis.score.band.value], 1)
        for severity in ("warn", "critical"):
            count = sum(1 for b in analysis.breaches if b.status.value == severity)
            breaches.add_metric([*labels, severity], count)
        progress = snap.warmups.get(analysis.ip)
        if progress is not None:
            if progress.day is not None:
                warmup_day.add_metric(labels, progress.day)
            warmup_state.add_metric([*labels, progress.state.value], 1)
        listings.add_metric(labels, listed_now.get(analysis.ip, 0))
        checks.add(labels, analysis)
    return [
        sent,
        *rates.values(),
        score,
        band,
        breaches,
        warmup_day,
        warmup_state,
        listings,
        *checks.families,
    ]


class _CheckFamilies:
    """The IP's stored blocklist (DNSBL) and rDNS result. An IP never checked has none of these series:
    no result is not "0 listings". ``not_checked`` counts the lists that did not answer, so an alert on
    listings alone cannot read a refused or timed-out list as clean."""

    def __init__(self, gauge: Callable[..., GaugeMetricFamily]) -> None:
        self.listed = gauge(
            "ipdash_ip_blocklist_listings",
            "DNS blocklists listing the IP at its last check, by the listing's effect "
            "(block: counts against delivery; policy: e.g. a dynamic-range list; collateral: its network)",
            ("effect",),
        )
        self.queried = gauge("ipdash_ip_blocklist_queried", "DNS blocklists asked at the IP's last check")
        self.not_checked = gauge(
            "ipdash_ip_blocklist_not_checked",
            "DNS blocklists that gave no verdict at the IP's last check (timeout, refused, error codes)",
        )
        self.checked_at = gauge(
            "ipdash_ip_blocklist_checked_timestamp_seconds", "When the IP's blocklists were last checked"
        )
        self.rdns = gauge(
            "ipdash_ip_rdns_state", "1 for the IP's forward-confirmed reverse DNS result", ("state",)
        )
        self.families = [self.listed, self.queried, self.not_checked, self.checked_at, self.rdns]

    def add(self, labels: list[str], analysis: IpAnalysis) -> None:
        if analysis.checks is None:
            return
        result = analysis.checks.result
        if result.blocklists:
            summary = summarise(result.blocklists)
            for effect, names in (("block", summary.block_listed), ("policy", summary.policy_listed),
                                  ("collateral", summary.collateral_listed)):  # fmt: skip
                self.listed.add_metric([*labels, effect], len(names))
            self.queried.add_metric(labels, summary.queried)
            self.not_checked.add_metric(labels, summary.not_checked)
            self.checked_at.add_metric(labels, result.checked_at.timestamp())
        if result.rdns is not None:
            self.rdns.add_metric([*labels, result.rdns.fcrdns.value], 1)


def _pool_families(analysis: Analysis) -> list[Metric]:
    pools: dict[str, list[Totals]] = {}
    for ip in analysis.ips.values():
        pool = ip.facts.pool if ip.facts and ip.facts.pool else ""
        pools.setdefault(pool, []).append(ip.metrics.totals)
    sent = GaugeMetricFamily(
        "ipdash_pool_sent", "Messages sent in the window by the pool's IPs", labels=["pool"]
    )
    ips = GaugeMetricFamily("ipdash_pool_ips", "IPs in the pool", labels=["pool"])
    rates = {
        m: GaugeMetricFamily(f"ipdash_pool_{m}", f"Pool {m.replace('_', ' ')}, ratio 0-1", labels=["pool"])
        for m in RATES
    }
    for pool, members in sorted(pools.items()):
        summed = total(members)
        sent.add_metric([pool], summed.sent)
        ips.add_metric([pool], len(members))
        for metric, family in rates.items():
            value = getattr(summed, metric)
            if value is not None:
                family.add_metric([pool], value)
    return [sent, ips, *rates.values()]


def _source_families(runs: list[SourceRun], dataset: Dataset) -> list[Metric]:
    success = GaugeMetricFamily(
        "ipdash_source_last_success_timestamp_seconds",
        "When the source last answered",
        labels=["source", "kind"],
    )
    up = GaugeMetricFamily(
        "ipdash_source_up", "1 when the source's last poll worked", labels=["source", "kind"]
    )
    failures = GaugeMetricFamily(
        "ipdash_source_consecutive_failures", "Failed polls in a row", labels=["source", "kind"]
    )
    seen: set[str] = set()
    for run in runs:
        seen.add(run.source)
        if run.last_success is not None:
            success.add_metric([run.source, run.kind], run.last_success.timestamp())
        up.add_metric([run.source, run.kind], 1 if run.ok else 0)
        failures.add_metric([run.source, run.kind], run.consecutive_failures)
    for info in dataset.sources:  # files read at start-up (CSV, facts): their load time
        if info.name in seen:
            continue
        if isinstance(info.fetched_at, datetime) and info.state.value == "fresh":
            success.add_metric([info.name, info.kind], info.fetched_at.timestamp())
        up.add_metric([info.name, info.kind], 1 if info.state.value == "fresh" else 0)
    return [success, up, failures]
