"""``manage.py seed_demo``: the demo world is complete, fully audited and idempotent."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q
from stdnum.dk import cvr as stdnum_cvr

from allocation.models import (
    Answer,
    Lease,
    Offer,
    OfferRound,
    Vacancy,
    VacancyState,
    YouthLettingGuideline,
    YouthPriorityGroup,
)
from housing import cpr, scoping
from housing.audit import system_user
from housing.models import (
    AreaStatusKind,
    Department,
    DepartmentAreaStatus,
    Dwelling,
    DwellingKind,
    Household,
    HouseholdMember,
    HouseholdRelation,
    HousingArea,
    HousingOrganisation,
    Kommune,
    Membership,
    NumberSeries,
    OwnerKind,
    Person,
    SharedListAssociation,
    Tenant,
    YouthKind,
)
from simulation.models import RunState, Scenario, ScenarioChange, ScenarioRun, ScenarioRunVacancy

pytestmark = pytest.mark.django_db

STAFF_USERNAMES = {"admin", "sagsbehandler", "sagsbehandler2", "laeser", "kommune"}
TRACKED_MODELS = [
    Tenant,
    Kommune,
    SharedListAssociation,
    HousingOrganisation,
    HousingArea,
    Department,
    DepartmentAreaStatus,
    Dwelling,
    Person,
    Household,
    HouseholdMember,
    Membership,
    # § 12, stk. 2 (R12.2): the demo's youth letting guideline and its groups.
    YouthLettingGuideline,
    YouthPriorityGroup,
]
# The letting history the scenarios replay (``simulation.demo``): every step through the services,
# each row's history written by the acting caseworker (or the system, for an entry gone passive)
# with the step's reason; the example scenario by the administrator with the demo reason.
LETTING_MODELS = [Vacancy, OfferRound, Offer, Lease, Scenario, ScenarioChange]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    counts: dict[str, object] = {}
    for model in TRACKED_MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"history:{model.__name__}"] = model.history.count()
    for model in LETTING_MODELS:
        counts[model.__name__] = model.objects.count()
        counts[f"history:{model.__name__}"] = model.history.count()
    counts["runs"] = sorted(ScenarioRun.objects.values_list("state", "total"))
    counts["run vacancies"] = ScenarioRunVacancy.objects.count()
    counts["users"] = get_user_model().objects.count()
    counts["number series"] = sorted(NumberSeries.objects.values_list("tenant_id", "name", "next_value"))
    return counts


def test_seed_demo_builds_the_expected_world():
    output = seed()

    departments = Department.objects.all()
    assert departments.count() == 12
    assert set(departments.values_list("kommune__code", flat=True)) == {"0751", "0461"}

    organisations = HousingOrganisation.objects.all()
    assert organisations.count() == 3
    assert all(stdnum_cvr.is_valid(o.cvr) for o in organisations)
    assert {o.digital_post_connected_from for o in organisations} >= {datetime.date(2022, 3, 1), None}
    assert SharedListAssociation.objects.count() == 1
    association = SharedListAssociation.objects.get()
    assert association.organisations.count() == 2

    dwellings = Dwelling.objects.all()
    assert dwellings.count() >= 250
    assert set(dwellings.values_list("kind", flat=True)) == set(DwellingKind.values)
    assert set(dwellings.values_list("youth_kind", flat=True)) == set(YouthKind.values)
    assert dwellings.filter(kind=DwellingKind.URBAN_RENEWAL_ELDER).count() in (2, 3)
    assert not dwellings.filter(kind=DwellingKind.ELDER, fitted_elderly_disabled=False).exists()
    assert dwellings.filter(fitted_large_household_mobility=True).exists()
    assert dwellings.filter(owner_kind=OwnerKind.KOMMUNE).exclude(owner_name="").exists()
    assert not dwellings.exclude(owner_kind=OwnerKind.ORGANISATION).filter(owner_name="").exists()
    # R12.2: every organisation with ordinary or relabelled youth dwellings has a letting guideline.
    youth_owners = set(
        dwellings.filter(kind=DwellingKind.YOUTH)
        .exclude(youth_kind=YouthKind.STARTBOLIG)
        .values_list("department__organisation", flat=True)
    )
    assert (
        youth_owners
        and set(YouthLettingGuideline.objects.values_list("organisation", flat=True)) == youth_owners
    )
    assert YouthPriorityGroup.objects.count() == 3 * len(youth_owners)

    statuses = DepartmentAreaStatus.objects.all()
    assert set(statuses.values_list("kind", flat=True)) == set(AreaStatusKind.values)
    hard_ghetto = statuses.get(kind=AreaStatusKind.HARD_GHETTO)
    assert hard_ghetto.valid_from == datetime.date(2018, 12, 1)
    combined = statuses.filter(kind=AreaStatusKind.COMBINED_AREA)
    assert combined.count() == 2
    assert combined.values("housing_area").distinct().count() == 1

    persons = Person.objects.all()
    assert persons.count() >= 900
    per_controller = dict(persons.values_list("controller__kind").annotate(n=Count("id")))
    assert per_controller[Tenant.Kind.ASSOCIATION] > per_controller[Tenant.Kind.ORGANISATION]
    assert 150 <= per_controller[Tenant.Kind.KOMMUNE] <= 250
    for person in persons.order_by("?")[:50]:
        number = cpr.decrypt(person.cpr_encrypted)
        assert cpr.normalise(number) == number
        assert cpr.birth_date(number) == person.birth_date
        assert cpr.lookup_hash(number) == person.cpr_hash
    consenting = persons.filter(digital_post_consent_date__isnull=False).count()
    adults = persons.exclude(household_membership__relation=HouseholdRelation.CHILD).count()
    assert 0.4 * adults <= consenting <= 0.75 * adults
    assert persons.filter(digital_post_exempt=True).exists()
    assert persons.filter(wants_email_notice=True).exists()

    # Every person is in exactly one household, and every household has exactly one applicant.
    assert HouseholdMember.objects.count() == persons.count()
    applicants = Household.objects.annotate(
        n=Count("members", filter=Q(members__relation=HouseholdRelation.APPLICANT))
    )
    assert set(applicants.values_list("n", flat=True)) == {1}
    assert not HouseholdMember.objects.exclude(household__controller=F("person__controller")).exists()
    assert HouseholdMember.objects.filter(relation=HouseholdRelation.CHILD).exists()

    users = get_user_model().objects.filter(username__in=STAFF_USERNAMES)
    assert set(users.values_list("username", flat=True)) == STAFF_USERNAMES
    for user in users:
        assert user.check_password("demo-adgang-2026")
        assert user.username in output
    admin = users.get(username="admin")
    assert admin.is_staff and admin.is_superuser and not admin.memberships.exists()
    caseworker = users.get(username="sagsbehandler")
    assert scoping.persons_for(caseworker).filter(controller=association.tenant).exists()


def test_every_seeded_row_has_one_history_row_with_user_and_reason():
    seed()
    system = system_user()
    admin = get_user_model().objects.get(username="admin")
    # Rows the seed changed rather than created: the demo kommuners' and the shared list's
    # Digital Post sender CVR numbers were recorded on existing rows (a second, audited change).
    changed = {Kommune: 2, SharedListAssociation: 1}
    for model in TRACKED_MODELS:
        history = model.history.all()
        assert history.count() == model.objects.count() + changed.get(model, 0), model.__name__
        per_row = history.values("id").annotate(n=Count("history_id"))
        assert per_row.filter(n__gt=1).count() == changed.get(model, 0), model.__name__
        assert not history.exclude(history_user__in=[system, admin]).exists(), model.__name__
        no_reason = Q(history_change_reason__isnull=True) | Q(history_change_reason="")
        assert not history.filter(no_reason).exists(), model.__name__
    assert not Person.history.exclude(history_user=system).exists()
    assert not Dwelling.history.exclude(history_user=system).exists()
    assert set(Person.history.values_list("history_change_reason", flat=True)) == {"Demodata"}


def test_the_demo_lettings_and_the_example_scenario_are_audited():
    seed()
    system = system_user()
    admin = get_user_model().objects.get(username="admin")
    # Every organisation has vacancies let from the lists, after declines and unanswered offers.
    for organisation in HousingOrganisation.objects.all():
        let = Vacancy.objects.filter(
            organisation=organisation, state=VacancyState.LET, lease__offer__isnull=False
        )
        assert let.count() >= 5, organisation.name
    assert Offer.objects.filter(round__vacancy__state=VacancyState.LET, answer=Answer.DECLINED).exists()
    assert Offer.objects.filter(round__vacancy__state=VacancyState.LET, answer=Answer.NO_ANSWER).exists()
    for model in LETTING_MODELS:
        history = model.history.all()
        assert history.exists(), model.__name__
        assert not history.filter(history_user__isnull=True).exists(), model.__name__
        no_reason = Q(history_change_reason__isnull=True) | Q(history_change_reason="")
        assert not history.filter(no_reason).exists(), model.__name__
    for model in (Scenario, ScenarioChange):
        assert set(model.history.values_list("history_user", "history_change_reason")) == {
            (admin.pk, "Demodata")
        }
    # The leases of the demo's lettings: signed by the organisation's caseworker (or, for an
    # organisation without one among the demo users, the administrator); none by the system.
    signed = Lease.objects.filter(offer__isnull=False)
    assert signed.exists() and not signed.filter(signed_by=system).exists()
    assert not Lease.history.filter(offer__isnull=False, history_user=system).exists()
    run = ScenarioRun.objects.get()
    assert run.state == RunState.DONE and run.requested_by == admin and run.total == run.vacancies.count() > 0


def test_running_twice_creates_nothing_new():
    seed()
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "nothing" in output


# Each persona's first task on the start page (item 7 of issue 15): the demo has work for every role
# that acts; the read-only reader has none of their own.
PERSONA_TASKS = {
    "admin": {"failed_jobs"},
    "sagsbehandler": {"rounds_to_close", "offer_answers", "leases_to_sign", "print_batches"},
    "sagsbehandler2": {"print_batches"},
    "kommune": {"approvals", "guarantee"},
    "revisor": {"lotteries"},
}


def test_every_persona_that_acts_finds_work_on_the_start_page(client):
    seed()
    users = get_user_model().objects.filter(username__in=[*PERSONA_TASKS, "laeser"])
    for user in users:
        client.force_login(user)
        body = client.get("/").content.decode()
        if user.username == "laeser":
            assert 'id="no-tasks"' in body
            continue
        shown = {key for key in PERSONA_TASKS[user.username] if f'id="task-{key}"' in body}
        assert shown == PERSONA_TASKS[user.username], user.username
        assert body.index('id="my-tasks"') < body.index('id="statistics"')
    # Overdue work is there to see: the kommune's overdue request and guarantee breach, the round
    # past its answer deadline.
    client.force_login(users.get(username="kommune"))
    body = client.get("/").content.decode()
    assert body.count('class="app-overdue"') >= 2
