"""Answer the judges' queries: DNS through a ``DnsClient`` (or any object with its ``lookup``), the
MTA-STS policy over HTTPS to the address that same resolver gives for ``mta-sts.<domain>``."""

from __future__ import annotations

import ssl
from typing import Protocol
from urllib.parse import urlsplit

from ipdash.domain.auth.answers import POLICY, is_unanswered
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode
from ipdash.sources.auth.policy import fetch_policy


class Resolver(Protocol):
    async def lookup(self, name: str, rdtype: str = "A", *, wait: float) -> LookupOutcome: ...

    async def aclose(self) -> None: ...


class Lookups:
    def __init__(
        self,
        resolver: Resolver,
        *,
        timeout: float = 2.5,
        https_port: int = 443,
        verify: ssl.SSLContext | bool = True,
        label: str = "",
    ) -> None:
        self.resolver = resolver
        self.timeout = timeout
        self.https_port = https_port
        self.verify = verify
        self.label = label

    async def answer(self, name: str, rdtype: str) -> LookupOutcome:
        if rdtype == POLICY and not getattr(self.resolver, "answers_policies", False):
            return await self._policy(name)
        return await self.resolver.lookup(name, rdtype, wait=self.timeout)

    async def _policy(self, url: str) -> LookupOutcome:
        host = urlsplit(url).hostname or ""
        address = await self.resolver.lookup(host, "A", wait=self.timeout)
        if not address.has_records:
            address_v6 = await self.resolver.lookup(host, "AAAA", wait=self.timeout)
            if address_v6.has_records:
                address = address_v6
        if is_unanswered(address):
            detail = address.detail or address.rcode.value
            return LookupOutcome(address.rcode, detail=f"{host} did not resolve: {detail}")
        if not address.has_records:
            return LookupOutcome(Rcode.NXDOMAIN, detail=f"cannot be fetched: {host} has no address")
        return await fetch_policy(
            url, address.values[0], port=self.https_port, verify=self.verify, wait=max(self.timeout, 2.0)
        )

    async def aclose(self) -> None:
        await self.resolver.aclose()
