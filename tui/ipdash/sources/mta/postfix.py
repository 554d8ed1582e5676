"""Postfix delivery logs (syslog or ``maillog_file``), one IP per transport.

Senders with several IPs give each its own ``smtp`` transport in master.cf with ``-o syslog_name=…`` and
``-o smtp_bind_address=…``; ``ip_names`` maps each ``syslog_name`` to its IP. A delivery line is
``QUEUEID: to=<rcpt>, relay=…, dsn=X.Y.Z, status=sent|deferred|bounced (text)``; a ``qmgr`` line
``QUEUEID: from=<…>, status=expired, returned to sender`` has no transport, so it is joined by queue id
with that message's last delivery attempt (its IP and mailbox provider) and counted as a bounce.

Traditional syslog lines carry no year and no zone: the year is the file's (a month after the file's
month is the year before) and the times are read in the configured zone (``timezone``, an IANA name;
default the machine's local zone, which is what syslog wrote them in), then counted on their UTC day.
RFC 3339 stamps (``-o maillog_file`` / rsyslog's high-precision format) are read with their offset.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo

from ipdash.domain.mta_tally import MtaTally, recipient_provider
from ipdash.sources.mta.common import RecordError, sending_ip

_MONTHS = {
    name: index
    for index, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_TRADITIONAL = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)(?:\.\d+)? \S+ (?P<tag>[^\s\[]+)\[\d+\]: (?P<msg>.*)$"
)
_RFC3339 = re.compile(
    r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ (?P<tag>[^\s\[]+)\[\d+\]: (?P<msg>.*)$"
)
_DELIVERY = re.compile(
    r"^(?P<qid>[0-9A-Za-z]+): to=<(?P<to>[^>]*)>,.*?\bstatus=(?P<status>\w+)(?: \((?P<text>.*)\))?\s*$"
)
_DSN = re.compile(r"\bdsn=(\d\.\d{1,3}\.\d{1,3})\b")
_EXPIRED = re.compile(r"^(?P<qid>[0-9A-Za-z]+): from=<[^>]*>, status=expired")
_SAID = re.compile(r"\bsaid: (.*?)(?: \(in reply to [^)]*\))?$")
_DELIVERY_AGENTS = frozenset({"smtp", "lmtp"})
#: Queue ids remembered for the expired-message join (bounded: a queue lives days, not millions of ids).
MAX_QUEUE_IDS = 200_000


class PostfixParser:
    mta = "postfix"

    def __init__(
        self, ip_names: Mapping[str, str], *, year: int, month: int, zone: tzinfo | None = None
    ) -> None:
        self.ip_names = ip_names
        self.year, self.month = year, month
        self.zone = zone  # None: the machine's local zone
        self._days: dict[tuple[int, str, str, str], date] = {}
        self._last_attempt: OrderedDict[str, tuple[str, str, str]] = OrderedDict()

    def parse(self, text: str, tally: MtaTally) -> bool:
        match = _RFC3339.match(text)
        if match is not None:
            try:
                stamp = datetime.fromisoformat(match["stamp"].replace("Z", "+00:00"))
            except ValueError:
                raise RecordError(f"bad time stamp {match['stamp']!r}") from None
            day = (stamp.astimezone(UTC) if stamp.tzinfo else stamp).date()
        else:
            match = _TRADITIONAL.match(text)
            if match is None or match["mon"] not in _MONTHS:
                raise RecordError("not a syslog line (expected 'Mon DD HH:MM:SS host program[pid]: …')")
            month = _MONTHS[match["mon"]]
            day = self._utc_day(month, match["day"], match["h"], match["m"], text)
        syslog_name, _, agent = match["tag"].rpartition("/")
        message = match["msg"]
        if agent == "qmgr":
            return self._expired(message, day, tally)
        if agent not in _DELIVERY_AGENTS or not syslog_name:
            return False
        delivery = _DELIVERY.match(message)
        if delivery is None:
            return False  # connection notes, TLS lines, warnings: not a delivery outcome
        status, qid = delivery["status"], delivery["qid"]
        ip = sending_ip(None, syslog_name, self.ip_names, "syslog_name")
        provider = recipient_provider(delivery["to"])
        reply = self._reply(message, delivery["text"] or "")
        if status == "sent":
            tally.delivered(day, ip, provider)
            self._last_attempt.pop(qid, None)
        elif status in ("bounced", "deferred"):
            tally.failed(day, ip, provider, permanent=status == "bounced", reply=reply)
            self._remember(qid, (ip, provider, reply))
        else:
            return False  # undeliverable probes, "deliverable" (sendmail -bv), …
        return True

    def _utc_day(self, month: int, day: str, hour: str, minute: str, text: str) -> date:
        """The UTC day of a zone-less stamp, remembered per minute (zone offsets and their changes
        fall on whole minutes; a log repeats each minute thousands of times)."""
        key = (month, day, hour, minute)
        found = self._days.get(key)
        if found is not None:
            return found
        try:
            logged = datetime(
                self.year - (month > self.month), month, int(day), int(hour), int(minute), tzinfo=self.zone
            )
        except ValueError:
            raise RecordError(f"no such day or time: {text[:15]!r}") from None
        found = logged.astimezone(UTC).date()  # a naive time is the local zone's
        if len(self._days) >= 100_000:
            self._days.clear()
        self._days[key] = found
        return found

    def _reply(self, message: str, text: str) -> str:
        said = _SAID.search(text)
        if said is not None:
            return said.group(1)
        dsn = _DSN.search(message)
        return f"{dsn.group(1)} {text}" if dsn else text

    def _remember(self, qid: str, attempt: tuple[str, str, str]) -> None:
        self._last_attempt[qid] = attempt
        self._last_attempt.move_to_end(qid)
        if len(self._last_attempt) > MAX_QUEUE_IDS:
            self._last_attempt.popitem(last=False)

    def _expired(self, message: str, day: date, tally: MtaTally) -> bool:
        expired = _EXPIRED.match(message)
        if expired is None:
            return False
        attempt = self._last_attempt.pop(expired["qid"], None)
        if attempt is None:
            return False  # expired before any attempt this log shows: no IP to count it against
        ip, provider, reply = attempt
        tally.failed(day, ip, provider, permanent=True, reply=reply)
        return True
