"""When each breach began: the onsets of many breaches in one vectorised pass.

A breach's onset is the first window-end day of the current run at its severity: walking back
from the window end, one day at a time, the rolling ``window_days`` rate stays at or above the
level the breach crossed (with at least ``min_volume`` sent). Days are counted from the IP's first
day (for every scope, as in the day-by-day series), days without records count as zero sent, and
no window end earlier than ``window_days - 1`` days after the IP's first day is judged.

:func:`ipdash.domain.thresholds.onset_of` is the same rule over one series in plain Python (for
metrics built by hand); tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from ipdash.domain.metrics import RATE_METRICS, RATE_PARTS
from ipdash.domain.verdicts import IP_SCOPE

#: The judged rates' parts (numerator, over delivered?), as Totals computes them.
JUDGED_RATE_PARTS = {metric: RATE_PARTS[metric] for metric in RATE_METRICS}


@dataclass(frozen=True, slots=True)
class OnsetRequest:
    ip: str
    scope: str  # IP_SCOPE or a mailbox provider
    metric: str
    #: The rolling rate must be at or above this for a window end to count as the same run.
    bar: float


def breach_onsets(
    frame: pl.DataFrame,
    end: date,
    window_days: int,
    min_volume: int,
    requests: Sequence[OnsetRequest],
) -> dict[tuple[str, str, str], date]:
    """The onset of each requested breach, keyed by (ip, scope, metric); ``frame`` holds the
    records (schema ``stats_table.SCHEMA``), cut here at ``end``."""
    if not requests:
        return {}
    wanted = pl.DataFrame(
        {
            "ip": [r.ip for r in requests],
            "scope": [r.scope for r in requests],
            "metric": [r.metric for r in requests],
            "bar": [r.bar for r in requests],
        },
        schema={"ip": pl.String, "scope": pl.String, "metric": pl.String, "bar": pl.Float64},
    )
    records = frame.filter(
        pl.col("ip").is_in(wanted["ip"].unique().to_list()) & (pl.col("day") <= end)
    ).with_columns(pl.col("ip").cast(pl.String), pl.col("mailbox_provider").cast(pl.String))
    if records.height == 0:
        return {}
    counts = sorted({part for part, _ in JUDGED_RATE_PARTS.values()} | {"delivered"})
    sums = [pl.col("sent").fill_null(0).sum()]
    sums += [pl.col(name).sum().alias(name) for name in counts]
    sums += [pl.col(name).count().alias(f"{name}#") for name in counts]
    firsts = records.group_by("ip").agg(pl.col("day").min().alias("first"))
    # One integer key per (ip, scope) asked about: only those scopes' records are summed per day.
    keys = (
        wanted.select("ip", "scope").unique(maintain_order=True).join(firsts, on="ip").with_row_index("key")
    )
    whole_ips = keys.filter(pl.col("scope") == IP_SCOPE).select("ip", "key")
    providers = keys.filter(pl.col("scope") != IP_SCOPE).select(
        "ip", pl.col("scope").alias("mailbox_provider"), "key"
    )
    per_day = pl.concat(
        [
            records.join(whole_ips, on="ip").group_by("key", "day").agg(sums),
            records.join(providers, on=["ip", "mailbox_provider"]).group_by("key", "day").agg(sums),
        ]
    )
    calendar = (  # exploded in (key, day) order, which the left join keeps
        keys.with_columns(pl.date_ranges("first", pl.lit(end), "1d").alias("day"))
        .explode("day")
        .join(per_day, on=["key", "day"], how="left", maintain_order="left")
    )
    rolled = calendar.with_columns(
        _rolling(pl.col("sent").fill_null(0), window_days).alias("sent"),
        *[_rolling(pl.col(name).fill_null(0), window_days).alias(name) for name in counts],
        *[_rolling(pl.col(f"{name}#").fill_null(0), window_days).alias(f"{name}#") for name in counts],
        (pl.col("day") - pl.col("first")).dt.total_days().alias("index"),
        (pl.lit(end) - pl.col("first")).dt.total_days().alias("last"),
    )
    judged = rolled.join(wanted, on=["ip", "scope"]).with_columns(_rate().alias("value"))
    holds = (
        (pl.col("sent") >= min_volume) & pl.col("value").is_not_null() & (pl.col("value") >= pl.col("bar"))
    )
    judged_range = (pl.col("index") >= window_days - 1) & (pl.col("index") <= pl.col("last") - 1)
    onsets = judged.group_by("ip", "scope", "metric").agg(
        pl.col("first").first(),
        pl.col("last").first(),
        pl.col("index").filter(judged_range & ~holds).max().alias("broken"),
    )
    found: dict[tuple[str, str, str], date] = {}
    for ip, scope, metric, first, last, broken in onsets.iter_rows():
        index = broken + 1 if broken is not None else min(window_days - 1, last)
        found[(ip, scope, metric)] = first + timedelta(days=index)
    return found


def _rolling(column: pl.Expr, days: int) -> pl.Expr:
    """The sum over the last ``days`` calendar rows of each (ip, scope) key, this one included."""
    running = column.cum_sum().over("key")
    return running - running.shift(days).over("key").fill_null(0)


def _rate() -> pl.Expr:
    """The rolling rate of each row's metric, None where its count was never reported or nothing was sent."""
    value = pl.lit(None, dtype=pl.Float64)
    for metric, (numerator, over_delivered) in reversed(JUDGED_RATE_PARTS.items()):
        denominator = (
            pl.when(pl.col("delivered#") > 0).then(pl.col("delivered")).otherwise(pl.col("sent"))
            if over_delivered
            else pl.col("sent")
        )
        rate = (
            pl.when((pl.col(f"{numerator}#") > 0) & (denominator > 0))
            .then(pl.min_horizontal(pl.col(numerator) / denominator, pl.lit(1.0)))
            .otherwise(None)
        )
        value = pl.when(pl.col("metric") == metric).then(rate).otherwise(value)
    return value
