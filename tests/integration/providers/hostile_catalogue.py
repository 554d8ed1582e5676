"""The hostile-input campaign of issue 18, reproducible: each probe is one hostile input fed to the
real command line (in-process, click's runner) against files and loopback servers on 127.0.0.1, and
judged on five counts: crashed (an exception escaped), traceback (one was printed), leaked (a
credential, in any spelling, in an output or anywhere in the store file), lost (the healthy data
next to the hostile input is missing) and control (a C0/C1 control or bidi override reached the
output), plus wrong_exit (a config or store error that is not exit 2) and wrong_verdict (a blocklist verdict a
broken resolver's answers do not allow: ``hostile_resolvers``). ``tests/benchmarks/hostile_campaign.py`` runs them all and prints the counts;
``test_hostile_campaign.py`` runs the fast subset as parametrised tests."""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

from click.testing import CliRunner

from ipdash.cli import main_group

from .fakeapi import FIXTURES, FakeApi, Reply, Seen, fixture

MG_KEY = "key-mailgun+secret/=="
SNDS_KEY = "snds+key/with=signs"
SECRETS = (MG_KEY, SNDS_KEY)
ENV = {"TEST_MG_KEY": MG_KEY, "TEST_SNDS_KEY": SNDS_KEY}
SNDS_DATA = (FIXTURES / "microsoft-snds/data.csv").read_bytes()
GOOD_IP = "192.0.2.77"
BAD_IP = "192.0.2.99"  # the hostile rows' IP, so that a value read as valid never adds to the good rows
CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def secret_forms() -> set[str]:
    forms: set[str] = set()
    for secret in SECRETS:
        forms |= {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    token = base64.b64encode(f"api:{MG_KEY}".encode()).decode()
    return forms | {token, token.rstrip("=")}


@dataclass
class Outcome:
    crashed: bool = False
    traceback: bool = False
    leaked: bool = False
    lost: bool = False
    control: bool = False
    wrong_exit: bool = False
    wrong_verdict: bool = False  # a blocklist verdict that is not what the resolver's answers allow
    notes: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        return [name for name in COUNTS if getattr(self, name)]


COUNTS = ("crashed", "traceback", "leaked", "lost", "control", "wrong_exit", "wrong_verdict")


@dataclass(frozen=True)
class Probe:
    category: str
    name: str
    run: Callable[[Path, FakeApi], Outcome]
    fast: bool = False  # in the test suite's subset

    @property
    def id(self) -> str:
        return f"{self.category}:{self.name}"


def invoke(outcome: Outcome, *args: str) -> tuple[int, str]:
    """One command line in-process; what it printed (stdout and stderr together)."""
    result = CliRunner().invoke(main_group, list(args), env=ENV, catch_exceptions=True)
    text = result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        outcome.crashed = True
        outcome.notes.append(f"{args[0]}: {type(result.exception).__name__}: {result.exception}"[:200])
    if "Traceback (most recent call last)" in text:
        outcome.traceback = True
    if "internal error in the" in text:  # a bug in a source, caught as its failure
        outcome.crashed = True
        outcome.notes.append(f"{args[0]}: {text[text.index('internal error in the') :][:160]}")
    if any(form in text for form in secret_forms()):
        outcome.leaked = True
        outcome.notes.append(f"{args[0]}: a credential in the output")
    return result.exit_code, text


def check_store(outcome: Outcome, path: Path) -> None:
    if path.exists() and any(form.encode() in path.read_bytes() for form in secret_forms()):
        outcome.leaked = True
        outcome.notes.append("a credential in the store file")


# CSV files -----------------------------------------------------------------------------------------
HEADER = "date,ip,mailbox provider,sent,delivered\n"


def _days() -> tuple[str, str]:
    today = date.today()
    return (today - timedelta(days=1)).isoformat(), (today - timedelta(days=2)).isoformat()


def _good_rows() -> list[str]:
    first, second = _days()
    return [f"{first},{GOOD_IP},gmail.com,1000,990", f"{second},{GOOD_IP},gmail.com,1000,990"]


def _report(outcome: Outcome, csv_path: Path, *, expect_good: bool = True) -> None:
    for output in ("json", "table"):
        code, text = invoke(outcome, "report", "--csv", str(csv_path), "--format", output, "--window", "30")
        if CONTROL.search(text):
            outcome.control = True
            outcome.notes.append(f"report --format {output}: {CONTROL.search(text)!r}")
        if output == "json" and expect_good:
            if code == 2:
                outcome.lost = True
                outcome.notes.append(f"report refused the file: {text[:160]}")
                continue
            try:
                ips = {item["ip"]: item for item in json.loads(result_json(text))["ips"]}
            except (ValueError, KeyError) as error:
                outcome.lost = True
                outcome.notes.append(f"report JSON unreadable: {error}")
                continue
            if (ips.get(GOOD_IP) or {}).get("sent") != 2000:
                outcome.lost = True
                outcome.notes.append(f"the good rows: {ips.get(GOOD_IP, {}).get('sent')} sent, not 2000")


def result_json(text: str) -> str:
    """The JSON document in report's output (stderr may follow it)."""
    start = text.index("{")
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start : index + 1]
    return text[start:]


