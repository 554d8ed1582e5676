"""The IO side without a network: the offline zone-snapshot resolver (hostile files), the bundled sample
snapshot's stories, and the runner's limits on endless record trees (unknown, never a hang)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ipdash.domain.auth.config import DomainSpec
from ipdash.domain.auth.status import Status
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode, records
from ipdash.sources.auth import Lookups, check_domains
from ipdash.sources.auth.runner import QUERY_BUDGET
from ipdash.sources.auth.setup import sample_run
from ipdash.sources.auth.snapshot import MAX_SNAPSHOT_BYTES, SnapshotError, SnapshotResolver


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"records": {}}',
        '{"records": [{"name": "x.example"}]}',
        '{"records": [{"name": "x.example", "type": "TXT", "values": [1]}]}',
        '{"records": [{"name": 5, "type": "TXT", "values": []}]}',
        '{"records": [], "policies": []}',
        '{"records": [], "unanswered": [{"name": "x", "type": "TXT", "rcode": "lost"}]}',
        '{"records": [], "unanswered": ["x"]}',
    ],
)
def test_malformed_snapshots_fail_with_the_file_named(tmp_path: Path, text: str) -> None:
    with pytest.raises(SnapshotError, match=r"snapshot\.json"):
        SnapshotResolver.from_file(write(tmp_path, text))


def test_missing_and_huge_snapshots_fail(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        SnapshotResolver.from_file(tmp_path / "absent.json")
    huge = write(tmp_path, '{"records": []}' + " " * (MAX_SNAPSHOT_BYTES + 1))
    with pytest.raises(SnapshotError, match="larger than"):
        SnapshotResolver.from_file(huge)


def test_the_resolver_answers_exactly_the_snapshot(tmp_path: Path) -> None:
    data = {
        "records": [
            {"name": "Example.com.", "type": "txt", "values": ["a"]},
            {"name": "example.com", "type": "TXT", "values": ["b"]},
        ],
        "unanswered": [{"name": "slow.example", "type": "TXT", "rcode": "timeout"}],
    }
    resolver = SnapshotResolver.from_file(write(tmp_path, json.dumps(data)))

    async def ask(name: str, rdtype: str) -> LookupOutcome:
        return await resolver.lookup(name, rdtype, wait=1)

    assert asyncio.run(ask("example.com", "TXT")).values == ("a", "b")
    assert asyncio.run(ask("example.com", "MX")).rcode is Rcode.NOERROR  # known name, no records
    assert asyncio.run(ask("other.example", "TXT")).rcode is Rcode.NXDOMAIN
    assert asyncio.run(ask("slow.example", "TXT")).rcode is Rcode.TIMEOUT


def test_the_bundled_sample_tells_its_stories() -> None:
    pools = {
        "198.51.100.10": "transactional",
        "198.51.100.11": "marketing",
        "203.0.113.20": "ses-marketing",
        "203.0.113.21": "ses-marketing",
    }
    run = sample_run(pools)
    good, news, promo = asyncio.run(run.run())
    assert good.name == "acme-shop.example" and good.status is Status.PASS
    assert news.status is Status.WARN
    assert promo.status is Status.FAIL
    assert promo.spf.lookups == 13 and promo.spf.void_lookups == 4
    assert promo.spf.per_ip == {"203.0.113.20": "pass", "203.0.113.21": "permerror"}
    assert [d.key_bits for d in promo.dkim] == [1024, None] and promo.dmarc.policy == "none"
    ptr = {line.status for line in promo.requirements if line.rule_id == "ptr"}
    assert ptr == {Status.FAIL}  # 203.0.113.21 has a generic PTR


class EndlessResolver:
    """Every name has an SPF record including two new names: a tree without end."""

    def __init__(self) -> None:
        self.queries = 0

    async def lookup(self, name: str, rdtype: str = "A", *, wait: float) -> LookupOutcome:
        self.queries += 1
        if rdtype == "TXT" and not name.startswith("_"):
            return records(f"v=spf1 include:a.{name[:40]} include:b.{name[:40]} -all")
        return LookupOutcome(Rcode.NXDOMAIN)

    async def aclose(self) -> None:
        return None


def test_an_endless_tree_is_cut_off_and_reported() -> None:
    resolver = EndlessResolver()
    (result,) = asyncio.run(check_domains([DomainSpec("example.com")], Lookups(resolver)))
    assert resolver.queries <= QUERY_BUDGET + 20
    assert result.spf.status is Status.FAIL and result.spf.lookups is not None and result.spf.lookups > 10


class PlainResolver:
    """Every TXT answers 'v=spf1 -all'; counts what it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def lookup(self, name: str, rdtype: str = "A", *, wait: float) -> LookupOutcome:
        self.asked.append((name, rdtype))
        return records("v=spf1 -all") if rdtype == "TXT" else LookupOutcome(Rcode.NXDOMAIN)

    async def aclose(self) -> None:
        return None


def test_the_query_budget_is_per_domain_and_shared_queries_are_asked_once() -> None:
    resolver = PlainResolver()
    specs = [DomainSpec(f"d{n}.example") for n in range(400)]
    results = asyncio.run(check_domains([*specs, DomainSpec("d0.example")], Lookups(resolver)))
    assert len(resolver.asked) > QUERY_BUDGET  # 400 domains need more than one domain's budget
    assert all("budget" not in result.spf.reason for result in results)
    assert len(resolver.asked) == len(set(resolver.asked))  # d0.example twice: each query sent once
