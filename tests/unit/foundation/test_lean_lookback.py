"""A lean read (``domain.lookback.lean_start``: the window, the previous window, two weeks of sending
days) plus the earlier records of the IPs ``needs_context`` names gives the same analysis as the
whole lookback (``history_start``) for every IP: verdicts and their onsets, metrics, scores, warm-ups,
the feed. And it leaves most IPs out of the context: the read is smaller for them."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from ipdash.domain.analysis import Analysis, IpAnalysis, analyse
from ipdash.domain.config import Config
from ipdash.domain.lookback import history_start, lean_start, needs_context
from ipdash.domain.metrics import CONSISTENCY_SENDING_DAYS
from ipdash.domain.models import DailyStat, Dataset, IpFacts
from ipdash.sources.reference_data import threshold_presets

END = date(2025, 6, 30)  # a Monday
DAYS = 130
NAMES = ("steady", "recent", "long", "idle", "weekdays", "sparse", "returned", "planned", "new")
IPS = {name: f"192.0.2.{n}" for n, name in enumerate(NAMES, start=1)}


def sending(name: str, back: int) -> tuple[int, int] | None:
    """(sent, complaints) of one provider on the day ``back`` days before END, or None: no record."""
    day = END - timedelta(days=back)
    if name == "steady":
        return 2000 + back % 7 * 10, 0
    if name == "recent":  # clean, then complaining these 5 days
        return 3000, 15 if back < 5 else 0
    if name == "long":  # complaining for 80 days: longer than the lean read
        return 3000, 15 if back < 80 else 0
    if name == "idle":  # nothing these 45 days
        return (5000 - back, 0) if back >= 45 else None
    if name == "weekdays":  # Monday to Friday only
        return (2500, 0) if day.weekday() < 5 else None
    if name == "sparse":  # every fourth day: fewer than 14 sending days in the lean read
        return (2500, 0) if back % 4 == 0 else None
    if name == "returned":  # sent 100..60 days ago, idle, back these 20 days and complaining
        return (3000, 15) if back < 20 else (3000, 0) if 60 <= back <= 100 else None
    if name == "planned":  # on a plan its facts started 100 days ago
        return (min(50 * (101 - back), 4000), 0) if back <= 100 else None
    if name == "new":  # first sent 10 days ago, complaining
        return (3000, 15) if back < 10 else None
    raise AssertionError(name)


def whole_history() -> Dataset:
    stats = []
    for back in range(DAYS):
        day = END - timedelta(days=back)
        for name, ip in IPS.items():
            drawn = sending(name, back)
            if drawn is None:
                continue
            sent, complaints = drawn
            for provider in ("gmail.com", "outlook.com"):
                stats.append(
                    DailyStat(
                        day,
                        ip,
                        provider,
                        sent=sent,
                        delivered=sent - 5,
                        bounced=5,
                        complaints=complaints,
                        source="esp",
                    )
                )
    facts = {IPS["planned"]: IpFacts(IPS["planned"], warmup_plan="sendgrid",
                                     warmup_start=END - timedelta(days=100), source="esp")}  # fmt: skip
    dataset = Dataset(facts=facts)
    dataset.add_all(stats)
    return dataset


def from_day(dataset: Dataset, first: date, ips: set[str] | None = None) -> Dataset:
    """The dataset with its daily records from ``first`` on (of ``ips`` only, if given)."""
    condition = pl.col("day") >= first
    if ips is not None:
        condition &= pl.col("ip").cast(pl.String).is_in(sorted(ips))
    return Dataset(facts=dict(dataset.facts), frame=dataset.frame().filter(condition))


def analysed(dataset: Dataset, config: Config) -> Analysis:
    return analyse(dataset, config, threshold_presets(), today=END + timedelta(days=1))


def shown(ip: IpAnalysis) -> tuple[object, ...]:
    """What any surface shows of an IP (the day-by-day series aside: charts read their own span)."""
    metrics = ip.metrics
    return (
        metrics.totals,
        metrics.previous,
        dict(metrics.by_provider),
        dict(metrics.previous_by_provider),
        metrics.last_sent_day,
        metrics.idle_days,
        metrics.consistency_cv,
        metrics.largest_day_over_day_jump,
        metrics.sending_days_in_window,
        min(CONSISTENCY_SENDING_DAYS, metrics.sending_days),
        ip.verdicts,
        ip.breaches,
        ip.score,
        ip.warmup,
    )


def test_a_lean_read_and_the_context_ips_give_the_whole_lookbacks_analysis() -> None:
    config = Config(window_days=7)
    whole = whole_history()
    start = history_start(config, 7, END, plan_starts=[END - timedelta(days=100)])
    first_lean = lean_start(config, 7, END)
    assert start is not None and first_lean is not None and first_lean > start
    full_read = from_day(whole, start)
    lean = from_day(whole, first_lean)
    assert lean.frame()["day"].min() == first_lean and full_read.frame()["day"].min() == start
    first_pass = analysed(lean, config)
    earlier = full_read.frame().filter(pl.col("day") < first_lean)["ip"].cast(pl.String).unique().to_list()
    context = needs_context(first_pass, lean, first_lean, config, earlier)
    names = {ip: name for name, ip in IPS.items()}
    assert {names[ip] for ip in context} == {"long", "idle", "sparse", "returned", "planned", "new"}
    completed = lean.copy()
    completed.merge(from_day(full_read, start, context))
    full, final = analysed(full_read, config), analysed(completed, config)
    assert final.window == full.window
    for ip in IPS.values():
        assert shown(final.ips[ip]) == shown(full.ips[ip]), names[ip]
    assert final.feed == full.feed
    # What the context changes: without it the long breach and the returned IP's are dated later,
    # and the idle IP's re-warm goes unseen.
    for name in ("long", "returned"):
        breach = next(v for v in full.ips[IPS[name]].threshold_breaches if v.since is not None)
        lean_breach = next(
            v
            for v in first_pass.ips[IPS[name]].verdicts
            if (v.scope, v.metric) == (breach.scope, breach.metric)
        )
        assert lean_breach.since is not None and breach.since is not None
        assert lean_breach.since > breach.since, name
    assert full.ips[IPS["idle"]].warmup is not None and IPS["idle"] not in first_pass.ips
    # The ones the lean read judged as the whole lookback does, and whose earlier days were not read.
    for name in ("steady", "recent", "weekdays"):
        assert shown(first_pass.ips[IPS[name]]) == shown(full.ips[IPS[name]]), name
    assert any(v.since is not None for v in full.ips[IPS["recent"]].threshold_breaches)


def test_no_window_no_context() -> None:
    config = Config(window_days=7)
    assert needs_context(Analysis(None, {}), Dataset(), END, config, [IPS["idle"]]) == set()
    assert lean_start(config, None, END) is None
    assert lean_start(config, 7, END) == END - timedelta(days=28)
    assert lean_start(config, 30, END) == END - timedelta(days=60)
