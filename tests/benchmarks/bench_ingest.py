"""Benchmark (1) of issue 2: ingest of a large stats CSV vs a bare ``csv.reader`` pass.

    python tests/benchmarks/bench_ingest.py [--rows N] [--repeat K] [--keep DIR] [--breakdown] [--profile]
                                            [--flagged] [--before SRC]

Generates a realistic hourly stats export in a temp dir (shape: 100 sending IPs
× 4 recipient domains per IP-hour × 120 days × 21 sending hours a day; the
file is cut at N rows, default 1,000,000, i.e. ~21 rows per (day, IP, mailbox
provider) key), then measures in the same run, each in a fresh interpreter:

(a) a bare ``csv.reader`` pass over the file (iterate the rows, nothing else);
(b) ``ipdash.sources.csv_stats.read_csv_file`` on it: wall time, rows/s;
the ratio (b)/(a); and the peak RSS of (b) and its increase over a baseline
interpreter that imported the same modules and did nothing.

Targets: ratio ≤ 2× (median over alternated pairs), peak RSS ≤ 300 MB (issue 10). ``--breakdown`` re-times the row loop step by step
(cProfile sees it as one function); ``--profile`` adds a cProfile of (b).
``--flagged`` also reads a copy of the file with one bad row halfway down (the engine pass
declines it, the row reader reports the row): time and peak RSS, no target.
``--before SRC`` runs (b) (and the flagged read) on another source root too, alternated with
this tree's in each pair (e.g. ``git archive main tui | tar -x -C /tmp/before`` and
``--before /tmp/before/tui``): before/now figures from the same run.
Exit status 0 when both targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

IPS = 100
DAYS = 120
HOURS_PER_DAY = 21
RECIPIENT_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com", "example.org", "aol.com", "live.com")
DOMAINS_PER_IP_HOUR = 4
FIRST_DAY = date(2026, 7, 24)
HEADER = (
    "timestamp",
    "sending_ip",
    "recipient_domain",
    "processed",
    "delivered",
    "hard_bounces",
    "soft_bounces",
    "spam_reports",
    "unsubscribes",
    "unique_opens",
    "unique_clicks",
)
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 300.0


def generate(path: Path, rows: int, seed: int = 2) -> int:
    """Write ``rows`` data rows in export order (hour by hour); return the count written."""
    rng = random.Random(seed)
    ips = [f"10.{i // 250}.{i % 250}.{10 + i % 7}" for i in range(IPS)]
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for day_offset in range(DAYS):
            day = (FIRST_DAY + timedelta(days=day_offset)).isoformat()
            for hour in range(HOURS_PER_DAY):
                stamp = f"{day}T{hour + 2:02d}:00:00+00:00"
                batch = []
                for ip in ips:
                    for domain in rng.sample(RECIPIENT_DOMAINS, DOMAINS_PER_IP_HOUR):
                        sent = rng.randint(20, 900)
                        hard = rng.randint(0, sent // 60)
                        soft = rng.randint(0, sent // 80)
                        delivered = sent - hard - soft
                        opens = rng.randint(0, delivered // 3)
                        batch.append(
                            (
                                stamp,
                                ip,
                                domain,
                                sent,
                                delivered,
                                hard,
                                soft,
                                rng.randint(0, 1) if rng.random() < 0.05 else 0,
                                rng.randint(0, 3),
                                opens,
                                rng.randint(0, opens // 5 + 1) if opens else 0,
                            )
                        )
                take = min(len(batch), rows - written)
                writer.writerows(batch[:take])
                written += take
                if written >= rows:
                    return written
    return written


# --- measurements, each run in a fresh interpreter -------------------------------------------


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(mode: str, path: Path | None, profile_out: Path | None = None) -> dict[str, float]:
    # Every mode imports the same modules, so the baseline is a fair zero.
    from ipdash.sources.csv_stats import read_csv_file

    rows = 0
    started = time.perf_counter()
    if mode == "baseline":
        pass
    elif mode == "csv-reader":
        assert path is not None
        with path.open(newline="", encoding="utf-8") as handle:
            for _row in csv.reader(handle):
                rows += 1
        rows -= 1  # the header
    elif mode.startswith("stage-"):
        assert path is not None
        rows = stage_pass(path, int(mode.removeprefix("stage-")))
    elif mode == "ingest-flagged":
        assert path is not None
        result = read_csv_file(path)
        rows = result.rows
        if result.error_count != 1:
            raise SystemExit(f"expected one row error, got {result.error_count}: {result.errors[:3]}")
    elif mode == "ingest":
        assert path is not None
        if profile_out is not None:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(read_csv_file, path)
            profiler.dump_stats(str(profile_out))
        else:
            result = read_csv_file(path)
        rows = result.rows
        if result.error_count:
            raise SystemExit(f"unexpected row errors: {result.errors[:3]}")
    else:
        raise SystemExit(f"unknown mode {mode}")
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": rows, "peak_mb": _peak_rss_mb()}


#: read_csv_file's row loop re-built one step at a time (cumulative), to show where the time goes.
STAGES = (
    "csv.reader alone",
    "+ count cells to ints (memo)",
    "+ day / IP / provider lookups, key",
    "+ checks (negative, delivered ≤ sent)",
    "+ fold into per-key sums",
)


def stage_pass(path: Path, stage: int) -> int:
    """The hot loop's common path (every cache hit, every row good) up to ``stage``."""
    from operator import add, itemgetter

    counts_of = itemgetter(*range(3, len(HEADER)))
    memo: dict[str, int] = {}
    dates: dict[str, str] = {}
    ips: dict[str, str] = {}
    providers: dict[str, str] = {}
    sums: dict[tuple[str, str, str], list[int]] = {}
    rows = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            rows += 1
            if stage < 1:
                continue
            cells = counts_of(row)
            try:
                counts = list(map(memo.__getitem__, cells))
            except KeyError:
                counts = list(map(int, cells))
                memo.update(zip(cells, counts, strict=True))
            if stage < 2:
                continue
            try:
                key = (dates[row[0]], ips[row[1]], providers[row[2]])
            except KeyError:
                key = (
                    dates.setdefault(row[0], row[0][:10]),
                    ips.setdefault(row[1], row[1]),
                    providers.setdefault(row[2], row[2]),
                )
            if stage < 3:
                continue
            if min(counts) < 0 or counts[1] > counts[0]:
                raise SystemExit(f"bad row {row}")
            if stage < 4:
                continue
            previous = sums.get(key)
            if previous is None:
                sums[key] = counts
            else:
                previous[:] = map(add, previous, counts)
    return rows


