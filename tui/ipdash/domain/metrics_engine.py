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
from typing import Any

import polars as pl

from ipdash.domain.metrics import (
    CONSISTENCY_SENDING_DAYS,
    REPORTABLE_COUNTS,
    IpMetrics,
    Totals,
    Window,
    sending_summary,
    total,
)
from ipdash.domain.models import Dataset
from ipdash.domain.series import SeriesSource


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
    previous = window.previous()
    current_sums, previous_sums = _sums(frame, ["ip", "mailbox_provider"], window, previous)
    per_provider: dict[str, tuple[dict[str, Totals], dict[str, Totals]]] = {}
    for (ip, provider), now, before in zip(current_sums[0], current_sums[1], previous_sums[1], strict=True):
        current, earlier = per_provider.setdefault(ip, ({}, {}))
        current[provider] = now
        earlier[provider] = before
    totals = {ip: total(now.values()) for ip, (now, _before) in per_provider.items()}
    previous_totals = {ip: total(before.values()) for ip, (_now, before) in per_provider.items()}
    source = SeriesSource(frame, window.end)
    results: dict[str, IpMetrics] = {}
    for ip, last_sent, days, in_window, recent in _sending(frame, window):
        by_provider, previous_by_provider = per_provider[ip]
        cv, jump = sending_summary(recent) if recent else (None, None)
        results[ip] = IpMetrics(
            ip=ip,
            window=window,
            totals=totals[ip],
            previous=previous_totals[ip],
            by_provider=by_provider,
            previous_by_provider=previous_by_provider,
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


def _sums(
    frame: pl.DataFrame, keys: list[str], window: Window, previous: Window
) -> tuple[tuple[list[tuple[Any, ...]], list[Totals]], tuple[list[tuple[Any, ...]], list[Totals]]]:
    """Window and previous-window Totals per group of ``keys``, every group of the frame in first-seen
    order (a group with no record in a window gets empty Totals there).

    Only the two windows' records are summed, grouped by period too; the groups themselves come
    from one pass over the key columns' integer codes.
    """
    period = pl.when(pl.col("day") >= window.start).then(pl.lit("w")).otherwise(pl.lit("p")).alias("period")
    aggregations = [pl.col("sent").sum().alias("sent")]
    for name in REPORTABLE_COUNTS:
        aggregations += [pl.col(name).sum().alias(name), pl.col(name).count().alias(f"{name}#")]
    grouped = (
        frame.lazy()
        .filter(pl.col("day") >= previous.start)
        .group_by(*keys, period)
        .agg(aggregations)
        .collect()
    )
    groups = frame.select(pl.col(name) for name in keys).unique(maintain_order=True)
    key_rows = list(zip(*(groups[name].cast(pl.String).to_list() for name in keys), strict=True))
    found: dict[str, dict[tuple[Any, ...], Totals]] = {"w": {}, "p": {}}
    columns = [grouped[name].to_list() for name in grouped.columns]
    names = grouped.columns
    for row in zip(*columns, strict=True):
        values = dict(zip(names, row, strict=True))
        found[values["period"]][tuple(str(values[name]) for name in keys)] = Totals(
            values["sent"],
            *(values[name] if values[f"{name}#"] else None for name in REPORTABLE_COUNTS),
        )
    empty = Totals()
    return (key_rows, [found["w"].get(key, empty) for key in key_rows]), (
        key_rows,
        [found["p"].get(key, empty) for key in key_rows],
    )


def _sending(frame: pl.DataFrame, window: Window) -> list[tuple[str, date | None, int, int, list[int]]]:
    """Per IP: last sending day, sending days, sending days in the window, last volumes (oldest first).

    A day sent mail when one of its records did (counts are never negative), so only those records
    are kept; sorted by (IP code, day), each day's volume is a difference of running sums at the
    day's last record (no hash group-by over (IP, day), which is most of the cost at 10k IPs).
    """
    code = pl.col("ip").to_physical().alias("code")
    day_ends = (pl.col("code") != pl.col("code").shift(-1)) | (pl.col("day") != pl.col("day").shift(-1))
    per_day = (
        frame.lazy()
        .filter(pl.col("sent") > 0)
        .select(code, "ip", "day", "sent")
        .sort("code", "day")
        .with_columns(pl.col("sent").cum_sum().alias("running"), day_ends.fill_null(True).alias("day_end"))
        .filter("day_end")
        .with_columns((pl.col("running") - pl.col("running").shift(1).fill_null(0)).alias("sent"))
    )
    summary = (
        per_day.group_by("code", maintain_order=True)
        .agg(
            pl.col("ip").first().cast(pl.String),
            pl.col("day").last().alias("last"),
            pl.len().alias("days"),
            (pl.col("day") >= window.start).sum().alias("in_window"),
            pl.col("sent").tail(CONSISTENCY_SENDING_DAYS).alias("recent"),
        )
        .collect()
    )
    rows: dict[str, tuple[str, date | None, int, int, list[int]]] = {
        ip: (ip, last, days, in_window, recent)
        for ip, last, days, in_window, recent in zip(
            summary["ip"].to_list(),
            summary["last"].to_list(),
            summary["days"].to_list(),
            summary["in_window"].to_list(),
            summary["recent"].to_list(),
            strict=True,
        )
    }
    every_ip = frame["ip"].unique(maintain_order=True).cast(pl.String).to_list()
    return [rows.get(ip) or (ip, None, 0, 0, []) for ip in every_ip]
