"""The warm-up panel: one card per warming IP with its progress, state, next step, next caps, ETA
and a plan-versus-actual chart; plus the IP table's warm-up cell."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static
from textual_plotext import PlotextPlot

from ipdash.domain.models import ip_sort_key
from ipdash.domain.warmup.labels import STATE_LABELS, STATE_LEVELS, day_text, next_step_text, warmup_cell_text
from ipdash.domain.warmup.results import WarmupProgress, WarmupState
from ipdash.ui.tones import toned

__all__ = ["WarmupCard", "WarmupChart", "WarmupPanel", "warmup_cell", "warmup_cell_text"]

#: STATE_LEVELS → ipdash tones (ui.tones): the colour only repeats what the symbol and word say.
_TONES = {"ok": "ok", "warn": "warn", "critical": "bad"}


def warmup_cell(progress: WarmupProgress | None) -> tuple[str, str]:
    """(text, tone) for the IP table's warm-up column; ("", "muted") when the IP is not warming."""
    if progress is None:
        return "", "muted"
    return warmup_cell_text(progress), _TONES[STATE_LEVELS[progress.state]]


def card_id(ip: str) -> str:
    return "warmup-" + ip.replace(".", "-").replace(":", "_")


class WarmupChart(PlotextPlot):
    """Plan cap and actual sent per sending day (log scale: warm-ups grow by orders of magnitude)."""

    DEFAULT_CSS = """
    WarmupChart {
        height: 12;
    }
    """

    def __init__(self, progress: WarmupProgress, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress = progress

    def on_mount(self) -> None:
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Cap (braille line) vs sent (●) per sending day, log scale")
        progress = self.progress
        history = () if progress.state is WarmupState.NEEDS_REWARM else progress.current_run
        upcoming = progress.upcoming
        labels = [o.date.strftime("%m-%d") for o in history] + [
            (u.date.strftime("%m-%d") if u.date else f"d{u.day}") for u in upcoming
        ]
        caps = [o.daily_limit for o in history] + [u.daily_limit for u in upcoming]
        if caps:
            # plotext's own log scale loses the data when the widget is resized: plot log10 values instead.
            positions = list(range(1, len(caps) + 1))
            plt.plot(positions, [math.log10(cap) for cap in caps], marker="braille")
            sent = [(i + 1, o.sent) for i, o in enumerate(history) if o.sent > 0]
            if sent:
                plt.scatter([x for x, _ in sent], [math.log10(y) for _, y in sent], marker="●")
            top = max([*caps, *(y for _, y in sent)])
            exponents = range(math.floor(math.log10(min(caps))), math.ceil(math.log10(top)) + 1)
            plt.yticks(list(exponents), [_short_count(10**e) for e in exponents])
            # The whole plan inside the frame: the axis spans the ticks, not only the points.
            plt.ylim(exponents[0], max(exponents[-1], exponents[0] + 1))
            plt.xlim(0.5, len(caps) + 0.5)
            step = max(1, math.ceil(len(labels) / 8))
            plt.xticks(cast(list[float], positions[::step]), labels[::step])  # plotext takes ints too
        self.refresh()


def _short_count(value: int) -> str:
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value // size}{suffix}"
    return str(value)


class WarmupCard(Vertical):
    """One IP's warm-up."""

    DEFAULT_CSS = """
    WarmupCard {
        height: auto;
        border: round $panel;
        padding: 0 1;
        margin-bottom: 1;
    }
    WarmupCard .warmup-line { height: auto; }
    WarmupCard .warmup-muted { color: $text-muted; }
    WarmupCard ProgressBar { margin: 0 0; }
    WarmupCard.-ok ProgressBar Bar > .bar--bar { color: $success; }
    WarmupCard.-warn ProgressBar Bar > .bar--bar { color: $warning; }
    WarmupCard.-critical ProgressBar Bar > .bar--bar { color: $error; }
    """

    def __init__(self, progress: WarmupProgress) -> None:
        level = STATE_LEVELS[progress.state]
        super().__init__(id=card_id(progress.ip), classes=f"-{level}")
        self.progress = progress
        self.border_title = progress.ip

    def compose(self) -> ComposeResult:
        progress = self.progress
        yield Static(self._headline(), classes="warmup-line warmup-headline")
        fraction = progress.progress_fraction
        if fraction is not None:
            bar = ProgressBar(total=100, show_eta=False, id="warmup-bar")
            bar.progress = round(fraction * 100, 1)
            yield bar
        yield Static(progress.reason, classes="warmup-line warmup-reason")
        yield Static(self._next_step(), classes="warmup-line warmup-next")
        if progress.upcoming:
            yield Static(self._upcoming(), classes="warmup-line warmup-upcoming")
        if progress.per_mailbox_provider:
            yield Static(self._per_provider(), classes="warmup-line warmup-providers")
        if progress.history or progress.upcoming:
            yield WarmupChart(progress)

    def _headline(self) -> Text:
        progress = self.progress
        text = toned(self.app, STATE_LABELS[progress.state], _TONES[STATE_LEVELS[progress.state]])
        plan = progress.plan
        parts = [day_text(progress)]
        if plan is not None:
            parts.append(f"{plan.schedule} to {plan.target_daily:,}/day")
        if progress.basis == "provider" and progress.provider is not None:
            parts.append(f"as reported by {progress.provider.provider}")
        text.append("  " + " · ".join(parts))
        text.append(" · ")
        text.append(f"ETA {progress.eta.isoformat()}" if progress.eta else "ETA —", style="bold")
        return text

    def _next_step(self) -> Text:
        step = self.progress.next_step
        text = Text("Next: ", style="bold")
        text.append(f"{next_step_text(self.progress)} — {step.reason}")
        if step.rule:
            text.append_text(toned(self.app, f"\nRule: {step.rule} ({step.source})", "muted"))
        if self.progress.eta_reason and self.progress.state is not WarmupState.COMPLETE:
            text.append_text(toned(self.app, f"\nETA: {self.progress.eta_reason}", "muted"))
        return text

    def _upcoming(self) -> Text:
        text = Text("Next caps: ", style="bold")
        cells = []
        for day in self.progress.upcoming:
            when = day.date.strftime("%a %m-%d") if day.date else ""
            cells.append(f"day {day.day} {when} {day.daily_limit:,}".replace("  ", " "))
        text.append(" · ".join(cells))
        return text

    def _per_provider(self) -> Text:
        text = Text("By mailbox provider: ", style="bold")
        for index, entry in enumerate(self.progress.per_mailbox_provider):
            if index:
                text.append(" · ")
            symbol = STATE_LABELS[entry.state].split(" ")[0]
            text.append_text(
                toned(
                    self.app,
                    f"{entry.mailbox_provider} {symbol} {entry.sent:,}/{entry.daily_limit:,}",
                    _TONES[STATE_LEVELS[entry.state]],
                )
            )
        return text


class WarmupPanel(VerticalScroll):
    """Every warming or re-warm-needed IP, most urgent first. Set ``progresses`` to update."""

    DEFAULT_CSS = """
    WarmupPanel {
        height: 1fr;
    }
    WarmupPanel > .warmup-empty {
        color: $text-muted;
        padding: 1;
    }
    """

    progresses: reactive[tuple[WarmupProgress, ...]] = reactive((), recompose=True)

    def compose(self) -> ComposeResult:
        if not self.progresses:
            yield Static("No IP is warming up or needs re-warming.", classes="warmup-empty")
            return
        for progress in self.progresses:
            yield WarmupCard(progress)

    def show(self, progresses: Sequence[WarmupProgress]) -> None:
        """Replace the cards: critical states first, then warnings, then the rest, by IP."""
        order = {"critical": 0, "warn": 1, "ok": 2}
        self.progresses = tuple(
            sorted(progresses, key=lambda p: (order[STATE_LEVELS[p.state]], ip_sort_key(p.ip)))
        )

    def card_for(self, ip: str) -> WarmupCard | None:
        found = self.query(f"#{card_id(ip)}")
        return found.first(WarmupCard) if found else None

    def scroll_to_ip(self, ip: str) -> None:
        card = self.card_for(ip)
        if card is not None:
            self.scroll_to_widget(card, animate=False)
