"""`report`'s analysis shared through the store (``sources.store.snapshots``).

A viewer of a shared store (a ``[store]``-only config) reads the report a poller or an earlier viewer
made of the same data, when every key part matches: the store's data version, the day, the config
as analysed, the code, and the stored blocklist/rDNS results' content (and, while any of them can
turn stale, only until the first does). Anything else (files, polled sources, DMARC/ARF reports,
``--checks``) is analysed as before. What is stored is the report's JSON (without its
``generated_at``), its exit code and notes: ``--format json`` and ``nagios`` print from it exactly
what the analysis gives; the table (rich, sized to the terminal) is rendered from the analysis.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ipdash.domain.analysis import Analysis
from ipdash.domain.models import Dataset
from ipdash.sources.store import snapshots
from ipdash.sources.store.shared_view import FirstFrame

#: The snapshot kind: what was analysed, and how it is shown.
KIND = "report"
_EXIT_CODES = (0, 1, 3)


def checks_input(config: Any) -> str:
    """The stored blocklist/rDNS results' content, as a key part ("absent": none stored)."""
    from ipdash.sources.dns.configure import results_path

    try:
        content = results_path(config.blocklists).read_bytes()
    except OSError:
        return "absent"
    return hashlib.sha256(content).hexdigest()


def report_key(store: Any, config: Any, today: date) -> snapshots.SnapshotKey | None:
    """The key of ``config``'s report on ``store`` now (None: the store keeps no snapshots). The data
    version is read first: data written after it can only make the snapshot newer than its label."""
    if not isinstance(store, snapshots.SnapshotStore):
        return None
    version = store.data_version()
    fingerprint = snapshots.config_fingerprint(config)
    return snapshots.SnapshotKey(KIND, version, today, fingerprint, {"checks": checks_input(config)})


@dataclass(frozen=True)
class StoredReport:
    """A report read from a snapshot: its JSON text as `--format json` writes it, without the
    ``generated_at`` line (:meth:`json_text` puts it back), its exit code and notes."""

    text: str
    exit_code: int
    notes: list[str]

    def json_text(self, generated_at: datetime) -> str:
        """The report's JSON, as ``dumps_json`` writes it with ``generated_at`` first."""
        import orjson

        stamp = orjson.dumps(generated_at.isoformat()).decode()
        return '{\n  "generated_at": ' + stamp + ("," + self.text[1:] if self.text != "{}" else "\n}")

    def payload(self, generated_at: datetime) -> dict[str, Any]:
        import orjson

        found: dict[str, Any] = orjson.loads(self.json_text(generated_at))
        return found


def read_report(store: Any, key: snapshots.SnapshotKey, now: datetime) -> StoredReport | None:
    """The report stored for ``key``, or None (none, another version, damaged, or stale checks)."""
    body = snapshots.read(store, key)
    if body is None:
        return None
    text, code, notes, until = (
        body.get("text"),
        body.get("exit_code"),
        body.get("notes"),
        body.get("valid_until"),
    )
    if not isinstance(text, str) or not text.startswith("{") or not text.endswith("}"):
        return None
    if type(code) is not int or code not in _EXIT_CODES:
        return None
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        return None
    try:
        snapshots.valid_until(until, now)
    except snapshots.Expired:
        return None  # a stored check result has turned stale since: the report changes
    return StoredReport(text, code, notes)


def checks_valid_until(config: Any, now: datetime) -> datetime | None:
    """When the first stored check result fresh at ``now`` turns stale (None: none will)."""
    from ipdash.sources.dns.stored import stored_check_results

    results, _problems = stored_check_results(config.blocklists, now)
    if results.stale_after is None:
        return None
    turns: list[datetime] = [
        result.checked_at + results.stale_after
        for result in results.by_ip.values()
        if result.checked_at + results.stale_after > now
    ]
    return min(turns, default=None)


