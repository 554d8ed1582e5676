"""`ipdash warmup plan | schedules | status` through the real command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ipdash.cli import main_group


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IPDASH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def run(*args: str) -> Result:
    return CliRunner().invoke(main_group, ["warmup", *args])


def test_plan_json_is_exactly_the_documented_shape() -> None:
    result = run(
        "plan",
        "--target-daily",
        "60000",
        "--start",
        "2026-11-05",
        "--sending-days",
        "mon,tue,wed,thu,fri",
        "--mailbox-split",
        "gmail.com=0.4,outlook.com=0.25",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"schedule", "target_daily", "days", "sending_days_to_target"}
    assert data["schedule"] == "sendgrid" and data["target_daily"] == 60_000
    days = data["days"]
    assert len(days) == data["sending_days_to_target"] == 9
    assert set(days[0]) == {"day", "date", "daily_limit", "per_mailbox_provider"}
    assert days[-1]["daily_limit"] == 60_000
    assert days[-1]["per_mailbox_provider"] == {"gmail.com": 24_000, "outlook.com": 15_000, "other": 21_000}
    assert all(date.fromisoformat(d["date"]).weekday() < 5 for d in days)
    assert [d["date"] for d in days[:3]] == ["2026-11-05", "2026-11-06", "2026-11-09"]


@pytest.mark.parametrize("name", ["sendgrid", "sparkpost", "braze-conservative", "braze-moderate"])
def test_every_named_schedule_plans(name: str) -> None:
    result = run("plan", "--target-daily", "20000", "--schedule", name, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["days"][-1]["daily_limit"] == 20_000


def test_plan_csv_has_a_header_and_one_row_per_day() -> None:
    result = run("plan", "--target-daily", "1000", "--mailbox-split", "gmail.com=0.5", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["day", "date", "daily_limit", "gmail.com", "other"]
    assert rows[1:] == [
        ["1", "", "50", "25", "25"],
        ["2", "", "100", "50", "50"],
        ["3", "", "500", "250", "250"],
        ["4", "", "1000", "500", "500"],
    ]


def test_plan_markdown_names_the_source_and_the_derivation() -> None:
    result = run("plan", "--target-daily", "60000", "--schedule", "ses-standard", "--format", "md")
    assert result.exit_code == 0
    assert "| 45 | — | 50,000 |" in result.output
    assert "| 46 | — | 58,500 |" in result.output
    assert "publishes only the end point" in result.output
    assert "docs.aws.amazon.com" in result.output


def test_plan_table_for_people() -> None:
    result = run("plan", "--target-daily", "500", "--schedule", "braze-aggressive")
    assert result.exit_code == 0
    assert "Braze aggressive schedule: 3 sending days to 500/day" in result.output
    assert "source: github.com/braze-inc/braze-docs" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-daily", "0"], "positive whole number"),
        (["--target-daily", "-5"], "positive whole number"),
        (["--target-daily", "100", "--schedule", "turbo"], "unknown warm-up schedule 'turbo'"),
        (["--target-daily", "100", "--sending-days", "someday"], "not a weekday"),
        (["--target-daily", "100", "--mailbox-split", "gmail.com"], "not name=value"),
        (["--target-daily", "100", "--mailbox-split", "gmail.com=lots"], "not a number"),
        (["--target-daily", "100", "--mailbox-split", "gmail.com=0.8,yahoo.com=0.8"], "more than 1"),
        (["--target-daily", "100", "--provider-caps", "gmail.com=5"], "need a mailbox split"),
        (["--target-daily", "20000000", "--schedule", "sparkpost"], "no published continuation"),
    ],
)
def test_plan_input_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = run("plan", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args", [["--target-daily", "lots"], ["--target-daily", "5", "--start", "2024-13-01"], []]
)
def test_plan_usage_errors_exit_2(args: list[str]) -> None:
    assert run("plan", *args).exit_code == 2


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_custom_plan_from_the_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[warmup.plans.ours]\nstart_volume = 1000\ngrowth = 3.0\n")
    result = run(
        "plan", "--target-daily", "10000", "--schedule", "ours", "--config", str(config), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert [d["daily_limit"] for d in json.loads(result.output)["days"]] == [1_000, 3_000, 9_000, 10_000]


def test_a_broken_warmup_section_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[warmup.plans.ours]\ndays = [5, 1]\n")
    result = run("plan", "--target-daily", "100", "--config", str(config))
    assert result.exit_code == 2
    assert "warmup.plans.ours" in result.stderr and "never decrease" in result.stderr


def test_schedules_lists_every_builtin_with_its_source(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[warmup.plans.ours]\ndays = [10, 20]\n")
    result = run("schedules", "--format", "json", "--config", str(config))
    assert result.exit_code == 0
    listed = {entry["name"]: entry for entry in json.loads(result.output)}
    for name in ["sendgrid", "sparkpost", "braze-conservative", "braze-moderate", "braze-aggressive"]:
        assert listed[name]["source"] and listed[name]["origin"] == "built-in"
    assert {"mailtrap", "oracle", "ses-standard"} <= set(listed)
    assert listed["ours"]["origin"] == "config"
    assert listed["ses-standard"]["derivation"]


def test_schedules_table() -> None:
    result = run("schedules")
    assert result.exit_code == 0
    assert "ses-standard" in result.output and "(derived)" in result.output


def test_status_on_the_sample_data() -> None:
    result = run("status", "--demo", "--format", "json")
    assert result.exit_code == 1  # the idle SES IP needs a re-warm
    data = json.loads(result.output)
    by_ip = {entry["ip"]: entry for entry in data["ips"]}
    assert by_ip["198.51.100.11"]["schedule"] == "braze-moderate"
    assert by_ip["198.51.100.11"]["target_daily"] == 500_000
    assert by_ip["198.51.100.11"]["status"] == "on-track"
    assert by_ip["198.51.100.11"]["day"] == 13  # 12 sending days done: mid warm-up
    assert by_ip["203.0.113.21"]["status"] == "needs-rewarm"
    assert by_ip["203.0.113.21"]["next_step"]["action"] == "rewarm"
    assert "198.51.100.10" not in by_ip  # steady, no plan, not idle
    assert data["today"] == "2026-11-20"
    assert data["generated_at"].endswith("+00:00")


def test_status_on_the_sample_data_mid_warmup() -> None:
    result = run("status", "--demo", "--today", "2026-11-13", "--format", "json")
    entry = next(e for e in json.loads(result.output)["ips"] if e["ip"] == "198.51.100.11")
    assert entry["status"] == "on-track"
    assert entry["day"] == 8
    assert entry["next_step"]["daily_limit"] == 16_000  # braze-moderate day 8
    assert entry["eta"] == "2026-11-30"


def write_csv(tmp_path: Path, ip: str, volumes: list[int], first: date) -> Path:
    lines = ["date,ip,mailbox_provider,sent,delivered"]
    lines += [f"{first + timedelta(days=i)},{ip},all,{n},{n}" for i, n in enumerate(volumes)]
    path = tmp_path / "stats.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_status_from_csv_and_config_on_track_exits_0(tmp_path: Path) -> None:
    stats = write_csv(tmp_path, "192.0.2.9", [300, 390, 510], date(2024, 5, 6))
    config = write_config(
        tmp_path,
        '[[ips]]\nip = "192.0.2.9"\nwarmup_plan = "mailtrap"\nwarmup_start = 2024-05-06\n'
        '[warmup.ips."192.0.2.9"]\ntarget_daily = 5000\n',
    )
    result = run("status", "--csv", str(stats), "--config", str(config))
    assert result.exit_code == 0, result.output + result.stderr
    # Today (2024-05-08) was plan day 3: its day sits beside today's cap and sent (the old
    # table said "day 4/12" beside day 3's cap); the next step names day 4's cap.
    row = next(line for line in result.output.splitlines() if line.startswith("192.0.2.9"))
    assert "✓ on track" in row and "day 3/12" in row and "510" in row
    assert "advance → " in row


def test_status_with_an_unknown_plan_exits_2_but_still_reports(tmp_path: Path) -> None:
    stats = write_csv(tmp_path, "192.0.2.9", [300], date(2024, 5, 6))
    config = write_config(tmp_path, '[[ips]]\nip = "192.0.2.9"\nwarmup_plan = "turbo"\n')
    result = run("status", "--csv", str(stats), "--config", str(config), "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.output)["ips"][0]["status"] == "plan-error"


def test_status_without_warming_ips_says_so(tmp_path: Path) -> None:
    stats = write_csv(tmp_path, "192.0.2.9", [300, 300], date(2024, 5, 6))
    result = run("status", "--csv", str(stats))
    assert result.exit_code == 0
    assert "No IP is warming up" in result.output


def test_status_with_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("status", "--csv", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv" in result.stderr


def test_the_installed_command_runs_headless() -> None:
    code = (
        "import sys; from ipdash.cli import main; sys.argv = ['ipdash', 'warmup', 'plan', '--target-daily', '500',"
        " '--format', 'json'];\ntry:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "assert 'textual' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["days"][-1]["daily_limit"] == 500
