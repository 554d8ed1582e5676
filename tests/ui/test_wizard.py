"""The wizard driven by keys only: forward, back, defaults, errors, the result screen, export."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from ipdash.domain.advisor import (
    MeasuredDefaults,
    Recommendation,
    Verdict,
    advise,
    measured_defaults,
    recommendation_json,
    validate_inputs,
)
from ipdash.ui.screens.recommendation import RecommendationScreen
from ipdash.ui.screens.wizard import AnswerInput, WizardDrafts, WizardScreen
from ipdash.ui.themes import load_themes
from settling import settle

REPO = Path(__file__).resolve().parents[2]
FROZEN = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
UNSET = object()


class WizardHost(App[None]):
    """Pushes the wizard at start and keeps what it dismissed with."""

    def __init__(
        self,
        defaults: MeasuredDefaults | Mapping[str, Any] | None = None,
        export_dir: Path | None = None,
        drafts: WizardDrafts | None = None,
    ) -> None:
        super().__init__()
        self.drafts = drafts
        themes, _failures = load_themes([REPO / "themes"])
        for theme in themes.values():
            self.register_theme(theme)
        self.theme = "ipdash-dark"
        self.defaults = defaults
        self.export_dir = export_dir
        self.dismissed: object = UNSET

    def on_mount(self) -> None:
        self.open_wizard()

    def open_wizard(self) -> None:
        screen = WizardScreen(
            defaults=self.defaults, export_dir=self.export_dir, clock=lambda: FROZEN, drafts=self.drafts
        )
        self.push_screen(screen, self._done)

    def _done(self, result: Recommendation | None) -> None:
        self.dismissed = result


def text_of(pilot: Pilot[None], selector: str) -> str:
    """The plain text a Static shows, whether it holds a string or a Rich renderable."""
    content = pilot.app.screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def wizard(pilot: Pilot[None]) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen)
    return screen


async def type_answer(pilot: Pilot[None], typed: str) -> None:
    await pilot.press(*typed, "enter")
    await pilot.pause()


async def walk_to_result(pilot: Pilot[None]) -> None:
    """Every question of the wizard, answered by keys only."""
    await type_answer(pilot, "400k")  # monthly volume
    await type_answer(pilot, "20")  # sends a month
    await pilot.press("5")  # 5 days a week
    await type_answer(pilot, "2")  # longest gap between sends
    await pilot.press("1")  # steady
    await pilot.press("1")  # both streams
    await type_answer(pilot, "20%")  # transactional share
    await type_answer(pilot, "1%")  # bounce rate
    await type_answer(pilot, "0.05%")  # complaint rate
    await type_answer(pilot, "0.003")  # unsubscribe rate
    await pilot.press("1")  # double opt-in
    await type_answer(pilot, "6")  # engagement window
    await pilot.press("1")  # not allowlisted
    await pilot.press("2")  # time-critical: yes
    await type_answer(pilot, "sendgrid")  # provider: typed letters filter the 15 choices
    await type_answer(pilot, "$100")  # budget
    await pilot.press("1")  # someone checks daily
    await pilot.pause()


EXPECTED = {
    "monthly_volume": 400_000,
    "sends_per_month": 20,
    "sending_days_per_week": 5,
    "longest_gap_days": 2,
    "pattern": "steady",
    "peak_monthly_volume": None,
    "streams": "both",
    "transactional_share": 0.2,
    "bounce_rate": 0.01,
    "complaint_rate": 0.0005,
    "unsubscribe_rate": 0.003,
    "opt_in": "double",
    "engagement_window_months": 6,
    "allowlisted_recipients": False,
    "time_critical": True,
    "provider": "sendgrid",
    "budget_usd": 100.0,
    "watcher": "team",
}


async def test_first_step_asks_for_the_monthly_volume() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert text_of(pilot, "#wizard-step").startswith("Step 1 of 17")
        assert text_of(pilot, "#wizard-prompt") == "How many messages do you send a month?"
        assert isinstance(pilot.app.focused, AnswerInput)


async def test_whole_wizard_by_keys_reaches_the_recommendation() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await walk_to_result(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RecommendationScreen)
        assert screen.title == "Recommendation"
        assert text_of(pilot, "#rec-title") == "Recommendation"
        result = screen.recommendation
        assert result.inputs.model_dump(mode="json") == EXPECTED
        expected = advise(validate_inputs(EXPECTED))
        assert recommendation_json(result) == recommendation_json(expected)
        assert result.verdict is Verdict.DEDICATED
        assert text_of(pilot, "#rec-verdict").startswith("● dedicated")
        assert "Twilio SendGrid (Pro)" in text_of(pilot, "#rec-cost")
        assert "Telnyx" in text_of(pilot, "#rec-comparison") and "Telnyx" not in text_of(pilot, "#rec-cost")
        lines = {
            line.split()[0]: line for line in text_of(pilot, "#rec-comparison").splitlines() if line.strip()
        }
        assert "≥ $42.00 ? budget" in lines["Telnyx"], "IPs only under the budget: not known to fit"
        assert "$114.85 ✗ over budget" in lines["Amazon"] and "≥" not in lines["Amazon"]
        assert "✓" not in text_of(pilot, "#rec-comparison")
        assert "braze" not in text_of(pilot, "#rec-warmup") and "sendgrid schedule" in text_of(
            pilot, "#rec-warmup"
        )
        assert "Marketo" in text_of(pilot, "#rec-reasons")


async def test_step_indicator_counts_only_asked_questions() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("5")
        await type_answer(pilot, "")  # longest gap: skipped
        await pilot.press("1", "3")  # marketing only: no transactional-share question
        await pilot.pause()
        assert text_of(pilot, "#wizard-step").startswith("Step 7 of 16")
        assert text_of(pilot, "#wizard-prompt") == "What is your bounce rate?"


async def test_back_and_forth_keeps_and_changes_answers() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("5")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "longest_gap_days"  # type: ignore[union-attr]
        await pilot.press("backspace")  # an empty typed step: back
        await pilot.pause()
        assert wizard(pilot).state.current.key == "sending_days_per_week"  # type: ignore[union-attr]
        assert pilot.app.screen.query_one(OptionList).highlighted == 4, "the earlier answer stays highlighted"
        await pilot.press("backspace")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "sends_per_month"  # type: ignore[union-attr]
        assert "Your answer: 20" in text_of(pilot, "#wizard-suggestion")
        await pilot.press("2", "4", "backspace", "2")  # typing: backspace edits, does not go back
        await pilot.pause()
        assert pilot.app.screen.query_one(AnswerInput).value == "22"
        assert wizard(pilot).state.current.key == "sends_per_month"  # type: ignore[union-attr]
        await pilot.press("enter")
        await pilot.press("enter")  # keeps 5 days a week
        await pilot.pause()
        assert wizard(pilot).state.answers["sends_per_month"] == 22
        assert wizard(pilot).state.answers["sending_days_per_week"] == 5
        assert text_of(pilot, "#wizard-step").startswith("Step 4 of 17")


async def test_backspace_in_an_empty_field_goes_back() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await pilot.press("9", "backspace")  # delete the 9
        await pilot.pause()
        assert wizard(pilot).state.current.key == "sends_per_month"  # type: ignore[union-attr]
        await pilot.press("backspace")  # now empty: back
        await pilot.pause()
        assert wizard(pilot).state.current.key == "monthly_volume"  # type: ignore[union-attr]
        await pilot.press("backspace")  # first step: nowhere to go
        await pilot.pause()
        assert wizard(pilot).state.position == 0
        assert wizard(pilot).check_action("back", ()) is None


async def test_arrows_and_jk_move_then_enter_chooses() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("5")
        await type_answer(pilot, "")
        await pilot.press("j", "j", "k", "down", "up", "enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["pattern"] == "seasonal"
        await type_answer(pilot, "")  # peak month (seasonal): skipped
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["streams"] == "marketing"


async def test_bad_typed_answers_show_a_reason_and_stay() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # no default: an answer is needed
        await pilot.pause()
        assert "an answer is needed" in text_of(pilot, "#wizard-error")
        await type_answer(pilot, "0")
        assert "too small" in text_of(pilot, "#wizard-error")
        await pilot.press(*"abc-")  # refused by the field: not numbers
        assert pilot.app.screen.query_one(AnswerInput).value == "0"
        await pilot.press("backspace")
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("5")
        await type_answer(pilot, "")  # longest gap: optional, skipped
        await pilot.press("1", "1")
        await type_answer(pilot, "")  # share: optional, skipped
        await type_answer(pilot, "1.5")  # bounce: ambiguous
        assert "above 1" in text_of(pilot, "#wizard-error")
        assert wizard(pilot).state.current.key == "bounce_rate"  # type: ignore[union-attr]
        await pilot.press(*"%", "enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["bounce_rate"] == 0.015
        assert text_of(pilot, "#wizard-error") == ""


async def test_contradiction_is_shown_at_the_step_that_causes_it() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "2")
        await pilot.press("5")
        await pilot.pause()
        error = text_of(pilot, "#wizard-error")
        assert error.startswith("! sending 5 days a week means at least 5 sends a month")
        assert wizard(pilot).state.current.key == "sending_days_per_week"  # type: ignore[union-attr]
        await pilot.press("1")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "longest_gap_days"  # type: ignore[union-attr]


async def test_measured_defaults_are_offered_and_kept_by_enter() -> None:
    defaults = MeasuredDefaults(
        monthly_volume=4_500_000,
        sends_per_month=30,
        sending_days_per_week=7,
        pattern="steady",  # type: ignore[arg-type]
        bounce_rate=0.0095,
        complaint_rate=0.0006,
        basis={"monthly_volume": "sent 2026-10-22 to 2026-11-20"},
    )
    async with WizardHost(defaults=defaults).run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        field = pilot.app.screen.query_one(AnswerInput)
        assert field.placeholder == "4,500,000"
        assert "Measured from your data: 4,500,000 (sent 2026-10-22 to 2026-11-20)" in text_of(
            pilot, "#wizard-suggestion"
        )
        for _ in range(17):
            await pilot.press("enter")
            await pilot.pause()
        result = pilot.app.screen.recommendation  # type: ignore[attr-defined]
        assert result.inputs.monthly_volume == 4_500_000
        assert result.inputs.sending_days_per_week == 7
        assert result.inputs.bounce_rate == 0.0095
        assert result.inputs.unsubscribe_rate is None


async def test_escape_cancels() -> None:
    app = WizardHost()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await pilot.press("escape")
        await pilot.pause()
        assert app.dismissed is None
        assert not isinstance(app.screen, WizardScreen)


async def test_result_backspace_revises_and_escape_closes_with_the_result() -> None:
    app = WizardHost()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await walk_to_result(pilot)
        await pilot.press("backspace")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "watcher"  # type: ignore[union-attr]
        await pilot.press("3")  # nobody watches: SendGrid offers no managed IPs, so dedicated with a risk
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RecommendationScreen)
        assert "Nobody will watch" in text_of(pilot, "#rec-risks")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.dismissed, Recommendation)
        assert app.dismissed.inputs.watcher.value == "nobody"


async def test_export_writes_markdown_and_shows_the_path(tmp_path: Path) -> None:
    app = WizardHost(export_dir=tmp_path / "exports")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await walk_to_result(pilot)
        await pilot.press("e")
        await settle(pilot)
        path = tmp_path / "exports" / "ipdash-recommendation-20261122-093000.md"
        assert path.exists()
        assert text_of(pilot, "#rec-export") == f"✓ Exported to {path}"
        content = path.read_text(encoding="utf-8")
        assert content.startswith("# ipdash recommendation")
        assert "Generated 2026-11-22T09:30:00+00:00." in content
        assert "| Provider | sendgrid |" in content


async def test_export_failure_is_shown(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    app = WizardHost(export_dir=blocker)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await walk_to_result(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert text_of(pilot, "#rec-export").startswith("! Export failed:")


async def test_not_ready_shows_the_targets() -> None:
    async with WizardHost().run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("5")
        await type_answer(pilot, "")
        await pilot.press("1", "3")
        await type_answer(pilot, "3%")  # bounce exactly at the ceiling
        for _ in range(10):
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RecommendationScreen)
        assert screen.recommendation.verdict is Verdict.NOT_READY
        assert text_of(pilot, "#rec-verdict").startswith("✗ not-ready")
        assert "below 3%" in text_of(pilot, "#rec-targets")


async def test_over_the_dashboard_with_defaults_measured_from_sample_data(
    make_app: Callable[..., App[int]], tmp_path: Path
) -> None:
    """How the lead wires `w`: measured_defaults(full dataset) → push WizardScreen over the app."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dataset = app.full_dataset  # type: ignore[attr-defined]
        defaults = measured_defaults(dataset)
        assert defaults.monthly_volume is not None
        outcome: list[Recommendation | None] = []
        app.push_screen(
            WizardScreen(defaults=defaults, export_dir=tmp_path, clock=lambda: FROZEN), outcome.append
        )
        await pilot.pause()
        assert app.screen.query_one(AnswerInput).placeholder == f"{defaults.monthly_volume:,}"
        for _ in range(25):  # the steps asked depend on the measured pattern
            if isinstance(app.screen, RecommendationScreen):
                break
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, RecommendationScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert outcome and isinstance(outcome[0], Recommendation)
        assert outcome[0].inputs.monthly_volume == defaults.monthly_volume
        assert not isinstance(app.screen, WizardScreen | RecommendationScreen)


