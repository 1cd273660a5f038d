"""The benefit tests of almenboligloven §§ 51 b and 51 c (R36.1, R37.1) and R6.2, written from the
law's words:

* § 51 b, stk. 1: "… når den boligsøgende og dennes eventuelle ægtefælle i 6 sammenhængende
  kalendermåneder har modtaget selvforsørgelses- og hjemrejseydelse, overgangsydelse,
  uddannelseshjælp eller kontanthjælp …"; "Afvisning … kan ske, når den boligsøgende og dennes
  ægtefælle modtager en af de … nævnte ydelser"; "Med ægtefæller sidestilles andre personer, som i
  mindst 2 år har været samlevende med den boligsøgende."
* § 51 b, stk. 2: "6-måneders-perioderne … beregnes individuelt for både den boligsøgende og dennes
  eventuelle ægtefælle eller samlever."
* § 51 c, stk. 1–2 (bekendtgørelsens § 37): in an omdannelsesområde the organisation "skal afvise
  boligsøgende på ventelisten, som ikke allerede har en bolig i afdelingen, når den boligsøgende og
  dennes ægtefælle modtager …" — no period of months; the same rule for cohabitants.
* Bekendtgørelsens § 6, stk. 2: "Fortrinsretten kan ikke gælde … for boligsøgende, der skal afvises
  efter almenboliglovens § 51 b eller § 51 c."

"6 sammenhængende kalendermåneder" is read as six whole calendar months in a row (1st to last day,
each day with a listed benefit), the six that ended before the month of the day asked about; the
month of that day has not ended and does not count.
"""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from allocation import explanations
from allocation.models import (
    Answer,
    GuaranteeSetAside,
    GuaranteeState,
    KommuneLettingDecision,
    Lease,
    OrganisationLettingPolicy,
)
from allocation.services import leases, offers
from allocation.services.benefit_rejection import benefit_rejection
from approvals import services as approvals
from approvals.models import BenefitFinding
from housing.audit import audited_save, system_user
from housing.benefits import benefit_status_record, whole_months_received
from housing.models import (
    AccessKind,
    AreaStatusKind,
    BenefitKind,
    BenefitSource,
    DepartmentAreaStatus,
    HouseholdRelation,
    PersonalDataAccess,
)
from letting import workflow
from rejections import services as rejections
from rejections.models import RejectionGround, RejectionState
from tests import scenarios
from tests.factories import (
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    PersonFactory,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

PAGE_LANGUAGE = "en"
TODAY = timezone.localdate()
REASON = "Test"
D = datetime.date
DAY = D(2026, 7, 1)  # the day the case is judged on
BEK_START = D(2018, 12, 1)
LATE_SENIORITY = D(2024, 1, 1)
KH = BenefitKind.KONTANTHJAELP
UH = BenefitKind.UDDANNELSESHJAELP


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _save(obj):
    return audited_save(obj, actor=system_user(), reason=REASON)


def _area(department, kind, valid_from=BEK_START, valid_until=None):
    return _save(
        DepartmentAreaStatus(department=department, kind=kind, valid_from=valid_from, valid_until=valid_until)
    )


@pytest.fixture
def dwelling(department_a):
    return DwellingFactory(department=department_a, rooms=2)


@pytest.fixture
def omdannelsesomraade(department_a):
    """Department A is part of an omdannelsesområde (2018 text: hårdt ghettoområde): § 51 c."""
    return _area(department_a, AreaStatusKind.HARD_GHETTO)


@pytest.fixture
def kombineret_udlejning(kommune_aarhus, department_a):
    """Aarhus has decided on kombineret udlejning and department A is on the ministry's list: § 51 b."""
    _save(
        KommuneLettingDecision(
            kommune=kommune_aarhus,
            valid_from=D(2018, 12, 1),
            decided_on=D(2018, 12, 1),
            combined_letting=True,
        )
    )
    return _area(department_a, AreaStatusKind.HIGH_OUTSIDE_LABOUR)


@pytest.fixture
def applicant(org_a):
    return PersonFactory(controller=org_a.tenant, first_name="Ansøger")


def _benefit(actor, person, valid_from, valid_until=None, kind=KH):
    return benefit_status_record(
        actor=actor,
        reason=REASON,
        person=person,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        source=BenefitSource.KOMMUNE,
    )


def _partner(applicant, relation=HouseholdRelation.SPOUSE, cohabiting_since=None):
    household = HouseholdFactory(controller=applicant.controller)
    HouseholdMemberFactory(household=household, person=applicant, relation=HouseholdRelation.APPLICANT)
    partner = HouseholdMemberFactory(
        household=household,
        person=PersonFactory(controller=applicant.controller, first_name="Partner"),
        relation=relation,
        cohabiting_since=cohabiting_since,
    ).person
    applicant.refresh_from_db()
    return partner


def _ask(actor, person, dwelling, day=DAY):
    return benefit_rejection(actor=actor, person=person, dwelling=dwelling, day=day, purpose_text="Test")


# --- § 51 b: 6 consecutive calendar months --------------------------------------------------------------


@pytest.mark.rule("R36.1")
def test_51b_five_whole_calendar_months_of_kontanthjaelp_are_not_six(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    _benefit(caseworker_a, applicant, D(2026, 2, 1))  # February–June: 5 whole months before July
    answer = _ask(caseworker_a, applicant, dwelling)
    assert answer.combined_letting and not answer.must_reject
    assert answer.under_51b.findings[0].whole_months == 5


@pytest.mark.rule("R36.1")
def test_51b_six_consecutive_calendar_months_of_kontanthjaelp_must_be_rejected(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    _benefit(caseworker_a, applicant, D(2026, 1, 1))  # January–June: 6 whole months before July
    answer = _ask(caseworker_a, applicant, dwelling)
    assert answer.must_reject and answer.provision == "51b"
    # On 30 June the sixth month has not ended: only December–May could count, and December was not
    # received.
    assert not _ask(caseworker_a, applicant, dwelling, day=D(2026, 6, 30)).must_reject


@pytest.mark.rule("R36.1")
def test_51b_a_calendar_month_received_only_in_part_does_not_count(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    _benefit(caseworker_a, applicant, D(2026, 1, 2))  # 1 January without the benefit
    assert not _ask(caseworker_a, applicant, dwelling).must_reject


@pytest.mark.rule("R36.1")
def test_51b_a_gap_breaks_the_consecutive_months(caseworker_a, kombineret_udlejning, dwelling, applicant):
    _benefit(caseworker_a, applicant, D(2026, 1, 1), D(2026, 3, 14))
    _benefit(caseworker_a, applicant, D(2026, 3, 16))  # 15 March without a benefit
    answer = _ask(caseworker_a, applicant, dwelling)
    assert not answer.must_reject and answer.under_51b.findings[0].whole_months == 3  # April–June


@pytest.mark.rule("R36.1")
def test_51b_one_listed_benefit_following_another_without_a_gap_is_consecutive(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    _benefit(caseworker_a, applicant, D(2026, 1, 1), D(2026, 3, 31), kind=UH)
    _benefit(caseworker_a, applicant, D(2026, 4, 1), kind=KH)
    assert _ask(caseworker_a, applicant, dwelling).must_reject


@pytest.mark.rule("R36.1")
def test_51b_six_months_that_ended_before_the_day_do_not_count_without_a_benefit_on_the_day(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    # "Afvisning … kan ske, når den boligsøgende og dennes ægtefælle modtager" a listed benefit.
    _benefit(caseworker_a, applicant, D(2026, 1, 1), D(2026, 6, 30))
    assert not _ask(caseworker_a, applicant, dwelling).must_reject


@pytest.mark.rule("R36.1")
def test_51b_the_six_months_are_counted_for_each_person(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    spouse = _partner(applicant)
    _benefit(caseworker_a, applicant, D(2026, 1, 1))  # 6 months
    _benefit(caseworker_a, spouse, D(2026, 2, 1))  # 5 months
    answer = _ask(caseworker_a, applicant, dwelling)
    assert not answer.must_reject
    assert [(f.role, f.whole_months, f.meets) for f in answer.under_51b.findings] == [
        ("applicant", 6, True),
        ("spouse", 5, False),
    ]
    # A month later both have 6.
    assert _ask(caseworker_a, applicant, dwelling, day=D(2026, 8, 1)).must_reject


def test_whole_calendar_months_count_back_from_the_month_before_the_day():
    assert whole_months_received([(D(2026, 1, 1), None)], D(2026, 7, 1)) == 6
    assert whole_months_received([(D(2026, 1, 1), None)], D(2026, 7, 31)) == 6
    assert whole_months_received([(D(2026, 1, 1), None)], D(2026, 6, 30)) == 5
    assert whole_months_received([(D(2026, 2, 1), None)], D(2026, 7, 1)) == 5
    # Periods that meet end to end join; February of a leap year has 29 days.
    assert (
        whole_months_received([(D(2023, 9, 1), D(2024, 2, 28)), (D(2024, 2, 29), None)], D(2024, 3, 5)) == 6
    )
    assert whole_months_received([(D(2023, 9, 1), D(2024, 2, 28)), (D(2024, 3, 1), None)], D(2024, 3, 5)) == 0


@pytest.mark.rule("R36.1")
def test_the_kommunes_approval_under_kombineret_udlejning_asks_the_same_question(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    first_of_month = TODAY.replace(day=1)
    spouse = _partner(applicant)
    _benefit(caseworker_a, applicant, first_of_month - relativedelta(months=6))
    _benefit(caseworker_a, spouse, first_of_month - relativedelta(months=5))
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    request = approvals.request_if_needed(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, person=applicant
    )
    assert request.grounds == ["R36.1"] and request.benefit_finding == BenefitFinding.PARTLY
    alone = PersonFactory(controller=applicant.controller)
    _benefit(caseworker_a, alone, first_of_month - relativedelta(months=6))
    other = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=dwelling.department, rooms=2))
    request = approvals.request_if_needed(actor=caseworker_a, reason=REASON, vacancy=other, person=alone)
    assert request.benefit_finding == BenefitFinding.LISTED


# --- § 51 c: receives on the day ----------------------------------------------------------------------


@pytest.mark.rule("R37.1")
def test_51c_asks_only_whether_the_benefit_is_received_on_the_day(
    caseworker_a, omdannelsesomraade, dwelling, applicant
):
    _benefit(caseworker_a, applicant, DAY)  # from the day itself: no months required by § 51 c
    answer = _ask(caseworker_a, applicant, dwelling)
    assert answer.in_omdannelsesomraade and answer.must_reject and answer.provision == "51c"
    assert not _ask(caseworker_a, applicant, dwelling, day=DAY - datetime.timedelta(days=1)).must_reject


@pytest.mark.rule("R37.1")
def test_51c_applicant_and_spouse_each_must_receive_a_listed_benefit(
    caseworker_a, omdannelsesomraade, dwelling, applicant
):
    spouse = _partner(applicant)
    _benefit(caseworker_a, applicant, D(2025, 1, 1))
    _benefit(caseworker_a, spouse, D(2025, 1, 1), kind=BenefitKind.FOERTIDSPENSION)  # not listed
    assert not _ask(caseworker_a, applicant, dwelling).must_reject
    _benefit(caseworker_a, spouse, D(2026, 6, 1), kind=UH)
    assert _ask(caseworker_a, applicant, dwelling).must_reject


# --- A cohabitant of at least 2 years counts as a spouse ----------------------------------------------------


@pytest.mark.rule("R36.1", "R37.1")
@pytest.mark.parametrize(
    ("cohabiting_since", "counts_as_spouse"),
    [
        (DAY - relativedelta(years=2) + datetime.timedelta(days=1), False),  # 1 year 364 days
        (DAY - relativedelta(years=2), True),  # 2 years
    ],
)
def test_a_cohabitant_of_at_least_2_years_is_equated_with_a_spouse(
    caseworker_a,
    omdannelsesomraade,
    kombineret_udlejning,
    dwelling,
    applicant,
    cohabiting_since,
    counts_as_spouse,
):
    # The applicant has received kontanthjælp for a year; the cohabitant works (no benefit).
    cohabitant = _partner(applicant, HouseholdRelation.COHABITANT, cohabiting_since=cohabiting_since)
    _benefit(caseworker_a, applicant, D(2025, 7, 1))
    answer = _ask(caseworker_a, applicant, dwelling)
    # A spouse who does not receive a listed benefit means no rejection; a cohabitant of less than
    # 2 years is not a spouse, so the applicant alone decides.
    assert answer.must_reject is not counts_as_spouse
    for test in answer.tests:
        assert (cohabitant.pk in {f.person.pk for f in test.findings}) is counts_as_spouse


@pytest.mark.rule("R37.1")
def test_a_cohabitant_without_a_recorded_start_leaves_the_answer_open(
    caseworker_a, omdannelsesomraade, dwelling, applicant, vacancy_in_a, entry_for
):
    _partner(applicant, HouseholdRelation.COHABITANT)
    _benefit(caseworker_a, applicant, D(2025, 7, 1))
    answer = _ask(caseworker_a, applicant, dwelling)
    assert not answer.must_reject and answer.unknown
    # The R37 rejection is not decided on a guess: the caseworker is told to record the date.
    entry = entry_for(applicant)
    with pytest.raises(ValidationError, match="Record since when the cohabitant"):
        rejections.rejection_open(
            actor=caseworker_a,
            reason=REASON,
            vacancy=vacancy_in_a,
            person=applicant,
            entry=entry,
            ground=RejectionGround.R37,
        )


@pytest.mark.rule("R36.1", "R37.1")
def test_the_caseworker_records_when_the_cohabitation_began(client_for, caseworker_a, read_only_a, applicant):
    cohabitant = _partner(applicant, HouseholdRelation.COHABITANT)
    url = f"/personer/{cohabitant.pk}/samliv/"
    page = client_for(caseworker_a).get(applicant.get_absolute_url())
    assert "Not recorded" in page.content.decode() and url in page.content.decode()
    assert client_for(read_only_a).get(url).status_code == 403
    future = client_for(caseworker_a).post(
        url, {"cohabiting_since": (TODAY + datetime.timedelta(days=1)).isoformat(), "change_reason": "Oplyst"}
    )
    assert future.status_code == 400 and "cannot begin in the future" in future.content.decode()
    saved = client_for(caseworker_a).post(url, {"cohabiting_since": "2023-05-01", "change_reason": "Oplyst"})
    assert saved.status_code == 302
    member = cohabitant.household_membership
    member.refresh_from_db()
    assert member.cohabiting_since == D(2023, 5, 1)
    assert member.history.first().history_change_reason == "Oplyst"
    # Only a cohabitant's membership carries the date.
    assert client_for(caseworker_a).get(f"/personer/{applicant.pk}/samliv/").status_code == 404


# --- The list of benefits in force on the case's date ------------------------------------------------------


@pytest.mark.rule("R37.1")
def test_the_renamed_benefit_is_judged_by_the_list_in_force_on_the_case_date(
    caseworker_a, omdannelsesomraade, dwelling, applicant
):
    # Selvforsørgelses- og hjemrejseydelse replaced integrationsydelse from 1 July 2019: a case
    # dated before that day is judged by the list then in force, which did not name it.
    _benefit(caseworker_a, applicant, D(2019, 6, 1), kind=BenefitKind.SELVFORSOERGELSESYDELSE)
    assert not _ask(caseworker_a, applicant, dwelling, day=D(2019, 6, 30)).must_reject
    assert _ask(caseworker_a, applicant, dwelling, day=D(2019, 7, 1)).must_reject
    other = PersonFactory(controller=applicant.controller)
    _benefit(caseworker_a, other, D(2026, 1, 1), kind=BenefitKind.OVERGANGSYDELSE)
    assert _ask(caseworker_a, other, dwelling).must_reject


@pytest.mark.rule("R36.1", "R37.1")
def test_the_benefit_tab_shows_the_list_in_force_today(client_for, caseworker_a, applicant):
    page = client_for(caseworker_a).get(f"/personer/{applicant.pk}/ydelser/").content.decode()
    assert "§ 51 c, stk. 1" in page and "Selvforsørgelses- og hjemrejseydelse" in page
    assert "Overgangsydelse" in page


@pytest.mark.rule("R36.1")
def test_months_of_integrationsydelse_before_the_rename_count_toward_the_six(
    caseworker_a, kombineret_udlejning, dwelling, applicant
):
    _benefit(caseworker_a, applicant, D(2019, 3, 1), D(2019, 6, 30), kind=BenefitKind.INTEGRATIONSYDELSE)
    _benefit(caseworker_a, applicant, D(2019, 7, 1), kind=BenefitKind.SELVFORSOERGELSESYDELSE)
    assert _ask(caseworker_a, applicant, dwelling, day=D(2019, 9, 1)).must_reject  # March–August


# --- Reads are logged; nothing is read where neither provision applies ------------------------------------


@pytest.mark.rule("R36.1", "R37.1")
def test_every_benefit_read_is_logged_per_person_and_none_happens_outside_the_areas(
    caseworker_a, department_a, dwelling, applicant
):
    spouse = _partner(applicant)
    _benefit(caseworker_a, applicant, D(2025, 1, 1))
    answer = _ask(caseworker_a, applicant, dwelling)
    assert not answer.must_reject and not answer.tests
    assert not PersonalDataAccess.objects.filter(kind=AccessKind.SENSITIVE_READ).exists()
    _area(department_a, AreaStatusKind.HARD_GHETTO)
    _ask(caseworker_a, applicant, dwelling)
    logged = PersonalDataAccess.objects.filter(kind=AccessKind.SENSITIVE_READ, user=caseworker_a)
    assert sorted(logged.values_list("person_id", flat=True)) == sorted([applicant.pk, spouse.pk])


# --- R6.2: judged when the guarantee is used for a concrete dwelling ------------------------------------


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def entry_for(general_list, department_a):
    def make(person, seniority=LATE_SENIORITY):
        entry = EntryFactory(
            waiting_list=general_list, person=person, seniority_date=seniority, rooms_min=1, rooms_max=6
        )
        entry.departments.add(department_a)
        return entry

    return make


@pytest.fixture
def vacancy_in_a(caseworker_a, dwelling):
    return scenarios.open_vacancy(caseworker_a, dwelling)


@pytest.fixture
def holder(caseworker_a, org_a, department_a, applicant, entry_for):
    """A former tenant of department A with a boliggarantibevis, on kontanthjælp for a year, on the
    general list behind two applicants with longer seniority."""
    _save(
        OrganisationLettingPolicy(
            organisation=org_a,
            valid_from=D(2020, 1, 1),
            decided_on=D(2020, 1, 1),
            issues_housing_guarantees=True,
            housing_guarantee_months=36,
            offer_round_size=1,
        )
    )
    old = _save(
        Lease(
            dwelling=DwellingFactory(department=department_a),
            landlord=org_a,
            controller=org_a.tenant,
            person=applicant,
            signed_on=D(2015, 1, 1),
            starts_on=D(2015, 2, 1),
            ends_on=TODAY - datetime.timedelta(days=10),
            signed_by=caseworker_a,
        )
    )
    guarantee = leases.guarantee_issue(
        actor=caseworker_a, reason=REASON, lease=old, moved_out_on=TODAY - datetime.timedelta(days=10)
    )
    _benefit(caseworker_a, applicant, TODAY - relativedelta(years=1))
    for year in (2010, 2011):
        entry_for(PersonFactory(controller=org_a.tenant), seniority=D(year, 1, 1))
    entry_for(applicant, seniority=D(2024, 1, 1))
    return guarantee


@pytest.mark.rule("R6.2")
def test_the_guarantee_is_issued_despite_an_old_refusal_under_51_b_and_51_c(
    caseworker_a, org_a, department_a, applicant, omdannelsesomraade, vacancy_in_a, entry_for
):
    _save(
        OrganisationLettingPolicy(
            organisation=org_a,
            valid_from=D(2020, 1, 1),
            decided_on=D(2020, 1, 1),
            issues_housing_guarantees=True,
        )
    )
    _benefit(caseworker_a, applicant, D(2024, 1, 1))
    case = rejections.rejection_open(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy_in_a,
        person=applicant,
        entry=entry_for(applicant),
        ground=RejectionGround.R37,
    )
    assert case.state == RejectionState.DECIDED
    old = _save(
        Lease(
            dwelling=DwellingFactory(department=department_a),
            landlord=org_a,
            controller=org_a.tenant,
            person=applicant,
            signed_on=D(2015, 1, 1),
            starts_on=D(2015, 2, 1),
            ends_on=TODAY,
            signed_by=caseworker_a,
        )
    )
    guarantee = leases.guarantee_issue(actor=caseworker_a, reason=REASON, lease=old, moved_out_on=TODAY)
    assert guarantee.state == GuaranteeState.VALID


@pytest.mark.rule("R6.2", "R37.1")
def test_a_holder_who_must_be_rejected_under_51_c_gets_no_priority_for_a_dwelling_in_an_omdannelsesomraade(
    caseworker_a, department_a, dwelling, holder, applicant
):
    area = _area(department_a, AreaStatusKind.HARD_GHETTO)
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    first = offer_round.offers.get(rank=1)
    # The letting goes to the next candidate: the longest on the general list.
    assert first.rule == "R2.1" and first.entry.person != applicant
    set_aside = GuaranteeSetAside.objects.get(vacancy=vacancy)
    assert (set_aside.guarantee, set_aside.provision, set_aside.judged_on) == (holder, "51c", TODAY)
    holder.refresh_from_db()
    assert holder.state == GuaranteeState.VALID  # still valid for other dwellings
    # The read was logged for this purpose.
    assert PersonalDataAccess.objects.filter(
        person=applicant, kind=AccessKind.SENSITIVE_READ, purpose_text__startswith="R6.2"
    ).exists()
    # The ranking places the holder by seniority and says why the guarantee does not apply.
    from allocation.services.ranking import vacancy_ranking

    placed = {p.candidate.entry_id: p for p in vacancy_ranking(vacancy, day=TODAY).ranking.placed}
    holder_place = next(p for p in placed.values() if p.rule != "R6" and "R6.2" in p.explanation)
    assert "almenboligloven § 51 c" in holder_place.explanation
    assert explanations.unknown_fragments(holder_place.explanation) == []
    assert "must be rejected under almenboligloven § 51 c" in explanations.translate(holder_place.explanation)
    # The same guarantee for another dwelling of the department once it is no longer in an
    # omdannelsesområde: the priority applies again.
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=first, answer=Answer.ACCEPTED)
    area.valid_until = TODAY - datetime.timedelta(days=1)
    _save(area)
    later = scenarios.open_vacancy(caseworker_a, DwellingFactory(department=department_a, rooms=2))
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=later)
    assert offer_round.offers.get(rank=1).rule == "R6"


@pytest.mark.rule("R6.2", "R6.1")
def test_the_same_holder_keeps_the_priority_in_an_ordinary_department(
    caseworker_a, dwelling, holder, applicant
):
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    first = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy).offers.get(rank=1)
    assert (first.rule, first.entry.person) == ("R6", applicant)
    assert not GuaranteeSetAside.objects.exists()
    # Neither § 51 b nor § 51 c applies to the department: the benefit status was not even read.
    assert not PersonalDataAccess.objects.filter(person=applicant, kind=AccessKind.SENSITIVE_READ).exists()


@pytest.mark.rule("R6.2", "R36.1")
def test_a_holder_short_of_six_months_under_51_b_keeps_the_priority(
    caseworker_a, kombineret_udlejning, dwelling, holder, applicant
):
    # The holder has received kontanthjælp for a year: under kombineret udlejning, must be rejected.
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    first = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy).offers.get(rank=1)
    assert first.rule == "R2.1" and GuaranteeSetAside.objects.get(vacancy=vacancy).provision == "51b"
    # Another holder whose benefit began 5 whole months ago is not to be rejected: R6 applies.
    other_vacancy = scenarios.open_vacancy(
        caseworker_a, DwellingFactory(department=dwelling.department, rooms=2)
    )
    status = applicant.benefit_statuses.get()
    status.valid_from = TODAY.replace(day=1) - relativedelta(months=5)
    _save(status)
    first = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=other_vacancy).offers.get(rank=1)
    assert (first.rule, first.entry.person) == ("R6", applicant)
