"""Benchmark: a 7-day `report` read from PostgreSQL at team scale vs SQLite at one-person scale.

    python tests/benchmarks/bench_store.py [--pg-ips 10000] [--sqlite-ips 1000] [--days 400] [--runs 3]
        [--keep DIR] [--fill-only] [--no-tui] [--tui-before] [--before] [--small] [--no-incremental]
        [--pairs N] [--shared N]

Fills a PostgreSQL store (a server this script starts, as tests/pgserver.py does) with
``pg-ips × days × 4 mailbox providers`` daily rows and a SQLite store with ``sqlite-ips × days × 4``,
then times what `report` does for a 7-day window: read the history from the store, then the
report's analysis (``analyse`` + ``assess_all``), both as it reads now (only what the analysis reads,
``domain.lookback``) and as it read before (all the history; one run). Also the PostgreSQL read at
the SQLite size, to separate the store's cost from the analysis's; the TUI's first frame with data
on a [store]-only config, now and reading everything (before); and the longest event-loop stall
while the whole SQLite history is read in a thread, in one chunk (before) and chunked (now).
``--shared N``: the whole `report` process as main reads (analysed every time), cold (no stored
analysis: analysed and stored) and shared (the analysis a poller stored, read), and the TUI's first
frame in the same three modes, in rotated same-run rounds with the load averages.
Target: PostgreSQL at team scale within 2× of SQLite at one-person scale. Best of ``--runs`` each.
"""

from __future__ import annotations

import argparse
import json
import os
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
from ipdash.gc_pauses import bulk_allocation
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


SQLITE_FILL_SQL = """
WITH RECURSIVE d(x) AS (SELECT :first UNION ALL SELECT x + 1 FROM d WHERE x < :last - 1),
     n(y) AS (SELECT 0 UNION ALL SELECT y + 1 FROM n WHERE y < :ips - 1),
     p(name) AS (VALUES ('gmail.com'), ('outlook.com'), ('yahoo.com'), ('other')),
     drawn AS (SELECT date(:today, '-' || x || ' days') AS day,
                      '10.' || (y / 65536) || '.' || ((y / 256) % 256) || '.' || (y % 256) AS ip,
                      name AS provider, 200 + abs(random()) % 4801 AS sent FROM d, n, p),
     rows_ AS (SELECT day, ip, provider, sent, abs(random()) % (sent / 40 + 1) AS bounced,
                      abs(random()) % (sent / 800 + 1) AS complaints FROM drawn)
INSERT INTO daily_stats (day, ip, mailbox_provider, source, sent, delivered, bounced, complaints, fetched_at)
SELECT day, ip, provider, 'bench', sent, sent - bounced, bounced, complaints, :stamp FROM rows_
"""


def fill_sqlite_in_sql(path: Path, ips: int, days: int) -> float:
    """A SQLite store of PostgreSQL's size (``--sqlite-same``), its rows made by SQLite itself (the
    same draws as fill_sqlite's, newest days first): rows from Python would take ~40 min at 10k IPs."""
    started = time.perf_counter()
    SqliteStore(path).close()  # the schema
    db = sqlite3.connect(path)
    stamp = datetime.now(UTC).isoformat()
    for first in range(0, days, 20):
        db.execute(SQLITE_FILL_SQL, {"first": first, "last": min(days, first + 20), "ips": ips,
                                     "today": TODAY.isoformat(), "stamp": stamp})  # fmt: skip
        db.commit()
        print(f"  {min(days, first + 20)} of {days} days, {time.perf_counter() - started:.0f} s", flush=True)
    db.execute("ANALYZE")
    db.commit()
    db.close()
    with SqliteStore(path) as store:
        store.save_poll(facts(ips))
    return time.perf_counter() - started


#: The PostgreSQL server's postmaster: its CPU (and its backends') counts in a read's CPU seconds.
SERVER_PID: int | None = None
#: (wall, CPU) of the fastest run of the last ``best`` call.
LAST_CPU: list[float] = [0.0]


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and the PostgreSQL server (its ended backends too)."""
    import psutil

    times = psutil.Process().cpu_times()
    total = times.user + times.system
    if SERVER_PID is not None:
        server = psutil.Process(SERVER_PID)
        times = server.cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
        for child in server.children():
            try:
                times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def best(runs: int, work: Callable[[], object]) -> float:
    """The fastest wall time of ``runs``; that run's CPU seconds (client and server) in LAST_CPU."""
    times = []
    for _ in range(runs):
        started, cpu = time.perf_counter(), cpu_seconds()
        work()
        times.append((time.perf_counter() - started, cpu_seconds() - cpu))
    wall, LAST_CPU[0] = min(times)
    return wall


