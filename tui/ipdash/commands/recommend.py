"""`ipdash recommend`: the shared-vs-dedicated verdict without the TUI.

Answers come from options, an answers file (``--answers FILE``, TOML or JSON with the same
names), or both: options win. Exit codes: 0 a recommendation was made (whatever the verdict);
2 bad or contradictory input, naming the answer.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

from ipdash.commands._options import config_option
from ipdash.commands._output import emit_json, fail_usage, render_table
from ipdash.domain.advisor import (
    AdvisorInputs,
    InputProblem,
    InvalidInputs,
    InvalidSettings,
    PriceTable,
    Recommendation,
    RuleBook,
    advisor_data,
    recommendation_json,
    recommendation_markdown,
    validate_inputs,
)
from ipdash.domain.advisor import advise as run_advisor
from ipdash.domain.advisor import text as fmt
from ipdash.domain.advisor.inputs import coerce_answers
from ipdash.domain.advisor.markdown import cost_figure, cost_parts
from ipdash.domain.advisor.result import STATUS_SYMBOL, VERDICT_SYMBOL
from ipdash.exit_codes import EXIT_OK
from ipdash.sources.config_file import ConfigError, load_config
from ipdash.sources.small_files import FileTooLarge, read_small_regular_file

MAX_ANSWERS_BYTES = 1 << 20

__all__ = ["load_advisor_data", "read_answers_file", "recommend", "recommendation_markdown"]


class AnswersFileError(Exception):
    """The answers file cannot be used; the message names the file (and line, column)."""


def read_answers_file(path: Path) -> dict[str, Any]:
    """A TOML (.toml) or JSON file of answers named like the options (``monthly-volume`` or
    ``monthly_volume``); other suffixes are tried as JSON, then TOML."""
    try:
        content = read_small_regular_file(path, MAX_ANSWERS_BYTES)
    except FileTooLarge as error:
        raise AnswersFileError(f"{path}: too large for an answers file ({error})") from error
    except ValueError as error:
        raise AnswersFileError(f"{path}: {error}") from error
    data: Any
    if path.suffix.lower() == ".toml":
        data = _toml(path, content)
    elif path.suffix.lower() == ".json":
        data = _json(path, content)
    else:
        try:
            data = json.loads(content)
        except json.JSONDecodeError:
            data = _toml(path, content)
    if not isinstance(data, dict):
        raise AnswersFileError(f"{path}: answers must be a table/object of name = value")
    return data


def _toml(path: Path, content: str) -> Any:
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise AnswersFileError(f"{path}: invalid TOML: {error}") from error


def _json(path: Path, content: str) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as error:
        raise AnswersFileError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from error
    except RecursionError:
        raise AnswersFileError(f"{path}: invalid JSON: nested too deeply") from None


def load_advisor_data(config_path: Path | None) -> tuple[RuleBook, PriceTable]:
    """The bundled rules and prices with the config's [advisor] overrides. Raises ConfigError."""
    config, found = load_config(config_path)
    try:
        return advisor_data(config.advisor)
    except InvalidSettings as error:
        raise ConfigError(f"{found}: {error}") from error


def _option(field: str) -> str:
    return "--budget" if field == "budget_usd" else "--" + field.replace("_", "-")


def _describe(problems: list[InputProblem], from_file: set[str], answers_path: Path | None) -> str:
    parts = []
    for problem in problems:
        where = (
            f"{answers_path}: {problem.field.replace('_', '-')}"
            if problem.field in from_file
            else _option(problem.field)
        )
        parts.append(f"{where}: {problem.message}")
    return "; ".join(parts)


