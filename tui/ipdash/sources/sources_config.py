"""``[[sources]]`` entries: one pydantic model per kind, validated with the file and key named.

Secrets never live in the config: a source names the environment variable that holds
its key (``api_key_env``), or uses its provider's own credential chain (AWS, Google).
A key pasted into the file is refused with a message saying where it should go.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from ipdash.sources.config_file import ConfigError
from ipdash.sources.dmarc.imap_settings import ImapSettings

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SECRET_KEYS = ("api_key", "key", "token", "password", "secret", "client_secret", "access_key", "api_token")
MIN_INTERVAL_SECONDS = 10
MAX_INTERVAL_SECONDS = 366 * 86400  # beyond a year is a typo, and timedelta overflows past 10**9 days


def parse_duration(value: object) -> float:
    """Seconds from 900, "900", "15m", "6h" or "1d"."""
    if isinstance(value, bool):
        raise ValueError('expected a duration such as 900, "15m" or "6h"')
    seconds: float | None = None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and len(value) <= 40:
        match = _DURATION.match(value.lower())
        if match:
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds is None:
        raise ValueError(f'expected a duration such as 900, "15m" or "6h", got {str(value)[:40]!r}')
    if not math.isfinite(seconds) or seconds > MAX_INTERVAL_SECONDS:
        raise ValueError(f"must be a number of seconds up to {MAX_INTERVAL_SECONDS // 86400} days")
    return seconds


def _check_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must start with http:// or https:// followed by a host")
    return value.rstrip("/") if value else value


def _check_env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(
            "must name an environment variable (letters, digits and _), not hold the secret itself"
        )
    return value


class SourceSpecBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    """Shown in the sources view and stored with every record; defaults to the kind."""
    base_url: str | None = None
    """Scheme and host before the documented path (proxies, regions, tests)."""
    interval: float = 900.0
    """Seconds between polls; also "15m", "6h", "1d"."""
    timeout: float | None = Field(default=None, gt=0, le=300)
    """Seconds per HTTP request (default from data/providers.json)."""
    lookback_days: int = Field(default=7, ge=1, le=90)
    """How many days back each poll asks for (re-polling a day updates it)."""
    max_records: int | None = Field(default=None, ge=1, le=100_000_000)
    """Records one poll may yield before it is refused (default from data/providers.json, 500,000:
    about 2,500 IPs × 7 days × the mailbox providers a source splits by); raise it for larger fleets."""
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _no_secrets_in_file(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in _SECRET_KEYS:
                if key in data:
                    raise ValueError(
                        f"{key!r}: secrets are not read from the config file; put it in an environment "
                        "variable and name that variable with api_key_env"
                    )
            if not data.get("name"):
                data = {**data, "name": data.get("kind", "")}
        return data

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        seconds = parse_duration(value)
        if seconds < MIN_INTERVAL_SECONDS:
            raise ValueError(f"must be at least {MIN_INTERVAL_SECONDS} seconds")
        return seconds

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)


class KeyedSpec(SourceSpecBase):
    api_key_env: str
    """Name of the environment variable holding the API key."""

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        _check_env_name(value)
        return value


class SendgridSpec(KeyedSpec):
    kind: Literal["sendgrid"]
    region: Literal["us", "eu"] = "us"
    on_behalf_of: str | None = None
    """Subuser to act for (header on-behalf-of) on stats calls."""
    by_mailbox_provider: bool = True
    """Also read the account's days per mailbox provider (/v3/mailbox_providers/stats)."""


class MailgunSpec(KeyedSpec):
    kind: Literal["mailgun"]
    region: Literal["us", "eu"] = "us"
    by_mailbox_provider: bool = True
    """Split each IP's days by recipient provider (metrics dimension recipient_provider)."""


class SparkpostSpec(KeyedSpec):
    kind: Literal["sparkpost"]
    region: Literal["us", "eu"] = "us"
    by_mailbox_provider: bool = True
    """Split each IP's days by mailbox provider: one extra request per (day, IP)."""


class PostmarkSpec(KeyedSpec):
    kind: Literal["postmark"]
    message_stream: str | None = None


class SndsSpec(KeyedSpec):
    kind: Literal["snds"]
    interval: float = 6 * 3600.0
    history_days: int = Field(default=1, ge=1, le=90)
    """1: the latest day SNDS has; more: also that many earlier days by date."""


class SesSpec(SourceSpecBase):
    kind: Literal["ses"]
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    """AWS region of the dedicated IPs (they are per region)."""
    profile: str | None = None
    """AWS profile for botocore's standard credential chain (default: the chain's own choice)."""
    monitoring_base_url: str | None = None
    """CloudWatch endpoint override (default: botocore's endpoint for the region, e.g.
    https://monitoring.cn-north-1.amazonaws.com.cn in China)."""
    cloudwatch: bool = True
    """Read the account's Reputation.BounceRate / ComplaintRate metrics."""
    vdm: bool = True
    """Read the account's days per recipient ISP from Virtual Deliverability Manager, when the
    account has VDM enabled (BatchGetMetricData; VDM is a paid SES feature)."""
    vdm_isps: list[str] = Field(default_factory=lambda: ["Gmail", "Yahoo"], max_length=50)
    """VDM's ISP names to read (its ISP dimension values), one batch call each."""

    @field_validator("monitoring_base_url")
    @classmethod
    def _monitoring_url(cls, value: str | None) -> str | None:
        return _check_url(value)