def report_body(
    result: Analysis, dataset: Dataset, notes: list[str], exit_code: int, valid_until: datetime | None
) -> dict[str, Any] | None:
    """What is stored: the report's JSON as `--format json` writes it, without generated_at (None: a
    value orjson cannot write, which the stdlib's encoder then writes in its own way: not stored)."""
    import orjson

    from ipdash.commands._output import _ORJSON_OPTIONS, _default
    from ipdash.commands.report import report_json

    payload = report_json(result, dataset, generated_at=datetime.now(UTC))
    del payload["generated_at"]
    try:
        text = orjson.dumps(payload, default=_default, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return None
    return {
        "text": text,
        "exit_code": exit_code,
        "notes": list(notes),
        "valid_until": valid_until.isoformat() if valid_until is not None else None,
    }


def save_report(store: Any, key: snapshots.SnapshotKey, body: dict[str, Any]) -> bool:
    """Store ``body`` for ``key``; False when it could not be (the report is printed all the same)."""
    return snapshots.write_or_lose(store, key, body)


def refresh_for_viewers(store: Any, config: Any, today: date | None = None) -> bool:
    """Analyse the store as a ``[store]``-only viewer with this config (``[[sources]]`` aside) would,
    and store the report for them, unless one of the same key is stored already. Returns whether a
    report (or the TUI's first frame, ``sources.store.shared_view``) was analysed and stored.
    Blocking: `ipdash poll` runs it in a child process."""
    from ipdash.sources.store.shared_view import refresh_view

    # The viewer's config: this one without what feeds the poller's own data (a viewer with the
    # same [thresholds], [warmup], [[ips]] … and no files makes this analysis of the store).
    viewer = config.model_copy(update={"sources": [], "csv": [], "snds_files": [], "facts_files": []})
    today = today or date.today()
    reported, analysed = _refresh_report(store, viewer, today)
    return refresh_view(store, viewer, today, analysed) or reported


def _refresh_report(store: Any, viewer: Any, today: date) -> tuple[bool, FirstFrame | None]:
    """The report part of :func:`refresh_for_viewers` (``viewer``: the viewer's config), and the
    exporter's (``commands._shared_metrics``): one analysis for both, `report`'s. Returns whether
    one was stored, and, when no check results are stored at all, that analysis as the TUI's first
    frame too (``sources.store.shared_view``: the TUI's first analysis has none; with none stored
    the report's is the same analysis of the same history)."""
    from ipdash.commands._analysis import ChecksChoice, analyse_for_cli, finding_exit_code
    from ipdash.commands._shared_metrics import MetricsFrame, metrics_key, read_metrics, write_metrics
    from ipdash.sources.loader import load_lean_from_store

    key, exporter_key = report_key(store, viewer, today), metrics_key(store, viewer, today)
    now = datetime.now(UTC)
    report_missing = key is not None and read_report(store, key, now) is None
    metrics_missing = exporter_key is not None and read_metrics(store, exporter_key, now) is None
    if not (report_missing or metrics_missing):
        return False, None
    no_checks = checks_input(viewer) == "absent"  # read before the analysis reads them
    dataset, lean = load_lean_from_store(store, viewer, viewer.window_days)
    result, notes = analyse_for_cli(dataset, viewer, ChecksChoice(), today=today, lean=lean)
    until = checks_valid_until(viewer, now)
    stored = False
    if report_missing and key is not None:
        body = report_body(result, dataset, notes, finding_exit_code(result, dataset), until)
        stored = body is not None and save_report(store, key, body)
    if metrics_missing and exporter_key is not None:
        stored = write_metrics(store, exporter_key, MetricsFrame.of(dataset, result), until) or stored
    return stored, FirstFrame.of(dataset, result) if no_checks and checks_input(viewer) == "absent" else None


def refresh_main(config_path: str) -> None:
    """`ipdash poll`'s child process: :func:`refresh_for_viewers` on the poller's config and store
    (``config_path`` empty: the config `ipdash poll` found without one)."""
    from ipdash.sources.config_file import load_config
    from ipdash.sources.live import open_configured_store

    config, found_at = load_config(Path(config_path) if config_path else None, required=True)
    store = open_configured_store(config, found_at)
    try:
        refresh_for_viewers(store, config)
    finally:
        store.close()


@dataclass
class SharedReport:
    """`report`'s side: the store opened for the key, the stored report read, a new one stored."""

    store: Any
    key: snapshots.SnapshotKey
    today: date
    now: datetime

    @classmethod
    def open(cls, config: Any, config_path: Path | None) -> SharedReport | None:
        """None when ``config`` is not a shared viewer's or its store cannot be opened (the normal
        path then says why)."""
        from ipdash.sources.store.shared_view import open_keyed

        today, now = date.today(), datetime.now(UTC)
        found = open_keyed(config, config_path, lambda store: report_key(store, config, today))
        if found is None:
            return None
        store, key = found
        return cls(store, key, today, now)

    def lookup(self) -> StoredReport | None:
        try:
            return read_report(self.store, self.key, self.now)
        except Exception as error:
            if snapshots.store_failed(error):
                return None
            raise

    def save(self, result: Analysis, dataset: Dataset, notes: list[str], config: Any) -> None:
        """Store the report analysed now, for the next viewer; then close the store."""
        from ipdash.commands._analysis import finding_exit_code

        try:
            until = checks_valid_until(config, self.now)
            body = report_body(result, dataset, notes, finding_exit_code(result, dataset), until)
            if body is not None:
                save_report(self.store, self.key, body)
        finally:
            self.close()

    def close(self) -> None:
        self.store.close()
