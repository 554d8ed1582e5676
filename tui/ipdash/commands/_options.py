"""Click options that several commands share, so each is defined (and worded) once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
NAGIOS_HELP = (
    "nagios: a monitoring-plugin status line with perfdata, exit 0/1/2/3 = OK/WARNING/CRITICAL/UNKNOWN."
)


def stacked(*options: Callable[[Any], Any]) -> Callable[[F], F]:
    """Several options as one decorator, listed as ``--help`` shows them (top first)."""

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def config_option(help: str = "TOML config.") -> Callable[[F], F]:
    """``--config PATH`` (also ``IPDASH_CONFIG``)."""
    return click.option(
        "--config", "config_path", type=click.Path(path_type=Path), envvar="IPDASH_CONFIG", help=help
    )


def format_option(*formats: str, default: str = "table") -> Callable[[F], F]:
    """``--format`` among ``formats``; the nagios format's exit codes are stated in its help."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(formats)),
        default=default,
        show_default=True,
        help=NAGIOS_HELP if "nagios" in formats else None,
    )
