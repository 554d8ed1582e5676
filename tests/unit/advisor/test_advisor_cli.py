"""`ipdash recommend`: options, answers files, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ipdash.cli import main_group


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPDASH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main_group, ["recommend", *args])


def test_json_output_per_the_issue() -> None:
    result = invoke(
        "--monthly-volume",
        "400000",
        "--sends-per-month",
        "20",
        "--sending-days-per-week",
        "5",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "dedicated"
    assert data["ip_count"] >= 1
    assert {"schedule", "sending_days"} <= set(data["warmup"])


def test_boundary_just_below_is_shared() -> None:
    result = invoke(
        "--monthly-volume",
        "99999",
        "--sends-per-month",
        "2",
        "--sending-days-per-week",
        "1",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert data["verdict"] == "shared"
    assert data["would_change"][0].startswith("at ≥ 50,000/week with ≥ 3 sending days a week")


@pytest.mark.parametrize("rate", ["3%", "0.03"])
def test_rates_accept_percent_or_fraction(rate: str) -> None:
    result = invoke("--monthly-volume", "400k", "--bounce-rate", rate, "--format", "json")
    data = json.loads(result.stdout)
    assert data["verdict"] == "not-ready"
    assert data["inputs"]["bounce_rate"] == 0.03


def test_all_options() -> None:
    result = invoke(
        *("--monthly-volume", "1,200,000", "--sends-per-month", "12", "--sending-days-per-week", "3"),
        *("--pattern", "steady", "--streams", "transactional,marketing", "--transactional-share", "25%"),
        *(
            "--bounce-rate",
            "0.8%",
            "--complaint-rate",
            "0.02%",
            "--unsubscribe-rate",
            "0.3%",
            "--opt-in",
            "double",
        ),
        *(
            "--engagement-window-months",
            "6",
            "--allowlisted-recipients",
            "--time-critical",
            "--provider",
            "SendGrid",
        ),
        *("--budget", "$200", "--watcher", "team", "--format", "json"),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["inputs"]["transactional_share"] == 0.25
    assert data["inputs"]["allowlisted_recipients"] is True
    assert data["monthly_cost"][0]["provider"] == "sendgrid" and data["monthly_cost"][0]["current"]


def test_table_output_is_readable() -> None:
    result = invoke("--monthly-volume", "60000", "--sends-per-month", "1", "--sending-days-per-week", "1")
    assert result.exit_code == 0
    assert result.stdout.startswith("Verdict: ◎ shared\n")
    for text in (
        "Reasons",
        "✗ fail",
        "IPs and pools",
        "What would change the answer:",
        "at ≥ 50,000/week with ≥ 3 sending days a week",
    ):
        assert text in result.stdout


def test_markdown_output() -> None:
    result = invoke("--monthly-volume", "500000", "--format", "md")
    assert result.exit_code == 0
    assert result.stdout.startswith("# ipdash recommendation")
    assert "## Monthly cost" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--monthly-volume", "-5"], "--monthly-volume: '-5' is negative"),
        (["--monthly-volume", "0"], "--monthly-volume: 0 is too small"),
        (["--monthly-volume", "lots"], "--monthly-volume: 'lots' is not a whole number"),
        (["--monthly-volume", "5000", "--sends-per-month", "40"], "--sends-per-month: 40 is too large"),
        (
            ["--monthly-volume", "5000", "--sends-per-month", "20", "--sending-days-per-week", "2"],
            "--sends-per-month: 20 sends a month is more than the sending days",
        ),
        (["--monthly-volume", "5000", "--bounce-rate", "3"], "--bounce-rate: '3' is above 1"),
        (["--monthly-volume", "5000", "--streams", "newsletters"], "--streams: unknown stream newsletters"),
        (["--monthly-volume", "5000", "--provider", "pigeon"], "--provider: unknown provider 'pigeon'"),
        (["--monthly-volume", "5000", "--budget", "cheap"], "--budget: 'cheap' is not an amount"),
        ([], "--monthly-volume is required"),
    ],
)
def test_bad_input_exits_2_naming_the_option(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_click_choice_errors_are_usage_errors() -> None:
    result = invoke("--monthly-volume", "5000", "--pattern", "weekly")
    assert result.exit_code == 2


def test_answers_file_toml(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'monthly-volume = 250000\nsends_per_month = 4\nbounce-rate = "1.5%"\nstreams = ["marketing"]\n'
    )
    result = invoke("--answers", str(answers), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["inputs"]["bounce_rate"] == 0.015
    assert data["inputs"]["streams"] == "marketing"


def test_answers_file_json_and_options_win(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"monthly_volume": 250000, "pattern": "spiky"}))
    result = invoke("--answers", str(answers), "--monthly-volume", "50000", "--format", "json")
    data = json.loads(result.stdout)
    assert data["inputs"]["monthly_volume"] == 50000
    assert data["inputs"]["pattern"] == "spiky"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.toml", "monthly-volume = ", "invalid TOML"),
        ("a.json", '{"monthly_volume": 5,,}', "a.json:1:"),
        ("a.json", "[1, 2]", "must be a table/object"),
        ("a.txt", "\x00\x01", "invalid TOML"),
        ("a.toml", "monthly-volume = -10", "a.toml: monthly-volume: -10 is negative"),
        ("a.toml", 'monthly-volume = 5000\nflavour = "mint"', "a.toml: flavour: unknown answer name"),
        ("a.json", "[" * 100_000 + "]" * 100_000, "a.json"),
    ],
)
def test_bad_answers_file_exits_2_naming_the_file(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    result = invoke("--answers", str(path))
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_and_huge_answers_files(tmp_path: Path) -> None:
    result = invoke("--answers", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "cannot read" in result.stderr
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 1_100_000)
    result = invoke("--answers", str(huge))
    assert result.exit_code == 2 and "too large" in result.stderr


def test_config_overrides_figures_and_prices(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[advisor.figures]\n"volume-floor" = 150000\n[advisor.prices.sendgrid]\nusd_per_ip = 99\nas_of = "2026-10"\n'
    )
    result = invoke(
        "--config", str(config), "--monthly-volume", "400000", "--provider", "sendgrid", "--format", "json"
    )
    data = json.loads(result.stdout)
    floor = next(reason for reason in data["reasons"] if reason["rule"] == "volume-floor")
    assert floor["figure"] == 150000
    assert data["monthly_cost"][0]["as_of"] == "2026-10"
    result = invoke("--config", str(config), "--monthly-volume", "120000", "--format", "json")
    assert json.loads(result.stdout)["verdict"] == "shared"


def test_bad_advisor_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[advisor.figures]\nvolume-flor = 1\n")
    result = invoke("--config", str(config), "--monthly-volume", "400000")
    assert result.exit_code == 2
    assert "config.toml: advisor.figures: unknown figure volume-flor" in result.stderr


def test_recommend_does_not_load_textual() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom ipdash.cli import main_group\n"
        "r = CliRunner().invoke(main_group, ['recommend', '--monthly-volume', '5000', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\nprint('textual' in sys.modules)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"


def test_json_adds_calendar_days_assumptions_and_cost_parts() -> None:
    result = invoke(
        "--monthly-volume", "2M", "--provider", "ses", "--streams", "marketing", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "dedicated"
    assert data["warmup"]["calendar_days"] == 45, "SES standard: time-based, about 45 calendar days"
    assert "Sending pattern not given: assumed steady." in data["assumptions"]
    own = next(row for row in data["monthly_cost"] if row["current"])
    for field in (
        "usd",
        "basis",
        "source",
        "as_of",
        "plan_usd",
        "ip_usd",
        "per_message_usd",
        "includes",
        "excludes",
    ):
        assert field in own, field
    assert own["per_message_usd"] == 200.0 and own["ip_usd"] == 49.9
    assert own["usd"] == round(own["ip_usd"] + own["per_message_usd"], 2)
    assert isinstance(own["includes"], list) and isinstance(own["excludes"], list)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--peak-monthly-volume", "5"], "--peak-monthly-volume: the peak month (5) is below"),
        (["--longest-gap-days", "0"], "--longest-gap-days: 0 is too small"),
        (["--longest-gap-days", "9999"], "--longest-gap-days: 9999 is too large"),
        (["--longest-gap-days", "two"], "--longest-gap-days: 'two' is not a whole number"),
    ],
)
def test_bad_gap_or_peak_is_a_usage_error(args: list[str], message: str) -> None:
    result = invoke("--monthly-volume", "100k", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_gap_and_peak_answers_file_names_are_accepted(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'monthly-volume = 1500000\npattern = "seasonal"\npeak-monthly-volume = 3000000\nlongest-gap-days = 2\n'
        'provider = "sendgrid"\n',
        encoding="utf-8",
    )
    result = invoke("--answers", str(answers), "--format", "json")
    data = json.loads(result.stdout)
    assert data["verdict"] == "dedicated" and "peak plan" in data["verdict_reason"]
    assert not any(a.startswith(("Peak month", "Longest gap")) for a in data["assumptions"])