def csv_rows_probe(category: str, name: str, bad: list[str], *, fast: bool = False) -> Probe:
    """Hostile rows between good ones: each bad row is a row error, the good rows load."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        good = _good_rows()
        path = tmp / "stats.csv"
        path.write_text(HEADER + "\n".join([good[0], *bad, good[1]]) + "\n", encoding="utf-8")
        _report(outcome, path)
        return outcome

    return Probe(category, name, run, fast)


def csv_bytes_probe(category: str, name: str, content: bytes, *, fast: bool = False) -> Probe:
    """A whole hostile file: whatever it is, no crash, no traceback, no control character out."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        path = tmp / "stats.csv"
        path.write_bytes(content)
        _report(outcome, path, expect_good=False)
        return outcome

    return Probe(category, name, run, fast)


def csv_probes() -> list[Probe]:
    first, _second = _days()
    row = f"{first},{BAD_IP},gmail.com,{{}},1"
    numbers = [
        "9" * 400, "1000.0e300", "1e309", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "-1", "-9223372036854775809", "nan", "NaN", "inf", "-inf", "1e12", "1000000000001", "0x10", "1_000",
        "1,5", "١٢٣", "½", "1e-5", "   ", "+1", "00000000000000000000001", "1.000.000,00",
    ]  # fmt: skip
    probes = [
        csv_rows_probe("huge numbers", f"sent={n[:24]}", [row.format(n)], fast=n in ("9" * 400, "nan"))
        for n in numbers
    ]
    dates = [
        "0001-01-01", "9999-12-31", "0000-01-01", "2026-02-30", "2026-99-99", "1969-12-31", "2100-01-01",
        "99999-01-01", "-2026-01-01", "2026-1-1", "20260101", "1e10", "\u0662\u0660\u0662\u0666-01-05",
    ]  # fmt: skip
    probes += [
        csv_rows_probe("huge dates", f"date={d}", [f"{d},{BAD_IP},gmail.com,5,5"], fast=d == "9999-12-31")
        for d in dates
    ]
    structure = {
        "unterminated quote to the end": ([f'{first},"{BAD_IP},gmail.com,5,5'], True),
        "NUL in a row": ([f"{first},{BAD_IP},gm\x00ail.com,5,5"], False),
        "missing columns": ([f"{first},{BAD_IP}"], False),
        "extra columns": ([f"{first},{BAD_IP},gmail.com,5,5,6,7,8,9"], False),
        "blank lines": (["", "   ", ",,,,"], False),
        "a 1 MB cell": ([f"{first},{BAD_IP},{'x' * 1_000_000},5,5"], False),
        "a 200k-field row": ([",".join(["1"] * 200_000)], False),
        "delivered over sent": ([f"{first},{BAD_IP},gmail.com,5,50"], False),
        "lone surrogate text": ([f"{first},{BAD_IP},\udcff,5,5".encode("utf-8", "replace").decode()], False),
        "CR line breaks": ([f"{first},{BAD_IP},gmail.com,5,5\r"], False),
    }
    probes += [
        csv_rows_probe("csv structure", name, rows, fast=fast) for name, (rows, fast) in structure.items()
    ]
    probes.append(csv_stray_quote_probe())
    whole = {
        "empty": b"",
        "header only": HEADER.encode(),
        "binary": bytes(range(256)) * 64,
        "UTF-16": HEADER.encode("utf-16"),
        "NUL header": b"\x00" * 4096,
        "no header": b"1,2,3\n4,5,6\n",
        "BOM then header": b"\xef\xbb\xbf" + HEADER.encode() + "\n".join(_good_rows()).encode(),
        "10k quotes": b'"' * 10_000,
        "one 5 MB line": b"a," * 2_500_000,
    }
    probes += [
        csv_bytes_probe("csv structure", name, content, fast=name == "binary")
        for name, content in whole.items()
    ]
    return probes


