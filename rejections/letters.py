"""The letters of the rejections: what each letter is about and to whom, as data.

The words are the Danish letter templates' (versioned, edited in the admin; the versions this code
fills are created by ``rejections/migrations/0002_rejection_letter_templates``): the rejection
decision states its legal ground from the ground's rule code, the R29 request asks for the
criminal-record certificates, and the kommune's R37.2 decision says whether it dispenses. This
module passes only data — the address, the ground, the amounts and dates as a Danish letter writes
them, the reasoning — and the complaint guidance of the decision.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from allocation.models import Vacancy
from allocation.services import offers
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_amount, letter_long_date
from letters.models import Letter, LetterKind
from rejections.models import Dispensation, RejectionCase, RejectionGround


def decision_letter(*, actor, case: RejectionCase, vacancy: Vacancy, day: datetime.date) -> Letter:
    """The applicant's decision letter (§§ 26–30, § 37): the ground, the amount of an R27 debt, the
    caseworker's reasoning and the complaint guidance of the letting (R11)."""
    debt = case.debt_amount if case.ground == RejectionGround.R27 and case.debt_amount is not None else None
    return letters.letter_create(
        actor=actor,
        reason=_("Rejection decision"),
        sender=vacancy.controller,
        recipient=case.person,
        kind=LetterKind.REJECTION_DECISION,
        context={
            "dwelling_address": vacancy.dwelling.address_line,
            "ground": case.ground,
            "debt_amount": letter_amount(debt) if debt is not None else "",
            "reasoning": case.reasoning,
            "decided_on": letter_long_date(day),
            "complaint_guidance": offers.complaint_guidance_for(vacancy, day),
        },
        idempotency_key=f"rejection:{case.pk}",
    )


def certificate_request_letter(*, actor, case: RejectionCase, vacancy: Vacancy) -> Letter:
    """§ 29, stk. 1: the applicant is asked for criminal-record certificates for the household."""
    return letters.letter_create(
        actor=actor,
        reason=_("Request for criminal-record certificates (R29)"),
        sender=vacancy.controller,
        recipient=case.person,
        kind=LetterKind.REJECTION_CERTIFICATE_REQUEST,
        context={"dwelling_address": vacancy.dwelling.address_line},
        idempotency_key=f"r29-request:{case.pk}",
    )


def dispensation_letter(*, actor, dispensation: Dispensation, state: str, day: datetime.date) -> Letter:
    """R37.2: the kommune's decision ``state`` (granted or refused) with its reasoning, and the
    complaint guidance of a dispensation decision — empty: § 37, stk. 2 (almenboligloven § 51 c) is
    not among the decisions § 24 lists, so the letter invents no route."""
    return letters.letter_create(
        actor=actor,
        reason=_("Decision on a dispensation (R37.2)"),
        sender=dispensation.kommune.tenant,
        recipient=dispensation.person,
        kind=LetterKind.DISPENSATION_DECISION,
        context={
            "decision": state,
            "decision_reasoning": dispensation.decision_reasoning,
            "complaint_guidance": complaint_guidance.guidance_text(
                complaint_guidance.DecisionType.KOMMUNE_DISPENSATION, day
            ),
        },
        idempotency_key=f"dispensation:{dispensation.pk}",
    )
