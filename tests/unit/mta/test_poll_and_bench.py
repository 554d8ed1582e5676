"""A new block reason in an MTA log is an alert condition for `poll`; the benchmark's generator works."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from ipdash.commands.poll import _breaches
from ipdash.domain.config import Config
from ipdash.sources.mta.reader import read_mta_log
from ipdash.sources.store import HistoryReader, open_store, store_settings

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[3]


def test_poll_alerts_on_a_new_block_reason(tmp_path: Path) -> None:
    config = Config(
        sources=[{"kind": "mta-log", "path": str(FIXTURES / "kumomta.jsonl"), "format": "kumomta"}]
    )
    store = open_store(store_settings({"path": str(tmp_path / "history.sqlite3")}))
    try:
        conditions = _breaches(config, HistoryReader(store, days=config.window_days + 7))
    finally:
        store.close()
    assert conditions is not None
    keys = [c.key for c in conditions]
    assert "breach:198.51.100.10:block-reason:outlook.com:outlook-s3150" in keys
    [s3150] = [c for c in conditions if c.key.endswith("outlook-s3150")]
    assert s3150.severity == "critical" and "S3150" in s3150.reason


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_mta", REPO / "tests" / "benchmarks" / "bench_mta.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_log_reads_cleanly(tmp_path: Path) -> None:
    module = bench()
    for zstd in (False, True):
        path = tmp_path / f"segment-{zstd}"
        module.generate(path, 500, zstd=zstd)
        result = read_mta_log(path, "kumomta")
        assert (result.rows, result.error_count) == (500, 0)
        assert module.measure("ingest", path)["lines"] == 500
