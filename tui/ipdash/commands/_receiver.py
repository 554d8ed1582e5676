"""``--dmarc`` / ``--arf`` for headless commands: receiver reports named on the command line, with
the config's ``dmarc`` / ``arf`` sources (or, on the sample data, its report folders)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ipdash.commands._options import stacked
from ipdash.commands._output import echo, fail_usage
from ipdash.domain.models import Dataset
from ipdash.domain.receiver import ReceiverData

MAX_ECHOED = 20


receiver_options = stacked(
    click.option(
        "--dmarc",
        "dmarc_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help="DMARC aggregate reports (.xml, .xml.gz, .zip): files or folders.",
    ),
    click.option(
        "--arf",
        "arf_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help="ARF feedback-loop reports: files or folders (complaints join the complaint rate).",
    ),
)
"""``--dmarc`` and ``--arf``."""


def load_receiver_for_cli(
    dataset: Dataset,
    config: Any,
    config_path: Path | None,
    dmarc: tuple[Path, ...],
    arf: tuple[Path, ...],
    *,
    sample: bool,
    echo_errors: bool = False,
) -> ReceiverData | None:
    """The receiver data for the analysis (None: no receiver source at all); a path on the command
    line that does not exist is a usage error (exit 2)."""
    from ipdash.sources.config_file import ConfigError
    from ipdash.sources.receiver import (
        ReceiverSource,
        load_receiver,
        receiver_specs,
        sample_receiver_sources,
    )

    for path in (*dmarc, *arf):
        if not path.exists():
            fail_usage(f"{path}: no such file or folder")
    sources = [
        ReceiverSource(f"--{kind}", kind, paths) for kind, paths in (("dmarc", dmarc), ("arf", arf)) if paths
    ]
    try:
        sources += receiver_specs(config, config_path)
    except ConfigError as error:
        fail_usage(str(error))
    if sample and not sources:
        sources = sample_receiver_sources()
    if not sources:
        return None
    before = len(dataset.errors)
    receiver = load_receiver(sources, dataset, datetime.now(UTC))
    skipped = dataset.errors[before:]
    if echo_errors:  # the table lists them itself; JSON and nagios keep stdout for the machine
        for problem in skipped[:MAX_ECHOED]:
            echo(f"ipdash: skipped {problem}", err=True)
        if len(skipped) > MAX_ECHOED:
            echo(f"ipdash: … and {len(skipped) - MAX_ECHOED} more (see errors in --format json)", err=True)
    return receiver