#: Answers that let enter walk to any step quickly (each step keeps its default).
QUICK = {"monthly_volume": 400_000, "sends_per_month": 20, "sending_days_per_week": 5, "pattern": "steady"}


async def enter_until(pilot: Pilot[None], key: str) -> None:
    for _ in range(25):
        current = wizard(pilot).state.current
        if current is not None and current.key == key:
            return
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError(f"never reached {key}")


async def test_provider_list_is_filtered_by_typing_not_numbered_past_nine() -> None:
    async with WizardHost(defaults=QUICK).run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await enter_until(pilot, "provider")
        options = pilot.app.screen.query_one(OptionList)
        assert options.option_count == 15
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert not any(label[:1].isdigit() for label in labels), "no numbers that stop at 9"
        assert "type to filter" in text_of(pilot, "#wizard-suggestion")
        await pilot.press("9")  # a digit is not a pick here
        await pilot.pause()
        assert wizard(pilot).state.current.key == "provider"  # type: ignore[union-attr]
        await pilot.press(*"spark")
        await pilot.pause()
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["provider"] == "sparkpost"
        await pilot.press("backspace")  # back to the provider step: the filter starts empty again
        await pilot.pause()
        assert wizard(pilot).state.current.key == "provider"  # type: ignore[union-attr]


