"""The MTA-log fields of an IP in ``report --format json``, and the ``--mta-log`` options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ipdash.commands._options import stacked
from ipdash.domain.analysis import IpAnalysis


def mta_fields(analysis: IpAnalysis) -> dict[str, Any]:
    """``blocked_rate`` (blocked / sent, any source that counts blocks), ``deferred_rate`` (deferrals /
    delivery attempts in the MTA log) and ``top_reasons`` (per mailbox provider, most frequent first)."""
    replies = analysis.replies
    return {
        "blocked_rate": analysis.metrics.totals.block_rate,
        "deferred_rate": replies.deferred_rate if replies is not None else None,
        "top_reasons": [
            {
                "mailbox_provider": top.mailbox_provider,
                "reply": top.reply,
                "class": top.reason_class,
                "count": top.count,
                "outcome": top.outcome,
                "rule": top.rule_id,
                "label": top.label,
                "blocking": top.blocking,
            }
            for top in (replies.top_reasons if replies is not None else ())
        ],
    }


mta_options = stacked(
    click.option(
        "--mta-log",
        "mta_logs",
        multiple=True,
        type=click.Path(path_type=Path),
        help="MTA log file or folder of segments (KumoMTA JSON, plain or zstd; PowerMTA CSV; Postfix).",
    ),
    click.option(
        "--mta-format",
        type=click.Choice(["kumomta", "powermta", "postfix"]),
        default="kumomta",
        show_default=True,
        help="Format of the --mta-log files.",
    ),
    click.option(
        "--mta-timezone",
        metavar="ZONE",
        default=None,
        help="IANA zone of Postfix's classic syslog stamps, which carry none (default: this machine's).",
    ),
    click.option(
        "--mta-ip",
        "mta_ips",
        multiple=True,
        metavar="NAME=IP",
        help="Map a Postfix syslog_name, KumoMTA egress_source or PowerMTA vmta to its sending IP.",
    ),
)
"""``--mta-log PATH …``, ``--mta-format``, ``--mta-timezone`` and ``--mta-ip NAME=IP``."""


def mta_specs_from_options(
    mta_logs: tuple[Path, ...], mta_format: str, mta_ips: tuple[str, ...], mta_timezone: str | None = None
) -> list[Any]:
    """The ``--mta-log`` inputs as sources; raises click.BadParameter for a bad ``--mta-ip`` or zone."""
    from ipdash.sources.mta.spec import MtaLogSpec, parse_ip_names, stamp_zone

    try:
        names = parse_ip_names(mta_ips)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--mta-ip") from error
    if mta_timezone is not None:
        try:
            stamp_zone(mta_timezone)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--mta-timezone") from error
    return [
        MtaLogSpec(path=path, format=mta_format, ip_names=names, name=path.name, timezone=mta_timezone)  # type: ignore[arg-type]
        for path in mta_logs
    ]
