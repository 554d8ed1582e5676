"""The history store's interface, so a team can later point every instance at one server.

The embedded default is :class:`ipdash.sources.store.sqlite.SqliteStore`. Every method
is synchronous and short; async callers (the TUI, the poller) run them through
``asyncio.to_thread`` so the event loop never waits on disk.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ipdash.domain.models import Dataset, PollResult


class StoreSettings(BaseModel):
    """The ``[store]`` config table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path | None = None
    """SQLite file; default ``history.sqlite3`` in the platform data dir."""
    retention_days: int = Field(default=730, ge=1, le=36500)
    """Daily records older than this many days are deleted after each poll."""
    busy_timeout_ms: int = Field(default=10_000, ge=100, le=600_000)
    """How long a writer or reader waits for another process's lock before failing."""
    url: str | None = None
    """A shared PostgreSQL store, ``postgresql://user@host:port/db`` (no password in it)."""
    password_env: str | None = None
    """Name of the environment variable holding the PostgreSQL password."""
    pool_size: int = Field(default=4, ge=1, le=64)
    """Most connections one ipdash process opens to PostgreSQL."""

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError("must be a postgresql:// URL (leave it out for the SQLite default)")
        if parts.password:
            raise ValueError(
                "holds a password: secrets are not read from the config file; put it in an "
                "environment variable and name that variable with password_env"
            )
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "a").isalnum():
            raise ValueError("must name an environment variable (letters, digits and _)")
        return value

    @model_validator(mode="after")
    def _one_backend(self) -> StoreSettings:
        if self.url is not None and self.path is not None:
            raise ValueError("give either path (SQLite) or url (PostgreSQL), not both")
        return self


@dataclass(frozen=True, slots=True)
class SourceRun:
    """The last poll outcomes of one source, as recorded by whichever process polled it."""

    source: str
    kind: str
    last_attempt: datetime
    last_success: datetime | None
    last_failure: datetime | None
    failure_kind: str | None
    last_error: str
    last_detail: str
    consecutive_failures: int

    @property
    def ok(self) -> bool:
        return self.last_success is not None and self.last_success == self.last_attempt


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A condition that was alerted and has not cleared yet."""

    key: str
    source: str
    opened_at: datetime
    payload: dict[str, Any]


class HistoryStore(Protocol):
    def save_poll(self, result: PollResult) -> int:
        """Store a poll's records (idempotent upserts) and its outcome; returns rows written."""
        ...

    def load(self, since: date | None = None, *, stats_since: date | None = None) -> Dataset:
        """Everything stored from ``since`` on (all when None), newest fetch winning per key; the
        daily stats from ``stats_since`` on when given (a lean read, ``domain.lookback``)."""
        ...

    def load_stats(self, since: date | None, before: date, ips: Collection[str]) -> Dataset:
        """The daily stats of ``ips`` from ``since`` (None: the first) to before ``before``."""
        ...

    def stats_ips(self, since: date | None, before: date) -> set[str]:
        """IPs with daily stats from ``since`` (None: the first) to before ``before``."""
        ...

    def held_until(self, since: date | None, before: date) -> set[tuple[str, str]]:
        """The (IP, source) pairs whose newest daily stat is from ``since`` (None: the first) to
        before ``before``: read from a table the stores keep on every insert, not the records."""
        ...

    def load_changes(self, since: date | None, changed: Mapping[str, datetime | None]) -> Dataset:
        """What the polls of ``changed``'s sources wrote after each one's time (all of a source
        given None), from ``since`` on: the increment :class:`HistoryReader` adds to what it has."""
        ...

    def latest_day(self) -> date | None:
        """The newest day of any daily record held (None: none): where a lookback counts from."""
        ...

    def source_runs(self) -> list[SourceRun]: ...

    def prune(self, before: date) -> int:
        """Delete daily records older than ``before``; returns rows deleted."""
        ...

    def open_alerts(self) -> dict[str, AlertRecord]: ...

    def open_alert(self, record: AlertRecord) -> None: ...

    def close_alert(self, key: str) -> None: ...

    def acknowledged_alerts(self) -> dict[str, datetime]:
        """Alerts acknowledged on screen (key -> when), kept across restarts."""
        ...

    def acknowledge_alert(self, key: str, at: datetime) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Claim:
    """A poller's right to poll one source now (granted), or when to ask again."""

    source: str
    granted: bool
    next_try: datetime
    reason: str = ""


@runtime_checkable
class PollCoordinator(Protocol):
    """A store shared by several pollers: one process polls each source per interval."""

    def claim(self, source: str, interval_seconds: float, now: datetime) -> Claim:
        """Granted when no other process is polling ``source`` and nobody polled it within the
        interval; a granted claim is held until :meth:`release` (or the process dies)."""
        ...

    def release(self, claim: Claim) -> None: ...
