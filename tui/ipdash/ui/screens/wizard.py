"""The shared-vs-dedicated wizard: one question per step, keyboard only.

Keys: ↑/↓ or j/k move, enter answers (an empty field keeps the suggestion shown), 1–9 pick a
choice (a list longer than 9, like the providers, takes typed letters as a filter instead),
backspace goes back (in a number field: once the field is empty), escape leaves and keeps the
answers: the next ``w`` offers to resume.
The state and its transitions live in ``ipdash.domain.advisor.wizard``; this screen renders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ipdash.domain.advisor import (
    InputProblem,
    MeasuredDefaults,
    PriceTable,
    Recommendation,
    RuleBook,
    advise,
    bundled_prices,
    bundled_rule_book,
)
from ipdash.domain.advisor.wizard import Question, WizardState, format_value, start

Clock = Callable[[], datetime]
STEP_BAR_WIDTH = 32
#: Choice lists longer than this are filtered by typing instead of numbered.
MAX_NUMBERED_CHOICES = 9


class WizardDrafts:
    """Where a left wizard's answers wait for the next ``w`` (one per app)."""

    def __init__(self) -> None:
        self.state: WizardState | None = None


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


class AnswerInput(Input):
    """A typed answer. Backspace edits what is typed; in an empty field it steps back."""

    class BackRequested(Message):
        """Backspace was pressed with nothing left to delete."""

    def action_delete_left(self) -> None:
        if self.value:
            super().action_delete_left()
        else:
            self.post_message(self.BackRequested())


