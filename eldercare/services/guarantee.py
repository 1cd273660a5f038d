"""The general list and the plejebolig guarantee (§§ 15–18): every write, and the daily warning job.

* ``guarantee_admit`` — R15.1: the elder goes on the general list; the first period's deadlines
  (R16.1, R16.2) are computed once and stored; a letter tells the elder the deadline.
* ``no_guarantee_tell`` — R15.2: the elder chose a specific dwelling; the letter that the guarantee
  does not apply, recorded on the decision.
* ``guarantee_offer_made`` — an offer within the running period (the allocation calls it).
* ``guarantee_refusal_received`` — R17: the elder stays on the list, the deadline is cancelled and a
  new 2-month period runs from the day the kommune received the refusal. A kommune whose local
  practice says so flags a reassessment after the second refusal (admin option, off by default).
* ``guarantee_end_need_changed`` — R18: a changed need before an offer is received ends the
  guarantee, with a letter; a general-list offer still awaiting the answer is withdrawn.
* ``guarantee_keep_after_offer`` — R18, the other side of the edge: a changed need after the elder
  received an offer under § 16 does not end the guarantee; it is noted on the entry.
* ``guarantee_leave`` — the place ends for another cause: the elder withdraws, has died, moved to
  another kommune, or no longer needs a plejebolig (the need lapsed; unlike R18 there is no new need
  for an elder dwelling or botilbud). A letter where the elder should be told (not on death); the
  needs decision ends with it. A place ended before its deadline is no breach (R16.1).
* ``guarantee_warnings_send`` — the daily job: a notice to the kommune a configurable number of days
  before a deadline, once per entry and deadline.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason
from letters import complaint_guidance
from letters import services as letters
from letters.formatting import letter_long_date
from letters.models import Channel

from ..models import (
    DeadlineWarning,
    EldercarePolicy,
    ElderOffer,
    ElderOfferState,
    EndCause,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    NeedDecision,
    NeedKind,
    NeedState,
    PeriodOutcome,
)
from ..rules.deadlines import guarantee_deadlines
from .officers import require_officer

DEFAULT_WARNING_DAYS = 14
MAX_WARNING_DAYS = 60


def elder_complaint_guidance(day: datetime.date | None = None) -> str:
    """The appeal guidance of § 24 (Ankestyrelsen; retssikkerhedslovens kapitel 10) in force on the
    day of the decision, for every elder-housing decision letter (admin-editable, versioned)."""
    return complaint_guidance.guidance_text(
        complaint_guidance.DecisionType.ELDER_ALLOCATION, day or timezone.localdate()
    )


NEED_KIND_DA = {
    NeedKind.ELDER_DWELLING: "en ældrebolig",
    NeedKind.NURSING: "en plejebolig eller plejehjemsplads",
    NeedKind.BOTILBUD: "et botilbud til personer med betydelig og varigt nedsat funktionsevne",
}


# --- Reading helpers ---------------------------------------------------------------------------


def policy_in_force(*, kommune_id: int, day: datetime.date) -> EldercarePolicy | None:
    return (
        EldercarePolicy.objects.filter(kommune_id=kommune_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def has_pending_offer(entry: GuaranteeEntry) -> bool:
    return ElderOffer.objects.filter(guarantee_entry=entry, state=ElderOfferState.PENDING).exists()


def _received_by_digital_post(offer: ElderOffer) -> datetime.date | None:
    """The day the offer letter was delivered to the elder's Digital Post inbox (then it reached the
    elder); a physical letter's arrival is not known to the system."""
    letter = offer.offer_letter
    if letter is None or letter.channel != Channel.DIGITAL_POST or letter.delivered_at is None:
        return None
    return timezone.localdate(letter.delivered_at)


