"""Provider sources beside the files: the stored history, and polling them now.

Used by `ipdash report --config` (poll once, merged into the report) and by the
TUI (history at start, then live polling). Files stay in ipdash.sources.loader.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ipdash.domain.config import Config
from ipdash.domain.models import Dataset, PollResult
from ipdash.sources.providers.polling import merge_poll_results, poll_all_once
from ipdash.sources.store import HistoryReader, StoreError, open_store, store_settings
from ipdash.sources.store.base import HistoryStore

__all__ = ["StoreError", "add_history", "has_provider_sources", "open_configured_store", "poll_once_into"]


def has_provider_sources(config: Config) -> bool:
    return bool(config.sources)


def open_configured_store(config: Config, config_path: Path | None) -> HistoryStore:
    """The history store of this config (``[store] path``, else the platform data dir)."""
    return open_store(store_settings(config.store, config_path))


def add_history(dataset: Dataset, store: HistoryStore | HistoryReader, *, days: int | None = None) -> Dataset:
    """Stored history (the last ``days``, all when None) under the files' data: a file's record for
    the same key wins. Given a HistoryReader (kept by a caller that asks again and again), only what
    changed is read (the reader's own ``days`` apply)."""
    reader = store if isinstance(store, HistoryReader) else HistoryReader(store, days=days)
    history = reader.read()
    history.merge(dataset)
    return history


def poll_once_into(dataset: Dataset, config: Config, config_path: Path | None) -> list[PollResult]:
    """Poll every configured provider source once and merge what came back (blocking)."""
    results = asyncio.run(poll_all_once(config, config_path=config_path))
    merge_poll_results(dataset, results)
    return results
