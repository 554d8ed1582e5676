"""Benchmark: ingest of a 1M-line KumoMTA log vs a bare ``json.loads`` pass over the same lines.

    python tests/benchmarks/bench_mta.py [--lines N] [--zstd] [--keep DIR]

Generates KumoMTA log records (https://docs.kumomta.com/reference/log_record/) in a temp dir: 50 IPs,
30 days, 90% Delivery, 6% TransientFailure, 4% Bounce with the providers' real reply texts (IPs and
ids varying per line); ``--zstd`` writes the segment zstd-compressed, as KumoMTA does. Then measures,
each in a fresh interpreter, in the same run:

(a) a bare pass: read the lines and ``json.loads`` each (nothing else);
(b) ``ipdash.sources.mta.reader.read_mta_log``: wall time, lines/s, the ratio (b)/(a), and the peak
    RSS of (b) and its increase over an interpreter that imported the same modules and did nothing.

Targets: ratio ≤ 4×, peak RSS increase ≤ 150 MB (streaming: memory follows the keys, not the lines).
Exit status 0 when both are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IPS = 50
DAYS = 30
FIRST_EPOCH = 1792540800  # 2026-10-21 00:00 UTC
DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "aol.com", "example.org", "icloud.com")
REPLIES = (
    (
        421,
        (4, 7, 28),
        "[{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. {id} - gsmtp",
    ),
    (
        451,
        (4, 7, 650),
        "The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [MxId={id}]",
    ),
    (
        550,
        (5, 7, 1),
        "Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). [{id}.eop-nam12.prod.protection.outlook.com]",
    ),
    (550, (5, 1, 1), "The email account that you tried to reach does not exist. {id} - gsmtp"),
    (
        421,
        (4, 7, 0),
        "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
)
TARGET_RATIO = 4.0
TARGET_RSS_INCREASE_MB = 150.0


def generate(path: Path, lines: int, *, zstd: bool = False, seed: int = 7) -> int:
    rng = random.Random(seed)
    ips = [f"10.20.{i // 250}.{10 + i % 250}" for i in range(IPS)]
    out = path.open("wb")
    writer = None
    if zstd:
        import zstandard

        writer = zstandard.ZstdCompressor(level=3).stream_writer(out)
    sink = writer if writer is not None else out
    for index in range(lines):
        ip = rng.choice(ips)
        roll = rng.random()
        kind = "Delivery" if roll < 0.90 else "TransientFailure" if roll < 0.96 else "Bounce"
        if kind == "Delivery":
            code, enhanced, text = 250, (2, 0, 0), "OK {id} - gsmtp"
        else:
            code, enhanced, text = REPLIES[rng.randrange(len(REPLIES))]
            if kind == "Bounce" and code < 500:
                code, enhanced = 550, (5, 7, 1)
        token = f"{rng.getrandbits(64):016x}"
        record = {
            "type": kind,
            "id": f"{rng.getrandbits(128):032x}",
            "sender": "bounce@news.example.com",
            "recipient": f"u{index}@{rng.choice(DOMAINS)}",
            "queue": "news@example.com",
            "site": "(alt1|alt2)?.gmail-smtp-in.l.google.com.",
            "size": rng.randrange(2000, 80000),
            "response": {
                "code": code,
                "enhanced_code": {"class": enhanced[0], "subject": enhanced[1], "detail": enhanced[2]},
                "content": text.format(ip=ip, id=token),
                "command": ".",
            },
            "peer_address": {"name": "gmail-smtp-in.l.google.com.", "addr": "142.251.2.27"},
            "timestamp": FIRST_EPOCH + index * DAYS * 86400 // lines,
            "created": FIRST_EPOCH,
            "num_attempts": 1,
            "bounce_classification": "Uncategorized",
            "egress_pool": "pool0",
            "egress_source": f"src-{ip}",
            "source_address": {
                "address": f"{ip}:{rng.randrange(1024, 65535)}",
                "protocol": None,
                "server": None,
            },
            "feedback_report": None,
            "meta": {},
            "headers": {},
            "delivery_protocol": "ESMTP",
            "reception_protocol": "ESMTP",
            "nodeid": "557f3ad4-2c8c-11ee-976e-782d7e12e173",
        }
        sink.write(json.dumps(record).encode() + b"\n")
    if writer is not None:
        writer.close()
    else:
        out.close()
    return lines


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def measure(mode: str, path: Path) -> dict[str, float]:
    import json as json_module

    from ipdash.sources.mta.lines import Line, read_lines
    from ipdash.sources.mta.reader import classifier, read_mta_log

    classifier()  # the data file, loaded in every mode
    started = time.perf_counter()
    count = 0
    if mode == "bare":
        for item in read_lines(path):
            if isinstance(item, Line):
                json_module.loads(item.text)
                count += 1
    elif mode == "ingest":
        result = read_mta_log(path, "kumomta")
        count = result.rows + result.passed_over + result.error_count
    return {"seconds": time.perf_counter() - started, "lines": count, "peak_mb": _peak_rss_mb()}


def _run(mode: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(path)], check=True, capture_output=True, text=True
    ).stdout
    measured: dict[str, float] = json.loads(output)
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--zstd", action="store_true")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ipdash-bench-mta-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("segment.zst" if args.zstd else "segment.jsonl")
    started = time.perf_counter()
    generate(path, args.lines, zstd=args.zstd)
    print(
        f"generated {args.lines:,} lines ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    idle, bare, ingest = _run("idle", path), _run("bare", path), _run("ingest", path)
    ratio = ingest["seconds"] / bare["seconds"]
    increase = ingest["peak_mb"] - idle["peak_mb"]
    print(f"bare json.loads pass : {bare['seconds']:.2f} s, {bare['lines'] / bare['seconds']:,.0f} lines/s")
    print(
        f"ipdash read_mta_log  : {ingest['seconds']:.2f} s, {ingest['lines'] / ingest['seconds']:,.0f} lines/s"
    )
    print(f"ratio                : {ratio:.2f}x (target ≤ {TARGET_RATIO}x)")
    print(
        f"peak RSS             : {ingest['peak_mb']:.0f} MB, +{increase:.0f} MB over an idle interpreter "
        f"(target ≤ +{TARGET_RSS_INCREASE_MB:.0f} MB)"
    )
    return 0 if ratio <= TARGET_RATIO and increase <= TARGET_RSS_INCREASE_MB else 1


if __name__ == "__main__":
    sys.exit(main())