async def test_provider_filter_matches_names_and_arrows_move() -> None:
    async with WizardHost(defaults=QUICK).run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await enter_until(pilot, "provider")
        await pilot.press(*"mail")
        await pilot.pause()
        options = pilot.app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["Mailgun", "Mandrill (Mailchimp Transactional)", "Mailtrap"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["provider"] == "mandrill"


async def test_no_hint_is_ever_an_empty_example() -> None:
    async with WizardHost(defaults=QUICK).run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for _ in range(25):
            if not isinstance(pilot.app.screen, WizardScreen):
                break
            for selector in ("#wizard-suggestion", "#wizard-help"):
                shown = text_of(pilot, selector)
                assert "e.g. ." not in shown and "e.g. )" not in shown, shown
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(pilot.app.screen, RecommendationScreen)


async def test_transactional_share_skip_says_and_gives_the_assumed_50_percent() -> None:
    async with WizardHost(defaults=QUICK).run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await enter_until(pilot, "streams")
        await pilot.press("1")  # both streams
        await pilot.pause()
        assert wizard(pilot).state.current.key == "transactional_share"  # type: ignore[union-attr]
        field = pilot.app.screen.query_one(AnswerInput)
        assert field.placeholder == "e.g. 30%", "an example, not a value that looks answered"
        assert "enter skips it: the advisor assumes 50%" in text_of(pilot, "#wizard-suggestion")
        await pilot.press("enter")
        await pilot.pause()
        assert wizard(pilot).state.answers["transactional_share"] is None
        for _ in range(25):
            if isinstance(pilot.app.screen, RecommendationScreen):
                break
            await pilot.press("enter")
            await pilot.pause()
        result = pilot.app.screen.recommendation  # type: ignore[attr-defined]
        assert "Transactional share not given: assumed 50% of the volume." in result.assumptions
        assert "assumed 50%" in text_of(pilot, "#rec-assumptions")
        pools = {pool.name: pool.monthly_volume for pool in result.pools}
        assert pools["transactional"] == pools["marketing"] == 200_000


async def test_escape_keeps_the_answers_and_the_next_wizard_offers_to_resume() -> None:
    drafts = WizardDrafts()
    app = WizardHost(drafts=drafts)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await type_answer(pilot, "400k")
        await type_answer(pilot, "20")
        await pilot.press("escape")
        await pilot.pause()
        assert app.dismissed is None and not isinstance(app.screen, WizardScreen)
        assert drafts.state is not None and drafts.state.answers["sends_per_month"] == 20
        app.open_wizard()
        await pilot.pause()
        assert text_of(pilot, "#wizard-prompt").startswith("Resume where you left off (step 3 of 17")
        await pilot.press("1")  # resume
        await pilot.pause()
        assert wizard(pilot).state.current.key == "sending_days_per_week"  # type: ignore[union-attr]
        assert wizard(pilot).state.answers["monthly_volume"] == 400_000
        assert drafts.state is None, "taken up: not offered twice"
        await pilot.press("escape")
        await pilot.pause()
        app.open_wizard()
        await pilot.pause()
        await pilot.press("down", "enter")  # start over
        await pilot.pause()
        assert wizard(pilot).state.position == 0 and not wizard(pilot).state.answers
        assert text_of(pilot, "#wizard-prompt") == "How many messages do you send a month?"


async def test_escape_before_any_answer_leaves_nothing_to_resume() -> None:
    drafts = WizardDrafts()
    app = WizardHost(drafts=drafts)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert drafts.state is None


async def test_export_path_is_shown_before_exporting(tmp_path: Path) -> None:
    async with WizardHost(defaults=QUICK, export_dir=tmp_path / "out").run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for _ in range(25):
            if isinstance(pilot.app.screen, RecommendationScreen):
                break
            await pilot.press("enter")
            await pilot.pause()
        assert text_of(pilot, "#rec-export") == f"e exports this as Markdown to {tmp_path / 'out'}"
        assert not (tmp_path / "out").exists(), "nothing written before e"


def test_default_export_dir_is_the_data_dir_not_the_working_directory(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from ipdash.sources.paths import user_data_dir
    from ipdash.ui.screens.recommendation import default_export_dir

    monkeypatch.chdir(tmp_path)
    assert default_export_dir() == user_data_dir() / "recommendations"
    assert tmp_path not in default_export_dir().parents


async def test_w_over_the_sample_data_uses_the_worst_ip_resumes_and_names_the_data_dir(
    make_app: Callable[..., App[int]],
) -> None:
    """The app's own `w`: measured defaults from the worst IP and mailbox provider (the sample
    data's bad-list IP), not the account-wide mean; resume after escape; export to the data dir."""
    from ipdash.sources.paths import user_data_dir

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, WizardScreen)
        await enter_until(pilot, "bounce_rate")
        shown = text_of(pilot, "#wizard-suggestion")
        assert "worst: 203.0.113.20 at outlook.com; account-wide 0.981%" in shown
        assert wizard(pilot).state.suggestion(wizard(pilot).state.current) > 0.03  # type: ignore[arg-type, operator]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("w")
        await settle(pilot)
        assert text_of(pilot, "#wizard-prompt").startswith("Resume where you left off")
        await pilot.press("1")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "bounce_rate"  # type: ignore[union-attr]
        for _ in range(25):
            if isinstance(app.screen, RecommendationScreen):
                break
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, RecommendationScreen)
        assert app.screen.recommendation.verdict is not Verdict.DEDICATED
        assert text_of(pilot, "#rec-risks") != "none found"
        expected = user_data_dir() / "recommendations"
        assert text_of(pilot, "#rec-export") == f"e exports this as Markdown to {expected}"


async def test_a_filter_that_matches_nothing_says_so_and_enter_picks_nothing() -> None:
    async with WizardHost(defaults=QUICK).run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await enter_until(pilot, "provider")
        await pilot.press(*"zzz", "enter")
        await pilot.pause()
        assert wizard(pilot).state.current.key == "provider"  # type: ignore[union-attr]
        assert "nothing matches 'zzz'" in text_of(pilot, "#wizard-error")
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert text_of(pilot, "#wizard-error") == ""
        assert pilot.app.screen.query_one(OptionList).option_count == 15
        await pilot.press("backspace")  # the filter is empty: back, like any typed step
        await pilot.pause()
        assert wizard(pilot).state.current.key == "time_critical"  # type: ignore[union-attr]
