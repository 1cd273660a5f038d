"""The wrong-tenant walk: every URL pattern, requested as staff of another tenant, must answer
403/404 (or send a non-staff user to the admin login) and never show the other tenant's data."""

from __future__ import annotations

import datetime
import re

import pytest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

from housing.audit import audited_save
from housing.models import Kommune, Role
from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (
                f"{namespace}:{entry.namespace}"
                if entry.namespace and namespace
                else entry.namespace or namespace
            )
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns or "")
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else entry.name


# Only objects with a primary key are tenant-owned; everything else is a fixed path.
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def _object_for(url_name: str, world: dict) -> int:
    for prefix, key in (
        ("housing:person_", "person"),
        ("housing:organisation_", "organisation"),
        ("housing:department_", "department"),
        ("housing:dwelling_", "dwelling"),
        ("admin:housing_housingorganisation", "organisation"),
        ("admin:housing_department", "department"),
        ("admin:housing_dwelling", "dwelling"),
        ("waitinglists:entry_register", "waiting_list"),
        ("waitinglists:entry_export", "waiting_list"),
        ("housing:export_", "export_job"),
        ("waitinglists:list_", "waiting_list"),
        ("waitinglists:entry_", "entry"),
        ("waitinglists:person_", "person"),
        ("letters:letter_", "letter"),
        ("letters:print_batch_", "print_batch"),
        ("letters:person_", "person"),
        ("letters:job_run_", "job_run"),
        ("letting:lease_detail", "lease"),
        ("allocation:person_", "person"),
        ("rejections:person_", "person"),
        ("letting:advert_", "advert_vacancy"),
        ("letting:nomination_", "nomination_vacancy"),
        ("approvals:vacancy_", "vacancy"),
        ("approvals:approval_", "approval"),
        ("complaints:approval_", "approval"),
        ("rejections:rejection_open", "vacancy"),
        ("rejections:rejection_", "rejection"),
        ("complaints:rejection_", "rejection"),
        ("rejections:dispensation_", "dispensation"),
        ("complaints:dispensation_", "dispensation"),
        ("complaints:complaint_", "complaint"),
        ("rejections:termination_report", "termination_report"),
        ("letting:", "vacancy"),
        ("allocation:", "vacancy"),
        ("api_vacancy", "vacancy"),
        ("eldercare:specific_", "specific_list"),
        ("eldercare:free_choice_", "free_choice"),
        ("eldercare:outsiders_", "refuse_decision"),
        ("eldercare:need_", "need_decision"),
        ("eldercare:guarantee_", "guarantee_entry"),
        ("eldercare:vacancy_", "elder_vacancy"),
        ("eldercare:offer_", "elder_vacancy"),
        ("simulation:run_detail", "scenario_run"),
        ("simulation:run_", "scenario_run"),
        ("simulation:", "scenario"),
    ):
        if (url_name or "").startswith(prefix):
            return world[key].pk
    # Other admin object pages (users, kommuner, …): any number will do, the user is not staff.
    return world["organisation"].pk


def _fill(route: str, url_name: str, world: dict) -> str:
    def replace(match: re.Match) -> str:
        name = match.group("name") or match.group("rname")
        if name in ("pk", "object_id", "id", "vacancy_pk"):
            return str(_object_for(url_name, world))
        if name == "entry_pk":
            return str(world["specific_entry"].pk)
        if name == "code":  # the public § 25 pages of a kommune
            return "0751"
        if name == "round_pk":
            return str(world["offer"].round_id)
        if name == "offer_pk":
            return str(world["offer"].pk)
        if name == "app_label":
            return "housing"
        if name == "content_type_id":
            return "1"
        if name == "url":
            return "x"
        if name in ("path",):
            return "x"
        raise AssertionError(f"The tenant walk does not know how to fill <{name}> in {route} ({url_name}).")

    path = _CONVERTER.sub(replace, route)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