def guarantee_offer_received_on(
    *, actor, reason: str, entry: GuaranteeEntry, given: datetime.date | None, not_received: bool
) -> datetime.date | None:
    """R18: the day the elder received the pending offer under § 16, stk. 1, 1. pkt. (a general-list
    offer that fulfils the guarantee), or None when no such offer has been received.

    ``given`` (the officer's record) is stored on the offer; otherwise a day stored before or the day
    the offer letter was delivered by Digital Post is used. When none is known the officer must
    confirm that the offer has not been received — the system does not guess a fact that decides
    whether the guarantee ends. An offer that does not fulfil the guarantee (not ready in time,
    R16.2) is no offer under § 16 and does not keep the guarantee."""
    offers = list(
        ElderOffer.objects.select_for_update(of=("self",))
        .select_related("offer_letter")
        .filter(guarantee_entry=entry, state=ElderOfferState.PENDING, meets_guarantee=True)
        .order_by("offered_on", "pk")
    )
    if not offers:
        return None
    offer = offers[0]
    if given is not None:
        if given < offer.offered_on:
            raise ValidationError(
                {
                    "offer_received_on": _(
                        "The offer cannot have been received before it was made (%(day)s)."
                    )
                    % {"day": offer.offered_on.strftime("%d.%m.%Y")}
                }
            )
        if given > timezone.localdate():
            raise ValidationError(
                {"offer_received_on": _("The day the offer was received cannot be in the future.")}
            )
        if offer.received_on != given:
            offer.received_on = given
            audited_save(offer, actor=actor, reason=reason)
        return given
    known = offer.received_on or _received_by_digital_post(offer)
    if known is not None:
        return known
    if not_received:
        return None
    raise ValidationError(
        {
            "offer_received_on": _(
                "An offer awaits the elder's answer. Give the day the elder received it, or confirm that "
                "it has not been received: only a change before the offer was received ends the "
                "guarantee (R18)."
            )
        }
    )


def running_period(entry: GuaranteeEntry, *, lock: bool = False) -> GuaranteePeriod:
    periods = GuaranteePeriod.objects.filter(entry=entry, outcome=PeriodOutcome.RUNNING)
    if lock:
        periods = periods.select_for_update()
    return periods.get()


def _lock_waiting(entry: GuaranteeEntry) -> GuaranteeEntry:
    entry = GuaranteeEntry.objects.select_for_update().select_related("kommune", "person").get(pk=entry.pk)
    if entry.state != GuaranteeState.WAITING:
        raise ValidationError(_("The elder is no longer on the general list."))
    return entry


# --- Letters -----------------------------------------------------------------------------------


def _deadline_letter(
    *, actor, reason: str, entry: GuaranteeEntry, decision: NeedDecision, after_refusal: bool
):
    return letters.letter_create(
        actor=actor,
        reason=reason,
        sender=entry.kommune.tenant,
        recipient=entry.person,
        kind="elder_general_list",
        context={
            "decided_on": letter_long_date(decision.decided_on),
            "clock_started_on": letter_long_date(entry.clock_started_on),
            "deadline": letter_long_date(entry.deadline),
            "ready_by": letter_long_date(entry.ready_by),
            "after_refusal": after_refusal,
        },
        idempotency_key=f"elder-general-list:{entry.pk}:{entry.clock_started_on.isoformat()}",
    )


def no_guarantee_tell(*, actor, reason: str, decision: NeedDecision, chosen_dwelling: str = "") -> None:
    """R15.2: the letter that the guarantee does not apply, recorded on the (unsaved) decision; the
    caller saves the decision once."""
    today = timezone.localdate()
    letter = letters.letter_create(
        actor=actor,
        reason=reason,
        sender=decision.kommune.tenant,
        recipient=decision.person,
        kind="elder_no_guarantee",
        context={"chosen": (chosen_dwelling or "").strip()},
        idempotency_key=f"elder-no-guarantee:{decision.person_id}:{decision.decided_on.isoformat()}:{today}",
    )
    decision.chosen_dwelling = (chosen_dwelling or "").strip()[:200]
    decision.told_no_guarantee_on = today
    decision.no_guarantee_letter = letter


# --- Writing -----------------------------------------------------------------------------------


@transaction.atomic
def guarantee_admit(*, actor, reason: str, decision: NeedDecision) -> GuaranteeEntry:
    """R15.1/R16: put the elder on the general list; deadline = decision date + 2 calendar months,
    ready to move into 2 weeks after that."""
    require_reason(reason)
    if decision.kind != NeedKind.NURSING:
        raise ValidationError(_("Only a plejebolig need goes on the general list (§ 15)."))
    deadlines = guarantee_deadlines(decision.decided_on)
    entry = GuaranteeEntry(
        kommune_id=decision.kommune_id,
        controller_id=decision.controller_id,
        person_id=decision.person_id,
        need_decision=decision,
        admitted_on=decision.decided_on,
        clock_started_on=deadlines.started_on,
        deadline=deadlines.offer_by,
        ready_by=deadlines.ready_by,
    )
    audited_save(entry, actor=actor, reason=reason)
    audited_save(
        GuaranteePeriod(
            entry=entry,
            kommune_id=entry.kommune_id,
            number=1,
            started_on=deadlines.started_on,
            deadline=deadlines.offer_by,
            ready_by=deadlines.ready_by,
        ),
        actor=actor,
        reason=reason,
    )
    _deadline_letter(actor=actor, reason=reason, entry=entry, decision=decision, after_refusal=False)
    return entry


