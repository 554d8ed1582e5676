"""The Sources tab's table of files: a file read with skipped rows is marked (symbol and word), a file
whose every row was skipped says that nothing from it is shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from textual.app import App

from ipdash.domain.config import CsvFile
from ipdash.sources.loader import LoadPlan, load_dataset
from ipdash.ui.widgets.status_bar import sources_table

NOW = datetime(2026, 1, 6, 12, tzinfo=UTC)


async def test_skipped_rows_are_marked_and_a_file_with_none_left_says_so(tmp_path: Path) -> None:
    files = {
        "clean.csv": "date,ip,sent\n2026-01-05,192.0.2.1,10\n",
        "some-bad.csv": "date,ip,sent\n2026-01-05,192.0.2.2,10\n2026-01-05,192.0.2.2,x\n",
        "all-bad.csv": "date,ip,sent\nbad,192.0.2.3,1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    plan = LoadPlan(csv=tuple(CsvFile(path=tmp_path / name) for name in files))
    dataset = load_dataset(plan, now=NOW)
    app: App[None] = App()
    async with app.run_test():
        console = Console(width=160, record=True, color_system=None)
        console.print(sources_table(app, dataset, NOW))
    lines = {line.split()[0]: line for line in console.export_text().splitlines() if ".csv" in line}
    assert "✓ fresh" in lines["clean.csv"]
    assert "▲ fresh" in lines["some-bad.csv"]
    assert "▲ fresh" in lines["all-bad.csv"] and "every row skipped (1)" in lines["all-bad.csv"]
