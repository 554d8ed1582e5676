from __future__ import annotations

from pathlib import Path

import pytest

from ipdash.sources.config_file import ConfigError
from ipdash.sources.sources_config import (
    CsvSourceSpec,
    SesSpec,
    SndsSpec,
    parse_duration,
    validate_sources,
)

CONFIG = Path("/etc/ipdash/config.toml")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (900, 900.0),
        ("900", 900.0),
        ("15m", 900.0),
        ("6h", 21600.0),
        ("1d", 86400.0),
        (" 90 s ", 90.0),
        (1.5, 1.5),
    ],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["soon", "15 minutes", True, None, "-5m", ""])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


def test_defaults_and_kinds() -> None:
    specs = validate_sources(
        [
            {"kind": "snds", "api_key_env": "SNDS_KEY"},
            {"kind": "ses", "region": "us-east-1", "name": "ses-us"},
            {"kind": "csv", "path": "stats.csv"},
        ],
        CONFIG,
    )
    snds, ses, csv = specs
    assert isinstance(snds, SndsSpec) and snds.name == "snds" and snds.interval == 6 * 3600
    assert isinstance(ses, SesSpec) and ses.name == "ses-us" and ses.cloudwatch
    assert isinstance(csv, CsvSourceSpec) and csv.path == CONFIG.parent / "stats.csv"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "sendgrid"}, "sources[0].api_key_env: Field required"),
        ({"kind": "smtp"}, "sources[0].kind: 'smtp' is not a source kind; use one of sendgrid"),
        ({"api_key_env": "X"}, "sources[0].kind: None is not a source kind"),
        (
            {"kind": "sendgrid", "api_key_env": "K", "api_key": "SG.x"},
            "secrets are not read from the config file",
        ),
        ({"kind": "snds", "api_key_env": "K", "key": "abc"}, "'key': secrets are not read"),
        ({"kind": "mailgun", "api_key_env": "key-123.abc"}, "must name an environment variable"),
        (
            {"kind": "mailgun", "api_key_env": "K", "region": "ap"},
            "sources[0].region: Input should be 'us' or 'eu'",
        ),
        (
            {"kind": "sparkpost", "api_key_env": "K", "base_url": "ftp://x"},
            "sources[0].base_url: Value error",
        ),
        (
            {"kind": "sparkpost", "api_key_env": "K", "interval": "2s"},
            "interval: must be at least 10 seconds",
        ),
        ({"kind": "sparkpost", "api_key_env": "K", "lookback_days": 0}, "lookback_days"),
        ({"kind": "sendgrid", "api_key_env": "K", "max_records": 0}, "sources[0].max_records"),
        ({"kind": "sendgrid", "api_key_env": "K", "max_records": 10**12}, "sources[0].max_records"),
        ({"kind": "sendgrid", "api_key_env": "K", "max_records": "lots"}, "sources[0].max_records"),
        ({"kind": "ses", "region": "moon-1"}, "sources[0].region"),
        ({"kind": "postmark", "api_key_env": "K", "colour": "red"}, "sources[0].colour: Extra inputs"),
        (
            {"kind": "postmaster", "credentials_file_env": "/path/creds.json"},
            "must name an environment variable",
        ),
    ],
)
def test_problems_name_the_file_and_key(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_sources([entry], CONFIG)
    text = str(caught.value)
    assert text.startswith(f"{CONFIG}: sources[0]") or text.startswith(f"{CONFIG}: sources")
    assert message.split("Value error")[0] in text
    assert "SG.x" not in text and "abc" not in text.split("'key'")[0]


def test_all_problems_at_once_and_duplicate_names() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_sources(
            [
                {"kind": "sendgrid", "api_key_env": "A", "name": "main"},
                {"kind": "mailgun", "api_key_env": "B", "name": "main"},
                "not a table",  # type: ignore[list-item]
                {"kind": "snds"},
            ],
            CONFIG,
        )
    lines = str(caught.value).splitlines()
    assert any("sources[2]: must be a table" in line for line in lines)
    assert any("sources[3].api_key_env" in line for line in lines)
    assert any("name 'main' is used twice" in line for line in lines)


def test_max_records_defaults_to_the_data_and_can_be_raised() -> None:
    default, raised = validate_sources(
        [
            {"kind": "sendgrid", "api_key_env": "K"},
            {"kind": "mailgun", "api_key_env": "K", "max_records": 2_000_000},
        ]
    )
    assert default.max_records is None and raised.max_records == 2_000_000


def test_secrets_never_appear_in_repr() -> None:
    [spec] = validate_sources([{"kind": "sendgrid", "api_key_env": "SG_KEY"}])
    assert "SG_KEY" in repr(spec)  # the variable's name, never a value: the config holds no value
