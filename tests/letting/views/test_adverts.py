"""Letting by advertising (R1.6, § 38): the advert (R38.2), the DanmarkBolig.dk deadline (R38.1),
written interest, the auditor's verifiable lottery (R38.3) and the letting to the winner."""

from __future__ import annotations

import datetime
import html
import io
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from allocation.models import (
    Advert,
    AgreementKind,
    Interest,
    Lease,
    LettingAgreement,
    LettingChannel,
    LotteryDraw,
    VacancyState,
)
from allocation.rules import lottery
from allocation.services import adverts as services
from allocation.services import lottery as lottery_services
from housing.audit import audited_save
from housing.models import Role
from letting import workflow
from letting.urls_adverts import urlpatterns as advert_urlpatterns
from letting.workflow import vacancy_open
from tests.factories import DwellingFactory, MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
AGREED = D(2026, 2, 20)
DEADLINE = D(2026, 3, 2)  # "today" in most tests: interest received today is in time
AFTER_DEADLINE = DEADLINE + datetime.timedelta(days=1)
NOTICE, MOVE_OUT = D(2026, 1, 15), D(2026, 3, 31)
REASON = "Annonceret udlejning"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def set_today(monkeypatch):
    """Move "today" (``timezone.localdate``) for the services and the pages."""

    def move(day: datetime.date) -> datetime.date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    move(DEADLINE)
    return move


@pytest.fixture
def agreement(org_a, department_a, system_user):
    return audited_save(
        LettingAgreement(
            organisation=org_a,
            kommune=department_a.kommune,
            kind=AgreementKind.ADVERTISING,
            valid_from=D(2020, 1, 1),
        ),
        actor=system_user,
        reason="Aftale med kommunen om annonceret udlejning",
    )


@pytest.fixture
def vacancy(agreement, caseworker_a, department_a, set_today):
    dwelling = DwellingFactory(department=department_a, kind="family", address_line="Annoncevej 3, 1. tv.")
    return vacancy_open(
        actor=caseworker_a, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT
    )


@pytest.fixture
def auditor_a(org_a):
    user = UserFactory(username="auditor_a", first_name="Revi", last_name="Sor")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.AUDITOR)
    return user


@pytest.fixture
def auditor_b(org_b):
    user = UserFactory(username="auditor_b")
    MembershipFactory(user=user, tenant=org_b.tenant, role=Role.AUDITOR)
    return user


def _fields(**overrides) -> dict:
    fields = {
        "agreed_on": AGREED,
        "dwelling_description": "3 værelser, 78 m², husleje 6.850 kr.",
        "criteria": "Mindst én myndig person i husstanden",
        "interest_deadline": DEADLINE,
        "viewing_at": timezone.make_aware(datetime.datetime(2026, 2, 27, 16, 0)),
        "viewing_place": "Ved opgangen",
        "decision_expected_on": DEADLINE + datetime.timedelta(days=14),
    }
    fields.update(overrides)
    return fields


def _advert(vacancy, actor, **overrides) -> Advert:
    return services.advert_create(actor=actor, reason=REASON, vacancy=vacancy, **_fields(**overrides))


@pytest.fixture
def advert(vacancy, caseworker_a):
    return _advert(vacancy, caseworker_a)


def _applicant(org, name: str):
    return PersonFactory(controller=org.tenant, first_name=name, last_name="Ansøger")


def _interest(advert, actor, person, *, received_on=DEADLINE, qualified=True, assessment=""):
    return services.interest_record(
        actor=actor,
        reason="Skriftlig interesse modtaget",
        advert=advert,
        person=person,
        received_on=received_on,
        qualified=qualified,
        assessment=assessment,
    )


@pytest.fixture
def applicants(advert, caseworker_a, org_a):
    people = [_applicant(org_a, name) for name in ("Anna", "Bo", "Cille")]
    for person in people:
        _interest(advert, caseworker_a, person)
    return people


@pytest.fixture
def committed(applicants, advert, auditor_a, set_today):
    set_today(AFTER_DEADLINE)
    return lottery_services.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advert)


@pytest.fixture
def drawn(committed, advert, auditor_a):
    return workflow.lottery_draw(actor=auditor_a, reason="Lodtrækning", advert=advert)


