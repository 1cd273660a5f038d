"""The waiting-list pages: lists with counts, the entry search and export, the applicant page with
its actions, registration through the form (R3.1, DP2), the person tab, scoping and query counts."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from housing.audit import audited_save
from housing.models import Person
from letters.models import Letter
from tests.factories import DepartmentFactory, PersonFactory, unique_cpr
from waitinglists.models import (
    ChargeKind,
    ChargeState,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    ListKind,
    Payment,
    PaymentSource,
    WaitingList,
)
from waitinglists.services.registration import Wishes, entry_register

pytestmark = pytest.mark.django_db

REASON = "Skranken"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _schedule(tenant, actor):
    return audited_save(
        FeeSchedule(
            controller=tenant,
            valid_from=datetime.date(2000, 1, 1),
            registration_fee=Decimal("200"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
            reminder_after_days=14,
            pay_within_days=21,
        ),
        actor=actor,
        reason="Gebyrer vedtaget",
    )


@pytest.fixture
def general_list(org_a, caseworker_a, department_a):
    _schedule(org_a.tenant, caseworker_a)
    return audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Alfa venteliste"),
        actor=caseworker_a,
        reason="Oprettet",
    )


@pytest.fixture
def list_b(org_b, caseworker_b):
    _schedule(org_b.tenant, caseworker_b)
    return audited_save(
        WaitingList(controller=org_b.tenant, kind=ListKind.GENERAL, name="Beta venteliste"),
        actor=caseworker_b,
        reason="Oprettet",
    )


def _register(actor, waiting_list, person, *, on=None, departments=(), **kwargs):
    return entry_register(
        actor=actor,
        reason=REASON,
        waiting_list=waiting_list,
        person=person,
        wishes=Wishes(departments=list(departments), rooms_min=2, rooms_max=4),
        registered_on=on or datetime.date(2020, 5, 1),
        send_letter=False,
        # No registration charge: an unpaid one past due would put every test entry in arrears.
        fee_exempt_registration=kwargs.pop("fee_exempt_registration", True),
        **kwargs,
    )


def _form(waiting_list, **overrides) -> dict:
    data = {
        "applicant": "new",
        "cpr": unique_cpr(),
        "first_name": "Nanna",
        "last_name": "Nyborg",
        "address_line": "Nyvej 3",
        "postal_code": "8000",
        "city": "Aarhus C",
        "rooms_min": "2",
        "rooms_max": "4",
        "registered_on": timezone.localdate().isoformat(),
        "change_reason": "Tilmeldt ved skranken",
    }
    data.update(overrides)
    return data


# --- Registration through the page -----------------------------------------------------------


def test_register_new_person_creates_person_entry_charge_and_letter(
    caseworker_a, client_for, general_list, department_a
):
    client = client_for(caseworker_a)
    url = f"/ventelister/{general_list.pk}/tilmeld/"
    assert client.get(url).status_code == 200
    response = client.post(url, _form(general_list, departments=[department_a.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = Entry.objects.get(waiting_list=general_list)
    assert response["Location"] == entry.get_absolute_url()
    person = entry.person
    assert (person.first_name, person.controller_id) == ("Nanna", general_list.controller_id)
    assert list(entry.departments.all()) == [department_a]
    charge = FeeCharge.objects.get(entry=entry)
    assert (charge.kind, charge.amount) == (ChargeKind.REGISTRATION, Decimal("200"))
    assert Letter.objects.filter(recipient=person, kind="registration_confirmation").count() == 1
    for row in [*person.history.all(), *entry.history.all(), *charge.history.all()]:
        assert row.history_user == caseworker_a
        assert row.history_change_reason == "Tilmeldt ved skranken"
    page = client.get(response["Location"]).content.decode()
    assert person.applicant_number in page
    follow = client.get(entry.get_absolute_url())
    assert follow.status_code == 200


def test_success_message_names_the_applicant_number(caseworker_a, client_for, general_list):
    client = client_for(caseworker_a)
    response = client.post(f"/ventelister/{general_list.pk}/tilmeld/", _form(general_list), follow=True)
    person = Person.objects.get(first_name="Nanna")
    assert person.applicant_number in response.content.decode()


@pytest.mark.rule("R3.1")
def test_fifteenth_birthday_is_accepted_and_the_day_before_refused(caseworker_a, client_for, general_list):
    client = client_for(caseworker_a)
    today = timezone.localdate()
    turns_15_today = today - relativedelta(years=15)
    turns_15_tomorrow = turns_15_today + datetime.timedelta(days=1)
    url = f"/ventelister/{general_list.pk}/tilmeld/"

    too_young = client.post(url, _form(general_list, cpr=unique_cpr(turns_15_tomorrow)))
    assert too_young.status_code == 400
    body = too_young.content.decode()
    assert "R3.1" in body
    assert 'id="id_cpr_error"' in body  # next to the CPR field
    assert not Person.objects.filter(first_name="Nanna").exists()  # nothing half-saved
    assert not Entry.objects.exists()

    accepted = client.post(url, _form(general_list, cpr=unique_cpr(turns_15_today)))
    assert accepted.status_code == 302
    assert Entry.objects.filter(person__first_name="Nanna").count() == 1


@pytest.mark.rule("R3.1")
def test_age_exception_registers_a_child(caseworker_a, client_for, general_list):
    child_cpr = unique_cpr(timezone.localdate() - relativedelta(years=10))
    response = client_for(caseworker_a).post(
        f"/ventelister/{general_list.pk}/tilmeld/", _form(general_list, cpr=child_cpr, age_exception="on")
    )
    assert response.status_code == 302
    assert Entry.objects.get().age_exception


def test_duplicate_shows_a_link_to_the_existing_entry(caseworker_a, client_for, general_list, person_a):
    existing = _register(caseworker_a, general_list, person_a)
    response = client_for(caseworker_a).post(
        f"/ventelister/{general_list.pk}/tilmeld/",
        _form(general_list, applicant="existing", existing_cpr="010190-1234", cpr=""),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'href="{existing.get_absolute_url()}"' in body
    assert 'id="id_existing_cpr_error"' in body
    assert Entry.objects.count() == 1


def test_existing_person_by_applicant_number(caseworker_a, client_for, general_list, person_a):
    response = client_for(caseworker_a).post(
        f"/ventelister/{general_list.pk}/tilmeld/",
        _form(
            general_list, applicant="existing", existing_applicant_number=person_a.applicant_number, cpr=""
        ),
    )
    assert response.status_code == 302
    assert Entry.objects.get().person == person_a
    assert Person.objects.count() == 1


def test_existing_person_of_another_controller_is_not_found(caseworker_a, client_for, general_list, person_b):
    response = client_for(caseworker_a).post(
        f"/ventelister/{general_list.pk}/tilmeld/",
        _form(general_list, applicant="existing", existing_cpr=person_b.cpr_reveal(), cpr=""),
    )
    assert response.status_code == 400
    assert person_b.last_name not in response.content.decode()
    assert not Entry.objects.exists()


@pytest.mark.rule("DP2")
def test_digital_post_consent_is_captured(caseworker_a, client_for, general_list, person_a):
    client = client_for(caseworker_a)
    url = f"/ventelister/{general_list.pk}/tilmeld/"
    given = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(
        url,
        _form(
            general_list,
            digital_post_consent_date=given.isoformat(),
            digital_post_consent_method="counter",
        ),
    )
    assert response.status_code == 302
    person = Person.objects.get(first_name="Nanna")
    assert (person.digital_post_consent_date, person.digital_post_consent_method) == (given, "counter")
    assert person.has_digital_post_consent()

    # An existing person: the consent is saved on them (with the user and the reason).
    response = client.post(
        url,
        _form(
            general_list,
            applicant="existing",
            existing_cpr=person_a.cpr_reveal(),
            cpr="",
            digital_post_exempt="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    person_a.refresh_from_db()
    assert person_a.digital_post_exempt
    latest = person_a.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (caseworker_a, "Tilmeldt ved skranken")

    # A date without how it was given is refused next to the field.
    response = client.post(
        url, _form(general_list, cpr=unique_cpr(), digital_post_consent_date=given.isoformat())
    )
    assert response.status_code == 400
    assert 'id="id_digital_post_consent_method_error"' in response.content.decode()


def test_missing_fee_schedule_is_a_form_error(caseworker_a, client_for, org_a):
    waiting_list = audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Uden gebyr"),
        actor=caseworker_a,
        reason="Oprettet",
    )
    response = client_for(caseworker_a).post(f"/ventelister/{waiting_list.pk}/tilmeld/", _form(waiting_list))
    assert response.status_code == 400
    assert "app-error-summary" in response.content.decode()
    assert not Person.objects.exists()


# --- Lists, counts, search and export --------------------------------------------------------


def _world(caseworker_a, general_list, department_a, n: int, *, start: int = 0):
    persons = PersonFactory.create_batch(n, controller=general_list.controller, last_name="Jensen")
    entries = []
    for index, person in enumerate(persons):
        entries.append(
            _register(
                caseworker_a,
                general_list,
                person,
                on=datetime.date(2016, 1, 1) + datetime.timedelta(days=start + index),
                departments=[department_a],
            )
        )
    return entries


def test_lists_and_overview_counts(caseworker_a, client_for, general_list, department_a, person_a):
    entries = _world(caseworker_a, general_list, department_a, 4)
    today = timezone.localdate()
    new = _register(caseworker_a, general_list, person_a, on=today)
    from waitinglists.services.registration import entry_set_status

    entry_set_status(actor=caseworker_a, reason=REASON, entry=entries[0], status=EntryStatus.PASSIVE)
    # Arrears: an unpaid update fee past due; a paid one and a future one do not count.
    for entry, state, due in (
        (entries[1], ChargeState.OPEN, today - datetime.timedelta(days=1)),
        (entries[1], ChargeState.PAID, today - datetime.timedelta(days=400)),
        (entries[2], ChargeState.REMINDED, today - datetime.timedelta(days=20)),
        (entries[3], ChargeState.OPEN, today + datetime.timedelta(days=5)),
    ):
        audited_save(
            FeeCharge(
                entry=entry,
                kind=ChargeKind.UPDATE,
                period=due.year - (state == ChargeState.PAID),
                amount=Decimal("150"),
                due_date=due,
                state=state,
                reminded_on=due if state == ChargeState.REMINDED else None,
                reminder_deadline=due + datetime.timedelta(days=21)
                if state == ChargeState.REMINDED
                else None,
                paid_on=due if state == ChargeState.PAID else None,
            ),
            actor=caseworker_a,
            reason=REASON,
        )
    client = client_for(caseworker_a)
    expected = {"active": 4, "passive": 1, "arrears": 2, "new": 1}
    for url in ("/ventelister/", f"/ventelister/{general_list.pk}/"):
        body = client.get(url).content.decode()
        for key, value in expected.items():
            assert f'data-count="{key}">{value}<' in body, (url, key)
    assert new.person.last_name in client.get(f"/ventelister/{general_list.pk}/").content.decode()


def test_lists_cost_one_aggregate_query(caseworker_a, client_for, general_list, org_a, department_a):
    client = client_for(caseworker_a)
    _world(caseworker_a, general_list, department_a, 3)
    with CaptureQueriesContext(connection) as small:
        client.get("/ventelister/")
    for index in range(5):
        other = audited_save(
            WaitingList(controller=org_a.tenant, kind=ListKind.YOUTH, name=f"Ungdom {index}"),
            actor=caseworker_a,
            reason="Oprettet",
        )
        _world(caseworker_a, other, department_a, 2, start=100 * index)
    with CaptureQueriesContext(connection) as large:
        client.get("/ventelister/")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_search_filters(caseworker_a, client_for, general_list, department_a, org_a, person_a):
    other_department = DepartmentFactory(organisation=org_a, name="Gammahaven")
    entries = _world(caseworker_a, general_list, department_a, 3)
    special = _register(
        caseworker_a, general_list, person_a, on=datetime.date(2015, 6, 1), departments=[other_department]
    )
    from waitinglists.services.registration import entry_set_status

    entry_set_status(actor=caseworker_a, reason=REASON, entry=entries[0], status=EntryStatus.PASSIVE)
    client = client_for(caseworker_a)
    url = f"/ventelister/{general_list.pk}/"

    def hits(**params):
        body = client.get(url, params).content.decode()
        return {e.pk for e in Entry.objects.all() if f'href="{e.get_absolute_url()}"' in body}

    assert hits() == {e.pk for e in entries} | {special.pk}
    assert hits(status="passive") == {entries[0].pk}
    assert hits(department=other_department.pk) == {special.pk}
    assert hits(q="Alfasen") == {special.pk}
    assert hits(q=person_a.applicant_number) == {special.pk}
    assert hits(seniority_to="2015-12-31") == {special.pk}
    assert hits(seniority_from="2016-01-01") == {e.pk for e in entries}
    assert hits(rooms="5") == set()
    assert hits(rooms="3") == {e.pk for e in entries} | {special.pk}
    audited_save(
        FeeCharge(
            entry=entries[1],
            kind=ChargeKind.UPDATE,
            period=2020,
            amount=Decimal("150"),
            due_date=datetime.date(2020, 2, 1),
        ),
        actor=caseworker_a,
        reason=REASON,
    )
    assert hits(arrears="yes") == {entries[1].pk}
    assert entries[1].pk not in hits(arrears="no")
    # Queue order: seniority date, then id; the passive entry has no place.
    body = client.get(url).content.decode()
    assert body.index(special.get_absolute_url()) < body.index(entries[1].get_absolute_url())


def test_csv_export_has_masked_cpr_only(caseworker_a, client_for, general_list, department_a, person_a):
    _world(caseworker_a, general_list, department_a, 2)
    _register(caseworker_a, general_list, person_a, on=datetime.date(2009, 1, 1), departments=[department_a])
    # The list page's button POSTs its search; a small result is streamed straight back.
    response = client_for(caseworker_a).post(f"/ventelister/{general_list.pk}/eksport.csv?q=Alfasen")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2  # header + the one match
    position, number, name, masked, seniority, _status, _paid, departments = rows[1]
    assert (position, number, name, masked) == (
        "1",
        person_a.applicant_number,
        "Astrid Alfasen",
        "010190-XXXX",
    )
    assert seniority == "2009-01-01" and department_a.name in departments
    assert "1234" not in raw.replace(person_a.applicant_number, "")
    assert "0101901234" not in raw and "010190-1234" not in raw


def test_read_only_may_see_but_not_export_or_post(
    read_only_a, caseworker_a, client_for, general_list, person_a, department_a
):
    entry = _register(caseworker_a, general_list, person_a)
    client = client_for(read_only_a)
    for url in (
        "/ventelister/",
        f"/ventelister/{general_list.pk}/",
        entry.get_absolute_url(),
        f"/ventelister/tilmelding/{entry.pk}/historik/",
        f"/personer/{person_a.pk}/ventelister/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.post(f"/ventelister/{general_list.pk}/eksport.csv").status_code == 403
    assert client.get(f"/ventelister/{general_list.pk}/tilmeld/").status_code == 403
    base = f"/ventelister/tilmelding/{entry.pk}/"
    for suffix in ("rediger/", "status/", "slet/", "genoptag/", "betaling/", "ventetidsbrev/"):
        assert client.post(base + suffix, {"change_reason": "x"}).status_code == 403, suffix
    assert client.post(f"/ventelister/{general_list.pk}/tilmeld/", _form(general_list)).status_code == 403
    body = client.get(entry.get_absolute_url()).content.decode()
    assert 'id="status-form"' not in body and 'id="payment-form"' not in body


# --- The applicant page and its actions ------------------------------------------------------


def test_entry_page_and_actions(caseworker_a, client_for, general_list, person_a, department_a):
    entry = _register(caseworker_a, general_list, person_a, departments=[department_a])
    client = client_for(caseworker_a)
    body = client.get(entry.get_absolute_url()).content.decode()
    assert entry.payment_reference in body and department_a.name in body
    assert f"/personer/{person_a.pk}/korrespondance/" in body

    base = f"/ventelister/tilmelding/{entry.pk}/"
    # Status needs a reason.
    assert client.post(base + "status/", {"status-status": "passive"}).status_code == 400
    response = client.post(
        base + "status/",
        {"status-status": "passive", "status-note": "Udlandsophold", "status-change_reason": "Ringede"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PASSIVE

    response = client.post(
        base + "rediger/",
        {"departments": [department_a.pk], "rooms_min": "3", "rooms_max": "2", "change_reason": "Nye ønsker"},
    )
    assert response.status_code == 400  # rooms out of order, next to the field
    response = client.post(
        base + "rediger/",
        {"rooms_min": "1", "rooms_max": "3", "needs_elevator": "on", "change_reason": "Nye ønsker"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.rooms_max, entry.needs_elevator, list(entry.departments.all())) == (3, True, [])

    assert client.post(base + "slet/", {"delete-change_reason": "Ønske"}).status_code == 400
    data = {"delete-deletion_reason": "own_request", "delete-change_reason": "Ønske"}
    response = client.post(base + "slet/", data)
    assert response.status_code == 200 and 'id="confirm-form"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.status != EntryStatus.DELETED  # asked, not done
    response = client.post(base + "slet/", {**data, "confirmed": "1"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    history = client.get(base + "historik/")
    assert history.status_code == 200 and "Ønske" in history.content.decode()


def test_payment_through_the_page(caseworker_a, client_for, general_list, person_a):
    fees = pytest.importorskip("waitinglists.services.fees")
    entry = _register(caseworker_a, general_list, person_a, fee_exempt_registration=False)
    client = client_for(caseworker_a)
    today = timezone.localdate()
    expected = fees.payment_quote(entry=entry, years=1, paid_on=today).expected
    page = client.get(entry.get_absolute_url()).content.decode()
    # The form proposes the amount the service will want, in Danish notation (decimal comma).
    assert f'value="{str(expected).replace(".", ",")}"' in page
    base = f"/ventelister/tilmelding/{entry.pk}/betaling/"
    data = {"payment-amount": str(expected), "payment-paid_on": today.isoformat(), "payment-years": "1"}
    assert client.post(base, data).status_code == 400  # no reason
    wrong = client.post(base, {**data, "payment-amount": "1", "payment-change_reason": "Betalt"})
    assert wrong.status_code == 400 and 'id="id_payment-amount_error"' in wrong.content.decode()
    response = client.post(base, {**data, "payment-change_reason": "Betalt kontant"})
    assert response.status_code == 302
    payment = Payment.objects.get(entry=entry)
    assert payment.history.get().history_user == caseworker_a


def _entry_page_world(caseworker_a, general_list, person_a, n: int, departments):
    entry = Entry.objects.filter(person=person_a, waiting_list=general_list).first() or _register(
        caseworker_a, general_list, person_a, departments=departments
    )
    entry._history_user, entry._change_reason = caseworker_a, REASON  # the m2m change's history row
    entry.departments.add(*departments)
    del entry._history_user, entry._change_reason
    count = entry.charges.count()
    for index in range(n):
        audited_save(
            FeeCharge(
                entry=entry,
                kind=ChargeKind.UPDATE,
                period=1900 + count + index,
                amount=Decimal("150"),
                due_date=datetime.date(2000, 2, 1),
                state=ChargeState.PAID,
                paid_on=datetime.date(2000, 2, 1),
            ),
            actor=caseworker_a,
            reason=REASON,
        )
        audited_save(
            Payment(
                entry=entry,
                amount=Decimal("150"),
                paid_on=datetime.date(2000, 1, 1),
                source=PaymentSource.MANUAL,
                registered_by=caseworker_a,
            ),
            actor=caseworker_a,
            reason=REASON,
        )
        from letters import services as letter_services

        letter_services.letter_create(
            actor=caseworker_a,
            reason=REASON,
            sender=general_list.controller,
            recipient=person_a,
            kind="general",
            context={"text": "Hej"},
            idempotency_key=f"qc-{entry.pk}-{count}-{index}",
            dispatch=False,
        )
    return entry


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_entry_page_costs_fixed_queries(
    caseworker_a, client_for, general_list, person_a, org_a, department_a
):
    """Fixed however many charges, payments, letters, wanted departments and other entries (one
    of each to start with: a prefetch that finds nothing to fetch is not run at all)."""
    client = client_for(caseworker_a)
    entry = _entry_page_world(caseworker_a, general_list, person_a, 1, [department_a])

    def other_entry(index: int, departments):
        other = audited_save(
            WaitingList(controller=org_a.tenant, kind=ListKind.YOUTH, name=f"Ungdom {index}"),
            actor=caseworker_a,
            reason="Oprettet",
        )
        _register(caseworker_a, other, person_a, departments=departments)

    other_entry(0, [department_a])
    small = _count(client, entry.get_absolute_url())
    more = [DepartmentFactory(organisation=org_a, kommune=department_a.kommune) for _ in range(4)]
    _entry_page_world(caseworker_a, general_list, person_a, 8, more)
    for index in range(1, 4):
        other_entry(index, more)
    assert _count(client, entry.get_absolute_url()) == small


@pytest.mark.parametrize("query", ["", "?status=active&rooms=3", "?arrears=no&q=Jensen", "?page=2"])
def test_overview_and_search_cost_fixed_queries(
    query, caseworker_a, client_for, general_list, department_a, org_a
):
    client = client_for(caseworker_a)
    url = f"/ventelister/{general_list.pk}/{query}"
    _world(caseworker_a, general_list, department_a, 10)
    small = _count(client, url) if "page=2" not in query else None
    more = [DepartmentFactory(organisation=org_a, kommune=department_a.kommune) for _ in range(3)]
    # 490 more, quickly: the services are not what this test is about.
    _bulk_entries(caseworker_a, general_list, 490, more)
    large = _count(client, url)
    if small is None:  # page 2 did not exist at 10: compare with page 1 at 500
        small = _count(client, f"/ventelister/{general_list.pk}/")
    assert small == large, f"{url}: {small} queries at 10 entries, {large} at 500"


def _bulk_entries(actor, waiting_list, n: int, departments):
    from simple_history.utils import bulk_create_with_history

    persons = PersonFactory.build_batch(n, controller=waiting_list.controller, last_name="Jensen")
    for index, person in enumerate(persons):
        person.applicant_number = f"9{waiting_list.pk:02d}{index:04d}"
    persons = bulk_create_with_history(persons, Person, default_user=actor, default_change_reason=REASON)
    entries = [
        Entry(
            waiting_list=waiting_list,
            controller_id=waiting_list.controller_id,
            person=person,
            registered_on=datetime.date(2012, 1, 1),
            seniority_date=datetime.date(2012, 1, 1) + datetime.timedelta(days=index),
            payment_reference=f"B{waiting_list.pk}-{index}",
            rooms_min=2,
            rooms_max=4,
            created_by=actor,
            status=EntryStatus.PASSIVE if index % 7 == 0 else EntryStatus.ACTIVE,
        )
        for index, person in enumerate(persons)
    ]
    entries = bulk_create_with_history(entries, Entry, default_user=actor, default_change_reason=REASON)
    through = Entry.departments.through
    through.objects.bulk_create(
        [through(entry_id=e.pk, department_id=d.pk) for e in entries for d in departments]
    )
    return entries


# --- The person tab and tenant scoping -------------------------------------------------------


def test_person_tab_lists_the_entries(caseworker_a, client_for, general_list, person_a):
    entry = _register(caseworker_a, general_list, person_a)
    client = client_for(caseworker_a)
    person_page = client.get(f"/personer/{person_a.pk}/").content.decode()
    assert f"/personer/{person_a.pk}/ventelister/" in person_page
    body = client.get(f"/personer/{person_a.pk}/ventelister/").content.decode()
    assert entry.get_absolute_url() in body and general_list.name in body


def test_another_tenant_gets_404_on_every_entry_url(
    caseworker_a, caseworker_b, client_for, general_list, person_a, list_b
):
    entry = _register(caseworker_a, general_list, person_a)
    client = client_for(caseworker_b)
    base = f"/ventelister/tilmelding/{entry.pk}/"
    for suffix in ("", "historik/", "rediger/"):
        assert client.get(base + suffix).status_code == 404, suffix
    for suffix in ("rediger/", "status/", "slet/", "genoptag/", "betaling/", "ventetidsbrev/"):
        assert client.post(base + suffix, {"change_reason": "x"}).status_code == 404, suffix
    for url in (
        f"/ventelister/{general_list.pk}/",
        f"/ventelister/{general_list.pk}/tilmeld/",
        f"/personer/{person_a.pk}/ventelister/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/ventelister/{general_list.pk}/tilmeld/", _form(general_list)).status_code == 404
    assert client.post(f"/ventelister/{general_list.pk}/eksport.csv").status_code == 404
    body = client.get("/ventelister/").content.decode()
    assert general_list.name not in body and list_b.name in body
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE


def test_csv_export_neutralises_names_a_spreadsheet_would_run(
    caseworker_a, client_for, general_list, department_a, org_a, kommune_aarhus
):
    """A name that starts like a formula (= + - @, tab) is exported with a single
    quote in front (OWASP), so Excel shows it as text instead of running it; other cells (dates,
    positions, the masked CPR) are untouched."""
    payloads = ('=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2+3", "\t=1")
    for payload in payloads:
        person = PersonFactory(
            controller=org_a.tenant,
            kommune=kommune_aarhus,
            first_name=payload,
            last_name="Hansen",
            born=datetime.date(1980, 1, 1),  # of age (R3.1) on the registration date below
        )
        _register(
            caseworker_a, general_list, person, on=datetime.date(2010, 1, 1), departments=[department_a]
        )
    response = client_for(caseworker_a).post(f"/ventelister/{general_list.pk}/eksport.csv")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    names = sorted(row[2] for row in rows[1:])
    # full_name strips surrounding white space, so the tab-led name arrives as "=1 Hansen".
    assert names == sorted("'" + f"{payload} Hansen".strip() for payload in payloads)
    assert sorted(row[0] for row in rows[1:]) == ["1", "2", "3", "4", "5"]
    assert {row[4] for row in rows[1:]} == {"2010-01-01"}
