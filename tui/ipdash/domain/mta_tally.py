"""Delivery outcomes from MTA logs, counted per (day, IP, mailbox provider) as they stream past.

Memory is bounded by the keys, not the lines: counts per (day, IP, mailbox provider), and at most
``MAX_REPLIES_PER_KEY`` distinct replies per key (further ones are counted under their rule's label).

* sent = delivered + bounced (final outcomes; a deferral is retried, so it is not a message sent)
* blocked = bounces whose reason is a policy or reputation refusal (``bounce_reasons``)
* complaints are counted only when the log carries feedback records at all: otherwise unknown, never 0
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from ipdash.domain.bounce_reasons import ReasonClassifier, normalise_reply
from ipdash.domain.mailbox_providers import normalise_mailbox_provider
from ipdash.domain.models import DailyStat
from ipdash.domain.mta_replies import ReplyCount

MAX_REPLIES_PER_KEY = 50

_DELIVERED, _BOUNCED, _BLOCKED, _COMPLAINTS = range(4)
StatKey = tuple[date, str, str]


def recipient_provider(recipient: str) -> str:
    """The mailbox provider of an address (``user@hotmail.co.uk`` → ``outlook.com``) or of a bare domain."""
    domain = recipient.rpartition("@")[2].strip().strip("<>").lower()
    return normalise_mailbox_provider(domain)


class MtaTally:
    def __init__(self, classifier: ReasonClassifier, *, source: str, mta: str) -> None:
        self.classifier = classifier
        self.source = source
        self.mta = mta
        self._counts: dict[StatKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self._replies: dict[tuple[StatKey, str, str, str], int] = defaultdict(int)
        self._distinct: dict[StatKey, int] = defaultdict(int)
        self._rules: dict[str, tuple[str, str, str, bool, str | None]] = {}
        self.saw_feedback = False
        self.events = 0

    def delivered(self, day: date, ip: str, provider: str) -> None:
        self.events += 1
        self._counts[(day, ip, provider)][_DELIVERED] += 1

    def complaint(self, day: date, ip: str, provider: str) -> None:
        self.events += 1
        self.saw_feedback = True
        self._counts[(day, ip, provider)][_COMPLAINTS] += 1

    def failed(
        self, day: date, ip: str, provider: str, *, permanent: bool, reply: str, category: str = ""
    ) -> None:
        """A bounce (``permanent``) or a deferral, with the SMTP reply and the MTA's own category."""
        self.events += 1
        key = (day, ip, provider)
        text = normalise_reply(reply) or "(no reply text)"
        found = self.classifier.classify(text, provider, self.mta, category)
        if permanent:
            counts = self._counts[key]
            counts[_BOUNCED] += 1
            if found.blocking:
                counts[_BLOCKED] += 1
        self._rules[found.rule_id] = (
            found.reason_class.name,
            found.label,
            found.source,
            found.blocking,
            found.reason_class.severity,
        )
        reply_key = (key, "bounced" if permanent else "deferred", found.rule_id, text)
        if reply_key not in self._replies:
            if self._distinct[key] >= MAX_REPLIES_PER_KEY:
                reply_key = (key, reply_key[1], found.rule_id, f"(other replies: {found.label})")
            else:
                self._distinct[key] += 1
        self._replies[reply_key] += 1

    def stats(self) -> list[DailyStat]:
        complaints_known = self.saw_feedback
        return [
            DailyStat(
                day=day,
                ip=ip,
                mailbox_provider=provider,
                sent=counts[_DELIVERED] + counts[_BOUNCED],
                delivered=counts[_DELIVERED],
                bounced=counts[_BOUNCED],
                blocked=counts[_BLOCKED],
                complaints=counts[_COMPLAINTS] if complaints_known else None,
                source=self.source,
            )
            for (day, ip, provider), counts in self._counts.items()
        ]

    def replies(self) -> list[ReplyCount]:
        """Every reply counted, plus one ``delivered`` count per key (the deferral rate's denominator)."""
        found = [
            ReplyCount(
                day,
                ip,
                provider,
                "delivered",
                "",
                "",
                "",
                "",
                "",
                False,
                None,
                counts[_DELIVERED],
                self.source,
            )
            for (day, ip, provider), counts in self._counts.items()
            if counts[_DELIVERED]
        ]
        for ((day, ip, provider), outcome, rule_id, text), count in self._replies.items():
            reason_class, label, source, blocking, severity = self._rules[rule_id]
            found.append(
                ReplyCount(
                    day=day,
                    ip=ip,
                    mailbox_provider=provider,
                    outcome=outcome,
                    reply=text,
                    rule_id=rule_id,
                    reason_class=reason_class,
                    label=label,
                    reason_source=source,
                    blocking=blocking,
                    severity=severity,
                    count=count,
                    source=self.source,
                )
            )
        return found