def report_parts(store: object, runs: int, *, whole: bool = False) -> tuple[float, float, int]:
    """(read seconds, analysis seconds, IPs analysed) of a 7-day report on this store: reading what
    the analysis reads (``domain.lookback``, as `report` does now) or, ``whole``, all the history
    (as `report` did before). Best of ``runs``."""
    config = Config(window_days=WINDOW)
    presets = threshold_presets()
    held = {}
    lookback = None if whole else analysis_lookback(config, WINDOW)

    def read() -> None:
        with bulk_allocation():  # as `report` reads (sources.loader) and analyses (analyse_for_cli)
            held["dataset"] = load_history(store, lookback=lookback, today=TODAY)  # type: ignore[arg-type]

    read_seconds = best(runs, read)
    CPU[store_label(store), whole, "read"] = LAST_CPU[0]

    def analyse() -> None:
        with bulk_allocation():
            held["result"] = analyse_like_report(held["dataset"], config, presets, TODAY)

    analyse_seconds = best(runs, analyse)
    CPU[store_label(store), whole, "analysis"] = LAST_CPU[0]
    return read_seconds, analyse_seconds, len(held["result"][0].ips)


def lean_parts(store: Any, runs: int) -> tuple[tuple[float, float], tuple[float, float], int, int]:
    """A 7-day report read in two steps (``read_lean``: the lean daily stats, then the earlier ones of
    the IPs ``needs_context`` names, analysed again reusing the first analysis' rates): ((read, analysis)
    wall, (read, analysis) CPU incl. the server, IPs analysed, IPs given their context). Best of ``runs``."""
    from ipdash.domain.analysis import analyse
    from ipdash.sources.dns.stored import stored_check_results
    from ipdash.sources.store.history import read_lean

    config = Config(window_days=WINDOW)
    presets = threshold_presets()
    best_run: tuple[tuple[float, float], tuple[float, float], int, int] | None = None
    for _ in range(runs):
        with bulk_allocation():
            wall, cpu = time.perf_counter(), cpu_seconds()
            lean, rest = read_lean(store, config, WINDOW, TODAY)
            read_wall, read_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            wall, cpu = time.perf_counter(), cpu_seconds()
            checks, _notes = stored_check_results(config.blocklists, datetime.now(UTC))
            first = analyse(lean, config, presets, checks=checks, today=TODAY)
            analysis_wall, analysis_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            context, result = 0, first
            if rest is not None:
                wall, cpu = time.perf_counter(), cpu_seconds()
                earlier = rest.context(first, lean)
                read_wall, read_cpu = read_wall + time.perf_counter() - wall, read_cpu + cpu_seconds() - cpu
                if earlier.has_stats():
                    wall, cpu = time.perf_counter(), cpu_seconds()
                    context = len(earlier.stat_ips())
                    completed = lean.copy()
                    completed.merge(earlier)
                    result = analyse(completed, config, presets, checks=checks, today=TODAY, previous=first)
                    analysis_wall += time.perf_counter() - wall
                    analysis_cpu += cpu_seconds() - cpu
        found = ((read_wall, analysis_wall), (read_cpu, analysis_cpu), len(result.ips), context)
        if best_run is None or sum(found[0]) < sum(best_run[0]):
            best_run = found
    assert best_run is not None
    return best_run


#: CPU seconds (client and server) per (store, whole history, part) of the last report_parts.
CPU: dict[tuple[str, bool, str], float] = {}


def store_label(store: object) -> str:
    return f"{type(store).__name__}:{getattr(store, 'url', '')}"


