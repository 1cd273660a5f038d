"""The list page's CSV export as the user meets it: a POST that streams a small result straight
back, or starts an export job (run here by Celery in eager mode) and sends the user to its page —
a progress bar refreshing itself, then the file with its row count and size. Only the user who
asked sees the job or fetches the file, and fetching it is logged per person.

The assertions read the English source strings (the Danish ones are in locale/fragments)."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from housing.models import AccessKind, ExportJob, ExportState, PersonalDataAccess, Role
from tests.factories import MembershipFactory, PersonFactory, UserFactory
from tests.waitinglists.views.test_pages import _register
from waitinglists.exports import ENTRY_EXPORT

pytestmark = pytest.mark.django_db


PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def applicants(caseworker_a, waiting_list, org_a, kommune_aarhus):
    entries = []
    for i, last in enumerate(["Alfasen", "Betasen", "Gammasen", "Deltasen"]):
        person = PersonFactory(
            controller=org_a.tenant, kommune=kommune_aarhus, first_name="Anna", last_name=last
        )
        entries.append(_register(caseworker_a, waiting_list, person, on=datetime.date(2015, 1, 1 + i)))
    return entries


def _export_url(waiting_list, query: str = "") -> str:
    return f"/ventelister/{waiting_list.pk}/eksport.csv" + (f"?{query}" if query else "")


def test_the_list_page_posts_its_search_to_the_export(caseworker_a, client_for, waiting_list, applicants):
    body = (
        client_for(caseworker_a)
        .get(f"/ventelister/{waiting_list.pk}/", {"q": "Anna", "page": "1", "ordering": "name"})
        .content.decode()
    )
    form = re.search(r'<form method="post" action="([^"]+)" id="export-form">', body)
    assert form, "the export is a POST form"
    assert form.group(1) == _export_url(waiting_list, "q=Anna")  # the search, not the paging or sorting
    assert 'name="submission_key"' in body[form.end() : form.end() + 500]


def test_a_small_result_is_streamed_back_and_logged_per_person(
    caseworker_a,
    client_for,
    waiting_list,
    applicants,
):
    response = client_for(caseworker_a).post(_export_url(waiting_list, "q=Betasen"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="venteliste-')
    assert response["Cache-Control"] == "private, no-store"
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert [row[2] for row in rows[1:]] == ["Anna Betasen"]
    (logged,) = PersonalDataAccess.objects.filter(kind=AccessKind.EXPORT)
    assert (logged.person, logged.user) == (applicants[1].person, caseworker_a)
    assert not ExportJob.objects.exists()


def test_a_large_result_becomes_a_job_with_a_page_and_a_file(
    caseworker_a,
    client_for,
    waiting_list,
    applicants,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EXPORT_INLINE_MAX_ROWS = 3  # four rows: a job
    client = client_for(caseworker_a)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (Celery eager) on commit
        response = client.post(_export_url(waiting_list, "q=Anna"))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/eksporter/{job.pk}/"
    assert (job.kind, job.requested_by, job.tenant_id) == (
        ENTRY_EXPORT,
        caseworker_a,
        waiting_list.controller_id,
    )
    assert job.state == ExportState.DONE and job.rows_written == 4
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page and "hx-trigger" not in page and "refresh" not in page.lower()
    assert "The file is ready: 4 rows" in page
    assert f'href="/eksporter/{job.pk}/hent/"' in page
    assert f"/ventelister/{waiting_list.pk}/?q=Anna" in page  # back to the same search
    assert not PersonalDataAccess.objects.exists()  # nothing read yet
    download = client.get(f"/eksporter/{job.pk}/hent/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert download["Cache-Control"] == "private, no-store"
    data = b"".join(download.streaming_content)
    assert len(data) == job.size and data.startswith("\ufeff".encode())
    assert set(PersonalDataAccess.objects.values_list("person_id", flat=True)) == {
        e.person_id for e in applicants
    }


def test_a_repeated_start_goes_to_the_same_job(caseworker_a, client_for, waiting_list, applicants, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    client = client_for(caseworker_a)
    # Without the commit the job stays queued, as when the worker has not taken it yet.
    first = client.post(_export_url(waiting_list, "status=active"))
    second = client.post(_export_url(waiting_list, "status=active&ordering=name"))
    assert first["Location"] == second["Location"]
    assert ExportJob.objects.count() == 1


def _job(user, waiting_list, **fields) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user,
        tenant_id=waiting_list.controller_id,
        kind=ENTRY_EXPORT,
        parameters={"waiting_list": waiting_list.pk, "filters": ""},
        parameters_key=str(fields.pop("key", "k")),
        **fields,
    )


def test_the_page_shows_the_progress_and_refreshes_itself(caseworker_a, client_for, waiting_list):
    client = client_for(caseworker_a)
    queued = _job(caseworker_a, waiting_list, key=1)
    body = client.get(f"/eksporter/{queued.pk}/").content.decode()
    assert 'data-state="queued"' in body and "waiting to start" in body
    assert '<progress class="app-progress" id="export-progress" aria' in body  # no value: indeterminate
    running = _job(
        caseworker_a,
        waiting_list,
        key=2,
        state=ExportState.RUNNING,
        rows_written=1200,
        rows_total=224000,
        heartbeat_at=timezone.now(),
    )
    body = client.get(f"/eksporter/{running.pk}/").content.decode()
    assert re.search(r'<progress[^>]*max="224000" value="1200"', body)
    assert "1200 of 224000 rows" in body
    # htmx refreshes the summary every 2 s; without JavaScript the page refreshes itself, and
    # there is a link to refresh by hand.
    assert 'hx-trigger="every 2s"' in body and f'hx-get="/eksporter/{running.pk}/"' in body
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    assert f'<a href="/eksporter/{running.pk}/" id="export-refresh">' in body


def test_a_failed_or_stopped_job_says_so_in_words(caseworker_a, client_for, waiting_list):
    client = client_for(caseworker_a)
    failed = _job(caseworker_a, waiting_list, key=1, state=ExportState.FAILED, error="OperationalError: boom")
    body = client.get(f"/eksporter/{failed.pk}/").content.decode()
    assert 'role="alert"' in body and "The export failed" in body and "OperationalError" not in body
    assert "hx-trigger" not in body
    stopped = _job(
        caseworker_a,
        waiting_list,
        key=2,
        state=ExportState.RUNNING,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    assert "The export failed" in client.get(f"/eksporter/{stopped.pk}/").content.decode()
    stopped.refresh_from_db()
    assert stopped.state == ExportState.FAILED
    assert client.get(f"/eksporter/{stopped.pk}/hent/").status_code == 404


def test_only_the_asker_sees_the_job_and_fetches_the_file(
    caseworker_a,
    caseworker_b,
    client_for,
    waiting_list,
    applicants,
    org_a,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client_for(caseworker_a).post(_export_url(waiting_list))
    job = ExportJob.objects.get()
    colleague = UserFactory(username="colleague-a")
    MembershipFactory(user=colleague, tenant=org_a.tenant, role=Role.CASEWORKER)
    for user in (colleague, caseworker_b):
        client = client_for(user)
        assert client.get(f"/eksporter/{job.pk}/").status_code == 404
        assert client.get(f"/eksporter/{job.pk}/hent/").status_code == 404
    # The asker lost write rights on the list's controller: the page stays, the file does not.
    caseworker_a.memberships.update(role=Role.READ_ONLY)
    client = client_for(caseworker_a)
    assert client.get(f"/eksporter/{job.pk}/").status_code == 200
    assert client.get(f"/eksporter/{job.pk}/hent/").status_code == 403
    assert not PersonalDataAccess.objects.exists()
