"""The provider facts shipped in ``data/providers.json``, readable without the HTTP stack
(the CSV loader needs SNDS's day zone, and must not import httpx to get it)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ipdash.sources.paths import package_data_dir


@cache
def provider_facts() -> dict[str, Any]:
    """The provider facts shipped in ``data/providers.json`` (base URLs, page sizes, stages)."""
    with open(package_data_dir() / "providers.json", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data
