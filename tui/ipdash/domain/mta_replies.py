"""SMTP replies from MTA logs, per IP: the top reasons over the window, the deferral rate, and a feed line
for every blocking reason that is new at a mailbox provider.

The replies are their own input to ``analyse`` (the daily counts they came with are ordinary
DailyStat records, so thresholds and score need nothing new). A reason is *new* when its rule did not
match any reply from that IP to that mailbox provider in the ``NEW_REASON_LOOKBACK_DAYS`` before the
window: a reason already there last month is shown in the top reasons, not raised again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ipdash.domain.feed import FeedItem
from ipdash.domain.metrics import Window

#: How far before the window a reason must be absent to count as new (four weeks: a monthly sender's
#: previous campaign is inside it, so its recurring reasons are not new every month).
NEW_REASON_LOOKBACK_DAYS = 28
#: Reasons listed per mailbox provider in the IP detail and report JSON.
TOP_PER_PROVIDER = 5

Outcome = str  # "bounced" | "deferred" | "delivered" (a count only: the deferral rate's denominator)


@dataclass(frozen=True, slots=True)
class ReplyCount:
    """How many times one (normalised) reply came back on one day, from one IP, at one mailbox provider."""

    day: date
    ip: str
    mailbox_provider: str
    outcome: Outcome
    reply: str
    rule_id: str
    reason_class: str
    label: str
    reason_source: str
    blocking: bool
    severity: str | None
    count: int
    source: str = ""

    @property
    def key(self) -> tuple[str, date, str, str, str, str, str]:
        return (self.source, self.day, self.ip, self.mailbox_provider, self.outcome, self.rule_id, self.reply)


@dataclass(frozen=True, slots=True)
class TopReason:
    mailbox_provider: str
    reply: str
    reason_class: str
    label: str
    rule_id: str
    outcome: Outcome
    count: int
    blocking: bool
    source: str


@dataclass(frozen=True, slots=True)
class IpReplies:
    """One IP's replies over the window."""

    top_reasons: tuple[TopReason, ...]
    deferred: int
    #: Delivery attempts: the messages sent (final outcomes, from whichever source counts them) plus the
    #: log's deferrals. A log that is an excerpt of failures still gets the full volume as denominator.
    attempts: int

    @property
    def deferred_rate(self) -> float | None:
        """Deferrals / delivery attempts (a message deferred twice and then delivered is 3 attempts)."""
        return min(self.deferred / self.attempts, 1.0) if self.attempts else None


class ReplyIndex:
    """The replies grouped per IP for one window (built once per analysis)."""

    def __init__(self, replies: Iterable[ReplyCount], window: Window) -> None:
        self.window = window
        lookback_start = window.start - timedelta(days=NEW_REASON_LOOKBACK_DAYS)
        self._in_window: dict[str, list[ReplyCount]] = defaultdict(list)
        self._before: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for reply in replies:
            if reply.day in window:
                self._in_window[reply.ip].append(reply)
            elif lookback_start <= reply.day < window.start:
                self._before[reply.ip].add((reply.mailbox_provider, reply.rule_id))

    def __bool__(self) -> bool:
        return bool(self._in_window)

    def for_ip(self, ip: str, sent: int) -> IpReplies | None:
        """None when no MTA log has this IP in the window."""
        found = self._in_window.get(ip)
        if not found:
            return None
        grouped: dict[tuple[str, str, str, str], list[ReplyCount]] = defaultdict(list)
        for reply in found:
            if reply.outcome == "delivered":
                continue
            grouped[(reply.mailbox_provider, reply.rule_id, reply.reply, reply.outcome)].append(reply)
        tops = [
            TopReason(
                mailbox_provider=provider,
                reply=text,
                reason_class=items[0].reason_class,
                label=items[0].label,
                rule_id=rule_id,
                outcome=outcome,
                count=sum(item.count for item in items),
                blocking=items[0].blocking,
                source=items[0].reason_source,
            )
            for (provider, rule_id, text, outcome), items in grouped.items()
        ]
        tops.sort(key=lambda top: (-top.count, top.mailbox_provider, top.reply))
        per_provider: dict[str, int] = defaultdict(int)
        kept = []
        for top in tops:
            if per_provider[top.mailbox_provider] < TOP_PER_PROVIDER:
                per_provider[top.mailbox_provider] += 1
                kept.append(top)
        deferred = sum(reply.count for reply in found if reply.outcome == "deferred")
        return IpReplies(tuple(kept), deferred, sent + deferred)

    def breaches(self, ip: str) -> list[FeedItem]:
        """A feed line per blocking reason new at a mailbox provider in the window."""
        first: dict[tuple[str, str], ReplyCount] = {}
        counts: dict[tuple[str, str], int] = defaultdict(int)
        earlier = self._before.get(ip, set())
        for reply in self._in_window.get(ip, ()):
            key = (reply.mailbox_provider, reply.rule_id)
            if not reply.blocking or reply.severity is None or key in earlier:
                continue
            counts[key] += reply.count
            if key not in first or reply.day < first[key].day:
                first[key] = reply
        return [_new_reason_item(reply, counts[key]) for key, reply in sorted(first.items())]


def _new_reason_item(reply: ReplyCount, count: int) -> FeedItem:
    times = "1 reply" if count == 1 else f"{count:,} replies"
    return FeedItem(
        severity="critical" if reply.severity == "critical" else "warn",
        since=reply.day,
        ip=reply.ip,
        what=f"new block reason · {reply.mailbox_provider}",
        detail=f"{reply.label} ({times}): {reply.reply}",
        source=f"MTA log {reply.source}: {reply.reason_source}",
        kind="block-reason",
        metric=reply.rule_id,
        scope=reply.mailbox_provider,
        reason=f"{reply.label}, first seen {reply.day} ({times} in the window)",
    )
