"""One permission module, asked everywhere: users with mixed memberships against every write.

The users hold different roles in different places — officer in one kommune and a read-only
membership of another kommune's data controller, caseworker here and read-only there, auditor of
one organisation and caseworker of another. Each write service and each write URL (discovered
from the URL patterns, as the tenant walk does) is tried by each of them, and must be allowed
exactly where ``housing.permissions`` answers yes — and that answer is checked against what the
memberships mean: a kommune's decisions belong to an officer *of that kommune*, an
organisation's lettings to *its* caseworkers, a data controller's records to *its* writers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone

from housing import permissions, scoping
from housing.models import Kommune, Role
from tests.factories import MembershipFactory, PersonFactory, UserFactory
from tests.system.test_tenant_walk import _fill, _walk
from tests.system.test_tenant_walk import world_a as _walk_world  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(_walk_world, org_b) -> dict:  # noqa: F811
    return {**_walk_world, "org_b": org_b}


@pytest.fixture
def users(world) -> dict:
    """Mixed memberships; the world lies in Aarhus, run by org_a."""
    aarhus = world["department"].kommune
    odense = Kommune.objects.get(code="0461")
    org_a, org_b = world["organisation"], world["org_b"]

    def user(name: str, *memberships) -> object:
        created = UserFactory(username=name)
        for tenant, role in memberships:
            # Created as the database allows it: Membership.clean would refuse a read-only
            # membership of a kommune, but nothing below the form stops it.
            MembershipFactory(user=created, tenant=tenant, role=role)
        return created

    return {
        "officer_odense_read_only_aarhus": user(
            "mix-1",
            (odense.tenant, Role.KOMMUNE_OFFICER),
            (aarhus.tenant, Role.READ_ONLY),
            (org_b.tenant, Role.CASEWORKER),
        ),
        "officer_aarhus_read_only_org_a": user(
            "mix-2",
            (aarhus.tenant, Role.KOMMUNE_OFFICER),
            (org_a.tenant, Role.READ_ONLY),
            (org_b.tenant, Role.CASEWORKER),
        ),
        "caseworker_org_a_officer_odense": user(
            "mix-3",
            (org_a.tenant, Role.CASEWORKER),
            (odense.tenant, Role.KOMMUNE_OFFICER),
            (org_b.tenant, Role.READ_ONLY),
        ),
        "auditor_org_a_caseworker_org_b": user(
            "mix-4", (org_a.tenant, Role.AUDITOR), (org_b.tenant, Role.CASEWORKER)
        ),
    }


# Who may act, by what the memberships mean (not by asking the module).
MAY_ACT_FOR_AARHUS = {"officer_aarhus_read_only_org_a"}
MAY_WRITE_ORG_A = {"caseworker_org_a_officer_odense"}


def test_the_module_answers_what_the_memberships_mean(world, users):
    aarhus = world["department"].kommune
    org_a = world["organisation"]
    for name, user in users.items():
        assert permissions.can_act_for_kommune(user, aarhus.pk) == (name in MAY_ACT_FOR_AARHUS), name
        assert permissions.can_write_organisation(user, org_a.pk) == (name in MAY_WRITE_ORG_A), name
        assert permissions.can_write_tenant(user, org_a.tenant_id) == (name in MAY_WRITE_ORG_A), name
        # Reading: any membership of the controller (the auditor and read-only members too).
        assert permissions.can_read_tenant(user, org_a.tenant_id) == (
            name != "officer_odense_read_only_aarhus"
        )
    assert permissions.is_auditor_of_tenant(users["auditor_org_a_caseworker_org_b"], org_a.tenant_id)
    assert not permissions.is_auditor_of_tenant(users["caseworker_org_a_officer_odense"], org_a.tenant_id)


@pytest.mark.rule("R37.2")
def test_an_officer_elsewhere_with_a_read_only_membership_here_neither_decides_nor_records_complaints(
    world, users
):
    """§ 37, stk. 2: "kommunalbestyrelsen" of the dwelling's kommune decides the dispensation —
    not an officer of another kommune who can read here."""
    from complaints import services as complaint_services
    from rejections import dispensations as rejections

    outsider = users["officer_odense_read_only_aarhus"]
    dispensation = world["dispensation"]
    with pytest.raises(PermissionDenied):
        _decide_dispensation(outsider, dispensation)
    with pytest.raises(PermissionDenied):
        complaint_services.complaint_record(
            actor=outsider, reason="x", dispensation=dispensation, received_on=TODAY, summary="Klage"
        )
    assert not rejections.can_decide_dispensation(outsider, dispensation)
    assert rejections.can_decide_dispensation(users["officer_aarhus_read_only_org_a"], dispensation)


def _decide_dispensation(user, dispensation):
    from rejections import dispensations as rejections

    return rejections.dispensation_decide(
        actor=user,
        reason="Afgørelse",
        dispensation=dispensation,
        grant=False,
        work_or_education_prospect="Ingen",
        pension_prospect="Ingen",
        housing_elsewhere_prospect="Ingen",
        other_circumstances="Ingen",
        decision_reasoning="Ingen særlige forhold taler for dispensation.",
    )


def _write_services(world) -> list[tuple[str, object, object]]:
    """(name, call(user), question(user)) for each write service reached by the world."""
    from allocation.services import nominations, offers
    from approvals import services as approvals
    from complaints import services as complaint_services
    from eldercare.services import free_choice, needs, specific_lists
    from housing.benefits import benefit_status_record
    from letters import services as letters
    from rejections import reports as rejection_reports
    from rejections import services as rejections
    from tests.eldercare_lists_support import resident_elsewhere
    from waitinglists.services import fees
    from waitinglists.services.registration import Wishes, entry_register

    aarhus = world["department"].kommune
    odense = Kommune.objects.get(code="0461")
    vacancy, dispensation = world["vacancy"], world["dispensation"]

    def act_for(kommune_id):
        return lambda user: permissions.can_act_for_kommune(user, kommune_id)

    def write_org(organisation_id):
        return lambda user: permissions.can_write_organisation(user, organisation_id)

    def write_tenant(tenant_id):
        return lambda user: permissions.can_write_tenant(user, tenant_id)

    return [
        (
            "dispensation_decide",
            lambda u: _decide_dispensation(u, dispensation),
            act_for(dispensation.kommune_id),
        ),
        (
            "complaint_record (dispensation)",
            lambda u: complaint_services.complaint_record(
                actor=u, reason="x", dispensation=dispensation, received_on=TODAY, summary="Klage"
            ),
            act_for(dispensation.kommune_id),
        ),
        (
            "termination_report_forward",
            lambda u: rejection_reports.termination_report_forward(
                actor=u, reason="x", report=world["termination_report"], forwarded_on=TODAY
            ),
            act_for(world["termination_report"].kommune_id),
        ),
        (
            "approval_decide",
            lambda u: approvals.approval_decide(actor=u, reason="x", request=world["approval"], approve=True),
            act_for(world["approval"].kommune_id),
        ),
        (
            "nomination_record",
            lambda u: nominations.nomination_record(
                actor=u,
                reason="x",
                vacancy=world["nomination_vacancy"],
                cpr_number="0303805678",
                first_name="Anden",
                last_name="Anvist",
                household_size=1,
                ground="Akut boligbehov",
            ),
            act_for(world["nomination_vacancy"].dwelling.department.kommune_id),
        ),
        (
            "need_decision_read",
            lambda u: needs.need_decision_read(actor=u, decision=world["need_decision"], purpose_text="Sag"),
            act_for(world["need_decision"].kommune_id),
        ),
        (
            "specific_lists.entry_join",
            lambda u: specific_lists.entry_join(
                actor=u,
                reason="x",
                specific_list=world["specific_list"],
                person=PersonFactory(controller=aarhus.tenant, kommune=aarhus),
                joined_on=TODAY,
            ),
            act_for(world["specific_list"].kommune_id),
        ),
        (
            "free_choice_receive",
            lambda u: free_choice.free_choice_receive(
                actor=u,
                reason="x",
                specific_list=world["specific_list"],
                person=resident_elsewhere(aarhus, odense),
                home_kommune=odense,
                received_on=TODAY,
            ),
            act_for(world["specific_list"].kommune_id),
        ),
        (
            "offer_answer",
            lambda u: offers.offer_answer(actor=u, reason="x", offer=world["offer"], answer="declined"),
            write_org(vacancy.organisation_id),
        ),
        (
            "rejection_open",
            lambda u: rejections.rejection_open(
                actor=u,
                reason="x",
                vacancy=vacancy,
                person=world["person"],
                ground="R30",
                reasoning="A very special case: documented threats against the caretaker in writing.",
            ),
            write_org(vacancy.organisation_id),
        ),
        (
            "payment_register",
            lambda u: fees.payment_register(
                actor=u, reason="x", entry=world["entry"], amount=Decimal("200"), paid_on=TODAY
            ),
            write_tenant(world["entry"].controller_id),
        ),
        (
            "letter_resend",
            lambda u: letters.letter_resend(actor=u, reason="x", letter=world["letter"]),
            write_tenant(world["letter"].controller_id),
        ),
        (
            "entry_register",
            lambda u: entry_register(
                actor=u,
                reason="x",
                waiting_list=world["waiting_list"],
                person=PersonFactory(controller=world["organisation"].tenant),
                wishes=Wishes(departments=[world["department"]]),
                send_letter=False,
            ),
            write_tenant(world["waiting_list"].controller_id),
        ),
        (
            "benefit_status_record",
            lambda u: benefit_status_record(
                actor=u,
                reason="x",
                person=world["person"],
                kind="kontanthjaelp",
                valid_from=datetime.date(2010, 1, 1),
                valid_until=datetime.date(2010, 12, 31),
                source="kommune",
            ),
            write_tenant(world["person"].controller_id),
        ),
    ]


class _Undo(Exception):
    pass


def _refused(call, user) -> bool:
    """Whether the service refuses the user (403); any other outcome is undone."""
    try:
        with transaction.atomic():
            try:
                call(user)
            except PermissionDenied:
                return True
            except Exception as exc:  # a refusal on the facts (ValidationError, …): the right was granted
                raise _Undo from exc
            raise _Undo
    except _Undo:
        return False


def test_every_write_service_is_allowed_exactly_where_the_module_says(world, users):
    checked = 0
    for name, call, question in _write_services(world):
        answers = {}
        for user_name, user in users.items():
            allowed = question(user)
            answers[user_name] = allowed
            assert _refused(call, user) == (not allowed), (name, user_name, allowed)
            checked += 1
        # Each service is tried by somebody it allows and somebody it refuses.
        assert any(answers.values()) and not all(answers.values()), (name, answers)
    assert checked == len(_write_services(world)) * len(users)


# --- Every write URL -------------------------------------------------------------------------------


def _url_question(url_name: str, world: dict):
    """The question a URL asks, by URL name (prefix). A URL that answers POST and is missing here
    fails the walk: a new form must say whose right it is."""
    aarhus_id = world["department"].kommune.pk
    org_a = world["organisation"]

    def act_for_aarhus(user):
        return permissions.can_act_for_kommune(user, aarhus_id)

    def write_org_a(user):
        return permissions.can_write_organisation(user, org_a.pk)

    def write_tenant_a(user):
        return permissions.can_write_tenant(user, org_a.tenant_id)

    def read_tenant_a(user):
        return permissions.can_read_tenant(user, org_a.tenant_id)

    def reach_org_a(user):
        # Reads of the register are scoping's (querysets): members, and officers of a kommune
        # the organisation has a department in.
        return scoping.organisations_for(user).filter(pk=org_a.pk).exists()

    def use_scenario_a(user):
        from simulation.services import can_use

        return can_use(user, world["scenario"])

    def auditor_of_org_a(user):
        return permissions.is_auditor_of_tenant(user, org_a.tenant_id)

    table = [
        # Pages that also answer POST with the page (reads; the CPR search is a POST by design).
        (READ_PAGES, lambda user: True),
        (("housing:person_detail", "housing:person_history", "housing:person_access_log"), read_tenant_a),
        (("housing:person_reveal_cpr",), read_tenant_a),  # a logged read; the purpose is POSTed
        (("housing:organisation_detail", "housing:organisation_history"), reach_org_a),
        (("housing:department_detail", "housing:department_history"), reach_org_a),
        (("housing:dwelling_detail", "housing:dwelling_history"), reach_org_a),
        (("housing:person_",), write_tenant_a),
        (("housing:organisation_edit", "housing:department_edit", "housing:dwelling_edit"), write_org_a),
        (("letters:", "waitinglists:", "allocation:person_", "rejections:person_"), write_tenant_a),
        (("approvals:vacancy_approval_request",), write_org_a),
        (("letting:nomination_vacancy", "approvals:approval_", "complaints:approval_"), act_for_aarhus),
        (("rejections:dispensation_decide", "complaints:dispensation_complaint"), act_for_aarhus),
        (("rejections:termination_report_forward",), act_for_aarhus),
        (("letting:advert_lottery",), auditor_of_org_a),
        (("allocation:", "letting:", "rejections:", "complaints:"), write_org_a),
        (("eldercare:",), act_for_aarhus),
        (("simulation:",), use_scenario_a),
    ]
    for prefixes, question in table:
        if url_name.startswith(prefixes):
            return question
    return None


READ_PAGES = (
    "dashboard",
    "housing:person_search",
    "housing:organisation_list",
    "housing:department_list",
    "housing:dwelling_list",
    "letters:outbox",
)


def _writes_somewhere(user) -> bool:
    return bool(scoping.scope_for(user).writable_tenant_ids)


def _has_writable_department(user) -> bool:
    return (
        scoping.departments_for(user)
        .filter(organisation_id__in=scoping.scope_for(user).writable_organisation_ids)
        .exists()
    )


def _officer_of_a_kommune_with_specific_lists(user) -> bool:
    from eldercare.models import SpecificList

    return SpecificList.objects.filter(kommune_id__in=permissions.officer_kommune_ids(user)).exists()


def _may_create_a_scenario(user) -> bool:
    from simulation.selectors import can_create

    return can_create(user)


# Write URLs without an object of the world: the question is about the user alone (their own
# kommune, their own organisations).
NOT_OBJECT_URLS = {
    "housing:person_create": _writes_somewhere,
    "housing:organisation_create": permissions.can_create_organisation,
    "housing:department_create": permissions.can_write_any_organisation,
    "housing:dwelling_create": _has_writable_department,
    "letting:vacancy_open": permissions.can_write_any_organisation,
    "eldercare:need_create": permissions.is_kommune_officer,
    "eldercare:vacancy_list": permissions.is_kommune_officer,  # POST opens a vacancy in one's kommune
    "eldercare:outsiders": permissions.is_kommune_officer,  # POST decides for one's own kommune
    "eldercare:free_choice_create": _officer_of_a_kommune_with_specific_lists,
    "simulation:scenario_create": _may_create_a_scenario,
}
SKIPPED = {"login", "logout", "set_language", "letters:job_run_start"}


def test_every_write_url_is_allowed_exactly_where_the_module_says(world, users, client_for):
    routes = [
        (route, name)
        for route, name in _walk(get_resolver().url_patterns)
        if not (name or "").startswith(("admin:", "api:", "eldercare_public:"))
        and not route.startswith("admin/")
        and name not in SKIPPED
    ]
    clients = {name: client_for(user) for name, user in users.items()}
    mismatches, walked, unreached = [], 0, []
    for route, name in routes:
        url = _fill(route, name, world)
        answers = {user_name: clients[user_name].post(url, {}).status_code for user_name in users}
        if all(status == 405 for status in answers.values()):
            continue  # a page, not a form
        if all(status == 404 for status in answers.values()):
            # The world has no object in the state this form needs (no advert yet, no fee due …).
            unreached.append(name)
            continue
        walked += 1
        question = NOT_OBJECT_URLS.get(name) or _url_question(name, world)
        if question is None:
            mismatches.append((name, url, "no permission question", answers))
            continue
        refused_first = 403 in answers.values()
        for user_name, status in answers.items():
            allowed = question(users[user_name])
            if allowed and status == 404 and refused_first:
                # Refused users got 403 before the lookup of the form's object; the allowed user
                # passed the check and found no object in the state the form needs.
                unreached.append(name)
            elif allowed != (status not in (403, 404)):
                mismatches.append((name, url, user_name, status, allowed))
    assert walked > 60, f"the walk reached suspiciously few URLs ({walked}); not reached: {unreached}"
    assert len(set(unreached)) < 15, unreached
    assert not mismatches, "\n".join(map(str, mismatches))
