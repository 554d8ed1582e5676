"""Benchmark: a 7-day `report` read from PostgreSQL at team scale vs SQLite at one-person scale.

    python tests/benchmarks/bench_store.py [--pg-ips 10000] [--sqlite-ips 1000] [--days 400] [--runs 3]

Fills a PostgreSQL store (a server this script starts, as tests/pgserver.py does) with
``pg-ips × days × 4 mailbox providers`` daily rows and a SQLite store with ``sqlite-ips × days × 4``,
then times what `report` does for a 7-day window: read the window's history from the store, then
the report's analysis (``analyse`` + ``assess_all``). Also the same PostgreSQL read at the SQLite
size, to separate the store's cost from the analysis's. Target: PostgreSQL at team scale within
2× of SQLite at one-person scale. Best of ``--runs`` each.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ipdash.commands._metrics import analyse_like_report
from ipdash.domain.config import Config
from ipdash.domain.models import IpFacts, PollResult
from ipdash.sources.reference_data import threshold_presets
from ipdash.sources.store import SqliteStore, load_history
from ipdash.sources.store.pg_schema import create_partition_sql, month_start, next_month
from ipdash.sources.store.postgres import PostgresStore
from pgserver import start_server

PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "other")
TODAY = date.today()
WINDOW = 7


def ip(n: int) -> str:
    return f"10.{n // 65536}.{(n // 256) % 256}.{n % 256}"


COLUMNS = ("day, ip, mailbox_provider, source, sent, delivered, bounced, hard_bounced, soft_bounced, "
           "complaints, unsubscribes, opens, clicks, fetched_at")  # fmt: skip


def facts(ips: int) -> PollResult:
    pools = ("marketing", "transactional", "shared")
    return PollResult("bench", "bench", datetime.now(UTC),
                      facts=tuple(IpFacts(ip(n), pool=pools[n % 3], source="bench") for n in range(ips)))  # fmt: skip


def fill_postgres(url: str, ips: int, days: int) -> float:
    import psycopg

    started = time.perf_counter()
    with PostgresStore(url) as store:
        store.save_poll(facts(ips))
    with psycopg.connect(url) as db:
        month = month_start(TODAY - timedelta(days=days))
        while month <= TODAY:
            db.execute(create_partition_sql("daily_stats", month))
            month = next_month(month)
        chunk = max(1, 2_000_000 // (ips * len(PROVIDERS)))
        for first in range(0, days, chunk):
            with db.cursor().copy(f"COPY daily_stats ({COLUMNS}) FROM STDIN") as copy:
                for row in rows_for_days(ips, first, min(days, first + chunk)):
                    copy.write_row(row)
            db.commit()
        db.execute("ANALYZE")
    return time.perf_counter() - started


def rows_for_days(ips: int, first: int, last: int) -> list[tuple[object, ...]]:
    stamp = datetime.now(UTC)
    rng = random.Random(first)
    out = []
    for d in range(first, last):
        day = TODAY - timedelta(days=d)
        for n in range(ips):
            for provider in PROVIDERS:
                sent = rng.randint(200, 5000)
                bounced = rng.randint(0, sent // 40)
                out.append((day, ip(n), provider, "bench", sent, sent - bounced, bounced, None, None,
                            rng.randint(0, sent // 800), None, None, None, stamp))  # fmt: skip
    return out


def fill_sqlite(path: Path, ips: int, days: int) -> float:
    started = time.perf_counter()
    with SqliteStore(path) as store:
        store.save_poll(facts(ips))
    db = sqlite3.connect(path)
    for first in range(0, days, 50):
        batch = [
            tuple(v.isoformat() if isinstance(v, date | datetime) else v for v in row)
            for row in rows_for_days(ips, first, min(days, first + 50))
        ]
        db.executemany(f"INSERT INTO daily_stats ({COLUMNS}) VALUES ({', '.join('?' * 14)})", batch)
        db.commit()
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - started


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def report_parts(store: object, runs: int) -> tuple[float, float, int]:
    """(read seconds, analysis seconds, IPs analysed) of a 7-day report on this store."""
    config = Config(window_days=WINDOW)
    presets = threshold_presets()
    held = {}

    def read() -> None:
        held["dataset"] = load_history(store, days=WINDOW + 7, today=TODAY)  # type: ignore[arg-type]

    read_seconds = best(runs, read)

    def analyse() -> None:
        held["result"] = analyse_like_report(held["dataset"], config, presets, TODAY)

    analyse_seconds = best(runs, analyse)
    return read_seconds, analyse_seconds, len(held["result"][0].ips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-ips", type=int, default=10_000)
    parser.add_argument("--sqlite-ips", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = start_server()
    try:
        import psycopg

        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE team")
            admin.execute("CREATE DATABASE small")
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_path = Path(tmp) / "history.sqlite3"
            print(f"filling SQLite: {args.sqlite_ips} IPs × {args.days} days × 4 = "
                  f"{args.sqlite_ips * args.days * 4:,} rows …", flush=True)  # fmt: skip
            print(f"  {fill_sqlite(sqlite_path, args.sqlite_ips, args.days):.1f} s", flush=True)
            print(f"filling PostgreSQL: {args.pg_ips} IPs × {args.days} days × 4 = "
                  f"{args.pg_ips * args.days * 4:,} rows …", flush=True)  # fmt: skip
            print(f"  {fill_postgres(server.url('team'), args.pg_ips, args.days):.1f} s", flush=True)
            fill_postgres(server.url("small"), args.sqlite_ips, args.days)
            with SqliteStore(sqlite_path) as sqlite:
                s_read, s_analyse, s_ips = report_parts(sqlite, args.runs)
            print(
                f"  SQLite     {s_ips:>6} IPs: read {s_read:6.2f} s + analysis {s_analyse:6.2f} s", flush=True
            )
            with PostgresStore(server.url("small")) as small:
                p1_read, p1_analyse, _ = report_parts(small, args.runs)
            print(f"  PostgreSQL {s_ips:>6} IPs: read {p1_read:6.2f} s + analysis {p1_analyse:6.2f} s "
                  f"(read {p1_read / s_read:.2f}× SQLite's at the same size)", flush=True)  # fmt: skip
            with PostgresStore(server.url("team")) as team:
                p_read, p_analyse, p_ips = report_parts(team, args.runs)
            print(
                f"  PostgreSQL {p_ips:>6} IPs: read {p_read:6.2f} s + analysis {p_analyse:6.2f} s", flush=True
            )
    finally:
        server.stop()
    s_total, p_total = s_read + s_analyse, p_read + p_analyse
    print(
        f"\n7-day report, best of {args.runs}: SQLite {s_total:.2f} s, team-scale PostgreSQL {p_total:.2f} s"
    )
    ratio = p_total / s_total
    verdict = "MET" if ratio <= 2 else "MISSED"
    print(f"  ratio team-scale PostgreSQL / one-person SQLite: {ratio:.2f}× (target ≤ 2×: {verdict})")


if __name__ == "__main__":
    main()