def report_figures(
    label: str, store: object, ips: int, runs: int, *, before: bool = False
) -> dict[str, tuple[float, float]]:
    """A 7-day report's read and analysis, lookback (now) and, ``before``, whole history, printed."""
    found = {}
    for name, whole, tries in (("before", True, 1), ("now", False, runs))[0 if before else 1 :]:
        read, analysis, analysed = report_parts(store, tries, whole=whole)
        found[name] = (read, analysis)
        cpu = found[f"{name} cpu"] = (
            CPU[store_label(store), whole, "read"],
            CPU[store_label(store), whole, "analysis"],
        )
        what = "whole history (before)" if whole else "lookback (now)       "
        print(f"  {label:<10} {ips:>6} IPs, {what}: read {read:6.2f} s + analysis {analysis:6.2f} s "
              f"({analysed} IPs); CPU read {cpu[0]:6.2f} s + analysis {cpu[1]:6.2f} s", flush=True)  # fmt: skip
    if LEAN[0]:
        found["lean"], found["lean cpu"], analysed, context = lean_parts(store, runs)
        (read, analysis), cpu = found["lean"], found["lean cpu"]
        print(f"  {label:<10} {ips:>6} IPs, lean + context (two steps): read {read:6.2f} s + analysis "
              f"{analysis:6.2f} s ({analysed} IPs, {context} given their context); CPU read {cpu[0]:6.2f} s "
              f"+ analysis {cpu[1]:6.2f} s", flush=True)  # fmt: skip
    return found


#: Also time the two-step lean read (--no-lean leaves it out).
LEAN = [True]


def csv_copy_read(store: PostgresStore, since: date) -> float:
    """Baseline: last round's PostgreSQL read, the server's CSV (COPY … TO STDOUT, sorted by fetch
    time) parsed by polars into a frame."""
    import polars as pl

    from ipdash.domain.stats_table import SCHEMA, conform, unique_keys

    started = time.perf_counter()
    names = store.columns["daily_stats"]
    schema = {
        n: pl.Date if n == "day" else pl.Int64 if SCHEMA.get(n) is pl.Int64 else pl.String for n in names
    }
    with store._pool.connection() as db:  # the benchmark reads as the old code did
        db.execute("SET DateStyle = 'ISO, YMD'")
        query = f"SELECT {', '.join(names)} FROM daily_stats WHERE day >= '{since}' ORDER BY fetched_at"
        with db.cursor().copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            text = b"".join(bytes(row) for row in copy)
    frame = pl.read_csv(text, has_header=False, new_columns=list(schema), schema=schema)
    unique_keys(conform(frame))
    return time.perf_counter() - started


#: `ipdash report` as it read before the lean read (the whole lookback, main's path), in this code.
WHOLE_LOOKBACK_REPORT = (
    "import sys; import ipdash.commands.report as r, ipdash.sources.loader as l; "
    "r.load_lean_for_cli = lambda *a, **k: (*l.load_dataset_for_cli(*a, for_window=True, **k), None); "
    "from ipdash.cli import main; sys.argv[0] = 'ipdash'; main()"
)


#: `ipdash report` as main reads it (lean, analysed every time): the shared analysis left out.
UNSHARED_REPORT = (
    "import sys; import ipdash.commands.report as r; r._shared_lookup = lambda *a, **k: None; "
    "from ipdash.cli import main; sys.argv[0] = 'ipdash'; main()"
)


