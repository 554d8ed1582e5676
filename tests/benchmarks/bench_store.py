"""Benchmark: a 7-day `report` read from PostgreSQL at team scale vs SQLite at one-person scale.

    python tests/benchmarks/bench_store.py [--pg-ips 10000] [--sqlite-ips 1000] [--days 400] [--runs 3]
        [--no-tui] [--no-tui-before]

Fills a PostgreSQL store (a server this script starts, as tests/pgserver.py does) with
``pg-ips × days × 4 mailbox providers`` daily rows and a SQLite store with ``sqlite-ips × days × 4``,
then times what `report` does for a 7-day window: read the history from the store, then the
report's analysis (``analyse`` + ``assess_all``), both as it reads now (only what the analysis reads,
``domain.lookback``) and as it read before (all the history; one run). Also the PostgreSQL read at
the SQLite size, to separate the store's cost from the analysis's; the TUI's first frame with data
on a [store]-only config, now and reading everything (before); and the longest event-loop stall
while the whole SQLite history is read in a thread, in one chunk (before) and chunked (now).
Target: PostgreSQL at team scale within 2× of SQLite at one-person scale. Best of ``--runs`` each.
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
from ipdash.sources.store import SqliteStore, analysis_lookback, load_history, rows
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


def report_parts(store: object, runs: int, *, whole: bool = False) -> tuple[float, float, int]:
    """(read seconds, analysis seconds, IPs analysed) of a 7-day report on this store: reading what
    the analysis reads (``domain.lookback``, as `report` does now) or, ``whole``, all the history
    (as `report` did before). Best of ``runs``."""
    config = Config(window_days=WINDOW)
    presets = threshold_presets()
    held = {}
    lookback = None if whole else analysis_lookback(config, WINDOW)

    def read() -> None:
        held["dataset"] = load_history(store, lookback=lookback, today=TODAY)  # type: ignore[arg-type]

    read_seconds = best(runs, read)

    def analyse() -> None:
        held["result"] = analyse_like_report(held["dataset"], config, presets, TODAY)

    analyse_seconds = best(runs, analyse)
    return read_seconds, analyse_seconds, len(held["result"][0].ips)


def report_figures(label: str, store: object, ips: int, runs: int) -> dict[str, tuple[float, float]]:
    """A 7-day report's read and analysis, whole history (before) and lookback (now), printed."""
    found = {}
    for name, whole, tries in (("before", True, 1), ("now", False, runs)):
        read, analysis, analysed = report_parts(store, tries, whole=whole)
        found[name] = (read, analysis)
        what = "whole history (before)" if whole else "lookback (now)       "
        print(f"  {label:<10} {ips:>6} IPs, {what}: read {read:6.2f} s + analysis {analysis:6.2f} s "
              f"({analysed} IPs)", flush=True)  # fmt: skip
    return found


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


