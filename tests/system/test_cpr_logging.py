"""No CPR number in a log line, traceback, URL or error page.

The log assertions read what the handlers configured in settings.LOGGING actually write (their
own filters and formatters), not pytest's caplog: every handler attached anywhere in the process is
pointed at a buffer for the test, and the buffer is searched for anything CPR-shaped.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.servers.basehttp import WSGIRequestHandler
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from housing.cpr import CPR_PATTERN
from housing.logging import RedactCprFilter, RedactCprFormatter

pytestmark = pytest.mark.django_db

CPR = "0101901234"
CPR_DASHED = "010190-1234"
REDACTED = "010190-XXXX"


def _fail_with_cpr(request):
    """A view that fails the way real code does: a CPR typed where a number was expected, re-raised
    with the value in the message (a chained traceback carrying it twice)."""
    value = request.POST.get("number", "") or request.GET.get("number", "")
    try:
        int(value + "x")
    except ValueError as exc:
        raise RuntimeError(f"lookup failed for {value}") from exc
    return HttpResponse("unreachable")


# This module is also the URLconf of the tests marked below: the project's URLs plus the failing view.
urlpatterns = [path("test-fails-with-cpr/", _fail_with_cpr), *project_urlpatterns]


def _process_handlers() -> list[logging.Handler]:
    """Every handler attached to any logger in this process, except pytest's own capturing ones."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    handlers = {id(h): h for logger in loggers for h in logger.handlers}
    return [h for h in handlers.values() if not type(h).__module__.startswith("_pytest")]


@pytest.fixture
def log_output():
    """Points each configured handler at a buffer; returns a function giving all that was written."""
    handlers = [h for h in _process_handlers() if not isinstance(h, logging.NullHandler)]
    assert handlers, "settings.LOGGING configures at least the console handler"
    buffers, previous = [], []
    for handler in handlers:
        # Any other kind of handler (file, syslog, e-mail) must be added to this test.
        assert isinstance(handler, logging.StreamHandler), handler
        buffer = io.StringIO()
        previous.append((handler, handler.setStream(buffer)))
        buffers.append(buffer)
    yield lambda: "".join(buffer.getvalue() for buffer in buffers)
    for handler, stream in previous:
        if stream is not None:
            handler.setStream(stream)


def _cpr_numbers_in(text: str) -> list[str]:
    return [match.group(0) for match in CPR_PATTERN.finditer(text) if not match.group(0).endswith("XXXX")]


def test_every_handler_in_the_process_redacts_with_filter_and_formatter():
    handlers = [h for h in _process_handlers() if not isinstance(h, logging.NullHandler)]
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactCprFilter) for f in handler.filters), handler
        assert isinstance(handler.formatter, RedactCprFormatter), handler
    # Django's default handlers (unfiltered DEBUG console, mail_admins with the POST data) are gone.
    assert logging.getLogger("django").handlers == [] and logging.getLogger("django").propagate
    assert logging.getLogger("django.server").handlers == []


def test_the_filter_redacts_message_arguments_traceback_and_stack():
    try:
        int(CPR_DASHED)
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "lookup %s", (CPR,), exc_info, sinfo=f"Stack (most recent): {CPR}"
    )
    RedactCprFilter().filter(record)
    text = logging.Formatter().format(record)
    assert _cpr_numbers_in(text) == [] and record.exc_info is None
    assert f"lookup {REDACTED}" in text and f"invalid literal for int() with base 10: '{REDACTED}'" in text
    assert record.stack_info.endswith(REDACTED)


def test_a_broken_format_string_is_redacted_not_printed_raw():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "cpr %s %s", (CPR,), None)
    assert RedactCprFilter().filter(record)
    assert _cpr_numbers_in(logging.Formatter().format(record)) == []


@pytest.mark.urls(__name__)
def test_an_exception_in_a_view_carrying_a_cpr_is_logged_redacted(caseworker_a, client_for, log_output):
    client = client_for(caseworker_a)
    client.raise_request_exception = False
    response = client.post("/test-fails-with-cpr/", {"number": CPR_DASHED})
    assert response.status_code == 500
    body = response.content.decode()
    assert _cpr_numbers_in(body) == [] and "test-fails-with-cpr" not in body  # 500.html, no path
    logged = log_output()
    assert "Traceback" in logged and "RuntimeError: lookup failed for " + REDACTED in logged
    assert _cpr_numbers_in(logged) == []


def test_an_admin_action_with_a_cpr_as_id_leaves_no_cpr_in_the_log(administrator, client_for, log_output):
    client = client_for(administrator)
    client.raise_request_exception = False
    for selected in (CPR, CPR_DASHED):
        response = client.post(
            "/admin/housing/department/",
            {"action": "delete_selected", "_selected_action": [selected], "index": "0"},
        )
        assert response.status_code != 200 or selected not in response.content.decode()
        assert _cpr_numbers_in(response.content.decode()) == []
    assert _cpr_numbers_in(log_output()) == []