@transaction.atomic
def guarantee_offer_made(
    *, actor, reason: str, entry: GuaranteeEntry, offered_on: datetime.date, ready_on: datetime.date
) -> GuaranteePeriod:
    """Record the first offer of the running period (R16.1) and when the dwelling is ready (R16.2)."""
    entry = _lock_waiting(entry)
    period = running_period(entry, lock=True)
    if period.offered_on is None:
        period.offered_on = offered_on
        period.offered_ready_on = ready_on
        audited_save(period, actor=actor, reason=reason)
    return period


@transaction.atomic
def guarantee_refusal_received(
    *, actor, reason: str, entry: GuaranteeEntry, received_on: datetime.date
) -> GuaranteeEntry:
    """R17: the elder stays on the list; the running deadline is cancelled and a new 2-month
    deadline runs from the day the kommune received the refusal."""
    require_reason(reason)
    entry = _lock_waiting(entry)
    period = running_period(entry, lock=True)
    if received_on < period.started_on:
        raise ValidationError(
            {"answered_on": _("The refusal cannot have been received before the running period started.")}
        )
    if received_on > timezone.localdate():
        raise ValidationError({"answered_on": _("The day the refusal was received cannot be in the future.")})
    period.outcome = PeriodOutcome.REFUSED
    period.closed_on = received_on
    audited_save(period, actor=actor, reason=reason)
    deadlines = guarantee_deadlines(received_on)
    entry.refusals += 1
    entry.clock_started_on = deadlines.started_on
    entry.deadline = deadlines.offer_by
    entry.ready_by = deadlines.ready_by
    policy = policy_in_force(kommune_id=entry.kommune_id, day=received_on)
    if policy is not None and policy.second_refusal_reassessment and entry.refusals >= 2:
        entry.reassessment_due = True
    audited_save(entry, actor=actor, reason=reason)
    audited_save(
        GuaranteePeriod(
            entry=entry,
            kommune_id=entry.kommune_id,
            number=period.number + 1,
            started_on=deadlines.started_on,
            deadline=deadlines.offer_by,
            ready_by=deadlines.ready_by,
        ),
        actor=actor,
        reason=reason,
    )
    decision = NeedDecision.objects.get(pk=entry.need_decision_id)
    _deadline_letter(actor=actor, reason=reason, entry=entry, decision=decision, after_refusal=True)
    return entry


def _close_running(*, actor, reason: str, entry: GuaranteeEntry, outcome: str, day: datetime.date) -> None:
    period = running_period(entry, lock=True)
    period.outcome = outcome
    period.closed_on = day
    audited_save(period, actor=actor, reason=reason)


@transaction.atomic
def guarantee_end(
    *,
    actor,
    reason: str,
    entry: GuaranteeEntry,
    state: str,
    day: datetime.date,
    letter=None,
    cause: str = "",
    note: str = "",
) -> GuaranteeEntry:
    """Take the elder off the general list (housed, need changed, chose a specific dwelling, ended)."""
    require_reason(reason)
    entry = _lock_waiting(entry)
    if state == GuaranteeState.WAITING:
        raise ValidationError(_("Choose how the guarantee ends."))
    outcome = PeriodOutcome.ACCEPTED if state == GuaranteeState.HOUSED else PeriodOutcome.ENDED
    _close_running(actor=actor, reason=reason, entry=entry, outcome=outcome, day=day)
    entry.state = state
    entry.ended_on = day
    entry.end_cause = cause if state == GuaranteeState.ENDED else EndCause.NONE
    entry.end_note = (note or "").strip()[:300]
    if letter is not None:
        entry.end_letter = letter
    return audited_save(entry, actor=actor, reason=reason)