# Job runs belong to no tenant and hold no personal data (counts only): every staff user sees them.
NOT_TENANT_OWNED = {"letters:job_run_detail", "letters:job_run_progress"}
# The public § 25 pages of a kommune (no login, counts and averages only, R25).
NOT_TENANT_OWNED |= {
    "eldercare_public:kommune",
    "eldercare_public:kommune_json",
    "eldercare_public:kommune_csv",
}


@pytest.fixture
def world_a(org_a, person_a, system_user, caseworker_a, settings, tmp_path):
    from letters import services as letter_services
    from letters.models import JobRun

    settings.MEDIA_ROOT = tmp_path / "media"
    department = DepartmentFactory(
        organisation=org_a, name="Alfaparken", kommune=Kommune.objects.get(code="0751")
    )
    dwelling = DwellingFactory(department=department, address_line="Alfavej 17, 2. th.")
    household = HouseholdFactory(controller=person_a.controller)
    HouseholdMemberFactory(household=household, person=person_a, relation="applicant")
    letter = letter_services.letter_create(
        actor=system_user,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="general",
        context={"text": "Hej"},
        idempotency_key="walk-1",
        dispatch=False,
    )
    (print_batch,) = letter_services.print_batches_create(actor=system_user)
    job_run = JobRun.objects.create(job="letters.dispatch", trigger="schedule")
    from waitinglists.models import FeeSchedule, ListKind, WaitingList
    from waitinglists.services.registration import Wishes, entry_register

    audited_save(
        FeeSchedule(
            controller=org_a.tenant,
            valid_from=datetime.date(2020, 1, 1),
            registration_fee=200,
            update_fee=150,
            due_month=2,
            due_day=1,
        ),
        actor=system_user,
        reason="Test",
    )
    waiting_list = audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Alfa Almindelig Venteliste"),
        actor=system_user,
        reason="Test",
    )
    caseworker = UserFactory(username="walk-caseworker-a")
    MembershipFactory(user=caseworker, tenant=org_a.tenant, role=Role.CASEWORKER)
    entry = entry_register(
        actor=caseworker,
        reason="Test",
        waiting_list=waiting_list,
        person=person_a,
        wishes=Wishes(departments=[department]),
        send_letter=False,
    )
    # A finished export of the list (housing.exports), with its file; caseworker_a's, so the
    # Danish-pages walk (whose caseworker persona she is) renders its page.
    from housing import exports
    from waitinglists.exports import ENTRY_EXPORT, export_parameters

    settings.EXPORT_ROOT = tmp_path / "exports"
    export_job, _created = exports.export_start(
        actor=caseworker_a,
        kind=ENTRY_EXPORT,
        tenant_id=waiting_list.controller_id,
        parameters=export_parameters(waiting_list, QueryDict()),
        enqueue=lambda job_id: None,
    )
    exports.export_run(job_id=export_job.pk)
    vacancy, advert_vacancy, nomination_vacancy, offer, lease = _letting_world(
        org_a, department, dwelling, person_a, caseworker, system_user
    )
    # A startbolig letting waiting for the kommune's approval (R12.1).
    from approvals.services import request_if_needed
    from letting.workflow import vacancy_open

    approval = request_if_needed(
        actor=caseworker,
        reason="Test",
        vacancy=vacancy_open(
            actor=caseworker,
            reason="Test",
            dwelling=DwellingFactory(department=department, kind="youth", youth_kind="startbolig", rooms=1),
            notice_date=datetime.date.today() - datetime.timedelta(days=30),
            move_out_date=datetime.date.today() + datetime.timedelta(days=30),
        ),
        person=person_a,
    )
    from allocation.models import PriorityNeed

    audited_save(
        PriorityNeed(
            person=person_a,
            controller=person_a.controller,
            mobility_impaired=True,
            documentation="Walk-lægeerklæring",
            documented_on=datetime.date(2025, 1, 1),
        ),
        actor=system_user,
        reason="Test",
    )
    rejection_objects = _rejection_world(vacancy, person_a, caseworker, system_user)
    scenario, scenario_run = _scenario_world(org_a, department, caseworker)
    return {
        **rejection_objects,
        "vacancy": vacancy,
        "advert_vacancy": advert_vacancy,
        "nomination_vacancy": nomination_vacancy,
        "approval": approval,
        "offer": offer,
        "lease": lease,
        "organisation": org_a,
        "department": department,
        "dwelling": dwelling,
        "person": person_a,
        "letter": letter,
        "print_batch": print_batch,
        "job_run": job_run,
        "waiting_list": waiting_list,
        "entry": entry,
        "export_job": export_job,
        "scenario": scenario,
        "scenario_run": scenario_run,
        **_eldercare_world(department.kommune),
        **_eldercare_lists_world(department.kommune),
    }