def _url(name: str, vacancy) -> str:
    return reverse(f"letting:{name}", args=[vacancy.pk])


def _page(client, vacancy) -> str:
    response = client.get(_url("advert_detail", vacancy))
    assert response.status_code == 200
    return response.content.decode()


# --- R1.6: only a vacancy let by advertising ------------------------------------------------------


@pytest.mark.rule("R1.6")
def test_an_advertising_agreement_makes_the_vacancy_advertised(vacancy):
    assert vacancy.channel == LettingChannel.ADVERTISING
    assert vacancy.agreement is not None


@pytest.mark.rule("R1.6")
def test_only_a_vacancy_let_by_advertising_gets_an_advert(caseworker_a, department_a, set_today):
    dwelling = DwellingFactory(department=department_a, kind="family")
    listed = vacancy_open(
        actor=caseworker_a, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT
    )
    assert listed.channel == LettingChannel.LIST
    with pytest.raises(ValidationError):
        _advert(listed, caseworker_a)
    assert not Advert.objects.exists()


@pytest.mark.rule("R1.6")
def test_the_advert_page_does_not_exist_for_a_vacancy_let_from_the_lists(
    caseworker_a, department_a, set_today, client_for
):
    dwelling = DwellingFactory(department=department_a, kind="family")
    listed = vacancy_open(
        actor=caseworker_a, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT
    )
    assert client_for(caseworker_a).get(_url("advert_detail", listed)).status_code == 404


# --- R38.1: DanmarkBolig.dk within 8 days ---------------------------------------------------------


@pytest.mark.rule("R38.1")
def test_the_publication_deadline_is_day_8_after_the_agreement(advert):
    assert services.advert_publication_deadline(advert) == AGREED + datetime.timedelta(days=8)


@pytest.mark.rule("R38.1")
def test_published_on_day_8_is_in_time_and_on_day_9_late(advert, caseworker_a, set_today):
    day_8, day_9 = AGREED + datetime.timedelta(days=8), AGREED + datetime.timedelta(days=9)
    services.advert_record_publication(
        actor=caseworker_a,
        reason=REASON,
        advert=advert,
        danmarkbolig_published_on=day_8,
        other_media="Avisen",
    )
    advert.refresh_from_db()
    status = services.advert_publication_status(advert)
    assert (status.late, status.overdue, services.advert_publication_overdue(advert)) == (False, False, False)

    services.advert_record_publication(
        actor=caseworker_a,
        reason=REASON,
        advert=advert,
        danmarkbolig_published_on=day_9,
        other_media="Avisen",
    )
    advert.refresh_from_db()
    assert services.advert_publication_status(advert).late
    assert services.advert_publication_overdue(advert)


@pytest.mark.rule("R38.1")
def test_unpublished_is_overdue_from_day_9(advert, caseworker_a, client_for, set_today):
    day_8, day_9 = AGREED + datetime.timedelta(days=8), AGREED + datetime.timedelta(days=9)
    assert not services.advert_publication_overdue(advert, today=day_8)
    assert services.advert_publication_overdue(advert, today=day_9)

    set_today(day_8)
    assert 'id="publication-overdue"' not in _page(client_for(caseworker_a), advert.vacancy)
    set_today(day_9)
    assert 'id="publication-overdue"' in _page(client_for(caseworker_a), advert.vacancy)


@pytest.mark.rule("R38.1")
def test_recording_the_publication_on_the_page(advert, caseworker_a, client_for):
    response = client_for(caseworker_a).post(
        _url("advert_publication", advert.vacancy),
        {
            "publication-danmarkbolig_published_on": "2026-02-25",
            "publication-other_media": "Lokalavisen",
            "publication-change_reason": "Annoncen er på DanmarkBolig.dk",
        },
    )
    assert response.status_code == 302
    advert.refresh_from_db()
    assert (advert.danmarkbolig_published_on, advert.other_media) == (D(2026, 2, 25), "Lokalavisen")
    assert advert.history.first().history_change_reason == "Annoncen er på DanmarkBolig.dk"