def test_a_cpr_in_the_request_line_of_the_development_server_log_is_redacted(log_output):
    """runserver logs the raw request line, query string included, before anything decodes it."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    for line in (
        f"GET /personer/?q={CPR} HTTP/1.1",
        "GET /personer/?q=010190+1234 HTTP/1.1",
        "GET /personer/?q=010190%2D1234 HTTP/1.1",
        "GET /personer/?q=010190%201234 HTTP/1.1",
    ):
        handler.log_message('"%s" %s %s', line, "303", "0")
    logged = log_output()
    assert logged.count(f"q={REDACTED}") == 4
    assert _cpr_numbers_in(logged) == []


@pytest.mark.parametrize("query", [CPR, CPR_DASHED, "010190 1234", f"Jensen {CPR}"])
def test_a_cpr_in_the_person_search_get_redirects_without_it(caseworker_a, client_for, log_output, query):
    """The GET form is for name or applicant number; a CPR typed there is not searched (that is
    the CPR field's POST) and not carried on: the redirect URL and the page have no trace of it."""
    client = client_for(caseworker_a)
    response = client.get("/personer/", {"q": query, "page": "1"})
    assert response.status_code == 303
    assert response["Location"] == "/personer/?page=1"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and _cpr_numbers_in(body) == []
    assert 'name="q" id="id_q" value=""' in body  # the name search is shown empty
    (message,) = get_messages(page.wsgi_request)  # one message says why and where to search instead
    assert message.level_tag == "warning" and _cpr_numbers_in(str(message)) == []
    assert _cpr_numbers_in(log_output()) == []


def test_the_search_message_tells_the_user_to_search_again_by_cpr(caseworker_a, client_for):
    client = client_for(caseworker_a)
    client.cookies["django_language"] = "en"
    page = client.get("/personer/", {"q": CPR_DASHED}, follow=True)
    body = page.content.decode()
    assert page.redirect_chain == [("/personer/", 303)]
    assert "A CPR number must not be sent in a web address" in body
    assert "Enter it again in the field “CPR number”" in body
    assert 'id="search-cpr-submit"' in body and _cpr_numbers_in(body) == []


def test_a_cpr_in_any_other_query_is_dropped_and_other_filters_kept(caseworker_a, client_for):
    response = client_for(caseworker_a).get("/breve/", {"q": CPR, "channel": "physical"})
    assert response.status_code == 303 and response["Location"] == "/breve/?channel=physical"


def test_an_anonymous_get_with_a_cpr_is_not_copied_into_the_login_next(client):
    response = client.get("/personer/", {"q": CPR_DASHED})
    assert response.status_code == 303 and response["Location"] == "/personer/"
    login = client.get("/personer/")
    assert login.status_code == 302 and _cpr_numbers_in(login["Location"]) == []


def test_a_post_or_an_api_call_with_a_cpr_in_the_query_is_refused(caseworker_a, client_for):
    client = client_for(caseworker_a)
    response = client.post(f"/personer/?q={CPR}", {})
    body = response.content.decode()
    assert response.status_code == 400 and "Forespørgslen kunne ikke behandles" in body  # 400.html
    assert _cpr_numbers_in(body) == [] and "/personer/" not in body  # no path on the error page
    api = client.get("/api/v1/vacancies/1/ranking/", {"q": CPR_DASHED})
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert _cpr_numbers_in(api.content.decode()) == []


def test_letter_uuids_in_a_query_are_not_taken_for_cpr_numbers(caseworker_a, client_for):
    response = client_for(caseworker_a).get("/breve/", {"q": "1a123456-1234-4abc-8def-0123456789ab"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", [f"/personer/{CPR}/", f"/personer/{CPR_DASHED}/", f"/ukendt/{CPR}/"])
def test_the_404_page_shows_no_path(caseworker_a, client_for, log_output, url):
    response = client_for(caseworker_a).get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert _cpr_numbers_in(body) == [] and url not in body
    assert 'name="next" value="/"' in body  # the language switch returns to the dashboard
    assert _cpr_numbers_in(log_output()) == []


def test_a_cpr_shaped_path_is_404_even_before_login(client):
    response = client.get(f"/personer/{CPR}/")
    assert response.status_code == 404 and _cpr_numbers_in(response.content.decode()) == []


def test_the_403_page_shows_no_path(read_only_a, client_for, org_a):
    response = client_for(read_only_a).get("/personer/ny/", {"from": "x"})
    assert response.status_code == 403
    assert 'name="next" value="/"' in response.content.decode()
    assert "/personer/ny/" not in response.content.decode()


def test_a_failing_celery_task_is_logged_redacted_by_the_worker_logging():
    """In a fresh process set up the way a worker sets up logging (Celery's setup_logging_subsystem),
    a task failing with a CPR in its argument and exception is logged redacted."""
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from config.celery import app
        app.log.setup_logging_subsystem(loglevel="INFO")

        @app.task(name="tests.fails_with_cpr")
        def fails_with_cpr(number):
            int(number + "x")

        fails_with_cpr.apply(args=["{CPR_DASHED}"], throw=False)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" in output and REDACTED in output and "celery.app.trace" in output
    assert _cpr_numbers_in(output) == []