def csv_stray_quote_probe() -> Probe:
    """A quote closed by a later one: the lines it swallowed are read again (nothing lost)."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        first, second = _days()
        path = tmp / "stats.csv"
        rows = [
            f'{first},"{GOOD_IP},gmail.com,5,5',
            f"{first},{GOOD_IP},gmail.com,1000,990",
            f'{second},{GOOD_IP},gmail.com,"1000",990',
        ]
        path.write_text(HEADER + "\n".join(rows) + "\n")
        _report(outcome, path)
        return outcome

    return Probe("csv structure", "quote closed by a later quote", run, fast=True)


# text that reaches the screen ------------------------------------------------------------------------
HOSTILE_TEXT = {
    "clear screen and retitle": "\x1b[2J\x1b]0;TITLE\x07",
    "bell": "\x07\x07",
    "C1 CSI": "\x9b31m",
    "RTL override": "\u202egnp.exe",
    "bidi isolate": "\u2066evil\u2069",
    "backspaces": "abc\x08\x08\x08xyz",
    "carriage return": "ok\rFAKE",
    "OSC 8 link": "\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\",
    "DEL and NUL": "a\x7fb",
    "vertical tab, form feed": "a\x0bb\x0cc",
    "zero-width joiner run": "\u200d" * 50,
    "rich markup": "[bold red]BREACH[/]",
    "line separator": "a\u2028b\u2029c",
    "Unicode tag characters": "\U000e0041\U000e0042",
    "combining mark flood": "a" + "\u0301" * 500,
    "10k characters": "x" * 10_000,
}


def escape_probes() -> list[Probe]:
    probes = []
    for name, text in HOSTILE_TEXT.items():
        first, _second = _days()
        zone = f"{first},2001:db8::1%{text.replace(',', ';')},gmail.com,5,5"
        provider = f"{first},{BAD_IP},{text.replace(',', ';')},5,5"
        fast = name == "clear screen and retitle"
        probes.append(csv_rows_probe("escape injection", f"IPv6 zone: {name}", [zone], fast=fast))
        probes.append(csv_rows_probe("escape injection", f"provider: {name}", [provider], fast=fast))
    return probes


# configs ---------------------------------------------------------------------------------------------
def config_probe(
    name: str,
    text: str,
    *,
    fast: bool = False,
    commands: tuple[str, ...] = ("poll --once", "sources test", "report"),
) -> Probe:
    """A hostile config: a one-line config error (exit 2) from every command that reads it."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        path = tmp / "config.toml"
        path.write_text(text)
        for command in (line.split() for line in commands):
            code, output = invoke(outcome, *command, "--config", str(path))
            if code != 2:
                outcome.wrong_exit = True
                outcome.notes.append(f"{command[0]}: exit {code}, not 2: {output[-160:]}")
        return outcome

    return Probe("config", name, run, fast)


def config_probes() -> list[Probe]:
    # base_url: a closed loopback port, so that a config accepted by mistake never reaches the internet
    source = '[[sources]]\nkind = "mailgun"\nname = "mg"\napi_key_env = "TEST_MG_KEY"\nbase_url = "http://127.0.0.1:9"\n'
    values = {
        "interval": ["nan", "inf", "-inf", "1e300", '"9999999999999999d"', "-5", "0", '"abc"', "true", "[]"],
        "timeout": ["nan", "inf", "-1", "1e308", '"x"'],
        "lookback_days": ["1e9", "-1", "0", "nan", '"seven"'],
    }
    probes = [
        config_probe(
            f"{key} = {value}", f"{source}{key} = {value}\n", fast=value == "nan" and key == "interval"
        )
        for key, options in values.items()
        for value in options
    ]
    probes += [
        config_probe("arrays nested 20,000 deep", "x = " + "[" * 20_000 + "]" * 20_000 + "\n", fast=True),
        config_probe("tables nested 5,000 deep", "x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n"),
        config_probe("not TOML", "[[sources]\nkind = \n"),
        config_probe("binary", "\x00\x01\x02\xff"),
        config_probe("unknown kind", '[[sources]]\nkind = "evil"\nname = "x"\n'),
        config_probe("base_url not http", source.replace("http://127.0.0.1:9", "file:///etc/passwd")),
        config_probe(
            "store path a directory", '[store]\npath = "/"\n' + source, commands=("poll --once", "report")
        ),
        config_probe("window_days = nan", "window_days = nan\n" + source),
    ]
    return probes


