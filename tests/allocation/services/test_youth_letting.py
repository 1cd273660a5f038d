"""Youth dwellings in every channel the order governs (§§ 12–13 with § 1, stk. 6–7), and the
organisation's written letting guidelines (§ 12, stk. 2) as configuration and on the vacancy page.

§ 1, stk. 6: "Bekendtgørelsens §§ 2-11 anvendes ikke, i det omfang … boligerne skal udlejes via
annoncering" — § 12 is not among them. § 1, stk. 7: "Bekendtgørelsens § 2, stk. 1 og 2, og §§ 4-10 kan
fraviges" — nor here. So an advertised or flexibly let youth dwelling still goes to "unge
uddannelsessøgende og andre unge med et særligt behov derfor" (§ 12, stk. 1), and only "hvis de ikke
kan udlejes til den berettigede personkreds" to others (§ 12, stk. 3).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from allocation.models import (
    AgreementKind,
    LettingAgreement,
    LettingChannel,
    Vacancy,
    YouthLettingGuideline,
    YouthPriorityGroup,
)
from allocation.services import adverts, lottery
from allocation.services.youth import guideline_in_force
from housing.audit import audited_save
from letting import workflow
from letting.workflow import lease_sign, vacancy_let_outside, vacancy_open
from tests.factories import DwellingFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ListKind

pytestmark = pytest.mark.django_db
PAGE_LANGUAGE = "en"

D = datetime.date
AGREED = D(2026, 2, 20)
DEADLINE = D(2026, 3, 2)
AFTER_DEADLINE = DEADLINE + datetime.timedelta(days=1)
NOTICE, MOVE_OUT = D(2026, 1, 15), D(2026, 3, 31)
REASON = "Ungdomsbolig"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def set_today(monkeypatch):
    def move(day: datetime.date) -> datetime.date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    move(DEADLINE)
    return move


@pytest.fixture
def youth_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, organisation=org_a, kind=ListKind.YOUTH)


def _agreement(org, department, kind, actor):
    return audited_save(
        LettingAgreement(
            organisation=org,
            kommune=department.kommune,
            kind=kind,
            valid_from=D(2020, 1, 1),
            criteria="Aftalt",
        ),
        actor=actor,
        reason="Aftale med kommunen",
    )


def _youth_vacancy(actor, department, **dwelling) -> Vacancy:
    home = DwellingFactory(department=department, kind="youth", rooms=1, **dwelling)
    return vacancy_open(
        actor=actor, reason="Opsagt", dwelling=home, notice_date=NOTICE, move_out_date=MOVE_OUT
    )


def _student(org, youth_list, name: str):
    """A young person on the organisation's youth list, in education (R12.1)."""
    person = PersonFactory(controller=org.tenant, first_name=name, born=D(2004, 5, 5))
    EntryFactory(
        waiting_list=youth_list,
        person=person,
        seniority_date=D(2024, 1, 1),
        education_institution="Aarhus Universitet",
        education_expected_end=D(2029, 6, 30),
    )
    return person


def _outsider(org, name: str):
    """Someone with no education or special need recorded: outside the § 12 group."""
    return PersonFactory(controller=org.tenant, first_name=name, born=D(1980, 5, 5))


# --- Letting by advertising (§ 1, stk. 6; § 38) -----------------------------------------------------


@pytest.fixture
def advertised(org_a, department_a, caseworker_a, system_user, set_today):
    _agreement(org_a, department_a, AgreementKind.ADVERTISING, system_user)
    vacancy = _youth_vacancy(caseworker_a, department_a)
    assert vacancy.channel == LettingChannel.ADVERTISING
    return adverts.advert_create(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        agreed_on=AGREED,
        dwelling_description="1 værelse, 28 m²",
        criteria="",
        interest_deadline=DEADLINE,
        viewing_at=timezone.make_aware(datetime.datetime(2026, 2, 27, 16, 0)),
        viewing_place="Ved opgangen",
        decision_expected_on=DEADLINE + datetime.timedelta(days=14),
    )


def _interest(advert, actor, person):
    return adverts.interest_record(
        actor=actor, reason="Skriftlig interesse", advert=advert, person=person, received_on=DEADLINE
    )


@pytest.fixture
def auditor_a(org_a):
    from housing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="revisor_youth")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.AUDITOR)
    return user


