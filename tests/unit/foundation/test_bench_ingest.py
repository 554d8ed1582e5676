"""The ingest benchmark's generator and measurement still work (a small, fast run)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from ipdash.sources.csv_stats import read_csv_file

from .conftest import REPO


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_ingest", REPO / "tests" / "benchmarks" / "bench_ingest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_file_is_clean_and_shaped_as_documented(tmp_path: Path) -> None:
    module = bench()
    path = tmp_path / "hourly.csv"
    rows_per_hour = module.IPS * module.DOMAINS_PER_IP_HOUR
    assert module.generate(path, 3 * rows_per_hour) == 3 * rows_per_hour
    result = read_csv_file(path)
    assert (result.rows, result.error_count) == (3 * rows_per_hour, 0)
    assert {key[1] for key in result.stats} == {
        f"10.{i // 250}.{i % 250}.{10 + i % 7}" for i in range(module.IPS)
    }
    assert {key[2] for key in result.stats} <= {"gmail.com", "outlook.com", "yahoo.com", "other"}
    assert len({key[0] for key in result.stats}) == 1  # three hours of one day


def test_measurements_report_rows_and_memory(tmp_path: Path) -> None:
    module = bench()
    path = tmp_path / "hourly.csv"
    module.generate(path, 1000)
    bare, ingest = module.measure("csv-reader", path), module.measure("ingest", path)
    assert bare["rows"] == ingest["rows"] == 1000
    assert bare["seconds"] > 0 and ingest["peak_mb"] > 0
    for stage in range(len(module.STAGES)):
        assert module.measure(f"stage-{stage}", path)["rows"] == 1000
