"""The rejection pages: the ground chooser and the ground's fields, guards shown next to the fields
(never a 500, nothing saved), the case page with its history, the kommune officer's R37.2 page,
the R28.2 and R37.3 reports as page, CSV and PDF, and the benefit status page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from housing.audit import audited_save, system_user
from housing.benefits import benefit_status_record
from housing.models import AccessKind, AreaStatusKind, BenefitStatus, DepartmentAreaStatus, PersonalDataAccess
from letters.models import Letter
from letting import workflow
from rejections import reports as rejection_reports
from rejections import services as rejections
from rejections.models import Dispensation, DispensationState, RejectionCase, RejectionGround, RejectionState
from tests.factories import DwellingFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

TODAY = timezone.localdate()
REASONING = "A very special case: documented threats against the caretaker in writing, twice."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


#: Pages in English, the source language (see ``client_for`` in conftest).
PAGE_LANGUAGE = "en"


@pytest.fixture
def vacancy(caseworker_a, department_a):
    return workflow.vacancy_open(
        actor=caseworker_a,
        reason="Test",
        dwelling=DwellingFactory(department=department_a, rooms=2),
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY + datetime.timedelta(days=30),
    )


@pytest.fixture
def applicant(org_a):
    return EntryFactory(waiting_list=WaitingListFactory(controller=org_a.tenant)).person


def _post(client, vacancy, ground, **data):
    payload = {
        "ground": ground,
        "takeover_date": vacancy.move_out_date.isoformat(),
        "change_reason": "Afvisning",
        **data,
    }
    url = f"/udlejning/{vacancy.pk}/afvis/"
    response = client.post(url, payload)
    if response.status_code != 200 or 'id="confirm-form"' not in response.content.decode():
        return response
    # A decision sends a letter: the first POST only shows the confirmation (housing.confirmation).
    assert not RejectionCase.objects.filter(vacancy=vacancy).exists()
    return client.post(url, {**payload, "confirmed": "1"})


def test_vacancy_page_links_to_the_rejection_form_and_the_ground_chooser_shows_its_fields(
    caseworker_a, client_for, vacancy
):
    client = client_for(caseworker_a)
    body = client.get(vacancy.get_absolute_url()).content.decode()
    assert f"/udlejning/{vacancy.pk}/afvis/" in body
    chooser = client.get(f"/udlejning/{vacancy.pk}/afvis/")
    assert chooser.status_code == 200 and 'id="ground-form"' in chooser.content.decode()
    assert 'id="rejection-form"' not in chooser.content.decode()
    r27 = client.get(f"/udlejning/{vacancy.pk}/afvis/", {"ground": "R27"}).content.decode()
    assert 'name="debt_amount"' in r27 and 'name="termination_date"' not in r27
    r28 = client.get(f"/udlejning/{vacancy.pk}/afvis/", {"ground": "R28"}).content.decode()
    assert 'name="termination_ground"' in r28 and 'name="debt_amount"' not in r28
    # An unknown ground just shows the chooser again.
    assert client.get(f"/udlejning/{vacancy.pk}/afvis/", {"ground": "R99"}).status_code == 200


@pytest.mark.rule("R30")
def test_bad_input_gives_messages_next_to_the_fields_and_saves_nothing(
    caseworker_a, client_for, vacancy, applicant
):
    client = client_for(caseworker_a)
    response = _post(client, vacancy, "R30", applicant_number=applicant.applicant_number, reasoning="Short")
    assert response.status_code == 400
    assert "at least 40 characters" in response.content.decode()
    response = _post(client, vacancy, "R30", reasoning=REASONING)
    assert response.status_code == 400 and "Choose the candidate" in response.content.decode()
    response = _post(client, vacancy, "R30", applicant_number="nobody", reasoning=REASONING)
    assert response.status_code == 400 and "No person with this applicant number" in response.content.decode()
    response = _post(client, vacancy, "R99")
    assert response.status_code == 400
    response = _post(
        client,
        vacancy,
        "R27",
        applicant_number=applicant.applicant_number,
        debt_amount="-5",
        debt_due_date="x",
    )
    assert response.status_code == 400
    assert not RejectionCase.objects.exists()


@pytest.mark.rule("R27.2")
def test_r27_exception_is_shown_on_the_form(caseworker_a, client_for, vacancy, applicant):
    response = _post(
        client_for(caseworker_a),
        vacancy,
        "R27",
        applicant_number=applicant.applicant_number,
        debt_amount="5000",
        debt_due_date=(TODAY - datetime.timedelta(days=40)).isoformat(),
        debt_origin="former",
        debt_plan_kept="on",
    )
    assert response.status_code == 400
    assert "instalment plan or settlement: no rejection" in response.content.decode()
    assert not RejectionCase.objects.exists()


@pytest.mark.rule("R30", "R11")
def test_a_decided_rejection_page_with_letter_history_and_complaint(
    caseworker_a, client_for, vacancy, applicant
):
    client = client_for(caseworker_a)
    response = _post(client, vacancy, "R30", applicant_number=applicant.applicant_number, reasoning=REASONING)
    case = RejectionCase.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.state == RejectionState.DECIDED and case.person == applicant
    page = client.get(case.get_absolute_url()).content.decode()
    assert REASONING in page and case.letter.subject in page
    history = client.get(case.get_absolute_url() + "historik/")
    assert history.status_code == 200 and "Afvisning" in history.content.decode()
    listing = client.get("/udlejning/afvisninger/", {"ground": "R30"}).content.decode()
    assert applicant.last_name in listing
    # A complaint with a date before the decision is refused next to the field.
    bad = client.post(
        f"/udlejning/afvisninger/{case.pk}/klage/",
        {
            "complaint-received_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
            "complaint-summary": "Disagrees",
            "complaint-change_reason": "Klage",
        },
    )
    assert bad.status_code == 400 and "before the decision" in bad.content.decode()
    ok = client.post(
        f"/udlejning/afvisninger/{case.pk}/klage/",
        {
            "complaint-received_on": TODAY.isoformat(),
            "complaint-summary": "Disagrees",
            "complaint-change_reason": "K",
        },
    )
    assert ok.status_code == 302
    complaint = case.complaints.get()
    done = client.post(
        f"/udlejning/klager/{complaint.pk}/udfald/",
        {
            "outcome-outcome": "overturned",
            "outcome-outcome_on": TODAY.isoformat(),
            "outcome-outcome_text": "Overturned",
            "outcome-change_reason": "Udfald",
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == RejectionState.OVERTURNED


@pytest.mark.rule("R27.1")
def test_the_debt_case_page_logs_the_read(caseworker_a, client_for, vacancy, applicant):
    case = rejections.rejection_open(
        actor=caseworker_a,
        reason="Test",
        vacancy=vacancy,
        person=applicant,
        ground=RejectionGround.R27,
        facts={
            "debt_amount": Decimal("3000"),
            "debt_due_date": TODAY - datetime.timedelta(days=90),
            "debt_origin": "current",
        },
    )
    client_for(caseworker_a).get(case.get_absolute_url())
    assert PersonalDataAccess.objects.filter(
        person=applicant, kind=AccessKind.SENSITIVE_READ, detail__contains="debt"
    ).exists()


@pytest.mark.rule("R37.2")
def test_the_kommune_officer_decides_a_dispensation_on_his_page(
    caseworker_a, kommune_officer, caseworker_b, client_for, vacancy, applicant, department_a
):
    audited_save(
        DepartmentAreaStatus(
            department=department_a, kind=AreaStatusKind.HARD_GHETTO, valid_from=datetime.date(2020, 12, 1)
        ),
        actor=system_user(),
        reason="Test",
    )
    benefit_status_record(
        actor=caseworker_a,
        reason="Test",
        person=applicant,
        kind="kontanthjaelp",
        valid_from=datetime.date(2024, 1, 1),
        source="kommune",
    )
    client = client_for(caseworker_a)
    response = _post(client, vacancy, "R37", applicant_number=applicant.applicant_number)
    case = RejectionCase.objects.get()
    assert response.status_code == 302 and case.state == RejectionState.DECIDED
    client.post(
        f"/udlejning/afvisninger/{case.pk}/dispensation/",
        {"disp-request_text": "Starts work next month", "disp-change_reason": "Anmodning"},
    )
    dispensation = Dispensation.objects.get()
    officer = client_for(kommune_officer)
    queue = officer.get("/udlejning/dispensationer/").content.decode()
    assert applicant.last_name in queue
    url = f"/udlejning/dispensationer/{dispensation.pk}/afgoerelse/"
    bad = officer.post(url, {"decide-decision": "grant", "decide-change_reason": "Afgørelse"})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    assert client_for(caseworker_b).post(url, {}).status_code == 404
    assert client.post(url, {}).status_code == 403  # the organisation cannot decide for the kommune
    good = officer.post(
        url,
        {
            "decide-decision": "grant",
            "decide-work_or_education_prospect": "Contract signed",
            "decide-pension_prospect": "Not relevant",
            "decide-housing_elsewhere_prospect": "Poor",
            "decide-other_circumstances": "None",
            "decide-decision_reasoning": "Very special case",
            "decide-change_reason": "Afgørelse",
        },
    )
    assert good.status_code == 302
    dispensation.refresh_from_db()
    assert dispensation.state == DispensationState.GRANTED
    assert officer.get(f"/udlejning/dispensationer/{dispensation.pk}/historik/").status_code == 200


@pytest.mark.rule("R37.3")
def test_the_r37_3_report_page_csv_and_pdf(kommune_officer, caseworker_a, client_for, department_a):
    audited_save(
        DepartmentAreaStatus(
            department=department_a, kind=AreaStatusKind.HARD_GHETTO, valid_from=datetime.date(2020, 12, 1)
        ),
        actor=system_user(),
        reason="Test",
    )
    assert rejection_reports.dispensation_reports_make(today=datetime.date(TODAY.year, 7, 1)) == 1
    client = client_for(kommune_officer)
    page = client.get("/udlejning/afvisninger/rapporter/r37-3/")
    assert page.status_code == 200 and "Aarhus" in page.content.decode()
    csv = client.get("/udlejning/afvisninger/rapporter/r37-3/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and f"{TODAY.year - 1}-07-01" in csv.content.decode()
    pdf = client.get("/udlejning/afvisninger/rapporter/r37-3/", {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client_for(caseworker_a).get("/udlejning/afvisninger/rapporter/r37-3/").status_code == 403


@pytest.mark.rule("R28.2")
def test_the_r28_report_page_and_forwarding_form(
    kommune_officer, client_for, vacancy, applicant, caseworker_a
):
    case = rejections.rejection_open(
        actor=caseworker_a,
        reason="Test",
        vacancy=vacancy,
        person=applicant,
        ground="R30",
        reasoning=REASONING,
    )
    from rejections.models import TerminationRejectionReport

    report = audited_save(
        TerminationRejectionReport(
            rejection=case,
            kommune=vacancy.dwelling.department.kommune,
            organisation=vacancy.organisation,
            rejected_on=TODAY,
            reported_on=TODAY,
        ),
        actor=system_user(),
        reason="Test",
    )
    client = client_for(kommune_officer)
    page = client.get("/udlejning/afvisninger/rapporter/r28/").content.decode()
    assert (
        "Alfa Boligselskab" in page
        and applicant.last_name not in page
        and 'class="app-form forward-form"' in page
    )
    bad = client.post(
        f"/udlejning/afvisninger/rapporter/r28/{report.pk}/videresendt/",
        {
            "forward-forwarded_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "forward-change_reason": "V",
        },
        follow=True,
    )
    assert "between the report date and today" in bad.content.decode()
    client.post(
        f"/udlejning/afvisninger/rapporter/r28/{report.pk}/videresendt/",
        {"forward-forwarded_on": TODAY.isoformat(), "forward-change_reason": "Videresendt"},
    )
    report.refresh_from_db()
    assert report.forwarded_on == TODAY
    pdf = client.get("/udlejning/afvisninger/rapporter/r28/", {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_benefit_status_page_records_and_logs(caseworker_a, caseworker_b, client_for, applicant):
    client = client_for(caseworker_a)
    url = f"/personer/{applicant.pk}/ydelser/"
    bad = client.post(
        url,
        {
            "kind": "kontanthjaelp",
            "valid_from": "2025-05-01",
            "valid_until": "2025-01-01",
            "source": "kommune",
            "change_reason": "Ydelse",
        },
    )
    assert bad.status_code == 400 and "cannot be before the start date" in bad.content.decode()
    bad_source = client.post(
        url,
        {"kind": "kontanthjaelp", "valid_from": "2025-05-01", "source": "other", "change_reason": "Ydelse"},
    )
    assert bad_source.status_code == 400 and "Describe the source" in bad_source.content.decode()
    ok = client.post(
        url, {"kind": "kontanthjaelp", "valid_from": "2025-05-01", "source": "kommune", "change_reason": "Y"}
    )
    assert ok.status_code == 302 and BenefitStatus.objects.filter(person=applicant).count() == 1
    page = client.get(url).content.decode()
    assert "Kontanthjælp" in page
    assert PersonalDataAccess.objects.filter(person=applicant, detail__startswith="Benefit status").exists()
    assert client_for(caseworker_b).get(url).status_code == 404


def test_the_rejection_list_costs_a_fixed_number_of_queries(caseworker_a, client_for, vacancy, org_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting_list = WaitingListFactory(controller=org_a.tenant)

    def reject_one():
        person = EntryFactory(waiting_list=waiting_list).person
        rejections.rejection_open(
            actor=caseworker_a,
            reason="Test",
            vacancy=vacancy,
            person=person,
            ground="R30",
            reasoning=REASONING,
        )

    client = client_for(caseworker_a)
    reject_one()
    client.get("/udlejning/afvisninger/")  # warm the session and scope
    with CaptureQueriesContext(connection) as one:
        assert client.get("/udlejning/afvisninger/").status_code == 200
    for _ in range(3):
        reject_one()
    with CaptureQueriesContext(connection) as four:
        body = client.get("/udlejning/afvisninger/").content.decode()
    assert body.count('href="/udlejning/afvisninger/') >= 4
    assert len(four) == len(one)


@pytest.mark.rule("R27.1", "R30", "R37.1", "R37.2")
def test_the_demo_has_rejection_cases_and_a_dispensation_request(db):
    from io import StringIO

    from django.core.management import call_command

    from rejections.models import (
        Dispensation,
        DispensationState,
        RejectionCase,
        RejectionGround,
        RejectionState,
    )

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    decided = RejectionCase.objects.filter(state=RejectionState.DECIDED)
    assert set(decided.values_list("ground", flat=True)) == {
        RejectionGround.R27,
        RejectionGround.R30,
        RejectionGround.R37,
    }
    assert all(case.letter_id for case in decided)
    dispensation = Dispensation.objects.get()
    assert dispensation.state == DispensationState.REQUESTED and dispensation.rejection.ground == "R37"
    before = RejectionCase.objects.count()
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert RejectionCase.objects.count() == before  # idempotent


@pytest.mark.rule("R26")
def test_an_r26_flag_in_the_ranking_leads_to_a_rejection_case_and_the_ranking_then_skips_the_entry(
    caseworker_a, client_for, vacancy, org_a
):
    """§ 26 "kan … afvise": the ranking shows the household of 5 in 2 rooms in its place with the
    flag; the caseworker who rejects opens the case from the flag (the candidate chosen already),
    must give the reasons, and the decided rejection (letter with complaint guidance) takes the
    entry out of this vacancy's ranking."""
    from tests.factories import HouseholdFactory, HouseholdMemberFactory
    from waitinglists.models import ListKind

    general = WaitingListFactory(controller=org_a.tenant, kind=ListKind.GENERAL)
    big = EntryFactory(waiting_list=general, seniority_date=datetime.date(2001, 1, 1))
    household = HouseholdFactory(controller=big.controller)
    HouseholdMemberFactory(household=household, person=big.person, relation="applicant")
    for _ in range(4):
        HouseholdMemberFactory(household=household, relation="spouse")
    big.household = household
    audited_save(big, actor=system_user(), reason="Test")
    small = EntryFactory(waiting_list=general, seniority_date=datetime.date(2002, 1, 1))
    client = client_for(caseworker_a)

    page = client.get(vacancy.get_absolute_url()).content.decode()
    row = page[page.index(f'id="ranked-{big.pk}"') :].split("</tr>")[0]
    assert 'data-rule="R26"' in row and "5 persons in 2 rooms" in row
    link = f"/udlejning/{vacancy.pk}/afvis/?ground=R26&amp;entry={big.pk}"
    assert link in row and 'data-rule="R26"' not in page[page.index(f'id="ranked-{small.pk}"') :]

    url = f"/udlejning/{vacancy.pk}/afvis/?ground=R26&entry={big.pk}"
    form = client.get(url).content.decode()
    assert f'<option value="{big.pk}" selected>' in form
    payload = {
        "ground": "R26",
        "candidate": big.pk,
        "takeover_date": vacancy.move_out_date.isoformat(),
        "change_reason": "Afvisning",
    }
    refused = client.post(url, payload)
    assert refused.status_code == 400 and not RejectionCase.objects.exists()
    body = refused.content.decode()
    assert "This field is required." in body[body.index('name="reasoning"') - 600 :]
    payload["reasoning"] = "Fem personer i to rum: boligen er for lille."
    asked = client.post(url, payload)
    assert asked.status_code == 200 and not RejectionCase.objects.exists()
    decided = client.post(url, {**payload, "confirmed": "1"})
    case = RejectionCase.objects.get()
    assert decided.status_code == 302 and decided["Location"] == case.get_absolute_url()
    assert (case.ground, case.state, case.entry_id, case.household_size, case.rooms) == (
        "R26",
        RejectionState.DECIDED,
        big.pk,
        5,
        2,
    )
    assert case.letter_id is not None and case.reasoning.startswith("Fem personer")
    ranking = workflow.ranking(vacancy).ranking
    assert [p.candidate.entry_id for p in ranking.placed] == [small.pk]
    page = client.get(vacancy.get_absolute_url()).content.decode()
    assert f'id="ranked-{big.pk}"' not in page and f'id="ranked-{small.pk}"' in page


