"""Fuzz: arbitrary text in every field that reaches the screen (IPs with zone ids, mailbox
providers, pools, rDNS names, streams, file contents) never puts a C0/C1 control, an escape
sequence or a bidi override on the terminal: not in ``report``'s table and lines, not in the TUI."""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipdash.cli import main_group
from ipdash.commands._output import render_table
from ipdash.domain.models import DailyStat, Dataset, IpFacts, SourceInfo, SourceState
from ipdash.domain.safe_text import safe_dataset, safe_text

NASTY = [
    "\x1b[2J\x1b]0;TITLE\x07",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\x9b31m",
    "\x1bc",
    "a\u200db",
    "\x00\x7f\x85",
    "line\u2028break",
]
hostile_text = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=10)),
)


def unsafe_characters(text: str) -> list[str]:
    return [
        repr(char)
        for char in text
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    ]


@given(hostile_text, st.booleans())
def test_safe_text_leaves_nothing_a_terminal_would_obey(text: str, multiline: bool) -> None:
    cleaned = safe_text(text, multiline=multiline)
    assert unsafe_characters(cleaned) == []
    assert safe_text(cleaned, multiline=multiline) == cleaned  # idempotent
    if not multiline:
        assert "\n" not in cleaned


@given(st.lists(st.tuples(hostile_text, hostile_text, hostile_text), min_size=1, max_size=5))
def test_report_tables_hold_no_control_characters(rows: list[tuple[str, str, str]]) -> None:
    out = io.StringIO()
    import sys

    real, sys.stdout = sys.stdout, out
    try:
        render_table(["a", "b", "c"], rows, title="t")
    finally:
        sys.stdout = real
    assert unsafe_characters(out.getvalue()) == []


@settings(deadline=None)  # the first example pays polars' first frame: no timed assertion
@given(hostile_text, hostile_text, hostile_text)
def test_a_dataset_is_made_safe_at_its_boundary(pool: str, provider: str, detail: str) -> None:
    from datetime import date

    dataset = Dataset()
    dataset.stats[(date(2026, 1, 1), "192.0.2.1", provider)] = DailyStat(
        date(2026, 1, 1), "192.0.2.1", provider, 10
    )
    dataset.facts["192.0.2.1"] = IpFacts("192.0.2.1", pool=pool, rdns=detail, sending_domains=(pool,))
    dataset.sources.append(SourceInfo(provider, "csv", SourceState.FRESH, detail=detail))
    safe_dataset(dataset)
    texts = [
        *(key[2] for key in dataset.stats),
        *(s.mailbox_provider for s in dataset.stats.values()),
        dataset.facts["192.0.2.1"].pool or "",
        dataset.facts["192.0.2.1"].rdns or "",
        *dataset.facts["192.0.2.1"].sending_domains,
        *(s.detail + s.name for s in dataset.sources),
    ]
    assert all(unsafe_characters(text) == [] for text in texts)


def toml_string(text: str) -> str:
    escaped = "".join(
        f"\\u{ord(c):04x}"
        if ord(c) < 0x20 or ord(c) == 0x7F
        else "\\\\"
        if c == "\\"
        else '\\"'
        if c == '"'
        else c
        for c in text
    )
    return f'"{escaped}"'


def write_inputs(folder: Path, zone: str, provider: str, pool: str, rdns: str) -> Path:
    stats = io.StringIO()
    writer = csv.writer(stats)
    writer.writerow(["date", "ip", "mailbox_provider", "sent", "delivered", "hard_bounces", "complaints"])
    writer.writerow(["2026-11-20", "192.0.2.10", provider, 5000, 4000, 300, 9])
    writer.writerow(["2026-11-20", f"2001:db8::1%{zone}", "gmail.com", 10, 10, 0, 0])
    writer.writerow(["2026-11-20", "192.0.2.11", "gmail.com", 10, 10, 0, 0])
    (folder / "stats.csv").write_text(stats.getvalue(), encoding="utf-8")
    (folder / "ips.toml").write_text(
        f'[[ips]]\nip = "192.0.2.10"\npool = {toml_string(pool)}\nrdns = {toml_string(rdns)}\n'
        f"stream = {toml_string(pool)}\n",
        encoding="utf-8",
    )
    config = folder / "config.toml"
    config.write_text('csv = [{path = "stats.csv"}]\nfacts_files = ["ips.toml"]\n', encoding="utf-8")
    return config


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, hostile_text, hostile_text, hostile_text)
def test_report_output_holds_no_control_characters(zone: str, provider: str, pool: str, rdns: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = write_inputs(Path(folder), zone, provider, pool, rdns)
        for extra in ([], ["--format", "json"]):
            result = CliRunner().invoke(main_group, ["report", "--config", str(config), *extra])
            assert result.exception is None or isinstance(result.exception, SystemExit), result.output
            assert "Traceback" not in result.output
            if not extra:
                assert unsafe_characters(result.stdout) == []
            assert unsafe_characters(result.stderr) == []