def _letting_world(org_a, department, dwelling, person_a, caseworker, system_user):
    """A vacancy with offers out to person_a, an advertised one, one named by the kommune, and
    person_a's current lease."""
    from allocation.models import Lease, LettingAgreement
    from allocation.services.nominations import nomination_record
    from letting.workflow import round_open, vacancy_open

    today = datetime.date.today()
    dates = {
        "notice_date": today - datetime.timedelta(days=30),
        "move_out_date": today + datetime.timedelta(days=30),
    }
    vacancy = vacancy_open(
        actor=caseworker, reason="Test", dwelling=DwellingFactory(department=department), **dates
    )
    offer = round_open(actor=caseworker, reason="Test", vacancy=vacancy).offers.get()
    for kind, extra in (("advertising", {}), ("kommune_share", {"every_nth": 1})):
        other = DepartmentFactory(organisation=org_a, kommune=department.kommune)
        audited_save(
            LettingAgreement(
                organisation=org_a,
                kommune=department.kommune,
                department=other,
                kind=kind,
                valid_from=datetime.date(2020, 1, 1),
                **extra,
            ),
            actor=system_user,
            reason="Test",
        )
        opened = vacancy_open(
            actor=caseworker, reason="Test", dwelling=DwellingFactory(department=other), **dates
        )
        if kind == "advertising":
            advert_vacancy = opened
        else:
            nomination_vacancy = opened
    officer = UserFactory(username="walk-officer-aarhus")
    MembershipFactory(user=officer, tenant=department.kommune.tenant, role=Role.KOMMUNE_OFFICER)
    nomination_record(
        actor=officer,
        reason="Test",
        vacancy=nomination_vacancy,
        cpr_number="0202805678",
        first_name="Anvist",
        last_name="Nomineresen",
        household_size=2,
        ground="Akut boligbehov",
        follows_children_agreement=True,
    )
    lease = audited_save(
        Lease(
            dwelling=dwelling,
            landlord=org_a,
            controller=org_a.tenant,
            person=person_a,
            signed_on=datetime.date(2019, 1, 1),
            starts_on=datetime.date(2019, 2, 1),
            signed_by=caseworker,
        ),
        actor=caseworker,
        reason="Test",
    )
    return vacancy, advert_vacancy, nomination_vacancy, offer, lease


def _scenario_world(org_a, department, caseworker):
    """A letting scenario of org_a (a § 4 agreement added) and a finished run of it (simulation)."""
    from simulation import services as simulation

    scenario = simulation.scenario_create(
        actor=caseworker,
        reason="Test",
        name="Walk-scenarie",
        scope="organisation",
        organisation=org_a,
        changes=[
            {
                "kind": "children_agreement",
                "action": "add",
                "organisation": org_a,
                "kommune": department.kommune,
            }
        ],
    )
    started = simulation.scenario_run_start(scenario=scenario, user=caseworker, enqueue=lambda _id: None)
    return scenario, simulation.scenario_run_execute(run_id=started.pk)


