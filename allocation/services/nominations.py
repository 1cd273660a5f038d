"""Kommunal anvisning (R1.4): a vacancy placed at the kommune's disposal under a share agreement.

The kommune names the tenant — for an urgent social need or rehousing after urban renewal — and
the ranking rules (§§ 2–11) and the rejection rules (§§ 26–30) do not bind it: nobody needs a
place on a waiting list, and no ranking is checked. The kommune *should* follow a § 4 agreement
(R4: households with children first to 3+ rooms) and §§ 26–30 where possible; we show that as a
hint and record whether it was followed, never as a refusal.

The organisation then makes the lease with the person named (R1.10): its caseworker signs, and the
person is found in — or added to — the organisation's own register under its data controller.

Who sees what (scoping comes from ``housing.scoping``): a kommune officer sees the kommunal-
anvisning vacancies of dwellings in their kommune(s); a member of the organisation sees its own.
Everybody else gets nothing (the views answer 404).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from housing import cpr, permissions, scoping
from housing import services as housing_services
from housing.audit import audited_save, require_reason
from housing.models import Person

from ..models import AgreementKind, LettingChannel, Nomination, Vacancy, VacancyStage, VacancyState
from .stages import vacancy_stage_move
from .vacancies import agreement_in_force

CHILDREN_AGREEMENT_MIN_ROOMS = 3  # R4: the § 4 agreement gives households with children priority to 3+ rooms

# --- Reading -----------------------------------------------------------------------------------


def _anvisning_vacancies() -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(channel=LettingChannel.KOMMUNAL_ANVISNING)


def visible_vacancies(user) -> QuerySet[Vacancy]:
    """Kommunal-anvisning vacancies the user may see: a kommune officer those of dwellings in
    their kommune(s), a member of the organisation (its data controller) the organisation's own.
    A shared-list association or an administrator without membership sees none: the nomination
    is personal data."""
    scope = scoping.scope_for(user)
    if not scope.kommune_ids and not scope.tenant_ids:
        return Vacancy.objects.none()
    return _anvisning_vacancies().filter(
        Q(dwelling__department__kommune_id__in=scope.kommune_ids) | Q(controller_id__in=scope.tenant_ids)
    )


def kommune_queue(user) -> QuerySet[Vacancy]:
    """The open kommunal-anvisning vacancies the user works on, the earliest vacant first, each
    annotated with ``named`` (whether the kommune has named a tenant). For a kommune officer:
    the vacancies in their kommune(s); for the organisation's staff: the organisation's own,
    to see which ones are ready for the lease. A fixed number of queries, however many rows."""
    return (
        visible_vacancies(user)
        .filter(state=VacancyState.OPEN)
        .select_related("dwelling__department__organisation", "dwelling__department__kommune", "nomination")
        .annotate(named=Exists(Nomination.objects.filter(vacancy=OuterRef("pk"))))
        .order_by("move_out_date", "pk")
    )


def kommune_queue_waiting(user) -> QuerySet[Vacancy]:
    """Open vacancies at the kommune's disposal in the officer's kommune(s) still waiting for the
    kommune to name a tenant (the officer's *Mine opgaver*). None for everybody else."""
    kommune_ids = scoping.scope_for(user).kommune_ids
    if not kommune_ids:
        return Vacancy.objects.none()
    return _anvisning_vacancies().filter(
        state=VacancyState.OPEN,
        dwelling__department__kommune_id__in=kommune_ids,
        nomination__isnull=True,
    )


def kommune_queue_waiting_count(user) -> int:
    """For the kommune officer's dashboard: how many ``kommune_queue_waiting``. 0 for everybody else."""
    return kommune_queue_waiting(user).count()


def nomination_vacancy(*, user, pk: int) -> Vacancy:
    """One kommunal-anvisning vacancy the user may see (raises ``Vacancy.DoesNotExist``
    otherwise), with what its page shows."""
    return (
        visible_vacancies(user)
        .select_related("dwelling__department__organisation", "dwelling__department__kommune", "agreement")
        .get(pk=pk)
    )


def nomination_of(vacancy: Vacancy) -> Nomination | None:
    return Nomination.objects.filter(vacancy=vacancy).select_related("kommune", "nominated_by").first()


def nomination_cpr_masked(nomination: Nomination) -> str:
    """The named person's CPR number as ``DDMMYY-XXXX``: the full number is never shown here
    (it is read in full only on the person's page, through the access log, once registered)."""
    return cpr.mask(cpr.birth_date(cpr.decrypt(nomination.cpr_encrypted)))


def is_officer_for(user, vacancy: Vacancy) -> bool:
    """Whether the user is an officer of the kommune the dwelling lies in: only they name."""
    return permissions.can_act_for_kommune(user, vacancy.dwelling.department.kommune_id)


def children_agreement_hint(vacancy: Vacancy, *, day: datetime.date | None = None) -> str:
    """A non-binding hint (R1.4): with a § 4 agreement in force (R4) and 3+ rooms, the kommune
    should let households with children go first where possible. Empty when nothing applies."""
    dwelling = vacancy.dwelling
    if vacancy.channel_reason.startswith("R5.5"):
        return ""  # let like an elder dwelling (R5.5): under R5.1 a § 4 priority is ignored (R5.4)
    if dwelling.rooms is None or dwelling.rooms < CHILDREN_AGREEMENT_MIN_ROOMS:
        return ""
    if agreement_in_force(AgreementKind.CHILDREN_PRIORITY, dwelling, day or timezone.localdate()) is None:
        return ""
    return _(
        "A § 4 agreement is in force: households with children have priority to dwellings with 3 or "
        "more rooms (R4). The kommune should follow the § 4 agreement where possible (R1.4); it is "
        "not binding."
    )


# --- Writing -----------------------------------------------------------------------------------


def _lock_anvisning_vacancy(vacancy: Vacancy) -> Vacancy:
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("dwelling__department")
        .get(pk=vacancy.pk)
    )
    if vacancy.channel != LettingChannel.KOMMUNAL_ANVISNING:
        raise ValidationError(
            _(
                "The kommune names the tenant only of a dwelling placed at its disposal "
                "(kommunal anvisning, R1.4)."
            )
        )
    if vacancy.state != VacancyState.OPEN:
        raise ValidationError(
            _("The vacancy is no longer open: the dwelling has been let or the vacancy cancelled.")
        )
    return vacancy