class WizardScreen(Screen["Recommendation | None"]):
    """Push it with ``app.push_screen(WizardScreen(defaults=..., export_dir=...))``; it dismisses
    with the accepted Recommendation, or None when cancelled."""

    DEFAULT_CSS = """
    WizardScreen { align: center top; }
    WizardScreen #wizard { width: 90; max-width: 100%; height: auto; padding: 1 2; margin-top: 1;
        border: round $primary; background: $surface; }
    WizardScreen #wizard-title { text-style: bold; color: $primary; }
    WizardScreen #wizard-step { color: $text-muted; margin-bottom: 1; }
    WizardScreen #wizard-prompt { text-style: bold; }
    WizardScreen #wizard-help { color: $text-muted; margin-bottom: 1; }
    WizardScreen #wizard-options { height: auto; max-height: 12; border: none; background: $surface; }
    WizardScreen #wizard-input { width: 40; }
    WizardScreen #wizard-filter { width: 40; }
    WizardScreen #wizard-suggestion { color: $text-muted; margin-top: 1; }
    WizardScreen #wizard-error { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Leave", id="wizard.cancel"),
        Binding("backspace", "back", "Back", id="wizard.back"),
        Binding("j", "move(1)", "Down", show=False, id="wizard.down"),
        Binding("k", "move(-1)", "Up", show=False, id="wizard.up"),
        Binding("down", "move(1)", "Down", show=False, id="wizard.down-arrow"),
        Binding("up", "move(-1)", "Up", show=False, id="wizard.up-arrow"),
        *(
            Binding(str(n), f"pick({n})", f"Choice {n}", show=False, id=f"wizard.pick{n}")
            for n in range(1, 10)
        ),
    ]

    def __init__(
        self,
        defaults: MeasuredDefaults | Mapping[str, Any] | None = None,
        *,
        export_dir: Path | None = None,
        book: RuleBook | None = None,
        prices: PriceTable | None = None,
        clock: Clock = _now,
        drafts: WizardDrafts | None = None,
    ) -> None:
        super().__init__()
        self.drafts = drafts
        self.book = book or bundled_rule_book()
        self.prices = prices or bundled_prices()
        self.export_dir = export_dir
        self.clock = clock
        if isinstance(defaults, MeasuredDefaults):
            self.basis: dict[str, str] = dict(defaults.basis)
            answers = defaults.answers()
        else:
            self.basis = {}
            answers = dict(defaults or {})
        self.state: WizardState = start(self.book, answers)
        self.recommendation: Recommendation | None = None
        self.filter_text = ""
        draft = drafts.state if drafts is not None else None
        #: The left wizard's state while "resume or start over?" is asked.
        self.resume_offer: WizardState | None = draft if draft is not None and draft.answers else None

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Static("Shared or dedicated IPs?", id="wizard-title")
            yield Static(id="wizard-step")
            yield Static(id="wizard-prompt")
            yield Static(id="wizard-help")
            yield AnswerInput(id="wizard-input", restrict=r"[0-9.,_%$ kKmM]*", max_length=24)
            yield AnswerInput(
                id="wizard-filter",
                placeholder="type to filter, e.g. ses",
                max_length=40,
                restrict=r"[A-Za-z .()/-]*",
            )
            yield OptionList(id="wizard-options")
            yield Static(id="wizard-suggestion")
            yield Static(id="wizard-error")
        yield Footer()

    def on_mount(self) -> None:
        self.show_step()

    # rendering -------------------------------------------------------------------
    def show_step(self, error: str = "", *, keep_typed: bool = False) -> None:
        if self.resume_offer is not None:
            self._show_resume_offer()
            return
        question = self.state.current
        if question is None:
            return
        number, total = self.state.step()
        filled = round(STEP_BAR_WIDTH * (number - 1) / max(total, 1))
        bar = "■" * filled + "□" * (STEP_BAR_WIDTH - filled)
        self.query_one("#wizard-step", Static).update(f"Step {number} of {total}  {bar}")
        self.query_one("#wizard-prompt", Static).update(question.prompt)
        help_text = question.help + (f"  Type e.g. {question.example}." if question.example else "")
        self.query_one("#wizard-help", Static).update(help_text)
        self.query_one("#wizard-suggestion", Static).update(self._suggestion_text(question))
        self.query_one("#wizard-error", Static).update(f"! {error}" if error else "")
        field = self.query_one("#wizard-input", AnswerInput)
        filter_field = self.query_one("#wizard-filter", Input)
        options = self.query_one("#wizard-options", OptionList)
        if question.kind == "choice":
            field.display = False
            options.display = True
            filtered = len(question.choices) > MAX_NUMBERED_CHOICES
            filter_field.display = filtered
            if not filtered or not keep_typed:
                self.filter_text = ""
                with filter_field.prevent(Input.Changed):
                    filter_field.value = ""
            self._fill_options(question)
            (filter_field if filtered else options).focus()
        else:
            options.display = False
            filter_field.display = False
            field.display = True
            if not keep_typed:
                field.value = ""
            suggestion = self.state.suggestion(question)
            field.placeholder = (
                format_value(question, suggestion) if suggestion is not None else f"e.g. {question.example}"
            )
            field.focus()
        self.refresh_bindings()

    def _fill_options(self, question: Question) -> None:
        options = self.query_one("#wizard-options", OptionList)
        filtered = len(question.choices) > MAX_NUMBERED_CHOICES
        wanted = self.filter_text.strip().lower()
        options.clear_options()
        shown = [
            (index, choice)
            for index, choice in enumerate(question.choices)
            if not wanted or wanted in choice.label.lower() or wanted in str(choice.value or "").lower()
        ]
        options.add_options(
            Option(choice.label if filtered else f"{index + 1}  {choice.label}", id=f"choice-{index}")
            for index, choice in shown
        )
        if filtered:
            nothing = (
                f"! nothing matches {self.filter_text.strip()!r}: backspace to edit" if not shown else ""
            )
            self.query_one("#wizard-error", Static).update(nothing)
        suggested = question.choice_index(self.state.suggestion(question))
        positions = [index for index, _ in shown]
        options.highlighted = positions.index(suggested) if suggested in positions else (0 if shown else None)

    def _show_resume_offer(self) -> None:
        offer = self.resume_offer
        assert offer is not None
        number, total = offer.step()
        self.query_one("#wizard-step", Static).update("Your earlier answers were kept")
        self.query_one("#wizard-prompt", Static).update(
            f"Resume where you left off (step {number} of {total}, {len(offer.answers)} answered)?"
        )
        self.query_one("#wizard-help", Static).update("Start over keeps nothing of the earlier answers.")
        self.query_one("#wizard-suggestion", Static).update("enter or a number picks.")
        self.query_one("#wizard-error", Static).update("")
        self.query_one("#wizard-input", AnswerInput).display = False
        self.query_one("#wizard-filter", Input).display = False
        options = self.query_one("#wizard-options", OptionList)
        options.display = True
        options.clear_options()
        options.add_options([Option("1  Resume", id="resume"), Option("2  Start over", id="start-over")])
        options.highlighted = 0
        options.focus()

    def _answer_resume_offer(self, resume: bool) -> None:
        if self.resume_offer is not None and resume:
            self.state = self.resume_offer
        self.resume_offer = None
        if self.drafts is not None:
            self.drafts.state = None
        self.show_step()

    def _suggestion_text(self, question: Question) -> str:
        suggestion = self.state.suggestion(question)
        if question.kind != "choice":
            keys = "enter keeps it"
        elif len(question.choices) > MAX_NUMBERED_CHOICES:
            keys = "type to filter, ↑/↓ move, enter picks"
        else:
            keys = "enter or a number picks"
        shown = format_value(question, suggestion)
        if question.kind == "choice" and suggestion is None:
            index = question.choice_index(None)
            shown = question.choices[index].label if index is not None else "none"
        if question.key in self.state.answers:
            return f"Your answer: {shown} — {keys}."
        if question.key in self.state.defaults:
            basis = self.basis.get(question.key)
            measured = f" ({basis})" if basis else ""
            return f"Measured from your data: {shown}{measured} — {keys}."
        if question.kind == "choice":
            return f"Default: {shown} — {keys}."
        if suggestion is None:
            if question.optional:
                means = f": {question.skipped_means}" if question.skipped_means else ""
                return f"Optional: enter skips it{means}."
            return f"Type an answer, e.g. {question.example}."
        return f"Default: {shown} — {keys}."

    # answering ------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "wizard-filter":
            options = self.query_one("#wizard-options", OptionList)
            if options.highlighted is not None:
                self._choose_option(options.get_option_at_index(options.highlighted).id)
            return
        self._apply(lambda state: state.answer_text(event.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "wizard-filter":
            return
        event.stop()
        question = self.state.current
        self.filter_text = event.value
        if question is not None and question.kind == "choice" and self.resume_offer is None:
            self._fill_options(question)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose_option(event.option.id)

    def _choose_option(self, option_id: str | None) -> None:
        if option_id in ("resume", "start-over"):
            self._answer_resume_offer(option_id == "resume")
        elif option_id is not None and option_id.startswith("choice-"):
            self._choose(int(option_id.removeprefix("choice-")))

    def on_answer_input_back_requested(self, event: AnswerInput.BackRequested) -> None:
        event.stop()
        self.action_back()

    def _choose(self, index: int) -> None:
        question = self.state.current
        if question is None or question.kind != "choice" or not 0 <= index < len(question.choices):
            return
        value = question.choices[index].value
        self._apply(lambda state: state.choose(value))

    def _apply(self, transition: Callable[[WizardState], WizardState]) -> None:
        try:
            self.state = transition(self.state)
        except InputProblem as problem:
            current = self.state.current
            elsewhere = current is not None and problem.field != current.key
            hint = ""
            if elsewhere and current is not None:
                hint = " — backspace goes back to change it"
                if current.kind != "choice":
                    hint = " — empty the field, then backspace goes back to change it"
            self.show_step(problem.message + hint, keep_typed=True)
            return
        if self.state.complete:
            self._finish()
        else:
            self.show_step()

    def _finish(self) -> None:
        found = self.state.first_problem()
        if found is not None:
            self.state, problem = found
            self.show_step(problem.message)
            return
        try:
            recommendation = advise(
                self.state.inputs(), book=self.book, prices=self.prices, today=self.clock().date()
            )
        except InputProblem as problem:
            self.state = self.state.back()
            self.show_step(problem.message)
            return
        self.recommendation = recommendation
        from ipdash.ui.screens.recommendation import RecommendationScreen

        if self.drafts is not None:
            self.drafts.state = None
        screen = RecommendationScreen(recommendation, export_dir=self.export_dir, clock=self.clock)
        self.app.push_screen(screen, self._after_result)

    def _after_result(self, outcome: str | None) -> None:
        if outcome == "back":
            self.state = self.state.back()
            self.show_step()
        else:
            self.dismiss(self.recommendation)

    # actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back" and (self.state.position == 0 or self.resume_offer is not None):
            return None
        return True

    def action_back(self) -> None:
        if self.state.position == 0:
            return
        self.state = self.state.back()
        self.show_step()

    def action_cancel(self) -> None:
        """Leave the wizard; the answers wait in the drafts for the next ``w`` to resume."""
        if self.drafts is not None and self.resume_offer is None and self.state.answers:
            self.drafts.state = self.state
            self.app.notify("Your answers are kept: press w to resume.", title="Wizard left")
        self.dismiss(None)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#wizard-options", OptionList)
        if options.display:
            if delta > 0:
                options.action_cursor_down()
            else:
                options.action_cursor_up()

    def action_pick(self, number: int) -> None:
        if self.resume_offer is not None:
            if number in (1, 2):
                self._answer_resume_offer(number == 1)
            return
        question = self.state.current
        if question is not None and len(question.choices) > MAX_NUMBERED_CHOICES:
            return  # a filtered list: digits are not its keys
        self._choose(number - 1)
