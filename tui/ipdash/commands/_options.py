"""Click options that several commands share, so each is defined (and worded) once."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
NAGIOS_HELP = (
    "nagios: a monitoring-plugin status line with perfdata, exit 0/1/2/3 = OK/WARNING/CRITICAL/UNKNOWN."
)


#: ``ctx.meta`` key (one dict shared by every context of a run): the command was asked for
#: monitoring-plugin output.
PLUGIN_MODE = "ipdash.plugin_mode"


def wants_plugin_output(args: Sequence[str]) -> bool:
    """Whether ``args`` ask for ``--format nagios`` (the last ``--format`` wins, as in click)."""
    chosen = None
    for position, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--format" and position + 1 < len(args):
            chosen = args[position + 1]
        elif arg.startswith("--format="):
            chosen = arg.removeprefix("--format=")
    return chosen == "nagios"


def in_plugin_mode() -> bool:
    """Whether the running command was asked for monitoring-plugin output."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(PLUGIN_MODE))


def plugin_unknown(message: str) -> NoReturn:
    """The plugin contract's answer when the check could not be made: UNKNOWN, exit 3."""
    from ipdash.commands import _nagios

    lines = [line for line in message.strip().splitlines() if line.strip()] or ["failed"]
    _nagios.emit(_nagios.PluginOutput(_nagios.UNKNOWN, f"ipdash: {lines[0]}", details=lines[1:]))


class PluginCommand(click.Command):
    """A command with ``--format nagios``. Asked for plugin output, every way it can fail to run (a bad
    option, a config or store error, a bug) is UNKNOWN with one status line: exit 2, which the other
    formats keep for usage errors, is CRITICAL to Nagios, Icinga, Checkmk and Sensu, and a page about
    a broken config file is not an IP on a blocklist."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        plugin = wants_plugin_output(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            if not plugin:
                raise
            plugin_unknown(error.format_message())
        ctx.meta[PLUGIN_MODE] = plugin
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        if not ctx.meta.get(PLUGIN_MODE):
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException as error:
            plugin_unknown(error.format_message())
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            plugin_unknown(f"internal error: {type(error).__name__}: {error}")


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