@pytest.mark.rule("R12.1", "R1.6", "R38.3")
def test_an_advertised_youth_dwelling_draws_lots_only_among_the_eligible_group(
    advertised, caseworker_a, auditor_a, org_a, youth_list, set_today
):
    first = _student(org_a, youth_list, "Asta")
    second = _student(org_a, youth_list, "Bjørn")
    outsider = _outsider(org_a, "Carl")
    for person in (outsider, first, second):
        _interest(advertised, caseworker_a, person)
    set_today(AFTER_DEADLINE)
    draw = lottery.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advertised)
    assert sorted(draw.applicants) == sorted([first.applicant_number, second.applicant_number])
    assert outsider.applicant_number not in draw.applicants


@pytest.mark.rule("R12.1", "R1.6")
def test_one_eligible_applicant_takes_the_advertised_youth_dwelling_before_others(
    advertised, caseworker_a, org_a, youth_list, set_today
):
    outsider = _outsider(org_a, "Carl")
    student = _student(org_a, youth_list, "Asta")
    _interest(advertised, caseworker_a, outsider)
    _interest(advertised, caseworker_a, student)
    set_today(AFTER_DEADLINE)
    turn = adverts.advert_turn(advertised)
    assert turn.stage == adverts.Stage.SINGLE and turn.interest.person == student
    with pytest.raises(ValidationError):
        workflow.advert_let(
            actor=caseworker_a,
            reason=REASON,
            advert=advertised,
            person=outsider,
            signed_on=AFTER_DEADLINE,
            starts_on=MOVE_OUT,
        )
    standings = adverts.youth_standings(advertised)
    assert {
        i.person_id: s.eligible for i, s in ((i, standings[i.pk]) for i in advertised.interests.all())
    } == {
        outsider.pk: False,
        student.pk: True,
    }


@pytest.mark.rule("R12.3", "R1.6")
def test_others_may_have_the_advertised_youth_dwelling_only_when_no_eligible_applicant_is_left(
    advertised, caseworker_a, auditor_a, org_a, youth_list, set_today
):
    outsiders = [_outsider(org_a, name) for name in ("Carl", "Dorte")]
    for person in outsiders:
        _interest(advertised, caseworker_a, person)
    vacancy = advertised.vacancy
    # Before the deadline the eligible group may still write: R12.3 is not open yet.
    with pytest.raises(ValidationError, match=r"R12\.3"):
        vacancy_let_outside(
            actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R12.3", why="Ingen studerende"
        )
    set_today(AFTER_DEADLINE)
    assert adverts.advert_turn(advertised).stage == adverts.Stage.OUTSIDE_GROUP
    with pytest.raises(ValidationError, match=r"R12\.3"):
        lottery.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advertised)
    # "kan udleje … til andre, hvis de ikke kan udlejes til den berettigede personkreds": a decision
    # recorded with reasons.
    vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=vacancy, rule="R12.3", why="Ingen i personkredsen søgte"
    )
    advertised.refresh_from_db()
    assert adverts.advert_turn(advertised).stage == adverts.Stage.LOTTERY_NEEDED
    draw = lottery.lottery_commit(actor=auditor_a, reason="Lodtrækning", advert=advertised)
    assert sorted(draw.applicants) == sorted(p.applicant_number for p in outsiders)


@pytest.mark.rule("R12.3", "R1.6")
def test_r12_3_is_refused_while_an_eligible_applicant_wants_the_advertised_youth_dwelling(
    advertised, caseworker_a, org_a, youth_list, set_today
):
    _interest(advertised, caseworker_a, _outsider(org_a, "Carl"))
    _interest(advertised, caseworker_a, _student(org_a, youth_list, "Asta"))
    set_today(AFTER_DEADLINE)
    with translation.override("en"), pytest.raises(ValidationError, match="eligible group"):
        vacancy_let_outside(
            actor=caseworker_a, reason=REASON, vacancy=advertised.vacancy, rule="R12.3", why="Forsøg"
        )


@pytest.mark.rule("R1.6")
def test_a_family_dwelling_advertised_is_not_held_to_the_youth_group(advertised, caseworker_a, org_a):
    """The § 12 test is for youth dwellings only: an advertised family dwelling has no standings."""
    advertised.vacancy.dwelling.kind = "family"
    audited_save(advertised.vacancy.dwelling, actor=caseworker_a, reason=REASON)
    assert adverts.youth_standings(advertised) is None


