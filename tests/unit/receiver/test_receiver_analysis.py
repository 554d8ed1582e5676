"""Receiver data in the one analysis: DMARC beside the ESP's count (never added to it), the pass-rate
levels, unknown sources, and ARF complaints merged into the complaint rate without double counting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.analysis import analyse
from ipdash.domain.config import Config
from ipdash.domain.models import ALL_PROVIDERS, DailyStat, Dataset, IpFacts
from ipdash.domain.receiver import ReceiverData, record_counts
from ipdash.domain.receiver.complaints import ARF_SOURCE, with_arf_complaints
from ipdash.domain.receiver.levels import parse_levels, receiver_levels
from ipdash.domain.thresholds import parse_presets

END = date(2026, 11, 20)
OURS, OTHER_OURS, STRANGER = "192.0.2.1", "192.0.2.2", "203.0.113.66"


@pytest.fixture(scope="module")
def presets() -> dict[str, object]:
    import json

    from ipdash.sources.paths import package_data_dir

    return parse_presets(json.loads((package_data_dir() / "threshold_presets.json").read_text()))  # type: ignore[return-value]


def esp(complaints: int | None = 2, provider: str = "gmail.com", ip: str = OURS) -> Dataset:
    dataset = Dataset()
    for back in range(7):
        day = END - timedelta(days=back)
        dataset.add(DailyStat(day, ip, provider, sent=10_000, delivered=9_900, complaints=complaints))
    dataset.facts[OTHER_OURS] = IpFacts(OTHER_OURS, pool="p")
    return dataset


def dmarc(receiver: ReceiverData, ip: str, messages: int, passing: int, reporter: str = "gmail.com") -> None:
    for back in range(7):
        day = END - timedelta(days=back)
        counts = record_counts(passing, "none", "pass", "pass")
        counts.add(record_counts(messages - passing, "quarantine", "fail", "fail"))
        receiver.add_dmarc((day, ip, reporter, "acme-shop.example"), counts)


def test_receiver_volume_sits_beside_the_esp_count_and_is_never_added(presets: dict[str, object]) -> None:
    receiver = ReceiverData()
    dmarc(receiver, OURS, 9_000, 9_000)
    dmarc(receiver, OURS, 500, 500, reporter="outlook.com")
    result = analyse(esp(), Config(), presets, receiver=receiver)  # type: ignore[arg-type]
    ip = result.ips[OURS]
    assert ip.metrics.totals.sent == 70_000
    assert ip.receiver is not None
    assert ip.receiver.messages == 66_500 and ip.receiver.esp_sent == 70_000
    assert ip.receiver.coverage == pytest.approx(0.95)
    assert ip.receiver.to_json()["reporters"] == {"gmail.com": 63_000, "outlook.com": 3_500}
    assert ip.receiver.dmarc_pass_rate == 1.0 and not [b for b in ip.breaches if b.kind == "dmarc"]
    assert result.ips[OTHER_OURS].receiver is None  # no report names it


@pytest.mark.parametrize(("passing", "severity"), [(9_700, "warn"), (8_000, "critical"), (9_800, None)])
def test_dmarc_pass_rate_levels_come_from_data(
    presets: dict[str, object], passing: int, severity: str | None
) -> None:
    receiver = ReceiverData()
    dmarc(receiver, OURS, 10_000, passing)
    result = analyse(esp(), Config(), presets, receiver=receiver)  # type: ignore[arg-type]
    found = [b for b in result.ips[OURS].breaches if b.kind == "dmarc"]
    if severity is None:
        assert not found
        return
    [item] = found
    levels = receiver_levels().dmarc_pass_rate
    assert item.severity == severity and item.metric == "dmarc_pass_rate"
    assert item.threshold == (levels.warn if severity == "warn" else levels.critical)
    assert levels.source in item.source and "failing DMARC" in item.reason
    assert item in result.feed


def test_too_few_reported_messages_are_not_judged(presets: dict[str, object]) -> None:
    receiver = ReceiverData()
    receiver.add_dmarc(
        (END, OURS, "gmail.com", "acme-shop.example"), record_counts(10, "none", "fail", "fail")
    )
    result = analyse(esp(), Config(), presets, receiver=receiver)  # type: ignore[arg-type]
    assert result.ips[OURS].receiver is not None
    assert not [b for b in result.ips[OURS].breaches if b.kind == "dmarc"]


def test_unknown_sources_are_ips_no_source_or_config_knows(presets: dict[str, object]) -> None:
    receiver = ReceiverData()
    dmarc(receiver, OURS, 100, 100)
    dmarc(receiver, OTHER_OURS, 10, 10)  # known from facts: not unknown
    dmarc(receiver, STRANGER, 30, 0)
    old = END - timedelta(days=30)
    receiver.add_dmarc(
        (old, "198.51.100.77", "gmail.com", "acme-shop.example"), record_counts(5, "none", "fail", "fail")
    )
    result = analyse(esp(), Config(), presets, receiver=receiver)  # type: ignore[arg-type]
    [unknown] = result.unknown_sources  # the old one is outside the window
    assert unknown.to_json() == {
        "ip": STRANGER,
        "messages": 210,
        "header_from": ["acme-shop.example"],
        "dmarc_pass_rate": 0.0,
        "reporters": {"gmail.com": 210},
    }
    [line] = [item for item in result.feed if item.kind == "unknown-source"]
    assert line.scope == "acme-shop.example" and STRANGER in line.reason and line.severity == "warn"
    assert STRANGER not in result.ips  # never becomes one of our IPs


def complaints(count: int, provider: str = "gmail.com", ip: str = OURS) -> dict[tuple[date, str, str], int]:
    return {(END, ip, provider): count}


@pytest.mark.parametrize(
    ("esp_count", "arf", "merged", "added"),
    [(2, 1, 2, 0), (2, 5, 5, 3), (None, 3, 3, 3), (0, 0, 0, 0)],
    ids=["esp-already-counted", "arf-saw-more", "esp-reports-none", "nothing"],
)
def test_arf_complaints_merge_by_the_larger_count_never_the_sum(
    esp_count: int | None, arf: int, merged: int, added: int
) -> None:
    dataset = esp(esp_count)
    result, merge = with_arf_complaints(dataset, complaints(arf))
    assert result.stats[(END, OURS, "gmail.com")].complaints == (
        merged if merged or esp_count is not None else None
    )
    assert merge.added.get((END, OURS), 0) == added
    assert dataset.stats[(END, OURS, "gmail.com")].complaints == esp_count  # the input is not changed


def test_arf_for_a_provider_the_esp_has_no_record_of_adds_a_complaint_only_record() -> None:
    result, merge = with_arf_complaints(esp(2), complaints(4, provider="yahoo.com"))
    record = result.stats[(END, OURS, "yahoo.com")]
    assert (record.sent, record.complaints, record.source) == (0, 4, ARF_SOURCE)
    assert merge.added == {(END, OURS): 4}


def test_arf_against_an_unsplit_esp_day_compares_the_day_total() -> None:
    dataset = esp(3, provider=ALL_PROVIDERS)
    arf = {(END, OURS, "gmail.com"): 2, (END, OURS, "yahoo.com"): 2}
    result, merge = with_arf_complaints(dataset, arf)
    assert result.stats[(END, OURS, ALL_PROVIDERS)].complaints == 4
    assert (END, OURS, "gmail.com") not in result.stats
    assert merge.added == {(END, OURS): 1}


def test_arf_for_an_unknown_ip_is_not_added_anywhere() -> None:
    dataset = esp(2)
    result, merge = with_arf_complaints(dataset, complaints(7, ip=STRANGER))
    assert result is dataset and merge.unmatched == 7


def test_arf_complaints_raise_the_complaint_rate_with_provenance(presets: dict[str, object]) -> None:
    receiver = ReceiverData()
    receiver.complaints = {(END - timedelta(days=back), OURS, "gmail.com"): 40 for back in range(7)}
    before = analyse(esp(2), Config(), presets)  # type: ignore[arg-type]
    after = analyse(esp(2), Config(), presets, receiver=receiver)  # type: ignore[arg-type]
    assert before.ips[OURS].metrics.totals.complaints == 14
    assert after.ips[OURS].metrics.totals.complaints == 280
    assert after.ips[OURS].metrics.totals.sent == 70_000
    ip = after.ips[OURS].receiver
    assert ip is not None and (ip.arf_complaints, ip.arf_added, ip.messages) == (280, 266, 0)
    assert any(b.metric == "complaint_rate" for b in after.ips[OURS].breaches)


def test_levels_data_is_checked() -> None:
    raw = receiver_levels().model_dump()
    raw["dmarc_pass_rate"] = {**raw["dmarc_pass_rate"], "critical": 0.99, "warn": 0.9}
    with pytest.raises(ValueError, match="at or below its warn level"):
        parse_levels(raw)
