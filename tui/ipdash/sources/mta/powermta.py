"""PowerMTA accounting files (CSV, RFC 4180, with a header line naming the configured fields).

The first column is always the record type (PowerMTA User's Guide, "Accounting records"): ``d`` delivered,
``b`` bounced, ``t`` / ``tq`` transient (deferred), ``f`` feedback loop; ``r`` (received) and the remote
``rb`` / ``rs`` records (asynchronous bounces, no delivery IP) are passed over. Fields are read by their
header name: ``timeLogged``, ``rcpt``, ``dlvSourceIp`` (else ``vmta`` mapped in ``ip_names``),
``dsnStatus``, ``dsnDiag``, ``bounceCat``. Feedback-loop (``f``) records carry no delivery, so often
no ``dlvSourceIp``: their ``vmta`` is mapped like a delivery's. A header line later in the file (accounting
files joined, or the record fields reconfigured) replaces the columns from there on.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import UTC, date, datetime

from ipdash.domain.mta_tally import MtaTally, recipient_provider
from ipdash.sources.mta.common import RecordError, day_of_epoch, sending_ip

_KINDS = {
    "d": "d",
    "delivery": "d",
    "b": "b",
    "bounce": "b",
    "t": "t",
    "tq": "t",
    "transient": "t",
    "transient-queue": "t",
    "f": "f",
    "feedback-loop": "f",
}
_PASSED_OVER = frozenset({"r", "receipt", "rb", "rs", "remote-bounce", "remote-status"})
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S")


def logged_day(text: str) -> date:
    """timeLogged as PowerMTA writes it: '2026-11-20 14:23:11-0800', ISO 8601, or a Unix time."""
    text = text.strip()
    if text.isdigit():
        return day_of_epoch(int(text))
    for form in _TIME_FORMATS:
        try:
            moment = datetime.strptime(text, form)
        except ValueError:
            continue
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"timeLogged {text[:40]!r} is not a date and time") from None
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


class PowerMtaParser:
    mta = "powermta"

    def __init__(self, ip_names: Mapping[str, str]) -> None:
        self.ip_names = ip_names
        self.columns: dict[str, int] | None = None

    def parse(self, text: str, tally: MtaTally) -> bool:
        try:
            row = next(csv.reader([text]))
        except (csv.Error, StopIteration) as error:
            raise RecordError(f"malformed CSV: {error}") from None
        raw_kind = row[0].strip().lower() if row else ""
        if raw_kind == "type":  # a header; a later one (files joined, fields changed) replaces it
            self.columns = {name.strip().lower(): index for index, name in enumerate(row)}
            for needed in ("timelogged", "rcpt"):
                if needed not in self.columns:
                    self.columns = None
                    raise RecordError(f"the header has no {needed!r} column")
            return False
        if self.columns is None:
            raise RecordError("no PowerMTA accounting header (the first line must start with 'type,')")
        if raw_kind in _PASSED_OVER:
            return False
        kind = _KINDS.get(raw_kind)
        if kind is None:
            raise RecordError(f"unknown record type {row[0][:20]!r}")
        day = logged_day(self._field(row, "timelogged"))
        provider = recipient_provider(self._field(row, "rcpt"))
        ip = sending_ip(self._field(row, "dlvsourceip"), self._field(row, "vmta"), self.ip_names, "vmta")
        if kind == "d":
            tally.delivered(day, ip, provider)
        elif kind == "f":
            tally.complaint(day, ip, provider)
        else:
            diag = self._field(row, "dsndiag").removeprefix("smtp;").strip()
            reply = diag or self._field(row, "dsnstatus")
            tally.failed(
                day, ip, provider, permanent=kind == "b", reply=reply, category=self._field(row, "bouncecat")
            )
        return True

    def _field(self, row: list[str], name: str) -> str:
        assert self.columns is not None
        index = self.columns.get(name)
        return row[index] if index is not None and index < len(row) else ""
