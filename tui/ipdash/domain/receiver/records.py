"""What receivers report about our mail: DMARC aggregate rows and ARF complaints, as pure records.

The sources (``ipdash.sources.dmarc``, ``ipdash.sources.arf``) parse files into these; everything
here is plain data and arithmetic, so the same numbers reach the TUI, ``report`` and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

#: (day, source IP, reporter, header_from domain)
DmarcKey = tuple[date, str, str, str]
#: (day, source IP, mailbox provider scope)
ComplaintKey = tuple[date, str, str]


@dataclass(slots=True)
class DmarcCounts:
    """Messages one reporter saw from one IP on one day for one From domain, and how they fared.

    ``spf_pass`` / ``dkim_pass`` are the receiver's *aligned* results (``policy_evaluated``), which is
    what DMARC judges; ``dmarc_pass`` counts messages where either passed."""

    messages: int = 0
    dmarc_pass: int = 0
    spf_pass: int = 0
    dkim_pass: int = 0
    quarantined: int = 0
    rejected: int = 0

    def add(self, other: DmarcCounts) -> None:
        self.messages += other.messages
        self.dmarc_pass += other.dmarc_pass
        self.spf_pass += other.spf_pass
        self.dkim_pass += other.dkim_pass
        self.quarantined += other.quarantined
        self.rejected += other.rejected


def record_counts(count: int, disposition: str, dkim: str, spf: str) -> DmarcCounts:
    """The counts of one report ``<record>``: ``count`` messages with one evaluated outcome."""
    dkim_ok, spf_ok = dkim.strip().lower() == "pass", spf.strip().lower() == "pass"
    action = disposition.strip().lower()
    return DmarcCounts(
        messages=count,
        dmarc_pass=count if (dkim_ok or spf_ok) else 0,
        spf_pass=count if spf_ok else 0,
        dkim_pass=count if dkim_ok else 0,
        quarantined=count if action == "quarantine" else 0,
        rejected=count if action == "reject" else 0,
    )


@dataclass(slots=True)
class ReceiverData:
    """Everything receivers told us, merged over all files: DMARC counts and ARF complaints.

    Built by the sources; read by ``analyse(..., receiver=...)``. Duplicate reports (the same reporter
    and report id, or the same ARF message) are refused by :meth:`seen`.
    """

    dmarc: dict[DmarcKey, DmarcCounts] = field(default_factory=dict)
    complaints: dict[ComplaintKey, int] = field(default_factory=dict)
    reports: int = 0
    duplicates: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def seen(self, kind: str, identity: str) -> bool:
        """True when a report (``kind``: "dmarc" org + id, "arf" message id) was already added;
        counts the duplicate."""
        if (kind, identity) in self._seen:
            self.duplicates += 1
            return True
        return False

    def mark_seen(self, kind: str, identity: str) -> None:
        """Called once a report was read whole and added (a truncated copy does not hide a good one)."""
        self._seen.add((kind, identity))
        self.reports += 1

    def add_dmarc(self, key: DmarcKey, counts: DmarcCounts) -> None:
        found = self.dmarc.get(key)
        if found is None:
            self.dmarc[key] = counts
        else:
            found.add(counts)

    def add_complaint(self, key: ComplaintKey, count: int = 1) -> None:
        self.complaints[key] = self.complaints.get(key, 0) + count

    def ips(self) -> set[str]:
        return {key[1] for key in self.dmarc} | {key[1] for key in self.complaints}

    def days(self) -> Iterable[date]:
        yield from (key[0] for key in self.dmarc)
        yield from (key[0] for key in self.complaints)
