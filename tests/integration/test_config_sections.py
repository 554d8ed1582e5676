"""Every config section is validated once, at load: a bad one stops the TUI before its screen opens with
the same one-line message `report` and `warmup status` give (exit 2), never a toast on every analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ipdash.cli import main_group
from ipdash.exit_codes import EXIT_USAGE

BAD_SECTIONS = {
    "warm-up level out of range": ("[warmup]\nadvance_fraction = 3\n", "warmup.advance_fraction"),
    "unknown warm-up schedule": ('[warmup]\ndefault_schedule = "nope"\n', "unknown warm-up schedule"),
    "blocklists type": ('[blocklists]\nrecheck_hours = "often"\n', "blocklists.recheck_hours"),
    "unknown preset": ('[thresholds]\npreset = "nope"\n', "unknown threshold preset 'nope'"),
    "mailbox provider preset": (
        '[thresholds.mailbox_provider_presets]\n"gmail.com" = "nope"\n',
        "unknown threshold preset 'nope'",
    ),
    "advisor": ("[advisor]\nnot_a_setting = 1\n", "advisor"),
    "alerts": ("[alerts]\nwebhook_url = 5\n", "alerts.webhook_url"),
}


@pytest.mark.parametrize("name", list(BAD_SECTIONS))
def test_a_bad_section_stops_every_surface_with_the_same_message(tmp_path: Path, name: str) -> None:
    text, expected = BAD_SECTIONS[name]
    config = tmp_path / "config.toml"
    config.write_text(text)
    messages = []
    for argv in ([], ["report"], ["warmup", "status"]):
        result = CliRunner().invoke(main_group, [*argv, "--config", str(config)], catch_exceptions=False)
        assert result.exit_code == EXIT_USAGE, (argv, result.output)
        assert "Traceback" not in result.output
        messages.append(result.stderr.strip())
    assert messages[0] == messages[1] == messages[2]
    assert messages[0].startswith(f"ipdash: {config}: ") and expected in messages[0], messages[0]
