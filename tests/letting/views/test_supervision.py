"""The kommune's supervision of lettings (§ 39, R39): counts per channel and rule over a period, the
lettings with flags, CSV, a fixed number of queries, and only the officer's own kommune."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from allocation.models import Lease, Offer, OfferRound, Vacancy
from approvals.models import ApprovalRequest
from housing.audit import audited_save, system_user
from rejections.models import Dispensation
from tests.factories import DwellingFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ListKind

pytestmark = pytest.mark.django_db
REASON = "Test"
DAY = datetime.date(2026, 3, 10)
URL = "/kommune/tilsyn/"
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}


#: Pages in English, the source language (see ``client_for`` in conftest).
PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _save(obj):
    return audited_save(obj, actor=system_user(), reason=REASON)


class World:
    def __init__(self, org, department, caseworker):
        self.org, self.department, self.caseworker = org, department, caseworker
        self.general = WaitingListFactory(controller=org.tenant, name="Tilsyn generel")
        self.internal = WaitingListFactory(
            controller=org.tenant, organisation=org, kind=ListKind.INTERNAL, name="Tilsyn intern"
        )

    def letting(
        self,
        channel: str = "list",
        reason: str = "Let from the waiting lists (§§ 2–11).",
        *,
        offer_rule: str | None = None,
        internal: bool = False,
        internal_turn: bool = False,
        fallback: str = "",
        signed_on: datetime.date = DAY,
        department=None,
        with_vacancy: bool = True,
        **dwelling,
    ) -> Lease:
        department = department or self.department
        home = DwellingFactory(department=department, **dwelling)
        person = PersonFactory(controller=department.organisation.tenant, last_name="Tilsynsen")
        vacancy = offer = entry = None
        if with_vacancy:
            vacancy = _save(
                Vacancy(
                    dwelling=home,
                    organisation=department.organisation,
                    controller=department.organisation.tenant,
                    notice_date=signed_on - datetime.timedelta(days=60),
                    move_out_date=signed_on,
                    state="let",
                    stage="let",
                    channel=channel,
                    channel_reason=reason,
                    internal_turn=internal_turn,
                    fallback_rule=fallback,
                    fallback_reason="Ingen kunne" if fallback else "",
                    opened_by=self.caseworker,
                )
            )
        if offer_rule:
            entry = EntryFactory(waiting_list=self.internal if internal else self.general, person=person)
            offer_round = _save(
                OfferRound(
                    vacancy=vacancy,
                    number=1,
                    state="decided",
                    answer_deadline=signed_on,
                    opened_by=self.caseworker,
                )
            )
            offer = _save(
                Offer(
                    round=offer_round,
                    entry=entry,
                    rank=1,
                    rule=offer_rule,
                    explanation="x",
                    answer="accepted",
                )
            )
        return _save(
            Lease(
                dwelling=home,
                landlord=department.organisation,
                controller=department.organisation.tenant,
                person=person,
                vacancy=vacancy,
                offer=offer,
                entry=entry,
                signed_on=signed_on,
                starts_on=signed_on,
                signed_by=self.caseworker,
            )
        )

    def approval(self, lease: Lease, state: str) -> ApprovalRequest:
        return _save(
            ApprovalRequest(
                vacancy=lease.vacancy,
                kommune=self.department.kommune,
                organisation=self.org,
                controller=self.org.tenant,
                person=lease.person,
                grounds=["R12.1"],
                received_on=DAY - datetime.timedelta(days=20),
                deadline=DAY - datetime.timedelta(days=13),
                state=state,
                monthly_rent=lease.dwelling.monthly_rent,
            )
        )


@pytest.fixture
def world(org_a, department_a, caseworker_a):
    return World(org_a, department_a, caseworker_a)


def _populate(world: World, department_b) -> dict[str, Lease]:
    w = world
    lettings = {
        "general": w.letting(offer_rule="R2.1"),
        "r4": w.letting(offer_rule="R4"),
        "r5": w.letting(offer_rule="R5.2"),
        "r10": w.letting(offer_rule="R10.1", internal=True, internal_turn=True),
        "r9": w.letting(offer_rule="R9", internal=True, internal_turn=True),
        "anvisning": w.letting("kommunal_anvisning", "R1.4: under the agreement every 4. vacant family …"),
        "urban": w.letting(
            "kommunal_anvisning", "R1.9: an urban-renewal dwelling …", kind="urban_renewal_elder"
        ),
        "advert": w.letting("advertising", "R1.6: let by advertising …"),
        "flexible": w.letting("flexible", "R1.7: let by the criteria …"),
        "r2_5": w.letting(fallback="R2.5"),  # checked by the system: the lists were empty
        "r41": w.letting(fallback="R41"),  # not checked against the lists
        "staff": w.letting("out_of_scope", "R1.3: a staff dwelling …", lease_scope="staff"),
        "no_vacancy": w.letting(with_vacancy=False),
        # A startbolig needs the kommune's approval (R12.1): one lapsed, one without any.
        "start_lapsed": w.letting(offer_rule="R12.1", kind="youth", youth_kind="startbolig"),
        "start_missing": w.letting(offer_rule="R12.1", kind="youth", youth_kind="startbolig"),
        # Outside the period, and in another kommune: not shown.
        "old": w.letting(offer_rule="R2.1", signed_on=datetime.date(2025, 12, 31)),
        "odense": w.letting(offer_rule="R2.1", department=department_b),
    }
    w.approval(lettings["start_lapsed"], "lapsed")
    _save(
        Dispensation(
            vacancy=lettings["general"].vacancy,
            person=lettings["general"].person,
            organisation=w.org,
            kommune=w.department.kommune,
            request_text="R37.2",
            requested_by=w.caseworker,
            requested_on=DAY - datetime.timedelta(days=5),
            state="granted",
        )
    )
    return lettings


@pytest.mark.rule("R39")
def test_counts_per_channel_and_rule_and_the_flags(world, department_b, kommune_officer, client_for):
    lettings = _populate(world, department_b)
    response = client_for(kommune_officer).get(URL, PERIOD)
    assert response.status_code == 200
    context = response.context
    summary = context["summary"]
    assert summary == {
        "total": 15,
        "internal_turn": 2,
        "needs_priority": 1,
        "internal_needs_priority": 1,
        "outside_eligible": 2,
        "approvals_lapsed": 1,
        "dispensations": 1,
        "flagged": 4,  # R41, the staff dwelling, no vacancy, the startbolig without approval
    }
    groups = {(g["channel"], g["basis"], g["rule"]): g["count"] for g in context["groups"]}
    assert groups == {
        ("list", "general_list", "R2.1"): 1,
        ("list", "general_list", "R4"): 1,
        ("list", "needs_priority", "R5.2"): 1,
        ("list", "internal_needs_priority", "R10.1"): 1,
        ("list", "internal_list", "R9"): 1,
        ("list", "general_list", "R12.1"): 2,
        ("list", "outside_eligible", "R2.5"): 1,
        ("list", "outside_eligible", "R41"): 1,
        ("kommunal_anvisning", "kommunal_anvisning", "R1.4"): 1,
        ("kommunal_anvisning", "kommunal_anvisning", "R1.9"): 1,
        ("advertising", "advertising", "R1.6"): 1,
        ("flexible", "flexible", "R1.7"): 1,
        ("out_of_scope", "out_of_scope", "R1.3"): 1,
        ("no_vacancy", "no_vacancy", ""): 1,
    }
    flagged = {row["lease"].pk for row in context["rows"] if row["flags"]}
    assert flagged == {lettings[k].pk for k in ("r41", "staff", "no_vacancy", "start_missing")}
    shown = {row["lease"].pk for row in context["rows"]}
    assert lettings["old"].pk not in shown and lettings["odense"].pk not in shown
    body = response.content.decode()
    # The applicant number, never a name or a CPR number.
    general = lettings["general"].person
    assert general.applicant_number in body
    assert "Tilsynsen" not in body and general.cpr_masked not in body
    assert general.cpr_reveal().replace("-", "") not in body


@pytest.mark.rule("R39", "R42.1")
def test_a_kommune_decision_to_approve_each_letting_flags_lettings_signed_without_approval(
    world, kommune_officer, client_for, kommune_aarhus
):
    from allocation.models import KommuneLettingDecision

    before = world.letting(offer_rule="R2.1", signed_on=datetime.date(2026, 2, 1))
    after = world.letting(offer_rule="R2.1", signed_on=datetime.date(2026, 4, 1))
    approved = world.letting(offer_rule="R2.1", signed_on=datetime.date(2026, 4, 2))
    world.approval(approved, "approved")
    _save(
        KommuneLettingDecision(
            kommune=kommune_aarhus,
            valid_from=datetime.date(2026, 3, 1),
            decided_on=datetime.date(2026, 2, 15),
            approves_each_letting=True,
        )
    )
    rows = client_for(kommune_officer).get(URL, PERIOD).context["rows"]
    flags = {row["lease"].pk: bool(row["flags"]) for row in rows}
    assert flags == {before.pk: False, after.pk: True, approved.pk: False}


@pytest.mark.rule("R39")
def test_csv_export_of_the_period(world, department_b, kommune_officer, client_for):
    lettings = _populate(world, department_b)
    response = client_for(kommune_officer).get(URL, {**PERIOD, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 1 + 15
    assert all(line.count(";") == 10 for line in lines)
    r41 = next(line for line in lines if lettings["r41"].person.applicant_number in line).split(";")
    assert r41[6] == "R41" and r41[10]  # the rule, and a flag
    general = next(line for line in lines if lettings["general"].person.applicant_number in line).split(";")
    assert general[6] == "R2.1" and general[9] and not general[10]  # the R37.2 dispensation, no flag
    assert "Tilsynsen" not in response.content.decode()


@pytest.mark.rule("R39")
def test_the_page_costs_a_fixed_number_of_queries(world, department_b, kommune_officer, client_for):
    client = client_for(kommune_officer)
    world.letting(offer_rule="R2.1")
    client.get(URL, PERIOD)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, PERIOD).status_code == 200
    _populate(world, department_b)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, PERIOD)
    assert response.context["summary"]["total"] == 16
    assert len(many) == len(one), [q["sql"][:120] for q in many.captured_queries]


@pytest.mark.rule("R39")
def test_only_kommune_officers_of_the_kommune(world, department_b, caseworker_a, client_for, kommune_odense):
    from housing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    lettings = _populate(world, department_b)
    assert client_for(caseworker_a).get(URL).status_code == 403
    odense = UserFactory(username="tilsyn-odense")
    MembershipFactory(user=odense, tenant=kommune_odense.tenant, role=Role.KOMMUNE_OFFICER)
    client = client_for(odense)
    response = client.get(URL, PERIOD)
    shown = {row["lease"].pk for row in response.context["rows"]}
    assert shown == {lettings["odense"].pk}
    assert world.department.name not in response.content.decode()
    # Asking for another kommune is a form error, not its data.
    refused = client.get(URL, {**PERIOD, "kommune": world.department.kommune_id})
    assert refused.status_code == 400 and world.department.name not in refused.content.decode()


@pytest.mark.rule("R39")
def test_a_period_ending_before_it_starts_is_refused_next_to_the_field(kommune_officer, client_for):
    response = client_for(kommune_officer).get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400
    assert "cannot be before its start" in response.content.decode()
