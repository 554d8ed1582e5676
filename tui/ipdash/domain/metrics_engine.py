"""The vectorised half of :func:`ipdash.domain.metrics.compute_metrics`: group-bys over the frame.

Three group-bys, each one pass over the records up to the window end:

* per (IP, mailbox provider): window and previous-window sums of every count, with
  how many records reported it (a count no record reported is None, never 0);
* per IP: the same sums folded over its mailbox providers (in Python, a few per IP);
* per (IP, day): volume, from which the sending days, the last one, and the last
  CONSISTENCY_SENDING_DAYS volumes (consistency, largest jump) come.

Python then builds one IpMetrics per IP from those summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from ipdash.domain.metrics import (
    CONSISTENCY_SENDING_DAYS,
    REPORTABLE_COUNTS,
    IpMetrics,
    Totals,
    Window,
)
from ipdash.domain.models import Dataset
from ipdash.domain.series import SeriesSource

#: Rows turned into Python tuples per call (each call holds the interpreter's lock: ~5 ms here).
ROWS_AT_ONCE = 8192


def window_frame(dataset: Dataset, window: Window, ips: Sequence[str] | None) -> pl.DataFrame:
    frame: pl.DataFrame = dataset.frame()
    if ips is not None:
        frame = frame.filter(pl.col("ip").is_in(list(ips)))
    latest = dataset.latest_day()
    if latest is not None and latest <= window.end:
        return frame  # nothing to cut: no copy of the whole frame
    return frame.filter(pl.col("day") <= window.end)


def summaries(dataset: Dataset, window: Window, ips: Sequence[str] | None) -> dict[str, IpMetrics]:
    """IpMetrics for every IP with records up to the window end (``ips`` limits them)."""
    if not dataset.has_stats():
        return {}
    frame = window_frame(dataset, window, ips)
    if frame.height == 0:
        return {}
    per_provider, per_ip = _sums(frame, window, window.previous())
    source = SeriesSource(frame, window.end)
    results: dict[str, IpMetrics] = {}
    empty = (Totals(), Totals())
    for ip, last_sent, days, in_window, cv, jump in _sending(frame, window):
        by_provider = {provider: sums[0] for provider, sums in per_provider[ip].items()}
        totals, previous = per_ip.get(ip, empty)
        results[ip] = IpMetrics(
            ip=ip,
            window=window,
            totals=totals,
            previous=previous,
            by_provider=by_provider,
            previous_by_provider={provider: sums[1] for provider, sums in per_provider[ip].items()},
            daily=source.total_series(ip),
            daily_by_provider=source.provider_series(ip, list(by_provider)),
            consistency_cv=cv,
            last_sent_day=last_sent,
            idle_days=(window.end - last_sent).days if last_sent else None,
            largest_day_over_day_jump=jump,
            sending_days_in_window=in_window,
            sending_day_count=days,
        )
    return results


PeriodTotals = tuple[Totals, Totals]  # (window, previous window)


def _sums(
    frame: pl.DataFrame, window: Window, previous: Window
) -> tuple[dict[str, dict[str, PeriodTotals]], dict[str, PeriodTotals]]:
    """Window and previous-window Totals per IP and mailbox provider (every pair of the frame, in
    first-seen order; a pair with no record in a window gets empty Totals there), and per IP.

    Only the two windows' records are summed; a count is None where no record reported it.
    """
    period = pl.when(pl.col("day") >= window.start).then(pl.lit("w")).otherwise(pl.lit("p")).alias("period")
    aggregations = [pl.col("sent").sum().alias("sent")]
    for name in REPORTABLE_COUNTS:
        aggregations += [pl.col(name).sum().alias(name), pl.col(name).count().alias(f"{name}#")]
    pairs = (
        frame.lazy()
        .filter(pl.col("day") >= previous.start)
        .group_by("ip", "mailbox_provider", period)
        .agg(aggregations)
        .collect()
    )
    folded = [pl.col("sent").sum()]
    for name in REPORTABLE_COUNTS:
        folded += [pl.col(name).sum(), pl.col(f"{name}#").sum()]
    ips = pairs.group_by("ip", "period").agg(folded)  # per IP: its pairs' sums summed
    empty = Totals()
    per_pair: dict[str, dict[str, PeriodTotals]] = {}
    pair = pl.col("ip").to_physical().cast(pl.UInt64) * 2**32 + pl.col("mailbox_provider").to_physical()
    groups = (  # unique on one integer per pair: ~2x cheaper than on the two categorical columns
        frame.lazy()
        .select("ip", "mailbox_provider", pair.alias("pair"))
        .unique(subset="pair", maintain_order=True)
        .collect()
    )
    for ip, provider in zip(
        groups["ip"].cast(pl.String).to_list(),
        groups["mailbox_provider"].cast(pl.String).to_list(),
        strict=True,
    ):
        per_pair.setdefault(ip, {})[provider] = (empty, empty)
    for (ip, provider, tag), sums in _totals(pairs, ["ip", "mailbox_provider", "period"]):
        now, before = per_pair[ip][provider]
        per_pair[ip][provider] = (sums, before) if tag == "w" else (now, sums)
    per_ip: dict[str, PeriodTotals] = {}
    for (ip, tag), sums in _totals(ips, ["ip", "period"]):
        now, before = per_ip.get(ip, (empty, empty))
        per_ip[ip] = (sums, before) if tag == "w" else (now, sums)
    return per_pair, per_ip


def _totals(grouped: pl.DataFrame, keys: list[str]) -> list[tuple[tuple[str, ...], Totals]]:
    """Each group's key and Totals (a count with no reporting record is None, never 0). The
    masking is done by polars and the rows come out as tuples: no Python pass per value."""
    counts = [
        pl.when(pl.col(f"{name}#") > 0).then(pl.col(name)).otherwise(None).alias(name)
        for name in REPORTABLE_COUNTS
    ]
    selected = grouped.select(*(pl.col(name).cast(pl.String) for name in keys), "sent", *counts)
    width = len(keys)
    # In slices: ``rows()`` holds the interpreter's lock while it makes every tuple (at 10k IPs the
    # 80k pair rows at once held it ~50 ms, stalling the TUI's event loop that long).
    return [
        (row[:width], Totals(*row[width:]))
        for part in selected.iter_slices(ROWS_AT_ONCE)
        for row in part.rows()
    ]


def _sending(
    frame: pl.DataFrame, window: Window
) -> list[tuple[str, date | None, int, int, float | None, float | None]]:
    """Per IP: last sending day, sending days, sending days in the window, and over the last
    CONSISTENCY_SENDING_DAYS sending days the consistency (CV) and largest jump (see
    :func:`ipdash.domain.metrics.sending_summary`, the same figures over one IP's volumes).

    A day sent mail when one of its records did (counts are never negative), so only those records
    are kept; sorted by (IP code, day), each day's volume is a difference of running sums at the
    day's last record (no hash group-by over (IP, day), which is most of the cost at 10k IPs).
    """
    code = pl.col("ip").to_physical().alias("code")
    # One Int64 key orders by (IP code, day): a single-column sort is ~3x cheaper than a two-column one.
    ip_day = (pl.col("code").cast(pl.Int64) * 2**32 + pl.col("day").cast(pl.Int64) + 2**31).alias("ip_day")
    day_ends = pl.col("ip_day") != pl.col("ip_day").shift(-1)
    per_day = (
        frame.lazy()
        .filter(pl.col("sent") > 0)
        .select(code, "ip", "day", "sent")
        .with_columns(ip_day)
        .sort("ip_day")
        .with_columns(pl.col("sent").cum_sum().alias("running"), day_ends.fill_null(True).alias("day_end"))
        .filter("day_end")
        .with_columns((pl.col("running") - pl.col("running").shift(1).fill_null(0)).alias("sent"))
    )
    from_end = pl.int_range(pl.len()).reverse().over("code")
    trailing = pl.col("sent").shift(1).rolling_mean(window_size=7, min_samples=1).over("code")
    recent = (
        per_day.filter(from_end < CONSISTENCY_SENDING_DAYS)
        .with_columns(
            pl.when(trailing > 0).then(pl.col("sent") / trailing).alias("jump"),
            pl.col("sent").cast(pl.Float64).alias("volume"),
        )
        .group_by("code")
        .agg(
            pl.col("jump").max(),
            pl.when((pl.len() >= 2) & (pl.col("volume").mean() > 0))
            .then(pl.col("volume").std(ddof=0) / pl.col("volume").mean())
            .alias("cv"),
        )
    )
    summary = (
        per_day.group_by("code", maintain_order=True)
        .agg(
            pl.col("ip").first().cast(pl.String),
            pl.col("day").last().alias("last"),
            pl.len().alias("days"),
            (pl.col("day") >= window.start).sum().alias("in_window"),
        )
        .join(recent, on="code", how="left", maintain_order="left")
        .collect()
    )
    rows = {
        row[0]: row
        for row in zip(
            *(summary[name].to_list() for name in ("ip", "last", "days", "in_window", "cv", "jump")),
            strict=True,
        )
    }
    every_ip = frame["ip"].unique(maintain_order=True).cast(pl.String).to_list()
    return [rows.get(ip) or (ip, None, 0, 0, None, None) for ip in every_ip]
