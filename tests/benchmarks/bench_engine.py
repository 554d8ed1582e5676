"""Which columnar engine for the analysis core: polars, DuckDB or pyarrow (issue 10).

Builds the realistic shape in memory (IPs × 90 days × 4 mailbox providers) and times,
per engine, the work the metrics need: window and previous-window sums per
(IP, mailbox provider) with null counts, daily totals per IP, and the import itself.
Run: python tests/benchmarks/bench_engine.py [IPS ...]
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import date, timedelta

DAYS = 90
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "other")
COUNTS = ("sent", "delivered", "bounced", "complaints")


def columns(ips: int) -> dict[str, list[object]]:
    rng = random.Random(10)
    first = date(2026, 1, 1)
    data: dict[str, list[object]] = {name: [] for name in ("day", "ip", "mailbox_provider", *COUNTS)}
    for index in range(ips):
        ip = f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            for provider in PROVIDERS:
                sent = rng.randint(100, 5000)
                data["day"].append(day)
                data["ip"].append(ip)
                data["mailbox_provider"].append(provider)
                data["sent"].append(sent)
                data["delivered"].append(sent - rng.randint(0, 50))
                data["bounced"].append(rng.randint(0, 50))
                data["complaints"].append(rng.randint(0, 3))
    return data


def window() -> tuple[date, date, date]:
    end = date(2026, 1, 1) + timedelta(days=DAYS - 1)
    return end - timedelta(days=59), end - timedelta(days=29), end


def bench_polars(data: dict[str, list[object]]) -> float:
    import polars as pl

    frame = pl.DataFrame(data)
    prev_start, start, end = window()
    t0 = time.perf_counter()
    in_window = pl.col("day").is_between(start, end)
    in_previous = pl.col("day").is_between(prev_start, start - timedelta(days=1))
    aggs = []
    for name in COUNTS:
        for label, mask in (("w", in_window), ("p", in_previous)):
            masked = pl.when(mask).then(pl.col(name))
            aggs += [masked.sum().alias(f"{label}_{name}"), masked.count().alias(f"{label}_{name}_n")]
    frame.group_by("ip", "mailbox_provider").agg(aggs).to_dict(as_series=False)
    daily = frame.group_by("ip", "day").agg(pl.col("sent").sum())
    daily.group_by("ip").agg(pl.col("sent").sort_by("day").tail(14).std(ddof=0), pl.col("day").max()).to_dict(
        as_series=False
    )
    return time.perf_counter() - t0


def bench_duckdb(data: dict[str, list[object]]) -> float:
    import duckdb
    import pyarrow as pa

    stats = pa.table(data)  # noqa: F841 - read by name from SQL
    prev_start, start, end = window()
    t0 = time.perf_counter()
    parts = []
    for name in COUNTS:
        for label, lo, hi in (("w", start, end), ("p", prev_start, start - timedelta(days=1))):
            cond = f"day BETWEEN DATE '{lo}' AND DATE '{hi}'"
            parts += [
                f"sum({name}) FILTER (WHERE {cond}) AS {label}_{name}",
                f"count({name}) FILTER (WHERE {cond}) AS {label}_{name}_n",
            ]
    con = duckdb.connect()
    con.sql(f"SELECT ip, mailbox_provider, {', '.join(parts)} FROM stats GROUP BY ALL").fetchall()
    con.sql(
        "WITH d AS (SELECT ip, day, sum(sent) AS sent FROM stats GROUP BY ALL), "
        "r AS (SELECT *, row_number() OVER (PARTITION BY ip ORDER BY day DESC) AS k FROM d) "
        "SELECT ip, stddev_pop(sent) FILTER (WHERE k <= 14), max(day) FROM r GROUP BY ip"
    ).fetchall()
    return time.perf_counter() - t0


def bench_pyarrow(data: dict[str, list[object]]) -> float:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table(data)
    prev_start, start, end = window()
    t0 = time.perf_counter()
    for lo, hi in ((start, end), (prev_start, start - timedelta(days=1))):
        mask = pc.and_(
            pc.greater_equal(table["day"], pa.scalar(lo)), pc.less_equal(table["day"], pa.scalar(hi))
        )
        part = table.filter(mask)
        part.group_by(["ip", "mailbox_provider"]).aggregate(
            [(name, "sum") for name in COUNTS] + [(name, "count") for name in COUNTS]
        ).to_pylist()
    daily = table.group_by(["ip", "day"]).aggregate([("sent", "sum")])
    daily.group_by("ip").aggregate([("sent_sum", "stddev"), ("day", "max")]).to_pylist()  # no per-group tail
    return time.perf_counter() - t0


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    ]
    return min(runs)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    for name, module in (("polars", "polars"), ("duckdb", "duckdb"), ("pyarrow", "pyarrow.compute")):
        print(f"import {name}: {import_seconds(module):.3f} s")
    for ips in sizes:
        data = columns(ips)
        for name, bench in (("polars", bench_polars), ("duckdb", bench_duckdb), ("pyarrow", bench_pyarrow)):
            best = min(bench(data) for _ in range(3))
            print(f"{ips:>6} IPs × {DAYS} days × {len(PROVIDERS)} providers  {name:<8} {best:.3f} s")


if __name__ == "__main__":
    main()
