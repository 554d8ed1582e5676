"""Read MTA logs (a file or a folder of segments) into daily records and reply counts.

Each bad line is a RowError with the file and line (the first ``MAX_ERRORS_KEPT`` per source are kept,
all are counted) and is skipped; the rest loads. A file in a folder that is not a log (binary, missing,
unreadable) is one error for that file, never fatal. Memory is bounded: lines are streamed and only
per-(day, IP, mailbox provider) counts are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Literal, Protocol

from ipdash.domain.bounce_reasons import ReasonClassifier
from ipdash.domain.models import DailyStat, RowError
from ipdash.domain.mta_replies import ReplyCount
from ipdash.domain.mta_tally import MtaTally
from ipdash.sources.mta.common import RecordError
from ipdash.sources.mta.lines import LineProblem, MtaFileError, read_lines
from ipdash.sources.reference_data import load_package_json

MtaFormat = Literal["kumomta", "powermta", "postfix"]
MTA_FORMATS: tuple[MtaFormat, ...] = ("kumomta", "powermta", "postfix")
MAX_ERRORS_KEPT = 100
#: Files in a folder that are never logs.
_SKIPPED_SUFFIXES = (".md", ".txt.sig", ".lock", ".pid", ".sig", ".sha256")


class _Parser(Protocol):
    mta: str

    def parse(self, text: str, tally: MtaTally) -> bool: ...


@dataclass
class MtaLoadResult:
    stats: list[DailyStat] = field(default_factory=list)
    replies: list[ReplyCount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    #: Delivery outcomes counted (deliveries, bounces, deferrals, complaints).
    rows: int = 0
    #: Records of types that say nothing about reputation (receptions, connection notes, …).
    passed_over: int = 0
    files: int = 0

    def report(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


def classifier() -> ReasonClassifier:
    return _CLASSIFIER.get()


class _Cached:
    def __init__(self) -> None:
        self.value: ReasonClassifier | None = None

    def get(self) -> ReasonClassifier:
        if self.value is None:
            self.value = ReasonClassifier(load_package_json("bounce_reasons.json"))
        return self.value


_CLASSIFIER = _Cached()


def log_files(path: Path) -> list[Path]:
    """The file, or a folder's regular non-hidden files sorted by name (KumoMTA names segments by time)."""
    if path.is_dir():
        return sorted(
            child
            for child in path.iterdir()
            if child.is_file()
            and not child.name.startswith(".")
            and not child.name.endswith(_SKIPPED_SUFFIXES)
        )
    return [path]


def read_mta_log(
    path: Path,
    log_format: MtaFormat,
    *,
    ip_names: Mapping[str, str] | None = None,
    source: str | None = None,
    zone: tzinfo | None = None,
) -> MtaLoadResult:
    """Everything in ``path`` (``zone``: of Postfix's classic stamps; None: the machine's local zone). Raises MtaFileError when ``path`` itself does not exist or cannot be listed."""
    if log_format not in MTA_FORMATS:
        raise MtaFileError(f"unknown MTA log format {log_format!r}; use one of {', '.join(MTA_FORMATS)}")
    if not path.exists():
        raise MtaFileError(f"{path}: file or folder not found")
    try:
        files = log_files(path)
    except OSError as error:
        raise MtaFileError(f"{path}: cannot list: {error.strerror or error}") from error
    names = dict(ip_names or {})
    label = source or path.name
    tally = MtaTally(classifier(), source=label, mta=log_format)
    result = MtaLoadResult()
    for file in files:
        parser = _parser(log_format, names, file, zone)
        _read_file(file, parser, tally, result, single=len(files) == 1 and file == path)
    result.stats = tally.stats()
    result.replies = tally.replies()
    return result


def _parser(log_format: MtaFormat, names: dict[str, str], file: Path, zone: tzinfo | None) -> _Parser:
    if log_format == "kumomta":
        from ipdash.sources.mta.kumomta import KumoParser

        return KumoParser(names)
    if log_format == "powermta":
        from ipdash.sources.mta.powermta import PowerMtaParser

        return PowerMtaParser(names)
    from ipdash.sources.mta.postfix import PostfixParser

    try:
        modified = datetime.fromtimestamp(file.stat().st_mtime, UTC)
    except OSError:
        modified = datetime.now(UTC)
    return PostfixParser(names, year=modified.year, month=modified.month, zone=zone)


def _read_file(file: Path, parser: _Parser, tally: MtaTally, result: MtaLoadResult, *, single: bool) -> None:
    name = str(file)
    try:
        lines = read_lines(file)
    except MtaFileError as error:
        if single:
            raise
        result.report(RowError(name, None, None, f"{error}: skipped"))
        return
    result.files += 1
    for item in lines:
        if isinstance(item, LineProblem):
            result.report(RowError(name, item.number, None, item.message))
            continue
        if not item.text.strip():
            continue
        try:
            counted = parser.parse(item.text, tally)
        except RecordError as error:
            message = str(error)
            if item.partial:
                message = f"incomplete last line (the file may still be being written): {message}"
            result.report(RowError(name, item.number, None, message))
            continue
        if counted:
            result.rows += 1
        else:
            result.passed_over += 1
