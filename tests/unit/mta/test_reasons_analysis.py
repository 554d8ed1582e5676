"""Replies as an input to the one analysis: top reasons, the deferral rate and new block reasons."""

from __future__ import annotations

from datetime import date, timedelta

from ipdash.domain.analysis import analyse
from ipdash.domain.config import Config
from ipdash.domain.metrics import Window
from ipdash.domain.models import DailyStat, Dataset
from ipdash.domain.mta_replies import TOP_PER_PROVIDER, ReplyCount
from ipdash.sources.reference_data import threshold_presets

IP = "198.51.100.10"
END = date(2026, 11, 20)
WINDOW = Window.ending(END, 7)


def reply(
    day: date,
    rule: str = "outlook-s3150",
    *,
    provider: str = "outlook.com",
    count: int = 3,
    outcome: str = "bounced",
    blocking: bool = True,
    severity: str | None = "critical",
    text: str = "550 5.7.1 … (S3150)",
) -> ReplyCount:
    return ReplyCount(
        day,
        IP,
        provider,
        outcome,
        text,
        rule,
        "ip-reputation" if blocking else "invalid-recipient",
        "Outlook.com block list (S3150)",
        "https://sender.office.com/",
        blocking,
        severity,
        count,
        "kumo",
    )


def dataset(*replies: ReplyCount) -> Dataset:
    data = Dataset()
    for offset in range(40):
        data.add(
            DailyStat(
                END - timedelta(days=offset), IP, "outlook.com", 1000, 990, 10, blocked=3, source="kumo"
            )
        )
    data.replies.update((r.key, r) for r in replies)
    return data


def run(data: Dataset, **kwargs: object):  # type: ignore[no-untyped-def]
    return analyse(data, Config(), threshold_presets(), window=WINDOW, **kwargs)  # type: ignore[arg-type]


def test_a_new_block_reason_is_a_feed_line_with_its_source() -> None:
    result = run(dataset(reply(END - timedelta(days=2)), reply(END)))
    [item] = [b for b in result.ips[IP].breaches if b.kind == "block-reason"]
    assert (item.severity, item.since, item.scope, item.metric) == (
        "critical",
        END - timedelta(days=2),
        "outlook.com",
        "outlook-s3150",
    )
    assert item.value is None and "6 replies" in item.reason and "sender.office.com" in item.source
    assert item in result.feed


def test_a_reason_already_seen_in_the_lookback_is_not_new() -> None:
    result = run(dataset(reply(WINDOW.start - timedelta(days=20)), reply(END)))
    assert not [b for b in result.ips[IP].breaches if b.kind == "block-reason"]
    assert result.ips[IP].replies is not None and result.ips[IP].replies.top_reasons[0].count == 3


def test_non_blocking_reasons_are_shown_but_raise_nothing() -> None:
    result = run(dataset(reply(END, "generic-invalid-recipient", blocking=False, severity=None)))
    assert not [b for b in result.ips[IP].breaches if b.kind == "block-reason"]
    assert result.ips[IP].replies.top_reasons[0].reason_class == "invalid-recipient"  # type: ignore[union-attr]


def test_top_reasons_per_provider_most_frequent_first_and_capped() -> None:
    replies = [reply(END, f"rule-{n}", count=n + 1, text=f"reply {n}") for n in range(TOP_PER_PROVIDER + 3)]
    replies.append(
        reply(END, "gmail-4.7.28", provider="gmail.com", count=1, outcome="deferred", severity="warn")
    )
    tops = run(dataset(*replies)).ips[IP].replies.top_reasons  # type: ignore[union-attr]
    outlook = [t.count for t in tops if t.mailbox_provider == "outlook.com"]
    assert outlook == sorted(outlook, reverse=True) and len(outlook) == TOP_PER_PROVIDER
    assert [t.mailbox_provider for t in tops].count("gmail.com") == 1


def test_deferred_rate_is_deferrals_over_attempts() -> None:
    replies = [reply(END, "gmail-4.7.28", outcome="deferred", count=700, severity="warn")]
    ip = run(dataset(*replies)).ips[IP]
    assert ip.replies is not None
    assert ip.replies.deferred == 700
    assert ip.replies.deferred_rate == 700 / (7000 + 700)
    assert ip.metrics.totals.block_rate == 21 / 7000


def test_the_replies_argument_is_the_input_and_defaults_to_the_datasets() -> None:
    data = dataset(reply(END))
    assert run(data, replies=[]).ips[IP].replies is None
    assert run(data).ips[IP].replies is not None


def test_without_mta_logs_nothing_changes() -> None:
    ip = run(dataset()).ips[IP]
    assert ip.replies is None and not [b for b in ip.breaches if b.kind == "block-reason"]


def test_replay_keeps_replies_up_to_the_day() -> None:
    data = dataset(reply(END), reply(END - timedelta(days=5)))
    assert len(data.until(END - timedelta(days=1)).replies) == 1
    assert len(data.copy().replies) == 2
