"""`ipdash poll --once` and `report` with a dmarc source's IMAP mailbox, end to end over loopback IMAPS:
the mailbox is polled like any source, its reports land in the folder, `report` reads them, and a
refused login is a failed source with no password in any output or store row."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from imap_fixtures import PASSWORD, google_mail, outlook_mail
from imap_server import Hostile, ImapServer

from ipdash.cli import main_group
from ipdash.sources.store import SqliteStore

Start = Callable[..., ImapServer]
CSV = "date,ip,mailbox provider,sent,delivered,bounces,complaints\n2026-11-20,198.51.100.10,gmail.com,1200,1190,10,0\n"


def config(tmp_path: Path, server: ImapServer, ca_file: Path) -> Path:
    (tmp_path / "stats.csv").write_text(CSV)
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
path = "history.sqlite3"
retention_days = 36500

[[sources]]
kind = "csv"
path = "stats.csv"

[[sources]]
kind = "dmarc"
name = "rua"
paths = ["dmarc-reports"]
[sources.imap]
host = "127.0.0.1"
port = {server.port}
user = "{server.user}"
password_env = "DMARC_IMAP_PASSWORD"
ca_file = "{ca_file}"
"""
    )
    (tmp_path / "dmarc-reports").mkdir()
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main_group, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_poll_once_saves_the_mailbox_reports_and_report_reads_them(
    imap_server: Start,
    server_tls: ssl.SSLContext,
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DMARC_IMAP_PASSWORD", PASSWORD)
    server = imap_server(folders={"INBOX": [google_mail(), outlook_mail()]}, implicit_tls=server_tls)
    path = config(tmp_path, server, ca_file)
    code, out, err = run("poll", "--once", "--config", str(path), "--format", "json")
    assert code == 0, out + err
    [imap] = [s for s in json.loads(out)["sources"] if s["source"] == "rua-imap"]
    assert imap["status"] == "ok" and "2 report(s) saved" in imap["reason"]
    code, out, err = run("report", "--config", str(path), "--format", "json")
    data = json.loads(out)
    [ip] = [ip for ip in data["ips"] if ip["ip"] == "198.51.100.10"]
    assert ip["dmarc"]["messages"] > 0 and set(ip["dmarc"]["reporters"]) == {"gmail.com", "outlook.com"}
    assert {s["name"] for s in data["sources"]} >= {"rua", "rua-imap"}


def test_a_refused_login_fails_the_source_without_the_password_anywhere(
    imap_server: Start,
    server_tls: ssl.SSLContext,
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DMARC_IMAP_PASSWORD", PASSWORD)
    server = imap_server(implicit_tls=server_tls, hostile=Hostile(echo_password=True))
    server.password = "not-what-we-send"
    path = config(tmp_path, server, ca_file)
    code, out, err = run("poll", "--once", "--config", str(path))
    assert code == 3 and "rua-imap" in out and "login refused" in out
    with SqliteStore(tmp_path / "history.sqlite3") as store:
        rows = [repr(source_run) for source_run in store.source_runs()]
    assert any("login refused" in row for row in rows)
    for text in (out, err, *rows):
        assert PASSWORD not in text
