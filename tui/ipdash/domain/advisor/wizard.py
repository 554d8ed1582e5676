"""The wizard's questions and its state: one question per step, pure transitions.

The UI renders ``state.current`` and calls ``answer_text``/``choose``/``back``; nothing here
knows about keys or widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ipdash.domain.advisor import text
from ipdash.domain.advisor.inputs import (
    MAX_MONTHLY_VOLUME,
    AdvisorInputs,
    InputProblem,
    InvalidInputs,
    Streams,
    cross_field_problems,
    parse_count,
    parse_money,
    parse_rate,
    validate_inputs,
)
from ipdash.domain.advisor.rulebook import RuleBook

Kind = Literal["count", "rate", "money", "choice"]


@dataclass(frozen=True, slots=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    prompt: str
    help: str
    kind: Kind
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    example: str = ""
    applies: Callable[[Mapping[str, Any]], bool] | None = None
    #: What the advisor assumes when an optional question is skipped (said before Enter skips it).
    skipped_means: str = ""

    def is_asked(self, answers: Mapping[str, Any]) -> bool:
        return self.applies is None or self.applies(answers)

    def choice_index(self, value: Any) -> int | None:
        for index, choice in enumerate(self.choices):
            if choice.value == value:
                return index
        return None


def _both_streams(answers: Mapping[str, Any]) -> bool:
    return answers.get("streams") in (None, Streams.BOTH, "both")


def _irregular(answers: Mapping[str, Any]) -> bool:
    return answers.get("pattern") not in (None, "steady")


_YES_NO = (Choice(False, "No"), Choice(True, "Yes"))


def build_questions(book: RuleBook) -> tuple[Question, ...]:
    providers = (
        Choice(None, "Not decided"),
        *(Choice(key, info.name) for key, info in book.providers.items()),
    )
    return (
        Question(
            "monthly_volume",
            "How many messages do you send a month?",
            "All streams together.",
            "count",
            example="250000 or 250k",
        ),
        Question(
            "sends_per_month",
            "On how many days a month does mail go out?",
            "Mailing days: several campaigns on one day count once.",
            "count",
            example="8",
        ),
        Question(
            "sending_days_per_week",
            "On how many days of a sending week?",
            "Providers ask for regular sending, e.g. 3 days a week (Dynamics 365, Mandrill).",
            "choice",
            tuple(Choice(days, f"{days} day{'s' if days > 1 else ''} a week") for days in range(1, 8)),
        ),
        Question(
            "longest_gap_days",
            "What is the longest gap between two sends, in days?",
            "An IP cools after a few idle days and needs re-warming after 30 (Braze, SendGrid).",
            "count",
            optional=True,
            example="3",
            skipped_means="the advisor assumes evenly spaced sends (from the cadence)",
        ),
        Question(
            "pattern",
            "How does your volume move over the year?",
            "Dedicated IPs need regular, predictable volume (Amazon SES, Marketo).",
            "choice",
            (
                Choice("steady", "Steady: about the same every month"),
                Choice("seasonal", "Seasonal: busy months and quiet months"),
                Choice("spiky", "Spiky: big bursts, quiet in between"),
            ),
        ),
        Question(
            "peak_monthly_volume",
            "How many messages in your busiest month?",
            "Warm up to the peak, keep a steady base between peaks (Braze).",
            "count",
            optional=True,
            example="600k",
            applies=_irregular,
            skipped_means=f"the advisor assumes {book.sizing.default_peak_ratio.value:g}× the typical month",
        ),
        Question(
            "streams",
            "Which mail do you send?",
            "Every provider separates transactional from marketing mail.",
            "choice",
            (
                Choice("both", "Both transactional and marketing"),
                Choice("transactional", "Transactional only (receipts, resets, alerts)"),
                Choice("marketing", "Marketing only (newsletters, campaigns)"),
            ),
        ),
        Question(
            "transactional_share",
            "What share of the volume is transactional?",
            "Sizes the transactional and marketing pools.",
            "rate",
            optional=True,
            example="30%",
            applies=_both_streams,
            skipped_means=(
                f"the advisor assumes {text.percent(book.sizing.default_transactional_share.value)} "
                "(an even split)"
            ),
        ),
        Question(
            "bounce_rate",
            "What is your bounce rate?",
            "Dynamics 365 asks for under 3%.",
            "rate",
            optional=True,
            example="1.5%",
            skipped_means="it shows as unknown, never as fine",
        ),
        Question(
            "complaint_rate",
            "What is your complaint rate?",
            "Keep it under 0.1% (Dynamics 365, Gmail).",
            "rate",
            optional=True,
            example="0.05%",
            skipped_means="it shows as unknown, never as fine",
        ),
        Question(
            "unsubscribe_rate",
            "What is your unsubscribe rate?",
            "Dynamics 365 asks for under 1%.",
            "rate",
            optional=True,
            example="0.4%",
            skipped_means="it shows as unknown, never as fine",
        ),
        Question(
            "opt_in",
            "How do people join your lists?",
            "Double opt-in is a Dynamics 365 prerequisite for a dedicated IP.",
            "choice",
            (
                Choice("double", "Double opt-in (confirmed)"),
                Choice("single", "Single opt-in"),
                Choice("unknown", "Not sure"),
            ),
        ),
        Question(
            "engagement_window_months",
            "You mail people who engaged within how many months?",
            "Dynamics 365: engaged within 6 months.",
            "count",
            optional=True,
            example="6",
            skipped_means="it shows as unknown, never as fine",
        ),
        Question(
            "allowlisted_recipients",
            "Do your recipients' mail servers allowlist your sending IP?",
            "A small, well-defined audience that allowlists by IP is the low-volume exception (Amazon SES).",
            "choice",
            _YES_NO,
        ),
        Question(
            "time_critical",
            "Do you send time-critical mail?",
            "Password resets, appointment reminders: they must not wait behind bulk mail.",
            "choice",
            _YES_NO,
        ),
        Question(
            "provider",
            "Which provider do you use or plan to use?",
            "Some rules, prices and warm-up schedules are per provider.",
            "choice",
            providers,
        ),
        Question(
            "budget_usd",
            "What may sending on dedicated IPs cost a month, all in (USD)?",
            "Compared with each provider's monthly figure; a figure that leaves a charge out is a floor (≥), "
            "which can show a price over budget, never within it.",
            "money",
            optional=True,
            example="$100",
            skipped_means="costs are not compared with a budget",
        ),
        Question(
            "watcher",
            "Who will watch the IPs' reputation?",
            "A dedicated IP's warm-up and blocklistings need a person; managed IPs look after themselves.",
            "choice",
            (
                Choice("team", "Someone checks daily"),
                Choice("part-time", "Someone looks now and then"),
                Choice("nobody", "Nobody"),
            ),
        ),
    )


_FALLBACK = {
    "pattern": "steady",
    "streams": "both",
    "opt_in": "unknown",
    "allowlisted_recipients": False,
    "time_critical": False,
    "provider": None,
    "watcher": "team",
}


def format_value(question: Question, value: Any) -> str:
    if value is None:
        return "not given"
    if question.kind == "rate":
        return text.percent(float(value))
    if question.kind == "money":
        return text.usd(float(value))
    if question.kind == "count":
        return f"{int(value):,}"
    index = question.choice_index(value)
    return question.choices[index].label if index is not None else str(value)


@dataclass(frozen=True)
class WizardState:
    questions: tuple[Question, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)
    position: int = 0
    #: From the rule book's days_per_month: suggests sending days a week from sends a month.
    weeks_per_month: float = 30.44 / 7

    def asked(self) -> list[Question]:
        return [question for question in self.questions if question.is_asked(self.answers)]

    @property
    def complete(self) -> bool:
        return self.position >= len(self.asked())

    @property
    def current(self) -> Question | None:
        asked = self.asked()
        return asked[self.position] if self.position < len(asked) else None

    def step(self) -> tuple[int, int]:
        """(this step's number from 1, steps in total)."""
        total = len(self.asked())
        return min(self.position + 1, total), total

    def suggestion(self, question: Question) -> Any:
        """What enter on an empty answer keeps: the earlier answer, else the measured default,
        else the question's usual default."""
        if question.key in self.answers:
            return self.answers[question.key]
        if question.key in self.defaults:
            return self.defaults[question.key]
        sends = self.answers.get("sends_per_month")
        if question.key == "sending_days_per_week" and sends is not None:
            return max(1, min(7, round(sends / self.weeks_per_month)))
        return _FALLBACK.get(question.key)

    def answer_text(self, typed: str) -> WizardState:
        """Answer a typed question; empty keeps the suggestion. Raises InputProblem."""
        question = self._require_current()
        typed = typed.strip()
        if not typed:
            value = self.suggestion(question)
            if value is None and not question.optional:
                raise InputProblem(question.key, f"an answer is needed, e.g. {question.example}")
        else:
            parse = {"count": parse_count, "rate": parse_rate, "money": parse_money}[question.kind]
            value = parse(typed, question.key)
        return self.choose(value)

    def choose(self, value: Any) -> WizardState:
        """Record the current question's answer and move on. Raises InputProblem."""
        question = self._require_current()
        answers = {**self.answers, question.key: value}
        if value is not None:
            try:
                validate_inputs({"monthly_volume": MAX_MONTHLY_VOLUME, question.key: value})
            except InvalidInputs as error:
                raise error.problems[0] from None
        earlier = self._answers_up_to(answers, question.key)
        problems = cross_field_problems(earlier)
        if problems:
            raise problems[0]
        return replace(self, answers=answers, position=self.position + 1)

    def back(self) -> WizardState:
        return replace(self, position=max(0, self.position - 1))

    def inputs(self) -> AdvisorInputs:
        """The finished answers as advisor inputs. Raises InvalidInputs."""
        keys = {question.key for question in self.asked()}
        return validate_inputs(
            {key: value for key, value in self.answers.items() if key in keys and value is not None}
        )

    def first_problem(self) -> tuple[WizardState, InputProblem] | None:
        """When the finished answers contradict each other: the state at the question to fix."""
        try:
            self.inputs()
        except InvalidInputs as error:
            problem = error.problems[0]
            keys = [question.key for question in self.asked()]
            position = keys.index(problem.field) if problem.field in keys else 0
            return replace(self, position=position), problem
        return None

    def _answers_up_to(self, answers: Mapping[str, Any], key: str) -> dict[str, Any]:
        keys = [question.key for question in self.asked()]
        upto = set(keys[: keys.index(key) + 1])
        return {name: value for name, value in answers.items() if name in upto and value is not None}

    def _require_current(self) -> Question:
        question = self.current
        if question is None:
            raise InputProblem("wizard", "all questions are answered")
        return question


def start(book: RuleBook, defaults: Mapping[str, Any] | None = None) -> WizardState:
    return WizardState(
        questions=build_questions(book),
        defaults=dict(defaults or {}),
        weeks_per_month=book.sizing.days_per_month.value / 7,
    )