def _eldercare_world(kommune):
    """An elder of the kommune with a plejebolig needs decision on the general list, and a vacant
    plejebolig offered to her (eldercare)."""
    from eldercare.services.allocation import offer_make, vacancy_open
    from tests.eldercare_support import decide, elder, elder_dwelling

    officer = UserFactory(username="walk-elder-officer")
    MembershipFactory(user=officer, tenant=kommune.tenant, role=Role.KOMMUNE_OFFICER)
    person = elder(kommune, first_name="Ældre", last_name="Walkesen")
    decision = decide(officer, kommune, person)
    today = datetime.date.today()
    vacancy = vacancy_open(
        actor=officer,
        reason="Test",
        dwelling=elder_dwelling(kommune, address_line="Plejevej 3, st."),
        vacant_from=today,
        ready_on=today,
    )
    offer_make(
        actor=officer,
        reason="Test",
        vacancy=vacancy,
        candidate_key=f"general:{decision.guarantee_entry.pk}",
        answer_by=today,
    )
    return {
        "elder": person,
        "need_decision": decision,
        "guarantee_entry": decision.guarantee_entry,
        "elder_vacancy": vacancy,
    }


def _eldercare_lists_world(kommune):
    """A specific list with an applicant, a free-choice application and a refuse-outsiders decision."""
    from eldercare.models import RefuseOutsidersDecision
    from eldercare.services import free_choice, specific_lists
    from tests.eldercare_lists_support import facility, resident_elsewhere, specific_list
    from tests.eldercare_support import elder

    officer = UserFactory(username="walk-lists-officer")
    MembershipFactory(user=officer, tenant=kommune.tenant, role=Role.KOMMUNE_OFFICER)
    sl = specific_list(facility(kommune, name="Walk-plejecenter"))
    entry = specific_lists.entry_join(
        actor=officer,
        reason="Test",
        specific_list=sl,
        person=elder(kommune, first_name="Liste", last_name="Listewalkesen"),
        joined_on=datetime.date.today(),
    )
    application = free_choice.free_choice_receive(
        actor=officer,
        reason="Test",
        specific_list=sl,
        person=resident_elsewhere(kommune, Kommune.objects.get(code="0101"), last_name="Fritvalgsen"),
        home_kommune=Kommune.objects.get(code="0101"),
        received_on=datetime.date.today(),
    )
    decision = audited_save(
        RefuseOutsidersDecision(
            kommune=kommune,
            dwelling_kind="aeldreboliger",
            decided_on=datetime.date(2026, 1, 5),
            effective_from=datetime.date(2026, 2, 5),
            lapses_on=datetime.date(2026, 8, 5),
            own_average_wait_days=90,
            baseline_average_wait_days=60,
            increase_percent=50,
            outsiders_joined_recent=4,
            outsiders_joined_before=1,
            justification="Walk-begrundelse",
            decided_by=officer,
        ),
        actor=officer,
        reason="Test",
    )
    return {
        "specific_list": sl,
        "specific_entry": entry,
        "free_choice": application,
        "refuse_decision": decision,
    }


