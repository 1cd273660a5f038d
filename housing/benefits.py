"""Benefit status (*ydelsesstatus*): recording it, and reading it with the access log.

Benefit data is sensitive: every read of a person's benefit status goes through
``household_benefit_periods`` (or ``household_benefits_on``, ``person_benefits``), which writes one
access-log row per person whose status was read, in the same transaction as the read. The test of
almenboligloven §§ 51 b and 51 c on what was read is the pure ``benefit_test``; which dwelling
and day it is asked for is ``allocation.services.benefit_rejection``'s business. Writes go through
``benefit_status_record`` / ``benefit_status_end`` with the acting user and a reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import permissions
from .audit import audited_save, require_reason
from .models import (
    AccessKind,
    AccessPurpose,
    BenefitProvision,
    BenefitStatus,
    HouseholdRelation,
    Person,
    PersonalDataAccess,
)

# The household members who are the applicant's spouse under almenboligloven §§ 51 b and 51 c: a
# registered partner is a spouse (the rules on marriage apply to registered partnership); a
# cohabitant only after 2 years of cohabitation (§ 51 b, stk. 1, 4. pkt.; § 51 c, stk. 2).
SPOUSE_RELATIONS = frozenset({HouseholdRelation.SPOUSE, HouseholdRelation.PARTNER})
COHABITATION_YEARS = 2
# § 51 b, stk. 1: "i 6 sammenhængende kalendermåneder har modtaget".
CONSECUTIVE_MONTHS = 6


@dataclass(frozen=True)
class HouseholdBenefit:
    """One benefit period, with who in the household gets it."""

    person: Person
    relation: str  # HouseholdRelation value ("applicant" when the person has no household)
    status: BenefitStatus


@dataclass(frozen=True)
class Member:
    person: Person
    relation: str
    cohabiting_since: datetime.date | None = None


@dataclass(frozen=True)
class HouseholdBenefits:
    """What one logged read returns: the household and its benefit periods in the window."""

    applicant: Person
    members: tuple[Member, ...]
    periods: tuple[HouseholdBenefit, ...]


def _household_of(person: Person) -> list[Member]:
    membership = getattr(person, "household_membership", None)
    if membership is None:
        return [Member(person, HouseholdRelation.APPLICANT)]
    return [
        Member(m.person, m.relation, m.cohabiting_since)
        for m in membership.household.members.select_related("person").order_by("pk")
    ]


def _check_read(actor, person: Person, check_scope: bool) -> None:
    if check_scope:
        permissions.require_read_tenant(actor, person.controller_id)


def _log(*, actor, persons: list[Person], purpose: str, purpose_text: str, detail: str) -> None:
    if purpose not in AccessPurpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the access.")})
    if purpose == AccessPurpose.OTHER and not purpose_text.strip():
        raise ValidationError({"purpose_text": _("Describe the purpose when you choose 'Other'.")})
    PersonalDataAccess.objects.bulk_create(
        [
            PersonalDataAccess(
                person=p,
                user=actor,
                kind=AccessKind.SENSITIVE_READ,
                purpose=purpose,
                purpose_text=purpose_text.strip()[:300],
                detail=detail[:200],
            )
            for p in persons
        ]
    )


@transaction.atomic
def household_benefit_periods(
    *,
    actor,
    person: Person,
    since: datetime.date,
    day: datetime.date,
    purpose: str,
    purpose_text: str = "",
    check_scope: bool = True,
) -> HouseholdBenefits:
    """The benefit periods of ``person`` and the members of their household that overlap
    ``since``…``day``. Writes one access-log row per person read (whether or not a benefit was
    found: the look-up itself is the access). ``check_scope=False`` only for services that have
    already decided the actor may handle the case (e.g. a kommune officer's approval of a letting
    in his kommune)."""
    _check_read(actor, person, check_scope)
    members = _household_of(person)
    persons = [m.person for m in members]
    relation_of = {m.person.pk: m.relation for m in members}
    by_id = {p.pk: p for p in persons}
    statuses = (
        BenefitStatus.objects.filter(person__in=persons, valid_from__lte=day)
        .exclude(valid_until__lt=since)
        .order_by("person_id", "kind", "valid_from")
    )
    detail = (
        _("Benefit status on %(day)s") % {"day": day.isoformat()}
        if since == day
        else _("Benefit status %(since)s to %(day)s") % {"since": since.isoformat(), "day": day.isoformat()}
    )
    _log(actor=actor, persons=persons, purpose=purpose, purpose_text=purpose_text, detail=detail)
    return HouseholdBenefits(
        applicant=person,
        members=tuple(members),
        periods=tuple(HouseholdBenefit(by_id[s.person_id], relation_of[s.person_id], s) for s in statuses),
    )


def household_benefits_on(
    *,
    actor,
    person: Person,
    day: datetime.date,
    purpose: str,
    purpose_text: str = "",
    check_scope: bool = True,
) -> list[HouseholdBenefit]:
    """The benefits in force on ``day`` for ``person`` and their household (a logged read)."""
    found = household_benefit_periods(
        actor=actor,
        person=person,
        since=day,
        day=day,
        purpose=purpose,
        purpose_text=purpose_text,
        check_scope=check_scope,
    )
    return list(found.periods)


# --- The benefit test of almenboligloven §§ 51 b and 51 c (pure) ------------------------------------


def lookback_start(day: datetime.date) -> datetime.date:
    """The first day of the earliest calendar month § 51 b looks at for a case dated ``day``."""
    return day.replace(day=1) - relativedelta(months=CONSECUTIVE_MONTHS)


def _covers(periods: list[tuple[datetime.date, datetime.date | None]], start, end) -> bool:
    """Every day from ``start`` to ``end`` lies in one of the periods (adjacent periods join)."""
    reached = start - datetime.timedelta(days=1)  # the last day covered so far
    for begin, until in sorted(periods, key=lambda p: p[0]):
        if begin > reached + datetime.timedelta(days=1):
            break
        if until is None or until >= end:
            return True
        reached = max(reached, until)
    return False


def whole_months_received(
    periods: list[tuple[datetime.date, datetime.date | None]], day: datetime.date
) -> int:
    """§ 51 b, stk. 1 ("i 6 sammenhængende kalendermåneder har modtaget"): how many whole calendar
    months in a row, counted back from the last month that ended before ``day``, the benefit was
    received on every day of (up to 6). A calendar month is the 1st to its last day; the month of
    ``day`` is not over on ``day`` and does not count; a month with a day without the benefit breaks
    the row."""
    first_of_month = day.replace(day=1)
    months = 0
    for back in range(1, CONSECUTIVE_MONTHS + 1):
        start = first_of_month - relativedelta(months=back)
        end = first_of_month - relativedelta(months=back - 1) - datetime.timedelta(days=1)
        if not _covers(periods, start, end):
            break
        months += 1
    return months


def cohabited_two_years(since: datetime.date | None, day: datetime.date) -> bool | None:
    """§ 51 b, stk. 1, 4. pkt. / § 51 c, stk. 2: "i mindst 2 år har været samlevende". ``None`` when
    the start of the cohabitation is not recorded."""
    if since is None:
        return None
    return since + relativedelta(years=COHABITATION_YEARS) <= day


def spouses_of(applicant: Person, members: tuple[Member, ...], day: datetime.date) -> tuple[list, list]:
    """The applicant's spouses under §§ 51 b and 51 c on ``day``, and the cohabitants whose
    cohabitation start is not recorded (so whether they count is not known)."""
    mine = next((m for m in members if m.person.pk == applicant.pk), None)
    if mine is None:
        return [], []
    others = [m for m in members if m.person.pk != applicant.pk]
    if mine.relation == HouseholdRelation.APPLICANT:
        candidates = [m for m in others if m.relation in SPOUSE_RELATIONS | {HouseholdRelation.COHABITANT}]
    elif mine.relation in SPOUSE_RELATIONS | {HouseholdRelation.COHABITANT}:
        # The person on the list is the spouse or cohabitant of the household's applicant.
        candidates = [
            Member(m.person, mine.relation, mine.cohabiting_since)
            for m in others
            if m.relation == HouseholdRelation.APPLICANT
        ]
    else:
        candidates = []
    spouses, unknown = [], []
    for m in candidates:
        if m.relation in SPOUSE_RELATIONS:
            spouses.append(m.person)
            continue
        counts = cohabited_two_years(m.cohabiting_since, day)
        if counts is None:
            unknown.append(m.person)
        elif counts:
            spouses.append(m.person)
    return spouses, unknown


@dataclass(frozen=True)
class PersonFinding:
    """One person's part of the test: the listed benefits received on the day and, for § 51 b,
    the whole calendar months in a row before it."""

    person: Person
    role: str  # "applicant" | "spouse" | "cohabitant_unknown"
    kinds_on_day: tuple[str, ...]
    whole_months: int
    meets: bool


@dataclass(frozen=True)
class BenefitTest:
    """The answer of §§ 51 b or 51 c for one applicant on one day. ``outcome``: ``reject`` (the
    applicant and every spouse meet the condition), ``no`` or ``unknown`` (it turns on a
    cohabitant whose cohabitation start is not recorded)."""

    provision: str
    day: datetime.date
    findings: tuple[PersonFinding, ...]
    outcome: str

    @property
    def must_reject(self) -> bool:
        return self.outcome == "reject"

    @property
    def any_listed(self) -> bool:
        return any(f.kinds_on_day for f in self.findings)


def benefit_test(
    household: HouseholdBenefits, *, provision: str, day: datetime.date, listed: frozenset[str]
) -> BenefitTest:
    """Whether the applicant and any spouse meet the benefit condition of ``provision`` on ``day``,
    each person by their own benefit periods (§ 51 b, stk. 2: "beregnes individuelt for både den
    boligsøgende og dennes eventuelle ægtefælle eller samlever"). ``listed``: the kinds the
    provision names on ``day`` (``housing.models.listed_kinds_on``).

    § 51 c: the person receives a listed benefit on the day ("modtager"). § 51 b: the person
    receives one on the day (stk. 1, 3. pkt.) and has received listed benefits on every day of the
    6 whole calendar months before the month of the day (kinds may change within the listed ones)."""
    applicant = household.applicant
    spouses, unknown = spouses_of(applicant, household.members, day)

    def finding(person: Person, role: str) -> PersonFinding:
        periods = [
            (b.status.valid_from, b.status.valid_until)
            for b in household.periods
            if b.person.pk == person.pk and b.status.kind in listed
        ]
        kinds = tuple(
            sorted(
                {
                    b.status.kind
                    for b in household.periods
                    if b.person.pk == person.pk and b.status.kind in listed and b.status.in_force_on(day)
                }
            )
        )
        months = whole_months_received(periods, day) if provision == BenefitProvision.COMBINED_LETTING else 0
        meets = bool(kinds) and (
            provision != BenefitProvision.COMBINED_LETTING or months >= CONSECUTIVE_MONTHS
        )
        return PersonFinding(person, role, kinds, months, meets)

    findings = [finding(applicant, "applicant")] + [finding(p, "spouse") for p in spouses]
    open_findings = [finding(p, "cohabitant_unknown") for p in unknown]
    if not all(f.meets for f in findings):
        outcome = "no"
    elif all(f.meets for f in open_findings):
        outcome = "reject"  # whether or not the cohabitants count, everyone meets the condition
    else:
        outcome = "unknown"
    return BenefitTest(provision, day, tuple(findings + open_findings), outcome)


@transaction.atomic
def person_benefits(*, actor, person: Person, purpose: str, purpose_text: str = "") -> list[BenefitStatus]:
    """All benefit periods recorded for ``person`` (the person's benefit tab), logged."""
    _check_read(actor, person, True)
    _log(
        actor=actor,
        persons=[person],
        purpose=purpose,
        purpose_text=purpose_text,
        detail=_("Benefit status (all periods)"),
    )
    return list(BenefitStatus.objects.filter(person=person).select_related("recorded_by"))


@transaction.atomic
def benefit_status_record(
    *,
    actor,
    reason: str,
    person: Person,
    kind: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    source: str,
    note: str = "",
) -> BenefitStatus:
    """Record that ``person`` receives ``kind`` from ``valid_from`` (until ``valid_until``)."""
    require_reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    permissions.require_write_tenant(actor, person.controller_id)
    overlapping = BenefitStatus.objects.filter(person=person, kind=kind)
    if valid_until is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_until)
    overlapping = overlapping.exclude(valid_until__lt=valid_from)
    if overlapping.exists():
        raise ValidationError(
            {"valid_from": _("The person already has this benefit recorded for part of the period.")}
        )
    return audited_save(
        BenefitStatus(
            controller_id=person.controller_id,
            person=person,
            kind=kind,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            note=note.strip(),
            recorded_by=actor,
        ),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def benefit_status_end(
    *, actor, reason: str, status: BenefitStatus, valid_until: datetime.date
) -> BenefitStatus:
    """Record the last day of a benefit period."""
    require_reason(reason)
    status = BenefitStatus.objects.select_for_update().get(pk=status.pk)
    permissions.require_write_tenant(actor, status.controller_id)
    status.valid_until = valid_until
    return audited_save(status, actor=actor, reason=reason)
