"""`?` lists every key of every screen and panel: a class in ipdash.ui with bindings that the help
screen does not list fails here."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable, Iterator

from rich.console import Console
from textual.binding import Binding

import ipdash.ui
from ipdash.ui.app import IpdashApp
from ipdash.ui.palette import help_sections
from ipdash.ui.screens.help import HelpScreen, key_label
from settling import settle

#: Its own keys are on its border ("esc closes"); listing them inside it says nothing new.
NOT_LISTED = {HelpScreen}


def classes_with_bindings() -> Iterator[type]:
    for module_info in pkgutil.walk_packages(ipdash.ui.__path__, "ipdash.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and "BINDINGS" in value.__dict__
            ):
                yield value


def as_binding(binding: object) -> Binding:
    return binding if isinstance(binding, Binding) else Binding(*binding)  # type: ignore[misc]


def listed() -> set[tuple[str, str]]:
    return {
        (key_label(as_binding(b)), as_binding(b).description)
        for _title, bindings in help_sections(IpdashApp.BINDINGS)
        for b in bindings
    }


def missing_from_help(classes: list[type]) -> list[str]:
    shown = listed()
    return [
        f"{cls.__name__}: {key_label(as_binding(b))} {as_binding(b).description}"
        for cls in classes
        if cls not in NOT_LISTED
        for b in cls.__dict__["BINDINGS"]
        if as_binding(b).description and (key_label(as_binding(b)), as_binding(b).description) not in shown
    ]


def test_every_binding_of_every_screen_and_panel_is_in_help() -> None:
    found = list(classes_with_bindings())
    assert {cls.__name__ for cls in found} >= {"PoolScreen", "DashboardScreen", "IpTable", "BreachFeed"}
    assert missing_from_help(found) == []


def test_a_binding_missing_from_help_is_found() -> None:
    """The check above can fail: a screen with a key help does not know of is reported."""
    from textual.screen import Screen

    class Unlisted(Screen[None]):
        BINDINGS = [Binding("z", "zap", "Zap everything"), Binding("escape", "app.pop_screen", "Back")]

    assert missing_from_help([Unlisted]) == ["Unlisted: z Zap everything"]


def help_text(screen: HelpScreen) -> str:
    console = Console(width=70, record=True, file=io.StringIO())
    console.print(screen.table)
    return console.export_text()


async def test_the_help_screen_shows_the_pool_view_s_keys(make_app: Callable[..., IpdashApp]) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        screen = pilot.app.screen
        assert isinstance(screen, HelpScreen)
        text = help_text(screen)
        pool = text[text.index("Pool view (p)") :]
        assert "esc" in pool.split("\n")[1] and "Back" in pool.split("\n")[1]
        for words in (
            "Line whole (enter)",
            "Whole line",
            "Copy line",
            "Poll now",
            "Re-check domains",
            "Row errors",
        ):
            assert words in text
        assert "left_square_bracket" not in text and "[" in text  # key names as they are typed