# provider APIs ---------------------------------------------------------------------------------------
def _poll_config(tmp: Path, api: FakeApi) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f'[store]\npath = "history.sqlite3"\nretention_days = 36500\n\n'
        f'[[sources]]\nkind = "mailgun"\nname = "mg"\napi_key_env = "TEST_MG_KEY"\nbase_url = "{api.base_url}"\n'
        f"timeout = 2\n\n"
        f'[[sources]]\nkind = "snds"\nname = "snds"\napi_key_env = "TEST_SNDS_KEY"\nbase_url = "{api.base_url}"\n'
    )
    return path


def _mailgun_happy(api: FakeApi) -> None:
    api.route("GET", "/v3/ips", fixture("mailgun/ips-list.json"))
    api.route("GET", "/v3/ip_pools", fixture("mailgun/ip-pools-list.json"))
    api.route("GET", "/v3/ip_warmups", Reply(json={"items": [], "paging": {}}))
    api.route("POST", "/v1/analytics/metrics", Reply(json={"items": []}))
    api.route("GET", "/snds/data.aspx", Reply(body=SNDS_DATA))
    api.route("GET", "/snds/ipStatus.aspx", Reply(body=b""))


def provider_probe(
    name: str,
    path: tuple[str, str],
    reply: Reply | Callable[[Seen], Reply],
    *,
    fast: bool = False,
    healthy: str | None = "snds",
) -> Probe:
    """One endpoint answers something hostile, the other source (``healthy``) answers well.
    ``poll --once`` and ``sources test``: no crash or traceback, no credential anywhere, and the
    healthy source's records saved."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        api.routes.clear()
        _mailgun_happy(api)
        api.route(*path, reply)
        config = _poll_config(tmp, api)
        for command in (["poll", "--once"], ["sources", "test"]):
            _code, text = invoke(outcome, *command, "--config", str(config))
            if CONTROL.search(text):
                outcome.control = True
                outcome.notes.append(f"{command[0]}: {CONTROL.search(text)!r}")
        store = tmp / "history.sqlite3"
        check_store(outcome, store)
        query, expected = HEALTHY[healthy] if healthy else ("SELECT 0", 0)
        try:
            with sqlite3.connect(store) as db:
                saved = db.execute(query).fetchone()[0]
        except sqlite3.Error as error:
            saved = -1
            outcome.notes.append(f"store: {error}")
        if saved != expected:
            outcome.lost = True
            outcome.notes.append(f"{saved} of {healthy}'s records saved, not {expected}")
        return outcome

    return Probe("provider API", name, run, fast)


#: the healthy source's records a probe expects in the store
HEALTHY = {
    "snds": ("SELECT count(*) FROM snds_days", 3),
    "mailgun": ("SELECT count(*) FROM ip_facts WHERE source = 'mg'", 2),
}


def _echo(form: Callable[[Seen], str], status: int = 401) -> Callable[[Seen], Reply]:
    return lambda seen: Reply(status, json={"message": f"denied: you sent {form(seen)}"})


def provider_probes() -> list[Probe]:
    ips = ("GET", "/v3/ips")
    metrics = ("POST", "/v1/analytics/metrics")
    probes = [
        provider_probe(f"status {status}", ips, Reply(status, json={"message": "no"}), fast=status == 401)
        for status in (400, 401, 403, 404, 405, 409, 410, 413, 418, 422, 451)
    ]
    probes += [
        provider_probe(
            f"429 Retry-After {value!r}",
            ips,
            Reply(429, json={"message": "slow"}, headers={"Retry-After": value}),
            fast=value == "nan",
        )
        for value in (
            "99999999999",
            "nan",
            "-1",
            "1e309",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "garbage",
            "",
            "inf",
        )
    ]
    bodies: dict[str, Reply] = {
        "malformed JSON": Reply(body=b"{not json"),
        "HTML page": Reply(body=b"<html><body>login</body></html>"),
        "empty body": Reply(body=b""),
        "JSON null": Reply(json=None, body=b"null"),
        "a list, not an object": Reply(json=[1, 2, 3]),
        "JSON nested 100,000 deep": Reply(body=b"[" * 100_000 + b"]" * 100_000),
        "items not a list": Reply(json={"items": "x", "details": 7}),
        "escape in an IP": Reply(json={"items": ["1.2.3.4%\x1b[2J\x1b]0;T\x07"], "details": []}),
        "RTL override in an IP": Reply(json={"items": ["\u202e1.2.3.4"], "details": []}),
        "a 5 MB IP string": Reply(json={"items": ["1" * 5_000_000], "details": []}),
        "invalid UTF-8": Reply(body=b'{"items": ["\xff\xfe"]}'),
    }
    probes += [
        provider_probe(name, ips, reply, fast=name in ("escape in an IP", "JSON nested 100,000 deep"))
        for name, reply in bodies.items()
    ]
    day = "Mon, 09 Jun 2025 00:00:00 +0000"

    def metric(value: object) -> Reply:
        item = {
            "dimensions": [{"dimension": "time", "value": day}, {"dimension": "ip", "value": "1.2.3.4"}],
            "metrics": {"sent_count": value},
        }
        return Reply(json={"items": [item]})

    counts: list[object] = [2**63, 2**64, 10**400, -1, 1e308, "NaN", "9" * 400, True, {"x": 1}, 2**63 - 1]
    probes += [
        provider_probe(f"sent_count {str(value)[:20]}", metrics, metric(value), fast=value == 2**64)
        for value in counts
    ]
    probes += [
        provider_probe(
            f"time {value[:24]}",
            metrics,
            Reply(
                json={
                    "items": [
                        {
                            "dimensions": [
                                {"dimension": "time", "value": value},
                                {"dimension": "ip", "value": "1.2.3.4"},
                            ],
                            "metrics": {"sent_count": 5},
                        }
                    ]
                }
            ),
        )
        for value in (
            "Fri, 31 Dec 9999 00:00:00 +0000",
            "Mon, 01 Jan 0001 00:00:00 +0000",
            "garbage",
            "Mon, 99 Jun 2025 00:00:00 +0000",
        )
    ]
    echo_forms: dict[str, Callable[[Seen], str]] = {
        "echoed Authorization header": lambda seen: f"Authorization: {seen.headers.get('Authorization')}",
        "echoed key raw": lambda seen: MG_KEY,
        "echoed key URL-encoded": lambda seen: quote(MG_KEY, safe=""),
        "echoed key quote_plus": lambda seen: quote_plus(MG_KEY),
        "echoed key JSON-escaped": lambda seen: json.dumps(MG_KEY),
        "echoed key split by ESC": lambda seen: MG_KEY[:6] + "\x1b" + MG_KEY[6:],
        "echoed base64 without padding": lambda seen: (
            base64.b64encode(f"api:{MG_KEY}".encode()).decode().rstrip("=")
        ),
    }
    probes += [
        provider_probe(
            name, ips, _echo(form, status), fast=name == "echoed Authorization header" and status == 401
        )
        for name, form in echo_forms.items()
        for status in (401, 400)
    ]
    probes += [
        provider_probe(
            f"echoed SNDS key {name}",
            ("GET", "/snds/ipStatus.aspx"),
            Reply(500, body=form),
            healthy="mailgun",
        )
        for name, form in (
            ("raw", SNDS_KEY),
            ("URL-encoded", quote(SNDS_KEY, safe="")),
            ("quote_plus", quote_plus(SNDS_KEY)),
        )
    ]

    def paging(target: Callable[[Seen], str]) -> Callable[[Seen], Reply]:
        def reply(seen: Seen) -> Reply:
            if "page" in seen.query:
                return Reply(json={"items": [], "paging": {}})
            return Reply(json={"items": [{"ip": "1.2.3.4"}], "paging": {"next": target(seen)}})

        return reply

    host = "127.0.0.1"
    links = {
        "paging.next to another port": lambda seen: f"http://{host}:1/v3/ip_warmups?page=2",
        "paging.next to https": lambda seen: f"https://{host}/v3/ip_warmups?page=2",
        "paging.next to another host": lambda seen: "http://evil.example/v3/ip_warmups?page=2",
        "paging.next with userinfo": lambda seen: f"http://user:pw@{host}/v3/ip_warmups?page=2",
        "paging.next to itself": lambda seen: f"http://{seen.headers.get('Host')}/v3/ip_warmups",
    }
    data = ("GET", "/snds/data.aspx")
    snds_row = "1.2.3.4,{start},{end},{rcpt},10,10,GREEN,< 0.1%,0,helo,0"
    snds_bodies = {
        "HTML login page": b"<html><title>Sign in</title></html>",
        "binary": bytes(range(256)) * 16,
        "a 400-digit count": snds_row.format(
            start="6/9/2025 1:00 AM", end="6/9/2025 2:00 AM", rcpt="9" * 400
        ).encode(),
        "year 9999": snds_row.format(start="12/31/9999 1:00 PM", end="12/31/9999 2:00 PM", rcpt=5).encode(),
        "year 0001": snds_row.format(start="1/1/0001 1:00 PM", end="1/1/0001 2:00 PM", rcpt=5).encode(),
        "escape in an IP": b"1.2.3.4\x1b[2J,6/9/2025 1:00 AM,6/9/2025 2:00 AM,5,5,5,GREEN,< 0.1%,0,helo,0",
        "RTL override in a HELO": snds_row.format(start="6/9/2025 1:00 AM", end="6/9/2025 2:00 AM", rcpt=5)
        .replace("helo", "\u202eolleh")
        .encode(),
        "a range of 2^32 addresses": None,
        "NUL bytes": b"\x00" * 1000,
        "an unterminated quote": b'"1.2.3.4,6/9/2025 1:00 AM\n',
    }
    for name, body in snds_bodies.items():
        if body is None:
            status_path = ("GET", "/snds/ipStatus.aspx")
            probes.append(
                provider_probe(
                    f"SNDS {name}",
                    status_path,
                    Reply(body=b"0.0.0.0,255.255.255.255,Yes,huge\n"),
                    healthy="mailgun",
                )
            )
            continue
        probes.append(
            provider_probe(
                f"SNDS {name}", data, Reply(body=body), healthy="mailgun", fast=name == "a 400-digit count"
            )
        )
    pools = ("GET", "/v3/ip_pools")
    probes += [
        provider_probe(f"pools: {name}", pools, reply)
        for name, reply in {
            "escape in a pool name": Reply(
                json={"ip_pools": [{"name": "\x1b]0;owned\x07", "ips": ["1.2.3.4"]}]}
            ),
            "a pool of 100,000 IPs": Reply(
                json={
                    "ip_pools": [
                        {"name": "big", "ips": [f"10.0.{n // 250}.{n % 250}" for n in range(100_000)]}
                    ]
                }
            ),
            "pools not a list": Reply(json={"ip_pools": {"a": 1}}),
        }.items()
    ]
    probes += [
        provider_probe(
            name, ("GET", "/v3/ip_warmups"), paging(link), fast=name == "paging.next to another port"
        )
        for name, link in links.items()
    ]
    return probes


def slow_provider_probes() -> list[Probe]:
    """5xx answers: retried with real backoff sleeps (seconds each), so outside the fast subset."""
    return [
        provider_probe(f"status {status}", ("GET", "/v3/ips"), Reply(status, body=b"boom"))
        for status in (500, 502, 503, 504, 599)
    ] + [provider_probe("slow answer past the timeout", ("GET", "/v3/ips"), Reply(json={}, delay=3.0))]


# damaged stores --------------------------------------------------------------------------------------
def store_probe(
    name: str,
    damage: Callable[[Path], None],
    *,
    fast: bool = False,
    commands: tuple[str, ...] = ("poll --once", "report"),
) -> Probe:
    """A damaged store: the commands that meet the damage say what is wrong with the file, exit 2
    (``poll --once`` only writes, so a bad row in the data is met by ``report`` alone)."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        api.routes.clear()
        _mailgun_happy(api)
        config = _poll_config(tmp, api)
        damage(tmp / "history.sqlite3")
        for command in (line.split() for line in commands):
            code, text = invoke(outcome, *command, "--config", str(config))
            if code != 2 or "history.sqlite3" not in text:
                outcome.wrong_exit = True
                outcome.notes.append(f"{command[0]}: exit {code}: {text[-160:]}")
        return outcome

    return Probe("damaged store", name, run, fast)


