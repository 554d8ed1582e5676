"""The shared-vs-dedicated advisor (pure): answers in, a reasoned recommendation out.

Rules, figures, providers and prices are data (``ipdash/data/advisor_rules.json``,
``ip_prices.json``); a user's ``[advisor]`` config section overrides them.
"""

from ipdash.domain.advisor.engine import advise, decide
from ipdash.domain.advisor.inputs import (
    AdvisorInputs,
    InputProblem,
    InvalidInputs,
    OptIn,
    Pattern,
    Streams,
    Watcher,
    parse_count,
    parse_money,
    parse_rate,
    validate_inputs,
)
from ipdash.domain.advisor.markdown import recommendation_markdown
from ipdash.domain.advisor.measured import MeasuredDefaults, measured_defaults
from ipdash.domain.advisor.result import (
    CostRow,
    Pool,
    Recommendation,
    RuleOutcome,
    RuleStatus,
    Target,
    Verdict,
    WarmupPreview,
    recommendation_json,
)
from ipdash.domain.advisor.rulebook import PriceTable, RuleBook, bundled_prices, bundled_rule_book
from ipdash.domain.advisor.settings import (
    AdvisorSettings,
    InvalidSettings,
    advisor_data,
    apply_settings,
    parse_advisor_settings,
)

__all__ = [
    "AdvisorInputs",
    "AdvisorSettings",
    "CostRow",
    "InputProblem",
    "InvalidInputs",
    "InvalidSettings",
    "MeasuredDefaults",
    "OptIn",
    "Pattern",
    "Pool",
    "PriceTable",
    "Recommendation",
    "RuleBook",
    "RuleOutcome",
    "RuleStatus",
    "Streams",
    "Target",
    "Verdict",
    "WarmupPreview",
    "Watcher",
    "advise",
    "advisor_data",
    "apply_settings",
    "bundled_prices",
    "bundled_rule_book",
    "decide",
    "measured_defaults",
    "parse_advisor_settings",
    "parse_count",
    "parse_money",
    "parse_rate",
    "recommendation_json",
    "recommendation_markdown",
    "validate_inputs",
]
