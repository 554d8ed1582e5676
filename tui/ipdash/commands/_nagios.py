"""`--format nagios`: the monitoring-plugin interface (Nagios, Icinga, Checkmk, Sensu).

Built from the same JSON dicts `report` and `check` print, so every surface says the same thing.
Output: one status line ``IPDASH STATE - summary | perfdata``, then long-output lines (one per
finding); exit 0/1/2/3 = OK/WARNING/CRITICAL/UNKNOWN. Perfdata follows the plugin guidelines:
``'label'=value[UOM];warn;crit;min;max``; rates are ratios 0–1 like the JSON (no UOM).

States combine worst first as monitoring tools rank them: CRITICAL > UNKNOWN > WARNING > OK. An
unanswered check is UNKNOWN, never OK: a report with a stale source and no critical breach is
UNKNOWN, not a green check; so is one whose newest complete day is older than
``MAX_DATA_AGE_DAYS``: its verdicts are about then, not now, whatever the sources' last poll says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NoReturn

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
_RANK = {OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3}
#: Per-IP perfdata for at most this many IPs (worst first): monitoring cores cut long output.
MAX_IP_PERFDATA = 20
MAX_LONG_LINES = 50
RATE_METRICS = ("bounce_rate", "complaint_rate", "unsubscribe_rate")
#: Days the newest complete day may lag the report before the check is UNKNOWN. Providers report a
#: day after it ends and some later (Google Postmaster Tools 24–48 h, SNDS a day or two): 3 days is
#: the slowest of them with a day's margin; more means the sources stopped bringing new days.
MAX_DATA_AGE_DAYS = 3

#: metric -> (warn, critical) as ratios; None where the preset sets no level.
Levels = Mapping[str, tuple[float | None, float | None]]


def worst(*states: int) -> int:
    return max(states, key=_RANK.__getitem__, default=OK)


def _label(text: str) -> str:
    """A perfdata label: quoted, on one line, with ``'``, ``=`` and ``|`` (which the format
    cannot carry) replaced."""
    return "'" + " ".join(text.split()).replace("'", "_").replace("=", "_").replace("|", "/")[:100] + "'"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def perf(label: str, value: float | None, warn: float | None = None, crit: float | None = None,
         minimum: float | None = None, maximum: float | None = None, uom: str = "") -> str:  # fmt: skip
    """One perfdata item; a value that could not be measured is ``U`` (the guidelines' unknown)."""
    shown = "U" if value is None else f"{_number(value)}{uom}"
    tail = ";".join(_number(v) for v in (warn, crit, minimum, maximum)).rstrip(";")
    return f"{_label(label)}={shown}" + (f";{tail}" if tail else "")


@dataclass
class PluginOutput:
    state: int
    summary: str
    perfdata: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def render(self) -> str:
        first = f"IPDASH {STATE_NAMES[self.state]} - {_one_line(self.summary).replace('|', '/')}"
        if self.perfdata:
            first += " | " + " ".join(self.perfdata)
        lines = [first, *(_one_line(d).replace("|", "/") for d in self.details[:MAX_LONG_LINES])]
        if len(self.details) > MAX_LONG_LINES:
            lines.append(f"… and {len(self.details) - MAX_LONG_LINES} more")
        return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def emit(output: PluginOutput) -> NoReturn:
    """Print the plugin output and exit with its state (the plugin exit-code contract)."""
    from ipdash.commands._output import echo

    echo(output.render())
    raise SystemExit(output.state)


def report_levels(settings: Any) -> dict[str, tuple[float | None, float | None]]:
    """The IP-scope warn/critical levels the report judged by, for perfdata."""
    from ipdash.domain.thresholds import IP_SCOPE, resolve_levels
    from ipdash.sources.reference_data import threshold_presets

    _, levels = resolve_levels(threshold_presets(), settings, IP_SCOPE)
    return {metric: (level.warn, level.critical) for metric, level in levels.items()}


# report -----------------------------------------------------------------------------------------
def _ip_state(ip: Mapping[str, Any]) -> int:
    severities = {str(b.get("severity")) for b in ip.get("breaches", [])}
    if "critical" in severities:
        return CRITICAL
    return WARNING if "warn" in severities else OK


def report_output(
    report: Mapping[str, Any], levels: Levels | None = None, *, exit_code: int | None = None
) -> PluginOutput:
    """The plugin status of a `report --format json` dict (with the IP-scope levels, if known).

    ``exit_code`` is ipdash's own (0/1/2/3): an incomplete report (3) is at least UNKNOWN, so a
    blocklist check that could not be made never reads as OK."""
    ips: Sequence[Mapping[str, Any]] = report.get("ips", [])
    states = {str(ip["ip"]): _ip_state(ip) for ip in ips}
    critical = [ip for ip in ips if states[str(ip["ip"])] == CRITICAL]
    warned = [ip for ip in ips if states[str(ip["ip"])] == WARNING]
    unhealthy = [s for s in report.get("sources", []) if s.get("state") in ("stale", "failed")]
    parts: list[str] = []
    if critical:
        parts.append(f"{len(critical)} of {len(ips)} IPs critical ({_breach_list(critical)})")
    if warned:
        parts.append(f"{len(warned)} warning ({_breach_list(warned)})")
    if unhealthy:
        parts.append(
            f"{len(unhealthy)} source(s) not current: {', '.join(str(s['name']) for s in unhealthy)}"
        )
    account = [b for b in report.get("account_breaches", []) if b.get("severity") in ("warn", "critical")]
    if account:
        parts.append(f"{len(account)} account breach(es)")
    unchecked = exit_code == 3 and not unhealthy
    if unchecked:
        parts.append("some blocklist or rDNS checks could not be made")
    account_state = worst(*(CRITICAL if b["severity"] == "critical" else WARNING for b in account))
    state = worst(*states.values(), account_state, UNKNOWN if unhealthy or unchecked else OK)
    if not ips or report.get("window") is None:
        state = worst(state, UNKNOWN)
        parts.insert(0, "no sending data loaded")
    age = data_age_days(report)
    if age is not None and age > MAX_DATA_AGE_DAYS:
        state = worst(state, UNKNOWN)
        parts.append(f"newest complete day {report['window']['end']} is {age} days old")
    if not parts:
        window = report["window"]
        parts.append(
            f"{len(ips)} IPs within thresholds over {window['days']} days ({window['start']} .. {window['end']})"
        )
    perfdata = [
        perf("ips", len(ips), minimum=0),
        perf("ips_critical", len(critical), crit=0, minimum=0, maximum=len(ips)),
        perf("ips_warning", len(warned), warn=0, minimum=0, maximum=len(ips)),
        perf("sources_not_current", len(unhealthy), minimum=0),
    ]
    if age is not None:
        perfdata.append(perf("data_age_days", age, minimum=0))
    ranked = sorted(
        ips, key=lambda ip: (-_RANK[states[str(ip["ip"])]], ip.get("score") is None, ip.get("score") or 0)
    )
    for ip in ranked[:MAX_IP_PERFDATA]:
        perfdata += _ip_perfdata(ip, levels or {})
    details = [_breach_line(ip["ip"], b) for ip in ranked for b in ip.get("breaches", [])]
    details += [_breach_line("account", b) for b in account]
    details += [f"source {s['name']} {s['state']}: {s.get('detail') or ''}" for s in unhealthy]
    if len(ips) > MAX_IP_PERFDATA:
        details.append(f"per-IP perfdata for the {MAX_IP_PERFDATA} worst of {len(ips)} IPs")
    return PluginOutput(state, "; ".join(parts), perfdata, details)


def data_age_days(report: Mapping[str, Any]) -> int | None:
    """Days from the window's last day to the day the report was made (None: either unknown)."""
    window, generated_at = report.get("window"), report.get("generated_at")
    if not window or not generated_at:
        return None
    try:
        made = (
            generated_at if isinstance(generated_at, datetime) else datetime.fromisoformat(str(generated_at))
        )
        end = window["end"] if isinstance(window["end"], date) else date.fromisoformat(str(window["end"]))
    except (KeyError, TypeError, ValueError):
        return None
    return (made.date() - end).days


def _breach_list(ips: Sequence[Mapping[str, Any]], shown: int = 3) -> str:
    names = []
    for ip in ips[:shown]:
        metrics = sorted({str(b.get("metric") or b.get("kind")) for b in ip.get("breaches", [])})
        names.append(f"{ip['ip']} {', '.join(m.replace('_', ' ') for m in metrics)}")
    more = f", +{len(ips) - shown} more" if len(ips) > shown else ""
    return "; ".join(names) + more


def _breach_line(ip: str, breach: Mapping[str, Any]) -> str:
    value, threshold = breach.get("value"), breach.get("threshold")
    what = breach.get("metric") or breach.get("kind") or "breach"
    head = f"{str(breach.get('severity', '')).upper()} {ip} {what}"
    if isinstance(value, int | float) and isinstance(threshold, int | float):
        scope = f" ({breach['scope']})" if breach.get("scope") else ""
        preset = f" [{breach['preset']}]" if breach.get("preset") else ""
        # A breach is past its level in the metric's bad direction: a pass rate under its floor, a
        # rate at or over its ceiling.
        compared = "<" if value < threshold else ">="
        return f"{head}{scope} {value:.4%} {compared} {threshold:.4%}{preset}"
    return f"{head}: {breach.get('reason') or breach.get('what') or ''}"


def _ip_perfdata(ip: Mapping[str, Any], levels: Levels) -> list[str]:
    name = str(ip["ip"])
    items = [perf(f"{name} sent", ip.get("sent"), minimum=0)]
    for metric in RATE_METRICS:
        warn, crit = levels.get(metric, (None, None))
        items.append(perf(f"{name} {metric}", ip.get(metric), warn, crit, 0, 1))
    items.append(perf(f"{name} score", ip.get("score"), minimum=0, maximum=100))
    return items


# check ------------------------------------------------------------------------------------------
def check_output(report: Mapping[str, Any], outcome: str) -> PluginOutput:
    """The plugin status of a `check --format json` dict and its run outcome (clean/finding/incomplete).

    A listing on a reputation list, or failing rDNS, is CRITICAL; a listing only on policy or
    collateral lists (PBL-style, network-wide) is WARNING; anything unanswered is UNKNOWN."""
    results: Sequence[Mapping[str, Any]] = report.get("results", [])
    listed = [
        (r["target"], z) for r in results for z in r.get("blocklists", []) if z.get("status") == "listed"
    ]
    reputation = [(t, z) for t, z in listed if z.get("severity") in (None, "listing")]
    rdns_failed = [r for r in results if (r.get("rdns") or {}).get("fcrdns") in ("fail", "permerror")]
    if reputation or rdns_failed:
        state = CRITICAL
    elif outcome == "incomplete":
        state = UNKNOWN
    elif listed or outcome == "finding":
        state = WARNING
    else:
        state = OK
    summary = report.get("summary", {})
    parts = []
    if listed:
        shown = ", ".join(f"{t} on {z.get('name') or z.get('zone')}" for t, z in listed[:3])
        parts.append(
            f"{len(listed)} listing(s): {shown}" + (f", +{len(listed) - 3} more" if len(listed) > 3 else "")
        )
    if rdns_failed:
        parts.append(f"rDNS failing for {', '.join(str(r['target']) for r in rdns_failed[:3])}")
    unanswered = int(summary.get("error", 0)) + int(summary.get("unknown", 0))
    if unanswered or report.get("deadline_reached"):
        parts.append(
            f"{unanswered} list answer(s) missing"
            + (" (deadline reached)" if report.get("deadline_reached") else "")
        )
    unasked = [r for r in results if (r.get("verdict") or {}).get("status") == "nothing checked"]
    if unasked:
        names = ", ".join(str(r["target"]) for r in unasked[:3])
        more = f", +{len(unasked) - 3} more" if len(unasked) > 3 else ""
        parts.append(f"{len(unasked)} target(s) not checked, no list applies: {names}{more}")
    if not parts or (unasked and len(parts) == 1 and len(unasked) < len(results)):
        checked = len(results) - len(unasked)
        parts.append(f"{checked} target(s) clean on {summary.get('clean', 0)} list answers")
    asked = sum(int(summary.get(k, 0)) for k in ("listed", "clean", "error", "unknown"))
    perfdata = [
        perf("listed", summary.get("listed", 0), crit=0, minimum=0, maximum=asked),
        perf("clean", summary.get("clean", 0), minimum=0, maximum=asked),
        perf("error", summary.get("error", 0), minimum=0, maximum=asked),
        perf("unknown", summary.get("unknown", 0), minimum=0, maximum=asked),
        perf("rdns_failing", len(rdns_failed), crit=0, minimum=0, maximum=len(results)),
    ]
    details = [f"{t} listed on {z.get('name')} ({z.get('zone')}): {z.get('reason', '')}" for t, z in listed]
    details += [
        f"{r['target']} rDNS {r['rdns']['fcrdns']}: {r['rdns'].get('reason', '')}" for r in rdns_failed
    ]
    details += [
        f"{r['target']} {z.get('zone')} {z.get('status')}: {z.get('reason', '')}"
        for r in results
        for z in r.get("blocklists", [])
        if z.get("status") in ("error", "unknown")
    ]
    details += [f"{r['target']} not checked: {_first_reason(r)}" for r in unasked]
    return PluginOutput(state, "; ".join(parts), perfdata, details)


def _first_reason(result: Mapping[str, Any]) -> str:
    """Why a target had no list asked: its first list's reason ("not applicable: 10.0.0.1 is a private
    address …"), else its verdict's."""
    rows = result.get("blocklists") or []
    return str(rows[0].get("reason", "") if rows else (result.get("verdict") or {}).get("reason", ""))
