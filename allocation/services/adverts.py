"""Letting by advertising (R1.6, bekendtgørelsens § 38): the advert, its publication, the written
expressions of interest, the auditor's verifiable lottery and the letting to the winner.

§§ 2–11 do not apply to an advertised dwelling (R1.6): it goes to a qualified applicant who
expressed interest in writing before the deadline, by lot when there are several (R38.3).

Decisions taken here, next to the law:

* R38.1: the advert must be on DanmarkBolig.dk "senest 8 dage efter" the agreement; day 8 after
  ``agreed_on`` is in time, day 9 is late (:func:`advert_publication_deadline`).
* R38.2 nr. 3: written interest received *on* the deadline day is in time; the deadline has passed
  only from the day after (:func:`interest_deadline_passed`).
* R38.3: the lottery is drawn by a user with the auditor (revisor) role in the organisation's data
  controller. It is two steps, so it can be verified by anyone (``docs/lottery.md``): the commitment
  to a secret seed and the frozen list of qualified applicants (their applicant numbers) is
  published first; the draw then reveals the seed and the order. The advert row is locked while
  committing, so two auditors cannot commit twice.
* § 12 holds for an advertised youth dwelling (§ 1, stk. 6 sets aside §§ 2–11 only): while any
  qualified applicant is in the eligible group (R12.1, R13), the dwelling goes only to them — the
  lottery's list holds them alone. Applicants outside the group come in only when none of the group
  is left and the caseworker has recorded R12.3 ("kan udleje … til andre, hvis de ikke kan udlejes til
  den berettigede personkreds") with reasons (``vacancies.vacancy_let_outside``).
* A declined offer (or an applicant who turns out not to qualify after all) is recorded by setting
  the interest's ``qualified`` to false with the decline in ``assessment``; the history row keeps who
  and why. The published applicant list of the lottery is frozen and does not change; the dwelling
  goes to the first in the drawn order whose interest is still qualified.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import permissions, scoping
from housing.audit import audited_save, require_reason
from housing.models import DwellingKind, Person

from ..models import Advert, Interest, LettingChannel, LotteryDraw, Vacancy, VacancyState
from .youth import YouthStanding, youth_standing

# R38.1: "senest 8 dage efter, at aftalen er trådt i kraft".
PUBLICATION_DAYS = 8

# The facts an advert states (R38.2) and the date the R38.1 deadline runs from.
ADVERT_FIELDS = (
    "agreed_on",
    "dwelling_description",
    "criteria",
    "interest_deadline",
    "viewing_at",
    "viewing_place",
    "decision_expected_on",
)
# R38.2 nr. 2 says "eventuelle kriterier": criteria may be left empty (anyone may express interest).
OPTIONAL_FIELDS = {"criteria"}


def required_messages() -> dict[str, str]:
    """The message for each fact the advert must state: R38.1's start date and R38.2 nr. 1, 3–5."""
    return {
        "agreed_on": _(
            "State when letting by advertising was agreed: the advert must be on DanmarkBolig.dk "
            "within 8 days (R38.1)."
        ),
        "dwelling_description": _("The advert must describe the dwelling(s) (R38.2)."),
        "interest_deadline": _("The advert must state the deadline for written interest (R38.2)."),
        "viewing_at": _("The advert must state when the dwelling can be viewed (R38.2)."),
        "viewing_place": _("The advert must state where the viewing takes place (R38.2)."),
        "decision_expected_on": _("The advert must state when the decision is expected (R38.2)."),
    }


def short_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- Who may do what -------------------------------------------------------------------------------


def is_auditor_for(user, vacancy: Vacancy) -> bool:
    """R38.3: the organisation's auditor (revisor), i.e. an auditor member of its data controller.

    The role is checked for this controller, not for any of the user's memberships: an auditor of
    one organisation who is a caseworker elsewhere is not the auditor here.
    """
    return permissions.is_auditor_of_tenant(user, vacancy.controller_id)


def require_writer(actor, vacancy: Vacancy) -> None:
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied


def require_auditor(actor, vacancy: Vacancy) -> None:
    if not is_auditor_for(actor, vacancy):
        raise PermissionDenied(_("Only the organisation's auditor (revisor) draws lots (R38.3)."))


