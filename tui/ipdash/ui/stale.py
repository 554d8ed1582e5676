"""Which IPs show data from a source that is stale (a file that could not be re-read): provenance
the panels state beside the IP, so data kept from an earlier read never passes for fresh."""

from __future__ import annotations

from datetime import datetime

from ipdash.domain.models import Dataset, SourceInfo, SourceState
from ipdash.ui.widgets.status_bar import humanise_age


def stale_sources_by_ip(dataset: Dataset) -> dict[str, list[SourceInfo]]:
    """IP -> the stale sources its records came from (empty when every source is fresh)."""
    stale = {info.name: info for info in dataset.sources if info.state is SourceState.STALE}
    if not stale:
        return {}
    found: dict[str, list[SourceInfo]] = {}
    if dataset.has_stats():
        import polars as pl

        pairs = (
            dataset.frame()
            .filter(pl.col("source").cast(pl.String).is_in(list(stale)))
            .select(pl.col("ip").cast(pl.String), pl.col("source").cast(pl.String))
            .unique()
        )
        for ip, source in pairs.iter_rows():
            found.setdefault(ip, []).append(stale[source])
    for (ip, _day), snds in dataset.snds.items():
        info = stale.get(snds.source or "")
        if info is not None and info not in found.setdefault(ip, []):
            found[ip].append(info)
    return {ip: infos for ip, infos in found.items() if infos}


def stale_note(infos: list[SourceInfo], now: datetime) -> str:
    """ "▲ stale: stats.csv read 5m ago (file not found …)" for each stale source of one IP."""
    parts = []
    for info in infos:
        age = f" read {humanise_age((now - info.fetched_at).total_seconds())} ago" if info.fetched_at else ""
        parts.append(f"▲ stale: {info.name}{age} ({info.detail})")
    return "\n".join(parts)
