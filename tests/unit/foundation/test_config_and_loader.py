"""Config loading (file, key, relative paths, IPDASH_CONFIG), facts files and the dataset loader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ipdash.domain.config import Config, CsvFile
from ipdash.domain.models import SourceState
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.csv_stats import CsvReadError
from ipdash.sources.facts_file import read_facts_file
from ipdash.sources.loader import (
    LoadPlan,
    failed_sources,
    load_dataset,
    load_dataset_for_cli,
    plan_from_inputs,
    sample_plan,
)
from ipdash.sources.paths import sample_data_dir

STATS = "date,ip,sent\n2026-01-05,192.0.2.1,10\n"


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read the real user's config."""
    monkeypatch.delenv("IPDASH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_anywhere_means_defaults() -> None:
    config, path = load_config(None)
    assert (config, path) == (Config(), None)
    assert config.window_days == 7
    assert config.thresholds.preset == "default"
    assert config.thresholds.min_volume == 1000


def test_the_platform_config_file_is_read(isolated_config_dir: Path) -> None:
    path = write(isolated_config_dir / "ipdash" / "config.toml", "window_days = 14\n")
    config, found = load_config(None)
    assert (config.window_days, found) == (14, path)


def test_ipdash_config_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "elsewhere.toml", "[thresholds]\npreset = 'ses'\n")
    monkeypatch.setenv("IPDASH_CONFIG", str(path))
    config, found = load_config(None)
    assert (config.thresholds.preset, found) == ("ses", path)


def test_an_explicit_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: config file not found"):
        load_config(tmp_path / "missing.toml")