def print_breakdown(path: Path, repeat: int, bare_seconds: float) -> None:
    print("\nwhere the time goes (the row loop re-built step by step, cumulative):")
    print(f"{'step':<40}{'wall s':>9}{'added s':>9}{'× bare':>8}")
    before = 0.0
    for stage, label in enumerate(STAGES):
        seconds = best_of(f"stage-{stage}", path, repeat)["seconds"]
        print(f"{label:<40}{seconds:>9.2f}{seconds - before:>9.2f}{seconds / bare_seconds:>8.2f}")
        before = seconds


def flag_one_row(path: Path, flagged: Path) -> int:
    """A copy of ``path`` whose middle data row has a sent cell that is no number; its line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    cells = lines[middle].split(",")
    cells[3] = "n/a"
    lines[middle] = ",".join(cells)
    flagged.write_text("".join(lines), encoding="utf-8")
    return middle + 1


def run_child(
    mode: str, path: Path | None, profile_out: Path | None = None, source: Path | None = None
) -> dict[str, float]:
    """One measurement in a fresh interpreter; ``source``: a source root imported instead of this one."""
    import os

    env = None
    if source is not None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, __file__, "--measure", mode]
    if path is not None:
        command += ["--file", str(path)]
    if profile_out is not None:
        command += ["--profile-out", str(profile_out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stdout}{done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def best_of(mode: str, path: Path, repeat: int) -> dict[str, float]:
    runs = [run_child(mode, path) for _ in range(repeat)]
    fastest = min(runs, key=lambda figures: figures["seconds"])
    return {**fastest, "peak_mb": max(figures["peak_mb"] for figures in runs)}


def paired(
    path: Path, pairs: int, before: Path | None = None
) -> tuple[dict[str, float], dict[str, float], float, dict[str, float] | None]:
    """Alternate (a) and (b) ``pairs`` times; the ratio is the median of the per-pair ratios, so
    load that comes and goes on a shared machine weighs on both halves of a pair. With ``before``,
    each pair also runs (b) on that source root, and the last item is its median run."""
    import statistics

    bare_runs, ingest_runs, before_runs = [], [], []
    for index in range(pairs):
        order = ["csv-reader", "ingest"] + (["before"] if before is not None else [])
        if index % 2:
            order.reverse()
        done = {
            mode: run_child("ingest", path, source=before) if mode == "before" else run_child(mode, path)
            for mode in order
        }
        bare_runs.append(done["csv-reader"])
        ingest_runs.append(done["ingest"])
        if before is not None:
            before_runs.append(done["before"])
    ratio = statistics.median(
        b["seconds"] / a["seconds"] for a, b in zip(bare_runs, ingest_runs, strict=True)
    )
    return (
        median_run(bare_runs),
        median_run(ingest_runs),
        ratio,
        median_run(before_runs) if before_runs else None,
    )


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median time, with the largest peak RSS of all the runs."""
    middle = sorted(runs, key=lambda figures: figures["seconds"])[len(runs) // 2]
    return {**middle, "peak_mb": max(figures["peak_mb"] for figures in runs)}


def print_flagged(path: Path, repeat: int, before: Path | None) -> None:
    flagged = path.with_name("stats-hourly-flagged.csv")
    line = flag_one_row(path, flagged)
    sources: list[tuple[str, Path | None]] = [("now", None)] + ([("before", before)] if before else [])
    runs: dict[str, list[dict[str, float]]] = {label: [] for label, _source in sources}
    for index in range(repeat):
        for label, source in sources if index % 2 == 0 else sources[::-1]:
            runs[label].append(run_child("ingest-flagged", flagged, source=source))
    print(f"\nthe same file with one bad row (line {line}): engine pass declines, row reader reports it")
    for label, _source in sources:
        figures = median_run(runs[label])
        print(f"  {label:<8}{figures['seconds']:>9.2f} s{figures['peak_mb']:>10.1f} MB peak RSS")


def print_profile(profile_out: Path) -> None:
    import pstats

    print("\ncProfile of read_csv_file (top 12 by own time):")
    stats = pstats.Stats(str(profile_out))
    stats.sort_stats("tottime").print_stats(12)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="alternated pairs of runs; the median ratio counts"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write the CSV here instead of a temp dir")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the ingest")
    parser.add_argument("--breakdown", action="store_true", help="also time the row loop step by step")
    parser.add_argument("--flagged", action="store_true", help="also read a copy with one bad row")
    parser.add_argument(
        "--before", type=Path, default=None, help="a source root to measure (b) on too, alternated"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before is not None:
        from before_tree import package_root  # beside this script: run as one, it is on sys.path

        args.before = package_root(args.before)
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.profile_out)))
        return 0

    with tempfile.TemporaryDirectory(prefix="ipdash-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "stats-hourly.csv"
        started = time.perf_counter()
        rows = generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(
            f"generated {rows:,} rows ({size_mb:.1f} MB; {IPS} IPs × {DOMAINS_PER_IP_HOUR} domains × "
            f"{DAYS} days × {HOURS_PER_DAY} hours) in {time.perf_counter() - started:.1f}s"
        )
        baseline = run_child("baseline", None)
        bare, ingest, ratio, before = paired(path, args.repeat, args.before)
        if ingest["rows"] != rows or bare["rows"] != rows:
            raise SystemExit(f"row counts disagree: file {rows}, csv {bare['rows']}, ingest {ingest['rows']}")
        increase = ingest["peak_mb"] - baseline["peak_mb"]
        ratio_ok = ratio <= TARGET_RATIO
        peak_ok = ingest["peak_mb"] <= TARGET_PEAK_MB
        print(f"\n{'measurement':<34}{'wall s':>9}{'rows/s':>13}{'peak RSS MB':>13}")
        print(f"{'baseline interpreter (imports)':<34}{'':>9}{'':>13}{baseline['peak_mb']:>13.1f}")
        measured = [("(a) bare csv.reader pass", bare), ("(b) read_csv_file", ingest)]
        if before is not None:
            measured.append(("(b) on --before", before))
        for label, figures in measured:
            print(
                f"{label:<34}{figures['seconds']:>9.2f}{figures['rows'] / figures['seconds']:>13,.0f}"
                f"{figures['peak_mb']:>13.1f}"
            )
        print(
            f"\nratio (b)/(a): {ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×: {'met' if ratio_ok else 'MISSED'})"
        )
        print(
            f"peak RSS of the ingest: {ingest['peak_mb']:.1f} MB, +{increase:.1f} MB over the baseline "
            f"(target ≤ {TARGET_PEAK_MB:.0f} MB: {'met' if peak_ok else 'MISSED'})"
        )
        print(
            f"{args.repeat} pair(s) of runs, (a) and (b) alternated, each in a fresh interpreter; the ratio is "
            "the median of the per-pair ratios (a busy machine slows both runs of a pair alike)"
        )
        if before is not None:
            print(
                f"now/before: time {ingest['seconds'] / before['seconds']:.2f}×, "
                f"peak RSS {ingest['peak_mb']:.1f} / {before['peak_mb']:.1f} MB"
            )
        if args.flagged:
            print_flagged(path, args.repeat, args.before)
        if args.breakdown:
            print_breakdown(path, args.repeat, bare["seconds"])
        if args.profile:
            profile_out = folder / "ingest.prof"
            run_child("ingest", path, profile_out)
            print_profile(profile_out)
    return 0 if ratio_ok and peak_ok else 1


if __name__ == "__main__":
    sys.exit(main())
