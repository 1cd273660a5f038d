"""The OpenAPI schema is exact. Schemathesis generates requests from the schema
(valid and invalid ones) and runs all its checks on the answers: no 5xx, every status and body as
documented, invalid input refused. It runs against the WSGI application as a signed-in caseworker,
on a bounded budget (a few dozen examples), and the API's errors are JSON."""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from tests.allocation.services.test_ranking_db import vacancy_for
from tests.conftest import MODEL_BACKEND
from tests.factories import DepartmentFactory, DwellingFactory, aarhus
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ListKind

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25


@pytest.fixture
def wsgi_app():
    """Django's WSGI application inside the test's transaction: the request signals would close
    the database connection after each request, as Django's own test client also prevents."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, settings):
    settings.ALLOWED_HOSTS = ["*"]
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = wsgi_app
    return schema


@pytest.fixture
def caseworker_session(caseworker_a, org_a):
    """A caseworker signed in, and a vacancy of her organisation with three candidates, so the
    ids the examples hit include one that answers 200."""
    department = DepartmentFactory(organisation=org_a, kommune=aarhus())
    general = WaitingListFactory(controller=org_a.tenant, kind=ListKind.GENERAL)
    for n in range(3):
        EntryFactory(waiting_list=general, seniority_date=datetime.date(2001 + n, 1, 1))
    vacancy = vacancy_for(DwellingFactory(department=department))
    client = Client()
    client.force_login(caseworker_a, backend=MODEL_BACKEND)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}, vacancy


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_schema_says(api_schema, caseworker_session, mode):
    cookies, vacancy = caseworker_session
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/vacancies/{id}/ranking/"}
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            if mode == GenerationMode.POSITIVE and case.path_parameters and statuses.count(200) == 0:
                case.path_parameters = {**case.path_parameters, "id": vacancy.pk}
            response = case.call_and_validate(cookies=cookies)
            statuses.append(response.status_code)

        run()
    assert all(code < 500 for code in statuses), statuses
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses


@pytest.mark.parametrize(
    "path", ["/api/v1/vacancies/abc/ranking/", "/api/v1/vacancies/-1/ranking/", "/api/v1/x/"]
)
def test_a_malformed_id_or_an_unknown_api_path_answers_json_404(caseworker_a, client_for, path):
    response = client_for(caseworker_a).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert "abc" not in response.content.decode()


def test_the_schema_has_only_the_parameters_of_the_path_and_the_bounds_of_limit(caseworker_a, client_for):
    schema = client_for(caseworker_a).get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/vacancies/{id}/ranking/"]["get"]["parameters"]
    assert {(p["in"], p["name"]) for p in parameters} == {("path", "id"), ("query", "limit")}
    (limit,) = [p for p in parameters if p["name"] == "limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)
