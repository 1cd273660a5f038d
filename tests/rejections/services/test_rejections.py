"""Rejection cases (§§ 26–30, § 37): each ground's facts and guards with the edges the law names,
the R28.2 report, the mandatory R37.1 with the kommune's R37.2 dispensation and the R37.3 report,
the decision letter's complaint guidance (R11, R24), R6.2 (no bar at move-out), complaints, and the
offer round skipping a rejected candidate."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from allocation.models import Answer, Lease, RoundState
from allocation.services import leases, offers
from complaints import services as complaint_services
from complaints.models import ComplaintBody, ComplaintOutcome
from housing.audit import audited_save, system_user
from housing.benefits import benefit_status_record, household_benefits_on
from housing.models import (
    AccessKind,
    AccessPurpose,
    AreaStatusKind,
    BenefitKind,
    BenefitProvision,
    BenefitSource,
    DepartmentAreaStatus,
    HouseholdRelation,
    HousingArea,
    PersonalDataAccess,
    listed_kinds_on,
)
from letters.models import Letter
from letting import workflow
from rejections import dispensations, rules
from rejections import reports as rejection_reports
from rejections import services as rejections
from rejections.models import (
    DispensationReport,
    DispensationState,
    RejectionCase,
    RejectionGround,
    RejectionSettings,
    RejectionState,
    TerminationRejectionReport,
)
from tests import scenarios
from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    HousingOrganisationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

TODAY = timezone.localdate()
REASON = "Test"
LONG_REASONING = "The applicant has repeatedly threatened neighbours; documented in three written warnings."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def dwelling(department_a):
    return DwellingFactory(department=department_a, rooms=2)


@pytest.fixture
def vacancy(caseworker_a, dwelling):
    return workflow.vacancy_open(
        actor=caseworker_a,
        reason=REASON,
        dwelling=dwelling,
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY + datetime.timedelta(days=30),
    )


@pytest.fixture
def entry(general_list, department_a):
    entry = EntryFactory(waiting_list=general_list, rooms_min=1, rooms_max=6)
    entry.departments.add(department_a)
    return entry


def _household(applicant, *relations):
    household = HouseholdFactory(controller=applicant.controller)
    HouseholdMemberFactory(household=household, person=applicant, relation=HouseholdRelation.APPLICANT)
    members = [
        HouseholdMemberFactory(
            household=household,
            person=PersonFactory(controller=applicant.controller),
            relation=relation,
        ).person
        for relation in relations
    ]
    applicant.refresh_from_db()
    return members


def _status(department, kind, *, area=None, valid_from=datetime.date(2020, 12, 1), valid_until=None):
    return audited_save(
        DepartmentAreaStatus(
            department=department,
            kind=kind,
            housing_area=area,
            valid_from=valid_from,
            valid_until=valid_until,
        ),
        actor=system_user(),
        reason=REASON,
    )


def _open(actor, vacancy, entry, ground, **kwargs):
    return rejections.rejection_open(
        actor=actor, reason=REASON, vacancy=vacancy, person=entry.person, entry=entry, ground=ground, **kwargs
    )


def _benefit(actor, person, kind=BenefitKind.KONTANTHJAELP, valid_from=datetime.date(2024, 1, 1), **kw):
    return benefit_status_record(
        actor=actor,
        reason=REASON,
        person=person,
        kind=kind,
        valid_from=valid_from,
        source=BenefitSource.KOMMUNE,
        **kw,
    )


# --- R26 --------------------------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_r26_more_than_two_persons_per_room(caseworker_a, vacancy, entry):
    # 4 persons in 2 rooms is exactly 2 per room: no rejection.
    _household(entry.person, HouseholdRelation.SPOUSE, HouseholdRelation.CHILD, HouseholdRelation.CHILD)
    with pytest.raises(ValidationError, match="not more than 2"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R26)
    assert not RejectionCase.objects.exists()
    # A fifth member: 2.5 per room.
    household = entry.person.household_membership.household
    HouseholdMemberFactory(
        household=household,
        person=PersonFactory(controller=household.controller),
        relation=HouseholdRelation.CHILD,
    )
    # "kan … afvise" is a discretion: the decision states its reasons.
    with pytest.raises(ValidationError, match="discretion"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R26)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R26, reasoning=LONG_REASONING)
    assert case.state == RejectionState.DECIDED and (case.household_size, case.rooms) == (5, 2)
    assert rules.persons_per_room(5, 2) == Decimal("2.50")


@pytest.mark.rule("R26")
def test_a_decided_rejection_skips_every_entry_of_the_applicant_for_the_vacancy(
    caseworker_a, vacancy, entry, org_a, department_a
):
    """§ 26 refuses the letting "til en boligsøgende": the person, on whichever list he stands —
    not only the entry named in the case."""
    internal = WaitingListFactory(controller=org_a.tenant, kind="internal", organisation=org_a)
    other = EntryFactory(waiting_list=internal, person=entry.person)
    bystander = EntryFactory(waiting_list=internal)
    _household(entry.person, *[HouseholdRelation.CHILD] * 4)
    rejections.rejection_open(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=entry.person,
        entry=entry,
        ground=RejectionGround.R26,
        reasoning=LONG_REASONING,
    )
    skipped = workflow.skipped_entry_ids(vacancy)
    assert {entry.pk, other.pk} <= skipped and bystander.pk not in skipped


# --- R27 --------------------------------------------------------------------------------------------


def _debt(**overrides):
    facts = {
        "debt_amount": Decimal("1000.00"),
        "debt_due_date": TODAY - datetime.timedelta(days=60),
        "debt_origin": "former",
        "debt_origin_text": "Alfavej 3, moved out 2023",
    }
    facts.update(overrides)
    return facts


@pytest.mark.rule("R27.1")
def test_r27_overdue_debt_from_a_tenancy_grounds_a_rejection_with_a_letter(
    caseworker_a, org_a, vacancy, entry
):
    with pytest.raises(ValidationError, match="not overdue"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt(debt_due_date=TODAY))
    with pytest.raises(ValidationError, match="former or current tenancy"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt(debt_origin="other"))
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt())
    assert case.state == RejectionState.DECIDED and case.decided_on == TODAY
    letter = Letter.objects.get(kind="rejection_decision", recipient=entry.person)
    assert case.letter == letter and "§ 27" in letter.body_html and "1.000,00" in letter.body_html


@pytest.mark.rule("R27.2")
def test_r27_debt_exactly_at_the_threshold_is_not_insignificant(caseworker_a, org_a, vacancy, entry):
    audited_save(
        RejectionSettings(organisation=org_a, insignificant_debt_threshold=Decimal("2500.00")),
        actor=system_user(),
        reason=REASON,
    )
    with pytest.raises(ValidationError, match="insignificant"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt(debt_amount=Decimal("2499.99")))
    case = _open(
        caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt(debt_amount=Decimal("2500.00"))
    )
    assert case.state == RejectionState.DECIDED and case.debt_threshold == Decimal("2500.00")


@pytest.mark.rule("R27.2")
@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("debt_time_barred", "time-barred"),
        ("debt_plan_kept", "instalment plan"),
        ("debt_restructuring_kept", "debt restructuring"),
    ],
)
def test_r27_exceptions_refuse_the_rejection(caseworker_a, vacancy, entry, flag, message):
    with pytest.raises(ValidationError, match=message) as error:
        _open(caseworker_a, vacancy, entry, RejectionGround.R27, facts=_debt(**{flag: True}))
    assert flag in error.value.message_dict
    assert (
        not RejectionCase.objects.exists() and not Letter.objects.filter(kind="rejection_decision").exists()
    )


# --- R28 --------------------------------------------------------------------------------------------


@pytest.fixture
def area_setup(department_a, kommune_aarhus):
    """department_a and a department of another organisation in one combined housing area."""
    area = audited_save(
        HousingArea(kommune=kommune_aarhus, name="Gellerup-området"), actor=system_user(), reason=REASON
    )
    other_org = HousingOrganisationFactory(name="Gamma Bolig")
    other = DepartmentFactory(organisation=other_org, kommune=kommune_aarhus)
    _status(department_a, AreaStatusKind.COMBINED_AREA, area=area)
    _status(other, AreaStatusKind.COMBINED_AREA, area=area)
    return other


def _r28(other, takeover, **overrides):
    facts = {
        "termination_date": takeover - relativedelta(years=2) + datetime.timedelta(days=1),
        "termination_ground": "90.1.10",
        "terminating_department": other,
        "terminated_person_text": "The applicant",
    }
    facts.update(overrides)
    return facts


@pytest.mark.rule("R28.1")
def test_r28_two_years_minus_one_day_allows_plus_one_day_refuses(caseworker_a, vacancy, entry, area_setup):
    takeover = vacancy.move_out_date
    late = takeover - relativedelta(years=2) - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="more than 2 years"):
        _open(
            caseworker_a,
            vacancy,
            entry,
            RejectionGround.R28,
            reasoning=LONG_REASONING,
            facts=_r28(area_setup, takeover, termination_date=late),
        )
    case = _open(
        caseworker_a,
        vacancy,
        entry,
        RejectionGround.R28,
        reasoning=LONG_REASONING,
        facts=_r28(area_setup, takeover),
    )
    assert case.state == RejectionState.DECIDED
    assert (
        rules.termination_period_end(takeover - relativedelta(years=2)) == takeover
    )  # exactly 2 years still counts


@pytest.mark.rule("R28.1")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"termination_ground": "other"}, r"§ 85, stk. 1, nr. 3–4"),
        ({"court_found_unmet": True}, "court found"),
        ({"tenant_objected_no_court": True}, "objected"),
    ],
)
def test_r28_guards(caseworker_a, vacancy, entry, area_setup, overrides, message):
    with pytest.raises(ValidationError, match=message):
        _open(
            caseworker_a,
            vacancy,
            entry,
            RejectionGround.R28,
            reasoning=LONG_REASONING,
            facts=_r28(area_setup, vacancy.move_out_date, **overrides),
        )


@pytest.mark.rule("R28.1")
def test_r28_needs_another_landlord_in_the_same_combined_area_and_a_reasoning(
    caseworker_a, org_a, kommune_aarhus, vacancy, entry, area_setup, department_a
):
    takeover = vacancy.move_out_date
    own = DepartmentFactory(organisation=org_a, kommune=kommune_aarhus)
    _status(own, AreaStatusKind.COMBINED_AREA, area=area_setup.area_statuses.get().housing_area)
    with pytest.raises(ValidationError, match="another landlord"):
        _open(
            caseworker_a,
            vacancy,
            entry,
            RejectionGround.R28,
            reasoning=LONG_REASONING,
            facts=_r28(own, takeover),
        )
    outside = DepartmentFactory(organisation=area_setup.organisation, kommune=kommune_aarhus)
    with pytest.raises(ValidationError, match="combined housing area"):
        _open(
            caseworker_a,
            vacancy,
            entry,
            RejectionGround.R28,
            reasoning=LONG_REASONING,
            facts=_r28(outside, takeover),
        )
    with pytest.raises(ValidationError, match="concrete assessment"):
        _open(
            caseworker_a, vacancy, entry, RejectionGround.R28, reasoning="", facts=_r28(area_setup, takeover)
        )


@pytest.mark.rule("R28.2")
def test_r28_report_carries_only_the_fact_and_the_kommune_records_the_forwarding(
    caseworker_a, kommune_officer, caseworker_b, vacancy, entry, area_setup, client_for
):
    case = _open(
        caseworker_a,
        vacancy,
        entry,
        RejectionGround.R28,
        reasoning=LONG_REASONING,
        facts=_r28(area_setup, vacancy.move_out_date),
    )
    report = TerminationRejectionReport.objects.get(rejection=case)
    assert report.kommune == vacancy.dwelling.department.kommune and report.forwarded_on is None
    csv = client_for(kommune_officer).get("/udlejning/afvisninger/rapporter/r28/?format=csv")
    assert csv.status_code == 200
    body = csv.content.decode()
    assert "Alfa Boligselskab" in body and "§ 28" in body
    assert entry.person.last_name not in body and entry.person.applicant_number not in body
    with pytest.raises(PermissionDenied):
        rejection_reports.termination_report_forward(
            actor=caseworker_b, reason=REASON, report=report, forwarded_on=TODAY
        )
    rejection_reports.termination_report_forward(
        actor=kommune_officer, reason=REASON, report=report, forwarded_on=TODAY
    )
    report.refresh_from_db()
    assert report.forwarded_on == TODAY and report.forwarded_by == kommune_officer
    with pytest.raises(ValidationError):
        rejection_reports.termination_report_forward(
            actor=kommune_officer, reason=REASON, report=report, forwarded_on=TODAY
        )


@pytest.mark.rule("R28.2")
def test_the_job_sends_each_months_r28_reports_to_the_kommune_once(
    caseworker_a, kommune_officer, caseworker_b, vacancy, entry, area_setup, client_for
):
    from letters.jobs import registered_jobs
    from rejections.models import TerminationRejectionReportBatch

    assert "allocation.r28_reports_send" in registered_jobs()
    case = _open(
        caseworker_a,
        vacancy,
        entry,
        RejectionGround.R28,
        reasoning=LONG_REASONING,
        facts=_r28(area_setup, vacancy.move_out_date),
    )
    report = TerminationRejectionReport.objects.get(rejection=case)
    # The month is not over: nothing is sent yet.
    assert rejection_reports.termination_reports_send(today=TODAY) == 0
    assert not TerminationRejectionReportBatch.objects.exists()
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    assert rejection_reports.termination_reports_send(today=next_month) == 1
    assert rejection_reports.termination_reports_send(today=next_month) == 0  # idempotent
    batch = TerminationRejectionReportBatch.objects.get()
    report.refresh_from_db()
    assert report.batch == batch and batch.rejections == 1 and batch.sent_on == next_month
    assert batch.kommune == vacancy.dwelling.department.kommune
    assert (batch.period_start, batch.period_end) == (
        TODAY.replace(day=1),
        next_month - datetime.timedelta(days=1),
    )
    assert (
        batch.history.count() == 2 and report.history.filter(history_change_reason__contains="R28.2").exists()
    )
    page = client_for(kommune_officer).get("/udlejning/afvisninger/rapporter/r28/").content.decode()
    assert f'id="r28-batch-{batch.pk}"' in page
    # Another organisation's staff see neither the report nor the month's report.
    other = client_for(caseworker_b).get("/udlejning/afvisninger/rapporter/r28/").content.decode()
    assert f'id="r28-batch-{batch.pk}"' not in other and f'id="r28-{report.pk}"' not in other


# --- R29 --------------------------------------------------------------------------------------------


@pytest.mark.rule("R29")
def test_r29_only_in_an_udsat_boligomraade_and_decided_on_the_assessment(
    caseworker_a, department_a, vacancy, entry, general_list
):
    with pytest.raises(ValidationError, match="udsat boligområde"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R29)
    _status(department_a, AreaStatusKind.VULNERABLE)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R29)
    assert case.state == RejectionState.OPEN and case.certificates_requested_on == TODAY
    request_letter = Letter.objects.get(idempotency_key=f"r29-request:{case.pk}")
    assert request_letter.recipient == entry.person and "straffeattest" in request_letter.body_html
    with pytest.raises(ValidationError) as error:
        rejections.rejection_criminal_record_assess(
            actor=caseworker_a, reason=REASON, case=case, received_on=TODAY, relevant=None, assessment=""
        )
    assert {"record_relevant", "record_assessment"} <= set(error.value.message_dict)
    rejections.rejection_criminal_record_assess(
        actor=caseworker_a,
        reason=REASON,
        case=case,
        received_on=TODAY,
        relevant=True,
        assessment="Violence against neighbours in 2024, relevant to safety in the area.",
    )
    case.refresh_from_db()
    assert case.state == RejectionState.DECIDED and case.letter.kind == "rejection_decision"
    # Another candidate whose records are not relevant: closed without a rejection.
    other = EntryFactory(waiting_list=general_list)
    second = _open(caseworker_a, vacancy, other, RejectionGround.R29)
    rejections.rejection_criminal_record_assess(
        actor=caseworker_a,
        reason=REASON,
        case=second,
        received_on=TODAY,
        relevant=False,
        assessment="A traffic offence only.",
    )
    second.refresh_from_db()
    assert second.state == RejectionState.NOT_REJECTED and second.letter is None


@pytest.mark.rule("R29")
def test_r29_case_page_logs_the_criminal_record_read(caseworker_a, department_a, vacancy, entry, client_for):
    _status(department_a, AreaStatusKind.VULNERABLE)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R29)
    before = PersonalDataAccess.objects.filter(person=entry.person, kind=AccessKind.SENSITIVE_READ).count()
    response = client_for(caseworker_a).get(f"/udlejning/afvisninger/{case.pk}/")
    assert response.status_code == 200
    rows = PersonalDataAccess.objects.filter(person=entry.person, kind=AccessKind.SENSITIVE_READ)
    assert rows.count() == before + 1 and "criminal record" in rows.first().detail


# --- R30 --------------------------------------------------------------------------------------------


@pytest.mark.rule("R30")
def test_r30_requires_a_written_reasoning(caseworker_a, vacancy, entry):
    with pytest.raises(ValidationError, match="reasoning") as error:
        _open(caseworker_a, vacancy, entry, RejectionGround.R30, reasoning="Bad feeling")
    assert "reasoning" in error.value.message_dict
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R30, reasoning=LONG_REASONING)
    assert case.state == RejectionState.DECIDED
    assert LONG_REASONING in case.letter.body_html and "§ 30" in case.letter.body_html


# --- R11 / R24 ----------------------------------------------------------------------------------------


@pytest.mark.rule("R11")
def test_the_rejection_letter_gives_beboerklagenaevn_guidance(caseworker_a, vacancy, entry):
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R30, reasoning=LONG_REASONING)
    assert "beboerklagenævnet" in case.letter.body_html and "Klagevejledning" in case.letter.body_html


# --- R37 ----------------------------------------------------------------------------------------------


def _sign(caseworker, vacancy, winner):
    return workflow.lease_sign(
        actor=caseworker,
        reason=REASON,
        vacancy=vacancy,
        person=winner.entry.person,
        offer=winner,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )


@pytest.mark.rule("R37.1")
def test_r37_lease_sign_refuses_a_benefit_household_in_a_hard_ghetto_department(
    caseworker_a, org_a, department_a, vacancy, entry
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    (spouse,) = _household(entry.person, HouseholdRelation.SPOUSE)
    _benefit(caseworker_a, entry.person)
    _benefit(caseworker_a, spouse, kind=BenefitKind.UDDANNELSESHJAELP)
    winner = scenarios.winner(caseworker_a, vacancy)
    with pytest.raises(ValidationError, match=r"R37\.1"):
        _sign(caseworker_a, vacancy, winner)
    assert not Lease.objects.filter(vacancy=vacancy).exists()
    # The benefit read was access-logged, for both members of the household.
    logged = PersonalDataAccess.objects.filter(
        kind=AccessKind.SENSITIVE_READ, detail__startswith="Benefit status"
    )
    assert set(logged.values_list("person_id", flat=True)) == {entry.person.pk, spouse.pk}


@pytest.mark.rule("R37.1")
def test_r37_needs_applicant_and_spouse_on_the_listed_benefits(
    caseworker_a, org_a, department_a, vacancy, entry
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    (spouse,) = _household(entry.person, HouseholdRelation.SPOUSE)
    _benefit(caseworker_a, entry.person)
    _benefit(caseworker_a, spouse, kind=BenefitKind.FOERTIDSPENSION)  # not a listed benefit
    with pytest.raises(ValidationError, match="do not both receive"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    # The refusal reveals something about the household's benefits: the read stays logged.
    logged = PersonalDataAccess.objects.filter(detail__startswith="Benefit status")
    assert set(logged.values_list("person_id", flat=True)) == {entry.person.pk, spouse.pk}
    winner = scenarios.winner(caseworker_a, vacancy)
    assert _sign(caseworker_a, vacancy, winner).person == entry.person


@pytest.mark.rule("R37.1")
def test_r37_not_outside_a_hard_ghetto_nor_for_a_tenant_of_the_department(
    caseworker_a, org_a, department_a, vacancy, entry, general_list
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _benefit(caseworker_a, entry.person)
    # Not a hårdt ghettoområde on the takeover day (the status ended the day before): no benefit read.
    _status(
        department_a,
        AreaStatusKind.HARD_GHETTO,
        valid_until=vacancy.move_out_date - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match=r"not part of an omdannelsesområde \(formerly: hårdt"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    assert not PersonalDataAccess.objects.filter(detail__startswith="Benefit status").exists()
    _status(department_a, AreaStatusKind.HARD_GHETTO, valid_from=vacancy.move_out_date)
    # Already a tenant in the department: R37.1 does not apply.
    audited_save(
        Lease(
            dwelling=DwellingFactory(department=department_a),
            landlord=org_a,
            controller=org_a.tenant,
            person=entry.person,
            signed_on=datetime.date(2019, 1, 1),
            starts_on=datetime.date(2019, 2, 1),
            signed_by=caseworker_a,
        ),
        actor=caseworker_a,
        reason=REASON,
    )
    with pytest.raises(ValidationError, match="already has a dwelling"):
        _open(caseworker_a, vacancy, entry, RejectionGround.R37)


@pytest.mark.rule("R37.1", "R37.2")
def test_r37_mandatory_rejection_and_the_kommunes_dispensation(
    caseworker_a, org_a, department_a, vacancy, entry, kommune_officer, kommune_odense
):
    scenarios.letting_policy(org_a, offer_round_size=1)
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    # Integrationsydelse is called selvforsørgelses- og hjemrejseydelse since 1 July 2019.
    _benefit(caseworker_a, entry.person, kind=BenefitKind.SELVFORSOERGELSESYDELSE)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    assert case.state == RejectionState.DECIDED
    assert "Selvforsørgelses- og hjemrejseydelse" in case.benefit_summary
    dispensation = dispensations.dispensation_request(
        actor=caseworker_a, reason=REASON, case=case, request_text="Starts an apprenticeship in two weeks."
    )
    other_officer = UserFactory()
    MembershipFactory(user=other_officer, tenant=kommune_odense.tenant, role="kommune_officer")
    considerations = {
        "work_or_education_prospect": "Signed apprenticeship contract from next month.",
        "pension_prospect": "Not relevant.",
        "housing_elsewhere_prospect": "No offers outside the area in 3 years.",
        "other_circumstances": "Not relevant.",
        "decision_reasoning": "Apprenticeship ends the benefit soon (§ 37, stk. 2, nr. 1).",
    }
    with pytest.raises(PermissionDenied):
        dispensations.dispensation_decide(
            actor=other_officer, reason=REASON, dispensation=dispensation, grant=True, **considerations
        )
    with pytest.raises(ValidationError) as error:
        dispensations.dispensation_decide(
            actor=kommune_officer,
            reason=REASON,
            dispensation=dispensation,
            grant=True,
            **{**considerations, "pension_prospect": ""},
        )
    assert "pension_prospect" in error.value.message_dict
    dispensations.dispensation_decide(
        actor=kommune_officer, reason=REASON, dispensation=dispensation, grant=True, **considerations
    )
    dispensation.refresh_from_db()
    case.refresh_from_db()
    assert dispensation.state == DispensationState.GRANTED and case.state == RejectionState.DISPENSED
    # A § 37, stk. 2 dispensation (almenboligloven § 51 c) is not among the decisions § 24 sends to
    # Ankestyrelsen, and the bekendtgørelse names no other route: the letter invents none.
    assert dispensation.letter.kind == "dispensation_decision"
    assert "Ankestyrelsen" not in dispensation.letter.body_html
    assert "Klagevejledning" not in dispensation.letter.body_html
    # With the dispensation the candidate wins the round and the lease can be signed.
    winner = scenarios.winner(caseworker_a, vacancy)
    assert winner.entry == entry
    assert _sign(caseworker_a, vacancy, winner).person == entry.person


@pytest.mark.rule("R37.3")
def test_r37_3_the_yearly_report_from_1_july(
    caseworker_a, department_a, vacancy, entry, kommune_officer, kommune_aarhus
):
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    _benefit(caseworker_a, entry.person)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    dispensation = dispensations.dispensation_request(
        actor=caseworker_a, reason=REASON, case=case, request_text="x"
    )
    dispensations.dispensation_decide(
        actor=kommune_officer,
        reason=REASON,
        dispensation=dispensation,
        grant=True,
        work_or_education_prospect="a",
        pension_prospect="b",
        housing_elsewhere_prospect="c",
        other_circumstances="d",
        decision_reasoning="e",
    )
    assert rules.dispensation_report_period(datetime.date(2027, 7, 1)) == (
        datetime.date(2026, 7, 1),
        datetime.date(2027, 6, 30),
    )
    assert rules.dispensation_report_period(datetime.date(2027, 6, 30)) == (
        datetime.date(2025, 7, 1),
        datetime.date(2026, 6, 30),
    )
    report_day = datetime.date(TODAY.year + 1 if TODAY.month >= 7 else TODAY.year, 7, 1)
    assert rejection_reports.dispensation_reports_make(today=report_day) == 1
    assert rejection_reports.dispensation_reports_make(today=report_day) == 0  # idempotent
    report = DispensationReport.objects.get(kommune=kommune_aarhus)
    assert (report.granted, report.refused) == (1, 0)
    assert report.period_start <= TODAY <= report.period_end


# --- R6.2 ---------------------------------------------------------------------------------------------


@pytest.mark.rule("R6.2")
def test_r6_2_a_decided_51_c_rejection_does_not_bar_the_guarantee_at_move_out(
    caseworker_a, org_a, department_a, dwelling, vacancy, entry
):
    # R6.2 is judged when the guarantee is used for a concrete dwelling, on that day's
    # facts (tests/allocation/services/test_benefit_rejection.py), not from an old rejection.
    scenarios.letting_policy(org_a, issues_housing_guarantees=True)
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    _benefit(caseworker_a, entry.person)
    _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    old = audited_save(
        Lease(
            dwelling=DwellingFactory(department=department_a),
            landlord=org_a,
            controller=org_a.tenant,
            person=entry.person,
            signed_on=datetime.date(2015, 1, 1),
            starts_on=datetime.date(2015, 2, 1),
            ends_on=TODAY,
            signed_by=caseworker_a,
        ),
        actor=caseworker_a,
        reason=REASON,
    )
    guarantee = leases.guarantee_issue(actor=caseworker_a, reason=REASON, lease=old, moved_out_on=TODAY)
    assert guarantee.person == entry.person


# --- The offer round, complaints -------------------------------------------------------------------


def test_a_rejected_candidate_does_not_win_the_round_and_an_overturned_rejection_gives_the_place_back(
    caseworker_a, org_a, general_list, department_a, vacancy
):
    scenarios.letting_policy(org_a, offer_round_size=2)
    first = EntryFactory(waiting_list=general_list, seniority_date=datetime.date(2010, 1, 1))
    second = EntryFactory(waiting_list=general_list, seniority_date=datetime.date(2011, 1, 1))
    for e in (first, second):
        e.departments.add(department_a)
    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    for offer in offer_round.offers.all():
        offers.offer_answer(actor=caseworker_a, reason=REASON, offer=offer, answer=Answer.ACCEPTED)
    case = _open(caseworker_a, vacancy, first, RejectionGround.R30, reasoning=LONG_REASONING)
    outcome = workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    assert outcome.round.state == RoundState.DECIDED and outcome.winner.entry == second
    assert first.pk in workflow.skipped_entry_ids(vacancy)
    with pytest.raises(ValidationError, match="rejected"):
        workflow.lease_sign(
            actor=caseworker_a,
            reason=REASON,
            vacancy=vacancy,
            person=first.person,
            signed_on=TODAY,
            starts_on=vacancy.move_out_date,
        )
    # A complaint to the beboerklagenævn overturns the rejection: the case is no longer decided.
    complaint = complaint_services.complaint_record(
        actor=caseworker_a, reason=REASON, case=case, received_on=TODAY, summary="The applicant disagrees."
    )
    assert complaint.body == ComplaintBody.BEBOERKLAGENAEVN
    complaint_services.complaint_outcome_record(
        actor=caseworker_a,
        reason=REASON,
        complaint=complaint,
        outcome=ComplaintOutcome.OVERTURNED,
        outcome_on=TODAY,
        outcome_text="The rejection lacked grounds.",
    )
    case.refresh_from_db()
    assert case.state == RejectionState.OVERTURNED
    assert rejections.rejected_entry_ids(vacancy.pk) == set()


@pytest.mark.rule("R24")
def test_a_complaint_against_the_kommunes_dispensation_decision_goes_to_ankestyrelsen(
    caseworker_a, department_a, vacancy, entry, kommune_officer
):
    _status(department_a, AreaStatusKind.HARD_GHETTO)
    _benefit(caseworker_a, entry.person)
    case = _open(caseworker_a, vacancy, entry, RejectionGround.R37)
    dispensation = dispensations.dispensation_request(
        actor=caseworker_a, reason=REASON, case=case, request_text="x"
    )
    dispensations.dispensation_decide(
        actor=kommune_officer,
        reason=REASON,
        dispensation=dispensation,
        grant=False,
        work_or_education_prospect="none",
        pension_prospect="none",
        housing_elsewhere_prospect="good",
        other_circumstances="none",
        decision_reasoning="No very special case.",
    )
    complaint = complaint_services.complaint_record(
        actor=kommune_officer, reason=REASON, dispensation=dispensation, received_on=TODAY, summary="Appeal."
    )
    assert complaint.body == ComplaintBody.ANKESTYRELSEN
    complaint_services.complaint_outcome_record(
        actor=kommune_officer,
        reason=REASON,
        complaint=complaint,
        outcome=ComplaintOutcome.OVERTURNED,
        outcome_on=TODAY,
        outcome_text="Ankestyrelsen grants the dispensation.",
    )
    dispensation.refresh_from_db()
    case.refresh_from_db()
    assert dispensation.state == DispensationState.GRANTED and case.state == RejectionState.DISPENSED


# --- Benefit status -------------------------------------------------------------------------------


def test_benefit_read_is_scoped_and_logged(caseworker_a, caseworker_b, entry):
    _benefit(caseworker_a, entry.person, valid_until=datetime.date(2024, 12, 31))
    with pytest.raises(PermissionDenied):
        household_benefits_on(
            actor=caseworker_b, person=entry.person, day=TODAY, purpose=AccessPurpose.CASE_HANDLING
        )
    assert (
        household_benefits_on(
            actor=caseworker_a, person=entry.person, day=TODAY, purpose=AccessPurpose.CASE_HANDLING
        )
        == []
    )
    found = household_benefits_on(
        actor=caseworker_a,
        person=entry.person,
        day=datetime.date(2024, 6, 1),
        purpose=AccessPurpose.CASE_HANDLING,
    )
    assert [b.status.kind for b in found] == [BenefitKind.KONTANTHJAELP]
    assert found[0].status.kind in listed_kinds_on(
        BenefitProvision.OMDANNELSESOMRAADE, datetime.date(2024, 6, 1)
    )
    assert PersonalDataAccess.objects.filter(person=entry.person, user=caseworker_a).count() == 2
    with pytest.raises(ValidationError, match="already has this benefit"):
        _benefit(caseworker_a, entry.person, valid_from=datetime.date(2024, 6, 1))


# --- R35: the area list ------------------------------------------------------------------------------


@pytest.mark.rule("R35")
def test_r35_area_list_applied_with_dates_and_bad_rows_reported_all_or_nothing(
    org_a, department_a, kommune_aarhus, administrator
):
    from allocation.services import area_lists

    other = DepartmentFactory(organisation=org_a, kommune=kommune_aarhus, number="77")
    _status(other, AreaStatusKind.HARD_GHETTO, valid_from=datetime.date(2024, 12, 1))
    kinds = [AreaStatusKind.HARD_GHETTO, AreaStatusKind.VULNERABLE]
    bad = (
        "cvr;afdeling;status\n"
        f"{org_a.cvr};{department_a.number};haardt_ghettoomraade\n"
        f"{org_a.cvr};999;udsat\n"
        f"{org_a.cvr};{department_a.number};ukendt\n"
        f"{org_a.cvr};{department_a.number};hoej_andel\n"
    )
    with pytest.raises(ValidationError) as error:
        area_lists.area_list_import(
            actor=administrator, reason=REASON, text=bad, kinds=kinds, published_on=datetime.date(2025, 12, 1)
        )
    messages = error.value.message_dict["file"]
    assert [m.split(":")[0] for m in messages] == ["Line 3", "Line 4", "Line 5"]
    assert not DepartmentAreaStatus.objects.filter(department=department_a).exists()
    good = (
        "cvr;afdeling;status\n"
        f"{org_a.cvr};{department_a.number};haardt_ghettoomraade\n"
        f"{org_a.cvr};{department_a.number};udsat\n"
    )
    result = area_lists.area_list_import(
        actor=administrator, reason=REASON, text=good, kinds=kinds, published_on=datetime.date(2025, 12, 1)
    )
    assert (result.rows, result.started, result.ended, result.unchanged) == (2, 2, 1, 0)
    # department_a is a hårdt ghettoområde from 1 December; the other department no longer is.
    assert rejections.area_status_on(department_a.pk, AreaStatusKind.HARD_GHETTO, datetime.date(2025, 12, 1))
    assert not rejections.area_status_on(
        department_a.pk, AreaStatusKind.HARD_GHETTO, datetime.date(2025, 11, 30)
    )
    ended = other.area_statuses.get()
    assert ended.valid_until == datetime.date(2025, 11, 30)
    # The next year's identical list changes nothing.
    again = area_lists.area_list_import(
        actor=administrator, reason=REASON, text=good, kinds=kinds, published_on=datetime.date(2026, 12, 1)
    )
    assert (again.started, again.ended, again.unchanged) == (0, 0, 2)


@pytest.mark.rule("R35")
def test_r35_upload_in_the_admin(org_a, department_a, administrator, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from allocation.models import AreaListImport

    client = client_for(administrator)
    assert client.get("/admin/allocation/arealistimport/add/").status_code == 200
    bad = SimpleUploadedFile("liste.csv", f"cvr;afdeling;status\n{org_a.cvr};nope;udsat\n".encode())
    response = client.post(
        "/admin/allocation/arealistimport/add/",
        {
            "published_on": "2025-12-01",
            "kinds_chosen": ["vulnerable"],
            "file": bad,
            "change_reason": "Ministeriets liste",
        },
    )
    assert response.status_code == 200 and "nope" in response.content.decode()
    assert not AreaListImport.objects.exists()
    good = SimpleUploadedFile(
        "liste.csv", f"cvr;afdeling;status\n{org_a.cvr};{department_a.number};udsat\n".encode()
    )
    response = client.post(
        "/admin/allocation/arealistimport/add/",
        {
            "published_on": "2025-12-01",
            "kinds_chosen": ["vulnerable"],
            "file": good,
            "change_reason": "Ministeriets liste",
        },
    )
    assert response.status_code == 302
    assert AreaListImport.objects.get().started == 1
    assert department_a.area_statuses.get(kind=AreaStatusKind.VULNERABLE).valid_from == datetime.date(
        2025, 12, 1
    )
