"""The hostile-input campaign of issue 18, whole: every probe of ``hostile_catalogue`` (CSV values and
shapes, escape injection, configs, provider API answers, damaged stores) and kill -9 cycles of the
poll daemon, all against files and servers on 127.0.0.1.

    python tests/benchmarks/hostile_campaign.py [--only CATEGORY] [--kill-cycles 12] [--verbose]

Prints, per category, the inputs tried and how many crashed, printed a traceback, leaked a credential,
lost data, let a control character out or gave the wrong exit code; then the failing probes with why.
Exit 1 when any count is not zero.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from providers.fakeapi import FakeApi, Reply, Seen
from providers.hostile_catalogue import COUNTS, ENV, Outcome, Probe, all_probes, secret_forms

KILL_CONFIG = """
[store]
path = "history.sqlite3"
retention_days = 36500

[[sources]]
kind = "sendgrid"
name = "sg"
api_key_env = "TEST_SG_KEY"
base_url = "{url}"
interval = "10s"
"""


def kill_cycles(api: FakeApi, cycles: int, work: Path) -> list[tuple[Probe, Outcome]]:
    """The poll daemon killed with SIGKILL at a random moment, again and again on one store: after each
    kill the store opens, passes PRAGMA integrity_check, and keeps every poll it reported saved."""
    size = 200
    api.routes.clear()

    def ips(seen: Seen) -> Reply:
        offset = int(seen.query.get("offset", ["0"])[0])
        if offset > 0:  # one page (shorter than page_size: the last)
            return Reply(json=[])
        return Reply(
            json=[{"ip": f"198.51.{(offset + n) // 250}.{(offset + n) % 250 + 1}"} for n in range(size)]
        )

    api.route("GET", "/v3/ips", ips)
    api.route("GET", "/v3/stats", Reply(json=[]))
    config = work / "config.toml"
    config.write_text(KILL_CONFIG.format(url=api.base_url))
    rng = random.Random(18)
    results = []
    reported = False  # a poll the daemon printed is one it had saved (it prints after the write)
    for cycle in range(cycles):
        outcome = Outcome()
        process = subprocess.Popen(
            [sys.executable, "-m", "ipdash", "poll", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TEST_SG_KEY": "sg-kill-secret"},
            cwd=work,
        )
        time.sleep(rng.uniform(1.0, 8.0))
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate()
        reported = reported or " sg ✓ ok".encode() in out
        if b"Traceback" in out + err:
            outcome.traceback = True
        if b"sg-kill-secret" in out + err:
            outcome.leaked = True
        if process.returncode != -signal.SIGKILL:
            outcome.crashed = True
            outcome.notes.append(f"exited {process.returncode} before the kill: {err.decode()[-200:]}")
        store = work / "history.sqlite3"
        facts, state = 0, "ok"
        try:
            if store.exists():
                with sqlite3.connect(store) as db:
                    state = db.execute("PRAGMA integrity_check").fetchone()[0]
                    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
                    if "ip_facts" in tables:
                        facts = db.execute("SELECT count(*) FROM ip_facts").fetchone()[0]
        except sqlite3.Error as error:
            state = str(error)
        if state != "ok":
            outcome.lost = True
            outcome.notes.append(f"integrity_check: {state}")
        if reported and facts < size:
            outcome.lost = True
            outcome.notes.append(f"{facts} IPs after a reported poll, not {size}")
        outcome.notes.append("killed after a reported poll" if reported else "killed before any poll")
        results.append(
            (Probe("kill -9 cycles", f"cycle {cycle + 1}", lambda tmp, api, done=outcome: done), outcome)
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="one category")
    parser.add_argument("--kill-cycles", type=int, default=12)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ipdash-campaign-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(root / name.lower())
    os.environ.pop("IPDASH_CONFIG", None)
    os.environ.update(ENV)
    probes = [p for p in all_probes() if args.only in (None, p.category)]
    results: list[tuple[Probe, Outcome]] = []
    started = time.monotonic()
    with FakeApi() as api:
        for index, probe in enumerate(probes):
            work = root / f"probe-{index}"
            work.mkdir()
            try:
                outcome = probe.run(work, api)
            except Exception as error:  # the probe's own set-up failed: shown, not counted against ipdash
                outcome = Outcome(notes=[f"probe error: {type(error).__name__}: {error}"[:200]])
            results.append((probe, outcome))
            if args.verbose:
                print(f"{probe.id}: {outcome.failures() or 'ok'}", flush=True)
        if args.kill_cycles and args.only in (None, "kill -9 cycles"):
            work = root / "kill"
            work.mkdir()
            results += kill_cycles(api, args.kill_cycles, work)
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    for probe, outcome in results:
        by_category[probe.category]["inputs"] += 1
        for name in outcome.failures():
            by_category[probe.category][name] += 1
    columns = ("inputs", *COUNTS)
    print(f"\n{'category':<18}" + "".join(f"{c:>{len(c) + 2}}" for c in columns))
    total: Counter[str] = Counter()
    for category, counts in by_category.items():
        total.update(counts)
        print(f"{category:<18}" + "".join(f"{counts[c]:>{len(c) + 2}}" for c in columns))
    print(f"{'total':<18}" + "".join(f"{total[c]:>{len(c) + 2}}" for c in columns))
    print(f"\n{time.monotonic() - started:.0f} s; secret spellings checked: {len(secret_forms())}")
    failing = [(probe, outcome) for probe, outcome in results if outcome.failures()]
    errors = [
        (probe, outcome) for probe, outcome in results if any("probe error" in n for n in outcome.notes)
    ]
    for probe, outcome in failing + errors:
        print(
            f"- {probe.id}: {', '.join(outcome.failures()) or 'probe error'}: {'; '.join(outcome.notes)[:300]}"
        )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
