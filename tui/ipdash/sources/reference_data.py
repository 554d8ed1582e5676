"""Read the JSON data files shipped inside the package (presets, catalogs, schedules)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ipdash.domain.thresholds import Preset, parse_presets
from ipdash.sources.paths import package_data_dir


@cache
def load_package_json(name: str) -> Any:
    """Parsed content of ``tui/ipdash/data/<name>``; cached: these files never change at run time."""
    with open(package_data_dir() / name, encoding="utf-8") as handle:
        return json.load(handle)


def threshold_presets() -> dict[str, Preset]:
    """The built-in threshold presets (tui/ipdash/data/threshold_presets.json)."""
    return parse_presets(load_package_json("threshold_presets.json"))
