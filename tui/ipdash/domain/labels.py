"""Words and symbols for statuses, shared by the CLI tables and the TUI.

Status is never shown by colour alone: every label carries a symbol and a word,
so it reads the same with NO_COLOR and for colour-blind users.
"""

from __future__ import annotations

from ipdash.domain.verdicts import Band, Status

BAND_LABELS = {
    Band.HEALTHY: "✓ healthy",
    Band.WATCH: "◐ watch",
    Band.AT_RISK: "▲ at risk",
    Band.CRITICAL: "✗ critical",
    Band.UNKNOWN: "– n/a",
}

STATUS_LABELS = {
    Status.OK: "✓ ok",
    Status.WARN: "▲ warn",
    Status.CRITICAL: "✗ critical",
    Status.INSUFFICIENT_VOLUME: "… low volume",
    Status.NO_DATA: "? no data",
    Status.NOT_JUDGED: "– not judged",
}

#: Theme-variable class suffix for a band / status (the UI maps these to $success, $warning, $error …).
BAND_TONES = {
    Band.HEALTHY: "ok",
    Band.WATCH: "watch",
    Band.AT_RISK: "warn",
    Band.CRITICAL: "bad",
    Band.UNKNOWN: "muted",
}
STATUS_TONES = {
    Status.OK: "ok",
    Status.WARN: "warn",
    Status.CRITICAL: "bad",
    Status.INSUFFICIENT_VOLUME: "muted",
    Status.NO_DATA: "muted",
    Status.NOT_JUDGED: "muted",
}


def format_count(value: int | None) -> str:
    if value is None:
        return "—"
    if value >= 10_000_000:
        return f"{value / 1_000_000:.0f}M"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return str(value)
