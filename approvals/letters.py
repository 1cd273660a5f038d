"""The letters of the kommune approvals: what each letter is about and to whom, as data.

The words are the Danish letter templates' (one kind per letter, versioned, edited in the admin;
the first versions are created by ``approvals/migrations/0002_approval_letter_templates``). This
module passes only data — the dwelling's address, the grounds and the refusal ground as their rule
codes, dates written out as a Danish letter writes them, the officer's reasons, a choice key where
a paragraph depends on the case — and the complaint guidance of the decision type
(``letters.complaint_guidance``: none of these decisions is among those § 24 lists, and § 11
excludes a letting under a § 61 approval scheme from the beboerklagenævn, so the text is empty and
the letter invents no route).

Every letter has an idempotency key naming its event, so a repeated run or submit writes it once.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from allocation.models import Offer, Vacancy
from approvals import rules
from approvals.models import ApprovalRequest, ApprovalState, RefusalGround
from housing.models import Person
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_long_date
from letters.models import DecisionType, Letter, LetterKind

REFUSAL_DECISION_TYPES = {
    RefusalGround.INCOME: DecisionType.KOMMUNE_INCOME_REFUSAL,
    RefusalGround.REFUGEE: DecisionType.KOMMUNE_REFUGEE_REFUSAL,
    RefusalGround.BENEFITS: DecisionType.KOMMUNE_BENEFITS_REFUSAL,
    RefusalGround.STARTBOLIG: DecisionType.KOMMUNE_STARTBOLIG_REFUSAL,
    RefusalGround.OUT_OF_KIND: DecisionType.KOMMUNE_OUT_OF_KIND_REFUSAL,
}

# The applicant's letter and the organisation's (§ 42, stk. 3) of each outcome.
APPLICANT_KINDS = {
    ApprovalState.APPROVED: LetterKind.APPROVAL_APPROVED,
    ApprovalState.REFUSED: LetterKind.APPROVAL_REFUSED,
    ApprovalState.LAPSED: LetterKind.APPROVAL_LAPSED,
}
ORGANISATION_KINDS = {
    ApprovalState.REFUSED: LetterKind.APPROVAL_REFUSED_ORGANISATION,
    ApprovalState.LAPSED: LetterKind.APPROVAL_LAPSED_ORGANISATION,
}


class PromotedApproval:
    """What the promoted applicant's letter says of the kommune's approval (its ``approval``)."""

    # The kommune must decide: the approval does not lapse (R12.1, R12.4/R14.4, R36.1 among the grounds).
    PENDING = "pending"
    # The § 42 scheme alone: the kommune may refuse until the deadline, then it lapses (R42.3).
    PENDING_UNTIL_DEADLINE = "pending_until_deadline"
    NONE = "none"


def decision_type_of(request: ApprovalRequest, state: str | None = None) -> str:
    """The decision type whose complaint guidance the letters of this decision carry (of
    ``state``, the outcome being recorded, when given; else of the request's state)."""
    if (state or request.state) == ApprovalState.REFUSED:
        return REFUSAL_DECISION_TYPES[request.refusal_ground]
    return DecisionType.KOMMUNE_APPROVAL


def _decision_context(request: ApprovalRequest, *, state: str, day: datetime.date) -> dict:
    return {
        "dwelling_address": request.vacancy.dwelling.address_line,
        "grounds": list(request.grounds),
        "refusal_ground": request.refusal_ground if state == ApprovalState.REFUSED else "",
        "decision_reasons": request.decision_reasons,
        "decided_on": letter_long_date(day),
        "deadline": letter_long_date(request.deadline),
        "complaint_guidance": complaint_guidance.guidance_text(decision_type_of(request, state), day),
    }


def decision_letter(
    *, actor, reason: str, request: ApprovalRequest, state: str, day: datetime.date
) -> Letter:
    """The applicant's letter of the kommune's decision ``state`` — approved, refused (with the
    ground and the reasons) or lapsed (R42.3) — with the complaint guidance of its decision type.
    ``request`` carries the refusal ground and reasons being recorded."""
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=request.kommune.tenant,
        recipient=request.person,
        kind=APPLICANT_KINDS[state],
        context=_decision_context(request, state=state, day=day),
        idempotency_key=f"approval:{request.pk}:{state}",
    )


def organisation_letter(
    *, actor, reason: str, request: ApprovalRequest, state: str, day: datetime.date
) -> Letter:
    """§ 42, stk. 3: "skal boligorganisationen og den boligsøgende underrettes herom skriftligt" —
    the organisation gets a letter of its own of a refusal or a lapse (Digital Post to its CVR
    where it is connected, else physical post), which shows in its outbox."""
    person = request.person
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=request.kommune.tenant,
        recipient_organisation=request.organisation,
        concerns_person=person,
        kind=ORGANISATION_KINDS[state],
        context={
            **_decision_context(request, state=state, day=day),
            "applicant_reference": f"{person.full_name} ({person.applicant_number})"
            if person.applicant_number
            else person.full_name,
        },
        idempotency_key=f"approval:{request.pk}:{state}:organisation",
    )


def promoted_letter(*, actor, offer: Offer, vacancy: Vacancy, request: ApprovalRequest | None) -> Letter:
    """The applicant who accepted after the refused winner is told in writing that they are now
    the one the dwelling is to be let to — pending the kommune's decision when one is needed."""
    if request is None or request.state != ApprovalState.PENDING:
        approval, grounds, deadline = PromotedApproval.NONE, [], ""
    elif rules.lapses_into_approval(request.grounds):
        approval = PromotedApproval.PENDING_UNTIL_DEADLINE
        grounds, deadline = list(request.grounds), letter_long_date(request.deadline)
    else:
        approval, grounds, deadline = PromotedApproval.PENDING, list(request.grounds), ""
    return letters.letter_create(
        actor=actor,
        reason=_("The kommune refused the winner: the next acceptance wins"),
        sender=vacancy.controller,
        recipient=offer.entry.person,
        kind=LetterKind.APPROVAL_PROMOTED,
        context={
            "dwelling_address": vacancy.dwelling.address_line,
            "approval": approval,
            "grounds": grounds,
            "deadline": deadline,
        },
        idempotency_key=f"approval-promoted:{offer.pk}",
    )


def overturn_letters(
    *, actor, reason: str, request: ApprovalRequest, vacancy: Vacancy, stepped_back: list[Person]
) -> None:
    """Ankestyrelsen overturned the kommune's refusal (R24): the applicant is told the dwelling is
    to be let to them, and each applicant who stepped back that it is not let to them — their place
    on the waiting list and their seniority unchanged."""
    address = vacancy.dwelling.address_line
    letters.letter_create(
        actor=actor,
        reason=reason,
        sender=vacancy.controller,
        recipient=request.person,
        kind=LetterKind.APPROVAL_OVERTURNED,
        context={"dwelling_address": address},
        idempotency_key=f"approval:{request.pk}:overturned",
    )
    for person in stepped_back:
        letters.letter_create(
            actor=actor,
            reason=reason,
            sender=vacancy.controller,
            recipient=person,
            kind=LetterKind.APPROVAL_OVERTURNED_STEPPED_BACK,
            context={"dwelling_address": address},
            idempotency_key=f"approval:{request.pk}:overturned:{person.pk}",
        )
