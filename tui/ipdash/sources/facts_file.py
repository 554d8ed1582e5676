"""Per-IP facts files (TOML): pool, provider, dedicated or shared, warm-up start and plan, rDNS.

[[ips]]
ip = "192.0.2.10"
pool = "transactional"
provider = "sendgrid"
kind = "dedicated"          # or "shared"
stream = "transactional"
warmup_start = 2026-08-01
warmup_plan = "sendgrid"
rdns = "mta1.mail.example.com"
sending_domains = ["example.com"]
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ipdash.domain.config import IpFactsEntry
from ipdash.domain.models import IpFacts
from ipdash.sources.config_file import format_validation_error
from ipdash.sources.small_files import MAX_TOML_BYTES, read_small_regular_file, regular_file_problem


class _FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ips: list[IpFactsEntry] = Field(default_factory=list)


def read_facts_file(path: Path) -> dict[str, IpFacts]:
    from ipdash.sources.csv_stats import CsvReadError  # polars: not on the TUI's first-frame path

    if (problem := regular_file_problem(path)) is not None:
        raise CsvReadError(f"{path}: {problem}")
    try:
        text = read_small_regular_file(path, MAX_TOML_BYTES)
    except ValueError as error:
        raise CsvReadError(f"{path}: {error}") from error
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CsvReadError(f"{path}: invalid TOML: {error}") from error
    try:
        parsed = _FactsFile.model_validate(raw)
    except ValidationError as error:
        raise CsvReadError(format_validation_error(path, error)) from error
    return {entry.ip: entry.to_facts(source=path.name) for entry in parsed.ips}
