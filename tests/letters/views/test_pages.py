"""The letters pages: outbox, one letter (PDF, resend, history), correspondence tab, print batches,
the Kørsler page (job runs with live progress) and the letters admin."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from housing.audit import audited_save
from housing.models import AccessKind, AccessPurpose, PersonalDataAccess
from letters import services
from letters.models import Channel, JobRun, Letter, LetterState, LetterTemplate, PrintBatch
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"
    # `make test` sets REDIS_URL; these tests run every task in-process.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path


def _english(client):
    """Our source strings are English; the Danish translations are added later."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _letter(actor, org, person, key: str = "t-1", kind: str = "general", text: str = "Hej") -> Letter:
    return services.letter_create(
        actor=actor,
        reason="Test",
        sender=org.tenant,
        recipient=person,
        kind=kind,
        context={"text": text},
        idempotency_key=key,
        dispatch=False,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def letter_a(caseworker_a, org_a, person_a) -> Letter:
    return _letter(caseworker_a, org_a, person_a)


# --- Pages render ----------------------------------------------------------------------------


def test_templates_exist_for_every_kind_after_migrations():
    from letters.models import LetterKind

    assert set(LetterTemplate.objects.values_list("kind", flat=True)) >= set(LetterKind.values)


def test_pages_render_for_the_caseworker(caseworker_a, client_for, letter_a, person_a):
    client = client_for(caseworker_a)
    for url in (
        "/breve/",
        f"/breve/{letter_a.pk}/",
        f"/breve/{letter_a.pk}/historik/",
        f"/personer/{person_a.pk}/korrespondance/",
        f"/personer/{person_a.pk}/",
        "/udskrift/",
        "/koersler/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    outbox = client.get("/breve/").content.decode()
    assert letter_a.subject in outbox
    assert f'href="/personer/{person_a.pk}/"' in outbox  # recipient links to the person
    assert 'class="badge' in outbox  # the state as a DKFDS badge
    assert 'aria-current="page"' in outbox
    detail = client.get(f"/breve/{letter_a.pk}/").content.decode()
    assert letter_a.channel_reason in detail
    assert f"v{letter_a.template.version}" in detail
    assert f'data="/breve/{letter_a.pk}/pdf/"' in detail and "title=" in detail
    assert 'id="resend-form"' in detail
    history = client.get(f"/breve/{letter_a.pk}/historik/").content.decode()
    assert "Test" in history  # the reason the letter was created with
    tab = client.get(f"/personer/{person_a.pk}/korrespondance/").content.decode()
    assert letter_a.subject in tab
    # The person page shows the Korrespondance tab, linking here.
    assert (
        f"/personer/{person_a.pk}/korrespondance/" in client.get(f"/personer/{person_a.pk}/").content.decode()
    )


def test_a_letter_of_another_tenant_is_not_found_and_not_logged(caseworker_b, client_for, letter_a):
    client = client_for(caseworker_b)
    for url in (f"/breve/{letter_a.pk}/", f"/breve/{letter_a.pk}/pdf/", f"/breve/{letter_a.pk}/historik/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/breve/{letter_a.pk}/gensend/", {"change_reason": "x"}).status_code == 404
    assert letter_a.recipient_name not in client.get("/breve/").content.decode()
    assert PersonalDataAccess.objects.count() == 0
    assert Letter.objects.count() == 1


# --- Outbox filters, sorting and query count -------------------------------------------------


def test_outbox_filters(caseworker_a, client_for, org_a, person_a):
    general = _letter(caseworker_a, org_a, person_a, key="g")
    offer = _letter(caseworker_a, org_a, person_a, key="o", kind="offer")
    client = client_for(caseworker_a)

    def shown(**params) -> set[int]:
        response = client.get("/breve/", params)
        assert response.status_code == 200
        body = response.content.decode()
        return {letter.pk for letter in (general, offer) if f'href="/breve/{letter.pk}/"' in body}

    assert shown() == {general.pk, offer.pk}
    assert shown(kind="offer") == {offer.pk}
    assert shown(state="queued", channel="physical") == {general.pk, offer.pk}
    assert shown(state="delivered") == set()
    assert shown(channel="digital_post") == set()
    assert shown(sender=org_a.tenant_id) == {general.pk, offer.pk}
    today = datetime.date.today()
    assert shown(created_from=(today + datetime.timedelta(days=2)).isoformat()) == set()
    assert shown(created_to=(today - datetime.timedelta(days=2)).isoformat()) == set()
    assert shown(created_from=(today - datetime.timedelta(days=2)).isoformat()) == {general.pk, offer.pk}
    # Newest first by default; sortable by the columns.
    body = client.get("/breve/").content.decode()
    assert body.index(f'href="/breve/{offer.pk}/"') < body.index(f'href="/breve/{general.pk}/"')
    body = client.get("/breve/", {"ordering": "created"}).content.decode()
    assert body.index(f'href="/breve/{general.pk}/"') < body.index(f'href="/breve/{offer.pk}/"')
    assert 'aria-sort="ascending"' in body


def test_outbox_junk_filter_input_never_fails(caseworker_a, client_for, letter_a, org_b):
    client = client_for(caseworker_a)
    for params in (
        {"state": "nonsense"},
        {"channel": "<script>alert(1)</script>"},
        {"kind": "x" * 500},
        {"sender": "abc"},
        {"sender": "999999999"},
        {"sender": org_b.tenant_id},  # another organisation's sender is not a choice
        {"created_from": "2026-13-45"},
        {"created_to": "i går"},
        {"ordering": "password"},
        {"ordering": "-created,recipient,nonsense"},
        {"page": "-1"},
        {"page": "9999"},
        {"page": "abc"},
    ):
        response = client.get("/breve/", params)
        assert response.status_code == 200, params
        assert b"<script>alert(1)" not in response.content


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/breve/", "/breve/?ordering=-recipient&channel=physical&state=queued", "/udskrift/", "/koersler/"],
)
def test_list_pages_cost_the_same_queries_at_10_and_200_rows(url, caseworker_a, client_for, org_a):
    client = client_for(caseworker_a)
    persons = PersonFactory.create_batch(5, controller=org_a.tenant)

    def grow(start: int, stop: int) -> None:
        for index in range(start, stop):
            if url.startswith("/breve/"):
                _letter(caseworker_a, org_a, persons[index % 5], key=f"q-{index}")
            elif url == "/udskrift/":
                posted = PrintBatch(
                    controller=org_a.tenant, state="posted", posted_by=caseworker_a, letter_count=index
                )
                audited_save(posted, actor=caseworker_a, reason="Test")
            else:
                JobRun.objects.create(
                    job="letters.dispatch",
                    trigger="manual",
                    triggered_by=caseworker_a,
                    total=10,
                    done=index % 10,
                )

    grow(0, 10)
    small = _queries(client, url)
    grow(10, 200)
    large = _queries(client, url)
    assert small == large, f"{url}: {small} queries at 10 rows, {large} at 200"


def test_person_correspondence_costs_fixed_queries(caseworker_a, client_for, org_a, person_a):
    client = client_for(caseworker_a)
    for index in range(5):
        _letter(caseworker_a, org_a, person_a, key=f"c-{index}")
    small = _queries(client, f"/personer/{person_a.pk}/korrespondance/")
    for index in range(5, 60):
        _letter(caseworker_a, org_a, person_a, key=f"c-{index}")
    assert _queries(client, f"/personer/{person_a.pk}/korrespondance/") == small


# --- PDF -------------------------------------------------------------------------------------


def test_the_pdf_is_served_inline_and_every_read_is_logged(caseworker_a, client_for, letter_a, person_a):
    client = client_for(caseworker_a)
    response = client.get(f"/breve/{letter_a.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="brev-{letter_a.pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # shown in the letter page's preview
    (access,) = PersonalDataAccess.objects.all()
    assert (access.user, access.person, access.kind, access.purpose, access.detail) == (
        caseworker_a,
        person_a,
        AccessKind.SENSITIVE_READ,
        AccessPurpose.CASE_HANDLING,
        f"letter {letter_a.pk}",
    )
    client.get(f"/breve/{letter_a.pk}/pdf/")
    assert PersonalDataAccess.objects.count() == 2  # every time


# --- Resend ----------------------------------------------------------------------------------


def test_resend_creates_exactly_one_new_letter_with_history(caseworker_a, client_for, letter_a):
    client = _english(client_for(caseworker_a))
    response = client.post(f"/breve/{letter_a.pk}/gensend/", {"change_reason": "Brev kom retur"})
    assert response.status_code == 302
    resent = Letter.objects.exclude(pk=letter_a.pk).get()
    assert response["Location"] == f"/breve/{resent.pk}/"
    assert resent.resend_of == letter_a
    assert (resent.kind, resent.recipient_id, resent.body_html) == (
        letter_a.kind,
        letter_a.recipient_id,
        letter_a.body_html,
    )
    assert resent.history.count() >= 1
    for record in resent.history.all():
        assert (record.history_user, record.history_change_reason) == (caseworker_a, "Brev kom retur")
    assert any("sent again" in message for message in _messages(response))
    # Both letters link to each other.
    assert f'href="/breve/{resent.pk}/"' in client.get(f"/breve/{letter_a.pk}/").content.decode()
    assert f'href="/breve/{letter_a.pk}/"' in client.get(f"/breve/{resent.pk}/").content.decode()
    # A second resend is a second new letter, not the same one again.
    client.post(f"/breve/{letter_a.pk}/gensend/", {"change_reason": "Igen"})
    assert Letter.objects.filter(resend_of=letter_a).count() == 2


def test_resend_without_reason_is_refused_with_the_field_error(caseworker_a, client_for, letter_a):
    client = _english(client_for(caseworker_a))
    response = client.post(f"/breve/{letter_a.pk}/gensend/", {"change_reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_change_reason_error"' in body
    assert "This field is required." in body
    assert Letter.objects.count() == 1
    assert client.get(f"/breve/{letter_a.pk}/gensend/").status_code == 405


# --- Read-only members -----------------------------------------------------------------------


def test_read_only_member_sees_but_cannot_resend_or_confirm(
    read_only_a, caseworker_a, client_for, letter_a, person_a
):
    (batch,) = services.print_batches_create(actor=caseworker_a)
    client = client_for(read_only_a)
    for url in ("/breve/", f"/breve/{letter_a.pk}/", "/udskrift/", f"/udskrift/{batch.pk}/"):
        assert client.get(url).status_code == 200, url
    assert 'id="resend-form"' not in client.get(f"/breve/{letter_a.pk}/").content.decode()
    batch_page = client.get(f"/udskrift/{batch.pk}/").content.decode()
    assert 'id="confirm-form"' not in batch_page and 'id="batch-pdf"' not in batch_page
    assert client.post(f"/breve/{letter_a.pk}/gensend/", {"change_reason": "x"}).status_code == 403
    assert client.post(f"/udskrift/{batch.pk}/bekraeft/", {"change_reason": "x"}).status_code == 403
    assert client.get(f"/udskrift/{batch.pk}/pdf/").status_code == 403
    assert client.get(f"/udskrift/{batch.pk}/manifest.csv").status_code == 403
    assert Letter.objects.count() == 1
    batch.refresh_from_db()
    assert batch.state == PrintBatch.State.READY


# --- Print batches ---------------------------------------------------------------------------


def test_print_batch_confirm_flow(caseworker_a, caseworker_b, client_for, letter_a, org_a):
    assert letter_a.channel == Channel.PHYSICAL  # person A has not consented to Digital Post
    (batch,) = services.print_batches_create(actor=caseworker_a)
    client = _english(client_for(caseworker_a))
    page = client.get(f"/udskrift/{batch.pk}/").content.decode()
    assert f'href="/breve/{letter_a.pk}/"' in page and 'id="confirm-form"' in page
    pdf = client.get(f"/udskrift/{batch.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    manifest = client.get(f"/udskrift/{batch.pk}/manifest.csv")
    assert manifest.status_code == 200
    assert letter_a.recipient_name in b"".join(manifest.streaming_content).decode("utf-8-sig")
    assert PersonalDataAccess.objects.count() == 0  # batch downloads are not logged per person

    # Another organisation's caseworker does not even find it.
    other = client_for(caseworker_b)
    assert other.get(f"/udskrift/{batch.pk}/").status_code == 404
    assert other.post(f"/udskrift/{batch.pk}/bekraeft/", {"change_reason": "x"}).status_code == 404

    # No reason: the field error, nothing changes.
    response = client.post(f"/udskrift/{batch.pk}/bekraeft/", {"change_reason": ""})
    assert response.status_code == 400
    assert 'id="id_change_reason_error"' in response.content.decode()

    response = client.post(f"/udskrift/{batch.pk}/bekraeft/", {"change_reason": "Afleveret på posthuset"})
    assert response.status_code == 302 and response["Location"] == f"/udskrift/{batch.pk}/"
    batch.refresh_from_db()
    letter_a.refresh_from_db()
    assert (batch.state, batch.posted_by) == (PrintBatch.State.POSTED, caseworker_a)
    assert letter_a.state == LetterState.PRINTED and letter_a.printed_at is not None
    latest = letter_a.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (caseworker_a, "Afleveret på posthuset")
    assert 'id="confirm-form"' not in client.get(f"/udskrift/{batch.pk}/").content.decode()

    # A second confirm is refused with the service's message, not an error page.
    history_rows = batch.history.count() + letter_a.history.count()
    response = client.post(f"/udskrift/{batch.pk}/bekraeft/", {"change_reason": "Igen"}, follow=True)
    assert response.status_code == 200
    assert "already been confirmed" in response.content.decode()
    assert batch.history.count() + letter_a.history.count() == history_rows


# --- Kørsler ---------------------------------------------------------------------------------


def test_job_runs_page_lists_runs_and_the_progress_fragment_stops_polling(
    caseworker_a, administrator, client_for
):
    finished = JobRun.objects.create(
        job="letters.print_batch",
        trigger="manual",
        triggered_by=administrator,
        state=JobRun.State.FAILED,
        total=3,
        done=3,
        counts={"batched": 2},
        errors=["ValueError: the printer is on fire"],
    )
    running = JobRun.objects.create(job="letters.dispatch", trigger="schedule", total=100, done=40)
    unknown_total = JobRun.objects.create(job="letters.dispatch", trigger="event", done=7)
    client = _english(client_for(caseworker_a))
    body = client.get("/koersler/").content.decode()
    assert body.index(f'id="run-{unknown_total.pk}"') < body.index(f'id="run-{finished.pk}"')  # newest first
    assert "Send queued Digital Post letters" in body  # the label from registered_jobs()
    assert f'hx-get="/koersler/{running.pk}/fremdrift/"' in body
    assert f'hx-get="/koersler/{finished.pk}/fremdrift/"' not in body
    assert f'id="progress-{running.pk}"' in body and 'max="100" value="40"' in body
    assert "40 / 100 (40 %)" in body
    assert f'id="progress-{unknown_total.pk}"' in body and 'data-total=""' in body  # indeterminate
    assert "Start now" not in body  # caseworkers do not start jobs
    assert "2 put in a print batch" in body and "batched" not in body

    fragment = client.get(f"/koersler/{running.pk}/fremdrift/").content.decode()
    assert fragment.lstrip().startswith("<tr") and "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment and 'hx-swap="outerHTML"' in fragment
    JobRun.objects.filter(pk=running.pk).update(done=80)
    assert 'value="80"' in client.get(f"/koersler/{running.pk}/fremdrift/").content.decode()
    JobRun.objects.filter(pk=running.pk).update(state=JobRun.State.SUCCEEDED, done=100)
    fragment = client.get(f"/koersler/{running.pk}/fremdrift/").content.decode()
    assert "hx-get" not in fragment and "hx-trigger" not in fragment
    assert f'id="progress-{running.pk}"' not in fragment
    assert 'data-state="succeeded"' in fragment

    detail = client.get(f"/koersler/{finished.pk}/").content.decode()
    # The counters by name, not by their keys ("batched").
    assert "the printer is on fire" in detail and "Put in a print batch" in detail and "batched" not in detail
    assert client.get("/koersler/999999/").status_code == 404
    assert client.get("/koersler/999999/fremdrift/").status_code == 404


def test_administrator_starts_a_job_and_the_run_is_recorded(administrator, client_for, monkeypatch):
    from letters.tasks import run_job_task
    from letters.views import jobs as job_views

    # Whatever the broker, run the task here and now.
    monkeypatch.setattr(job_views.run_job_task, "delay", lambda *a, **kw: run_job_task.apply(a, kw))
    client = _english(client_for(administrator))
    page = client.get("/koersler/").content.decode()
    assert "Start now" in page and 'value="letters.print_batch"' in page
    response = client.post("/koersler/start/", {"job": "letters.print_batch"})
    assert response.status_code == 302 and response["Location"] == "/koersler/"
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.triggered_by, run.state) == (
        "letters.print_batch",
        JobRun.Trigger.MANUAL,
        administrator,
        JobRun.State.SUCCEEDED,
    )
    assert f'id="run-{run.pk}"' in client.get("/koersler/").content.decode()


def test_an_unknown_job_is_refused_with_a_message(administrator, client_for):
    client = _english(client_for(administrator))
    for data in ({"job": "letters.nonsense"}, {}, {"job": "<script>alert(1)</script>"}):
        response = client.post("/koersler/start/", data)
        assert response.status_code == 400
        assert "There is no such job." in response.content.decode()
        assert b"<script>alert(1)" not in response.content
    assert JobRun.objects.count() == 0
    assert client.get("/koersler/start/").status_code == 405


def test_a_caseworker_cannot_start_jobs(caseworker_a, client_for):
    response = client_for(caseworker_a).post("/koersler/start/", {"job": "letters.print_batch"})
    assert response.status_code == 403
    assert JobRun.objects.count() == 0


# --- Admin -----------------------------------------------------------------------------------


def test_saving_a_template_in_the_admin_makes_a_new_version(administrator, client_for, letter_a):
    client = client_for(administrator)
    old = LetterTemplate.objects.filter(kind="general").order_by("-version").first()
    old_subject, old_body = old.subject, old.body
    url = f"/admin/letters/lettertemplate/{old.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.get("/admin/letters/lettertemplate/").status_code == 200

    # A template syntax error is shown on the form, not as an error page.
    response = client.post(url, {"subject": "{% if %}", "body": "x", "change_reason": "Test"})
    assert response.status_code == 200
    assert LetterTemplate.objects.filter(kind="general").count() == 1

    response = client.post(
        url, {"subject": "Nyt emne", "body": "<p>Ny tekst {{ text }}</p>", "change_reason": "Ny formulering"}
    )
    assert response.status_code == 302
    new = LetterTemplate.objects.filter(kind="general").order_by("-version").first()
    assert new.pk != old.pk and new.version == old.version + 1
    assert response["Location"] == f"/admin/letters/lettertemplate/{new.pk}/change/"
    assert (new.subject, new.created_by, new.note) == ("Nyt emne", administrator, "Ny formulering")
    old.refresh_from_db()
    assert (old.subject, old.body) == (old_subject, old_body)  # the old version is untouched
    latest = new.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (administrator, "Ny formulering")
    # The letter keeps the version it was rendered from; new letters use the new one.
    letter_a.refresh_from_db()
    assert letter_a.template_id == old.pk
    # Saving the old version again makes yet another version; nothing is ever deleted.
    client.post(url, {"subject": old_subject, "body": old_body, "change_reason": "Tilbage"})
    assert LetterTemplate.objects.filter(kind="general").count() == 3
    assert client.post(f"/admin/letters/lettertemplate/{old.pk}/delete/", {"post": "yes"}).status_code == 403
    # Adding goes through the service too: the next version of that kind.
    before = LetterTemplate.objects.filter(kind="offer").order_by("-version").first().version
    response = client.post(
        "/admin/letters/lettertemplate/add/",
        {"kind": "offer", "subject": "Tilbud", "body": "<p>Tilbud</p>", "change_reason": "Ny skabelon"},
    )
    assert response.status_code == 302
    newest = LetterTemplate.objects.filter(kind="offer").order_by("-version").first()
    assert (newest.subject, newest.version, newest.note) == ("Tilbud", before + 1, "Ny skabelon")


def test_job_runs_are_read_only_in_the_admin_and_letters_are_not_there(administrator, client_for):
    run = JobRun.objects.create(job="letters.dispatch", trigger="schedule")
    client = client_for(administrator)
    assert client.get("/admin/letters/jobrun/").status_code == 200
    assert client.get(f"/admin/letters/jobrun/{run.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/letters/jobrun/add/").status_code == 403
    assert client.post(f"/admin/letters/jobrun/{run.pk}/change/", {"job": "x"}).status_code == 403
    for model in ("letter", "deliveryevent", "printbatch"):
        assert client.get(f"/admin/letters/{model}/").status_code == 404, model


def test_person_with_digital_post_consent_gets_digital_letters_in_the_outbox(
    caseworker_a, client_for, org_a, person_a
):
    org_a.digital_post_connected_from = datetime.date(2022, 3, 1)
    audited_save(org_a, actor=caseworker_a, reason="Tilsluttet")
    person_a.digital_post_consent_date = datetime.date(2024, 1, 1)
    person_a.digital_post_consent_method = "form"
    audited_save(person_a, actor=caseworker_a, reason="Samtykke")
    letter = _letter(caseworker_a, org_a, person_a, key="dp")
    assert letter.channel == Channel.DIGITAL_POST
    body = client_for(caseworker_a).get("/breve/", {"channel": "digital_post"}).content.decode()
    assert f'href="/breve/{letter.pk}/"' in body


# --- CSV formula injection ------------------------------------------------

FORMULA_NAMES = ('=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2+3", "\t=1")


def test_print_batch_manifest_neutralises_names_a_spreadsheet_would_run(
    caseworker_a, client_for, org_a, kommune_aarhus
):
    """A recipient's name or address that starts like a formula is written with a quote in front
    (OWASP), so the print room's spreadsheet shows it as text instead of running it."""
    import csv
    import io

    for index, name in enumerate(FORMULA_NAMES):
        person = PersonFactory(
            controller=org_a.tenant,
            kommune=kommune_aarhus,
            first_name=name,
            last_name="Hansen",
            address_line=name,
            postal_code="8000",
            city="Aarhus C",
        )
        _letter(caseworker_a, org_a, person, key=f"formula-{index}")
    (batch,) = services.print_batches_create(actor=caseworker_a)
    response = client_for(caseworker_a).get(f"/udskrift/{batch.pk}/manifest.csv")
    assert response.status_code == 200
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert header[:4] == ["letter", "uuid", "recipient", "address"]
    # full_name strips surrounding white space, so the tab-led name arrives as "=1 Hansen".
    assert sorted(row[2] for row in rows) == sorted("'" + f"{name} Hansen".strip() for name in FORMULA_NAMES)
    assert sorted(row[3] for row in rows) == sorted(f"'{name}, 8000 Aarhus C" for name in FORMULA_NAMES)
    assert all(row[5].isdigit() and row[6].isdigit() for row in rows)  # numbers stay numbers
