"""Receiver report sources (``[[sources]]`` kinds ``dmarc`` and ``arf``, ``report --dmarc/--arf``, the
sample data's folders) loaded beside the files into one ReceiverData for ``analyse(receiver=...)``.

Each source becomes a SourceInfo (the Sources panel, ``report``'s JSON ``sources``) and each skipped
file or record a RowError with its file and position (JSON ``errors``, stderr); nothing here is
fatal except a path named on the command line that does not exist.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ipdash.domain.config import Config
from ipdash.domain.models import Dataset, SourceInfo, SourceState
from ipdash.domain.receiver import ReceiverData
from ipdash.domain.safe_text import safe_record
from ipdash.sources.dmarc.load import FolderLoad


@dataclass(frozen=True, slots=True)
class ReceiverSource:
    name: str
    kind: str  # "dmarc" | "arf"
    paths: tuple[Path, ...]


def receiver_specs(config: Config, config_path: Path | None = None) -> list[ReceiverSource]:
    """The config's enabled ``dmarc`` / ``arf`` sources, validated (ConfigError names file and key)."""
    from ipdash.sources.sources_config import RECEIVER_KINDS, ReportFolderSpec, validate_sources

    entries = [e for e in config.sources if isinstance(e, dict) and e.get("kind") in RECEIVER_KINDS]
    specs = validate_sources(entries, config_path) if entries else []
    return [
        ReceiverSource(spec.name, spec.kind, _with_spool(spec.paths, spec.spool))
        for spec in specs
        if isinstance(spec, ReportFolderSpec) and spec.enabled
    ]


def _with_spool(paths: Sequence[Path], spool: Path | None) -> tuple[Path, ...]:
    """The paths, and the folder an IMAP mailbox saves into when it is not one of them (or inside one)."""
    if spool is None or any(spool == path or spool.is_relative_to(path) for path in paths):
        return tuple(paths)
    return (*paths, spool)


def sample_receiver_sources() -> list[ReceiverSource]:
    from ipdash.sources.paths import sample_data_dir

    folder = sample_data_dir()
    return [
        ReceiverSource("dmarc", "dmarc", (folder / "dmarc",)),
        ReceiverSource("arf", "arf", (folder / "arf",)),
    ]


def plan_receiver_sources(plan: Any) -> list[ReceiverSource]:
    """For a LoadPlan: the sample data's folders, or the config's receiver sources."""
    if plan.is_sample:
        return sample_receiver_sources()
    return receiver_specs(plan.config, plan.config_path)


def watched_folders(sources: Sequence[ReceiverSource]) -> list[Path]:
    """The named paths and the folders directly inside them: a folder's mtime changes when a report
    is added or removed, so polling these stats (cheap, on the event loop) sees new files."""
    found: list[Path] = []
    for source in sources:
        for path in source.paths:
            found.append(path)
            try:
                with os.scandir(path) as entries:
                    found.extend(Path(entry.path) for entry in entries if entry.is_dir(follow_symlinks=False))
            except OSError:  # a file, or not there (yet): its own stat tells
                continue
    return sorted(set(found))


def load_receiver(sources: Sequence[ReceiverSource], dataset: Dataset, fetched_at: datetime) -> ReceiverData:
    """Read every receiver source into one ReceiverData (duplicates across sources count once);
    each source's outcome and skipped files go into ``dataset.sources`` and ``dataset.errors``."""
    from ipdash.sources.arf.load import load_arf
    from ipdash.sources.dmarc.load import load_dmarc

    receiver = ReceiverData()
    for source in sources:
        loader = load_dmarc if source.kind == "dmarc" else load_arf
        load = loader(source.paths, receiver)
        dataset.errors.extend(safe_record(error) for error in load.errors)
        dataset.sources.append(safe_record(_info(source, load, fetched_at)))
    return receiver


def _info(source: ReceiverSource, load: FolderLoad, fetched_at: datetime) -> SourceInfo:
    what = "DMARC reports" if source.kind == "dmarc" else "ARF reports"
    if load.missing and not load.files:
        return SourceInfo(
            source.name,
            source.kind,
            SourceState.FAILED,
            fetched_at,
            detail=f"not found: {', '.join(load.missing)}",
        )
    parts = [
        f"{load.reports} {what} ({load.records} {'records' if source.kind == 'dmarc' else 'complaints'})"
    ]
    if load.duplicates:
        parts.append(f"{load.duplicates} duplicate(s) counted once")
    if load.ignored:
        parts.append(f"{load.ignored} other file(s) ignored")
    if load.errors:
        parts.append(f"{len(load.errors)} skipped (first: {load.errors[0]})")
    if load.missing:
        parts.append(f"not found: {', '.join(load.missing)}")
    return SourceInfo(
        source.name,
        source.kind,
        SourceState.FRESH,
        fetched_at,
        rows=load.records,
        row_errors=len(load.errors),
        detail=" · ".join(parts),
    )
