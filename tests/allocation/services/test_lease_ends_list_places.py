"""What a lease does to the tenant's places on the lists, whatever the channel (§ 3, stk. 5,
R3.5; R3.10), the written information that goes with it and the 8 days to keep the seniority
(§ 3, stk. 6–7, R3.6–R3.7), recorded on the applicant page; and the andels facts of § 2,
stk. 3–4 (R2.3–R2.4) on the registration page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from allocation.models import AgreementKind, LettingAgreement, LettingChannel
from allocation.services import adverts
from housing.audit import audited_save
from letters import services as letters_services
from letters.models import Letter
from letting import workflow
from letting.workflow import vacancy_open
from tests.factories import (
    DwellingFactory,
    HousingOrganisationFactory,
    PersonFactory,
    SharedListAssociationFactory,
)
from tests.factories_waitinglists import EntryFactory, FeeScheduleFactory, WaitingListFactory
from waitinglists.models import (
    DeletionReason,
    EntryStatus,
    KeepRule,
    KeepSeniorityRight,
    ListKind,
    SchemeKind,
    SeniorityBasis,
)
from waitinglists.services import seniority

pytestmark = pytest.mark.django_db

D = datetime.date
AGREED, DEADLINE, AFTER_DEADLINE = D(2026, 2, 20), D(2026, 3, 2), D(2026, 3, 3)
NOTICE, MOVE_OUT = D(2026, 1, 15), D(2026, 3, 31)
PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english_and_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"
    with translation.override("en"):
        yield


@pytest.fixture
def set_today(monkeypatch):
    """Move "today" for the services, and "now" (when letters are sent or posted) with it."""

    def move(day: datetime.date) -> datetime.date:
        noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        monkeypatch.setattr(timezone, "now", lambda: noon)
        return day

    move(DEADLINE)
    return move


def _post_letters(actor) -> None:
    for batch in letters_services.print_batches_create(actor=actor):
        letters_services.print_batch_confirm_posted(actor=actor, reason="Postet", batch=batch)


def _advertised_vacancy(org, department, actor):
    audited_save(
        LettingAgreement(
            organisation=org,
            kommune=department.kommune,
            kind=AgreementKind.ADVERTISING,
            valid_from=D(2020, 1, 1),
        ),
        actor=actor,
        reason="Aftale med kommunen om annonceret udlejning",
    )
    dwelling = DwellingFactory(department=department, kind="family", address_line="Annoncevej 3, 1. tv.")
    vacancy = vacancy_open(
        actor=actor, reason="Opsagt", dwelling=dwelling, notice_date=NOTICE, move_out_date=MOVE_OUT
    )
    assert vacancy.channel == LettingChannel.ADVERTISING
    return adverts.advert_create(
        actor=actor,
        reason="Annonceret udlejning",
        vacancy=vacancy,
        agreed_on=AGREED,
        dwelling_description="3 værelser, 78 m²",
        criteria="",
        interest_deadline=DEADLINE,
        viewing_at=timezone.make_aware(datetime.datetime(2026, 2, 27, 16, 0)),
        viewing_place="Ved opgangen",
        decision_expected_on=DEADLINE + datetime.timedelta(days=14),
    )


def _let_by_advert(advert, actor, person):
    adverts.interest_record(
        actor=actor,
        reason="Skriftlig interesse modtaget",
        advert=advert,
        person=person,
        received_on=DEADLINE,
        qualified=True,
        assessment="",
    )
    return workflow.advert_let(
        actor=actor,
        reason="Annonceret udlejning",
        advert=advert,
        person=person,
        signed_on=AFTER_DEADLINE,
        starts_on=MOVE_OUT,
    )


# --- Every channel ends the place (§ 3, stk. 5) -------------------------------------------------


@pytest.mark.rule("R3.5", "R1.6", "R3.10")
def test_a_lease_by_advertising_deletes_the_general_and_internal_list_places(
    caseworker_a, org_a, department_a, set_today
):
    """ "Når en boligsøgende indgår aftale om leje af en bolig, slettes den pågældende på
    ventelisten": § 1, stk. 6 takes the letting of the advertised dwelling out of §§ 2–11, not
    the tenant's place on the organisation's lists."""
    FeeScheduleFactory(controller=org_a.tenant)
    general = WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")
    internal = WaitingListFactory(
        controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a, name="Alfa oprykning"
    )
    other_org = HousingOrganisationFactory()
    FeeScheduleFactory(controller=other_org.tenant)
    other_list = WaitingListFactory(controller=other_org.tenant, name="Andet selskabs venteliste")
    person = PersonFactory(controller=org_a.tenant)
    on_general = EntryFactory(waiting_list=general, person=person)
    on_internal = EntryFactory(waiting_list=internal, person=person)
    elsewhere = EntryFactory(
        waiting_list=other_list, person=PersonFactory(controller=other_org.tenant, cpr=person.cpr_reveal())
    )
    advert = _advertised_vacancy(org_a, department_a, caseworker_a)
    set_today(AFTER_DEADLINE)
    lease = _let_by_advert(advert, caseworker_a, person)
    for entry in (on_general, on_internal, elsewhere):
        entry.refresh_from_db()
    for entry in (on_general, on_internal):
        assert (entry.status, entry.deletion_reason, entry.deleted_on) == (
            EntryStatus.DELETED,
            DeletionReason.LEASE_SIGNED,
            AFTER_DEADLINE,
        )
        assert entry.history.latest().history_user == caseworker_a
    # Another organisation's list is not the letting organisation's list.
    assert elsewhere.status == EntryStatus.ACTIVE
    assert lease.seniority_information_letter is None  # no right to keep: no andels, no scheme


@pytest.mark.rule("R3.5", "R3.2", "R3.7")
def test_a_lease_deletes_the_place_on_the_shared_list_the_organisation_uses(
    caseworker_a, org_a, department_a, set_today
):
    association = SharedListAssociationFactory()
    org_a.shared_list = association
    audited_save(org_a, actor=caseworker_a, reason="Fælles venteliste")
    FeeScheduleFactory(controller=association.tenant)
    shared = WaitingListFactory(controller=association.tenant, name="Fælles venteliste")
    person = PersonFactory(controller=org_a.tenant)
    shared_person = PersonFactory(controller=association.tenant, cpr=person.cpr_reveal())
    on_shared = EntryFactory(waiting_list=shared, person=shared_person, seniority_date=D(2012, 4, 1))
    seniority.scheme_decide(
        actor=caseworker_a,
        reason="Bestyrelsesbeslutning",
        organisation=org_a,
        kind=SchemeKind.KEEP_ON_LEASE,
        enabled=True,
        decided_on=D(2019, 12, 1),
        effective_from=D(2020, 1, 1),
    )
    advert = _advertised_vacancy(org_a, department_a, caseworker_a)
    set_today(AFTER_DEADLINE)
    lease = _let_by_advert(advert, caseworker_a, person)
    on_shared.refresh_from_db()
    assert (on_shared.status, on_shared.deletion_reason) == (EntryStatus.DELETED, DeletionReason.LEASE_SIGNED)
    right = KeepSeniorityRight.objects.get(entry=on_shared)
    assert right.rule == KeepRule.SCHEME
    assert right.information_letter == lease.seniority_information_letter
    assert Letter.objects.get(pk=right.information_letter_id).kind == "lease_confirmation"


# --- The written information and the 8 days, through the lease (§ 3, stk. 6–7) -------------------


@pytest.fixture
def andels_lease(caseworker_a, org_a, department_a, set_today):
    """A 2010 andels member on the general list lets an advertised dwelling on 3 March 2026."""
    FeeScheduleFactory(controller=org_a.tenant)
    general = WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")
    person = PersonFactory(controller=org_a.tenant)
    entry = EntryFactory(
        waiting_list=general, person=person, seniority_date=D(2008, 2, 1), andels_member_since=D(2005, 1, 1)
    )
    advert = _advertised_vacancy(org_a, department_a, caseworker_a)
    set_today(AFTER_DEADLINE)
    lease = _let_by_advert(advert, caseworker_a, person)
    return lease, entry


@pytest.mark.rule("R3.6")
def test_information_sent_3_days_after_the_lease_ends_the_window_on_day_11_on_the_page(
    caseworker_a, andels_lease, set_today, client_for
):
    lease, entry = andels_lease
    right = KeepSeniorityRight.objects.get(entry=entry)
    assert right.rule == KeepRule.ANDELS_2010
    client = client_for(caseworker_a)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert 'id="keep-form"' in page and 'id="reinstate-form"' not in page
    assert "the 8 days have not started" in page
    set_today(lease.signed_on + datetime.timedelta(days=3))
    _post_letters(caseworker_a)  # the lease's letter leaves 3 days after the signing
    assert seniority.keep_window(right).deadline == lease.signed_on + datetime.timedelta(days=11)
    set_today(lease.signed_on + datetime.timedelta(days=12))
    client = client_for(caseworker_a)  # a fresh login: the session does not outlive the moved clock
    url = f"/ventelister/tilmelding/{entry.pk}/behold-anciennitet/"
    late = client.post(
        url,
        {
            "keep-requested_on": (lease.signed_on + datetime.timedelta(days=12)).isoformat(),
            "keep-change_reason": "Ringede",
        },
    )
    assert late.status_code == 400
    assert "R3.6" in late.content.decode() and 'id="id_keep-requested_on_error"' in late.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    in_time = client.post(
        url,
        {
            "keep-requested_on": (lease.signed_on + datetime.timedelta(days=11)).isoformat(),
            "keep-change_reason": "Ringede",
        },
    )
    assert in_time.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.seniority_basis, entry.seniority_date) == (
        EntryStatus.ACTIVE,
        SeniorityBasis.KEPT_ON_LEASE,
        D(2008, 2, 1),
    )
    latest = entry.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (caseworker_a, "Ringede")


@pytest.mark.rule("R3.6", "R3.5")
def test_reinstating_a_place_the_lease_ended_is_refused_on_the_page(caseworker_a, andels_lease, client_for):
    _lease, entry = andels_lease
    response = client_for(caseworker_a).post(
        f"/ventelister/tilmelding/{entry.pk}/genoptag/", {"reinstate-change_reason": "Genoptag"}
    )
    assert response.status_code == 400
    assert "record the wish" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED


# --- The andels facts on the registration page (§ 2, stk. 3–4) ------------------------------------


@pytest.mark.rule("R2.3", "R2.4")
def test_a_membership_from_2_january_2010_is_refused_next_to_the_field(
    caseworker_a, org_a, client_for, set_today
):
    FeeScheduleFactory(controller=org_a.tenant)
    internal = WaitingListFactory(
        controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a, name="Alfa oprykning"
    )
    data = {
        "applicant": "new",
        "cpr": "0101901234",
        "first_name": "Andrea",
        "last_name": "Andel",
        "rooms_min": "2",
        "rooms_max": "4",
        "registered_on": DEADLINE.isoformat(),
        "andels_member_since": "2010-01-02",
        "andels_tenant_on_cutoff": "on",
        "andels_general_list_on": "2010-03-01",
        "change_reason": "Skranken",
    }
    client = client_for(caseworker_a)
    response = client.post(f"/ventelister/{internal.pk}/tilmeld/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_andels_member_since_error"' in body and "1 January 2010" in body
    assert not internal.entries.exists()
    response = client.post(
        f"/ventelister/{internal.pk}/tilmeld/", {**data, "andels_member_since": "2010-01-01"}
    )
    assert response.status_code == 302
    assert internal.entries.get().seniority_date == D(2010, 1, 1)
