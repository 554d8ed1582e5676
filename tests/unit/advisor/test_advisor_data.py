"""The rules and prices are data with sources, and the [advisor] config overrides them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ipdash.domain.advisor import (
    InvalidSettings,
    RuleBook,
    Verdict,
    advise,
    apply_settings,
    bundled_prices,
    bundled_rule_book,
    parse_advisor_settings,
    validate_inputs,
)
from ipdash.domain.advisor.evaluate import EVALUATORS
from ipdash.domain.advisor.rulebook import PriceTable

DATA = Path(__file__).resolve().parents[3] / "tui" / "ipdash" / "data"


def raw_rules() -> dict[str, Any]:
    return json.loads((DATA / "advisor_rules.json").read_text("utf-8"))


def test_every_rule_kind_has_an_evaluator_and_every_source_resolves() -> None:
    book = bundled_rule_book()
    assert {rule.kind for rule in book.rules} <= set(EVALUATORS)
    for rule in book.rules:
        assert rule.source in book.sources
        assert rule.title and rule.note


@pytest.mark.parametrize(
    ("rule_id", "figure"),
    [
        ("volume-floor", 100_000),
        ("cadence-floor", 2),
        ("bounce-ceiling", 0.03),
        ("complaint-ceiling", 0.001),
        ("unsubscribe-ceiling", 0.01),
        ("tipping-point", 50_000),
        ("dynamics-weekly-floor", 150_000),
        ("salesforce-mandate", 250_000),
    ],
)
def test_the_published_figures_are_in_the_data(rule_id: str, figure: float) -> None:
    assert bundled_rule_book().rule(rule_id).figure == figure


def test_sendgrid_ip_table_is_in_the_data() -> None:
    rows = [(row.up_to_daily, row.ips) for row in bundled_rule_book().sizing.ip_count_table.rows]
    assert rows[1] == (800_000, 2) and rows[-1] == (80_000_000, 20)


def test_every_price_has_basis_source_date_and_confidence() -> None:
    for price in bundled_prices().prices.values():
        assert price.basis and price.source and price.as_of and price.confidence


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate rule ids"),
        (lambda d: d["rules"][0].update(source="nowhere"), "unknown sources"),
        (lambda d: d["rules"][0].update(kind="vibes"), "kind"),
        (lambda d: next(r for r in d["rules"] if r["kind"] == "max_rate").pop("metric"), "needs a metric"),
        (lambda d: d["rules"][0].update(providers=["hotmail"]), "unknown provider"),
        (lambda d: d["sizing"]["ip_count_table"]["rows"].reverse(), "ascend"),
        (lambda d: d.pop("sizing"), "sizing"),
        (lambda d: d["rules"][0].update(surprise=1), "surprise"),
    ],
)
def test_broken_rule_data_is_refused_clearly(mutate: Any, message: str) -> None:
    data = raw_rules()
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        RuleBook.model_validate(data)


def test_provider_lookup_by_alias_is_case_and_separator_insensitive() -> None:
    book = bundled_rule_book()
    assert book.provider_id("Amazon SES") == "ses"
    assert book.provider_id("twilio_sendgrid") == "sendgrid"
    assert book.provider_id("nope") is None
    assert book.managed_providers() == ["ses"]


def test_figure_override_changes_the_verdict_and_cites_the_config() -> None:
    book, prices = apply_settings(
        bundled_rule_book(), bundled_prices(), parse_advisor_settings({"figures": {"volume-floor": 250_000}})
    )
    inputs = validate_inputs({"monthly_volume": 240_000})
    assert advise(inputs).verdict is Verdict.DEDICATED
    result = advise(inputs, book=book, prices=prices)
    assert result.verdict is Verdict.SHARED
    floor = next(o for o in result.reasons if o.rule == "volume-floor")
    assert floor.figure == 250_000 and floor.source_short == "your config"


def test_sizing_figure_override() -> None:
    settings = parse_advisor_settings({"figures": {"keep_warm_monthly_per_ip": 1_000_000}})
    book, prices = apply_settings(bundled_rule_book(), bundled_prices(), settings)
    inputs = validate_inputs({"monthly_volume": 1_500_000, "streams": "transactional"})
    assert advise(inputs).ip_count == 2
    assert advise(inputs, book=book, prices=prices).ip_count == 1


def test_price_override_and_new_provider() -> None:
    settings = parse_advisor_settings(
        {
            "prices": {
                "sendgrid": {"usd_per_ip": 45, "as_of": "2026-09", "source": "our contract"},
                "acme": {"usd_per_ip": 5, "name": "Acme Mail"},
            }
        }
    )
    _, prices = apply_settings(bundled_rule_book(), bundled_prices(), settings)
    sendgrid = prices.prices["sendgrid"]
    assert (sendgrid.usd_per_ip, sendgrid.as_of, sendgrid.source, sendgrid.confidence) == (
        45,
        "2026-09",
        "our contract",
        "user",
    )
    assert sendgrid.included_ips == 1, "unset fields keep the bundled value"
    assert "your config" in sendgrid.basis
    assert prices.prices["acme"].basis == "$5 per IP per month"
    result = advise(validate_inputs({"monthly_volume": 400_000, "streams": "marketing"}), prices=prices)
    assert next(row for row in result.monthly_cost if row.provider == "acme").usd == 10.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"figures": {"volume-flor": 1}}, "unknown figure volume-flor"),
        ({"figures": {"volume-floor": -1}}, "≥ 0"),
        ({"figures": {"volume-floor": "lots"}}, "advisor.figures.volume-floor"),
        ({"figures": {"bounce-ceiling": 3}}, "a rate"),
        ({"figures": {"default_transactional_share": 1.5}}, "a rate"),
        ({"figures": {"default_sending_days_per_week": 9}}, "1 to 7"),
        ({"figures": {"days_per_month": 0}}, "> 0"),
        ({"prices": {"acme": {}}}, "needs usd_per_ip"),
        ({"prices": {"ses": {"usd_per_ip": -3}}}, "advisor.prices.ses.usd_per_ip"),
        ({"colour": "red"}, "advisor.colour"),
    ],
)
def test_bad_advisor_settings_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSettings, match=message):
        apply_settings(bundled_rule_book(), bundled_prices(), parse_advisor_settings(raw))


def test_no_settings_returns_the_bundled_objects() -> None:
    book, prices = apply_settings(bundled_rule_book(), bundled_prices(), parse_advisor_settings({}))
    assert book is bundled_rule_book() and prices is bundled_prices()
    assert isinstance(prices, PriceTable)


def test_every_sizing_figure_and_warmup_mechanism_cites_a_known_source() -> None:
    book = bundled_rule_book()
    figures = [
        getattr(book.sizing, name) for name in type(book.sizing).model_fields if name != "ip_count_table"
    ]
    cited = [figure.source for figure in figures]
    cited += [info.warmup.source for info in book.providers.values() if info.warmup is not None]
    assert cited and all(source in book.sources for source in cited)
    ses = book.providers["ses"].warmup
    assert ses is not None and (ses.mechanism, ses.calendar_days) == ("time-based", 45)


def test_every_priced_line_says_what_it_includes_and_excludes() -> None:
    for key, price in bundled_prices().prices.items():
        priced = any(v is not None for v in (price.usd_per_ip, price.usd_per_account, price.plan_usd))
        if priced:
            assert price.includes and price.excludes, key