def require_open(vacancy: Vacancy) -> None:
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(
            _("The vacancy is no longer open: the dwelling has been let or the vacancy cancelled.")
        )


def lock_advert(advert: Advert) -> Advert:
    """The advert under a row lock held until the transaction ends, with its vacancy."""
    return Advert.objects.select_for_update(of=("self",)).select_related("vacancy").get(pk=advert.pk)


def lottery_of(advert: Advert) -> LotteryDraw | None:
    return LotteryDraw.objects.filter(advert_id=advert.pk).first()


# --- Deadlines -------------------------------------------------------------------------------------


def advert_publication_deadline(advert: Advert) -> datetime.date:
    """R38.1: the last day the advert may appear on DanmarkBolig.dk (day 8 after the agreement)."""
    return advert.agreed_on + datetime.timedelta(days=PUBLICATION_DAYS)


@dataclass(frozen=True)
class PublicationStatus:
    deadline: datetime.date
    published_on: datetime.date | None
    overdue: bool  # not published, and the deadline has passed
    late: bool  # published, but after the deadline

    @property
    def in_breach(self) -> bool:
        return self.overdue or self.late


def advert_publication_status(advert: Advert, *, today: datetime.date | None = None) -> PublicationStatus:
    """Whether the advert was (or still can be) put on DanmarkBolig.dk in time (R38.1)."""
    today = today or timezone.localdate()
    deadline = advert_publication_deadline(advert)
    published = advert.danmarkbolig_published_on
    return PublicationStatus(
        deadline=deadline,
        published_on=published,
        overdue=published is None and today > deadline,
        late=published is not None and published > deadline,
    )


def advert_publication_overdue(advert: Advert, *, today: datetime.date | None = None) -> bool:
    """R38.1 is broken: not on DanmarkBolig.dk after day 8, or put there after day 8."""
    return advert_publication_status(advert, today=today).in_breach


def interest_deadline_passed(advert: Advert, *, today: datetime.date | None = None) -> bool:
    """Interest received on the deadline day is in time: the deadline has passed the day after."""
    return (today or timezone.localdate()) > advert.interest_deadline


# --- The advert ------------------------------------------------------------------------------------


