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
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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


FILL_SQL = """
INSERT INTO daily_stats (day, ip, mailbox_provider, source, sent, delivered, bounced, complaints, fetched_at)
SELECT day, ip, provider, 'bench', sent, sent - bounced, bounced, complaints, %(stamp)s
FROM (
    SELECT %(today)s::date - d AS day,
           '10.' || (n / 65536) || '.' || ((n / 256) %% 256) || '.' || (n %% 256) AS ip,
           provider, sent, floor(random() * sent / 40)::bigint AS bounced,
           floor(random() * sent / 800)::bigint AS complaints
    FROM (
        SELECT d, n, provider, 200 + floor(random() * 4800)::bigint AS sent
        FROM generate_series(%(first)s, %(last)s - 1) AS d,
             generate_series(0, %(ips)s - 1) AS n,
             unnest(%(providers)s::text[]) AS provider
    ) drawn
) rows_
"""


def fill_postgres(url: str, ips: int, days: int) -> float:
    """The rows made by the server itself (generate_series): filling 16 M rows from Python took longer
    than everything measured."""
    import psycopg

    started = time.perf_counter()
    PostgresStore(url).close()  # the schema
    with psycopg.connect(url) as db:
        month = month_start(TODAY - timedelta(days=days))
        while month <= TODAY:
            db.execute(create_partition_sql("daily_stats", month))
            month = next_month(month)
        chunk = max(1, 2_000_000 // (ips * len(PROVIDERS)))
        stamp = datetime.now(UTC)
        for first in range(0, days, chunk):
            db.execute(FILL_SQL, {"stamp": stamp, "today": TODAY, "first": first,
                                  "last": min(days, first + chunk), "ips": ips, "providers": list(PROVIDERS)})  # fmt: skip
            db.commit()
        db.execute("ANALYZE")
    with PostgresStore(url) as store:
        store.save_poll(facts(ips))  # after the rows: its source run covers their fetch time
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
    SqliteStore(path).close()  # the schema
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
    with SqliteStore(path) as store:
        store.save_poll(facts(ips))  # after the rows: its source run covers their fetch time
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


def per_row_read(store: PostgresStore, since: date) -> float:
    """Baseline: the PostgreSQL read path before the frame one, one DailyStat per row, then a frame."""
    from ipdash.domain.models import DailyStat
    from ipdash.domain.stats_table import frame_from_stats

    started = time.perf_counter()
    names = store.columns["daily_stats"]
    with store._pool.connection() as db:  # the benchmark reads as the old code did
        cursor = db.execute(
            f"SELECT {', '.join(names)} FROM daily_stats WHERE day >= %s ORDER BY fetched_at", (since,)
        )
        stats = [DailyStat(**dict(zip(names, row, strict=True))) for row in cursor]
    frame_from_stats(stats)
    return time.perf_counter() - started


def incremental_parts(store: object, ips: int, runs: int) -> tuple[float, float, float]:
    """The poll daemon's history after each poll (window + 7 days): a full read (as before), the read
    after a poll of every IP's newest day (4 rows an IP), and a read with nothing polled since."""
    from ipdash.domain.models import DailyStat
    from ipdash.sources.store import HistoryReader

    full = best(runs, lambda: load_history(store, days=WINDOW + 7, today=TODAY))  # type: ignore[arg-type]
    reader = HistoryReader(store, days=WINDOW + 7)  # type: ignore[arg-type]
    reader.read(TODAY)
    polled = tuple(
        DailyStat(TODAY, ip(n), provider, sent=1000, source="bench")
        for n in range(ips)
        for provider in PROVIDERS
    )
    after_poll = []
    for _ in range(runs):
        store.save_poll(PollResult("bench", "bench", datetime.now(UTC), stats=polled))  # type: ignore[attr-defined]
        started = time.perf_counter()
        reader.read(TODAY)
        after_poll.append(time.perf_counter() - started)
    unchanged = best(runs, lambda: reader.read(TODAY))
    assert reader.counts.full == 1, reader.counts
    return full, min(after_poll), unchanged


def tui_first_frame(config: Path) -> dict[str, float]:
    """Process start to the first frame with data of the TUI on a [store]-only config (a child process)."""
    code = (
        "import sys, time; started = time.perf_counter(); "
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import bench_store as b; b._tui_child({str(config)!r}, started)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"TUI on {config}: failed\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _tui_child(config_path: str, started: float) -> None:
    import asyncio

    from bench_tui_scale import SIZE, Probe

    from ipdash.sources.config_file import load_config
    from ipdash.sources.loader import plan_from_inputs
    from ipdash.sources.paths import bundled_themes_dir
    from ipdash.ui.app import IpdashApp

    async def run() -> dict[str, float]:
        config, found_at = load_config(Path(config_path))
        app = IpdashApp(
            plan_from_inputs([], config, False, found_at),
            theme_dirs=[bundled_themes_dir()],
            watch_files=False,
        )
        probe = Probe(app)
        with_data = asyncio.Event()

        def hook(message: Any) -> None:
            probe.hook(message)
            if type(message).__name__ == "DataReady" and message.analysis.ips:
                with_data.set()

        async with app.run_test(size=SIZE, message_hook=hook) as _pilot:
            probe.start_ticker()
            await with_data.wait()
            await probe.repaint_after(probe.first_data_at, timeout=3600)
            shown = next(t for t in probe.displays if t >= probe.first_data_at)
            return {
                "first frame": shown - started,
                "rows": app.dashboard.table.row_count,
                "stall": probe.longest_stall(),
            }

    print(json.dumps(asyncio.run(run())))


def store_config(folder: Path, name: str, table: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f"{table}\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-ips", type=int, default=10_000)
    parser.add_argument("--sqlite-ips", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tui", action="store_true", help="leave out the TUI's first frame")
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
                    f"  PostgreSQL {p_ips:>6} IPs: read {p_read:6.2f} s + analysis {p_analyse:6.2f} s",
                    flush=True,
                )
                old_read = per_row_read(team, TODAY - timedelta(days=WINDOW + 7))
                print(f"    the same read one record object per row (the old path): {old_read:6.2f} s "
                      f"({old_read / p_read:.1f}× the frame read)", flush=True)  # fmt: skip
            s_total, p_total = s_read + s_analyse, p_read + p_analyse
            print(f"\n7-day report, best of {args.runs}: SQLite {s_total:.2f} s, "
                  f"team-scale PostgreSQL {p_total:.2f} s", flush=True)  # fmt: skip
            ratio = p_total / s_total
            verdict = "MET" if ratio <= 2 else "MISSED"
            print(f"  ratio team-scale PostgreSQL / one-person SQLite: {ratio:.2f}× (target ≤ 2×: {verdict})")
            print(
                f"  read only: {p_read / s_read:.2f}×; analysis only: {p_analyse / s_analyse:.2f}×",
                flush=True,
            )
            if not args.no_tui:
                print(
                    "\nTUI, [store]-only config, process start to the first frame with data (whole history):"
                )
                with SqliteStore(sqlite_path) as sqlite:
                    s_all = best(1, lambda: load_history(sqlite))
                s_tui = tui_first_frame(store_config(Path(tmp), "sqlite", f'[store]\npath = "{sqlite_path}"'))
                print(f"  SQLite     {args.sqlite_ips:>6} IPs: {s_tui['first frame']:6.2f} s "
                      f"(history read alone {s_all:.2f} s; loop stall {s_tui['stall'] * 1000:.0f} ms)", flush=True)  # fmt: skip
                with PostgresStore(server.url("team")) as team:
                    p_all = best(1, lambda: load_history(team))
                p_tui = tui_first_frame(
                    store_config(Path(tmp), "pg", f'[store]\nurl = "{server.url("team")}"')
                )
                print(f"  PostgreSQL {args.pg_ips:>6} IPs: {p_tui['first frame']:6.2f} s "
                      f"(history read alone {p_all:.2f} s; loop stall {p_tui['stall'] * 1000:.0f} ms)", flush=True)  # fmt: skip
                tui_ratio = p_tui["first frame"] / s_tui["first frame"]
                print(f"  ratio: {tui_ratio:.2f}× (target ≤ 2×: {'MET' if tui_ratio <= 2 else 'MISSED'})")
            print(f"\nPoll daemon's history after each poll ({WINDOW + 7} days), best of {args.runs}:")
            for label, opened in (("SQLite", lambda: SqliteStore(sqlite_path)),
                                  ("PostgreSQL", lambda: PostgresStore(server.url("team")))):  # fmt: skip
                with opened() as store:
                    ips = args.sqlite_ips if label == "SQLite" else args.pg_ips
                    full, after_poll, unchanged = incremental_parts(store, ips, args.runs)
                print(f"  {label:<10} {ips:>6} IPs: full read {full:6.2f} s (before); after a poll of "
                      f"{ips * 4:,} rows {after_poll:6.2f} s ({full / after_poll:.1f}× less); "
                      f"nothing new {unchanged * 1000:.1f} ms", flush=True)  # fmt: skip
    finally:
        server.stop()


if __name__ == "__main__":
    main()
