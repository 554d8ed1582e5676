"""`ipdash --help` lists every subcommand without importing one; the listed help is each
command's own first sentence (SHORT_HELP is kept beside the lazy command table)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from ipdash.cli import SHORT_HELP, SUBCOMMANDS, main_group

_PROBE = """
import json, sys
sys.argv = ["ipdash", "--help"]
from ipdash.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def test_help_imports_no_subcommand_textual_or_domain() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    help_text, modules_line = done.stdout.rsplit("\n", 2)[0], done.stdout.strip().splitlines()[-1]
    modules = json.loads(modules_line)
    loaded = [m for m in modules if m.startswith(("ipdash.commands.", "ipdash.domain", "ipdash.sources"))]
    assert loaded == []
    assert not [m for m in modules if m.split(".")[0] in ("textual", "rich", "pydantic", "httpx", "dns")]
    for name in SUBCOMMANDS:
        assert f"\n  {name} " in help_text, name


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_short_help_is_the_command_s_own(name: str) -> None:
    command = main_group.get_command(click.Context(main_group), name)
    assert command is not None
    assert SHORT_HELP[name] == command.get_short_help_str(10_000)


_CHECK_PROBE = """
import json, sys
sys.argv = ["ipdash", "check", "--list-zones", "--format", "json", "--nameserver", "127.0.0.1", "--config", sys.argv[1]]
from ipdash.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def test_check_loads_only_what_checking_needs(tmp_path: object) -> None:
    """`ipdash check` (catalog, config, DNS client) loads no TUI, data-frame, HTTP or --auth machinery:
    before, the config validators pulled in the advisor, warm-up engine and polars (twice the CPU). With
    nothing in the config there is nothing to validate: no pydantic either (the catalog is dataclasses)."""
    from pathlib import Path

    config = Path(str(tmp_path)) / "empty.toml"
    config.write_text("", encoding="utf-8")
    probe = [sys.executable, "-c", _CHECK_PROBE, str(config)]
    done = subprocess.run(probe, capture_output=True, text=True, check=True)
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert "ipdash.commands.check" in modules and "ipdash.domain.dnsbl.catalog" in modules
    heavy = ("textual", "rich", "polars", "httpx", "pydantic", "pydantic_core")
    assert not [m for m in modules if m.split(".")[0] in heavy]
    unneeded = (
        "ipdash.commands.check_auth",
        "ipdash.domain.advisor",
        "ipdash.domain.warmup",
        "dns.message",
        "ipdash.domain.models",  # the core records (score_signal builds one; check does not)
        "platformdirs",  # with --config given, no platform directory is looked up
        "tempfile",
    )
    assert not [m for m in modules if m.startswith(unneeded)]


_ENTRY_POINT_PROBE = """
import importlib.metadata as metadata, json, os, sys
scans = []
real = metadata.entry_points
metadata.entry_points = lambda **kw: scans.append(kw) or real(**kw)
if sys.argv[2] == "set":
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"
else:
    os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
sys.argv = ["ipdash", "check", "--list-zones", "--format", "json", "--nameserver", "127.0.0.1", "--config", sys.argv[1]]
from ipdash.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps([scans, os.environ["PYDANTIC_DISABLE_PLUGINS"]]))
"""


def test_check_does_not_scan_every_package_for_pydantic_plugins(tmp_path: object) -> None:
    """Plugin discovery reads every installed distribution's entry points (~65 ms): `check` turns it off,
    unless the user set pydantic's switch themselves. (A config with a table is validated by pydantic.)"""
    from pathlib import Path

    config = Path(str(tmp_path)) / "small.toml"
    config.write_text("window_days = 7\n", encoding="utf-8")
    runs = {}
    for mode in ("unset", "set"):
        probe = [sys.executable, "-c", _ENTRY_POINT_PROBE, str(config), mode]
        done = subprocess.run(probe, capture_output=True, text=True, check=True)
        runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    assert runs["unset"] == [[], "__all__"]
    scans, value = runs["set"]
    assert value == "some-plugin" and {"group": "pydantic"} in scans


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("window_days = 0\n", "window_days: Input should be greater than or equal to 1"),
        ("colour = 'red'\n", "colour: Extra inputs are not permitted"),
        ("[blocklists]\ntimeout_seconds = 0\n", "blocklists.timeout_seconds: Input should be greater than 0"),
        ("[blocklists]\nzonez = []\n", "blocklists.zonez: Extra inputs are not permitted"),
        ("[blocklists.overrides.spamcop]\nimportance = 'huge'\n", "blocklists.overrides.spamcop.importance"),
        ("[[ips]]\nip = 'not an ip'\n", "ips.0.ip"),
        ("= broken", "invalid TOML"),
    ],
)
def test_check_validates_a_config_with_tables_as_every_command_does(
    tmp_path: object, text: str, message: str
) -> None:
    """Skipping validation for an empty config must not skip it for a bad one: usage error (2), the
    file and key named, no traceback."""
    from pathlib import Path

    config = Path(str(tmp_path)) / "bad.toml"
    config.write_text(text, encoding="utf-8")
    argv = [sys.executable, "-m", "ipdash", "check", "--config", str(config), "--nameserver", "127.0.0.1:9"]
    done = subprocess.run([*argv, "--list-zones"], capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    if "overrides" not in text:  # the catalog's overrides are checked against the catalog, not at load
        assert f"{config}: " in done.stderr
    assert "Traceback" not in done.stderr