def refresh_process(config: Path) -> None:
    """What `ipdash poll` runs in a child after a cycle: the report and the TUI's first frame stored
    for the viewers of ``config``'s store."""
    code = f"from ipdash.commands._shared_report import refresh_main; refresh_main({str(config)!r})"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def report_process(
    config: Path, *, whole_lookback: bool = False, unshared: bool = False
) -> tuple[float, float]:
    """(wall, CPU seconds) of a whole `ipdash report --window 7` process on this config (as `report`
    reads now: the shared analysis when one is stored; ``unshared``: lean, analysed every time, as
    main reads; ``whole_lookback``: the whole lookback, as it read before the lean read)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = (
        ["-c", WHOLE_LOOKBACK_REPORT]
        if whole_lookback
        else ["-c", UNSHARED_REPORT]
        if unshared
        else ["-m", "ipdash"]
    )
    done = subprocess.run(
        [sys.executable, *command, "report", "--config", str(config), "--window", str(WINDOW),
         "--format", "json"], capture_output=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"ipdash report on {config} failed:\n{done.stderr.decode()[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


def tui_first_frame(config: Path, *, whole: bool | str = False) -> dict[str, float]:
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


def _tui_child(config_path: str, started: float, whole: bool | str = False) -> None:
    import asyncio

    if whole is True:
        import ipdash.sources.store as store_package

        store_package.analysis_lookback = lambda *_args, **_kwargs: lambda _newest, _history: None  # type: ignore[assignment]
    elif whole == "lookback":  # the whole lookback, as the first frame read before the lean read
        import ipdash.ui.live as live

        live._has_arf = lambda _plan: True  # type: ignore[assignment]
    if whole in (True, "lookback", "unshared"):  # main's path: the TUI analyses, no stored first frame
        from ipdash.sources.store import shared_view

        shared_view.SharedView.open = classmethod(lambda *_args, **_kwargs: None)  # type: ignore[assignment]

    # As `ipdash --config` starts (commands/tui.py): the config read and the first load (and a
    # [store]-only viewer's shared first frame lookup) started before Textual is imported.
    from ipdash.sources.config_file import load_config
    from ipdash.sources.loader import plan_from_inputs
    from ipdash.sources.loader_early import start_early_load

    config, found_at = load_config(Path(config_path))
    plan = plan_from_inputs([], config, False, found_at)
    early = start_early_load(plan)

    from bench_tui_scale import SIZE, Probe

    from ipdash.sources.paths import bundled_themes_dir
    from ipdash.ui.app import IpdashApp

    async def run() -> dict[str, float]:
        app = IpdashApp(plan, theme_dirs=[bundled_themes_dir()], watch_files=False, early_load=early)
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
        "--before",
        action="store_true",
        help="also the whole-history reads and the per-row read (last rounds' paths)",
    )
    parser.add_argument("--small", action="store_true", help="also PostgreSQL at SQLite's size")
    parser.add_argument(
        "--no-incremental",
        dest="incremental",
        action="store_false",
        help="leave out the poll daemon's history reads",
    )
    parser.add_argument(
        "--tui-before", action="store_true", help="also the TUI reading all the history (before the lookback)"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the filled stores in DIR (a PostgreSQL data dir and a SQLite file) and "
                             "reuse them when a later run asks for the same sizes")  # fmt: skip
    parser.add_argument("--fill-only", action="store_true", help="fill (or check) the stores, then stop")
    parser.add_argument("--pairs", type=int, default=0, metavar="N",
                        help="only N alternated pairs: report process and TUI first frame, whole lookback "
                             "(before) vs lean (now)")  # fmt: skip
    parser.add_argument(
        "--no-lean", dest="lean", action="store_false", help="leave out the two-step lean read"
    )
    parser.add_argument("--shared", type=int, default=0, metavar="N",
                        help="only N rounds: the report process as main reads (analysed every time), cold "
                             "(no stored analysis) and shared (a poller's stored analysis read), and the "
                             "TUI's first frame")  # fmt: skip
    parser.add_argument(
        "--sqlite-same",
        type=Path,
        metavar="FILE",
        help="also a SQLite store with PostgreSQL's IP count (filled in SQL if FILE is "
        "missing, --same-days days): PostgreSQL against SQLite at the same size",
    )
    parser.add_argument(
        "--same-days",
        type=int,
        default=None,
        help="days the --sqlite-same store is filled with (default --days; the read "
        "covers the lookback only, older days are bounded out by the day index)",
    )
    args = parser.parse_args()
    LEAN[0] = args.lean
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        server = start_server(folder / "pg" if args.keep else None)
        global SERVER_PID
        SERVER_PID = int((server.data / "postmaster.pid").read_text().split()[0])
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


def server_cpu() -> float:
    """CPU seconds the PostgreSQL server used so far (its backends included)."""
    import psutil

    own = psutil.Process().cpu_times()
    return cpu_seconds() - own.user - own.system


def timed_first_frame(config: Path, *, whole: bool | str = False) -> tuple[float, float]:
    """The TUI's first frame with data: its wall seconds, and the CPU seconds of the child process
    that drew it plus the PostgreSQL server's meanwhile."""
    import psutil

    server, children = server_cpu(), psutil.Process().cpu_times()
    tui = tui_first_frame(config, whole=whole)
    after = psutil.Process().cpu_times()
    cpu = after.children_user + after.children_system - children.children_user - children.children_system
    return tui["first frame"], cpu + server_cpu() - server


