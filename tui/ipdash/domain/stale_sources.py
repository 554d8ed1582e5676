"""Which IPs show data from a stale source (a file that could not be re-read, a failed poll whose
earlier records are kept): the panels state it beside the IP, so kept data never passes for fresh."""

from __future__ import annotations

from ipdash.domain.models import Dataset, SourceInfo, SourceState


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
