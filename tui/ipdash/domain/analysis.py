"""One pass from a Dataset to everything the report and the dashboard show per IP.

source records -> metrics over a window -> thresholds -> breaches -> score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ipdash.domain.config import Config
from ipdash.domain.metrics import IpMetrics, Window, compute_metrics
from ipdash.domain.models import BlocklistSignal, Dataset, IpFacts, SndsDay
from ipdash.domain.score import Score, score_ip
from ipdash.domain.thresholds import Preset, Status, Verdict, breaches, evaluate_ip


@dataclass(frozen=True, slots=True)
class IpAnalysis:
    ip: str
    facts: IpFacts | None
    metrics: IpMetrics
    verdicts: tuple[Verdict, ...]
    breaches: tuple[Verdict, ...]
    score: Score
    snds: tuple[SndsDay, ...]

    @property
    def worst_status(self) -> Status | None:
        if any(b.status is Status.CRITICAL for b in self.breaches):
            return Status.CRITICAL
        if self.breaches:
            return Status.WARN
        return None


@dataclass(frozen=True, slots=True)
class Analysis:
    window: Window | None
    ips: dict[str, IpAnalysis]

    def all_breaches(self) -> list[Verdict]:
        found = [b for analysis in self.ips.values() for b in analysis.breaches]
        return breaches(found)

    @property
    def has_critical(self) -> bool:
        return any(b.status is Status.CRITICAL for b in self.all_breaches())


def analysis_window(
    dataset: Dataset, days: int, end: date | None = None, today: date | None = None
) -> Window | None:
    """The last ``days`` days ending at ``end``, else at the latest sending date in the data,
    else at the latest date of any other signal (SNDS, account days), else (when some
    source knows IPs) at ``today``; with no IP at all there is no window.

    The fallbacks keep IPs that a provider knows but that have no volume yet in the report.
    """
    other_days = [key[1] for key in dataset.snds] + [key[2] for key in dataset.accounts]
    last = end or dataset.latest_day() or (max(other_days) if other_days else None)
    if last is None and dataset.ips():
        last = today
    return Window.ending(last, days) if last else None


def analyse(
    dataset: Dataset,
    config: Config,
    presets: Mapping[str, Preset],
    *,
    window: Window | None = None,
    blocklists: Mapping[str, BlocklistSignal] | None = None,
    postmaster: Mapping[str, str] | None = None,
) -> Analysis:
    window = window or analysis_window(dataset, config.window_days)
    if window is None:
        return Analysis(None, {})
    snds_by_ip: dict[str, list[SndsDay]] = defaultdict(list)
    for (ip, _day), record in sorted(dataset.snds.items(), key=lambda item: item[0][1]):
        snds_by_ip[ip].append(record)
    results: dict[str, IpAnalysis] = {}
    for ip, metrics in compute_metrics(dataset, window).items():
        verdicts = evaluate_ip(metrics, presets, config.thresholds)
        found = breaches(verdicts)
        worst = "critical" if any(b.status is Status.CRITICAL for b in found) else ("warn" if found else None)
        score = score_ip(
            metrics,
            min_volume=config.thresholds.min_volume,
            facts=dataset.facts.get(ip),
            snds=snds_by_ip.get(ip, ()),
            blocklists=(blocklists or {}).get(ip),
            postmaster=(postmaster or {}).get(ip),
            worst_breach=worst,
        )
        results[ip] = IpAnalysis(
            ip=ip,
            facts=dataset.facts.get(ip),
            metrics=metrics,
            verdicts=tuple(verdicts),
            breaches=tuple(found),
            score=score,
            snds=tuple(snds_by_ip.get(ip, ())),
        )
    return Analysis(window, results)
