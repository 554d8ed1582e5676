"""ARF complaints into the complaint rate, without counting a complaint twice.

The merge rule, per (day, IP, mailbox provider):

* ESPs and FBL reports usually count the *same* complaints: an ESP learns of a complaint from the
  mailbox provider's feedback loop, the very ARF message the user also receives. Adding the two would
  count each complaint twice, so the merged count is the **larger** of the two, never their sum: a
  complaint the ESP missed is added, one it reported is not counted again.
* When the ESP has no split by mailbox provider for that day (its record is ``all``), the day's ARF
  complaints over every provider are compared with that one record.
* When the ESP has no record for that provider that day (other providers', or none at all that day
  for an IP it knows), it cannot have counted those complaints: a record with the complaints only
  (sent 0, source "ARF feedback reports") is added, so the window's complaint count includes them.
* Complaints for an IP the sending data does not know are not added anywhere (no volume to rate them
  against); they are counted as ``unmatched``.

The merged records keep the ESP's source name; ``ComplaintMerge.added`` is the provenance: how many
complaints per (day, IP) came from the ARF reports and not from the ESP.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from ipdash.domain.models import ALL_PROVIDERS, DailyStat, Dataset

ARF_SOURCE = "ARF feedback reports"


@dataclass(frozen=True, slots=True)
class ComplaintMerge:
    #: Complaints per (day, IP) that the ARF reports added beyond the ESP's own count.
    added: dict[tuple[date, str], int] = field(default_factory=dict)
    #: ARF complaints per (day, IP) for IPs the sending data knows.
    reported: dict[tuple[date, str], int] = field(default_factory=dict)
    unmatched: int = 0


def with_arf_complaints(
    dataset: Dataset, complaints: dict[tuple[date, str, str], int]
) -> tuple[Dataset, ComplaintMerge]:
    """A copy of ``dataset`` whose complaint counts include the ARF complaints (rule above)."""
    if not complaints or not dataset.has_stats():
        return dataset, ComplaintMerge(unmatched=sum(complaints.values()))
    import polars as pl

    from ipdash.domain.stats_table import stat_of

    known = dataset.stat_ips()
    grouped: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    unmatched = 0
    for (day, ip, provider), count in complaints.items():
        if ip in known:
            grouped[(day, ip)][provider] = grouped[(day, ip)].get(provider, 0) + count
        else:
            unmatched += count
    if not grouped:
        return dataset, ComplaintMerge(unmatched=unmatched)
    frame = dataset.frame().filter(
        pl.col("ip").is_in([ip for _, ip in grouped]) & pl.col("day").is_in([day for day, _ in grouped])
    )
    existing = {(s.day, s.ip, s.mailbox_provider): s for s in map(stat_of, frame.iter_rows(named=True))}
    updates: list[DailyStat] = []
    added: dict[tuple[date, str], int] = {}
    reported: dict[tuple[date, str], int] = {}
    for (day, ip), providers in grouped.items():
        reported[(day, ip)] = sum(providers.values())
        unsplit = existing.get((day, ip, ALL_PROVIDERS))
        gained = 0
        if unsplit is not None:
            total = sum(providers.values())
            have = unsplit.complaints or 0
            if total > have:
                updates.append(replace(unsplit, complaints=total))
                gained = total - have
        else:
            for provider, count in providers.items():
                record = existing.get((day, ip, provider))
                if record is None:
                    updates.append(DailyStat(day, ip, provider, sent=0, complaints=count, source=ARF_SOURCE))
                    gained += count
                elif count > (record.complaints or 0):
                    updates.append(replace(record, complaints=count))
                    gained += count - (record.complaints or 0)
        if gained:
            added[(day, ip)] = gained
    if not updates:
        return dataset, ComplaintMerge({}, reported, unmatched)
    merged = dataset.copy()
    merged.add_all(updates)
    return merged, ComplaintMerge(added, reported, unmatched)
