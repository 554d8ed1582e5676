"""The history store: every poll's normalised records, kept across restarts.

``open_store(settings)`` gives the configured store (SQLite at the platform data dir
by default; PostgreSQL when ``[store] url`` is set); ``load_history(store)`` gives the TUI a Dataset reaching further back
than any provider's API does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ipdash.domain.models import Dataset, PollResult
from ipdash.sources.paths import user_data_dir
from ipdash.sources.store.base import AlertRecord, HistoryStore, SourceRun, StoreSettings
from ipdash.sources.store.history import HistoryReader, Lookback, analysis_lookback
from ipdash.sources.store.sqlite import SqliteStore, StoreDamaged, StoreError

if TYPE_CHECKING:
    from ipdash.sources.store.postgres import PostgresStore

__all__ = [
    "AlertRecord",
    "HistoryReader",
    "HistoryStore",
    "SourceRun",
    "SqliteStore",
    "StoreDamaged",
    "StoreError",
    "StoreSettings",
    "analysis_lookback",
    "default_store_path",
    "load_history",
    "open_store",
    "shared_polls",
    "store_settings",
]


def default_store_path() -> Any:
    return user_data_dir() / "history.sqlite3"


def store_settings(raw: dict[str, Any], config_path: Any = None) -> StoreSettings:
    """Validate the ``[store]`` table; messages name the file and key."""
    try:
        settings = StoreSettings.model_validate(raw)
    except ValidationError as error:
        where = str(config_path) if config_path else "config"
        problems = [
            f"{where}: store.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        ]
        raise StoreError("\n".join(problems)) from error
    if settings.path is not None and config_path is not None and not settings.path.is_absolute():
        settings = settings.model_copy(update={"path": config_path.parent / settings.path.expanduser()})
    return settings


def open_store(
    settings: StoreSettings | None = None, env: Mapping[str, str] | None = None
) -> SqliteStore | PostgresStore:
    settings = settings or StoreSettings()
    if settings.url is not None:
        return open_postgres(settings, env)
    path = (settings.path or default_store_path()).expanduser()
    return SqliteStore(path, busy_timeout_ms=settings.busy_timeout_ms)


def open_postgres(settings: StoreSettings, env: Mapping[str, str] | None = None) -> PostgresStore:
    """The shared store at ``settings.url``; the password (if any) from ``password_env``."""
    assert settings.url is not None
    try:
        from ipdash.sources.store.postgres import PostgresStore
    except ImportError as error:
        raise StoreError(
            f"store.url is a PostgreSQL URL but psycopg is not installed ({error.name}): "
            "pip install 'ipdash[postgres]'"
        ) from error
    password = None
    if settings.password_env is not None:
        password = (os.environ if env is None else env).get(settings.password_env)
        if password is None:
            raise StoreError(
                f"store.password_env: the environment variable {settings.password_env} is not set"
            )
    return PostgresStore(
        settings.url,
        password=password,
        pool_size=settings.pool_size,
        lock_timeout_ms=settings.busy_timeout_ms,
    )


def shared_polls(
    store: HistoryStore, on_listening: Callable[[], Any] | None = None
) -> AsyncIterator[PollResult] | None:
    """Polls other processes write to a shared (PostgreSQL) store, as they commit; None for SQLite."""
    from ipdash.sources.store.postgres import PostgresStore

    if not isinstance(store, PostgresStore):
        return None
    from ipdash.sources.store.watch import watch_polls

    return watch_polls(store, on_listening=on_listening)


def load_history(
    store: HistoryStore,
    *,
    days: int | None = None,
    today: date | None = None,
    lookback: Lookback | None = None,
) -> Dataset:
    """The stored history (the last ``days`` days, what ``lookback`` says, or all), with one SourceInfo
    per polled source: fresh when its last poll succeeded, stale with its reason when the last poll
    failed. One read; a caller that reads again and again keeps a :class:`HistoryReader` instead."""
    return HistoryReader(store, days=days, lookback=lookback).read(today)
