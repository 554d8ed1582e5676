"""The IP detail shows the MTA log's bounce and deferral reasons; the Sources tab lists the log."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from ipdash.ui.app import IpdashApp
from ipdash.ui.screens.detail import IpDetailScreen
from settling import settle


def text_of(pilot: Pilot[int], selector: str) -> str:
    content = pilot.app.screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=220, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def test_detail_shows_the_top_reasons_per_mailbox_provider(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(180, 60)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"203.0.113.20", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, IpDetailScreen) and pilot.app.screen.ip == "203.0.113.20"
        text = text_of(pilot, "#detail-reasons")
        assert "Bounce and deferral reasons (MTA log" in text
        assert "✗ ip-reputation" in text and "S3150" in text  # blocking: marked by a symbol, not colour alone
        assert "· invalid-recipient" in text and "outlook.com" in text and "gmail.com" in text
        breaches = text_of(pilot, "#detail-breaches")
        assert "new block reason" in breaches


async def test_an_ip_without_an_mta_log_says_so(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(180, 60)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"203.0.113.30", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "no MTA log for this IP" in text_of(pilot, "#detail-reasons")