@pytest.mark.rule("R38.1")
def test_a_publication_before_the_agreement_or_in_the_future_is_refused(advert, caseworker_a):
    for day in (AGREED - datetime.timedelta(days=1), DEADLINE + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            services.advert_record_publication(
                actor=caseworker_a, reason=REASON, advert=advert, danmarkbolig_published_on=day
            )
        assert "danmarkbolig_published_on" in caught.value.message_dict


# --- R38.2: what the advert states ----------------------------------------------------------------


@pytest.mark.rule("R38.2")
@pytest.mark.parametrize(
    "missing",
    ["dwelling_description", "interest_deadline", "viewing_at", "viewing_place", "decision_expected_on"],
)
def test_an_advert_without_a_required_fact_is_refused(vacancy, caseworker_a, missing):
    with pytest.raises(ValidationError) as caught:
        _advert(vacancy, caseworker_a, **{missing: None if missing != "viewing_place" else " "})
    assert missing in caught.value.message_dict
    assert "R38.2" in caught.value.message_dict[missing][0]
    assert not Advert.objects.exists()


@pytest.mark.rule("R38.2")
def test_criteria_are_optional(vacancy, caseworker_a):
    """§ 38, stk. 2, nr. 2: "eventuelle kriterier"."""
    assert _advert(vacancy, caseworker_a, criteria="").criteria == ""


@pytest.mark.rule("R38.2")
def test_the_deadline_cannot_be_past_and_the_decision_comes_after_it(vacancy, caseworker_a):
    with pytest.raises(ValidationError) as caught:
        _advert(vacancy, caseworker_a, interest_deadline=DEADLINE - datetime.timedelta(days=1))
    assert "interest_deadline" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _advert(vacancy, caseworker_a, decision_expected_on=DEADLINE)
    assert "decision_expected_on" in caught.value.message_dict
    # The deadline today is allowed: interest received today is still in time.
    assert _advert(vacancy, caseworker_a, interest_deadline=DEADLINE).interest_deadline == DEADLINE


@pytest.mark.rule("R38.2")
def test_the_advert_form_names_each_missing_fact_next_to_its_field(vacancy, caseworker_a, client_for):
    response = client_for(caseworker_a).post(_url("advert_edit", vacancy), {"change_reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    with translation.override("da"):
        expected = services.required_messages()
    for name, message in expected.items():
        assert f'id="id_{name}_error"' in body, name
        assert html.escape(message) in body, name
    assert not Advert.objects.exists()


@pytest.mark.rule("R38.2")
def test_creating_and_changing_the_advert_on_the_page(vacancy, caseworker_a, client_for):
    client = client_for(caseworker_a)
    data = {
        "agreed_on": "2026-02-20",
        "dwelling_description": "3 værelser med altan",
        "criteria": "",
        "interest_deadline": "2026-03-10",
        "viewing_at": "2026-03-05T16:30",
        "viewing_place": "Ved opgangen",
        "decision_expected_on": "2026-03-20",
        "change_reason": "Aftalt med kommunen",
    }
    assert client.get(_url("advert_edit", vacancy)).status_code == 200
    response = client.post(_url("advert_edit", vacancy), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    advert = Advert.objects.get(vacancy=vacancy)
    assert advert.interest_deadline == D(2026, 3, 10) and advert.created_by == caseworker_a
    assert timezone.localtime(advert.viewing_at).hour == 16
    body = _page(client, vacancy)
    assert "3 værelser med altan" in body and 'id="publication-deadline"' in body

    data.update(decision_expected_on="2026-03-10", change_reason="Ret datoen")
    response = client.post(_url("advert_edit", vacancy), data)
    assert response.status_code == 400
    assert 'id="id_decision_expected_on_error"' in response.content.decode()
    data.update(decision_expected_on="2026-03-24")
    assert client.post(_url("advert_edit", vacancy), data).status_code == 302
    advert.refresh_from_db()
    assert advert.decision_expected_on == D(2026, 3, 24)


# --- Written interest -----------------------------------------------------------------------------


@pytest.mark.rule("R38.2")
def test_interest_on_the_deadline_day_is_in_time_and_the_day_after_is_not(
    advert, caseworker_a, org_a, set_today
):
    _interest(advert, caseworker_a, _applicant(org_a, "Rettid"), received_on=DEADLINE)
    set_today(AFTER_DEADLINE)
    with pytest.raises(ValidationError) as caught:
        _interest(advert, caseworker_a, _applicant(org_a, "Forsent"), received_on=AFTER_DEADLINE)
    assert "received_on" in caught.value.message_dict
    assert advert.interests.count() == 1


def test_interest_from_a_person_of_another_organisation_is_refused(advert, caseworker_a, person_b):
    with pytest.raises(ValidationError) as caught:
        _interest(advert, caseworker_a, person_b)
    assert "person" in caught.value.message_dict


def test_an_unqualified_applicant_needs_an_assessment(advert, caseworker_a, org_a):
    with pytest.raises(ValidationError) as caught:
        _interest(advert, caseworker_a, _applicant(org_a, "Uden"), qualified=False)
    assert "assessment" in caught.value.message_dict


def test_recording_interest_on_the_page_by_cpr_or_applicant_number(advert, caseworker_a, org_a, client_for):
    client = client_for(caseworker_a)
    by_cpr, by_number = _applicant(org_a, "Cpr"), _applicant(org_a, "Nummer")
    for text, person in ((by_cpr.cpr_reveal(), by_cpr), (by_number.applicant_number, by_number)):
        response = client.post(
            _url("advert_interest_add", advert.vacancy),
            {
                "interest-person": text,
                "interest-received_on": DEADLINE.isoformat(),
                "interest-qualified": "on",
                "interest-assessment": "",
                "interest-change_reason": "Brev modtaget",
            },
        )
        assert response.status_code == 302
        assert Interest.objects.filter(advert=advert, person=person, qualified=True).exists()


def test_the_page_does_not_find_another_tenants_person(advert, caseworker_a, person_b, client_for):
    response = client_for(caseworker_a).post(
        _url("advert_interest_add", advert.vacancy),
        {
            "interest-person": person_b.cpr_reveal(),
            "interest-received_on": DEADLINE.isoformat(),
            "interest-change_reason": "Brev modtaget",
        },
    )
    assert response.status_code == 400
    assert 'id="id_interest-person_error"' in response.content.decode()
    assert person_b.last_name not in response.content.decode()
    assert not Interest.objects.exists()


# --- R38.3: the auditor's lottery -----------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_a_caseworker_cannot_commit_or_draw(applicants, advert, caseworker_a, auditor_a, set_today):
    set_today(AFTER_DEADLINE)
    with pytest.raises(PermissionDenied):
        lottery_services.lottery_commit(actor=caseworker_a, reason="Lodtrækning", advert=advert)
    lottery_services.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advert)
    with pytest.raises(PermissionDenied):
        workflow.lottery_draw(actor=caseworker_a, reason="Lodtrækning", advert=advert)
    assert not LotteryDraw.objects.get(advert=advert).seed_revealed


@pytest.mark.rule("R38.3")
def test_another_organisations_auditor_cannot_commit(applicants, advert, auditor_b, set_today):
    set_today(AFTER_DEADLINE)
    with pytest.raises(PermissionDenied):
        lottery_services.lottery_commit(actor=auditor_b, reason="Lodtrækning", advert=advert)


@pytest.mark.rule("R38.3")
def test_the_lottery_waits_for_the_deadline(applicants, advert, auditor_a):
    with pytest.raises(ValidationError):
        lottery_services.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advert)
    assert not LotteryDraw.objects.exists()


@pytest.mark.rule("R38.3")
def test_the_commitment_binds_the_frozen_list_and_the_revealed_seed(
    applicants, advert, auditor_a, caseworker_a, org_a, set_today
):
    set_today(AFTER_DEADLINE)
    draw = lottery_services.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advert)
    published_commitment = draw.commitment
    assert draw.applicants == sorted(p.applicant_number for p in applicants)
    assert not draw.seed_revealed and draw.order is None
    # The list is closed: nobody is added after the commitment, and the advert is fixed.
    with pytest.raises(ValidationError):
        _interest(advert, caseworker_a, _applicant(org_a, "Efternøler"), received_on=DEADLINE)
    with pytest.raises(ValidationError):
        services.advert_update(actor=caseworker_a, reason=REASON, advert=advert, viewing_place="Andetsteds")
    with pytest.raises(ValidationError):
        lottery_services.lottery_commit(actor=auditor_a, reason="Igen", advert=advert)

    draw = workflow.lottery_draw(actor=auditor_a, reason="Lodtrækning", advert=advert)
    assert draw.seed_revealed and draw.drawn_by == auditor_a
    assert draw.commitment == published_commitment == lottery.commitment(draw.seed, draw.applicants)
    assert draw.order == lottery.draw(draw.seed, draw.applicants)
    assert lottery.verify(draw.seed, draw.applicants, published_commitment, draw.order).ok
    with pytest.raises(ValidationError):
        workflow.lottery_draw(actor=auditor_a, reason="Igen", advert=advert)
    # The seed never enters the history.
    assert not hasattr(draw.history.first(), "seed")


@pytest.mark.rule("R38.3")
def test_the_page_publishes_the_commitment_before_and_the_seed_after_the_draw(
    committed, advert, auditor_a, read_only_a, client_for
):
    body = _page(client_for(read_only_a), advert.vacancy)
    assert committed.commitment in body
    assert committed.seed not in body
    record = client_for(read_only_a).get(_url("advert_lottery_record", advert.vacancy)).json()
    assert record["commitment"] == committed.commitment and "seed" not in record

    client = client_for(auditor_a)
    asked = client.post(_url("advert_lottery_draw", advert.vacancy), {"draw-change_reason": "Trækning"})
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.content.decode()
    assert not LotteryDraw.objects.get(advert=advert).seed_revealed  # asked, not drawn
    response = client.post(
        _url("advert_lottery_draw", advert.vacancy), {"draw-change_reason": "Trækning", "confirmed": "1"}
    )
    assert response.status_code == 302
    draw = LotteryDraw.objects.get(advert=advert)
    body = _page(client_for(read_only_a), advert.vacancy)
    assert draw.seed in body and draw.commitment in body
    assert "python manage.py verify_lottery lodtraekning-ledig-" in body
    assert f"--draw --seed {draw.seed} --applicants {','.join(draw.applicants)}" in body
    for ident in draw.order:
        assert ident in body


@pytest.mark.rule("R38.3")
def test_the_draw_asks_first_and_a_double_submit_draws_once(committed, advert, auditor_a, client_for):
    """Drawing lots cannot be undone: the auditor sees what will happen and confirms; the confirm
    form sent twice draws once (issue 15, item 4)."""
    client = client_for(auditor_a)
    url = _url("advert_lottery_draw", advert.vacancy)
    asked = client.post(url, {"draw-change_reason": "Trækning"})
    body = asked.content.decode()
    assert asked.status_code == 200 and 'id="confirm-form"' in body and 'id="letter-preview"' not in body
    assert 'name="draw-change_reason" value="Trækning"' in body
    assert 'class="button button-warning" id="confirm-submit"' in body
    assert not LotteryDraw.objects.get(advert=advert).seed_revealed
    key = "ZXCVBNMasdfghjklQWERTYUIOPzxcvbn"
    first = client.post(url, {"draw-change_reason": "Trækning", "confirmed": "1", "submission_key": key})
    draw = LotteryDraw.objects.get(advert=advert)
    second = client.post(url, {"draw-change_reason": "Trækning", "confirmed": "1", "submission_key": key})
    assert first.status_code == second.status_code == 302
    again = LotteryDraw.objects.get(advert=advert)
    assert draw.seed_revealed and (again.drawn_at, again.order) == (draw.drawn_at, draw.order)
    assert again.history.count() == draw.history.count()  # the second submit changed nothing


@pytest.mark.rule("R38.3")
def test_verify_lottery_on_the_downloaded_record_gives_the_same_order(
    drawn, advert, read_only_a, client_for, tmp_path
):
    response = client_for(read_only_a).get(_url("advert_lottery_record", advert.vacancy))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "record.json"
    path.write_bytes(response.content)
    record = json.loads(response.content)
    assert {k: record[k] for k in ("algorithm", "commitment", "seed", "applicants", "order")} == (
        lottery.make_record(drawn.seed, drawn.applicants)
    )
    out = io.StringIO()
    call_command("verify_lottery", str(path), stdout=out)
    printed = out.getvalue()
    assert "OK" in printed
    places = [line.split(". ", 1)[1] for line in printed.splitlines() if line.strip()[:1].isdigit()]
    assert places == drawn.order

    # The command named on the page for the seed and the list gives the same commitment and order.
    out = io.StringIO()
    call_command(
        "verify_lottery",
        "--draw",
        "--seed",
        drawn.seed,
        "--applicants",
        ",".join(drawn.applicants),
        stdout=out,
    )
    assert drawn.commitment in out.getvalue()


@pytest.mark.rule("R38.3")
def test_only_the_auditor_gets_the_lottery_actions_on_the_page(
    applicants, advert, auditor_a, caseworker_a, read_only_a, client_for, set_today
):
    set_today(AFTER_DEADLINE)
    auditor_page = _page(client_for(auditor_a), advert.vacancy)
    assert 'id="commit-form"' in auditor_page
    assert 'id="interest-form"' not in auditor_page and 'id="edit-advert"' not in auditor_page
    assert 'id="publication-form"' not in auditor_page and 'id="assessment-form"' not in auditor_page
    caseworker_page = _page(client_for(caseworker_a), advert.vacancy)
    assert 'id="commit-form"' not in caseworker_page and 'id="publication-form"' in caseworker_page
    read_only_page = _page(client_for(read_only_a), advert.vacancy)
    for form_id in ("commit-form", "interest-form", "publication-form", "assessment-form", "edit-advert"):
        assert f'id="{form_id}"' not in read_only_page

    reason = {"commit-change_reason": "Lodtrækning"}
    for user in (caseworker_a, read_only_a):
        assert client_for(user).post(_url("advert_lottery_commit", advert.vacancy), reason).status_code == 403
    assert not LotteryDraw.objects.exists()
    response = client_for(auditor_a).post(_url("advert_lottery_commit", advert.vacancy), reason)
    assert response.status_code == 302
    assert 'id="draw-form"' in _page(client_for(auditor_a), advert.vacancy)
    # The auditor reads only: no other action.
    response = client_for(auditor_a).post(
        _url("advert_publication", advert.vacancy),
        {"publication-danmarkbolig_published_on": "2026-02-25", "publication-change_reason": "x"},
    )
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.rule("R38.3")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
def test_two_auditors_committing_at_once_commit_once(agreement, caseworker_a, department_a, org_a, set_today):
    dwelling = DwellingFactory(department=department_a, kind="family")
    vacancy = vacancy_open(
        actor=caseworker_a, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT
    )
    advert = _advert(vacancy, caseworker_a)
    for name in ("Anna", "Bo"):
        _interest(advert, caseworker_a, _applicant(org_a, name))
    auditors = []
    for n in range(4):
        user = UserFactory(username=f"revisor{n}")
        MembershipFactory(user=user, tenant=org_a.tenant, role=Role.AUDITOR)
        auditors.append(user)
    set_today(AFTER_DEADLINE)
    start = threading.Barrier(len(auditors))
    outcomes = []

    def commit(user):
        from django.db import connections

        try:
            start.wait()
            lottery_services.lottery_commit(actor=user, reason="Lodtrækning", advert=advert)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # collected and asserted below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=commit, args=(user,)) for user in auditors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, outcomes)) == ["ok", "refused", "refused", "refused"]
    assert LotteryDraw.objects.filter(advert=advert).count() == 1


# --- Letting --------------------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_a_single_qualified_applicant_needs_no_lottery(advert, caseworker_a, auditor_a, org_a, set_today):
    only = _applicant(org_a, "Eneste")
    _interest(advert, caseworker_a, only)
    _interest(advert, caseworker_a, _applicant(org_a, "Ikke"), qualified=False, assessment="Ingen myndig")
    with pytest.raises(ValidationError):  # the deadline has not passed: more may write
        workflow.advert_let(
            actor=caseworker_a,
            reason=REASON,
            advert=advert,
            person=only,
            signed_on=DEADLINE,
            starts_on=MOVE_OUT,
        )
    set_today(AFTER_DEADLINE)
    with pytest.raises(ValidationError):
        lottery_services.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advert)
    turn = services.advert_turn(advert)
    assert (turn.stage, turn.interest.person) == (services.Stage.SINGLE, only)
    lease = workflow.advert_let(
        actor=caseworker_a,
        reason=REASON,
        advert=advert,
        person=only,
        signed_on=AFTER_DEADLINE,
        starts_on=MOVE_OUT,
    )
    assert lease.person == only and lease.vacancy == advert.vacancy
    assert "§ 38" in lease.basis
    advert.vacancy.refresh_from_db()
    assert advert.vacancy.state == VacancyState.LET
    assert not LotteryDraw.objects.exists()