#: Causes whose letter is a decision (the need lapsed) and so carries the appeal guidance (§ 24).
DECISION_CAUSES = frozenset({EndCause.NEED_LAPSED})
#: Nobody is written to when the elder has died.
NO_LETTER_CAUSES = frozenset({EndCause.DIED})


@transaction.atomic
def guarantee_leave(
    *,
    actor,
    reason: str,
    entry: GuaranteeEntry,
    cause: str,
    day: datetime.date,
    note: str = "",
) -> GuaranteeEntry:
    """End the elder's place on the general list for a cause other than housing, R18 or R15.2: the
    elder withdrew, has died, moved to another kommune, or no longer needs a plejebolig.

    The running period closes on ``day``: a place ended on or before its deadline without an offer
    is no breach of R16.1; one ended after the deadline stays a breach. The needs decision ends on
    the same day. An offer awaiting the answer must be answered first — except on death, when it is
    withdrawn. The elder gets a letter, except on death; when the need lapsed, the letter is a
    decision with the appeal guidance (§ 24). A changed need for an elder dwelling or a botilbud is
    not this: it is a new needs decision (R18)."""
    reason = require_reason(reason)
    entry = _lock_waiting(entry)
    require_officer(actor, entry.kommune_id)
    errors = {}
    if cause not in (EndCause.WITHDRAWN, EndCause.DIED, EndCause.MOVED, EndCause.NEED_LAPSED):
        errors["cause"] = _("Choose why the place on the general list ends.")
    period = running_period(entry, lock=True)
    if day is None:
        errors["day"] = _("Give the day the place ends.")
    elif day > timezone.localdate():
        errors["day"] = _("The place cannot end on a day in the future.")
    elif day < period.started_on:
        errors["day"] = _("The place cannot end before the running period started (%(day)s).") % {
            "day": period.started_on.strftime("%d.%m.%Y")
        }
    if errors:
        raise ValidationError(errors)
    pending = list(
        ElderOffer.objects.select_for_update().filter(guarantee_entry=entry, state=ElderOfferState.PENDING)
    )
    if pending and cause != EndCause.DIED:
        raise ValidationError(_("An offer awaits the elder's answer: record the answer first."))
    for offer in pending:
        offer.state = ElderOfferState.WITHDRAWN
        offer.answered_on = day
        audited_save(offer, actor=actor, reason=reason)
    letter = None
    if cause not in NO_LETTER_CAUSES:
        letter = letters.letter_create(
            actor=actor,
            reason=reason,
            sender=entry.kommune.tenant,
            recipient=entry.person,
            kind="elder_general_list_left",
            context={
                "cause": str(cause),
                "ended_on": letter_long_date(day),
                "note": (note or "").strip()[:300],
                "complaint_guidance": elder_complaint_guidance(day) if cause in DECISION_CAUSES else "",
            },
            idempotency_key=f"elder-general-list-left:{entry.pk}",
        )
    decision = NeedDecision.objects.select_for_update().get(pk=entry.need_decision_id)
    if decision.state == NeedState.IN_FORCE:
        decision.state = NeedState.ENDED
        decision.ended_on = max(day, decision.decided_on)
        audited_save(decision, actor=actor, reason=reason)
    return guarantee_end(
        actor=actor,
        reason=reason,
        entry=entry,
        state=GuaranteeState.ENDED,
        day=day,
        letter=letter,
        cause=cause,
        note=note,
    )


