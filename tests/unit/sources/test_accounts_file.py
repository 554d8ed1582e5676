from __future__ import annotations

from datetime import date
from pathlib import Path

from ipdash.sources.accounts_file import read_accounts_file
from ipdash.sources.loader import LoadPlan, load_dataset, sample_plan

HEADER = "date,provider,scope,source,sent,bounced,complaints,blocked,bounce_rate,complaint_rate,rate_basis,status,delivery_errors,compliance\n"


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_rows_with_counts_rates_and_postmaster_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2026-11-20,sendgrid,account,sg,1000,10,1,40,,,daily,,,",
        "2026-11-20,ses,account,ses,,,,,0.026,0.0004,rolling,HEALTHY,,",
        "2026-11-20,gmail,promo.example,gpt,,,,,,0.0007,daily,,low_ip_reputation=0.02;ip_in_rbls=0.01,DMARC_POLICY=NEEDS_WORK",
    )
    read = read_accounts_file(path)
    assert read.errors == []
    sg, ses, gmail = read.days
    assert (sg.day, sg.sent, sg.blocked, sg.bounce_rate) == (date(2026, 11, 20), 1000, 40, None)
    assert (ses.bounce_rate, ses.rate_basis, ses.status) == (0.026, "rolling", "HEALTHY")
    assert gmail.delivery_errors == ("low_ip_reputation=0.02", "ip_in_rbls=0.01")
    assert gmail.compliance == ("DMARC_POLICY=NEEDS_WORK",)


def test_bad_rows_are_skipped_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2026-11-20,ses,account,ses,,,,,1.5,,rolling,,,",  # not a fraction
        "not a date,ses,account,ses,,,,,,,daily,,,",
        "2026-11-20,ses,account,ses,-3,,,,,,daily,,,",
        "2026-11-20,,account,ses,,,,,,,daily,,,",
        "2026-11-20,ses,account,ses,,,,,,,weekly,,,",
        "2026-11-20,ses,account,ses,," + "9" * 3000 + ",,,,,daily,,,",
        "2026-11-19,ses,account,ses,,,,,0.01,,rolling,,,",
    )
    read = read_accounts_file(path)
    assert len(read.days) == 1 and len(read.errors) == 6
    assert read.errors[0].startswith("accounts.csv line 2:") and "fraction" in read.errors[0]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert read_accounts_file(empty).days == []
    dataset = load_dataset(LoadPlan(account_files=(tmp_path / "missing.csv",)))
    [source] = dataset.sources
    assert source.kind == "accounts" and source.state.value == "failed" and "missing.csv" in source.detail


def test_the_sample_data_has_account_and_domain_signals_and_blocks() -> None:
    dataset = load_dataset(sample_plan())
    providers = {day.provider for day in dataset.accounts.values()}
    assert providers == {"sendgrid", "ses", "gmail"}
    assert {d.rate_basis for d in dataset.accounts.values() if d.provider == "ses"} == {"rolling"}
    blocked = {s.ip for s in dataset.stats.values() if s.blocked}
    assert {"198.51.100.10", "203.0.113.20"} <= blocked  # SendGrid's and SES's IPs show blocks