def _rejection_world(vacancy, person_a, caseworker, system_user) -> dict:
    """A decided rejection of person_a with a complaint, an R37.2 request, an R28.2
    report and a benefit status."""
    from complaints import services as complaint_services
    from housing.benefits import benefit_status_record
    from rejections import services as rejections
    from rejections.models import Dispensation, TerminationRejectionReport

    case = rejections.rejection_open(
        actor=caseworker,
        reason="Test",
        vacancy=vacancy,
        person=person_a,
        ground="R30",
        reasoning="Walk-afvisningsbegrundelse: a very special case with reasonable grounds.",
    )
    complaint = complaint_services.complaint_record(
        actor=caseworker, reason="Test", case=case, received_on=datetime.date.today(), summary="Walk-klage"
    )
    dispensation = audited_save(
        Dispensation(
            vacancy=vacancy,
            person=person_a,
            organisation=vacancy.organisation,
            kommune=vacancy.dwelling.department.kommune,
            request_text="Walk-dispensationsanmodning",
            requested_by=caseworker,
            requested_on=datetime.date.today(),
        ),
        actor=system_user,
        reason="Test",
    )
    report = audited_save(
        TerminationRejectionReport(
            rejection=case,
            kommune=vacancy.dwelling.department.kommune,
            organisation=vacancy.organisation,
            rejected_on=datetime.date.today(),
            reported_on=datetime.date.today(),
        ),
        actor=system_user,
        reason="Test",
    )
    benefit_status_record(
        actor=caseworker,
        reason="Test",
        person=person_a,
        kind="kontanthjaelp",
        valid_from=datetime.date(2024, 1, 1),
        source="kommune",
        note="Walk-ydelsesnote",
    )
    return {
        "rejection": case,
        "complaint": complaint,
        "dispensation": dispensation,
        "termination_report": report,
    }


def _foreign_markers(world: dict) -> list[str]:
    person = world["person"]
    return [
        world["waiting_list"].name,
        world["entry"].payment_reference,
        world["organisation"].name,
        world["organisation"].cvr,
        world["department"].name,
        world["dwelling"].address_line,
        person.first_name + " " + person.last_name,
        person.last_name,
        person.cpr_masked,
        person.cpr_reveal(),
        person.cpr_reveal().replace("-", ""),
        person.applicant_number,
        "Nomineresen",
        "Walkesen",
        "Listewalkesen",
        "Fritvalgsen",
        "Walk-begrundelse",
        "Plejevej 3",
        "Walk-lægeerklæring",
        "Walk-afvisningsbegrundelse",
        "Walk-klage",
        "Walk-dispensationsanmodning",
        "Walk-ydelsesnote",
        "Walk-scenarie",
    ]


@pytest.fixture
def other_kommune_officer(org_b):
    user = UserFactory(username="officer-odense")
    kommune = Kommune.objects.get(code="0461")
    MembershipFactory(user=user, tenant=kommune.tenant, role=Role.KOMMUNE_OFFICER)
    return user


@pytest.mark.parametrize("attacker_name", ["caseworker_b", "other_kommune_officer"])
def test_every_url_refuses_another_tenant(request, attacker_name, world_a, client_for, person_b):
    attacker = request.getfixturevalue(attacker_name)
    client = client_for(attacker)
    markers = _foreign_markers(world_a)
    # Logging out ends the attacker's session, so it is walked last.
    routes = sorted(
        _walk(get_resolver().url_patterns), key=lambda route: route[1] in ("logout", "admin:logout")
    )
    assert len(routes) > 20, "the walk found suspiciously few URL patterns"
    checked = 0
    for route, name in routes:
        if (name or "").startswith("admin:") or route.startswith("admin/"):
            url = _fill(route, name, world_a)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                body = response.content.decode("utf-8", errors="replace")
                # Not staff: the admin sends everyone to its login page and shows nothing else.
                if url in ("/admin/login/", "/admin/logout/"):
                    assert response.status_code in (200, 302, 405), (method, url, response.status_code)
                else:
                    assert response.status_code in (302, 404), (method, url, response.status_code)
                if response.status_code == 302:
                    location = response["Location"]
                    expected = (
                        ("/admin/login/", "/konto/login/", "/admin/")
                        if url == "/admin/logout/"
                        else ("/admin/login/", "/konto/login/")
                    )
                    assert location.startswith(expected), (url, location)
                for marker in markers:
                    assert marker not in body, f"{attacker_name} saw {marker!r} at {method.upper()} {url}"
            checked += 1
            continue
        url = _fill(route, name, world_a)
        needs_object = "<" in route or "(?P<" in route
        for method in ("get", "post"):
            response = getattr(client, method)(url, follow=False)
            body = response.content.decode("utf-8", errors="replace")
            if name in NOT_TENANT_OWNED:
                assert response.status_code in (200, 405), (attacker_name, method, url, response.status_code)
            elif needs_object:
                assert response.status_code in (403, 404, 405), (
                    attacker_name,
                    method,
                    url,
                    response.status_code,
                )
            else:
                assert response.status_code in (200, 302, 400, 403, 405), (
                    attacker_name,
                    method,
                    url,
                    response.status_code,
                )
            for marker in markers:
                assert marker not in body, f"{attacker_name} saw {marker!r} at {method.upper()} {url}"
        checked += 1
    assert checked == len(routes)


