"""Which IPs show data from a source that is stale (a file that could not be re-read): provenance
the panels state beside the IP, so data kept from an earlier read never passes for fresh."""

from __future__ import annotations

from datetime import datetime

from ipdash.domain.models import SourceInfo
from ipdash.domain.stale_sources import stale_sources_by_ip
from ipdash.ui.widgets.status_bar import humanise_age

__all__ = ["stale_note", "stale_sources_by_ip"]


def stale_note(infos: list[SourceInfo], now: datetime) -> str:
    """ "▲ stale: stats.csv read 5m ago (file not found …)" for each stale source of one IP."""
    parts = []
    for info in infos:
        age = f" read {humanise_age((now - info.fetched_at).total_seconds())} ago" if info.fetched_at else ""
        parts.append(f"▲ stale: {info.name}{age} ({info.detail})")
    return "\n".join(parts)