def lean_pairs(configs: dict[str, Path], pairs: int, no_tui: bool) -> None:
    """Same-run pairs, alternated: the whole `ipdash report` process and the TUI's first frame with
    data, reading the whole lookback (before) and lean (now); CPU includes the PostgreSQL server's."""
    found: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    modes = (("before", True), ("now", False))
    for n in range(pairs):
        for label, config in configs.items():
            for name, whole in modes if n % 2 == 0 else modes[::-1]:
                server = server_cpu()
                wall, cpu = report_process(config, whole_lookback=whole, unshared=not whole)
                found.setdefault(("report", label, name), []).append((wall, cpu + server_cpu() - server))
                if no_tui:
                    continue
                found.setdefault(("tui", label, name), []).append(
                    timed_first_frame(config, whole="lookback" if whole else "unshared")
                )
        print(f"  pair {n + 1} done, load {os.getloadavg()[0]:.1f}", flush=True)
    for what in ("report", "tui"):
        for label in configs:
            for name, _whole in modes:
                runs = found.get((what, label, name))
                if runs:
                    wall, cpu = min(runs)
                    print(f"  {what:<6} {label:<10} {name:<6}: wall {wall:6.2f} s, CPU {cpu:6.2f} s "
                          f"(best of {len(runs)}; walls {', '.join(f'{w:.1f}' for w, _ in runs)})", flush=True)  # fmt: skip
        for name, _whole in modes:
            small, team = found.get((what, "SQLite", name)), found.get((what, "PostgreSQL", name))
            if small and team:
                (s_wall, s_cpu), (p_wall, p_cpu) = min(small), min(team)
                print(f"  {what} PostgreSQL / SQLite ({name}): {p_wall / s_wall:.2f}× wall, {p_cpu / s_cpu:.2f}× CPU",
                      flush=True)  # fmt: skip
        for label in configs:
            before, now = found.get((what, label, "before")), found.get((what, label, "now"))
            if before and now:
                print(f"  {what} {label} now / before: {min(now)[0] / min(before)[0]:.2f}× wall, "
                      f"{min(now)[1] / min(before)[1]:.2f}× CPU", flush=True)  # fmt: skip


def clear_snapshots(sqlite_path: Path, url: str) -> dict[str, Callable[[], None]]:
    """Per store: delete its stored analyses (no data written: the data version stays)."""
    import psycopg

    def sqlite_clear() -> None:
        with sqlite3.connect(sqlite_path) as db:
            db.execute("DELETE FROM analysis_snapshots")

    def pg_clear() -> None:
        with psycopg.connect(url) as db:
            db.execute("DELETE FROM analysis_snapshots")

    return {"SQLite": sqlite_clear, "PostgreSQL": pg_clear}


SHARED_MODES = ("main path", "cold", "shared")


def shared_pairs(
    configs: dict[str, Path], clear: dict[str, Callable[[], None]], rounds: int, no_tui: bool
) -> None:
    """Same-run rounds, the order rotated each round: the whole `ipdash report` process as main reads
    (lean, analysed every time), cold (no stored analysis: analysed, and stored for the next), and
    shared (the stored analysis read: a poller or an earlier viewer made it); and the TUI's first
    frame with data in the same three modes (main: analysed, no stored first frame read; cold: none
    stored; shared: the one a poller stored drawn). CPU includes the PostgreSQL server's."""
    found: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    loads = [os.getloadavg()]
    for n in range(rounds):
        for label, config in configs.items():
            modes = SHARED_MODES[n % 3 :] + SHARED_MODES[: n % 3]
            for mode in modes:
                if mode == "shared" and n == 0 and modes.index("shared") < modes.index("cold"):
                    report_process(config)  # unmeasured: a poller ran
                if mode == "cold":
                    clear[label]()
                server = server_cpu()
                wall, cpu = report_process(config, unshared=mode == "main path")
                found.setdefault(("report", label, mode), []).append((wall, cpu + server_cpu() - server))
            if no_tui:
                continue
            for mode in modes:  # the TUI's first frame: analysed (main), cold (analysed, stored), shared
                if mode == "cold":
                    clear[label]()
                if mode == "shared":
                    refresh_process(config)  # unmeasured: a poller ran (a no-op when one is stored)
                frame = timed_first_frame(config, whole="unshared" if mode == "main path" else False)
                found.setdefault(("tui", label, mode), []).append(frame)
        loads.append(os.getloadavg())
        print(f"  round {n + 1} done, load {loads[-1][0]:.1f}", flush=True)
    print(f"  load averages (1, 5, 15 min) from {loads[0][0]:.1f}/{loads[0][1]:.1f}/{loads[0][2]:.1f} to "
          f"{loads[-1][0]:.1f}/{loads[-1][1]:.1f}/{loads[-1][2]:.1f}; 1-min range "
          f"{min(x[0] for x in loads):.1f}-{max(x[0] for x in loads):.1f}", flush=True)  # fmt: skip
    for what in ("report", "tui"):
        for mode in SHARED_MODES:
            for label in configs:
                runs = found.get((what, label, mode))
                if runs:
                    wall, cpu = min(runs)
                    print(f"  {what:<6} {label:<10} {mode:<9}: wall {wall:6.2f} s, CPU {cpu:6.2f} s "
                          f"(best of {len(runs)}; walls {', '.join(f'{w:.2f}' for w, _ in runs)})", flush=True)  # fmt: skip
            small, team = found.get((what, "SQLite", mode)), found.get((what, "PostgreSQL", mode))
            if small and team:
                (s_wall, s_cpu), (p_wall, p_cpu) = min(small), min(team)
                verdict = "MET" if p_wall / s_wall <= 2 else "MISSED"
                print(f"  {what} {mode}: PostgreSQL / SQLite {p_wall / s_wall:.2f}× wall ({verdict}), "
                      f"{p_cpu / s_cpu:.2f}× CPU", flush=True)  # fmt: skip