# --- Flexible letting (§ 1, stk. 7) ---------------------------------------------------------------------


@pytest.fixture
def flexible(org_a, department_a, caseworker_a, system_user, set_today, youth_list):
    _agreement(org_a, department_a, AgreementKind.FLEXIBLE, system_user)
    vacancy = _youth_vacancy(caseworker_a, department_a)
    assert vacancy.channel == LettingChannel.FLEXIBLE
    return vacancy


def _sign(actor, vacancy, person):
    return lease_sign(
        actor=actor, reason=REASON, vacancy=vacancy, person=person, signed_on=DEADLINE, starts_on=MOVE_OUT
    )


@pytest.mark.rule("R12.1", "R1.7")
def test_a_flexibly_let_youth_dwelling_is_not_let_outside_the_eligible_group(
    flexible, caseworker_a, org_a, youth_list
):
    with pytest.raises(ValidationError, match=r"R12\.3"):
        _sign(caseworker_a, flexible, _outsider(org_a, "Carl"))
    lease = _sign(caseworker_a, flexible, _student(org_a, youth_list, "Asta"))
    assert lease.vacancy_id == flexible.pk


@pytest.mark.rule("R12.3", "R1.7")
def test_a_flexibly_let_youth_dwelling_goes_to_others_only_after_r12_3(
    flexible, caseworker_a, org_a, youth_list
):
    student = _student(org_a, youth_list, "Asta")
    # Someone in the eligible group on the youth list can take it: R12.3 is refused.
    with pytest.raises(ValidationError, match=r"R12\.3"):
        vacancy_let_outside(actor=caseworker_a, reason=REASON, vacancy=flexible, rule="R12.3", why="Ingen")
    entry = student.entries.get()
    entry.education_institution = ""
    audited_save(entry, actor=caseworker_a, reason="Uddannelsen er afsluttet")
    vacancy_let_outside(
        actor=caseworker_a, reason=REASON, vacancy=flexible, rule="R12.3", why="Ingen i personkredsen"
    )
    assert _sign(caseworker_a, Vacancy.objects.get(pk=flexible.pk), _outsider(org_a, "Carl")).pk


# --- The letting guidelines (§ 12, stk. 2) -----------------------------------------------------------------


@pytest.mark.rule("R12.2")
def test_the_guideline_in_force_is_the_latest_dated_on_or_before_the_day(org_a, system_user):
    older = audited_save(
        YouthLettingGuideline(
            organisation=org_a,
            valid_from=D(2025, 1, 1),
            decided_on=D(2024, 12, 1),
            title="2025",
            text="Tekst",
        ),
        actor=system_user,
        reason=REASON,
    )
    newer = audited_save(
        YouthLettingGuideline(
            organisation=org_a, valid_from=D(2026, 3, 3), decided_on=D(2026, 2, 1), title="2026", text="Tekst"
        ),
        actor=system_user,
        reason=REASON,
    )
    assert guideline_in_force(organisation_id=org_a.pk, day=D(2026, 3, 2)) == older
    assert guideline_in_force(organisation_id=org_a.pk, day=D(2026, 3, 3)) == newer
    assert guideline_in_force(organisation_id=org_a.pk, day=D(2024, 12, 31)) is None


