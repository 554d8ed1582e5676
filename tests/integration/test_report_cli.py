"""`ipdash report`: JSON and table shapes, exit codes 0/1/2, --window, --preset, --csv, --config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ipdash.cli import main_group
from ipdash.domain.models import canonical_ip
from ipdash.exit_codes import EXIT_FINDING, EXIT_OK, EXIT_USAGE

CLEAN_CSV = (
    "date,ip,mailbox provider,sent,delivered,bounces,complaints,unsubscribes\n"
    "2026-03-01,192.0.2.1,gmail.com,5000,4990,10,1,5\n"
    "2026-03-02,192.0.2.1,gmail.com,5000,4990,10,1,5\n"
    "2026-03-02,2001:DB8::0:1,hotmail.com,3000,2990,10,0,3\n"
)
IP_FIELDS = {
    "ip",
    "pool",
    "provider",
    "kind",
    "sent",
    "delivered",
    "bounce_rate",
    "complaint_rate",
    "unsubscribe_rate",
    "score",
    "band",
    "breaches",
}
BREACH_FIELDS = {"metric", "scope", "value", "threshold", "severity", "preset", "source"}


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPDASH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def report(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main_group, ["report", *args], env=env, catch_exceptions=False)


def report_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = report("--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_json_shape_on_the_sample_data() -> None:
    code, data = report_json()
    assert code == EXIT_FINDING  # the sample data has critical breaches
    assert {"generated_at", "window", "ips", "errors"} <= set(data)
    generated = datetime.fromisoformat(data["generated_at"])
    assert generated.utcoffset() is not None
    assert data["window"] == {"start": "2026-11-14", "end": "2026-11-20", "days": 7}
    assert data["errors"] == []
    assert len(data["ips"]) == 9
    for ip in data["ips"]:
        assert set(ip) >= IP_FIELDS, ip["ip"]
        assert ip["ip"] == canonical_ip(ip["ip"])
        assert ip["kind"] in {"dedicated", "shared"}
        assert ip["band"] in {"healthy", "watch", "at risk", "critical", "n/a"}
        assert ip["score"] is None or 0 <= ip["score"] <= 100
        for name in ("bounce_rate", "complaint_rate", "unsubscribe_rate"):
            assert ip[name] is None or 0 <= ip[name] <= 1, (ip["ip"], name, ip[name])
        for breach in ip["breaches"]:
            assert set(breach) >= BREACH_FIELDS
            assert breach["severity"] in {"warn", "critical"}
            assert breach["source"] and breach["reason"]
            date.fromisoformat(breach["since"])
            if breach["kind"] == "dmarc":  # a pass rate: a breach is at or under its level
                assert 0 <= breach["value"] < breach["threshold"] <= 1
                continue
            if breach["kind"] != "threshold":  # warm-up, SNDS, listings: no rate to compare
                assert breach["value"] is None and breach["threshold"] is None
                continue
            assert breach["scope"] == "ip" or "." in breach["scope"] or breach["scope"] == "other"
            assert 0 <= breach["value"] <= 1 and 0 <= breach["threshold"] <= 1
            assert breach["value"] >= breach["threshold"]


def test_sample_stories_in_the_json() -> None:
    _, data = report_json()
    by_ip = {ip["ip"]: ip for ip in data["ips"]}
    gmail = [b for b in by_ip["198.51.100.12"]["breaches"] if b["scope"] == "gmail.com"]
    assert [(b["metric"], b["severity"], b["threshold"]) for b in gmail] == [
        ("complaint_rate", "critical", 0.003)
    ]
    assert by_ip["203.0.113.30"]["breaches"] == [] and by_ip["203.0.113.30"]["score"] is None
    assert by_ip["203.0.113.21"]["sent"] == 0 and by_ip["203.0.113.21"]["band"] == "n/a"
    assert by_ip["2001:db8:25::10"]["band"] == "healthy"


def test_table_output_on_the_sample_data() -> None:
    result = report()
    assert result.exit_code == EXIT_FINDING
    lines = result.stdout.splitlines()
    assert lines[0] == "Window 2026-11-14 .. 2026-11-20 (7 days)"
    header = lines[2].split()
    assert header == [
        "IP",
        "pool",
        "provider",
        "kind",
        "sent",
        "bounce",
        "complaint",
        "unsub",
        "DMARC",  # the sample data has DMARC reports
        "score",
        "band",
        "blocklists",
        "·",
        "rDNS",
        "warm-up",
        "breaches",
    ]
    # every column has its header: the last cell starts under the last header
    assert lines[3].index("✓ none") == lines[2].index("breaches")
    rows = {line.split()[0]: line for line in lines[3:12]}
    assert set(rows) == {
        "192.0.2.50",
        "192.0.2.51",
        "198.51.100.10",
        "198.51.100.11",
        "198.51.100.12",
        "203.0.113.20",
        "203.0.113.21",
        "203.0.113.30",
        "2001:db8:25::10",
    }
    assert "✗ critical" in rows["198.51.100.12"]  # status is a symbol and a word, never colour alone
    assert "✓ none" in rows["198.51.100.10"]
    assert "95.0% of 111k" in rows["203.0.113.20"]  # the retired DKIM selector's DMARC pass rate
    assert "Breaches (critical first, newest first):" in result.stdout
    # the breach lines are columns: an account subject (gmail:news.acme-shop.example) longer than
    # an IP pushes every line's metric along, never into its own
    breach_lines = lines[lines.index("Breaches (critical first, newest first):") + 1 :]
    breach_lines = [line for line in breach_lines if line.startswith(("  ✗", "  ▲"))]
    account = next(line for line in breach_lines if "gmail:news.acme-shop.example" in line)
    ip_line = next(line for line in breach_lines if " 203.0.113.20 " in line and "bounce · all" in line)
    assert account.index("account · spam rate") == ip_line.index("bounce · all")
    assert "gmail:news.acme-shop.example  account" in account
    assert "Sources of the levels and signals:" in result.stdout
    assert "support.google.com" in result.stdout  # every threshold names its source
    assert "\x1b[" not in result.stdout  # no colour codes when not a terminal


def test_a_clean_csv_exits_0(tmp_path: Path) -> None:
    code, data = report_json("--csv", str(write(tmp_path, "clean.csv", CLEAN_CSV)))
    assert code == EXIT_OK
    assert data["window"] == {"start": "2026-02-24", "end": "2026-03-02", "days": 7}
    assert [ip["ip"] for ip in data["ips"]] == ["192.0.2.1", "2001:db8::1"]
    first = data["ips"][0]
    assert (first["sent"], first["delivered"]) == (10_000, 9_980)
    assert first["bounce_rate"] == pytest.approx(20 / 10_000)
    assert first["complaint_rate"] == pytest.approx(2 / 9_980)
    assert first["pool"] is None and first["kind"] is None  # no facts: unknown, not invented
    assert all(ip["breaches"] == [] for ip in data["ips"])


def test_a_warning_alone_exits_0(tmp_path: Path) -> None:
    csv = "date,ip,sent,delivered,bounces\n2026-03-01,192.0.2.1,1000,970,30\n"
    code, data = report_json("--csv", str(write(tmp_path, "warn.csv", csv)))
    assert code == EXIT_OK
    assert [b["severity"] for b in data["ips"][0]["breaches"]] == ["warn"]


def test_row_errors_are_listed_with_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rows.csv",
        CLEAN_CSV + "2026-03-02,192.0.2.999,gmail.com,1,1,0,0,0\n2026-03-02,192.0.2.1,gmail.com,5,6,0,0,0\n",
    )
    code, data = report_json("--csv", str(path))
    assert code == EXIT_OK
    assert data["errors"] == [
        {"file": str(path), "line": 5, "column": 2, "message": "not an IP address: '192.0.2.999'"},
        {"file": str(path), "line": 6, "column": 5, "message": "delivered (6) is more than sent (5)"},
    ]
    assert data["ips"][0]["sent"] == 10_000


def test_row_errors_go_to_stderr_in_table_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.csv", CLEAN_CSV + "nope,192.0.2.1,gmail.com,1,1,0,0,0\n")
    result = report("--csv", str(path))
    assert result.exit_code == EXIT_OK
    assert f"{path}:5:1: not a date: 'nope'" in result.stderr
    assert "1 row(s) skipped" in result.stderr
    assert "not a date" not in result.stdout


def test_window_option(tmp_path: Path) -> None:
    _, data = report_json("--window", "30")
    assert data["window"] == {"start": "2026-10-22", "end": "2026-11-20", "days": 30}
    by_ip = {ip["ip"]: ip for ip in data["ips"]}
    assert by_ip["203.0.113.30"]["sent"] > 1000  # a month of the low-volume IP is enough to judge
    assert report("--window", "0").exit_code == EXIT_USAGE


def test_preset_option() -> None:
    _, default = report_json()
    _, ses = report_json("--preset", "ses")
    presets = {b["preset"] for ip in ses["ips"] for b in ip["breaches"] if b["kind"] == "threshold"}
    assert presets == {"ses"}
    gmail_critical = lambda data: [  # noqa: E731
        b
        for ip in data["ips"]
        for b in ip["breaches"]
        if b["scope"] == "gmail.com" and b["severity"] == "critical"
    ]
    assert gmail_critical(default) and not gmail_critical(ses)  # 0.36% is over Gmail's 0.3%, under SES's 0.5%


@pytest.mark.parametrize("use_empty_data", [False, True])
def test_unknown_preset_exits_2_with_one_line(tmp_path: Path, use_empty_data: bool) -> None:
    args = ["--csv", str(write(tmp_path, "empty.csv", "date,ip,sent\n"))] if use_empty_data else []
    result = report("--preset", "strict", *args)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.count("\n") == 1
    assert "unknown threshold preset 'strict'" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.csv", None, "file not found"),
        ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text CSV file"),
        ("prose.csv", "Dear team,\nplease find attached.\n", "no recognisable header"),
        ("empty.csv", "", "file is empty"),
    ],
)
def test_unreadable_input_exits_2_with_one_line_naming_the_file(
    tmp_path: Path, name: str, content: str | None, fragment: str
) -> None:
    path = tmp_path / name if content is None else write(tmp_path, name, content)
    result = report("--csv", str(path), "--format", "json")
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr.startswith(f"ipdash: {path}: ")
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_one_bad_file_among_good_ones_still_exits_2(tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", CLEAN_CSV)
    result = report("--csv", str(good), "--csv", str(tmp_path / "gone.csv"))
    assert result.exit_code == EXIT_USAGE
    assert "gone.csv: file not found" in result.stderr


def test_config_file_is_used(tmp_path: Path) -> None:
    data_csv = write(
        tmp_path, "data.csv", "date,ip,sent,delivered,bounces\n2026-03-01,192.0.2.1,1000,970,30\n"
    )
    config = write(
        tmp_path,
        "ipdash.toml",
        f"window_days = 3\n[thresholds.overrides.bounce_rate]\ncritical = 0.03\n[[csv]]\npath = '{data_csv.name}'\n"
        "[[ips]]\nip = '192.0.2.1'\npool = 'p1'\nkind = 'dedicated'\n",
    )
    code, data = report_json("--config", str(config))
    assert code == EXIT_FINDING  # the override made 3% critical
    assert data["window"]["days"] == 3
    assert (data["ips"][0]["pool"], data["ips"][0]["kind"]) == ("p1", "dedicated")
    assert "user config" in data["ips"][0]["breaches"][0]["source"]


def test_ipdash_config_env_var(tmp_path: Path) -> None:
    config = write(tmp_path, "env.toml", "window_days = 5\n")
    result = report("--format", "json", env={"IPDASH_CONFIG": str(config)})
    assert json.loads(result.stdout)["window"]["days"] == 5


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [("window_days = [\n", "invalid TOML"), ("[thresholds]\nmin_volume = 'lots'\n", "thresholds.min_volume")],
)
def test_a_bad_config_exits_2_naming_the_file(tmp_path: Path, toml: str, fragment: str) -> None:
    config = write(tmp_path, "bad.toml", toml)
    result = report("--config", str(config))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"ipdash: {config}: ")
    assert fragment in result.stderr


def test_a_missing_config_exits_2(tmp_path: Path) -> None:
    result = report("--config", str(tmp_path / "none.toml"))
    assert result.exit_code == EXIT_USAGE
    assert "config file not found" in result.stderr


def test_a_header_only_file_is_no_data_not_an_error(tmp_path: Path) -> None:
    code, data = report_json("--csv", str(write(tmp_path, "h.csv", "date,ip,sent\n")))
    assert code == EXIT_OK
    assert (data["window"], data["ips"], data["errors"]) == (None, [], [])
    assert report("--csv", str(tmp_path / "h.csv")).stdout.startswith("No sending data loaded.")


def test_an_snds_file_alone(tmp_path: Path) -> None:
    fixture = Path(__file__).resolve().parents[1] / "unit" / "foundation" / "fixtures" / "snds_data.csv"
    code, data = report_json("--csv", str(fixture))
    assert code == EXIT_FINDING, "Microsoft's sample has RED days and trap hits: critical breaches"
    assert data["errors"] == []
    assert {ip["sent"] for ip in data["ips"]} == {None}, "SNDS counts no sends: volume unknown, not 0"
    assert {b["kind"] for ip in data["ips"] for b in ip["breaches"]} == {"snds"}


# --- the installed console script, as cron would run it -----------------------------------------


def _ipdash() -> str:
    found = shutil.which("ipdash", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the ipdash console script is not installed in this environment")
    return found


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "IPDASH_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(cwd / "xdg")
    return subprocess.run([_ipdash(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_console_script_exit_codes(tmp_path: Path) -> None:
    sample = _run("report", "--format", "json", cwd=tmp_path)
    assert sample.returncode == EXIT_FINDING, sample.stderr
    assert len(json.loads(sample.stdout)["ips"]) == 9
    clean = write(tmp_path, "clean.csv", CLEAN_CSV)
    assert _run("report", "--csv", str(clean), cwd=tmp_path).returncode == EXIT_OK
    missing = _run("report", "--csv", "nowhere.csv", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (EXIT_USAGE, "ipdash: nowhere.csv: file not found\n")


def test_table_cells_are_shown_as_written_and_never_as_terminal_codes(tmp_path: Path) -> None:
    data_csv = write(tmp_path, "d.csv", "date,ip,sent\n2026-03-01,192.0.2.1,10\n")
    config = write(
        tmp_path,
        "c.toml",
        f"[[csv]]\npath = '{data_csv.name}'\n"
        '[[ips]]\nip = "192.0.2.1"\npool = "[eu] \\u001b[2Jmarketing"\nprovider = "ses [/x]"\n',
    )
    result = report("--config", str(config))
    assert result.exit_code == EXIT_OK
    assert "[eu] marketing" in result.stdout  # the whole escape sequence goes, not just its ESC
    assert "[2J" not in result.stdout
    assert "ses [/x]" in result.stdout
    assert "\x1b" not in result.stdout


def test_a_missing_ipdash_config_file_exits_2(tmp_path: Path) -> None:
    result = report(env={"IPDASH_CONFIG": str(tmp_path / "gone.toml")})
    assert result.exit_code == EXIT_USAGE
    assert "gone.toml: config file not found" in result.stderr


def test_an_unknown_preset_for_a_mailbox_provider_exits_2(tmp_path: Path) -> None:
    config = write(tmp_path, "c.toml", '[thresholds.mailbox_provider_presets]\n"gmail.com" = "nope"\n')
    result = report("--config", str(config))
    assert result.exit_code == EXIT_USAGE
    assert "unknown threshold preset 'nope'" in result.stderr


def test_accounts_in_the_json() -> None:
    _, data = report_json()
    accounts = {(a["provider"], a["scope"]): a for a in data["accounts"]}
    assert set(accounts) == {
        ("gmail", "acme-shop.example"),
        ("gmail", "news.acme-shop.example"),
        ("gmail", "promo.acme-shop.example"),
        ("sendgrid", "account"),
        *(("sendgrid", f"account @ {mbp}") for mbp in ("gmail.com", "outlook.com", "yahoo.com", "other")),
        ("ses", "account"),
    }
    gmail_split = accounts[("sendgrid", "account @ gmail.com")]["rates"]
    assert (
        gmail_split["complaint_rate"]["status"] == "no-data"
        and gmail_split["complaint_rate"]["value"] is None
    )
    assert accounts[("gmail", "promo.acme-shop.example")]["rates"]["block_rate"]["value"] == pytest.approx(
        0.029
    )
    news = accounts[("gmail", "news.acme-shop.example")]["rates"]["complaint_rate"]
    assert (news["status"], news["threshold"], news["preset"], news["basis"]) == (
        "warn",
        0.001,
        "gmail-yahoo",
        "daily",
    )
    ses = accounts[("ses", "account")]
    assert {r["basis"] for r in ses["rates"].values()} == {"rolling"} and ses["sent"] is None
    assert ses["status"] == "HEALTHY"
    assert 0 < accounts[("sendgrid", "account")]["rates"]["block_rate"]["value"] < 1
    promo = accounts[("gmail", "promo.acme-shop.example")]
    assert promo["compliance_needs_work"] == ["DMARC_POLICY", "DMARC_ALIGNMENT"]
    assert promo["delivery_error_rates"] == {"low_ip_reputation": 0.021, "ip_in_rbls": 0.008}
    for account in data["accounts"]:
        for rate in account["rates"].values():
            assert rate["value"] is None or 0 <= rate["value"] <= 1
            assert rate["status"] and rate["reason"]
    spam = [b for b in data["account_breaches"] if b["metric"] == "complaint_rate"]
    assert [(b["scope"], b["severity"]) for b in spam] == [("news.acme-shop.example", "warn")]