@pytest.mark.rule("R38.3")
def test_several_qualified_applicants_cannot_be_let_to_before_the_draw(
    applicants, advert, caseworker_a, set_today
):
    set_today(AFTER_DEADLINE)
    with pytest.raises(ValidationError):
        workflow.advert_let(
            actor=caseworker_a,
            reason=REASON,
            advert=advert,
            person=applicants[0],
            signed_on=AFTER_DEADLINE,
            starts_on=MOVE_OUT,
        )
    assert not Lease.objects.exists()


@pytest.mark.rule("R38.3", "R1.10")
def test_the_winner_gets_the_lease_and_a_decline_passes_the_turn(
    drawn, advert, applicants, caseworker_a, client_for
):
    by_number = {p.applicant_number: p for p in applicants}
    winner, second = by_number[drawn.order[0]], by_number[drawn.order[1]]
    with pytest.raises(ValidationError):
        workflow.advert_let(
            actor=caseworker_a,
            reason=REASON,
            advert=advert,
            person=second,
            signed_on=AFTER_DEADLINE,
            starts_on=MOVE_OUT,
        )
    client = client_for(caseworker_a)
    winner_interest = Interest.objects.get(advert=advert, person=winner)
    body = _page(client, advert.vacancy)
    assert 'id="let-form"' in body and winner.full_name in body

    response = client.post(
        _url("advert_decline", advert.vacancy),
        {
            "decline-interest": winner_interest.pk,
            "decline-note": "Fandt anden bolig",
            "decline-change_reason": "Afslag",
        },
    )
    assert response.status_code == 302
    winner_interest.refresh_from_db()
    assert not winner_interest.qualified and "Fandt anden bolig" in winner_interest.assessment
    turn = services.advert_turn(advert)
    assert (turn.interest.person, turn.place) == (second, 2)

    second_interest = Interest.objects.get(advert=advert, person=second)
    response = client.post(
        _url("advert_let", advert.vacancy),
        {
            "let-interest": second_interest.pk,
            "let-signed_on": AFTER_DEADLINE.isoformat(),
            "let-starts_on": MOVE_OUT.isoformat(),
            "let-change_reason": "Lejekontrakt underskrevet",
        },
    )
    assert response.status_code == 302
    lease = Lease.objects.get(vacancy=advert.vacancy)
    assert lease.person == second and "2" in lease.basis
    assert 'id="letting-done"' in _page(client, advert.vacancy)
    # The public record is unchanged by the decline.
    drawn.refresh_from_db()
    assert lottery.verify(drawn.seed, drawn.applicants, drawn.commitment, drawn.order).ok


