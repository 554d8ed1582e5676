"""Core records: what every source normalises into and every panel reads.

The unit of sending data is a daily count per (date, IP, mailbox provider).
Counts a source does not report are ``None`` (unknown), never 0.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ipdash.domain.mta_replies import ReplyCount
    from ipdash.domain.stats_table import StatsView

IpKind = Literal["dedicated", "shared"]

#: Name of the mailbox-provider scope when a source has no per-provider split.
ALL_PROVIDERS = "all"
_ZONE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def canonical_ip(text: str) -> str:
    """Return the canonical text form of an IP address, or raise ValueError.

    IPv6 is compressed and lower-case; an IPv4-mapped IPv6 address is unmapped,
    since it is the same sender. A zone id (``fe80::1%eth0``) is kept only when it is a plain
    interface name: one holding escapes or other characters is refused.

    Each distinct text is parsed once (a bounded memo; a refused text is not kept and raises
    each time): a poll of 10,000 IPs names each IP in tens of answers' rows, and ``ipaddress``'s
    parse in Python was its costliest step per record, on threads the event loop waits behind.
    """
    if type(text) is str and len(text) <= _MEMO_TEXT_LENGTH:
        return _canonical_ip_memo(text)
    return _parse_canonical_ip(text)


#: Longer texts are never IP addresses worth remembering (the longest IPv6 with a zone id is ~110).
_MEMO_TEXT_LENGTH = 128


@functools.lru_cache(maxsize=65_536)
def _canonical_ip_memo(text: str) -> str:
    return _parse_canonical_ip(text)


def _parse_canonical_ip(text: str) -> str:
    address = ipaddress.ip_address(text.strip())
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None and not _ZONE_ID.fullmatch(address.scope_id):
            raise ValueError("IPv6 zone id must be an interface name (letters, digits, . _ -)")
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
    return str(address)


class Provenance(StrEnum):
    """How a shown value came to be."""

    MEASURED = "measured"  # counted by a source
    DERIVED = "derived"  # computed from measured values (rates, scores)
    STALE = "stale"  # last known value; its source is failing
    UNAVAILABLE = "unavailable"  # could not be loaded: never shown as 0


@dataclass(frozen=True, slots=True)
class DailyStat:
    """One day of sending from one IP to one mailbox provider."""

    day: date
    ip: str
    mailbox_provider: str
    sent: int
    delivered: int | None = None
    bounced: int | None = None
    hard_bounced: int | None = None
    soft_bounced: int | None = None
    complaints: int | None = None
    unsubscribes: int | None = None
    opens: int | None = None
    clicks: int | None = None
    source: str = ""
    #: Bounces the provider classes as a block (IP or reputation block by the mailbox provider).
    blocked: int | None = None


#: DailyStat's counts, in the stats table's column order: ``sent`` (always known), then those a
#: source may leave unreported (None). CSV columns, provider merges and the frame share it.
COUNT_COLUMNS = (
    "sent",
    "delivered",
    "bounced",
    "hard_bounced",
    "soft_bounced",
    "complaints",
    "unsubscribes",
    "opens",
    "clicks",
    "blocked",
)


@dataclass(frozen=True, slots=True)
class IpFacts:
    """What we know about an IP apart from its counts."""

    ip: str
    pool: str | None = None
    provider: str | None = None
    kind: IpKind | None = None
    stream: str | None = None  # transactional / marketing / mixed
    warmup_start: date | None = None
    warmup_plan: str | None = None
    warmup_target_daily: int | None = None
    rdns: str | None = None
    sending_domains: tuple[str, ...] = ()
    source: str = ""


SndsColour = Literal["GREEN", "YELLOW", "RED"]


@dataclass(frozen=True, slots=True)
class SndsDay:
    """One row of the Microsoft SNDS data feed: one IP's activity over one day."""

    ip: str
    day: date
    activity_start: datetime | None
    activity_end: datetime | None
    rcpt_commands: int
    data_commands: int
    recipients: int
    filter_result: SndsColour
    complaint_rate_text: str
    #: Upper bound of the complaint rate as a fraction: "< 0.1%" gives 0.001.
    complaint_rate_max: float | None
    trap_hits: int
    sample_helo: str = ""
    sample_mail_from: str = ""
    comments: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be used, and why. It was skipped; the rest loaded."""

    file: str
    line: int | None
    column: int | None
    message: str
    column_name: str | None = None

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class SourceState(StrEnum):
    FRESH = "fresh"
    LOADING = "loading"
    STALE = "stale"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Provenance of one loaded source: what, when, how it went."""

    name: str
    kind: str
    state: SourceState
    fetched_at: datetime | None = None
    rows: int = 0
    row_errors: int = 0
    detail: str = ""


