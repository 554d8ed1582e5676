"""The advisor: answers in, a reasoned recommendation out.

How the rules combine (each rule's figure and source are data, its ``effect`` says which step
it feeds):

1. ``mandate`` applies → dedicated. Else all ``eligibility`` rules pass → dedicated. Else an
   ``exception`` applies (recipients allowlist the IP) → dedicated. Else shared.
2. Dedicated on eligibility alone becomes managed-dedicated when a ``regularity`` rule fails
   (irregular volume) or an ``oversight`` rule fails (nobody watches), where managed dedicated
   IPs are offered; for irregular volume without that offer it becomes shared.
3. Any dedicated or managed plan with a failing ``readiness`` rule is not-ready, with targets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ipdash.domain.advisor import text
from ipdash.domain.advisor.changes import what_would_change
from ipdash.domain.advisor.costs import monthly_costs
from ipdash.domain.advisor.evaluate import Resolved, evaluate_rules, resolve
from ipdash.domain.advisor.inputs import AdvisorInputs
from ipdash.domain.advisor.result import Recommendation, RuleOutcome, RuleStatus, Target, Verdict
from ipdash.domain.advisor.risks import collect_risks
from ipdash.domain.advisor.rulebook import PriceTable, RuleBook, bundled_prices, bundled_rule_book
from ipdash.domain.advisor.sizing import shared_pools, size_pools
from ipdash.domain.advisor.warmup_preview import no_warmup, preview_warmup


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    plan: str  # "dedicated", "managed" or "shared": the IP plan shown (once ready, for not-ready)
    path: str  # mandate / floors / exception / irregular / unwatched / below-floors
    reason: str


def advise(
    inputs: AdvisorInputs,
    *,
    book: RuleBook | None = None,
    prices: PriceTable | None = None,
    explain_changes: bool = True,
) -> Recommendation:
    """The recommendation for one sender. Raises InputProblem for an unknown provider."""
    book = book or bundled_rule_book()
    prices = prices or bundled_prices()
    resolved = resolve(inputs, book)
    outcomes = evaluate_rules(resolved, book)
    decision = decide(outcomes, resolved, book)
    if decision.plan == "shared":
        sizing = shared_pools(resolved)
        warmup = no_warmup("Shared IPs are warm already: no warm-up.")
        costs = []
    else:
        sizing = size_pools(resolved, book, decision.plan)
        if decision.plan == "managed":
            warmup = no_warmup(
                "Managed dedicated IPs warm up adaptively per mailbox provider, driven by the provider "
                "(SES managed dedicated); there is no schedule to follow."
            )
        else:
            warmup = preview_warmup(resolved, book, sizing.pools)
        costs = monthly_costs(
            prices,
            ips=sizing.ip_count,
            kind=decision.plan,
            provider=resolved.provider,
            budget_usd=inputs.budget_usd,
        )
    recommendation = Recommendation(
        inputs=inputs,
        verdict=decision.verdict,
        verdict_reason=_with_plan(decision, sizing.ip_count, len(sizing.pools)),
        ip_count=sizing.ip_count,
        pools=tuple(sizing.pools),
        warmup=warmup,
        monthly_cost=tuple(costs),
        reasons=tuple(_shown(outcomes) + sizing.reasons),
        risks=tuple(collect_risks(decision.plan, decision.path, outcomes, resolved, costs) + sizing.risks),
        targets=tuple(_targets(outcomes, book)) if decision.verdict is Verdict.NOT_READY else (),
        assumptions=resolved.assumptions,
    )
    if not explain_changes:
        return recommendation
    changes = what_would_change(
        recommendation,
        outcomes,
        resolved,
        book,
        lambda changed: advise(changed, book=book, prices=prices, explain_changes=False).verdict,
    )
    return replace(recommendation, would_change=tuple(changes))


def decide(outcomes: list[RuleOutcome], resolved: Resolved, book: RuleBook) -> Decision:
    by_effect: dict[str, list[RuleOutcome]] = {}
    for outcome in outcomes:
        by_effect.setdefault(outcome.effect, []).append(outcome)
    failing = {
        effect: [o for o in items if o.status is RuleStatus.FAIL] for effect, items in by_effect.items()
    }
    mandate = by_effect.get("mandate", [])
    exception = by_effect.get("exception", [])
    managed_offered = _managed_offered(resolved, book)
    managed_name = _managed_name(resolved, book)
    if mandate:
        plan, path = "dedicated", "mandate"
        reason = f"Go dedicated: {mandate[0].title.lower()} ({mandate[0].detail})."
    elif not failing.get("eligibility"):
        plan, path = "dedicated", "floors"
        reason = (
            f"Go dedicated: {text.count(resolved.monthly_volume)} a month with "
            f"{text.plural(resolved.sends_per_month, 'send')} a month meets every volume and cadence floor."
        )
        if failing.get("regularity"):
            detail = failing["regularity"][0].detail
            if managed_offered:
                plan, path = "managed", "irregular"
                reason = (
                    f"Managed dedicated IPs ({managed_name}): the volume justifies dedicated IPs but {detail}; "
                    "a managed pool warms up per mailbox provider and scales by itself."
                )
            else:
                plan, path = "shared", "irregular"
                reason = (
                    f"Stay on shared IPs: the volume meets the floors but {detail}, and dedicated IPs need "
                    "regular, predictable volume; managed dedicated IPs (for irregular senders) are not "
                    "offered by this provider."
                )
        elif failing.get("oversight") and managed_offered:
            plan, path = "managed", "unwatched"
            reason = (
                f"Managed dedicated IPs ({managed_name}): the volume justifies dedicated IPs but nobody will "
                "watch them; a managed pool warms up and scales without a person."
            )
    elif exception:
        plan, path = "dedicated", "exception"
        reason = (
            "Go dedicated: below the volume floors, but your recipients' servers allowlist your IP — "
            "the exception where a dedicated IP makes sense at low volume."
        )
    else:
        plan, path = "shared", "below-floors"
        misses = "; ".join(f"{o.detail} ({o.title})" for o in failing["eligibility"])
        reason = f"Stay on shared IPs: {misses}."
    verdict = {"dedicated": Verdict.DEDICATED, "managed": Verdict.MANAGED, "shared": Verdict.SHARED}[plan]
    not_ready = failing.get("readiness", [])
    if plan != "shared" and not_ready:
        fixes = "; ".join(o.detail for o in not_ready)
        kind = "managed dedicated IPs" if plan == "managed" else "dedicated IPs"
        reason = f"Not ready for {kind}: fix list quality first ({fixes}). Once fixed: {reason}"
        verdict = Verdict.NOT_READY
    return Decision(verdict, plan, path, reason)


def _shown(outcomes: list[RuleOutcome]) -> list[RuleOutcome]:
    """Reasons worth showing: risk rules whose answer was not given did not fire."""
    return [o for o in outcomes if not (o.effect == "risk" and o.status is RuleStatus.UNKNOWN)]


def _managed_offered(resolved: Resolved, book: RuleBook) -> bool:
    if resolved.provider is None:
        return bool(book.managed_providers())
    return book.providers[resolved.provider].managed_dedicated


def _managed_name(resolved: Resolved, book: RuleBook) -> str:
    if resolved.provider is not None and book.providers[resolved.provider].managed_dedicated:
        return book.providers[resolved.provider].name
    return ", ".join(book.providers[p].name for p in book.managed_providers()) or "not offered"


def _with_plan(decision: Decision, ip_count: int, pools: int) -> str:
    if decision.plan == "shared" or ip_count == 0:
        return decision.reason
    plan = f"{text.plural(ip_count, 'IP')} in {text.plural(pools, 'pool')}"
    if decision.plan == "managed":
        plan = f"about {plan} (the provider scales the pool)"
    if decision.verdict is Verdict.NOT_READY:
        return f"{decision.reason} Planned: {plan}."
    return f"{decision.reason} Plan: {plan}."


def _targets(outcomes: list[RuleOutcome], book: RuleBook) -> list[Target]:
    targets = []
    for outcome in outcomes:
        if outcome.effect != "readiness" or outcome.status is not RuleStatus.FAIL:
            continue
        rule = book.rule(outcome.rule)
        figure = rule.figure or 0
        if rule.kind == "max_rate" and rule.metric is not None:
            metric, goal = rule.metric, f"below {text.percent(figure)}"
        elif rule.kind == "max_engagement_months":
            metric, goal = "engagement_window_months", f"engaged within {figure:g} months"
        else:
            metric, goal = "opt_in", "double opt-in"
        targets.append(Target(metric, outcome.value, goal, outcome.rule, outcome.source))
    return targets
