"""Shared fixtures: two organisations in two kommuner, one user per role, two persons.

Personas (all with the password ``test-password-123``):

* ``caseworker_a`` – caseworker of org_a ("Alfa Boligselskab", Aarhus)
* ``caseworker_b`` – caseworker of org_b ("Beta Boligforening", Odense)
* ``read_only_a`` – read-only member of org_a
* ``kommune_officer`` – kommune officer of Aarhus Kommune
* ``administrator`` – is_staff + is_superuser, no memberships (sees the register, not persons)

``person_a`` ("Astrid Alfasen", 010190-1234) belongs to org_a, ``person_b`` ("Bent Betasen",
020285-1234) to org_b. The organisations have their address in their kommune but no departments;
ask for ``department_a`` (Aarhus) or ``department_b`` (Odense) to place one there, which is what
makes a kommune officer see the organisation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from housing.audit import system_user as get_system_user
from housing.models import Department, HousingOrganisation, Kommune, Person, Role
from tests.db_template import use_migrated_template
from tests.factories import (
    TEST_PASSWORD,
    DepartmentFactory,
    HousingOrganisationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    aarhus,
    odense,
)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    """Each test process's database is a copy of one migrated template (``tests.db_template``)."""
    with django_db_blocker.unblock():
        use_migrated_template()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 with a million rounds costs a noticeable fraction of a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def system_user(db):
    return get_system_user()


# --- Kommuner and organisations --------------------------------------------------------------


@pytest.fixture
def kommune_aarhus(db) -> Kommune:
    return aarhus()


@pytest.fixture
def kommune_odense(db) -> Kommune:
    return odense()


@pytest.fixture
def org_a(kommune_aarhus) -> HousingOrganisation:
    return HousingOrganisationFactory(
        name="Alfa Boligselskab",
        address_line="Alfavej 1",
        postal_code="8000",
        city="Aarhus C",
        email="post@alfa-bolig.example.com",
    )


@pytest.fixture
def org_b(kommune_odense) -> HousingOrganisation:
    return HousingOrganisationFactory(
        name="Beta Boligforening",
        address_line="Betavej 2",
        postal_code="5000",
        city="Odense C",
        email="post@beta-bolig.example.com",
    )


@pytest.fixture
def department_a(org_a, kommune_aarhus) -> Department:
    return DepartmentFactory(
        organisation=org_a,
        name="Alfahaven",
        kommune=kommune_aarhus,
        address_line="Alfahaven 2",
        postal_code="8210",
        city="Aarhus V",
    )


@pytest.fixture
def department_b(org_b, kommune_odense) -> Department:
    return DepartmentFactory(
        organisation=org_b,
        name="Betahaven",
        kommune=kommune_odense,
        address_line="Betahaven 4",
        postal_code="5220",
        city="Odense SØ",
    )


# --- Staff personas --------------------------------------------------------------------------


def _user(username: str, first_name: str, last_name: str, **extra):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name, **extra)
    user.set_password(TEST_PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def caseworker_a(org_a):
    user = _user("caseworker_a", "Anne", "Alfa-Sagsbehandler")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.CASEWORKER)
    return user


@pytest.fixture
def caseworker_b(org_b):
    user = _user("caseworker_b", "Bo", "Beta-Sagsbehandler")
    MembershipFactory(user=user, tenant=org_b.tenant, role=Role.CASEWORKER)
    return user


@pytest.fixture
def read_only_a(org_a):
    user = _user("read_only_a", "Rikke", "Alfa-Læser")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.READ_ONLY)
    return user


@pytest.fixture
def kommune_officer(kommune_aarhus):
    user = _user("kommune_officer", "Karen", "Aarhus-Kommune")
    MembershipFactory(user=user, tenant=kommune_aarhus.tenant, role=Role.KOMMUNE_OFFICER)
    return user


