"""Number formatting shared by the advisor's reasons, the Markdown export and the screens."""

from __future__ import annotations


def count(value: float) -> str:
    """12,345 (rounded to a whole number)."""
    return f"{round(value):,}"


def percent(rate: float) -> str:
    """A fraction as a percentage with no trailing zeros: 0.03 -> '3%', 0.0015 -> '0.15%'."""
    text = f"{rate * 100:.3f}".rstrip("0").rstrip(".")
    return f"{text}%"


def usd(amount: float | None) -> str:
    if amount is None:
        return "n/a"
    return f"${amount:,.2f}"


def plural(number: int, word: str, plural_word: str | None = None) -> str:
    return f"{number:,} {word if number == 1 else (plural_word or word + 's')}"
