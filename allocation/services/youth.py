"""Youth dwellings (§§ 12–13) outside the pure ranking: the letting guideline in force (§ 12,
stk. 2, R12.2) and the eligible group (R12.1, R13) in the channels that do not rank a list —
letting by advertising (§ 1, stk. 6, which sets aside §§ 2–11 only) and flexible letting (§ 1,
stk. 7, which sets aside § 2, stk. 1–2 and §§ 4–10 only). § 12 is in neither exception, so an
advertised or flexibly let youth dwelling still goes to the eligible group; only when nobody in it
can take the dwelling may it be let to others (§ 12, stk. 3, R12.3: "kan udleje … til andre, hvis de
ikke kan udlejes til den berettigede personkreds"), a decision the caseworker records with reasons
(``vacancies.vacancy_let_outside``).

An applicant's educational and social facts are those recorded on their youth-list entry with
the organisation (education, special need, support need); the birth date is the person's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, Subquery
from django.utils.translation import gettext as _

from housing.models import DwellingKind, Person
from waitinglists.models import Entry, EntryStatus, ListKind

from .. import explanations
from ..models import Vacancy, YouthLettingGuideline, YouthPriorityGroup
from ..rules.ranking import Candidate, DwellingFacts, YouthGroup, YouthGuideline, youth_eligibility


def guideline_in_force(*, organisation_id: int, day: datetime.date) -> YouthLettingGuideline | None:
    """The organisation's youth letting guideline in force on ``day``: the latest with
    ``valid_from <= day`` (a guideline dated tomorrow does not count today)."""
    return (
        YouthLettingGuideline.objects.filter(organisation_id=organisation_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def guideline_facts(*, organisation_id: int, day: datetime.date) -> YouthGuideline | None:
    """The guideline in force as the pure ranking's ``YouthGuideline``: one query when it has
    priority groups (read with their guideline), a second only when it has none."""
    latest = (
        YouthLettingGuideline.objects.filter(organisation_id=organisation_id, valid_from__lte=day)
        .order_by("-valid_from")
        .values("pk")[:1]
    )
    groups = list(
        YouthPriorityGroup.objects.filter(guideline_id=Subquery(latest))
        .select_related("guideline")
        .order_by("position")
    )
    guideline = (
        groups[0].guideline if groups else guideline_in_force(organisation_id=organisation_id, day=day)
    )
    return _as_facts(guideline, groups)


def guideline_facts_of(guideline_id: int) -> YouthGuideline | None:
    """One guideline, whatever its date, as the pure ranking's ``YouthGuideline`` — the guideline a
    letting scenario applies before it is adopted (issue 17). Two queries."""
    guideline = YouthLettingGuideline.objects.filter(pk=guideline_id).first()
    groups = list(YouthPriorityGroup.objects.filter(guideline_id=guideline_id).order_by("position"))
    return _as_facts(guideline, groups)


def _as_facts(
    guideline: YouthLettingGuideline | None, groups: list[YouthPriorityGroup]
) -> YouthGuideline | None:
    if guideline is None:
        return None
    return YouthGuideline(
        title=guideline.title,
        valid_from=guideline.valid_from,
        groups=tuple(
            YouthGroup(
                number=group.position,
                name=group.name,
                education_levels=frozenset(group.education_levels or ()),
                income_below=group.income_below,
                social_need=group.social_need,
            )
            for group in groups
        ),
    )


# --- The eligible group in the channels without a ranking --------------------------------------------


def youth_entry_for(person: Person, vacancy: Vacancy) -> Entry | None:
    """The person's youth-list entry (not deleted) of the vacancy's organisation or of the
    lists it lets youth dwellings from; the most recently changed one if several."""
    organisation = vacancy.organisation
    return (
        Entry.objects.filter(person=person, waiting_list__kind=ListKind.YOUTH)
        .exclude(status=EntryStatus.DELETED)
        .filter(
            Q(waiting_list__organisation_id=organisation.pk)
            | Q(
                waiting_list__organisation__isnull=True,
                waiting_list__controller_id__in={organisation.tenant_id, organisation.list_tenant_id},
            )
        )
        .order_by("-pk")
        .first()
    )


@dataclass(frozen=True)
class YouthStanding:
    """Whether an applicant is in the group a youth dwelling goes to, and why not."""

    eligible: bool
    reason: str  # "" when eligible


def _candidate(person: Person, entry: Entry | None, day: datetime.date) -> Candidate:
    """The person's facts as ``rank`` reads them (``candidates.facts._candidate``)."""
    if entry is None:
        return Candidate(
            entry_id=0,
            applicant_number=person.applicant_number,
            list_kind="youth",
            seniority_date=day,
            birth_date=person.birth_date,
        )
    education_end = entry.education_expected_end
    return Candidate(
        entry_id=entry.pk,
        applicant_number=person.applicant_number,
        list_kind="youth",
        seniority_date=entry.seniority_date,
        birth_date=person.birth_date,
        in_education=bool(entry.education_institution) and (education_end is None or education_end >= day),
        special_need=bool(entry.special_need),
        needs_support=entry.needs_support,
    )


def youth_standing(*, vacancy: Vacancy, person: Person, day: datetime.date) -> YouthStanding | None:
    """R12.1 / R13 for a person in a channel without a ranking: None when the dwelling is not a
    youth dwelling; otherwise whether the person is in its eligible group on ``day``."""
    dwelling = vacancy.dwelling
    if dwelling.kind != DwellingKind.YOUTH:
        return None
    facts = DwellingFacts(
        department_id=dwelling.department_id,
        organisation_id=vacancy.organisation_id,
        kommune_id=0,
        kind=dwelling.kind,
        rooms=dwelling.rooms,
        gross_floor_area=float(dwelling.gross_floor_area),
        monthly_rent=float(dwelling.monthly_rent),
        youth_kind=dwelling.youth_kind or "",
    )
    entry = youth_entry_for(person, vacancy)
    problem = youth_eligibility(facts, _candidate(person, entry, day), day)
    if problem is None:
        return YouthStanding(True, "")
    problem = explanations.translate(problem)
    if entry is None:
        problem = _("%(problem)s No youth-list entry records the applicant's education or special need.") % {
            "problem": problem
        }
    return YouthStanding(False, problem)