@pytest.mark.rule("R26")
def test_no_r26_rejection_where_the_department_applies_the_beboermaksimum_rules(
    caseworker_a, vacancy, applicant
):
    from django.core.exceptions import ValidationError

    department = vacancy.dwelling.department
    department.beboermaksimum_applied = True
    audited_save(department, actor=caseworker_a, reason="Kommunen anvender beboermaksimum")
    with pytest.raises(ValidationError, match="beboermaksimum"):
        rejections.rejection_open(
            actor=caseworker_a,
            reason="Afvisning",
            vacancy=vacancy,
            person=applicant,
            ground=RejectionGround.R26,
            reasoning="For mange personer.",
        )
    assert not RejectionCase.objects.exists()


# --- The confirmation before a decision that sends a letter (issue 15, item 4) --------------------


@pytest.mark.rule("R30", "R11")
def test_a_decision_shows_its_letter_first_and_is_decided_once_on_confirmation(
    caseworker_a, client_for, vacancy, applicant
):
    client = client_for(caseworker_a)
    url = f"/udlejning/{vacancy.pk}/afvis/?ground=R30"
    payload = {
        "ground": "R30",
        "applicant_number": applicant.applicant_number,
        "takeover_date": vacancy.move_out_date.isoformat(),
        "reasoning": REASONING,
        "change_reason": "Afvisning",
    }
    asked = client.post(url, payload)
    body = asked.content.decode()
    assert asked.status_code == 200 and 'id="confirm-form"' in body
    # The letter the decision sends, as the letters app renders it, with the caseworker's reasoning.
    assert 'id="letter-preview-body"' in body and REASONING in body
    assert applicant.full_name in body[body.index('id="letter-preview-recipient"') :]
    assert 'class="button button-warning" id="confirm-submit"' in body
    assert f'action="{url}"' in body.replace("&amp;", "&")
    # Nothing happened: no case, no letter.
    assert not RejectionCase.objects.exists()
    assert not Letter.objects.filter(recipient=applicant, kind="rejection_decision").exists()

    key = "QWERTYUIOPasdfghjklzxcvbnmQWERTY"  # the confirm form sent twice
    first = client.post(url, {**payload, "confirmed": "1", "submission_key": key})
    second = client.post(url, {**payload, "confirmed": "1", "submission_key": key})
    assert first.status_code == second.status_code == 302
    case = RejectionCase.objects.get()
    assert case.state == RejectionState.DECIDED
    assert Letter.objects.filter(recipient=applicant, kind="rejection_decision").count() == 1


@pytest.mark.rule("R30")
def test_an_over_long_reasoning_is_refused_before_any_confirmation(
    caseworker_a, client_for, vacancy, applicant
):
    response = _post(
        client_for(caseworker_a),
        vacancy,
        "R30",
        applicant_number=applicant.applicant_number,
        reasoning="x" * 2001,
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 2000 characters (it has 2001)" in body and 'id="confirm-form"' not in body
    assert not RejectionCase.objects.exists()
