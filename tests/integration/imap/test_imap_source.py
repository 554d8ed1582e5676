"""The IMAP report source against a real loopback IMAP4rev1 server: IMAPS and STARTTLS, the UID state
across polls and restarts, the after-actions, and every failure as a failed source with its reason."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from imap_fixtures import PASSWORD, google_mail, imap_source, outlook_mail, plain_mail, poll
from imap_server import Hostile, ImapServer

from ipdash.domain.receiver import ReceiverData
from ipdash.sources.arf.load import load_arf
from ipdash.sources.dmarc.imap_fetch import STATE_FILE
from ipdash.sources.dmarc.load import load_dmarc

Start = Callable[..., ImapServer]
ARF = Path(__file__).resolve().parents[2] / "unit" / "receiver" / "fixtures" / "arf"


def reports_in(spool: Path) -> tuple[ReceiverData, int]:
    receiver = ReceiverData()
    load = load_dmarc([spool], receiver)
    assert not load.errors, load.errors
    return receiver, load.reports


def test_imaps_saves_every_report_attachment_and_reads_them_like_a_folder(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(
        folders={"INBOX": [google_mail(), plain_mail(), outlook_mail()]}, implicit_tls=server_tls
    )
    spool = tmp_path / "rua"
    result = poll(imap_source(server, spool, ca_file=str(ca_file)))
    assert result.ok, result.detail
    assert result.source == "rua-imap" and result.kind == "imap"
    assert "3 new message(s), 2 report(s) saved" in result.detail and "1 without a report" in result.detail
    names = sorted(path.name for path in spool.iterdir() if not path.name.startswith("."))
    assert [name.rsplit("-", 1)[1] for name in names] == ["0.xml.gz", "0.zip"]
    _receiver, reports = reports_in(spool)
    assert reports == 2
    assert server.seen.commands.count("EXAMINE") == 1  # after = "keep": read-only, nothing changed
    assert all(not message.flags for message in server.folders["INBOX"])  # BODY.PEEK: still unseen


def test_the_last_uid_is_remembered_across_polls_and_restarts(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(folders={"INBOX": [google_mail(), plain_mail()]}, implicit_tls=server_tls)
    spool = tmp_path / "rua"
    source = imap_source(server, spool, ca_file=str(ca_file))
    assert poll(source).ok
    assert server.seen.body_fetches == [1, 2]
    again = poll(source)
    assert again.ok and "0 new message(s)" in again.detail
    assert server.seen.body_fetches == [1, 2]  # "3:*" matched UID 2 (RFC 3501): filtered, not re-read
    uid = server.add(outlook_mail())
    restarted = imap_source(server, spool, ca_file=str(ca_file))  # a new process: the state is in the spool
    assert poll(restarted).ok
    assert server.seen.body_fetches == [1, 2, uid]
    state = json.loads((spool / STATE_FILE).read_text())
    assert list(state.values()) == [{"uidvalidity": 7, "last_uid": 3}]


def test_a_new_uidvalidity_reads_the_folder_again_and_duplicates_count_once(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(folders={"INBOX": [google_mail(), outlook_mail()]}, implicit_tls=server_tls)
    spool = tmp_path / "rua"
    assert poll(imap_source(server, spool, ca_file=str(ca_file))).ok
    before, _ = reports_in(spool)
    server.uidvalidity = 8  # the folder was rebuilt: old UIDs mean nothing now
    assert poll(imap_source(server, spool, ca_file=str(ca_file))).ok
    assert server.seen.body_fetches == [1, 2, 1, 2]
    receiver = ReceiverData()
    load = load_dmarc([spool], receiver)
    assert (load.reports, load.duplicates) == (2, 2)  # saved twice, counted once (reporter + report id)
    assert receiver.dmarc == before.dmarc


def test_starttls_sends_the_password_only_after_tls(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(folders={"INBOX": [google_mail()]}, starttls=server_tls)
    result = poll(imap_source(server, tmp_path / "rua", security="starttls", ca_file=str(ca_file)))
    assert result.ok, result.detail
    assert server.seen.commands[:2] == ["CAPABILITY", "STARTTLS"] or "STARTTLS" in server.seen.commands
    assert server.seen.login_over_tls == [True]


def test_a_server_without_starttls_never_gets_the_password(imap_server: Start, tmp_path: Path) -> None:
    server = imap_server(folders={"INBOX": [google_mail()]})  # plain IMAP, no STARTTLS offered
    result = poll(imap_source(server, tmp_path / "rua", security="starttls"))
    assert result.failure == "config" and "does not offer STARTTLS" in result.detail
    assert "LOGIN" not in server.seen.commands


def test_an_untrusted_certificate_fails_before_login(
    imap_server: Start, server_tls: ssl.SSLContext, tmp_path: Path
) -> None:
    server = imap_server(folders={"INBOX": [google_mail()]}, implicit_tls=server_tls)
    result = poll(imap_source(server, tmp_path / "rua"))  # the system CAs do not know the test CA
    assert result.failure == "unavailable" and "TLS certificate refused" in result.detail
    assert server.seen.commands == []


@pytest.mark.parametrize("move", [True, False])
def test_after_move_moves_the_messages_that_held_a_report(
    move: bool, imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    report = google_mail()
    server = imap_server(
        folders={"INBOX": [report, plain_mail()], "DMARC/Done": []}, implicit_tls=server_tls, move=move
    )
    result = poll(
        imap_source(server, tmp_path / "rua", ca_file=str(ca_file), after="move", move_to="DMARC/Done")
    )
    assert result.ok and "1 moved" in result.detail, result.detail
    assert [m.body for m in server.folders["DMARC/Done"]] == [report]
    assert [m.body for m in server.folders["INBOX"]] == [plain_mail()]  # no report: left where it was
    assert ("UID MOVE" in server.seen.commands) is move
    if not move:
        assert {"UID COPY", "UID STORE", "EXPUNGE"} <= set(server.seen.commands)


def test_after_seen_and_search_unseen(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(folders={"INBOX": [google_mail()]}, implicit_tls=server_tls)
    server.add(outlook_mail(), flags={"\\Seen"})  # read by a person already
    source = imap_source(server, tmp_path / "rua", ca_file=str(ca_file), search="unseen", after="seen")
    result = poll(source)
    assert result.ok and "1 new message(s)" in result.detail and "1 marked seen" in result.detail
    assert server.seen.body_fetches == [1]
    assert all("\\Seen" in m.flags for m in server.folders["INBOX"])


def test_a_refused_login_is_an_auth_failure_with_the_password_masked(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(implicit_tls=server_tls, hostile=Hostile(echo_password=True))
    server.password = "something-else"
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file)))
    assert result.failure == "auth" and "login refused" in result.detail
    assert "Invalid credentials" in result.detail and "(password '***')" in result.detail
    assert PASSWORD not in result.detail


def test_a_missing_password_variable_is_a_config_failure(imap_server: Start, tmp_path: Path) -> None:
    server = imap_server()
    result = poll(imap_source(server, tmp_path / "rua", env={}))
    assert result.failure == "config" and "DMARC_IMAP_PASSWORD" in result.detail
    assert server.seen.commands == []


def test_bye_mid_fetch_fails_the_poll_and_keeps_what_was_read(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(
        folders={"INBOX": [google_mail(), outlook_mail()]},
        implicit_tls=server_tls,
        hostile=Hostile(bye_on_body_fetch=2),
    )
    spool = tmp_path / "rua"
    result = poll(imap_source(server, spool, ca_file=str(ca_file)))
    assert result.failure == "unavailable" and "connection broken" in result.detail
    assert "BYE" in result.detail or "shutting down" in result.detail
    assert reports_in(spool)[1] == 1  # the first message's report is saved, and remembered
    server.hostile.bye_on_body_fetch = None
    assert poll(imap_source(server, spool, ca_file=str(ca_file))).ok
    assert server.seen.body_fetches == [1, 2, 2]


def test_a_server_that_does_not_answer_times_out(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(
        folders={"INBOX": [google_mail()]}, implicit_tls=server_tls, hostile=Hostile(stall_on="SEARCH")
    )
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file), timeout=0.5))
    assert result.failure == "unavailable" and "no answer within 0.5 s" in result.detail


def test_an_oversized_literal_is_refused_unread(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(
        folders={"INBOX": [google_mail()]},
        implicit_tls=server_tls,
        hostile=Hostile(huge_literal=True, lying_size=True),
    )
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file)))
    assert result.failure == "bad_payload" and "2,147,483,648-byte literal" in result.detail


def test_a_message_announced_too_large_is_skipped_not_fetched(
    imap_server: Start,
    server_tls: ssl.SSLContext,
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ipdash.sources.dmarc import imap_fetch

    monkeypatch.setattr(imap_fetch, "MAX_LITERAL_BYTES", 1000)
    server = imap_server(folders={"INBOX": [google_mail(), plain_mail()]}, implicit_tls=server_tls)
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file)))
    assert result.ok and "1 over 1,000 bytes skipped" in result.detail, result.detail
    assert server.seen.body_fetches == [2]


def test_an_endless_answer_is_cut_off(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(implicit_tls=server_tls, hostile=Hostile(endless_on="SEARCH"))
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file)))
    assert result.failure == "bad_payload" and "more than 20,000 lines" in result.detail


def test_an_answer_that_is_not_imap_breaks_the_connection(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(implicit_tls=server_tls, hostile=Hostile(junk_on_select=True))
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file)))
    assert result.failure == "unavailable" and "unexpected response" in result.detail


def test_a_missing_folder_is_a_config_failure(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    server = imap_server(implicit_tls=server_tls)
    result = poll(imap_source(server, tmp_path / "rua", ca_file=str(ca_file), folder="Reports/DMARC"))
    assert result.failure == "config" and "'Reports/DMARC' cannot be opened" in result.detail


def test_nothing_listens_is_unavailable(tmp_path: Path, imap_server: Start) -> None:
    server = imap_server()
    server.stop()
    result = poll(imap_source(server, tmp_path / "rua"))
    assert result.failure == "unavailable" and "cannot connect" in result.detail


def test_arf_messages_are_saved_whole(
    imap_server: Start, server_tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    arf = (ARF / "yahoo_abuse.eml").read_bytes()
    server = imap_server(folders={"INBOX": [arf, google_mail()]}, implicit_tls=server_tls)
    spool = tmp_path / "fbl"
    result = poll(imap_source(server, spool, kind="arf", ca_file=str(ca_file)))
    assert result.ok and "1 report(s) saved" in result.detail and "1 without a report" in result.detail
    receiver = ReceiverData()
    load = load_arf([spool], receiver)
    assert (load.reports, load.records, load.errors) == (1, 1, [])