@pytest.mark.rule("R12.2")
def test_the_guideline_is_edited_in_the_admin_with_history_and_reason(administrator, client_for, org_a):
    client = client_for(administrator)
    response = client.post(
        reverse("admin:allocation_youthlettingguideline_add"),
        {
            "organisation": org_a.pk,
            "valid_from": "2026-01-01",
            "decided_on": "2025-12-01",
            "title": "Retningslinjer for ungdomsboliger",
            "text": "Studerende med lav indkomst går forud.",
            "kommune_rules": "",
            "change_reason": "Bestyrelsens beslutning 1. december 2025",
            "groups-TOTAL_FORMS": "1",
            "groups-INITIAL_FORMS": "0",
            "groups-MIN_NUM_FORMS": "0",
            "groups-MAX_NUM_FORMS": "1000",
            "groups-0-position": "1",
            "groups-0-name": "Studerende med lav indkomst",
            "groups-0-education_levels": ["medium_higher", "long_higher"],
            "groups-0-income_below": "150000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    guideline = YouthLettingGuideline.objects.get()
    group = YouthPriorityGroup.objects.get()
    assert group.education_levels == ["medium_higher", "long_higher"] and group.income_below == Decimal(
        "150000"
    )
    for row in (guideline.history.get(), group.history.get()):
        assert row.history_user == administrator
        assert row.history_change_reason == "Bestyrelsens beslutning 1. december 2025"


def _list_youth_vacancy(actor, department, org, youth_list):
    _student(org, youth_list, "Asta")
    vacancy = _youth_vacancy(actor, department)
    assert vacancy.channel == LettingChannel.LIST
    return vacancy


@pytest.mark.rule("R12.2")
def test_the_vacancy_page_warns_when_no_letting_guideline_is_in_force(
    caseworker_a, client_for, department_a, org_a, youth_list, set_today
):
    vacancy = _list_youth_vacancy(caseworker_a, department_a, org_a, youth_list)
    page = client_for(caseworker_a).get(reverse("letting:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert 'id="youth-guideline-missing"' in page
    assert "§ 12, stk. 2: no letting guidelines in force — ordered by seniority only." in page


@pytest.mark.rule("R12.2")
def test_the_vacancy_page_names_the_guideline_and_each_candidates_group(
    caseworker_a, client_for, department_a, org_a, youth_list, system_user, set_today
):
    guideline = audited_save(
        YouthLettingGuideline(
            organisation=org_a,
            valid_from=D(2026, 1, 1),
            decided_on=D(2025, 12, 1),
            title="Retningslinjer",
            text="T",
        ),
        actor=system_user,
        reason=REASON,
    )
    audited_save(
        YouthPriorityGroup(guideline=guideline, position=1, name="Studerende", education_levels=[]),
        actor=system_user,
        reason=REASON,
    )
    vacancy = _list_youth_vacancy(caseworker_a, department_a, org_a, youth_list)
    page = client_for(caseworker_a).get(reverse("letting:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert 'id="youth-guideline-missing"' not in page and 'id="youth-guideline"' in page
    assert "§ 12, stk. 2: group 1 &#x27;Studerende&#x27;" in page


@pytest.mark.rule("R12.1", "R1.6")
def test_the_advert_page_shows_each_applicants_place_in_the_eligible_group(
    advertised, caseworker_a, client_for, org_a, youth_list, set_today
):
    _interest(advertised, caseworker_a, _student(org_a, youth_list, "Asta"))
    _interest(advertised, caseworker_a, _outsider(org_a, "Carl"))
    set_today(AFTER_DEADLINE)
    url = reverse("letting:advert_detail", args=[advertised.vacancy_id])
    page = client_for(caseworker_a).get(url).content.decode()
    assert "Eligible group (§ 12)" in page and 'id="youth-group-note"' in page
    assert page.count('class="youth-standing"') == 2
    assert "youth dwellings are for young people in education or with a special need" in page


@pytest.mark.rule("R12.2")
def test_the_facts_a_guideline_weighs_are_recorded_on_the_youth_entry(
    caseworker_a, client_for, org_a, youth_list
):
    person = _student(org_a, youth_list, "Asta")
    entry = person.entries.get()
    response = client_for(caseworker_a).post(
        reverse("waitinglists:entry_edit", args=[entry.pk]),
        {
            "rooms_min": "1",
            "rooms_max": "2",
            "education_institution": "Aarhus Universitet",
            "education_expected_end": "2029-06-30",
            "education_level": "long_higher",
            "annual_income": "-1",
            "social_need": "",
            "change_reason": "Dokumentation modtaget",
        },
    )
    assert response.status_code == 400  # a negative income is refused next to the field
    response = client_for(caseworker_a).post(
        reverse("waitinglists:entry_edit", args=[entry.pk]),
        {
            "rooms_min": "1",
            "rooms_max": "2",
            "education_institution": "Aarhus Universitet",
            "education_expected_end": "2029-06-30",
            "education_level": "long_higher",
            "annual_income": "98000",
            "social_need": "Kommunens udtalelse af 1. februar 2026",
            "change_reason": "Dokumentation modtaget",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.education_level, entry.annual_income, entry.social_need) == (
        "long_higher",
        Decimal("98000"),
        "Kommunens udtalelse af 1. februar 2026",
    )
    assert entry.history.first().history_change_reason == "Dokumentation modtaget"