def test_letting_to_someone_else_than_the_turn_on_the_page_is_refused(
    drawn, advert, applicants, caseworker_a, client_for
):
    by_number = {p.applicant_number: p for p in applicants}
    last = Interest.objects.get(advert=advert, person=by_number[drawn.order[-1]])
    response = client_for(caseworker_a).post(
        _url("advert_let", advert.vacancy),
        {
            "let-interest": last.pk,
            "let-signed_on": AFTER_DEADLINE.isoformat(),
            "let-starts_on": MOVE_OUT.isoformat(),
            "let-change_reason": "Forsøg",
        },
    )
    assert response.status_code == 400
    assert not Lease.objects.exists()


# --- Who sees the pages ---------------------------------------------------------------------------


def test_read_only_sees_the_page_but_cannot_change_anything(drawn, advert, read_only_a, client_for):
    client = client_for(read_only_a)
    body = _page(client, advert.vacancy)
    for form_id in ("let-form", "decline-form", "draw-form", "edit-advert"):
        assert f'id="{form_id}"' not in body
    assert client.get(_url("advert_edit", advert.vacancy)).status_code == 403
    for name in ("advert_publication", "advert_interest_add", "advert_decline", "advert_let"):
        assert client.post(_url(name, advert.vacancy), {}).status_code == 403, name
    assert client.get(_url("advert_history", advert.vacancy)).status_code == 200


