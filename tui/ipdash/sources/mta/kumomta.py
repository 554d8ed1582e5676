"""KumoMTA log records (https://docs.kumomta.com/reference/log_record/): one JSON object per line.

Delivery, Bounce and TransientFailure count per IP (``source_address.address``, else ``egress_source``
mapped in ``ip_names``); Feedback (ARF) records count a complaint for ``feedback_report.source_ip``.
Reception, Rejection, Delay, Expiration, AdminBounce and OOB say nothing about an IP's reputation at a
receiver and are passed over; any other ``type`` is reported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ipdash.domain.mta_tally import MtaTally, recipient_provider
from ipdash.sources.mta.common import RecordError, day_of_epoch, sending_ip

PASSED_OVER = frozenset({"Reception", "Rejection", "Delay", "Expiration", "AdminBounce", "OOB"})


def reply_text(response: object) -> str:
    """'550 5.7.1 <content>' from the record's ``response`` object."""
    if not isinstance(response, dict):
        return ""
    code = response.get("code")
    enhanced = response.get("enhanced_code")
    parts = [str(code)] if isinstance(code, int) else []
    if isinstance(enhanced, dict):
        numbers = [enhanced.get(part) for part in ("class", "subject", "detail")]
        if all(isinstance(number, int) for number in numbers):
            parts.append(".".join(str(number) for number in numbers))
    content = response.get("content")
    if isinstance(content, str):
        parts.append(content)
    return " ".join(parts)


class KumoParser:
    mta = "kumomta"

    def __init__(self, ip_names: Mapping[str, str]) -> None:
        self.ip_names = ip_names

    def parse(self, text: str, tally: MtaTally) -> bool:
        """Count one record; False when its type is passed over. Raises RecordError."""
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecordError(f"not a JSON log record: {error.msg} at column {error.colno}") from None
        except RecursionError:
            raise RecordError("JSON nested too deeply") from None
        if not isinstance(record, dict):
            raise RecordError("not a JSON log record (not an object)")
        kind = record.get("type")
        if kind in PASSED_OVER:
            return False
        if kind == "Feedback":
            self._feedback(record, tally)
            return True
        if kind not in ("Delivery", "Bounce", "TransientFailure"):
            raise RecordError(f"unknown record type {str(kind)[:40]!r}")
        day = day_of_epoch(record.get("timestamp"))
        recipient = record.get("recipient")
        if not isinstance(recipient, str) or "@" not in recipient:
            raise RecordError("no recipient address")
        ip = self._ip(record)
        provider = recipient_provider(recipient)
        if kind == "Delivery":
            tally.delivered(day, ip, provider)
            return True
        category = record.get("bounce_classification")
        tally.failed(
            day,
            ip,
            provider,
            permanent=kind == "Bounce",
            reply=reply_text(record.get("response")),
            category=category if isinstance(category, str) and category != "Uncategorized" else "",
        )
        return True

    def _ip(self, record: dict[str, Any]) -> str:
        source = record.get("source_address")
        address = source.get("address") if isinstance(source, dict) else None
        name = record.get("egress_source")
        return sending_ip(
            address if isinstance(address, str) else None,
            name if isinstance(name, str) and name != "unspecified" else None,
            self.ip_names,
            "egress_source",
        )

    def _feedback(self, record: dict[str, Any], tally: MtaTally) -> None:
        report = record.get("feedback_report")
        if not isinstance(report, dict):
            raise RecordError("Feedback record without a feedback_report")
        day = day_of_epoch(record.get("timestamp"))
        source_ip = report.get("source_ip")
        ip = sending_ip(source_ip if isinstance(source_ip, str) else None, None, self.ip_names, "source_ip")
        recipients = report.get("original_rcpto_to") or report.get("original_rcpt_to")
        provider = "other"
        if isinstance(recipients, list) and recipients and isinstance(recipients[0], str):
            provider = recipient_provider(recipients[0])
        else:
            mta = report.get("reporting_mta")
            name = mta.get("name") if isinstance(mta, dict) else None
            if isinstance(name, str):
                provider = recipient_provider(".".join(name.rstrip(".").split(".")[-2:]))
        tally.complaint(day, ip, provider)
