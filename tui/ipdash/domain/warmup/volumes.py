"""Per-IP daily volumes and totals for warm-up, grouped by IP once (not one scan per IP).

A day with per-mailbox-provider records uses those; an ``all`` record beside them
would double count, so it is left out for that day.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import polars as pl

from ipdash.domain.metrics import Totals
from ipdash.domain.models import ALL_PROVIDERS, Dataset
from ipdash.domain.warmup.results import DayVolume

_NULLABLE = (
    "delivered",
    "bounced",
    "hard_bounced",
    "complaints",
    "unsubscribes",
    "opens",
    "clicks",
    "blocked",
)


def used_records(dataset: Dataset, ips: Collection[str] | None = None) -> pl.DataFrame:
    """The records warm-up counts: per-provider ones where a day has them, else the ``all`` one."""
    frame: pl.DataFrame = dataset.frame()
    if not dataset.has_stats():
        return frame.with_columns(pl.col("ip").cast(pl.String), pl.col("mailbox_provider").cast(pl.String))
    if ips is not None:
        frame = frame.filter(pl.col("ip").is_in(list(ips)))  # on the categorical: no cast of every row
    frame = frame.with_columns(pl.col("ip").cast(pl.String), pl.col("mailbox_provider").cast(pl.String))
    split = pl.col("mailbox_provider") != ALL_PROVIDERS
    kinds = frame.select(split.any().alias("split"), (~split).any().alias("all")).row(0, named=True)
    if not (kinds["split"] and kinds["all"]):
        return frame  # only one kind of record: nothing double counts
    return frame.filter(split | ~split.any().over("ip", "day"))


def last_sending_days(dataset: Dataset, today: date) -> dict[str, date]:
    """Each IP's last day up to ``today`` with mail sent (IPs that never sent are absent)."""
    # Counts are never negative, so a day sent mail if one of its records did (whichever records
    # warm-up would count for it): no need to pick the used records first.
    if not dataset.has_stats():
        return {}
    frame: pl.DataFrame = dataset.frame()
    sending = frame.filter((pl.col("day") <= today) & (pl.col("sent") > 0))
    last = sending.group_by("ip").agg(pl.col("day").max())
    return dict(zip(last["ip"].cast(pl.String).to_list(), last["day"].to_list(), strict=True))


def volumes_by_ip(dataset: Dataset, ips: Collection[str] | None = None) -> dict[str, list[DayVolume]]:
    """Each IP's sending per day, summed over mailbox providers, days in order.

    ``delivered`` is known only if every record of the day has it.
    """
    used = used_records(dataset, ips)
    split = pl.col("mailbox_provider") != ALL_PROVIDERS
    grouped = (
        used.group_by("ip", "day")
        .agg(
            pl.col("sent").sum(),
            pl.col("delivered").sum().alias("delivered_sum"),
            pl.col("delivered").null_count().alias("delivered_missing"),
            pl.col("mailbox_provider").filter(split).alias("providers"),
            pl.col("sent").filter(split).alias("provider_sent"),
        )
        .sort("ip", "day")
    )
    result: dict[str, list[DayVolume]] = {}
    for ip, day, sent, delivered, missing, providers, provider_sent in zip(
        *(grouped[name].to_list() for name in grouped.columns), strict=True
    ):
        result.setdefault(ip, []).append(
            DayVolume(
                day=day,
                sent=sent,
                delivered=None if missing else delivered,
                per_mailbox_provider=dict(zip(providers, provider_sent, strict=True)),
            )
        )
    return result


def totals_by_ip(dataset: Dataset, ips: Collection[str] | None = None) -> dict[str, dict[date, Totals]]:
    """Each IP's Totals per day over the records warm-up counts (unreported counts stay None)."""
    used = used_records(dataset, ips)
    aggregations: list[Any] = [pl.col("sent").sum()]
    for name in _NULLABLE:
        aggregations += [pl.col(name).sum().alias(name), pl.col(name).count().alias(f"{name}#")]
    grouped = used.group_by("ip", "day").agg(aggregations)
    columns = {name: grouped[name].to_list() for name in grouped.columns}
    known = [
        [value if count else None for value, count in zip(columns[name], columns[f"{name}#"], strict=True)]
        for name in _NULLABLE
    ]
    result: dict[str, dict[date, Totals]] = {}
    for ip, day, sent, *values in zip(columns["ip"], columns["day"], columns["sent"], *known, strict=True):
        result.setdefault(ip, {})[day] = Totals(sent, *values)
    return result
