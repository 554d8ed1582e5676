"""The advisor: answers in, a reasoned recommendation out.

How the rules combine (each rule's figure and source are data, its ``effect`` says which step
it feeds):

1. ``mandate`` applies (the platform requires it) → dedicated.
2. Floors (``eligibility``) only rule dedicated out: one fails → shared, unless the
   ``exception`` applies (recipients allowlist the IP) → dedicated, saying so.
3. Floors met, a dedicated verdict still needs positive ``evidence``: volume at the tipping
   point *and* regular cadence (days a week, no week-long gaps) and a steady pattern → dedicated
   (managed where offered when nobody watches). Volume there but irregular → managed where the
   provider offers it; else, with a regular cadence but a seasonal or spiky pattern, dedicated
   with a peak plan; else shared, with the reasons. No volume evidence → shared (or the exception).
4. Any dedicated or managed plan with a failing ``readiness`` rule is not-ready, with targets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ipdash.domain.advisor import text
from ipdash.domain.advisor.changes import what_would_change
from ipdash.domain.advisor.costs import monthly_costs
from ipdash.domain.advisor.evaluate import Resolved, evaluate_rules, resolve
from ipdash.domain.advisor.inputs import AdvisorInputs
from ipdash.domain.advisor.result import Recommendation, RuleOutcome, RuleStatus, Target, Verdict
from ipdash.domain.advisor.risks import collect_risks
from ipdash.domain.advisor.rulebook import PriceTable, RuleBook, bundled_prices, bundled_rule_book
from ipdash.domain.advisor.sizing import shared_pools, size_pools
from ipdash.domain.advisor.warmup_preview import managed_warmup, no_warmup, preview_warmup


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
    today: date | None = None,
) -> Recommendation:
    """The recommendation for one sender. ``today`` dates the prices (stale after
    ``price_max_age_months``; default: the system date). Raises InputProblem for an unknown provider."""
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
            warmup = managed_warmup(resolved, book)
        else:
            warmup = preview_warmup(resolved, book, sizing.pools)
        costs = monthly_costs(
            prices,
            ips=sizing.ip_count,
            kind=decision.plan,
            provider=resolved.provider,
            budget_usd=inputs.budget_usd,
            monthly_volume=inputs.monthly_volume,
            today=today or date.today(),
            max_age_months=book.sizing.price_max_age_months.value,
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
        lambda changed: advise(changed, book=book, prices=prices, explain_changes=False, today=today).verdict,
    )
    return replace(recommendation, would_change=tuple(changes))


_VOLUME_KINDS = {"min_monthly_volume", "min_weekly_volume", "min_daily_volume"}


def decide(outcomes: list[RuleOutcome], resolved: Resolved, book: RuleBook) -> Decision:
    by_effect: dict[str, list[RuleOutcome]] = {}
    for outcome in outcomes:
        by_effect.setdefault(outcome.effect, []).append(outcome)
    failing = {
        effect: [o for o in items if o.status is RuleStatus.FAIL] for effect, items in by_effect.items()
    }
    mandate = by_effect.get("mandate", [])
    exception = by_effect.get("exception", [])
    evidence = by_effect.get("evidence", [])
    volume = [o for o in evidence if book.rule(o.rule).kind in _VOLUME_KINDS]
    cadence = [o for o in evidence if o not in volume]
    volume_ok = bool(volume) and all(o.status is RuleStatus.PASS for o in volume)
    cadence_ok = all(o.status is RuleStatus.PASS for o in cadence)
    irregular = bool(failing.get("regularity"))
    managed_offered = _managed_offered(resolved, book)
    managed_name = _managed_name(resolved, book)
    shown = "; ".join(o.detail for o in volume + cadence if o.status is RuleStatus.PASS)
    cited = ", ".join(sorted({o.source_short for o in volume + cadence}))
    if mandate:
        plan, path = "dedicated", "mandate"
        reason = f"Go dedicated: {mandate[0].title} ({mandate[0].detail})."
    elif failing.get("eligibility"):
        misses = "; ".join(f"{o.detail} ({o.title})" for o in failing["eligibility"])
        if exception:
            plan, path = "dedicated", "exception"
            reason = (
                f"Go dedicated on the allowlisting exception: below the floors ({misses}), but your "
                "recipients' servers allowlist your IP — the case where a dedicated IP makes sense at low volume."
            )
        else:
            plan, path = "shared", "below-floors"
            reason = f"Stay on shared IPs: {misses}."
    elif volume_ok and cadence_ok and not irregular:
        plan, path = "dedicated", "evidence"
        reason = f"Go dedicated: regular volume at the tipping point ({shown}; {cited})."
        if failing.get("oversight") and managed_offered:
            plan, path = "managed", "unwatched"
            reason = (
                f"Managed dedicated IPs ({managed_name}): regular volume at the tipping point ({shown}), but "
                "nobody will watch the IPs; a managed pool warms up and scales without a person."
            )
    elif volume_ok:
        why = "; ".join(
            o.detail
            for o in failing.get("regularity", []) + [c for c in cadence if c.status is RuleStatus.FAIL]
        )
        if managed_offered:
            plan, path = "managed", "irregular"
            reason = (
                f"Managed dedicated IPs ({managed_name}): the volume is at the tipping point but {why}; "
                "a managed pool warms up per mailbox provider and scales with the volume (Amazon SES's "
                "advice for irregular senders)."
            )
        elif cadence_ok:
            plan, path = "dedicated", "peak"
            reason = (
                f"Go dedicated with a peak plan: regular base volume at the tipping point ({shown}), but "
                f"{why}: warm the IPs up to the peak ({text.count(resolved.peak_monthly_volume)} a month) "
                "and keep a steady base between peaks (Braze)."
            )
        else:
            plan, path = "shared", "irregular"
            reason = (
                f"Stay on shared IPs: the volume is there but {why} — a dedicated IP cools between sends "
                "and starts each one with less reputation (Braze; re-warm after 30 idle days). Managed "
                "dedicated IPs, the answer for irregular senders, are not offered by this provider."
            )
    elif exception:
        plan, path = "dedicated", "exception"
        reason = (
            "Go dedicated on the allowlisting exception: the volume is below the tipping point, but your "
            "recipients' servers allowlist your IP."
        )
    else:
        plan, path = "shared", "no-evidence"
        misses = "; ".join(f"{o.detail} ({o.title})" for o in evidence if o.status is RuleStatus.FAIL)
        reason = (
            f"Stay on shared IPs: the floors are met, but nothing shows a dedicated IP would pay: {misses}. "
            "Floors only rule dedicated IPs out; a dedicated IP needs regular volume at the tipping point."
        )
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
        metric: str
        if rule.kind == "max_rate" and rule.metric is not None:
            metric, goal = rule.metric, f"below {text.percent(figure)}"
        elif rule.kind == "max_engagement_months":
            metric, goal = "engagement_window_months", f"engaged within {figure:g} months"
        else:
            metric, goal = "opt_in", "double opt-in"
        targets.append(Target(metric, outcome.value, goal, outcome.rule, outcome.source))
    return targets
