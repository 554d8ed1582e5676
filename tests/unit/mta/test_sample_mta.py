"""The sample data's MTA excerpt tells its stories and regenerates byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ipdash.domain.analysis import analyse
from ipdash.domain.config import Config
from ipdash.sources.loader import load_dataset, sample_plan
from ipdash.sources.reference_data import threshold_presets

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"


def test_the_sample_shows_reasons_and_one_new_block() -> None:
    dataset = load_dataset(sample_plan())
    assert [s.kind for s in dataset.sources][-1] == "mta-log" and dataset.errors == []
    result = analyse(dataset, Config(), threshold_presets())
    warming = result.ips["198.51.100.11"].replies
    assert warming is not None
    assert {(t.mailbox_provider, t.rule_id) for t in warming.top_reasons} >= {
        ("gmail.com", "gmail-4.7.28"),
        ("yahoo.com", "yahoo-tss04"),
    }
    new = [(b.ip, b.scope, b.metric) for b in result.feed if b.kind == "block-reason"]
    assert new == [("203.0.113.20", "outlook.com", "outlook-s3150")]
    # the CSV's complete counts win over the excerpt's for the same keys
    assert result.ips["198.51.100.10"].metrics.totals.sent > 100_000


def test_regenerates_byte_for_byte(tmp_path: Path) -> None:
    for name in ("generate_mta.py", "stats.csv"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    subprocess.run([sys.executable, str(tmp_path / "generate_mta.py")], check=True, capture_output=True)
    made = sorted(p.name for p in (tmp_path / "mta").iterdir())
    assert made == sorted(p.name for p in (SAMPLE / "mta").iterdir())
    for name in made:
        assert (tmp_path / "mta" / name).read_bytes() == (SAMPLE / "mta" / name).read_bytes(), name
