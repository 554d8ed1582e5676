"""The source protocol, typed failures, and the base every provider source builds on.

A source never raises for an expected failure: :meth:`ProviderSource.fetch` turns a
:class:`ProviderError` into a :class:`PollResult` whose ``failure`` names the kind
(auth, rate_limited, unavailable, bad_payload, config) and whose ``detail`` says why,
with every secret the source holds masked.

A poll told to stop before it finished (SIGTERM/SIGINT, the TUI quitting: :meth:`ProviderSource.interrupt`)
is a *partial* result: ``failure="interrupted"`` with the whole records fetched so far (never a record
built from half its pages), so the store keeps them and the next poll fetches the window again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import random
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Literal, ParamSpec, Protocol, TypeVar, runtime_checkable

import httpx
from pydantic import BaseModel, ValidationError

from ipdash.domain.models import (
    AccountDay,
    DailyStat,
    IpFacts,
    PollResult,
    ProviderListing,
    ProviderWarmup,
    SndsDay,
    canonical_ip,
)
from ipdash.domain.safe_text import safe_records
from ipdash.sources.providers.facts import provider_facts
from ipdash.sources.providers.redact import Redactor

#: Records above which a result is made off the event loop: each one is checked for unsafe text
#: (~1.4 µs a record: 100,000 of them held the loop 142 ms in a 10,000-IP, 7-day poll).
OFF_LOOP_RECORDS = 2_000
#: PollResult.failure of a poll stopped before it finished, whose records are what it had (partial).
INTERRUPTED = "interrupted"
FailureKind = Literal["auth", "rate_limited", "unavailable", "bad_payload", "config"]
FAILURE_KINDS: tuple[FailureKind, ...] = ("auth", "rate_limited", "unavailable", "bad_payload", "config")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
ModelT = TypeVar("ModelT", bound=BaseModel)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProviderError(Exception):
    """An expected failure of one source: it goes stale with this reason, the others go on."""

    def __init__(self, kind: FailureKind, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.kind: FailureKind = kind
        self.detail = detail
        self.status = status  # the HTTP status behind it, when there was one


class Interrupted(Exception):
    """The poll was asked to stop before it finished. Not a :class:`ProviderError`, so no handler
    that turns a failed sub-call into a note swallows it. ``items``: what an interrupted pagination
    had gathered, for callers that can make whole records of it before re-raising."""

    def __init__(self, where: str, items: Sequence[Any] = ()) -> None:
        super().__init__(where)
        self.where = where
        self.items: list[Any] = list(items)


#: Set while a source fetches: the event its :meth:`ProviderSource.interrupt` sets (read by HttpCaller).
_STOPPING: ContextVar[asyncio.Event | None] = ContextVar("ipdash_poll_stopping", default=None)


def stopping() -> asyncio.Event | None:
    """The stop event of the poll running in this task, if any."""
    return _STOPPING.get()


#: Set while a source fetches: the records its poll may yield (the source's ``max_records``).
_RECORD_BOUND: ContextVar[int | None] = ContextVar("ipdash_poll_record_bound", default=None)


def record_bound() -> int:
    """The records one poll of the source fetching in this task may yield: its ``max_records``
    setting, else the default in data/providers.json."""
    return _RECORD_BOUND.get() or int(provider_facts()["http"]["max_records"])


T = TypeVar("T")
P = ParamSpec("P")

_builder: tuple[int, ThreadPoolExecutor] | None = None
_builder_lock = threading.Lock()


def _record_builder() -> ThreadPoolExecutor:
    """This process's builder thread (a forked child makes its own: its parent's thread is not in it)."""
    global _builder
    with _builder_lock:
        if _builder is None or _builder[0] != os.getpid():
            _builder = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipdash-records"))
        return _builder[1]


async def off_loop(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``function`` run off the event loop, on the one thread that decodes, validates and builds
    every source's records. Python threads take turns on the GIL: with a worker per source and per
    SparkPost day all busy at once, the event loop waited behind each of them in turn (stalls of
    100-140 ms wall with 0-14 ms of its own CPU in them, bench_poll on a quiet machine). They never
    ran Python side by side, so one thread costs no throughput and leaves the loop one rival."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, function, *args, **kwargs)
    return await loop.run_in_executor(_record_builder(), call)


#: Items freed at a time by :func:`let_go` (a few hundred microseconds of freeing a chunk).
LET_GO_CHUNK = 1_000


def let_go(items: list[Any]) -> None:
    """Empty a big list of parsed items a chunk at a time, on the thread that built records from
    them. Freeing is one C call that never gives up the GIL: the 17,500 metric items (with their
    dimensions, dicts and sets) of a 10,000-IP Mailgun week were freed in one go wherever the last
    reference went, seen as full collections on the event loop after the poll finding them in the
    oldest generation (100-190 ms passes, bench_poll)."""
    while items:
        del items[-LET_GO_CHUNK:]


async def until_stopped(work: Awaitable[T], where: str) -> T:
    """``work``, unless the running poll is asked to stop first: then it is cancelled and
    :class:`Interrupted` says what was in flight."""
    event = stopping()
    if event is None:
        return await work
    if event.is_set():
        if asyncio.iscoroutine(work):
            work.close()
        raise Interrupted(where)
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # a deadline or a cancellation from outside: nothing may keep running
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    raise Interrupted(where)


class _SecretFilter(logging.Filter):
    """Masks every spelling of every secret a source has read in the HTTP libraries' log lines
    (SNDS keys travel in query strings, which httpx logs at INFO)."""

    def __init__(self) -> None:
        super().__init__()
        self.redactor = Redactor()

    def add(self, secret: str, *, basic_users: tuple[str, ...] = ()) -> None:
        self.redactor.add(secret, basic_users=basic_users)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactor:
            message = record.getMessage()
            masked = self.redactor.mask(message)
            if masked != message:
                record.msg, record.args = masked, ()
        return True


SECRET_FILTER = _SecretFilter()
for _logger_name in ("httpx", "httpcore"):
    logging.getLogger(_logger_name).addFilter(SECRET_FILTER)


def missing_extra(kind: str, extra: str, module: str) -> ProviderError:
    return ProviderError(
        "config", f"the {kind} source needs {module}, which is not installed: pip install 'ipdash[{extra}]'"
    )


@runtime_checkable
class Source(Protocol):
    """What the poller needs from a source."""

    name: str
    kind: str
    interval: timedelta

    async def fetch(self, client: httpx.AsyncClient, *, since: date, until: date) -> PollResult: ...


@dataclass(slots=True)
class Collected:
    """Records one fetch gathered, before they become a PollResult."""

    stats: list[DailyStat] = field(default_factory=list)
    facts: list[IpFacts] = field(default_factory=list)
    snds: list[SndsDay] = field(default_factory=list)
    warmups: list[ProviderWarmup] = field(default_factory=list)
    listings: list[ProviderListing] = field(default_factory=list)
    account_days: list[AccountDay] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped_ips: int = 0

    def summary(self) -> str:
        parts = [
            f"{len(items)} {label}"
            for label, items in (
                ("IPs", self.facts),
                ("stat days", self.stats),
                ("SNDS days", self.snds),
                ("warm-ups", self.warmups),
                ("listings", self.listings),
                ("account days", self.account_days),
            )
            if items
        ]
        if self.skipped_ips:
            parts.append(f"{self.skipped_ips} rows skipped (not an IP address)")
        parts.extend(self.notes)
        return ", ".join(parts) if parts else "no records"

    def count(self) -> int:
        return sum(
            len(items)
            for items in (self.stats, self.facts, self.snds, self.warmups, self.listings, self.account_days)
        )

    def check_bound(self, max_records: int) -> None:
        """A poll yielding more records than the bound fails with that reason (nothing is half-kept)."""
        if self.count() > max_records:
            raise ProviderError("bad_payload", bound_exceeded(f"{self.count()} records", max_records))

    def ip_or_skip(self, text: object) -> str | None:
        """The canonical IP, or None (counted as skipped) when a provider sends something else."""
        if not isinstance(text, str):
            self.skipped_ips += 1
            return None
        try:
            return canonical_ip(text)
        except ValueError:
            self.skipped_ips += 1
            return None


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a source gets from its environment; tests inject fast, deterministic ones."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Clock = utc_now
    sleep: Sleep | None = None  # None: asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)


def bound_exceeded(what: str, max_records: int) -> str:
    return (
        f"{what} in one poll, more than the bound of {max_records:,}: refused; if the account really "
        "sends from that many IPs × days, raise max_records for this source in the config"
    )


class ProviderSource:
    """Base for every provider source: config, secrets, redaction, failure capture."""

    kind: ClassVar[str] = ""
    provider: ClassVar[str] = ""

    def __init__(self, spec: Any, runtime: Runtime | None = None) -> None:
        self.spec = spec
        self.runtime = runtime or Runtime()
        self.name: str = spec.name
        self.interval: timedelta = timedelta(seconds=spec.interval)
        self.redactor = Redactor()
        self._stop: asyncio.Event | None = None
        self._collected: Collected | None = None
        self.max_records: int = getattr(spec, "max_records", None) or int(
            provider_facts()["http"]["max_records"]
        )

    def interrupt(self) -> None:
        """Ask the fetch in progress (if any) to stop now and return what it has: the request in
        flight is dropped, no new one starts. Call from the event loop's thread."""
        if self._stop is not None:
            self._stop.set()

    def collecting(self) -> Collected:
        """The Collected this fetch fills: an interrupted fetch returns the whole records in it."""
        self._collected = Collected()
        return self._collected

    def add_secret(self, value: str, *, basic_users: tuple[str, ...] = ()) -> None:
        """Mask every spelling of ``value`` in whatever leaves this source (and in log lines)."""
        self.redactor.add(value, basic_users=basic_users)
        SECRET_FILTER.add(value, basic_users=basic_users)

    def secret_from_env(
        self, env_name: str | None, setting: str = "api_key_env", *, basic_users: tuple[str, ...] = ()
    ) -> str:
        """The secret an environment variable holds; a clear config failure names it when absent.
        ``basic_users``: the user names it is sent with in HTTP basic auth (masked in base64 too)."""
        if not env_name:
            raise ProviderError("config", f"source {self.name!r}: {setting} is not set in the config")
        value = self.runtime.env.get(env_name, "").strip()
        if not value:
            raise ProviderError(
                "config", f"source {self.name!r}: environment variable {env_name} ({setting}) is not set"
            )
        self.add_secret(value, basic_users=basic_users)
        return value

    def redact(self, text: str) -> str:
        """The one step for all text leaving this source: every secret masked, terminal-safe."""
        return self.redactor.outgoing(text)

    async def fetch(self, client: httpx.AsyncClient, *, since: date, until: date) -> PollResult:
        fetched_at = self.runtime.clock()
        self._stop, self._collected = asyncio.Event(), None
        token, bound = _STOPPING.set(self._stop), _RECORD_BOUND.set(self.max_records)
        try:
            collected = await self.collect(client, since=since, until=until)
            collected.check_bound(self.max_records)
        except Interrupted as stop:
            return self._partial(fetched_at, stop)
        except ProviderError as error:
            return self._failed(fetched_at, error)
        finally:
            _STOPPING.reset(token)
            _RECORD_BOUND.reset(bound)
            # The source keeps nothing of a fetch: held here until its next poll, the records (72,198
            # in a 10,000-IP, 7-day cycle) were walked by every full collection meanwhile.
            self._stop, self._collected = None, None
        if collected.count() > OFF_LOOP_RECORDS:
            return await off_loop(self._result, fetched_at, collected, detail=collected.summary())
        return self._result(fetched_at, collected, detail=collected.summary())

    def _result(
        self, fetched_at: datetime, collected: Collected, *, detail: str, failure: str | None = None
    ) -> PollResult:
        return PollResult(
            source=self.name,
            kind=self.kind,
            fetched_at=fetched_at,
            stats=safe_records(collected.stats),
            facts=safe_records(collected.facts),
            snds=safe_records(collected.snds),
            warmups=safe_records(collected.warmups),
            listings=safe_records(collected.listings),
            account_days=safe_records(collected.account_days),
            failure=failure,
            detail=self.redact(detail),
        )

    def _failed(self, fetched_at: datetime, error: ProviderError) -> PollResult:
        return PollResult(
            source=self.name,
            kind=self.kind,
            fetched_at=fetched_at,
            failure=error.kind,
            detail=self.redact(error.detail),
        )

    def _partial(self, fetched_at: datetime, stop: Interrupted) -> PollResult:
        """What an interrupted fetch had made into whole records, marked partial."""
        collected = self._collected or Collected()
        self._collected = None
        try:
            collected.check_bound(self.max_records)
        except ProviderError as error:
            return self._failed(fetched_at, error)
        kept = collected.summary() if collected.count() else "no whole record yet"
        return self._result(
            fetched_at,
            collected,
            failure=INTERRUPTED,
            detail=f"stopped while {stop.where}: partial poll, kept {kept}; the next poll fetches it all again",
        )

    async def collect(self, client: httpx.AsyncClient, *, since: date, until: date) -> Collected:
        raise NotImplementedError


def parse_payload(model: type[ModelT], data: Any, what: str) -> ModelT:
    """Validate a provider payload; a shape we do not understand is a bad_payload failure."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ProviderError(
            "bad_payload", f"{what}: unexpected response shape at {where}: {first['msg']}"
        ) from error


async def parse_payload_off_loop(model: type[ModelT], data: Any, what: str) -> ModelT:
    """parse_payload in a worker thread: for lists that can run to thousands of items."""
    return await off_loop(parse_payload, model, data, what)


def default_base_url(kind: str, region: str | None = None, table: str = "base_urls") -> str:
    urls: dict[str, str] = provider_facts()["providers"][kind][table]
    if region and region in urls:
        return urls[region]
    template = urls.get("default") or urls["us"]
    return template.format(region=region or "")


def day_range(since: date, until: date) -> list[date]:
    """Every day from ``since`` to ``until`` inclusive (empty when since > until)."""
    return [since + timedelta(days=offset) for offset in range((until - since).days + 1)]


def from_unix(value: float | int | None) -> date | None:
    if value is None or value <= 0:
        return None
    return datetime.fromtimestamp(value, UTC).date()
