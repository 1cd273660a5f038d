from .jobs import JobRun
from .letters import (
    LEGAL_NOTICE_KINDS,
    Channel,
    DeliveryEvent,
    Letter,
    LetterKind,
    LetterState,
    LetterTemplate,
    PrintBatch,
)

__all__ = [
    "LEGAL_NOTICE_KINDS",
    "Channel",
    "DeliveryEvent",
    "JobRun",
    "Letter",
    "LetterKind",
    "LetterState",
    "LetterTemplate",
    "PrintBatch",
]
