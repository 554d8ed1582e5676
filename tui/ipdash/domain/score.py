"""A transparent 0–100 reputation score per IP (reference/warmup_thresholds.md §4.1).

Each component that has data gives a sub-score 0–100; the weights of the
components with data are renormalised; hard gates then cap the result. The
breakdown (sub-score, weight, contribution, reason) is returned so the UI can
show exactly where the number came from.

Adjustments to §4.1, with reasons:

* Complaint and bounce use the worst of the IP's rate and each mailbox
  provider's rate (with enough volume): Gmail judges its own traffic, so a Gmail
  problem diluted by clean Outlook traffic is still a problem.
* Bounce uses the hard-bounce rate when the source reports it, else all bounces.
* Consistency is not judged while an IP is inside its warm-up period: a ramp is
  the plan, not inconsistency.
* With no rate component (volume below the minimum, or idle) there is no score:
  a number built from volume shape alone would look like a verdict it is not.
* §4.1's "Google Postmaster IP reputation" slot (0.15) is now the **block rate**:
  Postmaster Tools v2 has no IP (or domain) reputation, and the IP-related signals
  it does give (reject reasons low_ip_reputation, ip_in_rbls, bad_or_missing_ptr_record)
  are per sending domain, not per IP: on a domain sent from several IPs they cannot
  be pinned on one, so they are judged in the account & domains view and the feed,
  not here. Block bounces (SparkPost count_block_bounce, Mailgun ESP-block failures)
  are the per-IP measure of the same thing, mailbox providers refusing the IP, worst
  of the IP and each provider with volume; 10% (SparkPost's recommended alert) is a
  HOLD gate. Without block counts the slot drops out and the rest renormalise.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ipdash.domain.metrics import CONSISTENCY_SENDING_DAYS, IpMetrics
from ipdash.domain.models import BlocklistSignal, IpFacts, SndsDay
from ipdash.domain.verdicts import Band, format_rate

WEIGHTS = {
    "complaints": 0.25,
    "bounces": 0.20,
    "blocklists": 0.15,
    "blocks": 0.15,
    "snds": 0.10,
    "consistency": 0.15,
}
REWARM_IDLE_DAYS = 30
WARMUP_PERIOD_DAYS = 45  # SES standard warm-up length: the longest published ramp
GMAIL = "gmail.com"
#: Block rate gate: SparkPost's recommended block-bounce alert (threshold_presets.json block_rate).
BLOCK_GATE_PERCENT = 10.0
SNDS_SUBSCORES = {"GREEN": 100.0, "YELLOW": 50.0, "RED": 0.0}


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    weight: float
    subscore: float | None  # None: no data, dropped from the weighting
    detail: str
    contribution: float = 0.0  # points of the final score (after renormalising)
    #: Built from partial data (some of its checks could not be made): counted only when it lowers the
    #: score, so an unknown never adds points.
    lowers_only: bool = False


@dataclass(frozen=True, slots=True)
class Gate:
    condition: str
    cap: int | None
    state: str  # PAUSE / HOLD / REWARM


@dataclass(frozen=True, slots=True)
class Score:
    value: int | None
    band: Band
    components: tuple[Component, ...]
    gates: tuple[Gate, ...]
    reason: str
    uncapped: float | None = None


def piecewise(value: float, anchors: Sequence[tuple[float, float]]) -> float:
    """Linear interpolation through (x, score) anchors; flat beyond the ends."""
    if value <= anchors[0][0]:
        return anchors[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(anchors):
        if value <= x1:
            return y0 + (value - x0) / (x1 - x0) * (y1 - y0)
    return anchors[-1][1]


# Anchors in percent, from §4.1.
COMPLAINT_ANCHORS = ((0.05, 100.0), (0.10, 70.0), (0.30, 20.0), (0.50, 0.0))
BOUNCE_ANCHORS = ((2.0, 100.0), (5.0, 50.0), (10.0, 0.0))
#: Block rate in percent -> sub-score: clean up to 0.5%, 30 at the 5% warn level, 0 at the 10% alert.
BLOCK_ANCHORS = ((0.5, 100.0), (2.0, 70.0), (5.0, 30.0), (10.0, 0.0))


def band_for(value: float) -> Band:
    if value >= 85:
        return Band.HEALTHY
    if value >= 70:
        return Band.WATCH
    if value >= 50:
        return Band.AT_RISK
    return Band.CRITICAL


def score_ip(
    metrics: IpMetrics,
    *,
    min_volume: int,
    facts: IpFacts | None = None,
    snds: Sequence[SndsDay] = (),
    blocklists: BlocklistSignal | None = None,
    worst_breach: str | None = None,
) -> Score:
    """Score one IP. ``worst_breach`` ("warn" / "critical") caps the band: a number
    can look fine while one rate is over its threshold, and the band must not."""
    gates: list[Gate] = []
    complaint, complaint_rate_pct, complaint_where = _worst_rate(metrics, "complaint_rate", min_volume)
    bounce_metric = "hard_bounce_rate" if metrics.totals.hard_bounced is not None else "bounce_rate"
    bounce_label = "hard-bounce" if bounce_metric == "hard_bounce_rate" else "bounce"
    bounce, bounce_rate_pct, bounce_where = _worst_rate(metrics, bounce_metric, min_volume)
    components = [
        Component(
            "complaints",
            WEIGHTS["complaints"],
            complaint,
            _rate_detail("complaint", complaint_rate_pct, complaint_where, metrics, min_volume),
        ),
        Component(
            "bounces",
            WEIGHTS["bounces"],
            bounce,
            _rate_detail(bounce_label, bounce_rate_pct, bounce_where, metrics, min_volume),
        ),
        _blocklist_component(blocklists, gates),
        _blocks_component(metrics, min_volume, gates),
        _snds_component(snds, metrics, gates),
        _consistency_component(metrics, facts, gates),
    ]
    gmail = metrics.by_provider.get(GMAIL)
    gmail_complaints = gmail.complaint_rate if gmail and gmail.sent >= min_volume else None
    if gmail_complaints is not None and gmail_complaints >= 0.003:
        gates.append(Gate(f"Gmail complaint rate {format_rate(gmail_complaints)} ≥ 0.3%", 40, "PAUSE"))
    elif complaint_rate_pct is not None and complaint_rate_pct >= 0.5:
        gates.append(Gate(f"complaint rate {complaint_rate_pct:.2f}% ≥ 0.5% (SES pause level)", 40, "PAUSE"))
    if bounce_rate_pct is not None and bounce_rate_pct >= 10:
        gates.append(Gate(f"bounce rate {bounce_rate_pct:.1f}% ≥ 10%", 30, "PAUSE"))

    if complaint is None and bounce is None:
        idle = metrics.idle_days
        if idle is not None and idle > REWARM_IDLE_DAYS:
            reason = f"idle {idle} days: no recent rates to judge; needs re-warm"
        elif metrics.totals.sent == 0:
            reason = "nothing sent in the window"
        else:
            reason = (
                f"{metrics.totals.sent:,} sent in the window, below the {min_volume:,} needed to judge rates"
            )
        return Score(None, Band.UNKNOWN, tuple(components), tuple(gates), reason)

    used = _counted([c for c in components if c.subscore is not None])
    counted = {id(c) for c in used}
    weight_sum = sum(c.weight for c in used)
    raw = _weighted(used)
    components = [
        Component(
            c.name,
            c.weight,
            c.subscore,
            c.detail
            if id(c) in counted or c.subscore is None
            else f"{c.detail}; not counted: it would raise the score",
            (c.weight * c.subscore / weight_sum) if c.subscore is not None and id(c) in counted else 0.0,
            c.lowers_only,
        )
        for c in components
    ]
    caps = [g.cap for g in gates if g.cap is not None]
    breach_cap = BAND_CEILING_FOR_BREACH.get(worst_breach or "")
    # The band is read from the number shown (84.6 is 85 and healthy), and a breach caps both, so a
    # "watch" never shows, or sorts, above a "healthy".
    value = round(min([raw, *caps, *([breach_cap] if breach_cap is not None else [])]))
    band = Band.CRITICAL if caps else band_for(value)  # any hard gate is critical, whatever the weighting
    band = _cap_band(band, worst_breach)
    reason = "; ".join(g.condition for g in gates) or _strongest_drag(components)
    if worst_breach and not gates:
        reason = f"a breach at {worst_breach} level caps the score at {breach_cap}; {reason}"
    return Score(value, band, tuple(components), tuple(gates), reason, uncapped=raw)


def _weighted(components: Sequence[Component]) -> float:
    return sum(c.weight * (c.subscore or 0.0) for c in components) / sum(c.weight for c in components)


def _counted(used: list[Component]) -> list[Component]:
    """The components that count: a partial one only when it lowers the score."""
    complete = [c for c in used if not c.lowers_only]
    if len(complete) == len(used) or not complete:
        return complete or used
    return used if _weighted(used) < _weighted(complete) else complete


_BAND_ORDER = (Band.HEALTHY, Band.WATCH, Band.AT_RISK, Band.CRITICAL)
_BAND_CAP_FOR_BREACH = {"warn": Band.WATCH, "critical": Band.CRITICAL}
#: The highest score a band allows: the top of "watch" for a warn breach, of "at risk" for a critical one.
BAND_CEILING_FOR_BREACH = {"warn": 84, "critical": 49}


def _cap_band(band: Band, worst_breach: str | None) -> Band:
    cap = _BAND_CAP_FOR_BREACH.get(worst_breach or "")
    if cap is None:
        return band
    return max(band, cap, key=_BAND_ORDER.index)


def _worst_rate(metrics: IpMetrics, metric: str, min_volume: int) -> tuple[float | None, float | None, str]:
    """(sub-score, worst rate in percent, where) over the IP and each provider with enough volume."""
    candidates: list[tuple[float, str]] = []
    if metrics.totals.sent >= min_volume:
        value = getattr(metrics.totals, metric)
        if value is not None:
            candidates.append((value, "all providers"))
    for provider, totals in metrics.by_provider.items():
        value = getattr(totals, metric)
        if totals.sent >= min_volume and value is not None:
            candidates.append((value, provider))
    if not candidates:
        return None, None, ""
    worst, where = max(candidates)
    percent = worst * 100
    anchors = {"complaint_rate": COMPLAINT_ANCHORS, "block_rate": BLOCK_ANCHORS}.get(metric, BOUNCE_ANCHORS)
    return piecewise(percent, anchors), percent, where


def _rate_detail(label: str, percent: float | None, where: str, metrics: IpMetrics, min_volume: int) -> str:
    if percent is None:
        if metrics.totals.sent < min_volume:
            return f"not judged: {metrics.totals.sent:,} sent < {min_volume:,}"
        return "not reported by the source"
    return f"worst {label} rate {format_rate(percent / 100)} ({where})"


def _blocklist_component(signal: BlocklistSignal | None, gates: list[Gate]) -> Component:
    if signal is None:
        return Component("blocklists", WEIGHTS["blocklists"], None, "not checked yet (press b)")
    if signal.spamhaus_listed:
        gates.append(Gate("listed on Spamhaus", 20, "PAUSE"))
        return Component("blocklists", WEIGHTS["blocklists"], 0.0, "listed on Spamhaus")
    listings = signal.major_listings + signal.minor_listings
    unknown = signal.important_unknown
    if unknown and not listings:
        detail = f"unknown: {unknown} important list(s) could not be checked; not scored"
        return Component("blocklists", WEIGHTS["blocklists"], None, detail)
    value = max(0.0, 100.0 - 15 * signal.major_listings - 5 * signal.minor_listings)
    detail = f"{signal.major_listings} major, {signal.minor_listings} minor listings"
    if unknown:
        detail += f"; {unknown} important list(s) could not be checked"
    return Component("blocklists", WEIGHTS["blocklists"], value, detail, lowers_only=bool(unknown))


def _blocks_component(metrics: IpMetrics, min_volume: int, gates: list[Gate]) -> Component:
    subscore, percent, where = _worst_rate(metrics, "block_rate", min_volume)
    if percent is not None and percent >= BLOCK_GATE_PERCENT:
        gates.append(Gate(f"block rate {percent:.1f}% ≥ {BLOCK_GATE_PERCENT:g}% ({where})", 40, "HOLD"))
    if subscore is None and metrics.totals.sent >= min_volume:
        return Component("blocks", WEIGHTS["blocks"], None, "no block counts from the source")
    return Component(
        "blocks", WEIGHTS["blocks"], subscore, _rate_detail("block", percent, where, metrics, min_volume)
    )


def _snds_component(snds: Sequence[SndsDay], metrics: IpMetrics, gates: list[Gate]) -> Component:
    in_window = sorted((d for d in snds if d.day in metrics.window), key=lambda d: d.day)
    if not in_window:
        return Component("snds", WEIGHTS["snds"], None, "no Microsoft SNDS data in the window")
    worst = min(in_window, key=lambda d: SNDS_SUBSCORES[d.filter_result])
    trap_days = sum(1 for d in in_window if d.trap_hits > 0)
    latest = in_window[-1]
    if latest.filter_result == "RED":
        gates.append(Gate(f"Microsoft SNDS RED on {latest.day.isoformat()}", 40, "HOLD"))
    value = max(0.0, SNDS_SUBSCORES[worst.filter_result] - 10 * trap_days)
    detail = f"worst {worst.filter_result} ({worst.day.isoformat()}), latest {latest.filter_result}; trap hits on {trap_days} day(s)"
    return Component("snds", WEIGHTS["snds"], value, detail)


def _consistency_component(metrics: IpMetrics, facts: IpFacts | None, gates: list[Gate]) -> Component:
    idle = metrics.idle_days
    if idle is not None and idle > REWARM_IDLE_DAYS:
        gates.append(Gate(f"idle {idle} days (> {REWARM_IDLE_DAYS})", None, "REWARM"))
        return Component(
            "consistency", WEIGHTS["consistency"], 0.0, f"idle {idle} days: reputation has cooled"
        )
    if (
        facts is not None
        and facts.warmup_start is not None
        and _in_warmup(facts.warmup_start, metrics.window.end)
    ):
        return Component(
            "consistency",
            WEIGHTS["consistency"],
            None,
            f"warming up since {facts.warmup_start}: ramp expected",
        )
    cv = metrics.consistency_cv
    if cv is None:
        return Component("consistency", WEIGHTS["consistency"], None, "fewer than 2 sending days")
    value = 100 * max(0.0, 1 - cv)
    sending_days = metrics.sending_days
    detail = f"CV {cv:.2f} over the last {min(CONSISTENCY_SENDING_DAYS, sending_days)} sending days"
    jump = metrics.largest_day_over_day_jump
    if jump is not None and jump > 2:
        value = max(0.0, value - 25)
        detail += f"; a day at {jump:.1f}× the week before it (−25)"
    return Component("consistency", WEIGHTS["consistency"], value, detail)


def _in_warmup(start: date, today: date) -> bool:
    return start <= today <= start + timedelta(days=WARMUP_PERIOD_DAYS)


def _strongest_drag(components: Sequence[Component]) -> str:
    judged = [c for c in components if c.subscore is not None]
    if not judged:
        return ""
    weakest = min(judged, key=lambda c: c.subscore or 0.0)
    if (weakest.subscore or 0) >= 85:
        return "every judged component is healthy"
    return f"{weakest.name}: {weakest.detail}"
