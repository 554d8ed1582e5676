"""A SparkPost account behind the loopback server, answering the Metrics API as metrics.apib
documents it (SparkPost/developers.sparkpost.com @ 88f24dc3), for any question a client may ask:

- ``GET /api/v1/metrics/deliverability/sending-ip`` (rows grouped by ``sending_ip``) and
  ``…/mailbox-provider`` (grouped by ``mailbox_provider``), aggregated over ``[from, to)``;
- the simple filters ``sending_ips`` and ``mailbox_providers`` (lists split on ``delimiter``,
  default ``,``);
- ``from`` required (``YYYY-MM-DDTHH:MM``), ``metrics`` required and each one in the endpoint's
  documented list, ``limit`` 1–10000 (default 1000), ``precision`` (default ``1min``: at most a
  24-hour window), ``order_by`` a requested metric: anything else is a 400 in SparkPost's error
  envelope;
- no pagination (none is documented: ``limit`` cuts the rows, the rest is never served);
- SparkPost's rate limit is dynamic and unpublished: with ``max_in_flight`` set, a request that
  arrives while that many are being served gets a 429 with the error envelope and no rate-limit
  header (none is documented).

The account is its cells: (sending IP, day, SparkPost's mailbox-provider name) → counts. A cell
whose name is ``""`` is mail SparkPost attributes to no provider: in the IP's totals, in no
provider's row.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .fakeapi import FakeApi, Reply, Seen

SENDING_IPS_PATH = "/api/v1/sending-ips"
BY_IP_PATH = "/api/v1/metrics/deliverability/sending-ip"
BY_PROVIDER_PATH = "/api/v1/metrics/deliverability/mailbox-provider"

#: The metrics both grouped endpoints document (metrics.apib, "Metrics by Sending IP").
DOCUMENTED_METRICS = frozenset(
    [
        "count_injected",
        "count_bounce",
        "count_rejected",
        "count_delivered",
        "count_delivered_first",
        "count_delivered_subsequent",
        "total_delivery_time_first",
        "total_delivery_time_subsequent",
        "total_msg_volume",
        "count_policy_rejection",
        "count_generation_rejection",
        "count_generation_failed",
        "count_inband_bounce",
        "count_outofband_bounce",
        "count_soft_bounce",
        "count_hard_bounce",
        "count_block_bounce",
        "count_admin_bounce",
        "count_undetermined_bounce",
        "count_delayed",
        "count_delayed_first",
        "count_rendered",
        "count_nonprefetched_rendered",
        "count_unique_rendered",
        "count_nonprefetched_unique_rendered",
        "count_unique_confirmed_opened",
        "count_nonprefetched_unique_confirmed_opened",
        "count_clicked",
        "count_unique_clicked",
        "count_targeted",
        "count_sent",
        "count_accepted",
        "count_spam_complaint",
        "count_inbox_panel",
        "count_spam_panel",
        "count_inbox_seed",
        "count_spam_seed",
        "count_inbox_seed_private",
        "count_spam_seed_private",
        "count_inbox_seed_virtual",
        "count_spam_seed_virtual",
        "count_moved_to_inbox",
        "count_moved_to_spam",
    ]
)
#: Time window each precision allows (metrics.apib, "Precision Parameter"); None: no maximum.
MAX_WINDOW = {
    "1min": timedelta(hours=24),
    "5min": timedelta(hours=24),
    "15min": timedelta(hours=48),
    "hour": timedelta(days=31),
    "day": None,
}

Cell = tuple[str, date, str]


def _error(status: int, message: str) -> Reply:
    return Reply(status, json={"errors": [{"message": message}]})


class _BadRequest(Exception):
    pass


@dataclass
class SparkpostAccount:
    cells: dict[Cell, dict[str, int]]
    sending_ips: list[dict[str, Any]] = field(default_factory=list)
    #: More metrics requests than this served at once: 429 (None: never).
    max_in_flight: int | None = None
    #: The first ``parties`` metrics requests are held until all of them are being served at once.
    meet: threading.Barrier | None = None
    #: The first metrics request is held until another one got a 429 (an overlap made sure of).
    hold_first_until_429: bool = False
    met: int = 0
    rate_limited: int = 0
    _limited: threading.Event = field(default_factory=threading.Event)
    _served: int = 0
    _index: dict[tuple[Any, ...], list[Cell]] = field(default_factory=dict)
    _indexed: int = -1

    def install(self, api: FakeApi) -> None:
        api.route("GET", SENDING_IPS_PATH, Reply(json={"results": self.sending_ips}))
        api.route("GET", BY_IP_PATH, lambda seen: self._grouped(api, seen, "sending_ip", 0))
        api.route("GET", BY_PROVIDER_PATH, lambda seen: self._grouped(api, seen, "mailbox_provider", 2))

    def _grouped(self, api: FakeApi, seen: Seen, key: str, index: int) -> Reply:
        if self.max_in_flight is not None and api.in_flight > self.max_in_flight:
            self.rate_limited += 1
            self._limited.set()
            return _error(429, "Too many requests")
        try:
            reply = Reply(json={"results": self.rows(seen.query, key, index)})
        except _BadRequest as bad:
            return _error(400, str(bad))
        self._served += 1
        if self.meet is not None and self.met < self.meet.parties:
            self.met += 1
            reply.hold = self._meet
        elif self.hold_first_until_429 and self._served == 1:
            reply.hold = lambda: self._limited.wait(timeout=30) and None
        return reply

    def _meet(self) -> None:
        assert self.meet is not None
        with contextlib.suppress(threading.BrokenBarrierError):  # the test sees meet.broken
            self.meet.wait()

    def rows(self, query: dict[str, list[str]], key: str, index: int) -> list[dict[str, Any]]:
        """The grouped rows the query asks for, as SparkPost would answer them."""
        one = {name: values[-1] for name, values in query.items()}
        low, high = _window(one)
        metrics = _listed(one.get("metrics"), ",")
        if not metrics:
            raise _BadRequest("metrics is required")
        unknown = [name for name in metrics if name not in DOCUMENTED_METRICS]
        if unknown:
            raise _BadRequest(f"Unsupported metric(s): {', '.join(unknown)}")
        try:
            limit = int(one.get("limit", "1000"))
        except ValueError:
            raise _BadRequest("limit must be an integer") from None
        if not 1 <= limit <= 10000:
            raise _BadRequest("limit must be between 1 and 10000")
        delimiter = one.get("delimiter", ",")
        ips = set(_listed(one.get("sending_ips"), delimiter))
        providers = set(_listed(one.get("mailbox_providers"), delimiter))
        grouped: dict[str, dict[str, int]] = {}
        for cell, counts in self._cells_of(low, high, ips, providers):
            ip, _day, provider = cell
            if (ips and ip not in ips) or (providers and provider not in providers):
                continue
            if index == 2 and not provider:
                continue  # SparkPost names no provider for it: in no provider's row
            sums = grouped.setdefault(cell[index], dict.fromkeys(metrics, 0))
            for name in metrics:
                sums[name] += counts.get(name, 0)
        order_by = one.get("order_by")
        if order_by is not None and order_by not in metrics:
            raise _BadRequest("order_by must be one of the requested metrics")
        names = list(grouped)
        if order_by is not None:
            names.sort(key=lambda name: -grouped[name][order_by])
        return [{key: name, **grouped[name]} for name in names[:limit]]

    def _cells_of(
        self, low: date, high: date, ips: set[str], providers: set[str]
    ) -> Iterable[tuple[Cell, dict[str, int]]]:
        """The cells of the days in [low, high), through an index by day and by (day, IP) or (day,
        provider): a 10,000-IP account answers a per-IP question without reading every cell."""
        if self._indexed != len(self.cells):
            self._index.clear()
            for cell in self.cells:
                ip, day, provider = cell
                for key in ((day,), (day, "ip", ip), (day, "provider", provider)):
                    self._index.setdefault(key, []).append(cell)
            self._indexed = len(self.cells)
        day = low
        while day < high:
            if ips:
                keys = [(day, "ip", ip) for ip in sorted(ips)]
            elif providers:
                keys = [(day, "provider", provider) for provider in sorted(providers)]
            else:
                keys = [(day,)]
            for key in keys:
                for cell in self._index.get(key, ()):
                    yield cell, self.cells[cell]
            day += timedelta(days=1)


def _listed(text: str | None, delimiter: str) -> list[str]:
    return [part for part in (text or "").split(delimiter) if part]


def _window(one: dict[str, str]) -> tuple[date, date]:
    """The days ``[from, to)`` covers (whole days: what ipdash asks for)."""
    if "from" not in one:
        raise _BadRequest("from is required")
    try:
        start = datetime.strptime(one["from"], "%Y-%m-%dT%H:%M")
        end = datetime.strptime(one["to"], "%Y-%m-%dT%H:%M") if "to" in one else start + timedelta(days=1)
    except ValueError:
        raise _BadRequest("from and to must be YYYY-MM-DDTHH:MM") from None
    precision = one.get("precision", "1min")
    if precision not in MAX_WINDOW:
        raise _BadRequest(f"precision must be one of {', '.join(MAX_WINDOW)}")
    widest = MAX_WINDOW[precision]
    if end <= start or (widest is not None and end - start > widest):
        raise _BadRequest(f"the time window is too large for precision {precision}")
    return start.date(), (end - timedelta(minutes=1)).date() + timedelta(days=1)


#: SparkPost's names, as its mailbox-provider rows spell them: some ipdash groups (two of them
#: into one scope), some it does not ("other").
PROVIDER_NAMES = (
    "Gmail",
    "Google",
    "Hotmail / Outlook",
    "Verizon Media Group",
    "Apple",
    "Free.fr",
    "Educational Institution",
    "Comcast",
)


def crafted_account(ips: Iterable[str], days: Iterable[date], *, seed: int = 16) -> SparkpostAccount:
    """Cells as a real account has them, made from a seed: each IP-day sends to a random handful of
    providers (some to none of the named ones, some to no provider SparkPost names), a few IP-days
    send nothing, and every metric ipdash maps has a count that fits in ``count_sent``."""
    rng = random.Random(seed)
    cells: dict[Cell, dict[str, int]] = {}
    for ip in ips:
        for day in days:
            roll = rng.random()
            if roll < 0.05:
                continue  # no mail from this IP that day: no row at all
            chosen = [] if roll < 0.1 else rng.sample(PROVIDER_NAMES, rng.randint(1, len(PROVIDER_NAMES)))
            if rng.random() < 0.3 or not chosen:
                chosen.append("")
            for provider in chosen:
                sent = 0 if roll < 0.12 or rng.random() < 0.05 else rng.randint(1, 5000)
                bounced = rng.randint(0, sent // 10)
                hard = rng.randint(0, bounced)
                cells[(ip, day, provider)] = {
                    "count_sent": sent,
                    "count_delivered": sent - bounced,
                    "count_bounce": bounced,
                    "count_hard_bounce": hard,
                    "count_soft_bounce": bounced - hard,
                    "count_block_bounce": rng.randint(0, bounced),
                    "count_spam_complaint": rng.randint(0, sent // 200),
                    "count_unique_confirmed_opened": rng.randint(0, sent // 3),
                    "count_unique_clicked": rng.randint(0, sent // 20),
                }
    return SparkpostAccount(cells)
