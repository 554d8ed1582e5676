"""The receiver-reported part of one analysis: per-IP views, unknown sources and their feed lines.

``analyse(..., receiver=...)`` calls :func:`prepare` once (ARF complaints into the records, by the rule
in :mod:`ipdash.domain.receiver.complaints`), then :meth:`ReceiverView.for_ip` per IP."""

from __future__ import annotations

from dataclasses import dataclass, field

from ipdash.domain.feed import FeedItem
from ipdash.domain.metrics import IpMetrics, Window
from ipdash.domain.models import Dataset
from ipdash.domain.receiver.complaints import ComplaintMerge, with_arf_complaints
from ipdash.domain.receiver.levels import ReceiverLevels, receiver_levels
from ipdash.domain.receiver.records import DmarcCounts, ReceiverData
from ipdash.domain.receiver.summary import IpReceiver, UnknownSource, per_ip, unknown_sources
from ipdash.domain.verdicts import format_rate

DMARC_SOURCE = "DMARC aggregate reports (receiver-reported)"


@dataclass(frozen=True, slots=True)
class ReceiverView:
    window: Window
    by_ip: dict[str, tuple[DmarcCounts, dict[str, int], set[str]]]
    merge: ComplaintMerge
    unknown: tuple[UnknownSource, ...]
    levels: ReceiverLevels = field(default_factory=receiver_levels)

    def for_ip(self, ip: str, metrics: IpMetrics) -> IpReceiver | None:
        found = self.by_ip.get(ip)
        reported = sum(n for (day, at), n in self.merge.reported.items() if at == ip and day in self.window)
        if found is None and not reported:
            return None
        counts, reporters, _ = found or (DmarcCounts(), {}, set())
        added = sum(n for (day, at), n in self.merge.added.items() if at == ip and day in self.window)
        sent = metrics.totals.sent if metrics.by_provider else None
        return IpReceiver(ip, counts, dict(sorted(reporters.items())), sent, reported, added)

    def breaches(self, found: IpReceiver | None) -> list[FeedItem]:
        """The IP's DMARC pass rate at or under a level (with enough reported messages)."""
        if found is None or found.dmarc_pass_rate is None:
            return []
        levels = self.levels.dmarc_pass_rate
        rate = found.dmarc_pass_rate
        if found.messages < levels.min_messages or rate >= levels.warn:
            return []
        severity, level = ("critical", levels.critical) if rate <= levels.critical else ("warn", levels.warn)
        failing = found.messages - found.counts.dmarc_pass
        reason = (
            f"receivers report {failing:,} of {found.messages:,} messages from {found.ip} failing DMARC "
            f"({format_rate(rate)} pass) from {self.window.start} to {self.window.end}"
        )
        return [
            FeedItem(
                severity=severity,
                since=self.window.start,
                ip=found.ip,
                what="DMARC pass rate · all",
                detail=f"{format_rate(rate)} < {format_rate(levels.warn if severity == 'warn' else level)}",
                source=f"{DMARC_SOURCE}: {levels.source}",
                kind="dmarc",
                metric="dmarc_pass_rate",
                scope="all",
                value=rate,
                threshold=level,
                reason=reason,
            )
        ]

    def unknown_items(self) -> list[FeedItem]:
        """One line per From domain that unknown IPs sent as (bounded however many IPs there are)."""
        levels = self.levels.unknown_source
        by_domain: dict[str, list[UnknownSource]] = {}
        for source in self.unknown:
            for domain in source.header_from:
                by_domain.setdefault(domain, []).append(source)
        items = []
        for domain, sources in sorted(by_domain.items()):
            messages = sum(source.messages for source in sources)
            if messages < levels.min_messages:
                continue
            top = ", ".join(f"{source.ip} ({source.messages:,})" for source in sources[:3])
            more = f" and {len(sources) - 3} more" if len(sources) > 3 else ""
            items.append(
                FeedItem(
                    severity=levels.severity,
                    since=self.window.start,
                    ip=f"dmarc:{domain}",
                    what="DMARC · unknown sources",
                    detail=f"{len(sources)} IP(s) not in your data sent {messages:,} message(s) as {domain}",
                    source=f"{DMARC_SOURCE}: {levels.source}",
                    kind="unknown-source",
                    metric="unknown_sources",
                    scope=domain,
                    value=float(messages),
                    reason=f"IPs not in your data or config sent as {domain}: {top}{more}",
                )
            )
        return items


def prepare(receiver: ReceiverData, dataset: Dataset, window: Window) -> tuple[Dataset, ReceiverView]:
    """The dataset with ARF complaints merged in, and the view the per-IP loop reads."""
    merged, merge = with_arf_complaints(dataset, receiver.complaints)
    by_ip = per_ip(receiver, window)
    unknown = tuple(unknown_sources(by_ip, set(merged.ips())))
    return merged, ReceiverView(window, by_ip, merge, unknown)
