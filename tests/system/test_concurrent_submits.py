"""Repeated and concurrent submits: 20 identical POSTs at once have exactly one effect.

Each test renders a form once, as a browser would, and sends it 20 times at the same moment from
20 threads, each with its own database connection (real PostgreSQL, committed transactions): a
double click, an impatient user, a retrying proxy. Exactly one effect and one history row result,
and every one of the 20 gets the first one's answer (the same redirect). Where the law itself
bounds the effect (R3.3: at most 5 years paid ahead) or one record is the natural limit (one open
free-choice application per person and list, an answer recorded once), 20 *different* submits at
once are held to it as well.

Bounded in time: every connection has a lock timeout, every thread a join timeout.
"""

from __future__ import annotations

import datetime
import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connections
from django.db.backends.signals import connection_created
from django.test import Client
from django.utils import timezone

from housing.models import Kommune, Person, Role
from tests.conftest import MODEL_BACKEND
from tests.factories import MembershipFactory, UserFactory

# The tenant walk's world (tests/system/test_tenant_walk.py), reused as ``world`` below.
from tests.system.test_tenant_walk import world_a as _walk_world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(_walk_world) -> dict:  # noqa: F811
    return _walk_world


REQUESTS = 20
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _bounded_lock_waits():
    """No thread waits for a lock longer than 20 s: a deadlock or a hang fails the test instead."""

    def set_timeout(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '20s'; SET statement_timeout = '60s'")

    connection_created.connect(set_timeout)
    yield
    connection_created.disconnect(set_timeout)


def _rendered_key(client: Client, url: str) -> str:
    """The submission key of the form on the page, as the browser would send it."""
    body = client.get(url).content.decode()
    match = re.search(r'name="submission_key" value="([A-Za-z]{32})"', body)
    assert match, f"{url} renders no submission key"
    return match.group(1)


def _at_once(user, url: str, data: dict, *, key: str | None, n: int = REQUESTS) -> list:
    """POST ``data`` to ``url`` from ``n`` threads released together; ``key=None`` gives every
    request its own key (n separately rendered forms)."""
    clients = []
    for _ in range(n):
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        clients.append(client)
    barrier = threading.Barrier(n, timeout=30)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = clients[i].post(url, {**data, "submission_key": key or uuid.uuid4().hex})
        except BaseException as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    assert all(r.status_code < 500 for r in results), [r.status_code for r in results]
    return results


def _one_redirect(results) -> str:
    """All answers are the same redirect: the first submit's."""
    locations = {(r.status_code, r.get("Location")) for r in results}
    assert len(locations) == 1, locations
    status, location = locations.pop()
    assert status == 302 and location
    assert sum(1 for r in results if r.get("X-Repeated-Submission")) == len(results) - 1
    return location


def _caseworker(world):
    user = UserFactory(username=f"double-clicker-{uuid.uuid4().hex[:6]}")
    MembershipFactory(user=user, tenant=world["organisation"].tenant, role=Role.CASEWORKER)
    return user


def _officer(world):
    user = UserFactory(username=f"double-clicking-officer-{uuid.uuid4().hex[:6]}")
    MembershipFactory(user=user, tenant=world["department"].kommune.tenant, role=Role.KOMMUNE_OFFICER)
    return user


# --- Payment (R3.3) ----------------------------------------------------------------------------


@pytest.mark.rule("R3.3")
def test_twenty_identical_payment_submits_register_one_payment(world):
    from waitinglists.models import Payment

    entry, user = world["entry"], _caseworker(world)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    url = f"/ventelister/tilmelding/{entry.pk}/betaling/"
    key = _rendered_key(client, f"/ventelister/tilmelding/{entry.pk}/")
    data = {
        "payment-amount": "200",
        "payment-paid_on": TODAY.isoformat(),
        "payment-years": "1",
        "payment-change_reason": "Betalt ved skranken",
    }
    _one_redirect(_at_once(user, url, data, key=key))
    payments = Payment.objects.filter(entry=entry)
    assert payments.count() == 1
    assert Payment.history.filter(entry_id=entry.pk).count() == 1


@pytest.mark.rule("R3.3")
def test_update_fee_paid_ahead_for_at_most_5_years_in_total_under_concurrent_payments(world):
    """§ 3, stk. 3: "opkræve ajourføringsgebyret for en længere periode, dog højst for en periode
    på 5 år" — 20 separate one-year payments at once prepay 5 fee years, not 20."""
    from waitinglists.models import Entry, Payment
    from waitinglists.services.fees import payment_register

    entry, user = world["entry"], _caseworker(world)
    payment_register(actor=user, reason="Optagelsesgebyr", entry=entry, amount=Decimal("200"), paid_on=TODAY)
    paid_until = Entry.objects.get(pk=entry.pk).paid_until
    # The fee schedule of the world: update fee 150 kr., due 1 February.
    next_due_year = TODAY.year if datetime.date(TODAY.year, 2, 1) > TODAY else TODAY.year + 1
    fifth_due_after_next = datetime.date(next_due_year + 5, 2, 1)
    years_still_allowed = fifth_due_after_next.year - (paid_until + datetime.timedelta(days=1)).year
    url = f"/ventelister/tilmelding/{entry.pk}/betaling/"
    data = {
        "payment-amount": "150",
        "payment-paid_on": TODAY.isoformat(),
        "payment-years": "1",
        "payment-change_reason": "Forudbetaling efter aftale",
    }
    results = _at_once(user, url, data, key=None)
    assert Payment.objects.filter(entry=entry, amount=Decimal("150")).count() == years_still_allowed
    assert Entry.objects.get(pk=entry.pk).paid_until == fifth_due_after_next - datetime.timedelta(days=1)
    refused = [r for r in results if r.status_code != 302]
    assert len(refused) == REQUESTS - years_still_allowed
    assert all("R3.3" in r.content.decode() for r in refused)


# --- Resend letter -----------------------------------------------------------------------------


def test_twenty_identical_resend_submits_send_one_new_letter(world):
    from letters.models import Letter

    letter, user = world["letter"], _caseworker(world)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    key = _rendered_key(client, f"/breve/{letter.pk}/")
    location = _one_redirect(
        _at_once(user, f"/breve/{letter.pk}/gensend/", {"change_reason": "Brevet kom retur"}, key=key)
    )
    (resent,) = Letter.objects.filter(resend_of=letter)
    assert location == resent.get_absolute_url()
    assert Letter.history.filter(resend_of_id=letter.pk).values("id").distinct().count() == 1


# --- Free-choice application (R19.1) -------------------------------------------------------------


def _free_choice_data(world, person: Person) -> dict:
    return {
        "specific_list": str(world["specific_list"].pk),
        "cpr": person.cpr_reveal(),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "home_kommune": str(Kommune.objects.get(code="0101").pk),
        "received_on": TODAY.isoformat(),
        "change_reason": "Ansøgning om frit valg modtaget",
    }


@pytest.mark.rule("R19.1")
def test_twenty_identical_free_choice_submits_record_one_application(world):
    from eldercare.models import FreeChoiceApplication
    from tests.eldercare_lists_support import resident_elsewhere

    user = _officer(world)
    kommune = world["department"].kommune
    person = resident_elsewhere(
        kommune, Kommune.objects.get(code="0101"), first_name="Frida", last_name="Dobbelt"
    )
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    key = _rendered_key(client, "/kommune/aeldre/frit-valg/ny/")
    location = _one_redirect(
        _at_once(user, "/kommune/aeldre/frit-valg/ny/", _free_choice_data(world, person), key=key)
    )
    (application,) = FreeChoiceApplication.objects.filter(person=person)
    assert location == application.get_absolute_url()
    assert FreeChoiceApplication.history.filter(id=application.pk).count() == 1


@pytest.mark.rule("R19.1")
def test_one_open_free_choice_application_per_person_and_list_under_separate_submits(world):
    from eldercare.models import FreeChoiceApplication
    from tests.eldercare_lists_support import resident_elsewhere

    user = _officer(world)
    kommune = world["department"].kommune
    person = resident_elsewhere(
        kommune, Kommune.objects.get(code="0101"), first_name="Frede", last_name="Tyvende"
    )
    results = _at_once(user, "/kommune/aeldre/frit-valg/ny/", _free_choice_data(world, person), key=None)
    assert FreeChoiceApplication.objects.filter(person=person).count() == 1
    assert sum(1 for r in results if r.status_code == 302) == 1


# --- Offer answer ------------------------------------------------------------------------------


def test_twenty_accept_answers_write_one_history_row(world):
    from allocation.models import Answer, Offer

    offer, vacancy, user = world["offer"], world["vacancy"], _caseworker(world)
    before = Offer.history.filter(id=offer.pk).count()
    data = {
        f"answers-answer_{offer.pk}": Answer.ACCEPTED,
        f"answers-answered_on_{offer.pk}": TODAY.isoformat(),
        "answers-change_reason": "Ansøgeren ringede og sagde ja",
    }
    # The round's answers in one form (the vacancy page): the other rows are left without an answer.
    url = f"/udlejning/{vacancy.pk}/tilbudsrunde/{offer.round_id}/svar/"
    # Separately rendered forms: the answer already recorded is not recorded again.
    _at_once(user, url, data, key=None)
    assert Offer.objects.get(pk=offer.pk).answer == Answer.ACCEPTED
    assert Offer.history.filter(id=offer.pk).count() == before + 1


# --- Registration (R3.1) -----------------------------------------------------------------------


def test_twenty_identical_registration_submits_register_once(world):
    from waitinglists.models import Entry

    waiting_list, user = world["waiting_list"], _caseworker(world)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    url = f"/ventelister/{waiting_list.pk}/tilmeld/"
    key = _rendered_key(client, url)
    data = {
        "applicant": "new",
        "cpr": "070770-7007",
        "first_name": "Dorte",
        "last_name": "Dobbeltklik",
        "address_line": "Nyvej 3",
        "postal_code": "8000",
        "city": "Aarhus C",
        "rooms_min": "2",
        "rooms_max": "4",
        "registered_on": TODAY.isoformat(),
        "change_reason": "Tilmeldt ved skranken",
    }
    location = _one_redirect(_at_once(user, url, data, key=key))
    (entry,) = Entry.objects.filter(waiting_list=waiting_list, person__last_name="Dobbeltklik")
    assert location == entry.get_absolute_url()
    assert Entry.history.filter(id=entry.pk, history_type="+").count() == 1
    assert Person.objects.filter(last_name="Dobbeltklik").count() == 1


# --- Rejection decision (R30) ------------------------------------------------------------------


@pytest.mark.rule("R30")
def test_twenty_identical_rejection_submits_decide_one_rejection(world):
    from rejections.models import RejectionCase
    from tests.factories_waitinglists import EntryFactory

    vacancy, user = world["vacancy"], _caseworker(world)
    applicant = EntryFactory(waiting_list=world["waiting_list"]).person
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    url = f"/udlejning/{vacancy.pk}/afvis/"
    data = {
        "ground": "R30",
        "takeover_date": vacancy.move_out_date.isoformat(),
        "applicant_number": applicant.applicant_number,
        "reasoning": "A very special case: documented threats against the caretaker in writing, twice.",
        "change_reason": "Afvisning",
    }
    # The decision sends a letter: the form leads to the confirmation page, whose confirm button
    # (with its own submission key) is what twenty impatient clicks send.
    confirmation = client.post(url, {**data, "submission_key": _rendered_key(client, url)}).content.decode()
    confirm_form = confirmation[confirmation.index('id="confirm-form"') :]
    key = re.search(r'name="submission_key" value="([A-Za-z]{32})"', confirm_form).group(1)
    assert not RejectionCase.objects.filter(vacancy=vacancy, person=applicant).exists()
    location = _one_redirect(_at_once(user, url, {**data, "confirmed": "1"}, key=key))
    (case,) = RejectionCase.objects.filter(vacancy=vacancy, person=applicant)
    assert location == case.get_absolute_url()
    assert RejectionCase.history.filter(id=case.pk, history_type="+").count() == 1


# --- Approval decision (R12.1) -----------------------------------------------------------------


@pytest.mark.rule("R12.1")
def test_twenty_identical_approval_decisions_decide_once(world):
    from approvals.models import ApprovalRequest, ApprovalState

    approval, user = world["approval"], _officer(world)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    url = f"/kommune/godkendelser/{approval.pk}/"
    key = _rendered_key(client, url)
    before = ApprovalRequest.history.filter(id=approval.pk).count()
    _one_redirect(_at_once(user, url, {"decision": "approve", "change_reason": "Godkendt"}, key=key))
    assert ApprovalRequest.objects.get(pk=approval.pk).state == ApprovalState.APPROVED
    # One decision is one save (the decision with its letter to the applicant) and one letter.
    history = ApprovalRequest.history.filter(id=approval.pk)
    assert history.count() == before + 1
    letters = set(history.exclude(applicant_letter=None).values_list("applicant_letter_id", flat=True))
    assert len(letters) == 1


# --- Needs decision (R14.1) --------------------------------------------------------------------


@pytest.mark.rule("R14.1")
def test_twenty_identical_needs_decisions_record_one_decision(world):
    from eldercare.models import NeedDecision

    user = _officer(world)
    kommune = world["department"].kommune
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    url = "/kommune/aeldre/visitation/ny/"
    key = _rendered_key(client, url)
    data = {
        "kommune": str(kommune.pk),
        "cpr": "120334-1238",
        "first_name": "Inger",
        "last_name": "Dobbeltvisiteret",
        "kind": "nursing",
        "decided_on": TODAY.isoformat(),
        "social_score": "3",
        "physical_score": "4",
        "mental_score": "2",
        "economic_score": "1",
        "assessment_notes": "Kan ikke klare sig i eget hjem.",
        "partner_relation": "",
        "partner_name": "",
        "guarantee_choice": "general",
        "change_reason": "Visitationsmøde",
    }
    location = _one_redirect(_at_once(user, url, data, key=key))
    (decision,) = NeedDecision.objects.filter(person__last_name="Dobbeltvisiteret")
    assert location == decision.get_absolute_url()
    assert NeedDecision.history.filter(id=decision.pk, history_type="+").count() == 1