@pytest.fixture
def administrator(db):
    return _user("administrator", "Ada", "Administrator", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(request, settings) -> Callable[..., Client]:
    """``client_for(user)``: a test client logged in as ``user``.

    The product speaks Danish by default; a test module that asserts on the English source strings
    sets ``PAGE_LANGUAGE = "en"`` and its clients carry the language cookie."""
    language = getattr(request.module, "PAGE_LANGUAGE", None)

    def make(user) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make


# --- Persons ---------------------------------------------------------------------------------


@pytest.fixture
def person_a(org_a, kommune_aarhus) -> Person:
    return PersonFactory(
        controller=org_a.tenant,
        first_name="Astrid",
        last_name="Alfasen",
        cpr="0101901234",
        address_line="Alfavej 10, 2. th.",
        postal_code="8000",
        city="Aarhus C",
        kommune=kommune_aarhus,
    )


@pytest.fixture
def person_b(org_b, kommune_odense) -> Person:
    return PersonFactory(
        controller=org_b.tenant,
        first_name="Bent",
        last_name="Betasen",
        cpr="0202851234",
        address_line="Betavej 20",
        postal_code="5000",
        city="Odense C",
        kommune=kommune_odense,
    )


# --- The audit invariant ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _every_history_row_has_user_and_reason(request):
    """After every database test: no history row without an acting user and a reason.

    This holds the whole code base to the audit rule, not only the tests written for it: a
    service, view, admin action, command or fixture that saves without user and reason fails
    whichever test happens to exercise it.
    """
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or "db" in request.fixturenames
    transactional = (
        bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames
    )
    if transactional or "live_server" in request.fixturenames:
        _restore_reference_data(request)
        yield
        return
    if not uses_db:
        yield
        return
    request.getfixturevalue("db")  # set up inside this fixture, so the check runs before rollback
    yield
    from django.apps import apps
    from django.db.models import Q

    offenders = []
    for model in apps.get_models():
        if not model.__name__.startswith("Historical") or not hasattr(model, "history_change_reason"):
            continue
        bad = model.objects.filter(
            Q(history_user__isnull=True) | Q(history_change_reason__isnull=True) | Q(history_change_reason="")
        )
        offenders += [f"{model.__name__} #{row.pk} ({row.history_type})" for row in bad[:5]]
    assert not offenders, f"history rows without user or reason: {offenders}"


# --- Celery ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in-process in tests, whatever REDIS_URL says; tests/system/test_worker.py switches
    this off to prove the real worker path on Redis."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _restore_reference_data(request) -> None:
    """Transactional tests flush the database afterwards, taking the data the migrations loaded
    (kommuner, letter templates, schedules) with it; load it again, as the migrations do."""
    from importlib import import_module

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    import_module("housing.migrations.0002_load_kommuner").load(apps, None)
    import_module("housing.migrations.0011_seed_listed_benefits").seed(apps, None)
    import_module("housing.migrations.0017_exports_purge_schedule").seed(apps, None)
    import_module("letters.migrations.0002_seed_templates_and_schedules").seed(apps, None)
    import_module("letters.migrations.0003_fee_letters_name_the_fee").add_version(apps, None)
    import_module("waitinglists.migrations.0003_fee_cycle_schedules").seed(apps, None)
    import_module("waitinglists.migrations.0013_queue_schedules").seed(apps, None)
    import_module("allocation.migrations.0003_letting_letters_and_schedules").seed(apps, None)
    import_module("eldercare.migrations.0003_elder_letters_and_schedule").seed(apps, None)
    import_module("eldercare.migrations.0005_specific_list_letters_and_jobs").seed(apps, None)
    import_module("eldercare.migrations.0008_general_list_left_letter").seed(apps, None)
    import_module("letters.migrations.0009_seed_complaint_guidance_and_letter_versions").seed(apps, None)
    import_module("approvals.migrations.0002_approval_letter_templates").seed(apps, None)
    import_module("rejections.migrations.0002_rejection_letter_templates").seed(apps, None)


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _chromium():
    """Debian's Chromium through Playwright (never `playwright install`), one per test module."""
    from tests.browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def browser(_chromium):
    """The browser for one test; the test fails if any page broke the Content-Security-Policy
    (a blocked inline script or style is a feature silently missing for the user)."""
    from tests.browser_support import CspWatchingBrowser

    watching = CspWatchingBrowser(_chromium)
    yield watching
    if watching.violations:
        pytest.fail(f"Content-Security-Policy violations: {watching.violations}", pytrace=False)


# --- Order: the long tests first within pytest-django's groups ---------------------------------
#
# pytest-django runs the plain database tests, then the transactional ones (which flush), then the
# rest; `make test` hands them out in that order to its workers (pytest-xdist, --dist load). Inside
# each group the longest tests go first, so they run beside the short ones instead of finishing
# alone on one worker while the other waits. Durations as measured in a full run on this machine.
LONG_FIRST = (
    "tests/system/test_hostile_walk.py::",  # ~120 s
    "tests/system/test_embedded_mode.py::",  # ~110 s (migrates a SQLite file)
    "tests/system/test_worker.py::test_killing",  # ~80 s
    "tests/allocation/services/test_ranking_db.py::test_the_database_ranking_is_the_pure_ranking",  # ~110 s
    "tests/browser/test_role_days.py::",  # ~60 s
    "tests/allocation/services/test_ranking_count.py::",  # ~40 s
    "tests/browser/test_compact_lists.py::",  # ~30 s
    "tests/allocation/services/test_ranking_db.py::test_the_world_exercises",  # ~28 s
    "tests/system/test_danish_pages.py::",  # ~27 s
    "tests/system/test_tenant_walk.py::",  # ~35 s
    "tests/system/test_permission_matrix.py::",  # ~22 s
)


def _django_group(item) -> int:
    """pytest-django's own grouping (plugin.get_order_number): 0 plain db, 1 transactional, 2 none."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = (
        bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )
    if transactional:
        return 1
    return 0 if marker is not None or "db" in fixtures else 2


def _long_rank(item) -> int:
    for rank, prefix in enumerate(LONG_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(LONG_FIRST)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: (_django_group(item), _long_rank(item)))
