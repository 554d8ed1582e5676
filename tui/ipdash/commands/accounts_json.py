"""The ``accounts`` list of ``report --format json``: account- and domain-level signals, judged.

Each entry: provider, scope, source, latest day, sent (null when the provider gives rates only),
the provider's status, and per metric (``bounce_rate``, ``complaint_rate``, ``block_rate``) the
value as a fraction, its machine status, the level crossed, the preset and its source, the basis
(``window`` counts, that ``daily`` rate, or SES's ``rolling`` representative-volume rate) and a
human reason; plus Postmaster v2's IP-related delivery-error rates and compliance rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipdash.domain.accounts import BASIS_TEXT, AccountSignal, metric_name
from ipdash.domain.verdicts import format_rate


def accounts_to_json(signals: Sequence[AccountSignal]) -> list[dict[str, Any]]:
    return [_signal_json(signal) for signal in signals]


def _signal_json(signal: AccountSignal) -> dict[str, Any]:
    return {
        "provider": signal.provider,
        "scope": signal.scope,
        "source": signal.source,
        "latest": signal.latest,
        "sent": signal.sent,
        "status": signal.status or None,
        "rates": {
            rate.metric: {
                "value": rate.value,
                "status": rate.status.value,
                "threshold": rate.threshold,
                "preset": rate.preset,
                "source": rate.source,
                "basis": rate.basis,
                "day": rate.day,
                "reason": (
                    f"{metric_name(signal.provider, rate.metric)} {format_rate(rate.value)} "
                    f"({BASIS_TEXT.get(rate.basis, rate.basis)}): {rate.status.value}"
                ),
            }
            for rate in signal.rates
        },
        "delivery_error_rates": {name: value for name, value in signal.delivery_errors},
        "compliance_needs_work": [row.split("=")[0] for row in signal.compliance],
    }
