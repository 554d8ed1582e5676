"""Fixtures: the shipped catalog and rDNS rules, read from the package data file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ipdash.domain.dnsbl.catalog import Catalog, catalog_from_data
from ipdash.domain.dnsbl.rdns import RdnsRules, rdns_rules_from_data
from ipdash.sources.paths import package_data_dir


@pytest.fixture(scope="session")
def catalog_data() -> dict[str, Any]:
    return json.loads((package_data_dir() / "dnsbl_zones.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def catalog(catalog_data: dict[str, Any]) -> Catalog:
    return catalog_from_data(catalog_data)


@pytest.fixture(scope="session")
def rules(catalog_data: dict[str, Any]) -> RdnsRules:
    return rdns_rules_from_data(catalog_data)
