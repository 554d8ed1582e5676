"""What the help screen and the command palette list: every key and every action, from the bindings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import BindingType

if TYPE_CHECKING:
    from ipdash.ui.app import IpdashApp

SORTS = (
    ("score", "score"),
    ("bounce", "bounce rate"),
    ("complaint", "complaint rate"),
    ("sent", "volume"),
    ("ip", "IP"),
)


def help_sections(app_bindings: Iterable[BindingType]) -> list[tuple[str, list[BindingType]]]:
    from ipdash.ui.screens.dashboard import DashboardScreen
    from ipdash.ui.screens.detail import IpDetailScreen
    from ipdash.ui.screens.recommendation import RecommendationScreen
    from ipdash.ui.screens.wizard import WizardScreen
    from ipdash.ui.widgets.ip_table import IpTable

    return [
        ("Everywhere", list(app_bindings)),
        ("Dashboard", list(DashboardScreen.BINDINGS)),
        ("IP table", list(IpTable.BINDINGS)),
        ("IP detail", list(IpDetailScreen.BINDINGS)),
        ("Wizard", list(WizardScreen.BINDINGS)),
        ("Recommendation", list(RecommendationScreen.BINDINGS)),
    ]


def palette_commands(app: IpdashApp) -> Iterator[SystemCommand]:
    from ipdash.ui.export import export_commands
    from ipdash.ui.time_range import range_commands

    dashboard = app.dashboard
    yield SystemCommand("Refresh now", "Re-read every source (r)", app.action_refresh)
    yield SystemCommand("Check blocklists and rDNS", "Check every IP now (b)", app.action_blocklists)
    yield SystemCommand("Next theme", "Cycle ipdash's themes (t)", app.action_next_theme)
    yield SystemCommand("Help: keys", "Every key (?)", app.action_help)
    yield SystemCommand(
        "Wizard: shared or dedicated?", "Recommend shared or dedicated IPs (w)", app.action_wizard
    )
    yield SystemCommand("Filter IPs", "Filter the IP table (/)", dashboard.action_filter)
    yield SystemCommand("IP detail", "Open the selected IP (enter)", dashboard.action_detail)
    for key, label in SORTS:
        yield SystemCommand(
            f"Sort by {label}",
            f"Sort the IP table by {label}, worst first" if key != "ip" else "Sort the IP table by address",
            lambda key=key: dashboard.table.sort_by(key, reverse=key not in ("ip", "score")),
        )
    yield from range_commands(app)
    yield from export_commands(app)
    yield SystemCommand(
        "Alerts",
        "The alerts panel: acknowledge with a (6)",
        lambda: dashboard.action_show_panel("tab-alerts"),
    )
    yield SystemCommand("Pool view", "The selected IP's pool, side by side (p)", dashboard.action_pool)