@pytest.mark.parametrize("attacker", ["caseworker_b", "auditor_b", "kommune_officer", "administrator"])
def test_every_advert_url_is_404_for_another_tenant(request, attacker, drawn, advert, applicants, client_for):
    client = client_for(request.getfixturevalue(attacker))
    vacancy = advert.vacancy
    markers = [
        vacancy.dwelling.address_line,
        drawn.commitment,
        drawn.seed,
        *[p.applicant_number for p in applicants],
    ]
    assert len(advert_urlpatterns) >= 10
    for pattern in advert_urlpatterns:
        url = _url(pattern.name, vacancy)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (attacker, method, url, response.status_code)
            body = response.content.decode()
            for marker in markers:
                assert marker not in body, (attacker, method, url, marker)
        # Each page answers 404 (not 405) for the method it serves.
        assert 404 in (client.get(url).status_code, client.post(url).status_code), url


# --- Bad input ------------------------------------------------------------------------------------


BAD_DATES = ["2026-02-31", "i morgen", "99999-01-01", "", "\x00"]


@pytest.mark.parametrize("bad", BAD_DATES)
def test_bad_advert_input_is_a_field_error_never_a_500(vacancy, caseworker_a, client_for, bad):
    response = client_for(caseworker_a).post(
        _url("advert_edit", vacancy),
        {
            "agreed_on": bad,
            "dwelling_description": "x" * 20000,
            "interest_deadline": bad,
            "viewing_at": bad + "T25:61",
            "viewing_place": "x" * 500,
            "decision_expected_on": bad,
            "change_reason": "x" * 500,
        },
    )
    assert response.status_code == 400
    # A NUL character is refused at the edge, before the form; the rest on the form.
    expected = "NUL" if "\x00" in bad else "form-error-message"
    assert expected in response.content.decode()
    assert not Advert.objects.exists()