@transaction.atomic
def nomination_record(
    *,
    actor,
    reason: str,
    vacancy: Vacancy,
    cpr_number: str,
    first_name: str,
    last_name: str,
    household_size: int,
    ground: str,
    follows_children_agreement: bool = True,
) -> Nomination:
    """The kommune names the tenant of a vacancy at its disposal (R1.4), or changes whom it
    named until the lease is signed (one nomination per vacancy; each change is a history row).

    No waiting-list entry is needed and no ranking is checked: §§ 2–11 do not apply. On a
    change an empty ``cpr_number`` keeps the number named before."""
    require_reason(reason)
    vacancy = _lock_anvisning_vacancy(vacancy)
    if not is_officer_for(actor, vacancy):
        raise PermissionDenied
    nomination = Nomination.objects.filter(vacancy=vacancy).first()
    errors: dict[str, list[str]] = {}
    number = ""
    if (cpr_number or "").strip():
        try:
            number = cpr.normalise(cpr_number)
        except ValidationError as exc:
            errors["cpr"] = exc.messages
    elif nomination is None:
        errors["cpr"] = [_("Enter the CPR number of the person the kommune names.")]
    if household_size is None or household_size < 1:
        errors["household_size"] = [_("The household has at least one person.")]
    if errors:
        raise ValidationError(errors)
    if nomination is None:
        nomination = Nomination(vacancy=vacancy, kommune_id=vacancy.dwelling.department.kommune_id)
    if number:
        nomination.cpr_encrypted = cpr.encrypt(number)
        nomination.cpr_hash = cpr.lookup_hash(number)
    nomination.first_name = (first_name or "").strip()
    nomination.last_name = (last_name or "").strip()
    nomination.household_size = household_size
    nomination.ground = (ground or "").strip()
    nomination.follows_children_agreement = bool(follows_children_agreement)
    nomination.nominated_on = timezone.localdate()
    nomination.nominated_by = actor
    audited_save(nomination, actor=actor, reason=reason)
    # The kommune named the tenant and no approval is asked (R1.4): the lease may be signed. A change
    # of whom it named leaves the vacancy ready.
    vacancy_stage_move(
        vacancy, VacancyStage.READY, actor=actor, reason=reason, from_stages={VacancyStage.OPEN}
    )
    return nomination


def nominated_tenant(*, actor, reason: str, nomination: Nomination) -> tuple[Vacancy, Person, str]:
    """The vacancy (locked), the person the kommune named (R1.4) and the basis of their lease: the
    person is found by CPR in the organisation's own register, or registered there. Called inside
    the lease's transaction by ``letting.workflow.nomination_lease``, which signs through
    ``lease_sign`` (which checks the person against the nomination again)."""
    require_reason(reason)
    # Locked first, so the kommune cannot change whom it named between reading and signing.
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("controller")
        .get(pk=nomination.vacancy_id)
    )
    if not permissions.can_write_organisation(actor, vacancy.organisation_id):
        raise PermissionDenied
    nomination = Nomination.objects.select_related("kommune").get(pk=nomination.pk)
    # The organisation's register only: a caseworker of several controllers must not pick up
    # the same CPR number registered with another of them.
    person = Person.objects.filter(controller_id=vacancy.controller_id, cpr_hash=nomination.cpr_hash).first()
    if person is None:
        person = housing_services.person_create(
            actor=actor,
            reason=reason,
            controller=vacancy.controller,
            cpr_number=cpr.decrypt(nomination.cpr_encrypted),
            person=Person(first_name=nomination.first_name, last_name=nomination.last_name),
        )
    basis = (
        _("Let like an elder dwelling (R5.5, R14.1): named by %(kommune)s Kommune on %(day)s.")
        if vacancy.channel_reason.startswith("R5.5")
        else _("Kommunal anvisning (R1.4): named by %(kommune)s Kommune on %(day)s.")
    ) % {
        "kommune": nomination.kommune.name,
        "day": date_format(nomination.nominated_on, "SHORT_DATE_FORMAT"),
    }
    return vacancy, person, basis
