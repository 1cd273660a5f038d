from .fees import ChargeKind, ChargeState, FeeCharge, FeeSchedule, Payment, PaymentSource
from .lists import DeletionReason, EducationLevel, Entry, EntryStatus, ListKind, SeniorityBasis, WaitingList
from .queue import ListTally, QueueChange, QueueSnapshot
from .seniority import (
    KeepRule,
    KeepSeniorityRight,
    LettingRecord,
    SchemeKind,
    SeniorityScheme,
    SeniorityTransfer,
    TransferKind,
)

__all__ = [
    "ChargeKind",
    "ChargeState",
    "DeletionReason",
    "EducationLevel",
    "Entry",
    "EntryStatus",
    "FeeCharge",
    "FeeSchedule",
    "KeepRule",
    "KeepSeniorityRight",
    "LettingRecord",
    "ListKind",
    "ListTally",
    "Payment",
    "PaymentSource",
    "QueueChange",
    "QueueSnapshot",
    "SchemeKind",
    "SeniorityBasis",
    "SeniorityScheme",
    "SeniorityTransfer",
    "TransferKind",
    "WaitingList",
]
