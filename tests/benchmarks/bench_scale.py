"""Benchmark of issue 10: ipdash at 1k and 10k IPs on one machine.

    python tests/benchmarks/bench_scale.py [--ips 1000 10000] [--runs 2] [--keep DIR] [--no-split] [--before SRC]

Generates a realistic stats CSV per size (every IP sending daily to 4 mailbox
providers for 90 days; a few IPs with complaint trouble, some quiet weekends,
no warm-up plans), then measures:

(a) a bare ``csv.reader`` pass over the file in a fresh interpreter (the baseline);
(b) the whole process ``ipdash report --csv FILE --format json``: wall time and
    peak RSS (from ``wait4``), with the ratio (b)/(a) printed beside it;
(c) in one fresh interpreter, the split: load, analyse, warm-up assessment.

Runs of (a) and (b) alternate; the median of ``--runs`` counts. ``--before SRC`` also runs (b)
on another source root in each round, its order alternated with this tree's (e.g. ``git archive
main tui | tar -x -C /tmp/before`` and ``--before /tmp/before/tui``): before/now in the same run.
Targets: 10k IPs ≤ 15 s and ≤ 1 GB peak RSS; 1k IPs ≤ 3 s. Exit 0 when met.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

DAYS = 90
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "other")
FIRST_DAY = date(2026, 6, 1)
HEADER = ("date", "ip", "mailbox_provider", "sent", "delivered", "bounced", "complaints", "unsubscribes")
TARGETS = {1000: (3.0, None), 10000: (15.0, 1024.0)}  # seconds, peak MB


def generate(path: Path, ips: int, seed: int = 10) -> int:
    rng = random.Random(seed)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for index in range(ips):
            ip = f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"
            base = rng.randint(200, 20_000)
            troubled = rng.random() < 0.03
            for offset in range(DAYS):
                day = FIRST_DAY + timedelta(days=offset)
                quiet = 0.4 if day.weekday() >= 5 else 1.0
                for share, provider in zip((0.45, 0.25, 0.15, 0.15), PROVIDERS, strict=True):
                    sent = max(1, int(base * share * quiet * rng.uniform(0.8, 1.2)))
                    bounced = rng.randint(0, sent // 50)
                    complaint_scale = 300 if troubled and offset > 60 else 3000
                    writer.writerow(
                        (
                            day.isoformat(),
                            ip,
                            provider,
                            sent,
                            sent - bounced,
                            bounced,
                            rng.randint(0, sent // complaint_scale + 1) if rng.random() < 0.3 else 0,
                            rng.randint(0, sent // 1000 + 1),
                        )
                    )
                    rows += 1
    return rows


# --- measurements in fresh interpreters -------------------------------------------------------


def timed_child(command: list[str], source: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS MB and exit status of one child process (``source``: a source root
    imported instead of this one)."""
    env = None
    if source is not None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")])}
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    assert child.stderr is not None
    error = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}:\n{error[-2000:]}")
    peak_mb = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return elapsed, peak_mb, code


def bare_command(path: Path) -> list[str]:
    code = (
        "import csv, sys\n"
        f"with open({str(path)!r}, newline='', encoding='utf-8') as h:\n"
        "    sum(1 for _ in csv.reader(h))\n"
    )
    return [sys.executable, "-c", code]


def report_command(path: Path) -> list[str]:
    run = "import sys; from ipdash.cli import main; sys.argv[0] = 'ipdash'; main()"
    return [sys.executable, "-c", run, "report", "--csv", str(path), "--format", "json"]


def split(path: Path) -> dict[str, float]:
    """load / analyse / warm-up assessment, timed in this (fresh) interpreter."""
    from ipdash.domain.analysis import analyse, analysis_window
    from ipdash.domain.config import Config, CsvFile
    from ipdash.domain.warmup import assess_all
    from ipdash.sources.loader import LoadPlan, load_dataset
    from ipdash.sources.reference_data import threshold_presets

    config = Config()
    presets = threshold_presets()
    figures: dict[str, float] = {}
    started = time.perf_counter()
    dataset = load_dataset(LoadPlan(csv=(CsvFile(path=path),), config=config))
    figures["load"] = time.perf_counter() - started
    started = time.perf_counter()
    result = analyse(dataset, config, presets, window=analysis_window(dataset, config.window_days))
    figures["analyse"] = time.perf_counter() - started
    started = time.perf_counter()
    assess_all(dataset, config, presets, today=result.window.end if result.window else None)
    figures["warm-up"] = time.perf_counter() - started
    figures["ips"] = float(len(result.ips))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ips", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--runs", type=int, default=2, help="alternated runs of (a) and (b); the median counts"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write (and reuse) the CSVs here")
    parser.add_argument(
        "--no-split", action="store_true", help="skip the in-process load/analyse/warm-up split"
    )
    parser.add_argument(
        "--before", type=Path, default=None, help="a source root to run (b) on too, alternated"
    )
    parser.add_argument("--split", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before is not None:
        from before_tree import package_root  # beside this script: run as one, it is on sys.path

        args.before = package_root(args.before)
    if args.split:
        print(json.dumps(split(args.split)))
        return 0
    met = True
    with tempfile.TemporaryDirectory(prefix="ipdash-scale-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for ips in args.ips:
            path = folder / f"stats-{ips}-ips.csv"
            if not path.exists():
                started = time.perf_counter()
                rows = generate(path, ips)
                print(
                    f"generated {path.name}: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
                    f"in {time.perf_counter() - started:.0f} s"
                )
            bare_runs, report_runs, before_runs = [], [], []
            for index in range(args.runs):
                bare_runs.append(timed_child(bare_command(path)))
                if args.before is not None and index % 2 == 0:
                    before_runs.append(timed_child(report_command(path), args.before))
                report_runs.append(timed_child(report_command(path)))
                if args.before is not None and index % 2 == 1:
                    before_runs.append(timed_child(report_command(path), args.before))
            bare = statistics.median(run[0] for run in bare_runs)
            wall = statistics.median(run[0] for run in report_runs)
            peak = max(run[1] for run in report_runs)
            limit_s, limit_mb = TARGETS.get(ips, (None, None))
            ok = (limit_s is None or wall <= limit_s) and (limit_mb is None or peak <= limit_mb)
            met = met and ok
            target = " / ".join(
                part
                for part in (f"≤ {limit_s:g} s" if limit_s else "", f"≤ {limit_mb:g} MB" if limit_mb else "")
                if part
            )
            print(
                f"{ips:>6} IPs  (a) csv.reader {bare:6.2f} s   (b) report --format json {wall:6.2f} s "
                f"({wall / bare:.1f}× a), peak RSS {peak:6.0f} MB   target {target or '-'}: "
                f"{'met' if ok else 'MISSED'}"
            )
            if before_runs:
                before_wall = statistics.median(run[0] for run in before_runs)
                before_peak = max(run[1] for run in before_runs)
                print(
                    f"{'':>6}       --before: report {before_wall:6.2f} s, peak RSS {before_peak:6.0f} MB; "
                    f"now/before: time {wall / before_wall:.2f}×, peak {peak / before_peak:.2f}×"
                )
            if not args.no_split:
                done = subprocess.run(
                    [sys.executable, __file__, "--split", str(path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"split failed:\n{done.stderr[-2000:]}")
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                print(
                    f"{'':>6}       split: load {figures['load']:.2f} s, analyse {figures['analyse']:.2f} s, "
                    f"warm-up {figures['warm-up']:.2f} s ({figures['ips']:.0f} IPs)"
                )
    print(f"median of {args.runs} alternated run(s); the machine is shared, so figures are noisy")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