class Dataset:
    """Everything loaded from all sources, merged.

    Daily records live in one columnar frame (see :mod:`ipdash.domain.stats_table`),
    keyed by (day, ip, mailbox provider); a later source replaces an earlier one's
    record for the same key (re-reading a file, re-polling a day). ``stats`` is a
    mapping view of it for callers that want single records.
    """

    __slots__ = (
        "_frame",
        "_index",
        "_ip_set",
        "_pending",
        "accounts",
        "errors",
        "facts",
        "listings",
        "replies",
        "snds",
        "sources",
        "warmups",
    )

    def __init__(
        self,
        stats: Mapping[tuple[date, str, str], DailyStat] | None = None,
        facts: dict[str, IpFacts] | None = None,
        snds: dict[tuple[str, date], SndsDay] | None = None,
        errors: list[RowError] | None = None,
        sources: list[SourceInfo] | None = None,
        warmups: dict[str, ProviderWarmup] | None = None,
        listings: dict[tuple[str, str, str], ProviderListing] | None = None,
        accounts: dict[tuple[str, str, date], AccountDay] | None = None,
        *,
        frame: Any = None,
        replies: dict[tuple[Any, ...], ReplyCount] | None = None,
    ) -> None:
        self.facts: dict[str, IpFacts] = facts if facts is not None else {}
        self.snds: dict[tuple[str, date], SndsDay] = snds if snds is not None else {}
        self.errors: list[RowError] = errors if errors is not None else []
        self.sources: list[SourceInfo] = sources if sources is not None else []
        self.warmups: dict[str, ProviderWarmup] = warmups if warmups is not None else {}
        #: Provider-reported listings keyed by (source, ip, list name).
        self.listings: dict[tuple[str, str, str], ProviderListing] = listings if listings is not None else {}
        #: Account/domain-level days keyed by (source, scope, day).
        self.accounts: dict[tuple[str, str, date], AccountDay] = accounts if accounts is not None else {}
        #: SMTP replies from MTA logs (domain.mta_replies), keyed by ReplyCount.key: an input of their own to analyse.
        self.replies: dict[tuple[Any, ...], ReplyCount] = replies if replies is not None else {}
        self._frame: Any = frame  # a polars DataFrame, or None while empty (polars not imported)
        self._pending: list[DailyStat] = list(stats.values()) if stats else []
        self._index: dict[tuple[date, str, str], int] | None = None
        self._ip_set: set[str] | None = None

    def __eq__(self, other: object) -> bool:
        """Same records and provenance (order of records does not matter; order of errors does)."""
        if not isinstance(other, Dataset):
            return NotImplemented
        return (
            dict(self.stats) == dict(other.stats)
            and (self.facts, self.snds, self.warmups, self.listings, self.accounts, self.replies)
            == (other.facts, other.snds, other.warmups, other.listings, other.accounts, other.replies)
            and (self.errors, self.sources) == (other.errors, other.sources)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    # --- the daily records -------------------------------------------------------------------

    @property
    def stats(self) -> StatsView:
        from ipdash.domain.stats_table import StatsView

        return StatsView(self)

    def frame(self) -> Any:
        """The daily records as a polars DataFrame (schema ``stats_table.SCHEMA``), one row per key."""
        from ipdash.domain import stats_table

        if self._pending:
            pending, self._pending = self._pending, []
            self._set_frame(stats_table.combine(self._current(), stats_table.frame_from_stats(pending)))
        return self._current()

    def _current(self) -> Any:
        if self._frame is None:
            from ipdash.domain.stats_table import empty_frame

            self._frame = empty_frame()
        return self._frame

    def _set_frame(self, frame: Any) -> None:
        self._frame = frame
        self._index = None
        self._ip_set = None

    def has_stats(self) -> bool:
        return bool(self._pending) or (self._frame is not None and self._frame.height > 0)

    def add(self, stat: DailyStat) -> None:
        """Add one record; it replaces any earlier record for its (day, ip, mailbox provider)."""
        self._pending.append(stat)
        self._index = None
        self._ip_set = None

    def add_all(self, stats: Iterable[DailyStat]) -> None:
        self._pending.extend(stats)
        self._index = None
        self._ip_set = None

    def add_frame(self, frame: Any) -> None:
        """Add a frame of records (any subset of the schema's columns; one row per key)."""
        from ipdash.domain import stats_table

        self._set_frame(stats_table.combine(self.frame(), stats_table.conform(frame)))

    def key_index(self) -> dict[tuple[date, str, str], int]:
        """Row number of each key in ``frame()`` (built on first use, for single-record lookups)."""
        frame = self.frame()
        if self._index is None:
            columns = [frame[name].to_list() for name in ("day", "ip", "mailbox_provider")]
            self._index = {key: row for row, key in enumerate(zip(*columns, strict=True))}
        return self._index

    def stat_ips(self) -> set[str]:
        """IPs with at least one daily record."""
        frame = self.frame()
        if self._ip_set is None:
            self._ip_set = set(frame["ip"].unique().to_list()) if frame.height else set()
        return self._ip_set

    def stat_sources(self) -> set[str]:
        """Names of the sources the daily records came from."""
        if not self.has_stats():
            return set()
        return set(self.frame()["source"].unique().cast(str).to_list())

    # --- the whole dataset -------------------------------------------------------------------

    def ips(self) -> list[str]:
        """Every IP any source knows, sorted: IPv4 before IPv6, numerically."""
        known = self.stat_ips() | set(self.facts) | {k[0] for k in self.snds}
        return sorted(known, key=ip_sort_key)

    def latest_day(self) -> date | None:
        if not self.has_stats():
            return None
        latest: date | None = self.frame()["day"].max()
        return latest

    def copy(self) -> Dataset:
        """A new Dataset with its own containers (records and frames themselves are immutable)."""
        copied = Dataset(
            facts=dict(self.facts),
            snds=dict(self.snds),
            errors=list(self.errors),
            sources=list(self.sources),
            warmups=dict(self.warmups),
            listings=dict(self.listings),
            accounts=dict(self.accounts),
            frame=self._frame,
            replies=dict(self.replies),
        )
        copied._pending = list(self._pending)
        return copied

    def until(self, last_day: date) -> Dataset:
        """The same data as it stood at the end of ``last_day`` (for replaying history)."""
        import polars as pl

        return Dataset(
            facts=dict(self.facts),
            snds={key: day for key, day in self.snds.items() if key[1] <= last_day},
            errors=list(self.errors),
            sources=list(self.sources),
            warmups=dict(self.warmups),
            listings=dict(self.listings),
            accounts={key: day for key, day in self.accounts.items() if key[2] <= last_day},
            frame=self.frame().filter(pl.col("day") <= last_day) if self.has_stats() else None,
            replies={key: reply for key, reply in self.replies.items() if reply.day <= last_day},
        )

    def merge(self, other: Dataset) -> None:
        if other.has_stats():
            from ipdash.domain import stats_table

            self._set_frame(stats_table.combine(self.frame(), other.frame()))
        for ip, facts in other.facts.items():
            self.facts[ip] = facts
        self.snds.update(other.snds)
        self.warmups.update(other.warmups)
        self.listings.update(other.listings)
        self.accounts.update(other.accounts)
        self.replies.update(other.replies)
        self.errors.extend(other.errors)
        self.sources.extend(other.sources)


@functools.lru_cache(maxsize=1 << 16)
def ip_sort_key(ip: str) -> tuple[int, int]:
    address = ipaddress.ip_address(ip)
    return (address.version, int(address))


@dataclass(frozen=True, slots=True)
class ProviderWarmup:
    """Warm-up state as a provider reports it (preferred over ipdash's estimate).

    ``active``: the provider's automatic warm-up (or management) is running for the IP. Not active
    means only that: the IP may still be cold, and the user's plan applies. ``completed``: the provider
    says the warm-up is done (SES ``DONE``)."""

    ip: str
    provider: str  # "ses", "sendgrid", "mailgun", "sparkpost", …
    active: bool
    #: Fraction 0..1 of the provider's warm-up done, when it says so.
    progress: float | None = None
    stage: int | None = None
    total_stages: int | None = None
    started_on: date | None = None
    status_text: str = ""
    source: str = ""
    completed: bool = False


@dataclass(frozen=True, slots=True)
class BlocklistSignal:
    """What the score needs from blocklist results for one IP (see domain.score)."""

    spamhaus_listed: bool
    major_listings: int  # Barracuda, SpamCop, Cloudmark, CBL, …
    minor_listings: int  # SORBS, UCEPROTECT, PSBL, Lashback, …
    important_unknown: int  # important lists that could not be checked
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProviderListing:
    """A block or listing a provider reports for one IP (SNDS ipStatus, Mailgun Optimize, SES)."""

    ip: str
    list_name: str  # "snds-blocked", "cbl.abuseat.org", …
    listed: bool
    reason: str = ""
    first_seen: datetime | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class AccountDay:
    """One day of account- or domain-level signal from a provider with no per-IP split
    (Postmark stats, SES reputation metrics, Google Postmaster domain stats).
    Rates are fractions 0..1 as the provider reports them; None means not reported."""

    day: date
    scope: str  # "account", or a sending domain
    provider: str
    sent: int | None = None
    delivered: int | None = None
    bounced: int | None = None
    hard_bounced: int | None = None
    soft_bounced: int | None = None
    complaints: int | None = None
    opens: int | None = None
    clicks: int | None = None
    bounce_rate: float | None = None
    complaint_rate: float | None = None
    status: str = ""  # e.g. SES enforcement status HEALTHY / PROBATION / SHUTDOWN
    source: str = ""
    blocked: int | None = None
    #: How the provider computes the rates: "daily" (counts of that day) or "rolling"
    #: (SES Reputation.*: a representative-volume rate over a trailing period, not that day's).
    rate_basis: str = "daily"
    #: Postmaster v2 delivery-error rates by reason, as "reason=fraction" (e.g. "low_ip_reputation=0.012").
    delivery_errors: tuple[str, ...] = ()
    #: Postmaster v2 compliance rows that need work, as "REQUIREMENT=STATUS".
    compliance: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll of one source: normalised records, or a typed failure. Never raises for
    expected failures (auth, rate limit, unavailable, bad payload)."""

    source: str
    kind: str
    fetched_at: datetime
    stats: tuple[DailyStat, ...] = ()
    facts: tuple[IpFacts, ...] = ()
    snds: tuple[SndsDay, ...] = ()
    warmups: tuple[ProviderWarmup, ...] = ()
    listings: tuple[ProviderListing, ...] = ()
    account_days: tuple[AccountDay, ...] = ()
    #: "auth" | "rate_limited" | "unavailable" | "bad_payload" | "config", or "interrupted": stopped
    #: before it finished, its records being the whole ones fetched so far (``partial``).
    failure: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def partial(self) -> bool:
        """Stopped before it finished: its records are kept, the rest of the window was not fetched."""
        return self.failure == "interrupted"
