"""Per IP over the analysis window: what receivers reported (DMARC volume and pass rates, by
reporter; ARF complaints), next to the ESP's own count; and the sources that are not ours."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from ipdash.domain.metrics import Window
from ipdash.domain.receiver.records import DmarcCounts, ReceiverData


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class IpReceiver:
    """One IP's receiver-reported view. ``messages`` is a separate series from the ESP's ``sent``:
    it is never added to it (a gap means mail the ESP does not know about, or reports not received)."""

    ip: str
    counts: DmarcCounts
    reporters: Mapping[str, int]
    esp_sent: int | None = None
    arf_complaints: int = 0
    #: Complaints the ARF reports added to the ESP's count (the rest the ESP already counted).
    arf_added: int = 0

    @property
    def messages(self) -> int:
        return self.counts.messages

    @property
    def dmarc_pass_rate(self) -> float | None:
        return _rate(self.counts.dmarc_pass, self.counts.messages)

    @property
    def spf_pass_rate(self) -> float | None:
        return _rate(self.counts.spf_pass, self.counts.messages)

    @property
    def dkim_pass_rate(self) -> float | None:
        return _rate(self.counts.dkim_pass, self.counts.messages)

    @property
    def coverage(self) -> float | None:
        """Receiver-reported messages per message the ESP says it sent (1.0 = every one reported)."""
        if not self.esp_sent:
            return None
        return self.messages / self.esp_sent

    def to_json(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "dmarc_pass_rate": self.dmarc_pass_rate,
            "spf_pass_rate": self.spf_pass_rate,
            "dkim_pass_rate": self.dkim_pass_rate,
            "reporters": dict(self.reporters),
            "quarantined": self.counts.quarantined,
            "rejected": self.counts.rejected,
            "arf_complaints": self.arf_complaints,
            "arf_complaints_added": self.arf_added,
        }


@dataclass(frozen=True, slots=True)
class UnknownSource:
    """An IP that receivers saw sending as one of our domains and that no source or config knows."""

    ip: str
    counts: DmarcCounts
    header_from: tuple[str, ...]
    reporters: Mapping[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return self.counts.messages

    @property
    def dmarc_pass_rate(self) -> float | None:
        return _rate(self.counts.dmarc_pass, self.counts.messages)

    def to_json(self) -> dict[str, object]:
        return {
            "ip": self.ip,
            "messages": self.messages,
            "header_from": list(self.header_from),
            "dmarc_pass_rate": self.dmarc_pass_rate,
            "reporters": dict(self.reporters),
        }


def per_ip(receiver: ReceiverData, window: Window) -> dict[str, tuple[DmarcCounts, dict[str, int], set[str]]]:
    """Counts, messages per reporter and From domains per source IP, over the window."""
    found: dict[str, tuple[DmarcCounts, dict[str, int], set[str]]] = {}
    for (day, ip, reporter, header_from), counts in receiver.dmarc.items():
        if day not in window:
            continue
        entry = found.get(ip)
        if entry is None:
            entry = found[ip] = (DmarcCounts(), defaultdict(int), set())
        entry[0].add(counts)
        entry[1][reporter] += counts.messages
        entry[2].add(header_from)
    return found


def unknown_sources(
    by_ip: Mapping[str, tuple[DmarcCounts, dict[str, int], set[str]]], known: Collection[str]
) -> list[UnknownSource]:
    """Reported IPs that are not ours, most messages first."""
    unknown = [
        UnknownSource(ip, counts, tuple(sorted(domains)), dict(sorted(reporters.items())))
        for ip, (counts, reporters, domains) in by_ip.items()
        if ip not in known
    ]
    return sorted(unknown, key=lambda source: (-source.messages, source.ip))