@transaction.atomic
def guarantee_end_need_changed(
    *, actor, reason: str, entry: GuaranteeEntry, decision: NeedDecision
) -> GuaranteeEntry:
    """R18: before an offer was received, the elder now needs an elder dwelling or a botilbud: the
    guarantee no longer applies. A general-list offer awaiting the answer — a § 16 offer not yet
    received when the need changed, or an offer that never fulfilled the guarantee (R16.2) — is
    withdrawn: it was made on the plejebolig need the new decision replaced, and the vacancy goes
    back to the candidates (§ 20, stk. 2: to the greatest need). The letter says so, with the appeal
    guidance (§ 24)."""
    require_reason(reason)
    entry = _lock_waiting(entry)
    if decision.kind == NeedKind.NURSING:
        raise ValidationError(_("The need is still a plejebolig need: the guarantee continues."))
    withdrawn = []
    for offer in (
        ElderOffer.objects.select_for_update(of=("self",))
        .select_related("vacancy__dwelling")
        .filter(guarantee_entry=entry, state=ElderOfferState.PENDING)
    ):
        offer.state = ElderOfferState.WITHDRAWN
        offer.answered_on = max(decision.decided_on, offer.offered_on)
        audited_save(offer, actor=actor, reason=reason)
        withdrawn.append(offer.vacancy.dwelling.address_line)
    letter = letters.letter_create(
        actor=actor,
        reason=reason,
        sender=entry.kommune.tenant,
        recipient=entry.person,
        kind="elder_guarantee_ended",
        context={
            "decided_on": letter_long_date(decision.decided_on),
            "new_need": NEED_KIND_DA.get(decision.kind, decision.kind),
            "ended_on": letter_long_date(decision.decided_on),
            "withdrawn_offer": ", ".join(withdrawn),
            "complaint_guidance": elder_complaint_guidance(decision.decided_on),
        },
        idempotency_key=f"elder-guarantee-ended:{entry.pk}",
    )
    return guarantee_end(
        actor=actor,
        reason=reason,
        entry=entry,
        state=GuaranteeState.NEED_CHANGED,
        day=decision.decided_on,
        letter=letter,
    )


@transaction.atomic
def guarantee_keep_after_offer(
    *, actor, reason: str, entry: GuaranteeEntry, decision: NeedDecision
) -> GuaranteeEntry:
    """R18: the need changed on or after the day the elder received an offer under § 16, so the
    elder is still covered by the guarantee ("inden et tilbud modtages" is not met). The offer stands
    and may be accepted or refused; the running period keeps its deadlines, and a refusal starts a
    new period under § 17. The entry stays on the plejebolig decision the guarantee rests on; the
    day of the changed need is noted so the officer sees it (ending the place because the plejebolig
    need has lapsed is a decision of its own, ``guarantee_leave``, with a letter and appeal guidance)."""
    require_reason(reason)
    entry = _lock_waiting(entry)
    entry.need_changed_after_offer_on = decision.decided_on
    return audited_save(entry, actor=actor, reason=reason)


# --- The daily warning job ---------------------------------------------------------------------


def warning_days_by_kommune(day: datetime.date) -> dict[int, int]:
    """Each kommune's configured warning days on ``day`` (the latest policy in force)."""
    result: dict[int, int] = {}
    for kommune_id, days in (
        EldercarePolicy.objects.filter(valid_from__lte=day)
        .order_by("kommune_id", "-valid_from")
        .values_list("kommune_id", "warning_days")
    ):
        result.setdefault(kommune_id, days)
    return result


def guarantee_warnings_send(*, today: datetime.date, progress=None, job_run=None) -> int:
    """Warn each kommune of general-list deadlines within its warning days (default 14), and of
    deadlines passed without an offer: one notice per entry and deadline (a unique key), so a
    second run the same day — or a redelivered task — warns nobody twice. Returns the number of
    new warnings."""
    days_by_kommune = warning_days_by_kommune(today)
    horizon = today + datetime.timedelta(days=MAX_WARNING_DAYS)
    rows = list(
        GuaranteeEntry.objects.filter(state=GuaranteeState.WAITING, deadline__lte=horizon)
        .exclude(
            Exists(DeadlineWarning.objects.filter(entry_id=OuterRef("pk"), deadline=OuterRef("deadline")))
        )
        .values_list("pk", "kommune_id", "deadline")
    )
    due = []
    for pk, kommune_id, deadline in rows:
        window = days_by_kommune.get(kommune_id, DEFAULT_WARNING_DAYS)
        if (deadline - today).days <= window:
            due.append(
                DeadlineWarning(
                    entry_id=pk,
                    kommune_id=kommune_id,
                    deadline=deadline,
                    warned_on=today,
                    days_left=(deadline - today).days,
                    job_run=job_run,
                )
            )
    if progress is not None:
        progress.set_total(len(due))
    created = 0
    for start in range(0, len(due), 1000):
        chunk = due[start : start + 1000]
        with transaction.atomic():
            before = DeadlineWarning.objects.filter(entry_id__in=[w.entry_id for w in chunk]).count()
            DeadlineWarning.objects.bulk_create(chunk, ignore_conflicts=True)
            after = DeadlineWarning.objects.filter(entry_id__in=[w.entry_id for w in chunk]).count()
        created += after - before
        if progress is not None:
            progress.advance(len(chunk))
    return created