def tui_first_frame(config: Path, *, whole: bool = False) -> dict[str, float]:
    """Process start to the first frame with data of the TUI on a [store]-only config (a child
    process); ``whole``: reading all the history, as the TUI did before the lookback."""
    code = (
        "import sys, time; started = time.perf_counter(); "
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import bench_store as b; b._tui_child({str(config)!r}, started, {whole!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"TUI on {config}: failed\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _tui_child(config_path: str, started: float, whole: bool = False) -> None:
    import asyncio

    if whole:
        import ipdash.sources.store as store_package

        store_package.analysis_lookback = lambda *_args, **_kwargs: lambda _newest, _history: None  # type: ignore[assignment]

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


def read_stall(store: SqliteStore, chunk: int) -> tuple[float, float]:
    """(seconds, longest stall) of reading the whole history in a thread beside a 5 ms asyncio
    ticker, the daily stats turned into frames ``chunk`` rows at a time. Start-up objects frozen
    out of the collector, as the TUI does (gc.freeze)."""
    import asyncio
    import gc

    gc.freeze()
    saved, rows.STAT_CHUNK = rows.STAT_CHUNK, chunk

    async def run() -> tuple[float, float]:
        worst, done = 0.0, asyncio.Event()

        async def tick() -> None:
            nonlocal worst
            while not done.is_set():
                started = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - started - 0.005)

        ticker = asyncio.ensure_future(tick())
        started = time.perf_counter()
        await asyncio.to_thread(load_history, store)
        took = time.perf_counter() - started
        done.set()
        await ticker
        return took, worst

    try:
        return asyncio.run(run())
    finally:
        rows.STAT_CHUNK = saved
        gc.unfreeze()


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
    parser.add_argument(
        "--no-tui-before", dest="tui_before", action="store_false", help="leave out the TUI reading all"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the filled stores in DIR (a PostgreSQL data dir and a SQLite file) and "
                             "reuse them when a later run asks for the same sizes")  # fmt: skip
    parser.add_argument("--fill-only", action="store_true", help="fill (or check) the stores, then stop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        server = start_server(folder / "pg" if args.keep else None)
        try:
            sqlite_path = prepare(server, folder, args)
            if not args.fill_only:
                measure(server, sqlite_path, Path(tmp), args)
        finally:
            server.stop(remove=args.keep is None)


def prepare(server: Any, folder: Path, args: argparse.Namespace) -> Path:
    """The SQLite store's path, both stores filled for these sizes (kept ones reused as they are:
    their days end on the day they were filled, which becomes the benchmark's today)."""
    global TODAY
    import psycopg

    marker = folder / "filled.json"
    sizes = {"pg_ips": args.pg_ips, "sqlite_ips": args.sqlite_ips, "days": args.days}
    sqlite_path = folder / "history.sqlite3"
    if marker.exists():
        kept = json.loads(marker.read_text())
        if {k: kept.get(k) for k in sizes} == sizes:
            TODAY = date.fromisoformat(kept["today"])
            print(f"reusing the stores in {folder}, filled on {TODAY} ({kept['seconds']})", flush=True)
            return sqlite_path
        raise SystemExit(f"{folder} holds stores of other sizes ({kept}): use another --keep folder")
    with psycopg.connect(server.url(), autocommit=True) as admin:
        for name in ("team", "small"):
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    sqlite_path.unlink(missing_ok=True)
    seconds: dict[str, float] = {}
    print(f"filling SQLite: {args.sqlite_ips} IPs × {args.days} days × 4 = "
          f"{args.sqlite_ips * args.days * 4:,} rows …", flush=True)  # fmt: skip
    seconds["sqlite"] = fill_sqlite(sqlite_path, args.sqlite_ips, args.days)
    print(f"  {seconds['sqlite']:.1f} s", flush=True)
    print(f"filling PostgreSQL: {args.pg_ips} IPs × {args.days} days × 4 = "
          f"{args.pg_ips * args.days * 4:,} rows …", flush=True)  # fmt: skip
    seconds["postgresql team"] = fill_postgres(server.url("team"), args.pg_ips, args.days)
    print(f"  {seconds['postgresql team']:.1f} s", flush=True)
    seconds["postgresql small"] = fill_postgres(server.url("small"), args.sqlite_ips, args.days)
    print(f"  and at SQLite's size: {seconds['postgresql small']:.1f} s", flush=True)
    if args.keep:
        marker.write_text(json.dumps({**sizes, "today": TODAY.isoformat(), "seconds": seconds}))
    return sqlite_path


def measure(server: Any, sqlite_path: Path, tmp: Path, args: argparse.Namespace) -> None:
    with SqliteStore(sqlite_path) as sqlite:
        report_parts(sqlite, 1)  # once unmeasured: the first analysis imports and compiles
        small_sqlite = report_figures("SQLite", sqlite, args.sqlite_ips, args.runs)
    with PostgresStore(server.url("small")) as small:
        small_pg = report_figures("PostgreSQL", small, args.sqlite_ips, args.runs)
    with PostgresStore(server.url("team")) as team:
        team_pg = report_figures("PostgreSQL", team, args.pg_ips, args.runs)
        since = analysis_lookback(Config(window_days=WINDOW), WINDOW)(TODAY, None)
        assert since is not None
        old_read = per_row_read(team, since)
        print(f"    the lookback read one record object per row (the old path): {old_read:6.2f} s "
              f"({old_read / team_pg['now'][0]:.1f}× the frame read)", flush=True)  # fmt: skip
    print(f"\n7-day report (lookback {(TODAY - since).days + 1} days of {args.days}), "
          f"team-scale PostgreSQL / one-person SQLite:")  # fmt: skip
    for name in ("before", "now"):
        (s_read, s_analyse), (p_read, p_analyse) = small_sqlite[name], team_pg[name]
        ratio = (p_read + p_analyse) / (s_read + s_analyse)
        verdict = "MET" if ratio <= 2 else "MISSED"
        print(f"  {name:<6}: SQLite {s_read + s_analyse:6.2f} s, PostgreSQL {p_read + p_analyse:6.2f} s: "
              f"{ratio:.2f}× (target ≤ 2×: {verdict}); read only {p_read / s_read:.2f}×, "
              f"analysis only {p_analyse / s_analyse:.2f}×", flush=True)  # fmt: skip
    p1_read = small_pg["now"][0]
    print(
        f"  PostgreSQL at SQLite's size reads in {p1_read / small_sqlite['now'][0]:.2f}× SQLite's time"
    )
    if not args.no_tui:
        print("\nTUI, [store]-only config, process start to the first frame with data:")
        configs = {
            "SQLite": store_config(tmp, "sqlite", f'[store]\npath = "{sqlite_path}"'),
            "PostgreSQL": store_config(tmp, "pg", f'[store]\nurl = "{server.url("team")}"'),
        }
        frames: dict[tuple[str, bool], float] = {}
        for whole in (True, False) if args.tui_before else (False,):
            for label, config_file in configs.items():
                ips = args.sqlite_ips if label == "SQLite" else args.pg_ips
                tui = tui_first_frame(config_file, whole=whole)
                frames[label, whole] = tui["first frame"]
                what = "whole history (before)" if whole else "lookback (now)"
                print(f"  {label:<10} {ips:>6} IPs, {what:<22}: {tui['first frame']:7.2f} s "
                      f"(loop stall {tui['stall'] * 1000:.0f} ms)", flush=True)  # fmt: skip
        for whole in (True, False) if args.tui_before else (False,):
            tui_ratio = frames["PostgreSQL", whole] / frames["SQLite", whole]
            print(
                f"  ratio {'before' if whole else 'now'}: {tui_ratio:.2f}× "
                f"(target ≤ 2×: {'MET' if tui_ratio <= 2 else 'MISSED'})"
            )
        with SqliteStore(sqlite_path) as sqlite:
            print("\nSQLite whole-history read in a thread, longest event-loop stall:")
            for label, chunk in (("one chunk (before)", 10**9), ("chunked (now)", rows.STAT_CHUNK)):
                took, stall = read_stall(sqlite, chunk)
                print(f"  {label:<18}: read {took:6.2f} s, stall {stall * 1000:6.0f} ms", flush=True)
    print(f"\nPoll daemon's history after each poll ({WINDOW + 7} days), best of {args.runs}:")
    for label, opened in (("SQLite", lambda: SqliteStore(sqlite_path)),
                          ("PostgreSQL", lambda: PostgresStore(server.url("team")))):  # fmt: skip
        with opened() as store:
            ips = args.sqlite_ips if label == "SQLite" else args.pg_ips
            full, after_poll, unchanged = incremental_parts(store, ips, args.runs)
        print(f"  {label:<10} {ips:>6} IPs: full read {full:6.2f} s (before); after a poll of "
              f"{ips * 4:,} rows {after_poll:6.2f} s ({full / after_poll:.1f}× less); "
              f"nothing new {unchanged * 1000:.1f} ms", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
