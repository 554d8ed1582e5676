"""A loopback DNS server per test (127.0.0.1, ephemeral port, UDP and TCP) and the shipped catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dnsbl_loopback_server import DnsScript, LoopbackDnsServer

from ipdash.domain.dnsbl.catalog import Catalog
from ipdash.domain.dnsbl.rdns import RdnsRules
from ipdash.domain.dnsbl.settings import Nameserver
from ipdash.sources.dns.configure import shipped_catalog


@pytest.fixture(autouse=True)
def no_system_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may fall back to the machine's resolver (and through it, to live lists)."""

    def refuse() -> Nameserver:
        raise AssertionError("a test tried to use the system resolver")

    monkeypatch.setattr("ipdash.sources.dns.configure.system_nameserver", refuse)


@pytest.fixture(autouse=True)
def no_tail_probe_unless_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tail loss probe asks again a query whose reply is 20 ms late at a sweep's tail. On a loaded
    machine the loopback server is that late now and then, and the tests that count what a run asks
    (answers and zone health reused, one query per name) would count the second ask: a flake seen
    with two suites running at once. Off here, except in the tests of the probe (``tail_probe``)."""
    if request.node.get_closest_marker("tail_probe") is None:
        monkeypatch.setattr("ipdash.sources.dns.window.TAIL_PROBE_FLOOR", 3600.0)


@pytest.fixture(autouse=True)
def no_udp_scout_unless_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """While TCP is preferred after rate limiting, a scout is asked over UDP every 0.25 s and just after
    each turn of the clock's second: a test that counts what a rate-limited client sends would count one
    whenever its run crossed a second. Off here, except in the tests of the scouts (``udp_scout``)."""
    if request.node.get_closest_marker("udp_scout") is None:
        monkeypatch.setattr("ipdash.sources.dns.client.SCOUT_INTERVAL", 3600.0)
        monkeypatch.setattr("ipdash.sources.dns.client.SCOUT_ON_THE_SECOND", False)


@pytest.fixture
def script() -> DnsScript:
    return DnsScript()


@pytest.fixture
def server(script: DnsScript) -> Iterator[LoopbackDnsServer]:
    with LoopbackDnsServer(script) as running:
        yield running


@pytest.fixture
def nameserver(server: LoopbackDnsServer) -> Nameserver:
    return Nameserver(server.host, server.port)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return shipped_catalog()[0]


@pytest.fixture(scope="session")
def rules() -> RdnsRules:
    return shipped_catalog()[1]
