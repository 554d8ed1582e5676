"""Which IPs show data from a source that is stale (a file that could not be re-read): provenance
the panels state beside the IP, so data kept from an earlier read never passes for fresh."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ipdash.domain.models import SourceInfo
from ipdash.domain.stale_sources import stale_sources_by_ip
from ipdash.ui.widgets.status_bar import humanise_age

if TYPE_CHECKING:
    from ipdash.ui.messages import DataReady


def stale_by_ip(data: DataReady) -> dict[str, list[SourceInfo]]:
    """IP -> its stale sources, for what is shown: a stored first frame brings them (its dataset
    holds no records to find them in), otherwise they are found in the dataset."""
    return data.stale if data.stale is not None else stale_sources_by_ip(data.dataset)


def stale_note(infos: list[SourceInfo], now: datetime) -> str:
    """ "▲ stale: stats.csv read 5m ago (file not found …)" for each stale source of one IP."""
    parts = []
    for info in infos:
        age = f" read {humanise_age((now - info.fetched_at).total_seconds())} ago" if info.fetched_at else ""
        parts.append(f"▲ stale: {info.name}{age} ({info.detail})")
    return "\n".join(parts)
