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
    """Every screen's and panel's keys, by where they work (tests/ui/test_help_keys.py fails when
    a class in ipdash.ui has bindings that are not here)."""
    from ipdash.ui.screens.dashboard import DashboardScreen
    from ipdash.ui.screens.detail import IpDetailScreen
    from ipdash.ui.screens.feed_line import FeedLineScreen
    from ipdash.ui.screens.pool import PoolScreen
    from ipdash.ui.screens.recommendation import RecommendationScreen
    from ipdash.ui.screens.row_errors import RowErrorsScreen
    from ipdash.ui.screens.wizard import WizardScreen
    from ipdash.ui.widgets.alerts_panel import AlertsPanel
    from ipdash.ui.widgets.breach_feed import BreachFeed
    from ipdash.ui.widgets.domains_panel import DomainsPanel
    from ipdash.ui.widgets.ip_table import IpTable
    from ipdash.ui.widgets.sources_panel import SourcesPanel

    return [
        ("Everywhere", list(app_bindings)),
        ("Dashboard", list(DashboardScreen.BINDINGS)),
        ("IP table", list(IpTable.BINDINGS)),
        ("Breaches feed (1)", list(BreachFeed.BINDINGS)),
        ("Line whole (enter)", list(FeedLineScreen.BINDINGS)),
        ("Sources panel (3)", list(SourcesPanel.BINDINGS)),
        ("Domains panel (4)", list(DomainsPanel.BINDINGS)),
        ("Alerts panel (6)", list(AlertsPanel.BINDINGS)),
        ("IP detail (enter)", list(IpDetailScreen.BINDINGS)),
        ("Pool view (p)", list(PoolScreen.BINDINGS)),
        ("Row errors (e)", list(RowErrorsScreen.BINDINGS)),
        ("Wizard (w)", list(WizardScreen.BINDINGS)),
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