def _sql(statement: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with sqlite3.connect(path) as db:
            db.executescript(statement)

    return damage


def _after_a_poll(then: Callable[[Path], None]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        from ipdash.sources.store import SqliteStore

        with SqliteStore(path):
            pass
        then(path)

    return damage


_BAD_DAY = (
    "INSERT INTO snds_days VALUES ('1.2.3.4', '2026-99-99', 'x', NULL, NULL, 1, 1, 1, 'GREEN', '', NULL, 0, '', '', '',"
    " '2026-01-05T00:00:00+00:00');"
)


def _text_count() -> str:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    return _BAD_DAY.replace("'2026-99-99', 'x', NULL, NULL, 1,", f"'{yesterday}', 'x', NULL, NULL, 'many',")


#: another source than the polled ones, so the poll does not overwrite it before it is read
_BAD_RUN = "INSERT INTO source_runs (source, kind, last_attempt) VALUES ('zz', 'mailgun', 'not-a-date');"


def store_probes() -> list[Probe]:
    return [
        store_probe("garbage", lambda path: path.write_bytes(b"garbage" * 1000), fast=True),
        store_probe("truncated", _after_a_poll(lambda path: path.write_bytes(path.read_bytes()[:1500]))),
        store_probe("another program's SQLite", _sql("CREATE TABLE notes (x TEXT);")),
        store_probe("a directory", lambda path: path.mkdir()),
        store_probe("dropped table", _after_a_poll(_sql("DROP TABLE source_runs;"))),
        store_probe("newer schema", _after_a_poll(_sql("PRAGMA user_version = 999;"))),
        store_probe("day 2026-99-99", _after_a_poll(_sql(_BAD_DAY)), commands=("report",)),
        store_probe("last_attempt not a date", _after_a_poll(_sql(_BAD_RUN)), commands=("report",)),
        store_probe("text in a count", _after_a_poll(_sql(_text_count())), commands=("report",)),
    ]


# named files that are not files ---------------------------------------------------------------------
def named_file_probe(kind: str, make: Callable[[Path], None], args: tuple[str, ...], *, fast: bool) -> Probe:
    """A path on the command line that is a FIFO (no writer: an open would block for ever) or a
    device (/dev/zero never ends): one line naming the path, exit 2, nothing read."""

    def run(tmp: Path, api: FakeApi) -> Outcome:
        outcome = Outcome()
        path = tmp / "named"
        make(path)
        code, output = invoke(outcome, *(str(path) if arg == "{path}" else arg for arg in args))
        if code != 2 or "not a regular file" not in output:
            outcome.wrong_exit = True
            outcome.notes.append(f"exit {code}, not 2 with 'not a regular file': {output[-160:]}")
        return outcome

    command = " ".join(arg for arg in args if arg != "{path}")
    return Probe("named file", f"{command} is {kind}", run, fast)


def named_file_probes() -> list[Probe]:
    kinds: dict[str, Callable[[Path], None]] = {
        "a FIFO": os.mkfifo,
        "/dev/zero": lambda path: path.symlink_to("/dev/zero"),
    }
    commands = [
        ("report", "--config", "{path}"),
        ("poll", "--once", "--config", "{path}"),
        ("report", "--csv", "{path}"),
        ("report", "--mta-log", "{path}"),
        ("recommend", "--answers", "{path}"),
    ]
    return [
        named_file_probe(kind, make, args, fast=args[1] == "--config" and kind == "/dev/zero")
        for kind, make in kinds.items()
        for args in commands
    ]


def all_probes(*, slow: bool = True) -> list[Probe]:
    from .hostile_resolvers import odd_input_probes, resolver_probes  # they use this module's Probe

    probes = csv_probes() + escape_probes() + config_probes() + provider_probes() + store_probes()
    probes += named_file_probes()
    probes += resolver_probes() + odd_input_probes()
    return probes + (slow_provider_probes() if slow else [])
