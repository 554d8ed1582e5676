"""The Prometheus collector: the report's numbers, parsed back with prometheus-client's parser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ipdash.commands._metrics import IpdashCollector, analyse_like_report
from ipdash.commands.report import report_json
from ipdash.domain.config import Config
from ipdash.domain.models import Dataset, ProviderListing
from ipdash.sources.loader import load_dataset, sample_plan
from ipdash.sources.reference_data import threshold_presets
from ipdash.sources.store.base import SourceRun

TODAY = date(2026, 11, 21)
RUN = SourceRun("sg", "sendgrid", datetime(2026, 11, 21, 8, tzinfo=UTC), datetime(2026, 11, 21, 8, tzinfo=UTC),
                None, None, "", "ok", 0)  # fmt: skip


class Loader:
    def __init__(self, dataset: Dataset, runs: list[SourceRun]) -> None:
        self.dataset, self.runs, self.calls = dataset, runs, 0

    def __call__(self) -> tuple[Dataset, list[SourceRun]]:
        self.calls += 1
        return self.dataset, self.runs


def scrape(collector: IpdashCollector) -> dict[str, list[Any]]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load_dataset(sample_plan())


def by_ip(samples: list[Any]) -> dict[str, float]:
    return {s.labels["ip"]: s.value for s in samples}


def test_values_are_the_report_s(sample: Dataset) -> None:
    presets = threshold_presets()
    metrics = scrape(IpdashCollector(Loader(sample, [RUN]), Config(), presets, today=lambda: TODAY))
    analysis, _warmups = analyse_like_report(sample, Config(), presets, TODAY)
    report = report_json(analysis, sample, generated_at=datetime.now(UTC))
    expected = {ip["ip"]: ip for ip in report["ips"]}
    assert by_ip(metrics["ipdash_ip_sent"]) == {
        ip: row["sent"] for ip, row in expected.items() if row["sent"] is not None
    }
    assert by_ip(metrics["ipdash_ip_score"]) == {
        ip: row["score"] for ip, row in expected.items() if row["score"] is not None
    }
    assert by_ip(metrics["ipdash_ip_complaint_rate"]) == pytest.approx(
        {ip: row["complaint_rate"] for ip, row in expected.items() if row["complaint_rate"] is not None}
    )
    assert all(0 <= s.value <= 1 for name in metrics if name.endswith("_rate") for s in metrics[name])
    bands = {s.labels["ip"]: s.labels["band"] for s in metrics["ipdash_ip_band"]}
    assert bands == {ip: row["band"] for ip, row in expected.items()}
    critical = {
        s.labels["ip"]: s.value for s in metrics["ipdash_ip_breaches"] if s.labels["severity"] == "critical"
    }
    assert critical == {
        ip: sum(b["severity"] == "critical" for b in row["breaches"]) for ip, row in expected.items()
    }
    warm = {s.labels["ip"]: s.labels["state"] for s in metrics["ipdash_ip_warmup_state"]}
    assert warm == {ip: row["warmup"]["status"] for ip, row in expected.items() if row["warmup"]}
    days = by_ip(metrics["ipdash_ip_warmup_day"])
    assert days == {
        ip: row["warmup"]["day"] for ip, row in expected.items() if row["warmup"] and row["warmup"]["day"]
    }
    pools = by_pool(metrics["ipdash_pool_sent"])
    assert pools["marketing"] == sum(r["sent"] for r in expected.values() if r["pool"] == "marketing")
    [fresh] = [
        s for s in metrics["ipdash_source_last_success_timestamp_seconds"] if s.labels["source"] == "sg"
    ]
    assert fresh.value == RUN.last_success.timestamp()  # type: ignore[union-attr]
    assert {s.labels["source"]: s.value for s in metrics["ipdash_source_up"]}["sg"] == 1
    assert metrics["ipdash_dropped_series"][0].value == 0


def by_pool(samples: list[Any]) -> dict[str, float]:
    return {s.labels["pool"]: s.value for s in samples}


def test_the_label_cap_keeps_the_worst_ips_and_counts_what_it_dropped(sample: Dataset) -> None:
    metrics = scrape(
        IpdashCollector(Loader(sample, []), Config(), threshold_presets(), max_ips=2, today=lambda: TODAY)
    )
    kept = set(by_ip(metrics["ipdash_ip_sent"]))
    assert len(kept) == 2 and {s.labels["band"] for s in metrics["ipdash_ip_band"]} <= {"critical", "at risk"}
    assert metrics["ipdash_dropped_ips"][0].value == 7 and metrics["ipdash_dropped_series"][0].value > 7
    assert metrics["ipdash_ips"][0].value == 9
    assert sum(s.value for s in metrics["ipdash_pool_ips"]) == 9  # pools still count every IP


def test_scrapes_reuse_one_analysis_until_refresh(sample: Dataset) -> None:
    now = [0.0]
    loader = Loader(sample, [])
    collector = IpdashCollector(loader, Config(), threshold_presets(), refresh=60, clock=lambda: now[0])
    scrape(collector)
    scrape(collector)
    assert loader.calls == 1
    now[0] = 61
    scrape(collector)
    assert loader.calls == 2


def test_unknown_values_are_absent_not_zero_and_hostile_labels_are_escaped() -> None:
    dataset = Dataset()
    dataset.listings[("snds", 'x"}\n{a="b', "blocked")] = ProviderListing(
        'x"}\n{a="b', "blocked", True, "r", None, "snds"
    )
    failing = SourceRun('evil"\nsource', "k", RUN.last_attempt, None, RUN.last_attempt, "auth", "401", "", 3)
    metrics = scrape(
        IpdashCollector(Loader(dataset, [failing]), Config(), threshold_presets(), today=lambda: TODAY)
    )
    assert metrics["ipdash_ip_score"] == [] and metrics["ipdash_window_days"] == []
    assert [s.labels["source"] for s in metrics["ipdash_source_up"]] == ['evil"\nsource']
    assert metrics["ipdash_source_last_success_timestamp_seconds"] == []
    assert metrics["ipdash_source_consecutive_failures"][0].value == 3


def test_the_grafana_example_only_queries_metrics_the_exporter_serves(sample: Dataset) -> None:
    import json
    import re

    repo = Path(__file__).resolve().parents[3]
    dashboard = json.loads((repo / "sample_data/grafana/ipdash-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["query"]["query"] for v in dashboard["templating"]["list"]]
    queried = {name for expr in exprs for name in re.findall(r"\bipdash_[a-z_]+", expr)}
    served = set(
        scrape(IpdashCollector(Loader(sample, [RUN]), Config(), threshold_presets(), today=lambda: TODAY))
    )
    assert queried and queried <= served, queried - served
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def zone_result(zone: str, status: Any, severity: str | None = None) -> Any:
    from ipdash.domain.dnsbl.results import ZoneResult

    return ZoneResult(zone=zone, zone_id=zone, name=zone, list_type="block", importance="major",  # type: ignore[arg-type]
                      operator="op", status=status, reason="r", severity=severity)  # type: ignore[arg-type]  # fmt: skip


def test_blocklist_and_rdns_results_are_served_and_an_unchecked_ip_has_none(
    sample: Dataset, tmp_path: Path
) -> None:
    """The stored DNSBL results as gauges: listings by effect, lists asked, lists that gave no verdict
    (a refused list is not a clean one), when, and FCrDNS; an IP never checked has no series at all."""
    from ipdash.domain.dnsbl.judge import Status
    from ipdash.domain.dnsbl.rdns import Fcrdns, RdnsResult
    from ipdash.domain.dnsbl.results import TargetResult
    from ipdash.sources.dns.store import ResultsStore

    checked_at = datetime(2026, 11, 21, 6, tzinfo=UTC)
    zones = (
        zone_result("zen.spamhaus.org", Status.LISTED, "listing"),
        zone_result("pbl.example", Status.LISTED, "policy"),
        zone_result("bl.spamcop.net", Status.ERROR),
        zone_result("psbl.surriel.com", Status.UNKNOWN),
        zone_result("b.barracudacentral.org", Status.CLEAN),
        zone_result("ipv6only.example", Status.SKIPPED),
    )
    rdns = RdnsResult("198.51.100.10", (), Fcrdns.FAIL, False, "no PTR")
    store = tmp_path / "checks.json"
    ResultsStore(store).save([TargetResult("198.51.100.10", "ip", zones, rdns, checked_at)])
    config = Config.model_validate({"blocklists": {"results_file": str(store)}})
    metrics = scrape(IpdashCollector(Loader(sample, [RUN]), config, threshold_presets(), today=lambda: TODAY))

    listed = {s.labels["effect"]: s.value for s in metrics["ipdash_ip_blocklist_listings"]}
    assert listed == {"block": 1, "policy": 1, "collateral": 0}
    assert {s.labels["ip"] for s in metrics["ipdash_ip_blocklist_listings"]} == {"198.51.100.10"}
    assert by_ip(metrics["ipdash_ip_blocklist_queried"]) == {"198.51.100.10": 5}
    assert by_ip(metrics["ipdash_ip_blocklist_not_checked"]) == {"198.51.100.10": 2}
    assert by_ip(metrics["ipdash_ip_blocklist_checked_timestamp_seconds"]) == {
        "198.51.100.10": checked_at.timestamp()
    }
    assert [(s.labels["ip"], s.labels["state"], s.value) for s in metrics["ipdash_ip_rdns_state"]] == [
        ("198.51.100.10", "fail", 1)
    ]
