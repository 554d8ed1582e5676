"""The wizard's pure state: questions, suggestions, transitions, contradictions."""

from __future__ import annotations

import pytest

from ipdash.domain.advisor import InputProblem, Streams, bundled_rule_book
from ipdash.domain.advisor.wizard import WizardState, format_value, start

BOOK = bundled_rule_book()


def fresh(**defaults: object) -> WizardState:
    return start(BOOK, defaults)


def test_first_question_is_the_monthly_volume() -> None:
    state = fresh()
    assert state.current is not None and state.current.key == "monthly_volume"
    assert state.step() == (1, 17)


def test_provider_choices_come_from_the_rule_book() -> None:
    provider = next(q for q in fresh().questions if q.key == "provider")
    assert [c.value for c in provider.choices] == [None, *BOOK.providers]


def test_every_question_key_is_an_advisor_input() -> None:
    from ipdash.domain.advisor import AdvisorInputs

    keys = [q.key for q in fresh().questions]
    assert len(keys) == len(set(keys))
    assert set(keys) <= set(AdvisorInputs.model_fields)


def test_transactional_share_is_asked_only_for_both_streams() -> None:
    state = fresh().answer_text("400k").answer_text("20").choose(5).answer_text("").choose("steady")
    assert state.choose("marketing").current.key == "bounce_rate"  # type: ignore[union-attr]
    assert state.choose("marketing").step() == (7, 16)
    assert state.choose("both").current.key == "transactional_share"  # type: ignore[union-attr]


def test_suggestion_prefers_earlier_answer_then_measured_then_fallback() -> None:
    state = fresh(monthly_volume=250_000, pattern="spiky")
    volume = state.current
    assert volume is not None
    assert state.suggestion(volume) == 250_000
    state = state.answer_text("300k").back()
    assert state.suggestion(volume) == 300_000
    pattern = next(q for q in state.questions if q.key == "pattern")
    assert state.suggestion(pattern) == "spiky"
    watcher = next(q for q in state.questions if q.key == "watcher")
    assert state.suggestion(watcher) == "team"


@pytest.mark.parametrize(("sends", "days"), [(1, 1), (4, 1), (8, 2), (13, 3), (20, 5), (22, 5), (30, 7)])
def test_days_a_week_suggested_from_sends_a_month(sends: int, days: int) -> None:
    state = fresh().answer_text("400k").answer_text(str(sends))
    assert state.current is not None
    assert state.suggestion(state.current) == days
    state.choose(days)  # the suggestion never contradicts the sends


def test_empty_answer_keeps_the_suggestion_or_skips_optional() -> None:
    state = fresh(monthly_volume=250_000).answer_text("")
    assert state.answers["monthly_volume"] == 250_000
    state = state.answer_text("20").choose(5).answer_text("").choose("steady").choose("both").answer_text("")
    assert state.answers["transactional_share"] is None


def test_required_answer_without_suggestion_is_refused() -> None:
    with pytest.raises(InputProblem, match="an answer is needed"):
        fresh().answer_text("  ")


@pytest.mark.parametrize(
    ("typed", "message"), [("0", "too small"), ("-3", "negative"), ("ten", "whole"), ("1" * 14, "too large")]
)
def test_bad_typed_volume_is_refused(typed: str, message: str) -> None:
    with pytest.raises(InputProblem, match=message):
        fresh().answer_text(typed)


def test_contradiction_with_an_earlier_answer_is_refused() -> None:
    state = fresh().answer_text("400k").answer_text("2")
    with pytest.raises(InputProblem, match="at least 5 sends a month"):
        state.choose(5)
    assert state.choose(1).current.key == "longest_gap_days"  # type: ignore[union-attr]


def test_later_answers_do_not_block_revising_an_earlier_one() -> None:
    state = fresh().answer_text("400k").answer_text("20").choose(5)
    state = state.back().back()  # at sends per month, with 5 days a week answered later
    state = state.answer_text("3")  # only answers up to this step are checked
    with pytest.raises(InputProblem):
        state.choose(5)


def test_first_problem_points_at_the_question_to_fix() -> None:
    state = fresh().answer_text("400k").answer_text("20").choose(5)
    state = state.back().back().answer_text("3").choose(1)
    # walk to the end keeping suggestions
    while not state.complete:
        question = state.current
        assert question is not None
        state = (
            state.answer_text("") if question.kind != "choice" else state.choose(state.suggestion(question))
        )
    assert state.first_problem() is None
    broken = WizardState(state.questions, answers={**state.answers, "sending_days_per_week": 5}, position=99)
    found = broken.first_problem()
    assert found is not None
    fixed_state, problem = found
    assert problem.field == "sending_days_per_week"
    assert fixed_state.current is not None and fixed_state.current.key == "sending_days_per_week"


def test_inputs_drop_answers_to_questions_no_longer_asked() -> None:
    state = (
        fresh()
        .answer_text("400k")
        .answer_text("20")
        .choose(5)
        .answer_text("")
        .choose("steady")
        .choose("both")
        .answer_text("30%")
    )
    state = state.back().back().choose("marketing")
    while not state.complete:
        question = state.current
        assert question is not None
        state = (
            state.answer_text("") if question.kind != "choice" else state.choose(state.suggestion(question))
        )
    inputs = state.inputs()
    assert inputs.streams is Streams.MARKETING
    assert inputs.transactional_share is None


def test_back_stops_at_the_first_step() -> None:
    assert fresh().back().position == 0


def test_answering_after_the_end_is_refused() -> None:
    state = WizardState(fresh().questions, position=99)
    assert state.complete and state.current is None
    with pytest.raises(InputProblem, match="all questions are answered"):
        state.choose(1)


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("monthly_volume", 250_000, "250,000"),
        ("bounce_rate", 0.015, "1.5%"),
        ("budget_usd", 100.0, "$100.00"),
        ("pattern", "spiky", "Spiky: big bursts, quiet in between"),
        ("provider", None, "not given"),
        ("provider", "ses", "Amazon SES"),
    ],
)
def test_format_value(key: str, value: object, shown: str) -> None:
    question = next(q for q in fresh().questions if q.key == key)
    assert format_value(question, value) == shown


def test_peak_is_asked_only_for_seasonal_or_spiky_volume() -> None:
    state = fresh().answer_text("400k").answer_text("20").choose(5).answer_text("")
    assert state.choose("steady").current.key == "streams"  # type: ignore[union-attr]
    seasonal = state.choose("seasonal")
    assert seasonal.current is not None and seasonal.current.key == "peak_monthly_volume"
    assert "2× the typical month" in seasonal.current.skipped_means


def test_every_optional_question_says_what_skipping_means_and_every_typed_one_has_an_example() -> None:
    for question in fresh().questions:
        if question.kind != "choice":
            assert question.example, question.key
        if question.optional:
            assert question.skipped_means, question.key
    share = next(q for q in fresh().questions if q.key == "transactional_share")
    assert "50%" in share.skipped_means