class PostmasterSpec(SourceSpecBase):
    kind: Literal["postmaster"]
    interval: float = 6 * 3600.0
    credentials_file_env: str | None = None
    """Environment variable naming a Google credentials JSON file; unset: application default."""
    domains: list[str] = Field(default_factory=list)
    """Sending domains to read; empty: every domain the account can see."""
    spam_rate_unit: Literal["auto", "fraction", "percent"] = "auto"
    """Unit of v2 SPAM_RATE / DELIVERY_ERROR_RATE values. The API does not document it;
    auto: fractions, unless a domain's answer has a value above 1 (then that answer is percent)."""

    @field_validator("credentials_file_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return _check_env_name(value)


class CsvSourceSpec(SourceSpecBase):
    kind: Literal["csv"]
    interval: float = 300.0
    path: Path
    columns: dict[str, str] = Field(default_factory=dict)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    date_format: str | None = None


class ReportFolderSpec(SourceSpecBase):
    """Receiver reports from files and folders (read on the interval; new files are picked up)."""

    interval: float = 300.0
    paths: list[Path] = Field(min_length=1)
    """Files or folders (searched recursively)."""
    imap: ImapSettings | None = None
    """A mailbox polled for reports, saved into ``imap.save_to`` (default: the first path)."""

    @property
    def spool(self) -> Path | None:
        """Where the mailbox's reports are saved (and read from with the paths)."""
        if self.imap is None:
            return None
        return self.imap.save_to or self.paths[0]


class DmarcSourceSpec(ReportFolderSpec):
    kind: Literal["dmarc"]


class ArfSourceSpec(ReportFolderSpec):
    kind: Literal["arf"]


#: Kinds read by ipdash.sources.receiver, not polled by the provider registry.
RECEIVER_KINDS = ("dmarc", "arf")

SourceSpec = Annotated[
    SendgridSpec
    | MailgunSpec
    | SparkpostSpec
    | SesSpec
    | SndsSpec
    | PostmasterSpec
    | PostmarkSpec
    | CsvSourceSpec
    | DmarcSourceSpec
    | ArfSourceSpec,
    Field(discriminator="kind"),
]
SOURCE_KINDS = (
    "sendgrid",
    "mailgun",
    "sparkpost",
    "ses",
    "snds",
    "postmaster",
    "postmark",
    "csv",
    *RECEIVER_KINDS,
)
#: Kinds that are files read by the loader (watched, re-read on change), not polled.
FILE_SOURCE_KINDS = ("mta-log",)
_ADAPTER: TypeAdapter[SourceSpec] = TypeAdapter(SourceSpec)


def validate_sources(raw: list[dict[str, Any]], config_path: Path | None = None) -> list[SourceSpec]:
    """Validate every ``[[sources]]`` entry; all problems at once, each naming file and key."""
    where = str(config_path) if config_path else "config"
    problems: list[str] = []
    specs: list[SourceSpec] = []
    for index, entry in enumerate(raw):
        prefix = f"{where}: sources[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{prefix}: must be a table")
            continue
        kind = entry.get("kind")
        if kind in FILE_SOURCE_KINDS:
            continue  # read like files by the loader, validated in config_file.validate_sections
        if kind not in SOURCE_KINDS:
            problems.append(
                f"{prefix}.kind: {kind!r} is not a source kind; use one of {', '.join(SOURCE_KINDS + FILE_SOURCE_KINDS)}"
            )
            continue
        try:
            spec = _ADAPTER.validate_python(entry)
        except RecursionError:
            problems.append(f"{prefix}: values nested too deeply to read")
            continue
        except ValidationError as error:
            for problem in error.errors():
                loc = [str(part) for part in problem["loc"] if part != kind]
                key = ".".join(loc)
                message = problem["msg"].removeprefix("Value error, ")
                problems.append(f"{prefix}{'.' + key if key else ''}: {message}")
            continue
        if config_path is not None and isinstance(spec, CsvSourceSpec) and not spec.path.is_absolute():
            spec = spec.model_copy(update={"path": config_path.parent / spec.path})
        if config_path is not None and isinstance(spec, ReportFolderSpec):
            spec = spec.model_copy(
                update={"paths": [config_path.parent / p.expanduser() for p in spec.paths]}
            )
            if spec.imap is not None and spec.imap.save_to is not None:
                imap = spec.imap.model_copy(
                    update={"save_to": config_path.parent / spec.imap.save_to.expanduser()}
                )
                spec = spec.model_copy(update={"imap": imap})
            if spec.imap is not None and spec.imap.ca_file is not None:
                imap = spec.imap.model_copy(
                    update={"ca_file": config_path.parent / spec.imap.ca_file.expanduser()}
                )
                spec = spec.model_copy(update={"imap": imap})
        specs.append(spec)
    seen: dict[str, int] = {}
    for index, spec in enumerate(specs):
        if spec.name in seen:
            problems.append(
                f"{where}: sources: name {spec.name!r} is used twice; give each source its own name"
            )
        seen[spec.name] = index
    if problems:
        raise ConfigError("\n".join(problems))
    return specs
