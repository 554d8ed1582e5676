"""What could go wrong with the recommended plan, in words a sender can act on."""

from __future__ import annotations

from ipdash.domain.advisor import text
from ipdash.domain.advisor.evaluate import Resolved
from ipdash.domain.advisor.inputs import Streams
from ipdash.domain.advisor.result import CostRow, RuleOutcome, RuleStatus


def collect_risks(
    plan: str,
    path: str,
    outcomes: list[RuleOutcome],
    resolved: Resolved,
    costs: list[CostRow],
) -> list[str]:
    risks: list[str] = []
    own_ips = plan in {"dedicated", "managed"}
    unknown_quality = [o for o in outcomes if o.effect == "readiness" and o.status is RuleStatus.UNKNOWN]
    if unknown_quality and own_ips:
        wanted = ", ".join(o.detail.replace(" not given", "") for o in unknown_quality)
        sources = ", ".join(sorted({o.source_short for o in unknown_quality}))
        risks.append(f"List quality not given: {wanted}; check it before moving ({sources}).")
    for outcome in outcomes:
        failed = outcome.status is RuleStatus.FAIL
        if outcome.effect == "readiness" and failed and not own_ips:
            risks.append(
                f"List quality hurts on shared IPs too ({outcome.detail}): providers suspend shared "
                "senders over their limits, and neighbours' reputation cannot carry yours."
            )
        elif failed and (outcome.effect == "risk" or (outcome.effect == "support" and own_ips)):
            risks.append(f"{outcome.title}: not met ({outcome.detail}; {outcome.source_short}).")
        elif outcome.effect == "oversight" and failed and plan == "dedicated":
            risks.append(
                "Nobody will watch the IPs: a dedicated IP's warm-up, throttling and blocklistings need a "
                "person, or managed dedicated IPs where the provider offers them."
            )
    if resolved.inputs.time_critical and plan == "shared":
        risks.append(
            "Time-critical mail on shared IPs: a neighbour's blocklisting or a bulk queue can delay it; "
            "ask the provider for a separate transactional pool, subaccount or message stream."
        )
    if resolved.inputs.time_critical and own_ips and resolved.streams is Streams.MARKETING:
        risks.append(
            "Time-critical mail was marked, but only a marketing stream: keep time-critical mail out of it."
        )
    gap = resolved.longest_gap_days
    if own_ips and path in {"mandate", "exception"}:
        cooling = [
            o for o in outcomes if o.effect in {"evidence", "eligibility"} and o.status is RuleStatus.FAIL
        ]
        cooling = [o for o in cooling if o.rule in {"idle-floor", "max-gap", "regular-days", "cadence-floor"}]
        if cooling:
            risks.append(
                f"Irregular cadence on a dedicated IP ({'; '.join(o.detail for o in cooling)}): it cools "
                f"between sends ({text.plural(gap, 'day')} apart) and each send meets throttling; spread the "
                "volume over at least 3 days a week (Braze, Dynamics 365)."
            )
    if path == "peak":
        risks.append(
            f"{resolved.inputs.pattern.value.capitalize()} volume: warm the IPs up to the peak "
            f"({text.count(resolved.peak_monthly_volume)} a month) before it comes, keep at least the base "
            f"({text.count(resolved.monthly_volume)} a month) flowing between peaks, and never jump to the "
            "peak from a cold start (Braze)."
        )
    if path == "exception":
        risks.append(
            "Below the volume floors a dedicated IP builds little reputation at consumer mailbox providers "
            "(Gmail, Outlook, Yahoo): it suits mail to the allowlisting servers; send the rest from shared IPs."
        )
    risks.extend(_budget_risks(resolved, costs))
    return risks


def _budget_risks(resolved: Resolved, costs: list[CostRow]) -> list[str]:
    budget = resolved.inputs.budget_usd
    if budget is None or not costs:
        return []
    priced = [row for row in costs if row.usd is not None]
    current = next((row for row in priced if row.current), None)
    if current is not None and current.usd is not None and current.usd > budget:
        at_least = "at least " if current.lower_bound else ""
        return [
            f"At {current.name} the plan costs {at_least}{text.usd(current.usd)} a month, over the "
            f"{text.usd(budget)} budget."
        ]
    if current is not None and current.lower_bound:
        return [
            f"At {current.name} the plan costs at least {text.usd(current.usd)} a month: whether it "
            f"fits the {text.usd(budget)} budget is not known (a part of the bill is not in "
            "ipdash's price table; see the cost note)."
        ]
    if priced and all(row.usd is not None and row.usd > budget for row in priced):
        cheapest = min(priced, key=lambda row: row.usd or 0.0)
        return [
            f"No listed price fits the {text.usd(budget)} budget (cheapest: {text.usd(cheapest.usd)} "
            f"at {cheapest.name})."
        ]
    return []
