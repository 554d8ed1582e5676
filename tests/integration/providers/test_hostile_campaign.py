"""The fast subset of the hostile-input campaign (``hostile_catalogue``): one or two inputs per
category, each asserting no crash, no traceback, no leaked credential, nothing lost, no control
character out and the right exit code. The whole campaign: ``python tests/benchmarks/hostile_campaign.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fakeapi import FakeApi
from .hostile_catalogue import Probe, all_probes

FAST = [probe for probe in all_probes(slow=False) if probe.fast]


def test_the_subset_covers_every_category() -> None:
    assert {probe.category for probe in FAST} == {probe.category for probe in all_probes()}
    assert len(all_probes()) >= 200


@pytest.mark.parametrize("probe", FAST, ids=lambda probe: probe.id)
def test_a_hostile_input_is_handled(probe: Probe, tmp_path: Path, api: FakeApi) -> None:
    outcome = probe.run(tmp_path, api)
    assert outcome.failures() == [], outcome.notes
