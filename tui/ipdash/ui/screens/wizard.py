"""The shared-vs-dedicated wizard: one question per step, keyboard only.

Keys: ↑/↓ or j/k move, enter answers (an empty field keeps the suggestion shown), 1–9 pick a
choice, backspace goes back (in a number field: once the field is empty), escape cancels.
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
    WizardScreen #wizard-suggestion { color: $text-muted; margin-top: 1; }
    WizardScreen #wizard-error { color: $error; text-style: bold; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="wizard.cancel"),
        Binding("backspace", "back", "Back", id="wizard.back"),
        Binding("j", "move(1)", "Down", show=False, id="wizard.down"),
        Binding("k", "move(-1)", "Up", show=False, id="wizard.up"),
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
    ) -> None:
        super().__init__()
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

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Static("Shared or dedicated IPs?", id="wizard-title")
            yield Static(id="wizard-step")
            yield Static(id="wizard-prompt")
            yield Static(id="wizard-help")
            yield AnswerInput(id="wizard-input", restrict=r"[0-9.,_%$ kKmM]*", max_length=24)
            yield OptionList(id="wizard-options")
            yield Static(id="wizard-suggestion")
            yield Static(id="wizard-error")
        yield Footer()

    def on_mount(self) -> None:
        self.show_step()

    # rendering -------------------------------------------------------------------
    def show_step(self, error: str = "", *, keep_typed: bool = False) -> None:
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
        options = self.query_one("#wizard-options", OptionList)
        if question.kind == "choice":
            field.display = False
            options.display = True
            options.clear_options()
            options.add_options(
                Option(f"{index + 1 if index < 9 else ' '}  {choice.label}", id=f"choice-{index}")
                for index, choice in enumerate(question.choices)
            )
            highlighted = question.choice_index(self.state.suggestion(question))
            options.highlighted = highlighted if highlighted is not None else 0
            options.focus()
        else:
            options.display = False
            field.display = True
            if not keep_typed:
                field.value = ""
            suggestion = self.state.suggestion(question)
            field.placeholder = (
                format_value(question, suggestion) if suggestion is not None else question.example
            )
            field.focus()
        self.refresh_bindings()

    def _suggestion_text(self, question: Question) -> str:
        suggestion = self.state.suggestion(question)
        keys = "enter keeps it" if question.kind != "choice" else "enter or a number picks"
        if question.key in self.state.answers:
            return f"Your answer: {format_value(question, suggestion)} — {keys}."
        if question.key in self.state.defaults:
            basis = self.basis.get(question.key)
            measured = f" ({basis})" if basis else ""
            return f"Measured from your data: {format_value(question, suggestion)}{measured} — {keys}."
        if suggestion is None:
            return (
                "Optional: enter skips it."
                if question.optional
                else f"Type a number, e.g. {question.example}."
            )
        return f"Default: {format_value(question, suggestion)} — {keys}."

    # answering ------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply(lambda state: state.answer_text(event.value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

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
            recommendation = advise(self.state.inputs(), book=self.book, prices=self.prices)
        except InputProblem as problem:
            self.state = self.state.back()
            self.show_step(problem.message)
            return
        self.recommendation = recommendation
        from ipdash.ui.screens.recommendation import RecommendationScreen

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
        if action == "back" and self.state.position == 0:
            return None
        return True

    def action_back(self) -> None:
        if self.state.position == 0:
            return
        self.state = self.state.back()
        self.show_step()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#wizard-options", OptionList)
        if options.display:
            if delta > 0:
                options.action_cursor_down()
            else:
                options.action_cursor_up()

    def action_pick(self, number: int) -> None:
        self._choose(number - 1)
