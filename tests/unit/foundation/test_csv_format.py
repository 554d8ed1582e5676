"""Header recognition: every documented alias, explicit mappings, delimiter sniffing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ipdash.sources import csv_format
from ipdash.sources.csv_format import (
    HEADER_ALIASES,
    REQUIRED_FIELDS,
    map_columns,
    normalise_header,
    sniff_delimiter,
)
from ipdash.sources.csv_stats import read_csv_file

from .conftest import WriteCsv

DAY = date(2026, 1, 5)


def documented_aliases() -> dict[str, set[str]]:
    """The alias table in csv_format's docstring, parsed: the documentation users read."""
    table: dict[str, set[str]] = {}
    lines = (csv_format.__doc__ or "").splitlines()
    rules = [index for index, line in enumerate(lines) if line.startswith("=====")]
    assert len(rules) == 3, "the docstring table lost its shape"
    current = ""
    for line in lines[rules[1] + 1 : rules[2]]:
        field, headers = line[:17].strip(), line[17:]
        current = field or current
        table.setdefault(current, set()).update(h.strip() for h in headers.split(",") if h.strip())
    return table


DOCUMENTED = [(field, alias) for field, aliases in documented_aliases().items() for alias in sorted(aliases)]
ALL_ALIASES = [(field, alias) for field, aliases in HEADER_ALIASES.items() for alias in aliases]


def test_the_docstring_table_documents_every_field_and_alias() -> None:
    documented = documented_aliases()
    assert set(documented) == set(HEADER_ALIASES)
    for field, aliases in HEADER_ALIASES.items():
        assert documented[field] == set(aliases), field


@pytest.mark.parametrize(("field", "alias"), DOCUMENTED)
def test_every_documented_alias_is_recognised(field: str, alias: str) -> None:
    assert alias in HEADER_ALIASES[field]


def spellings(alias: str) -> list[str]:
    return [
        alias,
        alias.upper(),
        alias.title(),
        alias.replace(" ", "_"),
        alias.replace(" ", "-"),
        f"  {alias} ",
    ]


@pytest.mark.parametrize(("field", "alias"), ALL_ALIASES)
def test_every_alias_maps_in_any_case_and_separator(field: str, alias: str) -> None:
    for spelling in spellings(alias):
        headers = ["unrelated", spelling]
        assert map_columns(headers).positions.get(field) == 1, spelling


def _file_for(field: str, header: str) -> str:
    """A one-row file where ``field`` uses ``header`` and the other required fields their plain names."""
    columns = {"date": "date", "ip": "ip", "sent": "sent"}
    values = {"date": "2026-01-05", "ip": "192.0.2.1", "sent": "100"}
    if field in columns:
        columns[field] = header
    else:
        columns[field] = header
        values[field] = "hotmail.com" if field == "mailbox_provider" else "7"
    if field == "date" and "timestamp" in normalise_header(header):
        values["date"] = "2026-01-05T13:00:00+00:00"
    return ",".join(columns.values()) + "\n" + ",".join(values[name] for name in columns) + "\n"


@pytest.mark.parametrize(("field", "alias"), ALL_ALIASES)
def test_every_alias_loads_its_value_into_the_right_field(
    write_csv: WriteCsv, field: str, alias: str
) -> None:
    result = read_csv_file(write_csv(_file_for(field, alias.upper())))
    assert result.errors == []
    provider = "outlook.com" if field == "mailbox_provider" else "all"
    record = result.stats[(DAY, "192.0.2.1", provider)]
    assert record.sent == 100
    if field in {"delivered", "bounced", "hard_bounced", "soft_bounced", "complaints", "unsubscribes"}:
        assert getattr(record, field) == 7
    if field in {"opens", "clicks"}:
        assert getattr(record, field) == 7
    if field in {"hard_bounced", "soft_bounced"}:
        assert record.bounced == 7  # no total column: hard + soft


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sending IP", "sending ip"),
        ("sending_ip", "sending ip"),
        ("Sending-IP", "sending ip"),
        ("  SENDING   IP  ", "sending ip"),
        ('"Date"', "date"),
        ("spam__reports", "spam reports"),
        ("", ""),
    ],
)
def test_normalise_header(cell: str, expected: str) -> None:
    assert normalise_header(cell) == expected


