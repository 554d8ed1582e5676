"""`report --mta-log` and `[[sources]] kind = "mta-log"`: the JSON fields, errors with file and line,
the config validated up front."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.sources.config_file import load_config
from ipdash.sources.loader import load_dataset, plan_from_inputs

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_report_json_gains_blocked_and_deferred_rates_and_top_reasons() -> None:
    code, out, _ = run(
        "report",
        "--mta-log",
        str(FIXTURES / "kumomta.jsonl"),
        "--mta-ip",
        "ip-11=198.51.100.11",
        "--format",
        "json",
    )
    assert code == 1  # S3150 at Outlook is a new critical block reason
    report = json.loads(out)
    ip = next(item for item in report["ips"] if item["ip"] == "198.51.100.10")
    assert ip["blocked_rate"] == 1 / 5 and ip["deferred_rate"] == 1 / 6
    assert {"mailbox_provider": "outlook.com", "class": "ip-reputation", "count": 1}.items() <= next(
        t for t in ip["top_reasons"] if t["mailbox_provider"] == "outlook.com"
    ).items()
    assert all(set(t) >= {"mailbox_provider", "reply", "class", "count"} for t in ip["top_reasons"])
    assert any(b["kind"] == "block-reason" and b["scope"] == "outlook.com" for b in ip["breaches"])
    [source] = report["sources"]
    assert (source["kind"], source["rows"]) == ("mta-log", 9)


def test_bad_lines_are_in_errors_with_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "kumo.jsonl"
    log.write_text((FIXTURES / "kumomta.jsonl").read_text() + '{"type": "Mystery"}\n{"type": "Deliv')
    _code, out, _ = run(
        "report", "--mta-log", str(log), "--mta-ip", "ip-11=198.51.100.11", "--format", "json"
    )
    errors = json.loads(out)["errors"]
    assert [(e["file"], e["line"]) for e in errors] == [(str(log), 11), (str(log), 12)]
    assert "unknown record type" in errors[0]["message"] and "incomplete last line" in errors[1]["message"]
    _code, _out, err = run("report", "--mta-log", str(log), "--mta-ip", "ip-11=198.51.100.11")
    assert f"{log}:11: unknown record type" in err


def test_powermta_and_postfix_formats_and_bad_options(tmp_path: Path) -> None:
    code, out, _ = run(
        "report",
        "--mta-log",
        str(FIXTURES / "powermta.csv"),
        "--mta-format",
        "powermta",
        "--mta-ip",
        "vmta-21=198.51.100.21",
        "--format",
        "json",
    )
    assert {ip["ip"] for ip in json.loads(out)["ips"]} == {"198.51.100.20", "198.51.100.21"}
    code, _out, err = run(
        "report",
        "--mta-log",
        str(FIXTURES / "postfix.log"),
        "--mta-format",
        "postfix",
        "--mta-ip",
        "postfix-ip30=not-an-ip",
    )
    assert code == 2 and "not an IP address" in err
    code, _out, err = run("report", "--mta-log", str(tmp_path / "missing"), "--format", "json")
    assert code == 2 and "not found" in err


def config_with(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body)
    return path


def test_config_source_is_loaded_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "postfix.log").write_text((FIXTURES / "postfix.log").read_text())
    path = config_with(
        tmp_path,
        """
[[sources]]
kind = "mta-log"
name = "relay"
path = "logs"
format = "postfix"
ip_names = { "postfix-ip30" = "198.51.100.30", "postfix-ip31" = "198.51.100.31" }
""",
    )
    config, found = load_config(path)
    plan = plan_from_inputs([], config, config_path=found)
    assert not plan.polls_providers  # a file source, not a poller
    assert tmp_path / "logs" / "postfix.log" in plan.watched_paths()
    dataset = load_dataset(plan)
    [info] = [s for s in dataset.sources if s.kind == "mta-log"]
    assert (info.name, info.rows, info.state.value) == ("relay", 6, "fresh")
    _code, out, _ = run("report", "--config", str(path), "--format", "json")
    assert {ip["ip"] for ip in json.loads(out)["ips"]} == {"198.51.100.30", "198.51.100.31"}


def test_a_bad_mta_source_stops_with_the_file_and_key(tmp_path: Path) -> None:
    path = config_with(
        tmp_path,
        """
[[sources]]
kind = "mta-log"
path = "x.log"
format = "exim"
ip_names = { "a" = "nope" }
""",
    )
    code, _out, err = run("report", "--config", str(path))
    assert code == 2
    assert f"{path}: sources[0].format" in err and f"{path}: sources[0].ip_names" in err


def test_a_missing_log_is_a_failed_source_and_exit_2(tmp_path: Path) -> None:
    path = config_with(tmp_path, '[[sources]]\nkind = "mta-log"\npath = "gone"\nformat = "kumomta"\n')
    code, _out, err = run("report", "--config", str(path))
    assert code == 2 and "gone: file or folder not found" in err