@click.command()
@click.option("--monthly-volume", help="Messages a month, e.g. 250000 or 250k.")
@click.option("--sends-per-month", help="Mailing days a month (1-31).")
@click.option("--sending-days-per-week", help="Days a week mail goes out (1-7).")
@click.option(
    "--longest-gap-days", help="Longest gap between two sends, in days (default: from the cadence)."
)
@click.option("--peak-monthly-volume", help="Seasonal or spiky: the busiest month's volume.")
@click.option("--pattern", type=click.Choice(["steady", "seasonal", "spiky"]), default=None)
@click.option("--streams", help="transactional, marketing, or transactional,marketing (both).")
@click.option("--transactional-share", help="With both streams: the transactional share, e.g. 30% or 0.3.")
@click.option("--bounce-rate", help="e.g. 1.5% or 0.015.")
@click.option("--complaint-rate", help="e.g. 0.05% or 0.0005.")
@click.option("--unsubscribe-rate", help="e.g. 0.4% or 0.004.")
@click.option("--opt-in", type=click.Choice(["double", "single", "unknown"]), default=None)
@click.option("--engagement-window-months", help="Recipients engaged within this many months.")
@click.option(
    "--allowlisted-recipients", is_flag=True, default=None, help="Recipients' servers allowlist your IP."
)
@click.option("--time-critical", is_flag=True, default=None, help="Password resets, reminders …")
@click.option("--provider", help="Current or planned provider: ses, sendgrid, mailgun, sparkpost, …")
@click.option(
    "--budget",
    "budget_usd",
    help="Monthly budget for sending on dedicated IPs, all in (plan, IPs, per-message), in USD.",
)
@click.option("--watcher", type=click.Choice(["team", "part-time", "nobody", "unknown"]), default=None)
@click.option("--answers", "answers_path", type=click.Path(path_type=Path), help="TOML or JSON answers file.")
@config_option()
@click.option("--format", "output_format", type=click.Choice(["table", "json", "md"]), default="table")
@click.pass_context
def recommend(
    ctx: click.Context,
    answers_path: Path | None,
    config_path: Path | None,
    output_format: str,
    **options: Any,
) -> None:
    """Shared or dedicated IPs: verdict, reasons with sources, IP plan, warm-up, cost.

    Answers come from the options and/or --answers FILE (TOML or JSON, the same names, e.g.
    monthly-volume = 250000); options win over the file. Rates take 1.5% or 0.015.

    Exit codes: 0 a recommendation (any verdict); 2 bad or contradictory input.
    """
    root_config = ctx.find_root().params.get("config_path")
    try:
        book, prices = load_advisor_data(config_path or root_config)
    except ConfigError as error:
        fail_usage(str(error))
        return
    file_answers: dict[str, Any] = {}
    if answers_path is not None:
        try:
            file_answers = read_answers_file(answers_path)
        except AnswersFileError as error:
            fail_usage(str(error))
            return
    given = {name: value for name, value in options.items() if value is not None}
    file_fields = {str(key).strip().replace("-", "_") for key in file_answers} - set(given)
    if "monthly_volume" not in given and "monthly_volume" not in file_fields:
        fail_usage("--monthly-volume is required (or monthly-volume in --answers FILE)")
        return
    try:
        answers = {**coerce_answers(file_answers), **coerce_answers(given)}
        inputs = validate_inputs(answers)
        result = run_advisor(inputs, book=book, prices=prices)
    except InvalidInputs as error:
        fail_usage(_describe(error.problems, file_fields, answers_path))
        return
    except InputProblem as problem:
        fail_usage(_describe([problem], file_fields, answers_path))
        return
    if output_format == "json":
        emit_json(recommendation_json(result))
    elif output_format == "md":
        click.echo(recommendation_markdown(result), nl=False)
    else:
        print_recommendation(result)
    ctx.exit(EXIT_OK)


def print_recommendation(result: Recommendation) -> None:
    click.echo(f"Verdict: {VERDICT_SYMBOL[result.verdict]} {result.verdict.value}")
    click.echo(result.verdict_reason)
    for target in result.targets:
        click.echo(f"  target: {target.metric} {target.target} (source: {target.source})")
    click.echo("")
    render_table(
        ["", "rule", "compared", "source"],
        (
            [f"{STATUS_SYMBOL[o.status]} {o.status.value}", o.title, o.detail, o.source_short]
            for o in result.reasons
        ),
        title="Reasons",
    )
    render_table(
        ["pool", "kind", "ips", "monthly", "per sending day", "why"],
        (
            [p.name, p.kind, p.ips, fmt.count(p.monthly_volume), fmt.count(p.daily_volume), p.why]
            for p in result.pools
        ),
        title=f"IPs and pools ({fmt.plural(result.ip_count, 'IP')})",
        right_align=["ips", "monthly", "per sending day"],
    )
    click.echo(f"Warm-up: {result.warmup.note}")
    if result.warmup.sends:
        render_table(
            ["send", "calendar day", "cap per IP", "planned per IP", "held back"],
            (
                [
                    w.send,
                    w.calendar_day,
                    fmt.count(w.cap_per_ip),
                    fmt.count(w.planned_per_ip),
                    fmt.count(w.held_back),
                ]
                for w in result.warmup.sends
            ),
            title="Warm-up sends",
            right_align=["send", "calendar day", "cap per IP", "planned per IP", "held back"],
        )
    own = [row for row in result.monthly_cost if row.current]
    others = [row for row in result.monthly_cost if not row.current]
    for title, rows in (
        ("Monthly cost", own),
        ("Provider comparison (not a recommendation to move)" if own else "Monthly cost by provider", others),
    ):
        if rows:
            render_table(
                ["provider", "usd/month", "parts", "includes", "excludes", "as of", "note"],
                (
                    [
                        row.name,
                        cost_figure(row),
                        cost_parts(row),
                        "; ".join(row.includes) or "–",
                        "; ".join(row.excludes) or "–",
                        row.as_of,
                        row.note,
                    ]
                    for row in rows
                ),
                title=title,
                right_align=["usd/month"],
            )
    for heading, items in (
        ("Risks", result.risks),
        ("What would change the answer", result.would_change),
        ("Assumptions", result.assumptions),
    ):
        if items:
            click.echo(f"\n{heading}:")
            for item in items:
                click.echo(f"  - {item}")


def advise_inputs(inputs: AdvisorInputs, config_path: Path | None = None) -> Recommendation:
    """Convenience for scripts: run the advisor with the config's overrides."""
    book, prices = load_advisor_data(config_path)
    return run_advisor(inputs, book=book, prices=prices)
