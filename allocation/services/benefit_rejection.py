"""One question, asked wherever the law asks it: must this applicant be rejected under
almenboligloven § 51 b or § 51 c on day D for dwelling X?

* § 51 c (R37.1, bekendtgørelsens § 37): the department is part of an *omdannelsesområde* (2018
  text: *hårdt ghettoområde*) on the day → the organisation **must** reject a list applicant who
  does not already have a dwelling in the department when the applicant and any spouse receive
  a listed benefit on the day.
* § 51 b (R36.1, bekendtgørelsens § 36): the kommune has decided on *kombineret udlejning* and the
  department is in an area on the ministry's list (R35) → the same, but each person must also have
  received listed benefits for 6 whole consecutive calendar months (§ 51 b, stk. 1–2).

A cohabitant of at least 2 years counts as a spouse (§ 51 b, stk. 1, 4. pkt.; § 51 c, stk. 2);
each person is tested on their own periods (§ 51 b, stk. 2). The listed benefits are those in
force on the day (``housing.models.ListedBenefit``). The benefit status is read — and logged —
only when one of the provisions applies to the dwelling on the day.

Callers: the R37 rejection and the lease guard (``rejections.benefit_rejection_facts``), the kommune's R36.1
approval (``approvals``), and the use of a boliggarantibevis for a concrete dwelling (R6.2,
``guarantee_usage_check`` below, called when an offer round is opened)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from housing.audit import audited_save
from housing.benefits import BenefitTest, benefit_test, household_benefit_periods, lookback_start
from housing.models import (
    AccessPurpose,
    AreaStatusKind,
    BenefitKind,
    BenefitProvision,
    Dwelling,
    DwellingKind,
    Person,
    listed_kinds_on,
)

from ..models import GuaranteeSetAside, GuaranteeState, HousingGuarantee, Vacancy
from ..selectors import area_status_on, has_dwelling_in_department
from .policies import kommune_decision_in_force


@dataclass(frozen=True)
class BenefitRejection:
    """The facts and the answer for one applicant, dwelling and day."""

    day: datetime.date
    in_omdannelsesomraade: bool  # § 51 c applies to the department on the day
    combined_letting: bool  # § 51 b applies (kombineret udlejning in a listed area)
    already_has_dwelling_in_department: bool
    from_waiting_list: bool
    under_51c: BenefitTest | None = None
    under_51b: BenefitTest | None = None

    @property
    def tests(self) -> list[BenefitTest]:
        return [t for t in (self.under_51c, self.under_51b) if t is not None]

    @property
    def must_reject(self) -> bool:
        return any(t.must_reject for t in self.tests)

    @property
    def provision(self) -> str:
        """The provision that demands the rejection (§ 51 c first: it needs no 6 months), or ""."""
        return next((t.provision for t in self.tests if t.must_reject), "")

    @property
    def unknown(self) -> bool:
        """The answer turns on a cohabitant whose cohabitation start is not recorded."""
        return not self.must_reject and any(t.outcome == "unknown" for t in self.tests)

    def summary(self) -> str:
        """Who receives which listed benefit (and, under § 51 b, for how many whole months)."""
        labels = dict(BenefitKind.choices)
        parts, seen = [], set()
        for test in self.tests:
            for f in test.findings:
                if f.person.pk in seen or not f.kinds_on_day:
                    continue
                seen.add(f.person.pk)
                text = f"{f.person.first_name}: " + ", ".join(str(labels.get(k, k)) for k in f.kinds_on_day)
                if test.provision == BenefitProvision.COMBINED_LETTING:
                    text += " " + _("(%(n)s whole calendar months)") % {"n": f.whole_months}
                if f.role == "cohabitant_unknown":
                    text += " " + _("(cohabitant, start of cohabitation not recorded)")
                parts.append(text)
        return "; ".join(parts)[:300]


def benefit_rejection(
    *,
    actor,
    person: Person,
    dwelling: Dwelling,
    day: datetime.date,
    purpose_text: str,
    from_waiting_list: bool = True,
) -> BenefitRejection:
    """Must ``person`` be rejected under § 51 b or § 51 c on ``day`` for ``dwelling``? Reads the
    household's benefit status (logged, with ``purpose_text``) only when a provision applies; the
    caller has checked that ``actor`` may handle the letting."""
    department = dwelling.department
    in_51c = area_status_on(department.pk, AreaStatusKind.HARD_GHETTO, day) is not None
    decision = kommune_decision_in_force(kommune_id=department.kommune_id, day=day)
    in_51b = (
        dwelling.kind == DwellingKind.FAMILY
        and bool(decision and decision.combined_letting)
        and area_status_on(department.pk, AreaStatusKind.HIGH_OUTSIDE_LABOUR, day) is not None
    )
    has_dwelling = has_dwelling_in_department(person, department.pk, day)
    answer = BenefitRejection(
        day=day,
        in_omdannelsesomraade=in_51c,
        combined_letting=in_51b,
        already_has_dwelling_in_department=has_dwelling,
        from_waiting_list=from_waiting_list,
    )
    # Both provisions concern "boligsøgende på ventelisten, som ikke allerede har en bolig i
    # afdelingen": nothing to read for anybody else.
    if not (in_51b or in_51c) or has_dwelling or not from_waiting_list:
        return answer
    household = household_benefit_periods(
        actor=actor,
        person=person,
        since=lookback_start(day) if in_51b else day,
        day=day,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=purpose_text,
        check_scope=False,
    )
    under_51c = under_51b = None
    if in_51c:
        provision = BenefitProvision.OMDANNELSESOMRAADE
        under_51c = benefit_test(
            household, provision=provision, day=day, listed=listed_kinds_on(provision, day)
        )
    if in_51b:
        provision = BenefitProvision.COMBINED_LETTING
        under_51b = benefit_test(
            household, provision=provision, day=day, listed=listed_kinds_on(provision, day)
        )
    return BenefitRejection(
        day=day,
        in_omdannelsesomraade=in_51c,
        combined_letting=in_51b,
        already_has_dwelling_in_department=has_dwelling,
        from_waiting_list=from_waiting_list,
        under_51c=under_51c,
        under_51b=under_51b,
    )


# --- R6.2: the boliggarantibevis used for a concrete dwelling ----------------------------------------


def set_aside_guarantee_ids(vacancy_id: int) -> set[int]:
    return set(GuaranteeSetAside.objects.filter(vacancy_id=vacancy_id).values_list("guarantee_id", flat=True))


def guarantee_usage_check(*, actor, reason: str, vacancy: Vacancy, person: Person, day: datetime.date) -> str:
    """R6.2 when the holder's boliggarantibevis would be used for ``vacancy`` (the ranking places
    the holder by R6 and the round is about to offer the dwelling): ask § 51 b / § 51 c for this
    dwelling on ``day``. If the holder must be rejected, record that the priority does not apply to
    this vacancy and return the provision; the guarantee itself stays valid. Called inside the
    round's transaction (the vacancy row is locked)."""
    guarantee = (
        HousingGuarantee.objects.filter(
            person=person,
            department_id=vacancy.dwelling.department_id,
            state=GuaranteeState.VALID,
            valid_until__gte=day,
        )
        .order_by("-valid_until")
        .first()
    )
    if guarantee is None:
        return ""
    answer = benefit_rejection(
        actor=actor,
        person=person,
        dwelling=vacancy.dwelling,
        day=day,
        purpose_text=_("R6.2: boliggarantibevis used for vacancy %(id)s") % {"id": vacancy.pk},
    )
    if not answer.must_reject:
        return ""
    try:
        with transaction.atomic():
            audited_save(
                GuaranteeSetAside(
                    guarantee=guarantee,
                    vacancy=vacancy,
                    controller_id=vacancy.controller_id,
                    provision=answer.provision,
                    judged_on=day,
                    judged_by=actor,
                ),
                actor=actor,
                reason=reason,
            )
    except IntegrityError:
        pass  # already recorded for this vacancy
    return answer.provision
