"""`ipdash metrics serve` over HTTP on a viewer's config (just the shared store), parsed back."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from ipdash.domain.models import DailyStat, IpFacts, PollResult
from ipdash.sources.store.postgres import PostgresStore


def serving_url(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """Read stderr as it comes (raw reads: no buffered lines hiding from select) until the URL shows."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(deadline - time.monotonic()):
            chunk = os.read(process.stderr.fileno(), 65536)
            if not chunk:
                raise AssertionError(f"metrics serve exited with {process.wait()}: {seen!r}")
            seen += chunk
            found = re.search(rb"serving (http://\S+/metrics)", seen)
            if found:
                return found.group(1).decode()
    raise AssertionError(f"metrics serve did not say where it listens: {seen!r}")


def test_metrics_from_the_shared_store(tmp_path: Path, pg_url: str) -> None:
    today = date.today()
    stamp = datetime.now(UTC)
    with PostgresStore(pg_url) as store:
        stats = tuple(
            DailyStat(
                today - timedelta(days=d),
                ip,
                "gmail.com",
                sent=1000,
                delivered=990,
                bounced=10,
                complaints=c,
                source="sg",
            )
            for d in range(7)
            for ip, c in (("192.0.2.1", 0), ("192.0.2.2", 5))
        )
        facts = (IpFacts("192.0.2.1", pool="tx", source="sg"), IpFacts("192.0.2.2", pool="tx", source="sg"))
        store.save_poll(PollResult("sg", "sendgrid", stamp, stats=stats, facts=facts))
    config = tmp_path / "viewer.toml"
    config.write_text(f'[store]\nurl = "{pg_url}"\n')
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ipdash",
            "metrics",
            "serve",
            "--config",
            str(config),
            "--listen",
            "127.0.0.1:0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "IPDASH_CONFIG": ""},
    )
    try:
        url = serving_url(process)
        assert url.startswith("http://127.0.0.1:")
        text = httpx.get(url, timeout=60).text
        families = {f.name: f for f in text_string_to_metric_families(text)}
        sent = {s.labels["ip"]: s.value for s in families["ipdash_ip_sent"].samples}
        assert sent == {"192.0.2.1": 7000, "192.0.2.2": 7000}
        complaints = {s.labels["ip"]: s.value for s in families["ipdash_ip_complaint_rate"].samples}
        assert complaints["192.0.2.1"] == 0 and 0 < complaints["192.0.2.2"] < 1
        assert [s.value for s in families["ipdash_pool_sent"].samples if s.labels["pool"] == "tx"] == [14000]
        [up] = families["ipdash_source_up"].samples
        assert up.labels == {"source": "sg", "kind": "sendgrid"} and up.value == 1
        assert families["ipdash_ip_sent"].type == "gauge"
        openmetrics = httpx.get(
            url, headers={"Accept": "application/openmetrics-text; version=1.0.0"}, timeout=60
        )
        assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
        assert {f.name for f in parse_openmetrics(openmetrics.text)} >= {
            "ipdash_ip_score",
            "ipdash_dropped_series",
        }
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_a_busy_port_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "ipdash", "metrics", "serve", "--listen", f"127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=60, env={**os.environ, "IPDASH_CONFIG": ""},
        )  # fmt: skip
    assert done.returncode == 2 and f"--listen 127.0.0.1:{port}" in done.stderr
