"""Receiver-reported data (DMARC aggregate reports, ARF feedback-loop complaints), pure."""

from ipdash.domain.receiver.records import ComplaintKey, DmarcCounts, DmarcKey, ReceiverData, record_counts
from ipdash.domain.receiver.summary import IpReceiver, UnknownSource
from ipdash.domain.receiver.view import ReceiverView, prepare

__all__ = [
    "ComplaintKey",
    "DmarcCounts",
    "DmarcKey",
    "IpReceiver",
    "ReceiverData",
    "ReceiverView",
    "UnknownSource",
    "prepare",
    "record_counts",
]
