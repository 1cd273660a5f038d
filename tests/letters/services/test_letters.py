"""Letters end to end in one process: creation, dispatch, the delivery record, print batches, jobs."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from housing.audit import audited_save, system_user
from letters import services
from letters.models import Channel, DeliveryEvent, JobRun, Letter, LetterState, PrintBatch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path


@pytest.fixture
def digital_person(org_a, person_a, caseworker_a):
    """Org A connected to Digital Post, person A has consented."""
    org_a.digital_post_connected_from = datetime.date(2022, 3, 1)
    audited_save(org_a, actor=caseworker_a, reason="Tilsluttet")
    person_a.digital_post_consent_date = datetime.date(2024, 1, 1)
    person_a.digital_post_consent_method = "form"
    audited_save(person_a, actor=caseworker_a, reason="Samtykke")
    return person_a


def _letter(actor, org, person, key="key-1", kind="general", **kw):
    return services.letter_create(
        actor=actor,
        reason="Test",
        sender=org.tenant,
        recipient=person,
        kind=kind,
        context={"subject": "Om din bolig", "text": "Hej"},
        idempotency_key=key,
        dispatch=False,
        **kw,
    )


def test_the_same_letter_cannot_be_created_twice(caseworker_a, org_a, person_a):
    first = _letter(caseworker_a, org_a, person_a)
    second = _letter(caseworker_a, org_a, person_a)
    assert first.pk == second.pk
    assert Letter.objects.count() == 1
    assert first.history.count() == 1
    assert first.template.version == 1  # the version used is kept on the letter


@pytest.mark.rule("DP3")
def test_dispatch_sends_by_digital_post_and_keeps_the_record(caseworker_a, org_a, digital_person, _files):
    letter = _letter(caseworker_a, org_a, digital_person)
    assert letter.channel == Channel.DIGITAL_POST
    result = services.letters_dispatch()
    assert (result.sent, result.failed) == (1, 0)
    letter.refresh_from_db()
    assert letter.state == LetterState.DELIVERED
    assert letter.sent_at and letter.delivered_at and letter.pdf and letter.pdf_pages == 1
    outbox = list((_files / "outbox").glob("*.xml"))
    assert [path.name for path in outbox] == [f"{letter.uuid}.xml"]
    assert letter.transport_reference.endswith(f"{letter.uuid}.xml")
    states = list(letter.events.values_list("state", flat=True))
    assert states == ["queued", "sent", "delivered"]
    latest = letter.history.latest()
    assert latest.history_user == system_user() and latest.history_change_reason
    # Running the job again finds nothing to do and sends nothing twice.
    assert services.letters_dispatch().sent == 0
    assert len(list((_files / "outbox").glob("*.xml"))) == 1


def test_a_dead_runs_claim_is_taken_over_and_its_late_report_ignored(caseworker_a, org_a, digital_person):
    letter = _letter(caseworker_a, org_a, digital_person)
    dead = uuid.uuid4()
    Letter.objects.filter(pk=letter.pk).update(
        claim_token=dead, claimed_until=timezone.now() + datetime.timedelta(seconds=60)
    )
    assert services.letters_dispatch().sent == 0  # the claim is still valid: hands off
    Letter.objects.filter(pk=letter.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert services.letters_dispatch().sent == 1  # the lease ran out: taken over
    # The dead run wakes up and reports: nothing is recorded twice.
    assert services._record_outcomes(
        [services._Outcome(letter, 1, "x", LetterState.SENT)], token=dead, actor=system_user()
    ) == (0, 0)
    assert DeliveryEvent.objects.filter(letter=letter, state=LetterState.SENT).count() == 1


@pytest.mark.rule("DP1")
def test_email_notice_never_carries_the_letter(caseworker_a, org_a, digital_person):
    digital_person.email, digital_person.wants_email_notice = "astrid@example.com", True
    audited_save(digital_person, actor=caseworker_a, reason="Ønsker e-mail")
    letter = _letter(caseworker_a, org_a, digital_person, kind="paakrav")
    assert letter.legal_notice and letter.email_notice
    services.letters_dispatch()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["astrid@example.com"]
    assert letter.subject not in message.body and not message.attachments
    assert letter.body_html not in message.body
    services.letters_dispatch()
    assert len(mail.outbox) == 1


def test_physical_letters_go_into_a_print_batch_per_controller(
    caseworker_a, caseworker_b, org_a, org_b, person_a, person_b, _files
):
    for index in range(3):
        _letter(caseworker_a, org_a, person_a, key=f"a-{index}")
    _letter(caseworker_b, org_b, person_b, key="b-1")
    assert Letter.objects.filter(channel=Channel.PHYSICAL).count() == 4
    batches = services.print_batches_create(actor=system_user())
    assert sorted(batch.letter_count for batch in batches) == [1, 3]
    batch_a = PrintBatch.objects.get(controller=org_a.tenant)
    from pypdf import PdfReader

    assert len(PdfReader(batch_a.pdf.path).pages) == batch_a.page_count == 3
    manifest = batch_a.manifest.read().decode("utf-8-sig").splitlines()
    assert len(manifest) == 4 and manifest[0].startswith("letter;uuid;recipient")
    assert services.print_batches_create(actor=system_user()) == []  # nothing left to batch
    services.print_batch_confirm_posted(actor=caseworker_a, reason="Afleveret til posten", batch=batch_a)
    assert set(batch_a.letters.values_list("state", flat=True)) == {LetterState.PRINTED}
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        services.print_batch_confirm_posted(actor=caseworker_a, reason="Igen", batch=batch_a)
    with pytest.raises(PermissionDenied):
        services.print_batch_confirm_posted(
            actor=caseworker_a, reason="Ikke min", batch=PrintBatch.objects.get(controller=org_b.tenant)
        )


def test_resend_creates_a_new_letter_with_the_reason(caseworker_a, org_a, person_a):
    letter = _letter(caseworker_a, org_a, person_a)
    resent = services.letter_resend(actor=caseworker_a, reason="Brevet kom retur", letter=letter)
    assert resent.pk != letter.pk and resent.resend_of == letter
    assert resent.history.latest().history_change_reason == "Brevet kom retur"
    again = services.letter_resend(actor=caseworker_a, reason="Igen retur", letter=letter)
    assert again.pk not in (letter.pk, resent.pk)


def test_run_job_command_records_the_run(caseworker_a, org_a, digital_person, capsys):
    for index in range(3):
        _letter(caseworker_a, org_a, digital_person, key=f"c-{index}")
    call_command("run_job", "letters.dispatch", "--no-progress")
    run = JobRun.objects.get(job="letters.dispatch")
    assert run.state == JobRun.State.SUCCEEDED and run.trigger == JobRun.Trigger.COMMAND
    assert (run.total, run.done, run.counts) == (3, 3, {"sent": 3, "failed": 0})
    assert "sent=3" in capsys.readouterr().out


def test_run_job_rejects_unknown_names():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown job"):
        call_command("run_job", "no.such.job")


def test_a_letter_that_cannot_be_rendered_fails_alone(caseworker_a, org_a, digital_person, monkeypatch):
    good = _letter(caseworker_a, org_a, digital_person, key="good")
    bad = _letter(caseworker_a, org_a, digital_person, key="bad")
    real = services._send_one

    def flaky(letter, transport):
        if letter.pk == bad.pk:
            raise RuntimeError("printer on fire")
        return real(letter, transport)

    monkeypatch.setattr(services, "_send_one", flaky)
    result = services.letters_dispatch()
    assert (result.sent, result.failed) == (1, 1)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.state == LetterState.FAILED and "printer on fire" in bad.failure_reason
    assert good.state == LetterState.DELIVERED


def test_one_dispatch_request_per_transaction(
    caseworker_a, org_a, digital_person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for index in range(5):
            services.letter_create(
                actor=caseworker_a,
                reason="Test",
                sender=org_a.tenant,
                recipient=digital_person,
                kind="general",
                context={},
                idempotency_key=f"many-{index}",
            )
    assert callbacks == [services._enqueue_dispatch]


def test_a_rolled_back_request_does_not_block_the_next(django_capture_on_commit_callbacks):
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            services.request_dispatch()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert not any(entry[1] is services._enqueue_dispatch for entry in connection.run_on_commit)
    with django_capture_on_commit_callbacks() as callbacks:
        services.request_dispatch()
    assert callbacks == [services._enqueue_dispatch]


def test_the_outbox_removes_what_a_killed_worker_left_half_written(tmp_path):
    """A SIGKILL mid-write leaves a hidden temporary file; re-sending the same message clears it."""
    from letters.transports import FilesystemOutboxTransport

    message_uuid = "0b9c1a4e-1111-4c1e-9c7e-2f1d3e4a5b6c"
    transport = FilesystemOutboxTransport(tmp_path)
    tmp_path.joinpath(f".{message_uuid}.abc123.tmp").write_bytes(b"<half")
    other = tmp_path.joinpath(".0b9c1a4e-2222-4c1e-9c7e-2f1d3e4a5b6c.def456.tmp")
    other.write_bytes(b"<another message still being written")

    transport.send(message_uuid=message_uuid, memo_xml=b"<memo/>")

    assert tmp_path.joinpath(f"{message_uuid}.xml").read_bytes() == b"<memo/>"
    assert not list(tmp_path.glob(f".{message_uuid}.*"))
    assert other.exists(), "another message's temporary file is not ours to remove"
