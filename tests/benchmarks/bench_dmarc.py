"""Benchmark of issue 15: ingest of 10,000 DMARC aggregate reports vs a bare XML parse of the same files.

    python tests/benchmarks/bench_dmarc.py [--reports N] [--records R] [--repeat K] [--keep DIR]

Generates N reports (default 10,000) in a temp folder, shaped like the big reporters' (a third each:
Google .zip, Microsoft .xml.gz, Yahoo .xml.gz in the DMARCbis namespace), R records each (default 12,
for 60 source IPs, a few failing), then measures in the same run, each in a fresh interpreter, K
alternated pairs:

(a) baseline: open and unpack every file the same way (gzip / zipfile) and ``xml.etree.ElementTree``
    parse it whole, touching every ``<record>`` (no safety, no aggregation);
(b) ``ipdash.sources.dmarc.load.load_dmarc`` on the folder (DTD refusal, size bounds, streaming
    past 4 MiB, duplicate check, aggregation per day, IP, reporter and From domain);

and prints reports/s, records/s, the median per-pair ratio (b)/(a), and each side's peak RSS
(``ru_maxrss``) with its increase over an interpreter that imported the same modules and did nothing.

Targets: ratio ≤ 2×, peak RSS increase ≤ 100 MB (streaming: one record in memory at a time).
Exit status 0 when both are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

TARGET_RATIO = 2.0
TARGET_RSS_MB = 100.0
BEGIN = 1795132800  # 2026-11-20 00:00 UTC

HEADS = {
    "google": ("<feedback>", "google.com", "noreply-dmarc-support@google.com"),
    "microsoft": (
        '<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        "Outlook.com",
        "dmarcreport@microsoft.com",
    ),
    "yahoo": (
        '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"><version>1.0</version>',
        "Yahoo",
        "dmarchelp@yahooinc.com",
    ),
}


def report(reporter: str, number: int, records: int, rng: random.Random) -> bytes:
    head, org, email = HEADS[reporter]
    day = BEGIN - 86400 * (number % 30)
    rows = []
    for _ in range(records):
        ip = f"198.51.100.{rng.randrange(60)}"
        ok = rng.random() > 0.03
        verdict = "pass" if ok else "fail"
        rows.append(
            f"<record><row><source_ip>{ip}</source_ip><count>{rng.randrange(1, 5000)}</count>"
            f"<policy_evaluated><disposition>none</disposition><dkim>{verdict}</dkim><spf>{verdict}</spf>"
            "</policy_evaluated></row><identifiers><header_from>acme-shop.example</header_from></identifiers>"
            f"<auth_results><dkim><domain>acme-shop.example</domain><selector>s1</selector><result>{verdict}</result>"
            "</dkim><spf><domain>bounce.acme-shop.example</domain><result>pass</result></spf></auth_results></record>"
        )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}<report_metadata><org_name>{org}</org_name>'
        f"<email>{email}</email><report_id>{reporter}-{number}</report_id><date_range><begin>{day}</begin>"
        f"<end>{day + 86399}</end></date_range></report_metadata><policy_published><domain>acme-shop.example"
        "</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>"
        + "".join(rows)
        + "</feedback>\n"
    )
    return text.encode()


def generate(folder: Path, reports: int, records: int) -> None:
    rng = random.Random(15)
    for number in range(reports):
        reporter = ("google", "microsoft", "yahoo")[number % 3]
        data = report(reporter, number, records, rng)
        name = f"{reporter}!acme-shop.example!{number}"
        if reporter == "google":
            with zipfile.ZipFile(folder / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(f"{name}.xml", data)
        else:
            (folder / f"{name}.xml.gz").write_bytes(gzip.compress(data, mtime=0))


PRELUDE = """
import gzip, json, resource, sys, time, zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
from ipdash.domain.receiver import ReceiverData
from ipdash.sources.dmarc.load import load_dmarc
folder = Path(sys.argv[1])
"""
BASELINE = """
start = time.perf_counter()
records = 0
for path in sorted(folder.iterdir()):
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            data = archive.read(archive.infolist()[0])
    else:
        data = gzip.decompress(path.read_bytes())
    root = ET.fromstring(data)
    records += sum(1 for element in root.iter() if element.tag.rpartition("}")[2] == "record")
seconds = time.perf_counter() - start
"""
IPDASH = """
start = time.perf_counter()
receiver = ReceiverData()
load = load_dmarc([folder], receiver)
seconds = time.perf_counter() - start
records = load.records
assert not load.errors, load.errors[:3]
"""
IDLE = "seconds, records = 0.0, 0\n"
REPORT = """
print(json.dumps({"seconds": seconds, "records": records,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(body: str, folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PRELUDE + body + REPORT, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="generate into (or reuse) this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp) / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        if not any(folder.iterdir()):
            generate(folder, args.reports, args.records)
        size = sum(path.stat().st_size for path in folder.iterdir())
        print(f"{args.reports:,} reports × {args.records} records, {size / 1e6:.1f} MB on disk")
        idle = run(IDLE, folder)
        pairs = [(run(BASELINE, folder), run(IPDASH, folder)) for _ in range(args.repeat)]
    ratio = statistics.median(ours["seconds"] / base["seconds"] for base, ours in pairs)
    base = min((pair[0] for pair in pairs), key=lambda r: r["seconds"])
    ours = min((pair[1] for pair in pairs), key=lambda r: r["seconds"])
    for label, figures in (("bare ElementTree parse", base), ("ipdash load_dmarc", ours)):
        print(
            f"{label:<24} {figures['seconds']:6.2f} s  {args.reports / figures['seconds']:8,.0f} reports/s  "
            f"{figures['records'] / figures['seconds']:9,.0f} records/s  peak RSS {figures['rss_mb']:6.1f} MB "
            f"(+{figures['rss_mb'] - idle['rss_mb']:.1f} over idle {idle['rss_mb']:.1f} MB)"
        )
    grown = ours["rss_mb"] - idle["rss_mb"]
    print(f"ratio (median of {args.repeat} alternated pairs): {ratio:.2f}× (target ≤ {TARGET_RATIO}×)")
    print(f"peak RSS increase: {grown:.1f} MB (target ≤ {TARGET_RSS_MB:.0f} MB)")
    return 0 if ratio <= TARGET_RATIO and grown <= TARGET_RSS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
