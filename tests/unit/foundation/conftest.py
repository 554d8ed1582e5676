"""Small builders shared by the foundation tests: CSV files on disk and hand-made datasets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ipdash.domain.models import ALL_PROVIDERS, DailyStat, Dataset

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[3]

WriteCsv = Callable[..., Path]


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """write_csv(content, name="stats.csv"): text is written as UTF-8 with no newline translation."""

    def write(content: str | bytes, name: str = "stats.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


def stat(
    day: date, ip: str = "192.0.2.1", provider: str = ALL_PROVIDERS, sent: int = 0, **counts: int | None
) -> DailyStat:
    return DailyStat(day=day, ip=ip, mailbox_provider=provider, sent=sent, **counts)  # type: ignore[arg-type]


def dataset_of(*stats: DailyStat) -> Dataset:
    return Dataset(stats={(s.day, s.ip, s.mailbox_provider): s for s in stats})
