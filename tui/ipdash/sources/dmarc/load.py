"""DMARC aggregate reports from files and folders into ReceiverData, file by file.

A file that is not a report (by name: not .xml/.gz/.zip) is ignored and counted; a report that cannot
be used is reported with its file and position and skipped; the rest loads. A duplicate (same
reporter and report id, e.g. the same report saved twice or delivered to two addresses) counts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ipdash.domain.models import RowError
from ipdash.domain.receiver import DmarcCounts, DmarcKey, ReceiverData, record_counts
from ipdash.domain.receiver.levels import reporter_provider
from ipdash.domain.safe_text import safe_text
from ipdash.sources.dmarc.opener import ReportFileError, is_report_name, open_report
from ipdash.sources.dmarc.parse import DmarcRecord, ReportError, ReportMeta, parse_report, report_day

#: Files a folder may hold before the rest is left unread (a mail spool pointed at by mistake).
MAX_FILES = 200_000


@dataclass(slots=True)
class FolderLoad:
    """What one load of report paths did: for the Sources panel, ``report``'s JSON and stderr."""

    files: int = 0
    reports: int = 0
    records: int = 0
    duplicates: int = 0
    ignored: int = 0
    errors: list[RowError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def report_files(paths: Iterable[Path], load: FolderLoad, *, accept_any_name: bool = False) -> Iterator[Path]:
    """Files named by ``paths`` and the files inside folders named (recursively), sorted per folder."""
    for path in paths:
        if path.is_dir():
            try:
                entries = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            except OSError as error:
                load.errors.append(RowError(str(path), None, None, f"folder cannot be read: {error}"))
                continue
            for entry in entries[:MAX_FILES]:
                if accept_any_name or is_report_name(entry):
                    yield entry
                else:
                    load.ignored += 1
            if len(entries) > MAX_FILES:
                load.errors.append(
                    RowError(str(path), None, None, f"more than {MAX_FILES:,} files: the rest not read")
                )
        elif path.is_file():
            yield path
        else:
            load.missing.append(str(path))


def load_dmarc(paths: Iterable[Path], into: ReceiverData) -> FolderLoad:
    load = FolderLoad()
    for path in report_files(paths, load):
        load.files += 1
        _load_file(path, into, load)
    return load


def _load_file(path: Path, into: ReceiverData, load: FolderLoad) -> None:
    pending: dict[DmarcKey, DmarcCounts] = {}
    named: dict[str, str] = {}  # raw text -> safe text, once per report

    def on_record(meta: ReportMeta, record: DmarcRecord) -> None:
        reporter = named.get("\0reporter")
        if reporter is None:
            reporter = named["\0reporter"] = safe_text(reporter_provider(meta.org_name, meta.email), limit=80)
        header_from = named.get(record.header_from)
        if header_from is None:
            header_from = named[record.header_from] = safe_text(record.header_from, limit=253)
        key = (report_day(meta), record.source_ip, reporter, header_from)
        counts = record_counts(record.count, record.disposition, record.dkim, record.spf)
        found = pending.get(key)
        if found is None:
            pending[key] = counts
        else:
            found.add(counts)

    def accept(meta: ReportMeta) -> bool:
        return not into.seen("dmarc", identity(meta))

    try:
        with open_report(path) as stream:
            outcome = parse_report(stream, on_record, accept)
    except ReportError as error:
        load.errors.append(RowError(str(path), error.line, error.column, f"DMARC report skipped: {error}"))
        return
    except (ReportFileError, OSError, EOFError) as error:
        load.errors.append(RowError(str(path), None, None, f"DMARC report skipped: {_describe(error)}"))
        return
    except Exception as error:  # zlib.error, gzip.BadGzipFile and friends from a damaged archive
        load.errors.append(
            RowError(str(path), None, None, f"DMARC report skipped: {type(error).__name__}: {error}")
        )
        return
    if outcome.duplicate:
        load.duplicates += 1
        return
    assert outcome.meta is not None
    into.mark_seen("dmarc", identity(outcome.meta))
    load.reports += 1
    load.records += outcome.records - len(outcome.skipped)
    for number, message in outcome.skipped:
        load.errors.append(RowError(str(path), None, None, f"record {number} skipped: {message}"))
    for key, counts in pending.items():
        into.add_dmarc(key, counts)


def identity(meta: ReportMeta) -> str:
    """Reports are the same report when the reporter and its report id are (RFC 7489 appendix C)."""
    return f"{' '.join(meta.org_name.split()).lower()}\x00{meta.report_id}"


def _describe(error: Exception) -> str:
    if isinstance(error, EOFError):
        return f"truncated archive ({error})"
    return str(error)
