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
        frame = frame.filter(pl.col("ip").cast(pl.String).is_in(list(ips)))
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
    """Window and previous-window Totals per group of ``keys``, groups in first-seen order."""
    masks = {
        "w": pl.col("day") >= window.start,
        "p": pl.col("day").is_between(previous.start, previous.end),
    }
    aggregations = []
    for tag, mask in masks.items():
        aggregations.append(pl.when(mask).then(pl.col("sent")).sum().alias(f"{tag}:sent"))
        for name in REPORTABLE_COUNTS:
            masked = pl.when(mask).then(pl.col(name))
            aggregations += [masked.sum().alias(f"{tag}:{name}"), masked.count().alias(f"{tag}#{name}")]
    grouped = frame.group_by(keys, maintain_order=True).agg(aggregations)
    columns = {
        name: grouped[name].cast(pl.String).to_list() if name in keys else grouped[name].to_list()
        for name in grouped.columns
    }
    key_rows = list(zip(*(columns[name] for name in keys), strict=True))
    return (key_rows, _totals(columns, "w", grouped.height)), (
        key_rows,
        _totals(columns, "p", grouped.height),
    )


def _totals(columns: dict[str, list[Any]], tag: str, height: int) -> list[Totals]:
    known = [
        [
            value if count else None
            for value, count in zip(columns[f"{tag}:{name}"], columns[f"{tag}#{name}"], strict=True)
        ]
        for name in REPORTABLE_COUNTS
    ]
    return [Totals(sent, *values) for sent, *values in zip(columns[f"{tag}:sent"], *known, strict=True)]


def _sending(frame: pl.DataFrame, window: Window) -> list[tuple[str, date | None, int, int, list[int]]]:
    """Per IP: last sending day, sending days, sending days in the window, last volumes (oldest first)."""
    daily = frame.group_by("ip", "day").agg(pl.col("sent").sum())
    sending = daily.filter(pl.col("sent") > 0).sort(pl.col("ip").to_physical(), "day")
    summary = sending.group_by("ip", maintain_order=True).agg(
        pl.col("day").max().alias("last"),
        pl.len().alias("days"),
        (pl.col("day") >= window.start).sum().alias("in_window"),
        pl.col("sent").tail(CONSISTENCY_SENDING_DAYS).alias("recent"),
    )
    rows: dict[str, tuple[str, date | None, int, int, list[int]]] = {
        ip: (ip, last, days, in_window, recent)
        for ip, last, days, in_window, recent in zip(
            summary["ip"].cast(pl.String).to_list(),
            summary["last"].to_list(),
            summary["days"].to_list(),
            summary["in_window"].to_list(),
            summary["recent"].to_list(),
            strict=True,
        )
    }
    every_ip = daily["ip"].cast(pl.String).unique().to_list()
    return [rows.get(ip) or (ip, None, 0, 0, []) for ip in every_ip]
