"""``[[sources]]`` of kind ``mta-log`` (and ``report --mta-log``): MTA log files or folders, read like CSV
files (watched for change, re-read), not polled.

```toml
[[sources]]
kind = "mta-log"
name = "kumo"
path = "/var/log/kumomta"          # a file or a folder of segments
format = "kumomta"                 # kumomta | powermta | postfix
ip_names = { "postfix-ip1" = "203.0.113.10" }   # syslog_name / egress_source / vmta → IP
timezone = "Europe/Berlin"         # Postfix classic syslog stamps (no zone); default: local
```
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ipdash.domain.models import Dataset, SourceInfo, SourceState, canonical_ip
from ipdash.sources.config_file import ConfigError

KIND: Literal["mta-log"] = "mta-log"
PROVENANCE = "MTA log"


class MtaLogSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["mta-log"] = KIND
    name: str = ""
    path: Path
    format: Literal["kumomta", "powermta", "postfix"]
    ip_names: dict[str, str] = Field(default_factory=dict)
    """Postfix syslog_name, KumoMTA egress_source or PowerMTA vmta → the IP it sends from."""
    timezone: str | None = None
    """IANA zone of Postfix's classic syslog stamps (they carry none); None: this machine's local zone."""
    enabled: bool = True
    interval: float | None = None
    """Accepted for symmetry with other sources; files are re-read when they change."""

    @field_validator("ip_names")
    @classmethod
    def _ips(cls, value: dict[str, str]) -> dict[str, str]:
        checked = {}
        for name, ip in value.items():
            try:
                checked[name] = canonical_ip(ip)
            except ValueError:
                raise ValueError(f"{name!r} = {ip[:60]!r} is not an IP address") from None
        return checked

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            stamp_zone(value)
        return value

    @property
    def zone(self) -> tzinfo | None:
        return stamp_zone(self.timezone) if self.timezone else None

    @property
    def label(self) -> str:
        return self.name or self.path.name


def stamp_zone(name: str) -> tzinfo:
    """The IANA zone ``name``; ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{name[:60]!r} is not an IANA time zone (e.g. "Europe/Berlin", "UTC")') from None


def zone_label(spec: MtaLogSpec) -> str:
    if spec.timezone:
        return spec.timezone
    offset = datetime.now().astimezone().strftime("%z")
    return f"local time (UTC{offset[:3]}:{offset[3:]})"


def mta_specs(raw_sources: Iterable[Any], config_path: Path | None = None) -> list[MtaLogSpec]:
    """The config's ``mta-log`` sources, validated; paths relative to the config file. Raises ConfigError
    with every problem, each naming the file and the entry."""
    where = str(config_path) if config_path else "config"
    specs, problems = [], []
    for index, entry in enumerate(raw_sources):
        if not isinstance(entry, dict) or entry.get("kind") != KIND:
            continue
        try:
            spec = MtaLogSpec.model_validate(entry)
        except ValidationError as error:
            for problem in error.errors():
                key = ".".join(str(part) for part in problem["loc"])
                message = problem["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: sources[{index}]{'.' + key if key else ''}: {message}")
            continue
        if config_path is not None and not spec.path.expanduser().is_absolute():
            spec = spec.model_copy(update={"path": config_path.parent / spec.path.expanduser()})
        if spec.enabled:
            specs.append(spec)
    if problems:
        raise ConfigError("\n".join(problems))
    return specs


def parse_ip_names(pairs: Sequence[str]) -> dict[str, str]:
    """``--mta-ip NAME=IP`` values; raises ValueError naming the bad one."""
    names = {}
    for pair in pairs:
        name, sep, ip = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--mta-ip {pair[:60]!r}: expected NAME=IP")
        try:
            names[name.strip()] = canonical_ip(ip)
        except ValueError:
            raise ValueError(f"--mta-ip {pair[:60]!r}: {ip[:60]!r} is not an IP address") from None
    return names


def load_mta_logs(
    dataset: Dataset, specs: Iterable[MtaLogSpec], *, fetched_at: datetime | None = None
) -> None:
    """Read every MTA log into ``dataset``: records, replies, errors and one source line each.
    A log that cannot be read is a failed source with its reason; the others load."""
    from ipdash.sources.mta.lines import MtaFileError
    from ipdash.sources.mta.reader import read_mta_log

    fetched_at = fetched_at or datetime.now(UTC)
    for spec in specs:
        label = spec.label
        try:
            result = read_mta_log(
                spec.path.expanduser(), spec.format, ip_names=spec.ip_names, source=label, zone=spec.zone
            )
        except MtaFileError as error:
            dataset.sources.append(SourceInfo(label, KIND, SourceState.FAILED, fetched_at, detail=str(error)))
            continue
        dataset.add_all(result.stats)
        dataset.replies.update((reply.key, reply) for reply in result.replies)
        dataset.errors.extend(result.errors)
        detail = f"{spec.format}, {result.files} file(s)"
        if spec.format == "postfix":
            detail += f", classic stamps in {zone_label(spec)}"
        if result.error_count:
            detail += f"; {result.error_count:,} lines skipped (first: {result.errors[0]})"
        elif result.rows == 0:
            detail += "; no delivery outcomes found"
        dataset.sources.append(
            SourceInfo(label, KIND, SourceState.FRESH, fetched_at, result.rows, result.error_count, detail)
        )


def watched_files(specs: Iterable[MtaLogSpec]) -> list[Path]:
    """The folders themselves (a new segment changes their mtime) and every file in them."""
    from ipdash.sources.mta.reader import log_files

    paths: list[Path] = []
    for spec in specs:
        path = spec.path.expanduser()
        paths.append(path)
        if path.is_dir():
            try:
                paths.extend(log_files(path))
            except OSError:
                continue
    return paths
