"""Pilot tests of the "Account & domains" tab on the sample data: Gmail spam rate per domain, SES's
rolling reputation, SendGrid's account totals with blocks and their mailbox-provider split, Postmaster
compliance; words and symbols."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from textual.widgets import TabbedContent

from ipdash.ui.app import IpdashApp
from ipdash.ui.widgets.accounts_panel import AccountsPanel
from settling import settle


def plain(panel: AccountsPanel) -> str:
    console = Console(width=220, record=True, file=io.StringIO())
    console.print(panel.shown)
    return console.export_text()


async def test_key_5_opens_the_account_and_domains_view(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        assert app.dashboard.query_one(TabbedContent).active == "tab-accounts"
        panel = app.dashboard.query_one(AccountsPanel)
        labels = [s.label for s in panel.signals]
        assert labels == [
            "gmail:acme-shop.example",
            "gmail:news.acme-shop.example",
            "gmail:promo.acme-shop.example",
            "sendgrid:account",
            "sendgrid:account @ gmail.com",
            "sendgrid:account @ outlook.com",
            "sendgrid:account @ yahoo.com",
            "sendgrid:account @ other",
            "ses:account",
        ]
        text = plain(panel)
        assert "▲ 0.18% warn (≥ 0.10% gmail-yahoo)" in text  # news: over Gmail's 0.1%
        assert "rolling (representative volume)" in text  # SES's rates are not daily
        assert "Gmail compliance needs work: DMARC_POLICY, DMARC_ALIGNMENT" in text
        assert "low_ip_reputation 2.10%" in text
        gmail_split = next(s for s in panel.signals if s.scope == "account @ gmail.com")
        assert {r.metric: r.status.value for r in gmail_split.rates}["complaint_rate"] == "no-data"


async def test_the_feed_carries_the_account_breaches(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        feed = pilot.app.dashboard.data.analysis.feed
        accounts = {(item.ip, item.metric, item.severity) for item in feed if item.kind == "account"}
        assert accounts == {
            ("gmail:news.acme-shop.example", "complaint_rate", "warn"),
            ("gmail:promo.acme-shop.example", "compliance", "warn"),
        }


async def test_an_empty_view_says_where_signals_come_from() -> None:
    class One(IpdashApp.__mro__[1]):  # type: ignore[misc,name-defined]
        def compose(self):  # type: ignore[no-untyped-def]
            yield AccountsPanel()

    async with One().run_test() as pilot:
        panel = pilot.app.query_one(AccountsPanel)
        panel.show([])
        await pilot.pause()
        assert "Postmaster Tools v2" in plain(panel)
