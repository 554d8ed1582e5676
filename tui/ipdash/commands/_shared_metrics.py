"""`metrics serve`'s analysis shared through the store (``sources.store.snapshots``, kind ``metrics``).

The exporter's analysis is `report`'s (``commands._metrics.analyse_like_report``: the stored
blocklist/rDNS results, the lean read completed in two steps), so ``ipdash poll``'s child stores it
from the report's one analysis (``commands._shared_report``) and an exporter on a ``[store]``-only
config draws its gauges from it when every key part matches: the store's data version, the day, the
config as analysed, the code, the stored check results' content, and (while a stored check result
can turn stale) only until the first does. Otherwise it analyses as before.

What is stored is the analysis (``domain.snapshot_codec``, JSON, never pickle; the day-by-day series'
records left out: no gauge reads them) with the two parts of the dataset the gauges read: the
sources (their freshness) and the provider-reported listings. A payload that does not decode is
ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ipdash.domain.analysis import Analysis
from ipdash.domain.models import Dataset, ProviderListing, SourceInfo
from ipdash.sources.store import snapshots

KIND = "metrics"


@dataclass(frozen=True)
class MetricsFrame:
    """The exporter's analysis and the dataset's parts its gauges read."""

    analysis: Analysis
    sources: list[SourceInfo]
    #: Provider-reported listings keyed by (source, ip, list name), as ``Dataset.listings``.
    listings: dict[tuple[str, str, str], ProviderListing]

    @classmethod
    def of(cls, dataset: Dataset, analysis: Analysis) -> MetricsFrame:
        return cls(analysis, list(dataset.sources), dict(dataset.listings))

    def dataset(self) -> Dataset:
        """The gauges' dataset: sources and listings; no records."""
        return Dataset(sources=list(self.sources), listings=dict(self.listings))


def _codec() -> Any:
    from ipdash.domain.snapshot_codec import codec_for

    return codec_for(MetricsFrame, records=False)


def metrics_key(store: Any, config: Any, today: date) -> snapshots.SnapshotKey | None:
    """The key of ``config``'s exporter analysis on ``store`` now (None: the store keeps no
    snapshots). The data version is read first: data read after it can only be newer."""
    from ipdash.commands._shared_report import checks_input

    if not isinstance(store, snapshots.SnapshotStore):
        return None
    version = store.data_version()
    fingerprint = snapshots.config_fingerprint(config)
    return snapshots.SnapshotKey(KIND, version, today, fingerprint, {"checks": checks_input(config)})


def read_metrics(store: Any, key: snapshots.SnapshotKey, now: datetime) -> Stored | None:
    """The analysis stored for ``key``, or None (none, another version, damaged, hostile, or a stored
    check result turned stale since it was made)."""
    from ipdash.domain.snapshot_codec import CodecError

    body = snapshots.read(store, key)
    if body is None or set(body) != {"frame", "valid_until"}:
        return None
    try:
        until = snapshots.valid_until(body["valid_until"], now)
    except snapshots.Expired:
        return None
    try:
        frame: MetricsFrame = _codec().decode(body["frame"])
    except CodecError:
        return None
    return Stored(frame, until)


@dataclass(frozen=True)
class Stored:
    frame: MetricsFrame
    #: When the first stored check result it was made with turns stale (None: none will).
    valid_until: datetime | None

    def holds_at(self, now: datetime) -> bool:
        try:
            return self.valid_until is None or now < self.valid_until
        except TypeError:  # a time without its zone: not trusted
            return False


def write_metrics(
    store: Any, key: snapshots.SnapshotKey, frame: MetricsFrame, valid_until: datetime | None
) -> bool:
    """Store ``frame`` for ``key``; False when it could not be (only the sharing is lost)."""
    from ipdash.domain.snapshot_codec import CodecError

    try:
        encoded = _codec().encode(frame)
    except (CodecError, OverflowError, TypeError, ValueError):
        return False
    until = valid_until.isoformat() if valid_until is not None else None
    return snapshots.write_or_lose(store, key, {"frame": encoded, "valid_until": until})


class SharedMetrics:
    """The exporter's side: on each refresh, the analysis a poller stored for the store's data now,
    or None (then it analyses). The same key twice gives the frame decoded the first time."""

    def __init__(self, store: Any, config: Any) -> None:
        self.store, self.config = store, config
        self._last: tuple[str, Stored] | None = None

    @classmethod
    def for_config(cls, store: Any, config: Any) -> SharedMetrics | None:
        """None unless ``config`` is a ``[store]``-only viewer's and the store keeps snapshots."""
        if store is None or not snapshots.shared_viewer(config):
            return None
        if not isinstance(store, snapshots.SnapshotStore):
            return None
        return cls(store, config)

    def lookup(self, today: date, now: datetime) -> MetricsFrame | None:
        try:
            key = metrics_key(self.store, self.config, today)
            if key is None:
                return None
            text = key.text()
            if self._last is not None and self._last[0] == text and self._last[1].holds_at(now):
                return self._last[1].frame  # the same data, day and config: decoded once
            found = read_metrics(self.store, key, now)
        except Exception as error:
            if snapshots.store_failed(error):
                return None
            raise
        self._last = None if found is None else (text, found)
        return None if found is None else found.frame


def exporter_lookup(
    store: Any, config: Any, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Callable[[date], tuple[Analysis, Dataset, list[Any]] | None] | None:
    """What ``IpdashCollector(stored=…)`` asks on each refresh: the stored analysis for the day, the
    dataset's parts the gauges read and the store's source runs (None: analyse). None when
    ``config`` is not a ``[store]``-only viewer's or the store keeps no snapshots."""
    shared = SharedMetrics.for_config(store, config)
    if shared is None:
        return None

    def stored(today: date) -> tuple[Analysis, Dataset, list[Any]] | None:
        frame = shared.lookup(today, now())
        if frame is None:
            return None
        try:
            runs = store.source_runs()
        except Exception as error:
            if snapshots.store_failed(error):
                return None
            raise
        return frame.analysis, frame.dataset(), runs

    return stored