def test_cpr_search_does_not_find_another_tenants_person(caseworker_b, client_for, person_a):
    response = client_for(caseworker_b).post("/personer/", {"cpr": person_a.cpr_reveal()})
    assert response.status_code == 200
    assert person_a.last_name not in response.content.decode()


def test_name_search_only_finds_own_persons(caseworker_b, client_for, person_a, person_b):
    body = client_for(caseworker_b).get("/personer/", {"q": "sen"}).content.decode()
    assert person_b.last_name in body
    assert person_a.last_name not in body


@pytest.mark.rule("R3.2")
def test_shared_list_is_one_list_for_the_organisations_that_share_it(client_for, kommune_aarhus):
    """Two organisations sharing one general list: the list's applicants belong to the
    association, and its caseworkers see them whichever organisation they came through."""
    from housing.models import Role
    from tests.factories import HousingOrganisationFactory, PersonFactory, SharedListAssociationFactory

    association = SharedListAssociationFactory(name="Fælles Venteliste Testby")
    first = HousingOrganisationFactory(name="Første Bolig", shared_list=association)
    second = HousingOrganisationFactory(name="Anden Bolig", shared_list=association)
    assert first.list_tenant_id == second.list_tenant_id == association.tenant_id
    applicant = PersonFactory(controller=association.tenant, first_name="Fælle", last_name="Søgersen")
    caseworker = UserFactory(username="shared-list-caseworker")
    MembershipFactory(user=caseworker, tenant=association.tenant, role=Role.CASEWORKER)
    client = client_for(caseworker)
    assert client.get(f"/personer/{applicant.pk}/").status_code == 200
    body = client.get("/organisationer/").content.decode()
    assert "Første Bolig" in body and "Anden Bolig" in body
    # A caseworker of only one of the organisations does not reach the shared list's persons.
    outsider = UserFactory(username="first-only")
    MembershipFactory(user=outsider, tenant=first.tenant, role=Role.CASEWORKER)
    assert client_for(outsider).get(f"/personer/{applicant.pk}/").status_code == 404


def test_read_only_member_sees_but_cannot_change(read_only_a, client_for, person_a, department_a):
    client = client_for(read_only_a)
    assert client.get(f"/personer/{person_a.pk}/").status_code == 200
    assert client.get(f"/afdelinger/{department_a.pk}/").status_code == 200
    for url in (
        f"/personer/{person_a.pk}/rediger/",
        f"/afdelinger/{department_a.pk}/rediger/",
        "/personer/ny/",
        "/afdelinger/ny/",
        "/boliger/ny/",
        "/organisationer/ny/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"change_reason": "x"}).status_code == 403, url


@pytest.mark.rule("R39")
def test_supervision_shows_only_the_officers_own_kommune(
    world_a, client_for, caseworker_a, kommune_officer, other_kommune_officer
):
    """The kommune's supervision page (R39): kommune officers only, and only their own kommune."""
    url = "/kommune/tilsyn/?date_from=2000-01-01&date_to=2099-12-31"
    assert client_for(caseworker_a).get(url).status_code == 403
    own = client_for(kommune_officer).get(url)
    assert own.status_code == 200 and world_a["organisation"].name in own.content.decode()
    foreign = client_for(other_kommune_officer).get(url).content.decode()
    for marker in _foreign_markers(world_a):
        assert marker not in foreign
