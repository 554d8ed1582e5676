from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from ipdash.sources.providers.csv_files import CsvFileSource
from ipdash.sources.providers.registry import build_source
from ipdash.sources.sources_config import validate_sources

STATS = "date,ip,mailbox_provider,sent,delivered,hard_bounces,soft_bounces,complaints\n"


async def fetch(path: Path):  # type: ignore[no-untyped-def]
    [spec] = validate_sources([{"kind": "csv", "name": "files", "path": str(path)}])
    source = build_source(spec)
    assert isinstance(source, CsvFileSource)
    async with httpx.AsyncClient() as client:
        return await source.fetch(client, since=date(2025, 6, 1), until=date(2025, 6, 10))


async def test_stats_file_is_read_and_bad_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text(
        STATS + "2025-06-09,192.0.2.1,gmail.com,1000,990,5,3,1\n2025-06-09,not-an-ip,gmail.com,1,1,0,0,0\n"
    )
    result = await fetch(path)
    assert result.ok, result.detail
    [stat] = result.stats
    assert (stat.ip, stat.sent, stat.source) == ("192.0.2.1", 1000, "files")
    assert "1 rows skipped" in result.detail


async def test_missing_file_is_unavailable(tmp_path: Path) -> None:
    result = await fetch(tmp_path / "nope.csv")
    assert result.failure == "unavailable" and "file not found" in result.detail


async def test_unrecognisable_file_is_bad_payload(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_text("a,b,c\n1,2,3\n")
    result = await fetch(path)
    assert result.failure == "bad_payload" and "junk.csv" in result.detail
