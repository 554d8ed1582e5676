"""Run the pure judges for each sending domain, fetching what they report missing (concurrently, bounded)
until nothing is; a query budget and a round limit keep hostile record trees from running forever, and
what they cut off is unknown, never "no record"."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from ipdash.domain.auth.answers import Answers, Pending, Query
from ipdash.domain.auth.config import DomainSpec
from ipdash.domain.auth.judge import DomainAuth, judge_domain
from ipdash.domain.auth.requirements import Requirements, requirements_from_data
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.sources.auth.lookups import Lookups
from ipdash.sources.paths import package_data_dir

REQUIREMENTS_FILE = "sender_requirements.json"
MAX_ROUNDS = 30
QUERY_BUDGET = 300  # per domain; a real one needs 20-60

PtrCheck = Callable[[Sequence[str]], Awaitable[Mapping[str, Status]]]


@lru_cache(maxsize=1)
def load_requirements() -> Requirements:
    path = package_data_dir() / REQUIREMENTS_FILE
    return requirements_from_data(json.loads(path.read_text(encoding="utf-8")))


class AuthRunner:
    def __init__(
        self,
        lookups: Lookups,
        *,
        requirements: Requirements | None = None,
        ptr_check: PtrCheck | None = None,
        concurrency: int = 20,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        source: str = "",
    ) -> None:
        self.lookups = lookups
        self.requirements = requirements or load_requirements()
        self.ptr_check = ptr_check
        self.answers = Answers()
        self.queries = 0
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._inflight: dict[Query, asyncio.Future[LookupOutcome]] = {}
        self._now = now
        self.source = source or lookups.label

    async def __aenter__(self) -> AuthRunner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.lookups.aclose()

    async def check_all(self, specs: Sequence[DomainSpec]) -> list[DomainAuth]:
        ips = list(dict.fromkeys(ip for spec in specs for ip in spec.ips))
        ptr = await self.ptr_check(ips) if self.ptr_check is not None and ips else {}
        return list(await asyncio.gather(*(self.check(spec, ptr) for spec in specs)))

    async def check(self, spec: DomainSpec, ptr: Mapping[str, Status] | None = None) -> DomainAuth:
        asked = 0  # the query budget is per domain: many domains in one run each get theirs
        for _ in range(MAX_ROUNDS):
            try:
                return judge_domain(
                    self.answers, spec, self.requirements, ptr, checked_at=self._now(), source=self.source
                )
            except Pending:
                asked += await self._fetch(sorted(self.answers.missing), QUERY_BUDGET - asked)
        self._cut_off(sorted(self.answers.missing), f"gave up after {MAX_ROUNDS} rounds of lookups")
        return judge_domain(
            self.answers, spec, self.requirements, ptr, checked_at=self._now(), source=self.source
        )

    async def _fetch(self, queries: list[Query], allowed: int) -> int:
        """Fetch up to ``allowed`` of ``queries`` (the rest are cut off); returns how many were asked.
        A query another domain is already fetching is awaited, not sent twice."""
        allowed = max(0, allowed)
        asked, refused = queries[:allowed], queries[allowed:]
        self.queries += len(asked)
        self._cut_off(refused, f"query budget of {QUERY_BUDGET} per domain used up")
        outcomes = await asyncio.gather(*(self._shared(query) for query in asked))
        for (name, rdtype), outcome in zip(asked, outcomes, strict=True):
            self.answers.add(name, rdtype, outcome)
        return len(asked)

    def _shared(self, query: Query) -> asyncio.Future[LookupOutcome]:
        running = self._inflight.get(query)
        if running is None:
            running = self._inflight[query] = asyncio.ensure_future(self._one(*query))
            running.add_done_callback(lambda _: self._inflight.pop(query, None))
        return running

    def _cut_off(self, queries: list[Query], why: str) -> None:
        for name, rdtype in queries:
            self.answers.add(name, rdtype, LookupOutcome(Rcode.FAILURE, detail=why))

    async def _one(self, name: str, rdtype: str) -> LookupOutcome:
        async with self._limit:
            return await self.lookups.answer(name, rdtype)


async def check_domains(
    specs: Sequence[DomainSpec], lookups: Lookups, *, ptr_check: PtrCheck | None = None
) -> list[DomainAuth]:
    """One run with its own answers (the CLI)."""
    async with AuthRunner(lookups, ptr_check=ptr_check) as runner:
        return await runner.check_all(specs)