def test_bad_input_on_every_action_is_a_400_never_a_500(drawn, advert, caseworker_a, auditor_a, client_for):
    caseworker, auditor = client_for(caseworker_a), client_for(auditor_a)
    garbage = ["abc", "-1", "999999999", "", "\x00", "2026-13-45", "1" * 400]
    posts = [
        (caseworker, "advert_publication", ["danmarkbolig_published_on", "other_media"], "publication"),
        (caseworker, "advert_interest_add", ["person", "received_on", "assessment"], "interest"),
        (caseworker, "advert_interest_assess", ["interest", "assessment"], "assessment"),
        (caseworker, "advert_decline", ["interest", "note"], "decline"),
        (caseworker, "advert_let", ["interest", "signed_on", "starts_on"], "let"),
    ]
    for client, name, fields, prefix in posts:
        for value in garbage:
            data = {f"{prefix}-{field}": value for field in fields}
            data[f"{prefix}-change_reason"] = value
            response = client.post(_url(name, advert.vacancy), data)
            assert response.status_code == 400, (name, value, response.status_code)
    # Lottery actions when there is nothing to do: a message, not a crash.
    for name, prefix in (("advert_lottery_commit", "commit"), ("advert_lottery_draw", "draw")):
        response = auditor.post(_url(name, advert.vacancy), {f"{prefix}-change_reason": "Igen"})
        assert response.status_code == 400, name
        response = auditor.post(_url(name, advert.vacancy), {f"{prefix}-change_reason": ""})
        assert response.status_code == 400, name
    assert not Lease.objects.exists()
    assert Interest.objects.filter(advert=advert, qualified=True).count() == 3


def test_unknown_vacancy_is_404(caseworker_a, client_for, db):
    assert client_for(caseworker_a).get("/udlejning/ledige/999999/annonce/").status_code == 404
