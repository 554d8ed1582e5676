"""`ipdash report --dmarc/--arf` and [[sources]] kinds dmarc/arf: the JSON contract, errors with their
file and position, exit codes, config validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ipdash.cli import main_group
from ipdash.exit_codes import EXIT_USAGE

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "receiver" / "fixtures"
CSV = (
    "date,ip,mailbox provider,sent,delivered,bounces,complaints\n"
    "2026-11-20,198.51.100.10,gmail.com,1200,1190,10,0\n"
    "2026-11-20,198.51.100.10,hotmail.com,600,590,10,0\n"
    "2026-11-20,198.51.100.12,yahoo.com,2000,1990,10,0\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main_group, ["report", *args], catch_exceptions=False)


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_dmarc_and_arf_in_the_json(tmp_path: Path) -> None:
    stats = tmp_path / "stats.csv"
    stats.write_text(CSV)
    result = run(
        "--format",
        "json",
        "--csv",
        str(stats),
        "--dmarc",
        str(FIXTURES / "dmarc"),
        "--arf",
        str(FIXTURES / "arf"),
    )
    data = as_json(result)
    by_ip = {ip["ip"]: ip for ip in data["ips"]}
    dmarc = by_ip["198.51.100.10"]["dmarc"]
    assert dmarc["messages"] == 1520 and dmarc["reporters"] == {"gmail.com": 1000, "outlook.com": 520}
    assert dmarc["dmarc_pass_rate"] == 1420 / 1520
    assert {"spf_pass_rate", "dkim_pass_rate"} <= set(dmarc)
    assert by_ip["198.51.100.10"]["sent"] == 1800  # the receivers' count is not added to the ESP's
    # the ESP counted no complaint for yahoo.com on 11-20 and has no 11-19 record: both ARF ones are added
    assert by_ip["198.51.100.12"]["complaint_rate"] == 2 / 1990
    assert by_ip["198.51.100.12"]["dmarc"]["arf_complaints_added"] == 2
    unknown = {source["ip"]: source for source in data["unknown_sources"]}
    assert [source["ip"] for source in data["unknown_sources"]] == ["2001:db8:25::10", "192.0.2.99"]
    assert unknown["192.0.2.99"] == {
        "ip": "192.0.2.99",
        "messages": 40,
        "header_from": ["acme-shop.example"],
        "dmarc_pass_rate": 0.0,
        "reporters": {"gmail.com": 40},
    }
    files = {Path(error["file"]).name for error in data["errors"]}
    assert files == {"yahoo.xml", "plain_mail.eml"}
    kinds = {source["kind"]: source for source in data["sources"]}
    assert kinds["dmarc"]["rows"] == 6 and kinds["dmarc"]["row_errors"] == 1
    assert "yahoo.xml" in result.stderr  # JSON on stdout, the skipped files on stderr


def test_the_table_has_a_dmarc_column_only_with_receiver_reports(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    stats = tmp_path / "stats.csv"
    stats.write_text(CSV)
    table = run("--csv", str(stats), "--dmarc", str(FIXTURES / "dmarc")).stdout
    header = next(line for line in table.splitlines() if line.startswith("IP "))
    assert "DMARC" in header
    row = next(line for line in table.splitlines() if line.startswith("198.51.100.10 "))
    assert f"{1420 / 1520:.1%} of 1.5k" in row  # format_count, as the sent column
    without = run("--csv", str(stats)).stdout
    assert "DMARC" not in next(line for line in without.splitlines() if line.startswith("IP "))


def test_a_hostile_folder_loads_what_it_can(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(FIXTURES / "dmarc" / "google.xml", folder / "google.xml")
    (folder / "xxe.xml").write_text(
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><feedback>&e;</feedback>'
    )
    (folder / "half.xml").write_bytes((FIXTURES / "dmarc" / "outlook.xml").read_bytes()[:700])
    (folder / "readme.txt").write_text("hello")
    result = run("--format", "json", "--dmarc", str(folder))
    data = as_json(result)
    errors = {Path(error["file"]).name: error for error in data["errors"]}
    assert set(errors) == {"xxe.xml", "half.xml"}
    assert errors["half.xml"]["line"] is not None and errors["half.xml"]["column"] is not None
    dmarc = {ip["ip"]: ip["dmarc"] for ip in data["ips"]}
    assert dmarc["198.51.100.10"]["messages"] == 1000
    detail = next(source["detail"] for source in data["sources"] if source["kind"] == "dmarc")
    assert "1 other file(s) ignored" in detail and "2 skipped" in detail


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--dmarc", str(tmp_path / "nope"))
    assert result.exit_code == EXIT_USAGE and "no such file or folder" in result.stderr


def test_config_sources_of_kind_dmarc_and_arf(tmp_path: Path) -> None:
    (tmp_path / "stats.csv").write_text(CSV)
    shutil.copytree(FIXTURES / "dmarc", tmp_path / "dmarc")
    config = tmp_path / "ipdash.toml"
    config.write_text(
        '[[csv]]\npath = "stats.csv"\n\n'
        '[[sources]]\nkind = "dmarc"\nname = "rua mailbox export"\npaths = ["dmarc"]\n\n'
        f'[[sources]]\nkind = "arf"\npaths = ["{FIXTURES / "arf"}"]\n'
    )
    data = as_json(run("--format", "json", "--config", str(config)))
    names = {source["name"]: source for source in data["sources"]}
    assert names["rua mailbox export"]["kind"] == "dmarc" and names["rua mailbox export"]["rows"] == 6
    assert names["arf"]["rows"] == 2


def test_bad_receiver_source_is_refused_at_load_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "ipdash.toml"
    config.write_text(
        '[[sources]]\nkind = "dmarc"\npaths = []\n\n[[sources]]\nkind = "arf"\npassword = "x"\n'
    )
    result = run("--config", str(config))
    assert result.exit_code == EXIT_USAGE
    assert f"{config}: sources[0].paths" in result.stderr
    assert "sources[1]" in result.stderr and "secrets are not read from the config file" in result.stderr
