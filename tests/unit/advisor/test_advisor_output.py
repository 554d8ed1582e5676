"""The JSON contract and the Markdown export."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from ipdash.domain.advisor import Recommendation, recommendation_json, recommendation_markdown

Run = Callable[..., Recommendation]

ISSUE_KEYS = {"verdict", "ip_count", "pools", "warmup", "monthly_cost", "reasons", "risks", "would_change"}


def test_json_has_every_key_the_issue_names(run: Run) -> None:
    data = recommendation_json(run())
    assert set(data) >= ISSUE_KEYS
    assert {"name", "streams", "ips"} <= set(data["pools"][0])
    assert {"schedule", "sending_days"} <= set(data["warmup"])
    assert {"provider", "usd", "basis", "source", "as_of"} <= set(data["monthly_cost"][0])
    assert {"rule", "detail", "source"} <= set(data["reasons"][0])
    assert data["verdict"] == "dedicated" and data["verdict_reason"]
    json.dumps(data)


def test_json_rates_are_fractions_named_rate(run: Run) -> None:
    data = recommendation_json(run(bounce_rate=0.035))
    assert data["inputs"]["bounce_rate"] == 0.035
    bounce = next(reason for reason in data["reasons"] if reason["rule"] == "bounce-ceiling")
    assert (bounce["figure"], bounce["value"], bounce["status"]) == (0.03, 0.035, "fail")
    assert data["targets"] == [
        {
            "metric": "bounce_rate",
            "current": 0.035,
            "target": "below 3%",
            "rule": "bounce-ceiling",
            "source": bounce["source"],
        }
    ]


def test_json_for_shared(run: Run) -> None:
    data = recommendation_json(run(monthly_volume=10_000))
    assert data["verdict"] == "shared"
    assert data["ip_count"] == 0
    assert data["monthly_cost"] == []
    assert data["warmup"]["schedule"] is None and data["warmup"]["sending_days"] is None


def test_markdown_has_every_section(run: Run) -> None:
    text = recommendation_markdown(
        run(bounce_rate=0.04), generated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    )
    for heading in (
        "# ipdash recommendation",
        "Generated 2026-11-22T09:30:00+00:00.",
        "## Verdict: ✗ not-ready",
        "### Targets to reach first",
        "## Answers",
        "## Reasons",
        "## IPs and pools",
        "## Warm-up",
        "## Monthly cost",
        "## Risks",
        "## What would change the answer",
    ):
        assert heading in text, heading
    assert "| Bounce rate | 4% |" in text
    assert "✗ fail" in text


def test_markdown_for_shared_says_no_cost(run: Run) -> None:
    text = recommendation_markdown(run(monthly_volume=10_000))
    assert "No dedicated-IP cost" in text
    assert "Generated" not in text


def test_markdown_escapes_table_pipes(run: Run) -> None:
    from ipdash.domain.advisor import (
        advise,
        apply_settings,
        bundled_prices,
        bundled_rule_book,
        parse_advisor_settings,
        validate_inputs,
    )

    settings = parse_advisor_settings(
        {"prices": {"sendgrid": {"usd_per_ip": 40, "source": "deal | 2026\nsigned"}}}
    )
    book, prices = apply_settings(bundled_rule_book(), bundled_prices(), settings)
    result = advise(validate_inputs({"monthly_volume": 400_000}), book=book, prices=prices)
    text = recommendation_markdown(result)
    assert "deal \\| 2026 signed" in text
    for line in text.splitlines():
        if line.startswith("| ") and "Provider" not in line:
            assert line.endswith(" |")
