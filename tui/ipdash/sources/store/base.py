"""The history store's interface, so a team can later point every instance at one server.

The embedded default is :class:`ipdash.sources.store.sqlite.SqliteStore`. Every method
is synchronous and short; async callers (the TUI, the poller) run them through
``asyncio.to_thread`` so the event loop never waits on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

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

    def load(self, since: date | None = None) -> Dataset:
        """Everything stored from ``since`` on (all when None), newest fetch winning per key."""
        ...

    def source_runs(self) -> list[SourceRun]: ...

    def prune(self, before: date) -> int:
        """Delete daily records older than ``before``; returns rows deleted."""
        ...

    def open_alerts(self) -> dict[str, AlertRecord]: ...

    def open_alert(self, record: AlertRecord) -> None: ...

    def close_alert(self, key: str) -> None: ...

    def close(self) -> None: ...