def _check_advert_fields(fields: dict, *, previous: Advert | None) -> None:
    unknown = set(fields) - set(ADVERT_FIELDS)
    if unknown:
        raise TypeError(f"unknown advert field(s): {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    for name, message in required_messages().items():
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = message
    today = timezone.localdate()
    agreed_on = fields.get("agreed_on")
    deadline = fields.get("interest_deadline")
    decision = fields.get("decision_expected_on")
    if agreed_on and agreed_on > today:
        errors["agreed_on"] = _("The agreement cannot be dated in the future.")
    # A deadline already in the advert may have passed; a new or moved one may not be in the past.
    deadline_changed = previous is None or deadline != previous.interest_deadline
    if deadline and deadline_changed and deadline < today:
        errors["interest_deadline"] = _("The deadline for written interest cannot be in the past.")
    if deadline and agreed_on and deadline < agreed_on and "interest_deadline" not in errors:
        errors["interest_deadline"] = _("The deadline for written interest cannot be before the agreement.")
    if deadline and decision and decision <= deadline:
        errors["decision_expected_on"] = _(
            "The decision can only be expected after the deadline for written interest (%(day)s)."
        ) % {"day": short_date(deadline)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def advert_create(*, actor, reason: str, vacancy: Vacancy, **fields) -> Advert:
    """The advert for a vacancy let by advertising (R1.6), stating what R38.2 requires."""
    require_reason(reason)
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    require_writer(actor, vacancy)
    require_open(vacancy)
    if vacancy.channel != LettingChannel.ADVERTISING:
        raise ValidationError(
            _(
                "Only a vacancy let by advertising by agreement with the kommune gets an advert "
                "(R1.6); this one is let through: %(channel)s."
            )
            % {"channel": vacancy.get_channel_display()}
        )
    if Advert.objects.filter(vacancy=vacancy).exists():
        raise ValidationError(_("The vacancy already has an advert."))
    _check_advert_fields(fields, previous=None)
    advert = Advert(vacancy=vacancy, created_by=actor, **fields)
    advert.criteria = advert.criteria or ""
    try:
        with transaction.atomic():
            audited_save(advert, actor=actor, reason=reason)
    except IntegrityError as exc:  # created by someone else a moment ago
        raise ValidationError(_("The vacancy already has an advert.")) from exc
    return advert


@transaction.atomic
def advert_update(*, actor, reason: str, advert: Advert, **fields) -> Advert:
    """Change the advert's facts. Once lots are committed to, the advert is what it was."""
    require_reason(reason)
    advert = lock_advert(advert)
    require_writer(actor, advert.vacancy)
    require_open(advert.vacancy)
    if lottery_of(advert) is not None:
        raise ValidationError(_("Lots have been committed to: the advert can no longer be changed (R38.3)."))
    merged = {name: getattr(advert, name) for name in ADVERT_FIELDS}
    merged.update(fields)
    _check_advert_fields(merged, previous=advert)
    for name, value in merged.items():
        setattr(advert, name, "" if value is None and name in OPTIONAL_FIELDS else value)
    return audited_save(advert, actor=actor, reason=reason)


@transaction.atomic
def advert_record_publication(
    *,
    actor,
    reason: str,
    advert: Advert,
    danmarkbolig_published_on: datetime.date,
    other_media: str = "",
) -> Advert:
    """R38.1: when the advert appeared on DanmarkBolig.dk, and in which other media."""
    require_reason(reason)
    advert = lock_advert(advert)
    require_writer(actor, advert.vacancy)
    errors = {}
    if danmarkbolig_published_on is None:
        errors["danmarkbolig_published_on"] = _("State when the advert appeared on DanmarkBolig.dk.")
    elif danmarkbolig_published_on > timezone.localdate():
        errors["danmarkbolig_published_on"] = _("The advert cannot have appeared on a future date.")
    elif danmarkbolig_published_on < advert.agreed_on:
        errors["danmarkbolig_published_on"] = _(
            "The advert cannot have appeared before letting by advertising was agreed (%(day)s)."
        ) % {"day": short_date(advert.agreed_on)}
    if errors:
        raise ValidationError(errors)
    advert.danmarkbolig_published_on = danmarkbolig_published_on
    advert.other_media = (other_media or "").strip()
    return audited_save(advert, actor=actor, reason=reason)


# --- Written interest ------------------------------------------------------------------------------


@transaction.atomic
def interest_record(
    *,
    actor,
    reason: str,
    advert: Advert,
    person: Person,
    received_on: datetime.date,
    qualified: bool = True,
    assessment: str = "",
) -> Interest:
    """A written expression of interest (R38.2 nr. 3), received by the deadline (the deadline day
    itself is in time), with the assessment of the advert's criteria."""
    require_reason(reason)
    advert = lock_advert(advert)
    vacancy = advert.vacancy
    require_writer(actor, vacancy)
    require_open(vacancy)
    if lottery_of(advert) is not None:
        raise ValidationError(_("Lots have been committed to: the list of applicants is closed (R38.3)."))
    # The applicant is a person of the organisation's own data controller, so their applicant
    # number identifies them uniquely in the lottery's published list.
    if (
        not scoping.persons_for(actor).filter(pk=person.pk).exists()
        or person.controller_id != vacancy.controller_id
    ):
        raise ValidationError({"person": _("Register the applicant as a person of the organisation first.")})
    errors = {}
    if received_on is None:
        errors["received_on"] = _("State when the written interest was received.")
    elif received_on > timezone.localdate():
        errors["received_on"] = _("The interest cannot be received on a future date.")
    elif received_on > advert.interest_deadline:
        errors["received_on"] = _(
            "The deadline for written interest was %(day)s: interest received later is not in time (R38.2)."
        ) % {"day": short_date(advert.interest_deadline)}
    elif received_on < advert.agreed_on:
        errors["received_on"] = _(
            "The interest cannot be received before letting by advertising was agreed (%(day)s)."
        ) % {"day": short_date(advert.agreed_on)}
    assessment = (assessment or "").strip()
    if not qualified and not assessment:
        errors["assessment"] = _("State why the applicant does not meet the criteria.")
    if errors:
        raise ValidationError(errors)
    if Interest.objects.filter(advert=advert, person=person).exists():
        raise ValidationError({"person": _("The applicant has already expressed interest in this advert.")})
    interest = Interest(
        advert=advert, person=person, received_on=received_on, qualified=qualified, assessment=assessment
    )
    try:
        with transaction.atomic():
            audited_save(interest, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(
            {"person": _("The applicant has already expressed interest in this advert.")}
        ) from exc
    return interest


def _lock_interest(interest: Interest) -> tuple[Advert, Interest]:
    advert = lock_advert(interest.advert)
    interest = Interest.objects.select_for_update().select_related("person").get(pk=interest.pk)
    return advert, interest


@transaction.atomic
def interest_assess(*, actor, reason: str, interest: Interest, qualified: bool, assessment: str) -> Interest:
    """Change whether an applicant meets the criteria. Before lots are committed to, either way;
    afterwards the applicant list is frozen and an applicant can only be passed over."""
    require_reason(reason)
    advert, interest = _lock_interest(interest)
    require_writer(actor, advert.vacancy)
    require_open(advert.vacancy)
    assessment = (assessment or "").strip()
    if not qualified and not assessment:
        raise ValidationError({"assessment": _("State why the applicant does not meet the criteria.")})
    if qualified and lottery_of(advert) is not None and not interest.qualified:
        raise ValidationError(
            {
                "qualified": _(
                    "Lots have been committed to: an applicant outside the published list cannot be "
                    "added (R38.3)."
                )
            }
        )
    interest.qualified = qualified
    interest.assessment = assessment
    return audited_save(interest, actor=actor, reason=reason)


@transaction.atomic
def interest_decline(*, actor, reason: str, interest: Interest, note: str = "") -> Interest:
    """The applicant whose turn it is declined the dwelling (or cannot take it): passed over, and
    the next in the drawn order gets the turn."""
    require_reason(reason)
    advert, interest = _lock_interest(interest)
    require_writer(actor, advert.vacancy)
    require_open(advert.vacancy)
    if not interest.qualified:
        raise ValidationError(_("The applicant has already been passed over."))
    text = _("Declined the dwelling")
    note = (note or "").strip()
    interest.qualified = False
    interest.assessment = (f"{text}: {note}" if note else text)[
        : Interest._meta.get_field("assessment").max_length
    ]
    return audited_save(interest, actor=actor, reason=reason)


# --- Whose turn it is ------------------------------------------------------------------------------


class Stage:
    COLLECTING = "collecting"  # the deadline for written interest has not passed
    NOBODY = "nobody"  # no qualified applicant (left)
    SINGLE = "single"  # one qualified applicant: no lottery (R38.3 needs several)
    LOTTERY_NEEDED = "lottery_needed"  # several qualified applicants: the auditor commits
    # A youth dwelling: only applicants outside the § 12 eligible group qualify; R12.3 is recorded first.
    OUTSIDE_GROUP = "outside_group"
    COMMITTED = "committed"  # commitment published, the auditor has not drawn yet
    DRAWN = "drawn"  # the order is drawn: the turn goes down it
    LET = "let"


@dataclass(frozen=True)
class Turn:
    """Where the letting stands, and who is next for the dwelling (if anybody)."""

    stage: str
    interest: Interest | None = None
    place: int | None = None  # place in the drawn order


def youth_standings(advert: Advert, *, today: datetime.date | None = None) -> dict[int, YouthStanding] | None:
    """For an advertised youth dwelling: each interest's place in or outside the eligible group
    (R12.1, R13) on ``today``, by interest id. None for any other dwelling."""
    vacancy = advert.vacancy
    if vacancy.dwelling.kind != DwellingKind.YOUTH:
        return None
    day = today or timezone.localdate()
    return {
        interest.pk: youth_standing(vacancy=vacancy, person=interest.person, day=day)
        for interest in advert.interests.select_related("person")
    }


def qualified_pool(
    advert: Advert, qualified: list[Interest], *, today: datetime.date | None
) -> list[Interest] | None:
    """Whom the advertised dwelling may go to among the qualified: for a youth dwelling the
    eligible group while any of it is there (§ 12), everyone qualified once R12.3 is recorded.
    None: only applicants outside the group, and R12.3 not recorded."""
    standings = youth_standings(advert, today=today)
    if standings is None or advert.vacancy.fallback_rule == "R12.3":
        return qualified
    eligible = [i for i in qualified if standings[i.pk].eligible]
    if eligible or not qualified:
        return eligible
    return None


def youth_fallback_problem(advert: Advert | None, *, today: datetime.date | None = None) -> str:
    """Why R12.3 cannot yet be recorded for an advertised youth dwelling ("" when it can): the
    eligible group has had its chance only when the deadline for written interest has passed and
    no qualified applicant in the group is left."""
    if advert is None:
        return _(
            "Advertise the dwelling first: the eligible group must have had the chance to apply (R12.3)."
        )
    if lottery_of(advert) is not None:
        return _("Lots have been committed to: the published list of applicants decides (R38.3).")
    if not interest_deadline_passed(advert, today=today):
        return _(
            "The deadline for written interest (%(day)s) has not passed: the eligible group may still "
            "apply (R12.3)."
        ) % {"day": short_date(advert.interest_deadline)}
    standings = youth_standings(advert, today=today) or {}
    if any(i.qualified and standings[i.pk].eligible for i in advert.interests.all()):
        return _(
            "A qualified applicant in the eligible group (R12.1, R13) wants the dwelling: it goes to them, "
            "not to others (R12.3)."
        )
    return ""


def advert_turn(advert: Advert, *, today: datetime.date | None = None) -> Turn:
    vacancy = advert.vacancy
    if vacancy.state == VacancyState.LET:
        return Turn(Stage.LET)
    draw = lottery_of(advert)
    interests = list(advert.interests.select_related("person"))
    if draw is not None:
        if not draw.seed_revealed or draw.order is None:
            return Turn(Stage.COMMITTED)
        by_number = {i.person.applicant_number: i for i in interests}
        for place, ident in enumerate(draw.order, start=1):
            candidate = by_number.get(ident)
            if candidate is not None and candidate.qualified:
                return Turn(Stage.DRAWN, candidate, place)
        return Turn(Stage.NOBODY)
    if not interest_deadline_passed(advert, today=today):
        return Turn(Stage.COLLECTING)
    qualified = qualified_pool(advert, [i for i in interests if i.qualified], today=today)
    if qualified is None:
        return Turn(Stage.OUTSIDE_GROUP)
    if not qualified:
        return Turn(Stage.NOBODY)
    if len(qualified) == 1:
        return Turn(Stage.SINGLE, qualified[0])
    return Turn(Stage.LOTTERY_NEEDED)


# --- Letting ---------------------------------------------------------------------------------------


def advert_winner_basis(*, actor, advert: Advert, person: Person) -> str:
    """Check that ``person`` is the advert's winner; the basis of the lease."""
    advert = lock_advert(advert)
    vacancy = advert.vacancy
    require_writer(actor, vacancy)
    require_open(vacancy)
    turn = advert_turn(advert)
    if turn.stage == Stage.COLLECTING:
        raise ValidationError(
            _("The dwelling can be let when the deadline for written interest (%(day)s) has passed.")
            % {"day": short_date(advert.interest_deadline)}
        )
    if turn.stage in (Stage.LOTTERY_NEEDED, Stage.COMMITTED):
        raise ValidationError(
            _("Several qualified applicants want the dwelling: the auditor draws lots first (R38.3).")
        )
    if turn.stage == Stage.OUTSIDE_GROUP:
        raise ValidationError(
            _(
                "Only applicants outside the eligible group of this youth dwelling qualify: record first "
                "that the eligible group cannot take it (R12.3)."
            )
        )
    if turn.interest is None:
        raise ValidationError(_("No qualified applicant is left to let the dwelling to."))
    if turn.interest.person_id != person.pk:
        raise ValidationError(
            _("The dwelling goes to applicant number %(number)s (%(name)s).")
            % {"number": turn.interest.person.applicant_number, "name": turn.interest.person.full_name}
        )
    if turn.place is not None:
        basis = _("Letting by advertising (§ 38): place %(place)s in the lottery drawn by the auditor.") % {
            "place": turn.place
        }
    else:
        basis = _("Letting by advertising (§ 38): the only qualified applicant.")
    return basis
