"""`--format nagios`: the monitoring-plugin status line, perfdata grammar and exit codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.commands._nagios import (
    CRITICAL,
    MAX_DATA_AGE_DAYS,
    MAX_IP_PERFDATA,
    OK,
    UNKNOWN,
    WARNING,
    check_output,
    perf,
    report_output,
    worst,
)

# 'label'=value[UOM];[warn];[crit];[min];[max] (monitoring-plugins development guidelines)
PERF_ITEM = re.compile(r"'[^'=\n]+'=(U|-?[0-9.]+(e-?[0-9]+)?)(%|s|ms|us|B|KB|MB|TB|c)?(;[-0-9.e]*){0,4}")
STATUS_LINE = re.compile(r"^IPDASH (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| (.+))?$")
WINDOW = {"start": "2025-06-04", "end": "2025-06-10", "days": 7}


def ip(address: str, *severities: str, score: int | None = 90, **extra: Any) -> dict[str, Any]:
    breaches = [
        {"metric": "complaint_rate", "scope": "ip", "value": 0.004, "threshold": 0.003, "severity": s,
         "preset": "default"}
        for s in severities
    ]  # fmt: skip
    return {"ip": address, "sent": 1000, "bounce_rate": 0.01, "complaint_rate": 0.004,
            "unsubscribe_rate": None, "score": score, "breaches": breaches, **extra}  # fmt: skip


def report(*ips: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"window": WINDOW, "ips": list(ips), "sources": sources or []}


def assert_plugin_grammar(text: str) -> None:
    first = text.splitlines()[0]
    match = STATUS_LINE.match(first)
    assert match, first
    if match.group(3):
        items = PERF_ITEM.pattern
        assert re.fullmatch(f"{items}( {items})*", match.group(3)), match.group(3)


@pytest.mark.parametrize(
    ("ips", "sources", "state"),
    [
        ((ip("192.0.2.1"),), None, OK),
        ((ip("192.0.2.1", "warn"),), None, WARNING),
        ((ip("192.0.2.1", "warn"), ip("192.0.2.2", "critical")), None, CRITICAL),
        ((ip("192.0.2.1"),), [{"name": "sg", "state": "stale", "detail": "401"}], UNKNOWN),
        ((ip("192.0.2.1", "warn"),), [{"name": "sg", "state": "failed"}], UNKNOWN),
        ((ip("192.0.2.1", "critical"),), [{"name": "sg", "state": "stale"}], CRITICAL),
        ((), None, UNKNOWN),
    ],
)
def test_report_states(
    ips: tuple[dict[str, Any], ...], sources: list[dict[str, Any]] | None, state: int
) -> None:
    output = report_output(report(*ips, sources=sources))
    assert output.state == state
    assert_plugin_grammar(output.render())


def test_report_perfdata_carries_levels_and_marks_unmeasured_as_U() -> None:
    text = report_output(report(ip("192.0.2.1", score=None)), {"complaint_rate": (0.001, 0.003)}).render()
    assert "'192.0.2.1 complaint_rate'=0.004;0.001;0.003;0;1" in text
    assert "'192.0.2.1 unsubscribe_rate'=U;;;0;1" in text and "'192.0.2.1 score'=U;;;0;100" in text


def test_hostile_labels_cannot_break_the_perfdata() -> None:
    hostile = ip("192.0.2.1'='x | rm -rf\nIPDASH OK - fine", "critical")
    text = report_output(report(hostile)).render()
    first, *rest = text.splitlines()
    assert_plugin_grammar(text)
    assert first.count(" | ") == 1 and not any(line.startswith("IPDASH OK") for line in rest)


def test_huge_reports_cap_the_perfdata_and_say_so() -> None:
    ips = [ip(f"10.0.{n // 256}.{n % 256}", "critical" if n == 7000 else "warn") for n in range(10_000)]
    output = report_output(report(*ips))
    assert output.state == CRITICAL
    first = output.render().splitlines()[0]
    assert "'10.0.27.88 sent'" in first  # the critical one is among the worst shown
    assert first.count(" sent'=") == MAX_IP_PERFDATA
    assert f"per-IP perfdata for the {MAX_IP_PERFDATA} worst of 10000 IPs" in output.details
    assert len(output.render().splitlines()) <= 52


def test_states_rank_critical_over_unknown_over_warning() -> None:
    assert worst(OK, WARNING, UNKNOWN) == UNKNOWN and worst(UNKNOWN, CRITICAL) == CRITICAL and worst() == OK


def zone(status: str, severity: str | None = "listing", name: str = "Spamhaus ZEN") -> dict[str, Any]:
    return {"zone": "zen.spamhaus.org", "name": name, "status": status, "severity": severity, "reason": "r"}


@pytest.mark.parametrize(
    ("zones", "rdns", "outcome", "state"),
    [
        ([zone("clean")], None, "clean", OK),
        ([zone("listed")], None, "finding", CRITICAL),
        ([zone("listed", "policy", "PBL")], None, "finding", WARNING),
        ([zone("unknown")], None, "incomplete", UNKNOWN),
        ([zone("listed", "policy"), zone("error")], None, "incomplete", UNKNOWN),
        ([zone("clean")], {"fcrdns": "fail", "reason": "no PTR"}, "finding", CRITICAL),
    ],
)
def test_check_states(
    zones: list[dict[str, Any]], rdns: dict[str, Any] | None, outcome: str, state: int
) -> None:
    counts = {
        k: sum(z["status"] == k for z in zones) for k in ("listed", "clean", "error", "unknown", "skipped")
    }
    data = {"results": [{"target": "192.0.2.1", "blocklists": zones, "rdns": rdns}], "summary": counts}
    output = check_output(data, outcome)
    assert output.state == state
    assert_plugin_grammar(output.render())


def test_perf_item_format() -> None:
    assert perf("a b", 0.5, 0.1, 0.2, 0, 1) == "'a b'=0.5;0.1;0.2;0;1"
    assert perf("n", 3) == "'n'=3" and perf("n", None, minimum=0) == "'n'=U;;;0"


def test_report_command_on_the_sample_data_is_critical(tmp_path: Path) -> None:
    result = CliRunner().invoke(main_group, ["report", "--format", "nagios"], catch_exceptions=False)
    assert result.exit_code == CRITICAL
    assert result.stdout.startswith("IPDASH CRITICAL - 3 of 9 IPs critical")
    assert_plugin_grammar(result.stdout)


def test_a_detail_line_compares_in_the_metric_s_bad_direction() -> None:
    """A rate breaches at or over its ceiling, a pass rate under its floor (DMARC: 95% < 98%)."""
    dmarc = {
        "metric": "dmarc_pass_rate",
        "scope": "all",
        "value": 0.95,
        "threshold": 0.98,
        "severity": "warn",
    }
    complaint = {
        "metric": "complaint_rate",
        "scope": "ip",
        "value": 0.004,
        "threshold": 0.003,
        "severity": "critical",
    }
    data = report(ip("192.0.2.1", breaches=[dmarc, complaint]))
    details = report_output(data).details
    assert "WARN 192.0.2.1 dmarc_pass_rate (all) 95.0000% < 98.0000%" in details
    assert "CRITICAL 192.0.2.1 complaint_rate (ip) 0.4000% >= 0.3000%" in details


@pytest.mark.parametrize(
    ("generated_at", "severities", "state", "age"),
    [
        ("2025-06-11T08:00:00+00:00", (), OK, 1),  # yesterday's day: the usual provider lag
        ("2025-06-13T23:59:00+00:00", (), OK, 3),  # the slowest provider's lag
        ("2025-06-14T00:00:01+00:00", (), UNKNOWN, 4),  # the sources stopped bringing new days
        ("2025-06-22T12:00:00+00:00", ("warn",), UNKNOWN, 12),
        ("2025-06-22T12:00:00+00:00", ("critical",), CRITICAL, 12),  # critical outranks unknown
    ],
)
def test_a_report_on_old_data_is_unknown_not_green(
    generated_at: str, severities: tuple[str, ...], state: int, age: int
) -> None:
    output = report_output({**report(ip("192.0.2.1", *severities)), "generated_at": generated_at})
    assert output.state == state
    text = output.render()
    assert_plugin_grammar(text)
    assert f"'data_age_days'={age};;;0" in text
    assert (f"2025-06-10 is {age} days old" in text) == (age > MAX_DATA_AGE_DAYS)


@pytest.mark.parametrize("generated_at", ["", "yesterday", None, 7])
def test_an_unreadable_report_time_leaves_the_data_age_out(generated_at: object) -> None:
    output = report_output({**report(ip("192.0.2.1")), "generated_at": generated_at})
    assert output.state == OK and "data_age_days" not in output.render()


def _broken_config(tmp_path: Path) -> str:
    path = tmp_path / "broken.toml"
    path.write_text("[store\nurl = ", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["report", "--config", "{missing}"], "ipdash: "),
        (["report", "--config", "{broken}"], "ipdash: "),
        (["report", "--window", "banana"], "Invalid value for '--window'"),
        (["report", "--no-such-option"], "No such option '--no-such-option'"),
        (["check", "--timeout", "nan", "192.0.2.1"], "not a number"),
        (["check", "--zones", ",", "192.0.2.1"], "--zones names no list"),
        (["check", "not-an-ip!"], "bad target"),
    ],
    ids=[
        "missing-config",
        "broken-config",
        "bad-value",
        "bad-option",
        "nan-timeout",
        "no-zones",
        "bad-target",
    ],
)
@pytest.mark.parametrize("spelling", [["--format", "nagios"], ["--format=nagios"]])
def test_a_plugin_that_cannot_run_is_unknown_not_critical(
    tmp_path: Path, args: list[str], reason: str, spelling: list[str]
) -> None:
    """Exit 2 is CRITICAL to a monitoring core: a broken config must not page as a listed IP."""
    filled = [a.format(missing=tmp_path / "nope.toml", broken=_broken_config(tmp_path)) for a in args]
    result = CliRunner().invoke(main_group, [*filled[:1], *spelling, *filled[1:]], catch_exceptions=False)
    assert result.exit_code == UNKNOWN, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("IPDASH UNKNOWN - ipdash: ") and reason in result.stdout
    assert_plugin_grammar(result.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--format", "json", "--window", "banana"],
        ["report", "--config", "{missing}"],
        ["check", "--format", "table", "--timeout", "nan", "192.0.2.1"],
        ["check", "--format", "nagios", "--format", "json", "not-an-ip!"],  # the last --format wins
    ],
)
def test_other_formats_keep_exit_2_for_usage_errors(tmp_path: Path, args: list[str]) -> None:
    filled = [a.format(missing=tmp_path / "nope.toml") for a in args]
    result = CliRunner().invoke(main_group, filled, catch_exceptions=False)
    assert result.exit_code == 2 and "IPDASH" not in result.output


def test_a_bug_in_plugin_mode_is_unknown_with_its_traceback_on_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ipdash.commands import report as report_command

    def broken(*_: object, **__: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(report_command, "analyse_for_cli", broken)
    result = CliRunner().invoke(main_group, ["report", "--format", "nagios"], catch_exceptions=False)
    assert result.exit_code == UNKNOWN
    assert result.stdout.startswith("IPDASH UNKNOWN - ipdash: internal error: ZeroDivisionError: a bug")
    assert "Traceback" in result.stderr and "Traceback" not in result.stdout


@pytest.mark.parametrize(("output_format", "code"), [("json", 2), ("nagios", UNKNOWN)])
def test_a_store_failing_during_the_analysis_is_one_line(
    monkeypatch: pytest.MonkeyPatch, output_format: str, code: int
) -> None:
    """The earlier days of the IPs that need them are read mid-analysis: a store lost then (a lock
    wait given up, a dropped connection) is the store's message, not a traceback."""
    from ipdash.commands import report as report_command
    from ipdash.sources.store import StoreError

    def store_lost(*_: object, **__: object) -> None:
        raise StoreError("postgresql://db/ipdash: the history store failed: server closed the connection")

    monkeypatch.setattr(report_command, "analyse_for_cli", store_lost)
    result = CliRunner().invoke(main_group, ["report", "--format", output_format], catch_exceptions=False)
    assert result.exit_code == code
    assert "the history store failed: server closed the connection" in result.output
    assert "Traceback" not in result.output