def measure(server: Any, sqlite_path: Path, tmp: Path, args: argparse.Namespace) -> None:
    configs = {
        "SQLite": store_config(tmp, "sqlite", f'[store]\npath = "{sqlite_path}"'),
        "PostgreSQL": store_config(tmp, "pg", f'[store]\nurl = "{server.url("team")}"'),
    }
    if args.shared:
        print(
            f"shared analysis rounds: machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        shared_pairs(configs, clear_snapshots(sqlite_path, server.url("team")), args.shared, args.no_tui)
        return
    if args.pairs:
        print(f"lean read pairs: machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
        lean_pairs(configs, args.pairs, args.no_tui)
        return
    if args.sqlite_same:
        configs["SQLite same"] = store_config(tmp, "same", f'[store]\npath = "{args.sqlite_same}"')
    since = analysis_lookback(Config(window_days=WINDOW), WINDOW)(TODAY, None)
    assert since is not None
    print(f"7-day report, lookback {(TODAY - since).days + 1} days of {args.days}; best of {args.runs}; "
          f"machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    with SqliteStore(sqlite_path) as sqlite:
        report_parts(sqlite, 1)  # once unmeasured: the first analysis imports and compiles
        small_sqlite = report_figures("SQLite", sqlite, args.sqlite_ips, args.runs, before=args.before)
    with PostgresStore(server.url("team")) as team:
        team_pg = report_figures("PostgreSQL", team, args.pg_ips, args.runs, before=args.before)
        csv_read = csv_copy_read(team, since)
        print(f"    baseline, the read through CSV COPY (last round's path): {csv_read:6.2f} s "
              f"({csv_read / team_pg['now'][0]:.2f}× this read)", flush=True)  # fmt: skip
        if args.before:
            old_read = per_row_read(team, since)
            print(f"    baseline, one record object per row (the first path): {old_read:6.2f} s", flush=True)
    if args.sqlite_same:
        if not args.sqlite_same.exists():
            print(f"filling {args.sqlite_same}: {args.pg_ips} IPs × {args.same_days or args.days} days …")
            print(f"  {fill_sqlite_in_sql(args.sqlite_same, args.pg_ips, args.same_days or args.days):.0f} s")
        with SqliteStore(args.sqlite_same) as same:
            same_sqlite = report_figures("SQLite", same, args.pg_ips, args.runs)
        (s_read, s_analyse), (p_read, p_analyse) = same_sqlite["now"], team_pg["now"]
        (c_read, c_analyse), (q_read, q_analyse) = same_sqlite["now cpu"], team_pg["now cpu"]
        print(f"    PostgreSQL against SQLite at the same size ({args.pg_ips:,} IPs): read + analysis "
              f"{(p_read + p_analyse) / (s_read + s_analyse):.2f}× wall (read {p_read / s_read:.2f}×), "
              f"{(q_read + q_analyse) / (c_read + c_analyse):.2f}× CPU incl. the server "
              f"(read {q_read / c_read:.2f}×)", flush=True)  # fmt: skip
        if args.lean:
            (s_read, s_analyse), (p_read, p_analyse) = same_sqlite["lean"], team_pg["lean"]
            print(f"    and in two steps (lean + context): {(p_read + p_analyse) / (s_read + s_analyse):.2f}× wall",
                  flush=True)  # fmt: skip
    if args.small:
        with PostgresStore(server.url("small")) as small:
            small_pg = report_figures("PostgreSQL", small, args.sqlite_ips, args.runs)
        print(f"    PostgreSQL at SQLite's size reads in {small_pg['now'][0] / small_sqlite['now'][0]:.2f}× "
              "SQLite's time", flush=True)  # fmt: skip
    processes = {
        label: report_process(config, unshared=True) for label, config in configs.items()
    }  # analysed
    for label, (wall, cpu) in processes.items():
        ips = args.sqlite_ips if label == "SQLite" else args.pg_ips
        print(f"  {label:<10} {ips:>6} IPs, `ipdash report --window {WINDOW}` process: {wall:6.2f} s wall, "
              f"{cpu:6.2f} s CPU (its own, without the server's)", flush=True)  # fmt: skip
    print(f"\nTARGET 7-day report, PostgreSQL {args.pg_ips:,} IPs / SQLite {args.sqlite_ips:,} IPs "
          f"(× {args.days} days × 4 providers), target ≤ 2×:")  # fmt: skip
    for name in ("before", "now", "lean") if args.before else ("now", "lean") if args.lean else ("now",):
        (s_read, s_analyse), (p_read, p_analyse) = small_sqlite[name], team_pg[name]
        ratio = (p_read + p_analyse) / (s_read + s_analyse)
        print(f"  read + analysis ({name}): SQLite {s_read + s_analyse:6.2f} s, PostgreSQL "
              f"{p_read + p_analyse:6.2f} s: {ratio:.2f}× ({'MET' if ratio <= 2 else 'MISSED'}); "
              f"read only {p_read / s_read:.2f}×, analysis only {p_analyse / s_analyse:.2f}×", flush=True)  # fmt: skip
        (s_read, s_analyse), (p_read, p_analyse) = small_sqlite[f"{name} cpu"], team_pg[f"{name} cpu"]
        print(f"  CPU seconds (client + server) ({name}): SQLite {s_read + s_analyse:6.2f} s, PostgreSQL "
              f"{p_read + p_analyse:6.2f} s: {(p_read + p_analyse) / (s_read + s_analyse):.2f}×; read only "
              f"{p_read / s_read:.2f}×, analysis only {p_analyse / s_analyse:.2f}×", flush=True)  # fmt: skip
    (s_wall, s_cpu), (p_wall, p_cpu) = processes["SQLite"], processes["PostgreSQL"]
    print(f"  whole `ipdash report` process: {p_wall / s_wall:.2f}× wall "
          f"({'MET' if p_wall / s_wall <= 2 else 'MISSED'}), {p_cpu / s_cpu:.2f}× CPU", flush=True)  # fmt: skip
    if "SQLite same" in processes:
        same_wall, same_cpu = processes["SQLite same"]
        print(f"  whole process against SQLite at the same size: {p_wall / same_wall:.2f}× wall, "
              f"{p_cpu / same_cpu:.2f}× CPU", flush=True)  # fmt: skip
    if not args.no_tui:
        print("\nTUI, [store]-only config, process start to the first frame with data:")
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
            if ("SQLite same", whole) in frames:
                print(
                    f"  against SQLite at the same size: {frames['PostgreSQL', whole] / frames['SQLite same', whole]:.2f}×"
                )
        with SqliteStore(sqlite_path) as sqlite:
            print("\nSQLite whole-history read in a thread, longest event-loop stall:")
            for label, chunk in (("one chunk (before)", 10**9), ("chunked (now)", rows.STAT_CHUNK)):
                took, stall = read_stall(sqlite, chunk)
                print(f"  {label:<18}: read {took:6.2f} s, stall {stall * 1000:6.0f} ms", flush=True)
    if not args.incremental:
        return
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
