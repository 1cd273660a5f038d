from .complaint_guidance import ComplaintGuidance, DecisionType
from .jobs import JobRun, JobSchedule, JobScheduleChange
from .letters import (
    LEGAL_NOTICE_KINDS,
    Channel,
    DeliveryEvent,
    Letter,
    LetterKind,
    LetterState,
    LetterTemplate,
    PrintBatch,
    SendAttempt,
)

__all__ = [
    "LEGAL_NOTICE_KINDS",
    "Channel",
    "ComplaintGuidance",
    "DecisionType",
    "DeliveryEvent",
    "JobRun",
    "JobSchedule",
    "JobScheduleChange",
    "Letter",
    "LetterKind",
    "LetterState",
    "LetterTemplate",
    "PrintBatch",
    "SendAttempt",
]