def test_required_fields_are_date_ip_and_sent() -> None:
    assert REQUIRED_FIELDS == ("date", "ip", "sent")
    assert map_columns(["date", "ip"]).missing_required() == ["sent"]
    assert map_columns(["foo"]).missing_required() == ["date", "ip", "sent"]


def test_explicit_mapping_wins_over_aliases() -> None:
    headers = ["Day", "Server", "Sent", "Relayed"]
    mapped = map_columns(headers, {"ip": "server", "sent": "RELAYED"})
    assert mapped.positions["ip"] == 1
    assert mapped.positions["sent"] == 3  # not the "Sent" column the alias would pick
    assert mapped.positions["date"] == 0
    assert mapped.headers == tuple(headers)


def test_explicit_mapping_to_an_absent_header_leaves_the_field_missing() -> None:
    mapped = map_columns(["date", "ip", "volume"], {"sent": "msgs"})
    assert mapped.missing_required() == ["sent"]


def test_first_matching_column_wins_for_a_field() -> None:
    mapped = map_columns(["date", "ip", "sent", "processed"])
    assert mapped.positions["sent"] == 2


def test_explicit_mapping_through_the_reader(write_csv: WriteCsv) -> None:
    path = write_csv("When,Server,Msgs Out,Landed\n2026-01-05,192.0.2.1,100,98\n")
    result = read_csv_file(
        path, columns={"date": "When", "ip": "Server", "sent": "msgs out", "delivered": "LANDED"}
    )
    assert result.errors == []
    record = result.stats[(DAY, "192.0.2.1", "all")]
    assert (record.sent, record.delivered) == (100, 98)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniff_delimiter(delimiter: str) -> None:
    header = delimiter.join(["date", "sending ip", "mailbox provider", "sent", "delivered"])
    assert sniff_delimiter(header + "\n") == delimiter


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_files_with_each_delimiter_load(write_csv: WriteCsv, delimiter: str) -> None:
    rows = [["date", "ip", "isp", "sent", "delivered"], ["2026-01-05", "192.0.2.1", "gmail.com", "100", "90"]]
    path = write_csv("\n".join(delimiter.join(row) for row in rows) + "\n")
    result = read_csv_file(path)
    assert result.errors == []
    assert result.stats[(DAY, "192.0.2.1", "gmail.com")].delivered == 90


def test_sniffing_uses_the_explicit_mapping() -> None:
    assert sniff_delimiter("When;Server;Msgs", {"date": "when", "ip": "server", "sent": "msgs"}) == ";"


def test_explicit_delimiter_overrides_sniffing(write_csv: WriteCsv) -> None:
    # Sniffing would pick ";", but the config says the file is comma-separated with odd headers.
    path = write_csv("date;x,ip,sent\n2026-01-05;x,192.0.2.1,5\n")
    result = read_csv_file(path, delimiter=",", columns={"date": "date;x"})
    assert result.errors == []
    assert result.stats[(DAY, "192.0.2.1", "all")].sent == 5


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1.1.1.0", "a", "b", "1", "1", "1", "GREEN", "< 0.1%", "", "", "0"], True),
        (["1.1.1.0", "a", "b", "1", "1", "1", "red", "< 0.1%", "", "", "0"], True),
        (["1.1.1.0", "a", "b", "1", "1", "1", "BLUE", "< 0.1%", "", "", "0"], False),
        (["not-ip", "a", "b", "1", "1", "1", "GREEN", "< 0.1%", "", "", "0"], False),
        (["1.1.1.0", "a", "b", "1", "1", "1", "GREEN", "< 0.1%", "", ""], False),
        (["date", "ip", "sent"], False),
    ],
)
def test_looks_like_snds_row(cells: list[str], expected: bool) -> None:
    assert csv_format.looks_like_snds_row(cells) is expected


def test_header_is_recognised_past_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("account,region,Date,Campaign,IP Address,Requests\nacme,eu,2026-01-05,x,192.0.2.1,9\n")
    assert read_csv_file(path).stats[(DAY, "192.0.2.1", "all")].sent == 9