def test_required_default_path_must_exist() -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(None, required=True)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.toml", "window_days = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: invalid TOML")


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes("theme = 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


@pytest.mark.parametrize(
    ("toml", "key", "fragment"),
    [
        ("window_days = 'x'\n", "window_days", "integer"),
        ("window_days = 0\n", "window_days", "greater than or equal to 1"),
        ("colour = 'red'\n", "colour", "Extra inputs are not permitted"),
        ("[thresholds]\nmin_volume = -1\n", "thresholds.min_volume", "greater than or equal to 0"),
        ("[thresholds]\npresett = 'ses'\n", "thresholds.presett", "Extra inputs"),
        (
            "[thresholds.overrides.bounce_rate]\nwarn = 2\n",
            "thresholds.overrides.bounce_rate.warn",
            "less than or equal to 1",
        ),
        ("[thresholds.overrides.bounce]\nwarn = 0.02\n", "thresholds.overrides", "bounce"),
        ("[[csv]]\npath = 'a.csv'\ndelimiter = ';;'\n", "csv.0.delimiter", "single character"),
        ("[[ips]]\nip = '192.0.2.300'\n", "ips.0.ip", "does not appear to be an IPv4 or IPv6 address"),
        ("[[ips]]\nip = '192.0.2.1'\nkind = 'private'\n", "ips.0.kind", "pattern"),
    ],
)
def test_a_bad_key_names_the_file_and_key(tmp_path: Path, toml: str, key: str, fragment: str) -> None:
    path = write(tmp_path / "config.toml", toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert fragment in message


def test_relative_paths_are_resolved_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    folder = tmp_path / "conf"
    path = write(
        folder / "config.toml",
        "snds_files = ['feeds/snds.csv']\n"
        "facts_files = ['~/ips.toml', '/abs/facts.toml']\n"
        "[[csv]]\npath = 'data/stats.csv'\ndelimiter = ';'\n"
        "[csv.columns]\nsent = 'Msgs'\n",
    )
    monkeypatch.chdir(tmp_path)
    config, _ = load_config(path)
    assert config.csv[0].path == folder / "data" / "stats.csv"
    assert config.csv[0].delimiter == ";"
    assert config.csv[0].columns.explicit() == {"sent": "Msgs"}
    assert config.snds_files == [folder / "feeds" / "snds.csv"]
    assert config.facts_files == [tmp_path / "home" / "ips.toml", Path("/abs/facts.toml")]


# --- facts files --------------------------------------------------------------------------------


def test_facts_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ips.toml",
        "[[ips]]\nip = '::ffff:192.0.2.7'\npool = 'p'\nprovider = 'ses'\nkind = 'shared'\n"
        "warmup_start = 2026-01-02\nwarmup_plan = 'ses'\nsending_domains = ['a.example']\n",
    )
    facts = read_facts_file(path)["192.0.2.7"]
    assert (facts.pool, facts.provider, facts.kind, facts.warmup_start) == (
        "p",
        "ses",
        "shared",
        date(2026, 1, 2),
    )
    assert facts.sending_domains == ("a.example",)
    assert facts.source == "ips.toml"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "file not found"),
        ("[[ips]\n", "invalid TOML"),
        ("[[ips]]\nip = '192.0.2.1'\nkind = 'rented'\n", "ips.0.kind"),
        ("[[hosts]]\nip = '192.0.2.1'\n", "hosts"),
    ],
)
def test_bad_facts_files(tmp_path: Path, text: str | None, fragment: str) -> None:
    path = tmp_path / "ips.toml"
    if text is not None:
        write(path, text)
    with pytest.raises(CsvReadError) as caught:
        read_facts_file(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


# --- the plan and the loader --------------------------------------------------------------------


def test_plan_csv_files_win(tmp_path: Path) -> None:
    config = Config(csv=[CsvFile(path=tmp_path / "config.csv")], facts_files=[tmp_path / "f.toml"])
    plan = plan_from_inputs([tmp_path / "cli.csv"], config)
    assert [spec.path for spec in plan.csv] == [tmp_path / "cli.csv"]
    assert plan.facts_files == (tmp_path / "f.toml",)
    assert not plan.is_sample


def test_plan_from_config_files(tmp_path: Path) -> None:
    config = Config(csv=[CsvFile(path=tmp_path / "a.csv")], snds_files=[tmp_path / "snds.csv"])
    plan = plan_from_inputs([], config)
    assert [spec.path for spec in plan.csv] == [tmp_path / "a.csv", tmp_path / "snds.csv"]
    assert plan.watched_paths() == [tmp_path / "a.csv", tmp_path / "snds.csv"]


def test_plan_falls_back_to_the_sample_data(tmp_path: Path) -> None:
    assert plan_from_inputs([], Config()).is_sample
    assert plan_from_inputs([tmp_path / "x.csv"], Config(), demo=True).is_sample
    plan = sample_plan()
    assert [spec.path.name for spec in plan.csv] == ["stats.csv", "snds.csv"]
    assert plan.facts_files == (sample_data_dir() / "ips.toml",)


def test_a_bad_file_becomes_a_failed_source_and_the_rest_loads(tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", STATS)
    header_only = write(tmp_path / "empty-days.csv", "date,ip,sent\n")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    plan = LoadPlan(csv=tuple(CsvFile(path=p) for p in (good, junk, header_only, tmp_path / "gone.csv")))
    now = datetime(2026, 1, 6, 12, tzinfo=UTC)
    dataset = load_dataset(plan, now=now)
    assert dataset.stats[(date(2026, 1, 5), "192.0.2.1", "all")].sent == 10
    states = {info.name: (info.state, info.rows, info.detail) for info in dataset.sources}
    assert states["good.csv"] == (SourceState.FRESH, 1, "")
    assert states["empty-days.csv"] == (SourceState.FRESH, 0, "header only: no data rows")
    assert states["junk.csv"][0] is SourceState.FAILED and "not a text CSV file" in states["junk.csv"][2]
    assert states["gone.csv"][0] is SourceState.FAILED and "file not found" in states["gone.csv"][2]
    assert all(info.fetched_at == now for info in dataset.sources)
    assert [info.name for info in failed_sources(dataset)] == ["junk.csv", "gone.csv"]


def test_row_errors_are_counted_per_source(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", STATS + "bad,192.0.2.1,1\n2026-01-06,192.0.2.1,x\n")
    dataset = load_dataset(LoadPlan(csv=(CsvFile(path=path),)))
    assert dataset.sources[0].row_errors == 2 and dataset.sources[0].detail == ""
    assert [(e.line, e.column) for e in dataset.errors] == [(3, 1), (4, 3)]


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a.csv", STATS), write(tmp_path / "b.csv", STATS)
    calls: list[tuple[str, int, int]] = []
    load_dataset(LoadPlan(csv=(CsvFile(path=a), CsvFile(path=b))), progress=lambda *args: calls.append(args))
    assert calls == [("a.csv", len(STATS), len(STATS)), ("b.csv", len(STATS), len(STATS))]


def test_config_ips_add_facts(tmp_path: Path) -> None:
    config_path = write(
        tmp_path / "c.toml", "[[csv]]\npath = 'a.csv'\n[[ips]]\nip = '192.0.2.1'\npool = 'cfg'\n"
    )
    write(tmp_path / "a.csv", STATS)
    config, dataset = load_dataset_for_cli([], config_path)
    assert dataset.facts["192.0.2.1"].pool == "cfg"
    assert dataset.facts["192.0.2.1"].source == "config"
    assert config.csv[0].path == tmp_path / "a.csv"


def test_the_cli_loader_raises_for_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(CsvReadError, match="file not found"):
        load_dataset_for_cli([tmp_path / "nope.csv"], None)
    with pytest.raises(ConfigError):
        load_dataset_for_cli([], tmp_path / "nope.toml")


def test_the_sample_data_loads_cleanly() -> None:
    _, dataset = load_dataset_for_cli([], None)
    assert dataset.errors == []
    assert {info.name for info in dataset.sources} == {
        "stats.csv",
        "snds.csv",
        "ips.toml",
        "accounts.csv",
        "mta",
    }
    assert all(info.state is SourceState.FRESH for info in dataset.sources)


def test_a_file_whose_every_row_is_skipped_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "all-bad.csv", "date,ip,sent\nbad,192.0.2.1,1\n2026-01-06,192.0.2.1,x\n")
    (info,) = load_dataset(LoadPlan(csv=(CsvFile(path=path),))).sources
    assert (info.rows, info.row_errors) == (2, 2)
    assert info.detail == "every row skipped (2): nothing from this file is shown"
