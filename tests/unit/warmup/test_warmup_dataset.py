"""From a Dataset to progress per IP: volumes summed, plan found, target chosen, errors kept per IP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ipdash.domain.config import Config
from ipdash.domain.models import BlocklistSignal, DailyStat, Dataset, IpFacts, ProviderWarmup
from ipdash.domain.thresholds import Preset
from ipdash.domain.warmup.dataset import assess_all, assess_dataset_ip, daily_volumes
from ipdash.domain.warmup.results import NextAction, WarmupState
from ipdash.domain.warmup.schedules import PlanError
from ipdash.domain.warmup.settings import WarmupSettings

START = date(2024, 5, 6)
IP = "198.51.100.7"
DEFAULTS = WarmupSettings()


def stat(day: date, provider: str, sent: int, delivered: int | None = None, ip: str = IP) -> DailyStat:
    return DailyStat(day=day, ip=ip, mailbox_provider=provider, sent=sent, delivered=delivered)


def dataset(*stats: DailyStat, facts: list[IpFacts] | None = None) -> Dataset:
    data = Dataset()
    for record in stats:
        data.stats[(record.day, record.ip, record.mailbox_provider)] = record
    for fact in facts or []:
        data.facts[fact.ip] = fact
    return data


def test_daily_volumes_sum_mailbox_providers_per_day() -> None:
    data = dataset(
        stat(START, "gmail.com", 30, 29),
        stat(START, "outlook.com", 20, 20),
        stat(START + timedelta(days=1), "gmail.com", 60, 58),
        stat(START, "gmail.com", 999, ip="198.51.100.8"),
    )
    volumes = daily_volumes(data, IP)
    assert [(v.day, v.sent, v.delivered) for v in volumes] == [
        (START, 50, 49),
        (START + timedelta(days=1), 60, 58),
    ]
    assert volumes[0].per_mailbox_provider == {"gmail.com": 30, "outlook.com": 20}


def test_an_all_providers_record_beside_a_split_is_not_double_counted() -> None:
    data = dataset(stat(START, "all", 50), stat(START, "gmail.com", 30), stat(START, "yahoo.com", 20))
    assert daily_volumes(data, IP)[0].sent == 50


def test_an_all_providers_record_alone_is_used() -> None:
    volumes = daily_volumes(dataset(stat(START, "all", 75, 70)), IP)
    assert (volumes[0].sent, volumes[0].delivered, dict(volumes[0].per_mailbox_provider)) == (75, 70, {})


def test_delivered_is_unknown_when_any_provider_lacks_it() -> None:
    data = dataset(stat(START, "gmail.com", 30, 29), stat(START, "outlook.com", 20, None))
    assert daily_volumes(data, IP)[0].delivered is None


def warming(*sent: int, plan: str = "sendgrid") -> Dataset:
    stats = [stat(START + timedelta(days=i), "all", n, n) for i, n in enumerate(sent)]
    return dataset(*stats, facts=[IpFacts(ip=IP, warmup_plan=plan, warmup_start=START)])


def test_the_plan_comes_from_the_ip_facts() -> None:
    progress = assess_dataset_ip(warming(50, 100), IP, settings=DEFAULTS, today=START + timedelta(days=1))
    assert progress is not None
    assert progress.plan is not None and progress.plan.schedule == "sendgrid"
    assert progress.day == 3
    assert progress.state is WarmupState.ON_TRACK
    assert progress.target_source.startswith("end of the sendgrid table")


def test_config_overrides_the_facts_plan_and_sets_the_target() -> None:
    settings = WarmupSettings.from_section({"ips": {IP: {"plan": "mailtrap", "target_daily": 1_000}}})
    progress = assess_dataset_ip(warming(300), IP, settings=settings, today=START)
    assert progress is not None and progress.plan is not None
    assert progress.plan.schedule == "mailtrap"
    assert progress.plan.target_daily == 1_000
    assert "target_daily" in progress.target_source


def test_a_custom_plan_target_is_used() -> None:
    settings = WarmupSettings.from_section(
        {"plans": {"ours": {"start_volume": 100, "growth": 2.0, "target_daily": 800}}}
    )
    progress = assess_dataset_ip(
        warming(100, 200, plan="ours"), IP, settings=settings, today=START + timedelta(1)
    )
    assert progress is not None and progress.plan is not None
    assert [d.daily_limit for d in progress.plan.days] == [100, 200, 400, 800]
    assert progress.day == 3


def test_the_default_target_applies_when_nothing_else_says() -> None:
    settings = WarmupSettings.from_section({"default_target_daily": 500})
    progress = assess_dataset_ip(warming(50), IP, settings=settings, today=START)
    assert progress is not None and progress.plan is not None
    assert progress.plan.target_daily == 500


def test_an_unknown_plan_is_reported_for_that_ip_only() -> None:
    progress = assess_dataset_ip(warming(50, plan="turbo"), IP, settings=DEFAULTS, today=START)
    assert progress is not None
    assert progress.state is WarmupState.PLAN_ERROR
    assert "unknown warm-up schedule 'turbo'" in progress.reason
    assert progress.next_step.action is NextAction.FIX_PLAN
    assert progress.to_json()["status"] == "plan-error"


def test_an_ip_without_a_plan_that_keeps_sending_has_no_warmup() -> None:
    data = dataset(stat(START, "all", 5_000))
    assert assess_dataset_ip(data, IP, settings=DEFAULTS, today=START + timedelta(days=3)) is None


def test_an_ip_that_never_sent_and_has_no_plan_has_no_warmup() -> None:
    data = dataset(facts=[IpFacts(ip=IP)])
    assert assess_dataset_ip(data, IP, settings=DEFAULTS, today=START) is None


def test_an_idle_ip_without_a_plan_needs_a_rewarm_to_its_old_peak() -> None:
    data = dataset(stat(START, "all", 8_000), stat(START + timedelta(days=1), "all", 12_000))
    progress = assess_dataset_ip(data, IP, settings=DEFAULTS, today=START + timedelta(days=40))
    assert progress is not None
    assert progress.state is WarmupState.NEEDS_REWARM
    assert progress.plan is not None
    assert progress.plan.schedule == "braze-moderate"
    assert progress.plan.target_daily == 12_000
    assert progress.target_source == "the IP's previous peak day"
    assert progress.next_step.daily_limit == 50


def test_a_provider_warmup_without_a_plan_is_shown() -> None:
    data = dataset(stat(START, "all", 500))
    data.warmups[IP] = ProviderWarmup(IP, "sendgrid", active=True, started_on=START)
    progress = assess_dataset_ip(data, IP, settings=DEFAULTS, today=START)
    assert progress is not None
    assert progress.basis == "provider"
    assert progress.next_step.action is NextAction.FOLLOW_PROVIDER


def test_a_provider_warmup_beside_a_plan_is_attached() -> None:
    data = warming(50)
    data.warmups[IP] = ProviderWarmup(IP, "sparkpost", active=True, stage=1, total_stages=30)
    progress = assess_dataset_ip(data, IP, settings=DEFAULTS, today=START)
    assert progress is not None and progress.basis == "provider" and progress.plan is not None


def test_severity_and_listing_are_passed_through() -> None:
    progress = assess_dataset_ip(
        warming(50, 100),
        IP,
        settings=DEFAULTS,
        today=START + timedelta(days=1),
        severity_by_day={START + timedelta(days=1): "warn"},
        spamhaus_listed=False,
    )
    assert progress is not None and progress.state is WarmupState.HELD


def test_caps_and_split_from_config_reach_the_plan() -> None:
    settings = WarmupSettings.from_section(
        {
            "ips": {
                IP: {
                    "target_daily": 1_000,
                    "mailbox_split": {"gmail.com": 0.5},
                    "provider_caps": {"gmail.com": 400},
                    "sending_days": "mon-fri",
                }
            }
        }
    )
    progress = assess_dataset_ip(warming(50), IP, settings=settings, today=START)
    assert progress is not None and progress.plan is not None
    assert progress.plan.days[-1].per_mailbox_provider == {"gmail.com": 400, "other": 600}
    assert progress.plan.sending_weekdays == frozenset(range(5))


def test_a_plan_that_cannot_be_built_is_a_plan_error() -> None:
    settings = WarmupSettings.from_section({"ips": {IP: {"plan": "sparkpost", "target_daily": 50_000_000}}})
    progress = assess_dataset_ip(warming(50), IP, settings=settings, today=START)
    assert progress is not None and progress.state is WarmupState.PLAN_ERROR


@pytest.mark.parametrize("text", ["198.51.100.007", "not an ip"])
def test_a_bad_ip_argument_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        assess_dataset_ip(warming(50), text, settings=DEFAULTS, today=START)


def test_the_target_from_the_ip_facts_comes_before_the_table_end() -> None:
    data = warming(50)
    data.facts[IP] = IpFacts(
        ip=IP, warmup_plan="sendgrid", warmup_start=START, warmup_target_daily=600, source="ips.toml"
    )
    progress = assess_dataset_ip(data, IP, settings=DEFAULTS, today=START)
    assert progress is not None and progress.plan is not None
    assert progress.plan.target_daily == 600
    assert progress.target_source == "IP facts (ips.toml)"


def test_assess_all_uses_thresholds_and_blocklists() -> None:
    data = warming(50, 100)
    data.stats[(START, "192.0.2.99", "all")] = stat(START, "all", 9_000, ip="192.0.2.99")
    presets = {"default": Preset(name="default")}
    listed = {
        IP: BlocklistSignal(spamhaus_listed=True, major_listings=0, minor_listings=0, important_unknown=0)
    }
    results = assess_all(data, Config(), presets, blocklists=listed)
    assert list(results) == [IP]  # the other IP sends steadily without a plan
    assert results[IP].next_step.action is NextAction.PAUSE
    assert results[IP].today == START + timedelta(days=1)
    assert assess_all(Dataset(), Config(), presets) == {}


def test_assess_all_refuses_a_bad_warmup_section() -> None:
    with pytest.raises(PlanError, match=r"warmup\.advance_fraction"):
        assess_all(warming(50), Config(warmup={"advance_fraction": 3}), {})
