"""Analysis snapshots shared through the store: one analysis for many viewers.

A viewer (``report``) that had to analyse the history, and ``ipdash poll`` after its polls, store
what the analysis gave under a key naming everything it depends on: the store's data version
(bumped by a trigger in the same transaction as every write of stats, facts, runs …, by any
writer), the as-of day, the config's fingerprint (window, thresholds, plans, [[ips]], blocklist
settings: everything but where the data comes from), the code (a digest of the package's files),
the codec, and the caller's other inputs (e.g. the stored check results' content). A viewer reads a
snapshot only when every part matches; otherwise it analyses as before.

The payload is JSON (never pickle: the store is shared, and unpickling runs code). A payload that
does not decode, is truncated, carries another codec or key, or is not the shape expected is
ignored: the caller analyses again and writes a good one over it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

#: The payload's format; a snapshot of another codec is ignored.
CODEC = "ipdash-snapshot/2"

#: Config tables that say where the data comes from, not how it is analysed: a poller's config
#: (with [[sources]]) and a viewer's ([store] only) make the same analysis of the same store.
NOT_ANALYSED = frozenset({"sources", "store", "theme"})


@runtime_checkable
class SnapshotStore(Protocol):
    def data_version(self) -> int: ...

    def read_snapshot(self, key: str) -> tuple[int, bytes] | None: ...

    def write_snapshot(self, key: str, version: int, payload: bytes) -> None: ...


@cache
def code_digest() -> str:
    """A digest of every file of the ipdash package (code and reference data): any change to what
    computes an analysis changes every key."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def shared_viewer(config: Any) -> bool:
    """A config whose analysis is the stored history's alone: a store, and no files or sources."""
    return bool(config.store) and not (
        config.sources or config.csv or config.snds_files or config.facts_files
    )


def config_fingerprint(config: Any) -> Any:
    """The config as the analysis sees it (a JSON value): everything but :data:`NOT_ANALYSED`."""
    dumped: dict[str, Any] = config.model_dump(mode="json", exclude=set(NOT_ANALYSED))
    return dumped


@dataclass(frozen=True)
class SnapshotKey:
    """Everything an analysis snapshot depends on. ``kind`` names what was analysed (e.g. the
    report's payload), ``inputs`` the caller's other inputs (JSON values)."""

    kind: str
    data_version: int
    as_of: date
    config: Any
    inputs: Mapping[str, Any]

    def text(self) -> str:
        """The key as stored: a digest of its parts, the code's and the codec's."""
        parts = {
            "codec": CODEC,
            "code": code_digest(),
            "kind": self.kind,
            "data_version": self.data_version,
            "as_of": self.as_of.isoformat(),
            "config": self.config,
            "inputs": dict(self.inputs),
        }
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return f"{self.kind}:{hashlib.sha256(canonical.encode()).hexdigest()}"


class Expired(Exception):
    """A stored payload's ``valid_until`` has passed, or is not a time with its zone: not trusted."""


def valid_until(value: object, now: datetime) -> datetime | None:
    """A payload's ``valid_until`` as stored (ISO text; None: no stored check result it was made
    with will turn stale) as a time. Raises :class:`Expired` when it is not before ``now``."""
    if value is None:
        return None
    try:
        until = datetime.fromisoformat(value)  # type: ignore[arg-type]
        if now >= until:
            raise Expired(value)
    except (TypeError, ValueError) as error:
        raise Expired(value) from error
    return until


def encode(key: SnapshotKey, body: Mapping[str, Any]) -> bytes:
    """The payload stored for ``key``: JSON naming the codec and the key, then the body."""
    import orjson

    return orjson.dumps({"codec": CODEC, "key": key.text(), "body": body}, option=orjson.OPT_NON_STR_KEYS)


def decode(key: SnapshotKey, payload: bytes) -> dict[str, Any] | None:
    """The body stored for ``key``, or None when the payload is not a good snapshot of it."""
    import orjson

    try:
        found = orjson.loads(payload)
    except (orjson.JSONDecodeError, TypeError):
        return None
    if not isinstance(found, dict) or found.get("codec") != CODEC or found.get("key") != key.text():
        return None
    body = found.get("body")
    return body if isinstance(body, dict) else None


def read(store: Any, key: SnapshotKey) -> dict[str, Any] | None:
    """The body of the snapshot stored for ``key`` (None: none, another data version, or damaged)."""
    if not isinstance(store, SnapshotStore):
        return None
    found = store.read_snapshot(key.text())
    if found is None or found[0] != key.data_version:
        return None
    return decode(key, found[1])


def write(store: Any, key: SnapshotKey, body: Mapping[str, Any]) -> bool:
    """Store ``body`` for ``key``; False when the store keeps no snapshots."""
    if not isinstance(store, SnapshotStore):
        return False
    store.write_snapshot(key.text(), key.data_version, encode(key, body))
    return True


def store_failed(error: BaseException) -> bool:
    """A store's own failure (a StoreError, psycopg's errors): it only loses the sharing."""
    from ipdash.sources.store import StoreError

    return isinstance(error, StoreError) or type(error).__module__.startswith("psycopg")


def write_or_lose(store: Any, key: SnapshotKey, body: Mapping[str, Any]) -> bool:
    """:func:`write`, False instead of an error when it could not be (a store failure, a value the
    encoder does not take): the caller shows its analysis all the same, only the sharing is lost."""
    try:
        return write(store, key, body)
    except (OverflowError, TypeError, ValueError):
        return False
    except Exception as error:
        if store_failed(error):
            return False
        raise
