"""The TUI's first frame shared through the store (``sources.store.snapshots``, kind ``view``).

The TUI's first analysis on a ``[store]``-only config is a function of the store's data, the day,
the config as analysed and the code: no check results yet (they are read once data is shown), no
receiver reports. So a viewer stores it, with what the first frame shows of the dataset (its
sources, row errors, [[ips]] facts and which IPs show a stale source's data), for the next viewer;
``ipdash poll`` stores it after each cycle too. A viewer whose key matches draws its first frame
from it, then loads and analyses the history as before in the background.

A second kind beside the report's, not the report's payload: ``report`` reads its own payload on
every run (a few MB of JSON) and the view's is larger (every IP's analysis); and the two are
different analyses (the report's has the stored check results in it, the first frame has none).

The payload is JSON (``domain.snapshot_codec``, never pickle); anything that does not decode is
ignored (the viewer analyses, and writes a good one over it). The day-by-day series' records are
not stored (the history load brings them, within seconds): a decoded first frame's series have no
days yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ipdash.domain.analysis import Analysis
from ipdash.domain.models import Dataset, IpFacts, RowError, SourceInfo
from ipdash.sources.store import snapshots

KIND = "view"
#: The inputs of the TUI's first analysis besides the store's data, the day and the config.
FIRST_INPUTS = {"checks": "none", "receiver": "none"}


@dataclass(frozen=True)
class FirstFrame:
    """The TUI's first analysis and the dataset's parts its first frame shows."""

    analysis: Analysis
    sources: list[SourceInfo]
    errors: list[RowError]
    facts: dict[str, IpFacts]
    #: IP -> the names of the stale sources its records came from (``domain.stale_sources``).
    stale: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, dataset: Dataset, analysis: Analysis) -> FirstFrame:
        from ipdash.domain.stale_sources import stale_sources_by_ip

        stale = {ip: [info.name for info in infos] for ip, infos in stale_sources_by_ip(dataset).items()}
        return cls(analysis, list(dataset.sources), list(dataset.errors), dict(dataset.facts), stale)

    def dataset(self) -> Dataset:
        """The first frame's dataset: sources, row errors and facts; no records (the load brings them)."""
        return Dataset(facts=dict(self.facts), errors=list(self.errors), sources=list(self.sources))

    def stale_sources(self) -> dict[str, list[SourceInfo]]:
        by_name = {info.name: info for info in self.sources}
        return {ip: [by_name[name] for name in names if name in by_name] for ip, names in self.stale.items()}


def _codec() -> Any:
    from ipdash.domain.snapshot_codec import codec_for

    return codec_for(FirstFrame, records=False)


def view_key(store: Any, config: Any, today: date, days: int | None) -> snapshots.SnapshotKey | None:
    """The key of the TUI's first frame of ``config`` over ``days`` on ``store`` now (None: the store
    keeps no snapshots). The data version is read first: the data read after it can only be newer."""
    if not isinstance(store, snapshots.SnapshotStore) or days != config.window_days:
        return None
    version = store.data_version()
    fingerprint = snapshots.config_fingerprint(config)
    return snapshots.SnapshotKey(KIND, version, today, fingerprint, {**FIRST_INPUTS, "range": days})


def read_view(store: Any, key: snapshots.SnapshotKey) -> FirstFrame | None:
    """The first frame stored for ``key``, or None (none, another version, damaged or hostile)."""
    from ipdash.domain.snapshot_codec import CodecError

    body = snapshots.read(store, key)
    if body is None or set(body) != {"frame"}:
        return None
    try:
        frame: FirstFrame = _codec().decode(body["frame"])
    except CodecError:
        return None
    return frame


def write_view(store: Any, key: snapshots.SnapshotKey, frame: FirstFrame) -> bool:
    """Store ``frame`` for ``key``; False when it could not be (a value the codec does not take, a
    read-only store …): the viewer shows it all the same, only the sharing is lost."""
    from ipdash.domain.snapshot_codec import CodecError

    try:
        body = {"frame": _codec().encode(frame)}
    except (CodecError, OverflowError, TypeError, ValueError):
        return False
    return snapshots.write_or_lose(store, key, body)


def first_frame(store: Any, config: Any, today: date) -> FirstFrame:
    """The TUI's first analysis of ``store`` with ``config`` (a ``[store]``-only viewer's), as the
    TUI makes it: the history read for its first frame, analysed over the configured window with
    no check results and no receiver reports. Blocking."""
    from ipdash.domain.analysis import analyse
    from ipdash.domain.time_range import range_window
    from ipdash.sources.loader import LoadPlan, load_dataset
    from ipdash.sources.reference_data import threshold_presets
    from ipdash.sources.store.history import read_for_views

    days = config.window_days
    dataset = read_for_views(store, config, days, load_dataset(LoadPlan(config=config)))
    window = range_window(dataset, days, today=today)
    analysis = analyse(dataset, config, threshold_presets(), window=window, today=today)
    return FirstFrame.of(dataset, analysis)


def refresh_view(store: Any, config: Any, today: date, analysed: FirstFrame | None = None) -> bool:
    """Store the TUI's first frame of ``store`` for ``config``'s viewers unless one of the same key
    is stored already; whether one was stored (``ipdash poll``'s child process). ``analysed``: that
    first frame, analysed already (the report's analysis when no check results are stored);
    otherwise it is analysed here."""
    key = view_key(store, config, today, config.window_days)
    if key is None or read_view(store, key) is not None:
        return False
    return write_view(store, key, analysed or first_frame(store, config, today))


def open_keyed(
    config: Any, config_path: Any, make_key: Callable[[Any], snapshots.SnapshotKey | None]
) -> tuple[Any, snapshots.SnapshotKey] | None:
    """A ``[store]``-only viewer's store, opened, and the key ``make_key`` reads from it; None when
    ``config`` is not such a viewer's, the store cannot be opened or keeps no snapshots."""
    from ipdash.sources.live import open_configured_store

    if not snapshots.shared_viewer(config):
        return None
    try:
        store = open_configured_store(config, config_path)
    except Exception as error:
        if snapshots.store_failed(error):
            return None
        raise
    try:
        key = make_key(store)
    except Exception as error:
        store.close()
        if snapshots.store_failed(error):
            return None
        raise
    if key is None:
        store.close()
        return None
    return store, key


@dataclass
class SharedView:
    """The TUI's side: the store opened for the key before the history is read, the stored first
    frame read, a new one stored after a first analysis. Every store failure only loses the sharing."""

    store: Any
    key: snapshots.SnapshotKey

    @classmethod
    def open(cls, config: Any, config_path: Any, today: date, days: int | None) -> SharedView | None:
        """None when ``config`` is not a ``[store]``-only viewer's, the range is not the configured
        window, or the store cannot be opened or keeps no snapshots."""
        if days != config.window_days:
            return None
        found = open_keyed(config, config_path, lambda store: view_key(store, config, today, days))
        return None if found is None else cls(*found)

    def lookup(self) -> FirstFrame | None:
        try:
            return read_view(self.store, self.key)
        except Exception as error:
            if snapshots.store_failed(error):
                return None
            raise

    def save(self, dataset: Dataset, analysis: Analysis) -> bool:
        return write_view(self.store, self.key, FirstFrame.of(dataset, analysis))

    def close(self) -> None:
        try:
            self.store.close()
        except Exception as error:
            if not snapshots.store_failed(error):
                raise
