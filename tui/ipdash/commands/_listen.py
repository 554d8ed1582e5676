"""``--listen HOST:PORT`` for the servers (`metrics serve`, `serve`): localhost unless told otherwise."""

from __future__ import annotations

import click


def parse_listen(value: str, default_port: int) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``HOST``, ``:PORT`` or a bare IPv6 address."""
    text = value.strip()
    port_text = str(default_port)
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise click.BadParameter(f"{value!r}: expected [IPv6]:PORT")
        port_text = rest[1:] or port_text
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host = text
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise click.BadParameter(
            f"{value!r}: expected HOST:PORT with a port 0-65535, e.g. 127.0.0.1:{default_port}"
        )
    return host or "127.0.0.1", int(port_text)
