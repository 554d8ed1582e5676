"""A ``[store]`` config's store opened for a test's look inside it, and payloads planted under a key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ipdash.sources.config_file import load_config
from ipdash.sources.live import open_configured_store
from ipdash.sources.store import snapshots


@contextmanager
def configured_store(config_path: Path) -> Iterator[tuple[Any, Any]]:
    """The store ``config_path`` names, opened, and the config; closed on leaving."""
    config, found_at = load_config(config_path)
    store = open_configured_store(config, found_at)
    try:
        yield store, config
    finally:
        store.close()


KeyOf = Callable[[Any, Any], "snapshots.SnapshotKey | None"]


def plant(config_path: Path, payload: bytes, key_of: KeyOf) -> None:
    """``payload`` written under the key ``key_of(store, config)`` names, by anybody."""
    with configured_store(config_path) as (store, config):
        key = key_of(store, config)
        assert key is not None
        store.write_snapshot(key.text(), key.data_version, payload)
