"""A whole domain judged from data: requirement checklists (data with sources), feed findings (a DMARC
record disappearing is critical), the JSON serialiser, [[domains]] config and specs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from auth_helpers import answers_for, settle
from pydantic import ValidationError

from ipdash.domain.auth.config import DomainSpec, SendingDomainEntry, domain_specs
from ipdash.domain.auth.findings import domain_findings
from ipdash.domain.auth.judge import DomainAuth, judge_domain
from ipdash.domain.auth.requirements import provider_summary, requirements_from_data
from ipdash.domain.auth.serialise import auth_to_json, domains_to_json
from ipdash.domain.auth.status import Status
from ipdash.domain.config import Config
from ipdash.domain.dnsbl.lookups import LookupOutcome, Rcode

DATA = Path(__file__).resolve().parents[3] / "tui" / "ipdash" / "data" / "sender_requirements.json"
REQUIREMENTS = requirements_from_data(json.loads(DATA.read_text(encoding="utf-8")))
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu0rmgdE0iOuKLm0QuXMnkcRx2q6kInLdE6CLu9xl+DD5tkaj9OtJfvaWSU0EKNbYIsr"
    "5Gs6pTjNuDB5DZjPImkEB97N7jHh6zNdtBXhHs1rw7JE4SYsfJtVtSWNc+WPshJAlUgfIJxxwdoA+dOCRbS+xFMGbUDDqwNM2ZvzP7LhWMYvcrL"
    "9QACgNlo8BsLvAN6EHN+tCAxUDMafhAvXTc0LNlGBqHFdHqJfmZdD8Hb7hH3WOvl40TRn9rEKQpQIw2Si4gAwCP0kFdqQF5Dvzvm/6G4V6Aec"
    "/UqnBK8JVs4dpT0qxgZfd9Fs9e6SHu7eFCnUhkcTzsM+g8OPYJlDB8wIDAQAB"
)
GOOD = {
    ("example.com", "TXT"): "v=spf1 ip4:192.0.2.0/24 -all",
    ("s1._domainkey.example.com", "TXT"): f"v=DKIM1; k=rsa; p={KEY}",
    ("_dmarc.example.com", "TXT"): "v=DMARC1; p=reject; rua=mailto:d@example.com",
    ("default._bimi.example.com", "TXT"): "v=BIMI1; l=https://example.com/l.svg; a=https://example.com/v.pem",
    ("_mta-sts.example.com", "TXT"): "v=STSv1; id=1",
    (
        "https://mta-sts.example.com/.well-known/mta-sts.txt",
        "POLICY",
    ): "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n",
    ("example.com", "MX"): "10 mx.example.com.",
    ("_smtp._tls.example.com", "TXT"): "v=TLSRPTv1; rua=mailto:t@example.com",
}
SPEC = DomainSpec("example.com", ("s1",), ("192.0.2.1",))


def judge(zone: dict, spec: DomainSpec = SPEC, ptr: dict | None = None) -> DomainAuth:  # type: ignore[type-arg]
    answers = answers_for(zone)
    return settle(answers, lambda: judge_domain(answers, spec, REQUIREMENTS, ptr, checked_at=NOW))


def test_every_provider_and_rule_has_a_source_and_a_known_check() -> None:
    assert {p.id for p in REQUIREMENTS.providers} == {"gmail", "yahoo", "outlook"}
    for provider in REQUIREMENTS.providers:
        assert provider.source and provider.applies and provider.rules
    checks = {rule.check for provider in REQUIREMENTS.providers for rule in provider.rules}
    assert checks <= {
        "spf_and_dkim",
        "spf_pass",
        "dkim_pass",
        "dmarc_present",
        "dmarc_aligned",
        "ptr",
        "dkim_1024",
        "not_dns",
    }


def test_a_compliant_domain_meets_every_checkable_line() -> None:
    result = judge(GOOD, ptr={"192.0.2.1": Status.PASS})
    assert result.status is Status.PASS
    lines = list(result.requirements)
    assert all(line.status is Status.PASS for line in lines if line.checkable)
    assert all(line.status is Status.UNKNOWN for line in lines if not line.checkable)
    assert (
        provider_summary(lines, "gmail")
        == "meets Gmail bulk-sender requirements: 5 of 5; 3 not visible in DNS"
    )


def test_without_rdns_results_the_ptr_line_is_unknown_and_so_is_the_domain() -> None:
    result = judge(GOOD)
    ptr = [line for line in result.requirements if line.rule_id == "ptr"]
    assert ptr and all(line.status is Status.UNKNOWN for line in ptr)
    assert result.status is Status.UNKNOWN
    assert "(2 unknown)" not in provider_summary(list(result.requirements), "gmail")
    assert "(1 unknown)" in provider_summary(list(result.requirements), "gmail")


def test_no_selectors_leaves_dkim_lines_unknown_not_failed() -> None:
    result = judge(GOOD, DomainSpec("example.com", (), ("192.0.2.1",)), ptr={"192.0.2.1": Status.PASS})
    dkim = {line.rule_id: line.status for line in result.requirements if line.provider_id == "outlook"}
    assert dkim["dkim"] is Status.UNKNOWN


def test_missing_dmarc_fails_the_lines_that_need_it() -> None:
    zone = {k: v for k, v in GOOD.items() if k[0] != "_dmarc.example.com"}
    result = judge(zone, ptr={"192.0.2.1": Status.PASS})
    statuses = {(line.provider_id, line.rule_id): line.status for line in result.requirements}
    assert statuses[("gmail", "dmarc")] is Status.FAIL and statuses[("outlook", "dmarc")] is Status.FAIL
    assert result.bimi.status is Status.FAIL  # BIMI needs DMARC at enforcement


def test_findings_critical_for_core_checks_warn_for_the_rest_none_for_unknown() -> None:
    zone = dict(GOOD)
    zone[("example.com", "TXT")] = "v=spf1 +all"
    zone[("_smtp._tls.example.com", "TXT")] = "v=TLSRPTv1; rua=ftp://x"
    zone[("_mta-sts.example.com", "TXT")] = LookupOutcome(Rcode.TIMEOUT)
    items = domain_findings([judge(zone)])
    assert [(i.severity, i.what) for i in items] == [("critical", "SPF"), ("warn", "TLS-RPT")]
    assert all(i.ip == "example.com" and i.since == NOW.date() for i in items)


def test_a_dmarc_record_disappearing_is_critical() -> None:
    before = judge(GOOD)
    after = judge({k: v for k, v in GOOD.items() if k[0] != "_dmarc.example.com"})
    items = domain_findings([after], {"example.com": before})
    assert items[0].severity == "critical" and items[0].what == "DMARC record disappeared"
    timed_out = judge({**GOOD, ("_dmarc.example.com", "TXT"): LookupOutcome(Rcode.TIMEOUT)})
    assert not [i for i in domain_findings([timed_out], {"example.com": before}) if "disappeared" in i.what]


def test_json_has_the_interface_keys_and_only_known_statuses() -> None:
    data = auth_to_json(judge(GOOD, ptr={"192.0.2.1": Status.PASS}))
    assert {"status", "reason", "lookups", "void_lookups"} <= set(data["spf"])
    assert {"selector", "status", "reason", "key_bits"} <= set(data["dkim"][0]) and data["dkim"][0][
        "key_bits"
    ] == 2048
    assert {"status", "reason", "policy", "pct"} <= set(data["dmarc"])
    for key in ("bimi", "mta_sts", "tls_rpt"):
        assert {"status", "reason"} <= set(data[key])
    assert all({"provider", "rule", "status", "source"} <= set(line) for line in data["requirements"])

    def statuses(value: object) -> list[str]:
        if isinstance(value, dict):
            found = [value["status"]] if isinstance(value.get("status"), str) else []
            return found + [s for v in value.values() for s in statuses(v)]
        if isinstance(value, list):
            return [s for v in value for s in statuses(v)]
        return []

    assert set(statuses(data)) <= {"pass", "warn", "fail", "unknown"}
    assert data["checked_at"] == "2026-11-21T09:00:00+00:00"
    json.dumps(data)
    (entry,) = domains_to_json([judge(GOOD)])
    assert entry["domain"] == "example.com" and entry["ips"] == ["192.0.2.1"] and entry["auth"]["spf"]


def test_domains_config_validates_and_builds_specs() -> None:
    config = Config.model_validate(
        {
            "ips": [
                {"ip": "192.0.2.1", "pool": "tx"},
                {"ip": "192.0.2.2", "pool": "mk", "sending_domains": ["m.example.com"]},
            ],
            "domains": [
                {
                    "name": "Example.COM.",
                    "selectors": ["S1"],
                    "pools": ["tx"],
                    "ips": ["2001:DB8::1"],
                    "return_path": "bounce.example.com",
                }
            ],
        }
    )
    (entry,) = config.domains
    assert (entry.name, entry.selectors, entry.ips) == ("example.com", ["s1"], ["2001:db8::1"])
    pools = {e.ip: e.pool for e in config.ips}
    facts = {e.ip: e.sending_domains for e in config.ips}
    specs = domain_specs(config.domains, pools, facts)
    assert specs == [
        DomainSpec("example.com", ("s1",), ("2001:db8::1", "192.0.2.1"), "bounce.example.com", None),
        DomainSpec("m.example.com", (), ("192.0.2.2",)),
    ]
    assert specs[0].spf_domain == "bounce.example.com" and specs[0].signing_domain == "example.com"


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "not a domain"},
        {"name": "x" * 300 + ".com"},
        {"name": "example.com", "selectors": ["bad selector"]},
        {"name": "example.com", "ips": ["999.1.1.1"]},
        {"name": "example.com", "colour": "red"},
        {"name": "exa\x00mple.com"},
    ],
)
def test_bad_domain_entries_are_rejected(entry: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError):
        SendingDomainEntry.model_validate(entry)


def test_bad_sending_domain_facts_are_skipped() -> None:
    assert domain_specs([], {}, {"192.0.2.1": ["not a domain", "ok.example"]}) == [
        DomainSpec("ok.example", ips=("192.0.2.1",))
    ]
