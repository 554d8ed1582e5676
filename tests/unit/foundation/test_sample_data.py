"""The bundled sample data tells the stories its README promises, and regenerates byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from ipdash.domain.analysis import Analysis, analyse
from ipdash.domain.config import Config
from ipdash.domain.metrics import Window
from ipdash.domain.models import Dataset
from ipdash.domain.score import Band
from ipdash.domain.thresholds import IP_SCOPE, Status
from ipdash.sources.loader import load_dataset, sample_plan
from ipdash.sources.reference_data import threshold_presets

from .conftest import REPO

SAMPLE = REPO / "sample_data"


@cache
def sample() -> Dataset:
    return load_dataset(sample_plan())


@cache
def analysis(end_days_before_last: int = 0) -> Analysis:
    dataset = sample()
    last = dataset.latest_day()
    assert last is not None
    window = Window.ending(last - timedelta(days=end_days_before_last), 7)
    return analyse(dataset, Config(), threshold_presets(), window=window)


def statuses(ip: str, metric: str, end_days_before_last: int = 0) -> dict[str, Status]:
    verdicts = analysis(end_days_before_last).ips[ip].verdicts
    return {v.scope: v.status for v in verdicts if v.metric == metric}


def test_shape_120_days_of_nine_ips_across_four_mailbox_providers() -> None:
    dataset = sample()
    days = {key[0] for key in dataset.stats}
    assert max(days) - min(days) == timedelta(days=119)
    assert {key[2] for key in dataset.stats} == {"gmail.com", "outlook.com", "yahoo.com", "other"}
    assert len(dataset.ips()) >= 8
    assert set(dataset.facts) == set(dataset.ips())
    assert dataset.errors == []


def test_pools_providers_shared_and_ipv6() -> None:
    facts = sample().facts.values()
    assert len({f.pool for f in facts}) >= 3
    assert {f.provider for f in facts} >= {"sendgrid", "ses"}
    assert sorted(f.ip for f in facts if f.kind == "shared") == ["192.0.2.50", "192.0.2.51"]
    assert any(":" in f.ip for f in facts)
    assert all(f.rdns for f in facts)


def test_the_healthy_transactional_ip() -> None:
    ip = analysis().ips["198.51.100.10"]
    assert ip.breaches == ()
    assert ip.score.band is Band.HEALTHY
    assert ip.facts is not None and (ip.facts.kind, ip.facts.stream) == ("dedicated", "transactional")


def test_the_warming_ip_started_12_weekday_sending_days_before_the_last_date() -> None:
    dataset = sample()
    facts = dataset.facts["198.51.100.11"]
    last = dataset.latest_day()
    assert facts.warmup_start is not None and last is not None and facts.warmup_plan
    weekdays = [
        facts.warmup_start + timedelta(days=i)
        for i in range((last - facts.warmup_start).days + 1)
        if (facts.warmup_start + timedelta(days=i)).weekday() < 5
    ]
    assert len(weekdays) == 12
    per_day: dict[date, int] = defaultdict(int)
    for (day, ip, _), record in dataset.stats.items():
        if ip == "198.51.100.11":
            per_day[day] += record.sent
    assert sorted(per_day) == weekdays  # sends on every weekday since the start, and only then
    volumes = [per_day[day] for day in weekdays]
    assert volumes[-1] > 100 * volumes[0]  # a ramp, not a flat line


def test_gmail_complaints_cross_0_1_then_0_3_percent() -> None:
    ip = "198.51.100.12"
    assert statuses(ip, "complaint_rate", 40)["gmail.com"] is Status.OK
    assert statuses(ip, "complaint_rate", 15)["gmail.com"] is Status.WARN
    assert statuses(ip, "complaint_rate")["gmail.com"] is Status.CRITICAL
    assert statuses(ip, "complaint_rate")["outlook.com"] is Status.OK
    critical = [b for b in analysis().ips[ip].breaches if b.status is Status.CRITICAL]
    assert [(b.scope, b.metric) for b in critical] == [("gmail.com", "complaint_rate")]
    assert analysis().ips[ip].score.band is Band.CRITICAL
    assert any(g.state == "PAUSE" for g in analysis().ips[ip].score.gates)


def test_the_bad_list_import_is_a_critical_bounce_breach() -> None:
    ip = "203.0.113.20"
    assert statuses(ip, "bounce_rate", 10)[IP_SCOPE] is Status.OK
    assert statuses(ip, "bounce_rate")[IP_SCOPE] is Status.CRITICAL
    snds = analysis().ips[ip].snds
    assert any(day.filter_result == "RED" for day in snds)
    assert any(day.trap_hits > 0 for day in snds)


def test_the_idle_ip_needs_rewarming() -> None:
    ip = analysis().ips["203.0.113.21"]
    assert ip.metrics.idle_days is not None and ip.metrics.idle_days >= 35
    assert ip.metrics.totals.sent == 0
    assert ip.score.value is None
    assert "re-warm" in ip.score.reason


def test_the_low_volume_ip_is_insufficient_volume_not_a_breach() -> None:
    ip = analysis().ips["203.0.113.30"]
    assert 0 < ip.metrics.totals.sent < 1000
    assert ip.breaches == ()
    assert {v.status for v in ip.verdicts} == {Status.INSUFFICIENT_VOLUME}
    assert ip.score.band is Band.UNKNOWN


def test_the_noisy_shared_ip_is_a_bounce_warning() -> None:
    assert statuses("192.0.2.51", "bounce_rate")[IP_SCOPE] is Status.WARN
    assert analysis().ips["192.0.2.50"].breaches == ()


def test_the_ipv6_ip_is_healthy() -> None:
    ip = analysis().ips["2001:db8:25::10"]
    assert ip.metrics.totals.sent > 10_000
    assert ip.score.band is Band.HEALTHY


def test_generate_py_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    shutil.copy(SAMPLE / "generate.py", tmp_path / "generate.py")
    subprocess.run([sys.executable, "generate.py"], cwd=tmp_path, check=True, capture_output=True)
    produced = sorted(p.name for p in tmp_path.iterdir() if p.name != "generate.py")
    assert produced == ["accounts.csv", "ips.toml", "snds.csv", "stats.csv"]
    for name in produced:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
