from __future__ import annotations

import click
import pytest

from ipdash.commands._listen import parse_listen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        (":8000", ("127.0.0.1", 8000)),
        ("localhost", ("localhost", 9464)),
        ("[::1]:9000", ("::1", 9000)),
        ("[::1]", ("::1", 9464)),
        ("::1", ("::1", 9464)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_listen_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text, 9464) == expected


@pytest.mark.parametrize(
    "text", ["127.0.0.1:http", "127.0.0.1:70000", "[::1", "[::1]x", "h:-1", "h:" + "9" * 50]
)
def test_bad_listen_values_are_refused(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_listen(text, 9464)
