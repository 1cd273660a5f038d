"""Killed workers, in one process: every send attempt is recorded, only a letter whose outcome is
unknown is sent again (same UUID, marked as a retry), and a run that stops showing signs of life is
closed as failed and taken over by a new run. The real-worker kill is in
tests/system/test_worker.py."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from housing.audit import audited_save
from letters import jobs, services, tasks
from letters.models import DeliveryEvent, JobRun, Letter, LetterState, SendAttempt

PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return tmp_path


@pytest.fixture
def digital_person(org_a, person_a, caseworker_a):
    org_a.digital_post_connected_from = datetime.date(2022, 3, 1)
    audited_save(org_a, actor=caseworker_a, reason="Tilsluttet")
    person_a.digital_post_consent_date = datetime.date(2024, 1, 1)
    person_a.digital_post_consent_method = "form"
    audited_save(person_a, actor=caseworker_a, reason="Samtykke")
    return person_a


def _letter(actor, org, person, key):
    return services.letter_create(
        actor=actor,
        reason="Test",
        sender=org.tenant,
        recipient=person,
        kind="general",
        context={"text": "Hej"},
        idempotency_key=key,
        dispatch=False,
    )


def _outbox(tmp_path) -> list[str]:
    return sorted(path.stem for path in (tmp_path / "outbox").glob("*.xml"))


def _stale_run(job: str = "letters.dispatch") -> JobRun:
    """A run whose worker died: still 'running', silent for longer than the stale limit."""
    run = JobRun.objects.create(job=job, trigger=JobRun.Trigger.SCHEDULE, task_id="dead-task")
    silent_since = timezone.now() - jobs.stale_after() - datetime.timedelta(seconds=1)
    JobRun.objects.filter(pk=run.pk).update(heartbeat_at=silent_since)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_each_send_is_one_recorded_attempt(caseworker_a, org_a, digital_person, _files):
    letter = _letter(caseworker_a, org_a, digital_person, "a-1")
    assert services.letters_dispatch().sent == 1
    attempt = SendAttempt.objects.get(letter=letter)
    assert (attempt.number, attempt.outcome, attempt.is_retry) == (1, SendAttempt.Outcome.DELIVERED, False)
    assert attempt.started_at <= attempt.finished_at
    assert attempt.reference.endswith(f"{letter.uuid}.xml")
    letter.refresh_from_db()
    assert letter.attempts == 1


@pytest.mark.django_db
def test_a_letter_whose_send_finished_before_the_crash_is_recorded_not_sent_again(
    caseworker_a, org_a, digital_person, _files
):
    """The worker sent the letter and recorded the attempt, then died before recording the letter."""
    letter = _letter(caseworker_a, org_a, digital_person, "a-2")
    now = timezone.now()
    SendAttempt.objects.create(
        letter=letter,
        number=1,
        started_at=now,
        finished_at=now,
        outcome=SendAttempt.Outcome.DELIVERED,
        reference="/outbox/before-the-crash.xml",
    )
    assert services.letters_dispatch().sent == 1
    assert _outbox(_files) == [], "a message whose send is known is not sent again"
    assert SendAttempt.objects.filter(letter=letter).count() == 1
    letter.refresh_from_db()
    assert letter.state == LetterState.DELIVERED and letter.attempts == 1
    assert letter.transport_reference == "/outbox/before-the-crash.xml"
    assert DeliveryEvent.objects.filter(letter=letter, state=LetterState.SENT).count() == 1


@pytest.mark.django_db
def test_a_letter_whose_send_outcome_is_unknown_is_sent_again_as_a_retry_with_the_same_uuid(
    caseworker_a, org_a, digital_person, _files
):
    """The worker died while the message was with the transport: nobody knows if it left."""
    letter = _letter(caseworker_a, org_a, digital_person, "a-3")
    SendAttempt.objects.create(letter=letter, number=1, started_at=timezone.now())
    assert services.letters_dispatch().sent == 1
    assert _outbox(_files) == [str(letter.uuid)]
    first, retry = SendAttempt.objects.filter(letter=letter).order_by("number")
    assert (first.outcome, first.finished_at) == ("", None)
    assert (retry.number, retry.is_retry, retry.outcome) == (2, True, SendAttempt.Outcome.DELIVERED)
    letter.refresh_from_db()
    assert letter.state == LetterState.DELIVERED and letter.attempts == 2


@pytest.mark.django_db
def test_a_failed_send_before_the_crash_is_recorded_as_failed_without_a_new_attempt(
    caseworker_a, org_a, digital_person, _files
):
    letter = _letter(caseworker_a, org_a, digital_person, "a-4")
    now = timezone.now()
    SendAttempt.objects.create(
        letter=letter,
        number=1,
        started_at=now,
        finished_at=now,
        outcome=SendAttempt.Outcome.FAILED,
        error="HTTPError: 503",
    )
    assert services.letters_dispatch().failed == 1
    letter.refresh_from_db()
    assert letter.state == LetterState.FAILED and letter.failure_reason == "HTTPError: 503"
    assert SendAttempt.objects.filter(letter=letter).count() == 1


@pytest.mark.django_db
def test_a_stopped_run_is_closed_as_failed_and_its_claims_given_back(caseworker_a, org_a, digital_person):
    letter = _letter(caseworker_a, org_a, digital_person, "a-5")
    run = _stale_run()
    lease = timezone.now() + datetime.timedelta(minutes=5)
    Letter.objects.filter(pk=letter.pk).update(claim_token=services.claim_token_for(run), claimed_until=lease)
    alive = JobRun.objects.create(job="letters.dispatch", trigger=JobRun.Trigger.SCHEDULE)

    reaped = jobs.reap_stopped_runs()

    assert [r.pk for r in reaped] == [run.pk]
    run.refresh_from_db()
    assert run.state == JobRun.State.FAILED and run.worker_lost and run.finished_at
    assert run.errors == [jobs.WORKER_LOST_MESSAGE]
    alive.refresh_from_db()
    assert alive.state == JobRun.State.RUNNING
    letter.refresh_from_db()
    assert letter.claim_token is None and letter.claimed_until is None
    assert jobs.reap_stopped_runs() == []


@pytest.mark.django_db
def test_recovery_starts_one_new_run_that_takes_over_the_stopped_runs_work(
    caseworker_a, org_a, digital_person, _files, django_capture_on_commit_callbacks
):
    letter = _letter(caseworker_a, org_a, digital_person, "a-6")
    run = _stale_run()
    lease = timezone.now() + datetime.timedelta(minutes=5)
    Letter.objects.filter(pk=letter.pk).update(claim_token=services.claim_token_for(run), claimed_until=lease)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_stopped_runs_task() == {"closed": 1, "resumed": 1}
    resumed = JobRun.objects.get(resumes=run)
    assert resumed.trigger == JobRun.Trigger.RECOVERY and resumed.state == JobRun.State.SUCCEEDED
    letter.refresh_from_db()
    assert letter.state == LetterState.DELIVERED, "taken over without waiting for the claim's lease"
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_stopped_runs_task() == {"closed": 0, "resumed": 0}
    assert JobRun.objects.filter(resumes=run).count() == 1


@pytest.mark.django_db
def test_a_repeated_delivery_of_a_task_does_not_run_its_job_twice():
    alive = JobRun.objects.create(job="letters.dispatch", trigger=JobRun.Trigger.EVENT, task_id="t-alive")
    assert jobs.delivery_to_run("t-alive") == (False, None)
    JobRun.objects.filter(pk=alive.pk).update(state=JobRun.State.SUCCEEDED)
    assert jobs.delivery_to_run("t-alive") == (False, None)
    assert jobs.delivery_to_run("t-new") == (True, None)


@pytest.mark.django_db
def test_a_repeated_delivery_of_a_stopped_runs_task_takes_it_over_once():
    stopped = _stale_run()
    run_it, resumes = jobs.delivery_to_run(stopped.task_id)
    assert run_it and resumes.pk == stopped.pk
    stopped.refresh_from_db()
    assert stopped.state == JobRun.State.FAILED and stopped.worker_lost and stopped.resume_requested_at
    assert jobs.delivery_to_run(stopped.task_id) == (False, None)
    assert jobs.resume_stopped_runs(enqueue=tasks.enqueue_resumption) == [], (
        "recovery does not take it over a second time"
    )


@pytest.mark.django_db(transaction=True)
def test_a_run_busy_with_one_long_step_keeps_showing_signs_of_life(settings, monkeypatch):
    settings.JOBS_HEARTBEAT_SECONDS = 0.2
    seen = {}

    def long_silent_step(progress):
        time.sleep(1.0)  # reports nothing meanwhile
        seen["heartbeat"] = JobRun.objects.get(pk=progress.run.pk).heartbeat_at

    spec = jobs.JobSpec(name="test.long_step", label="x", func=long_silent_step)
    monkeypatch.setitem(jobs._REGISTRY, "test.long_step", spec)
    run = jobs.run_job("test.long_step", trigger=JobRun.Trigger.COMMAND)
    assert seen["heartbeat"] - run.started_at >= datetime.timedelta(seconds=0.5)
    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED


@pytest.mark.django_db
def test_the_letter_page_shows_each_send_attempt_and_the_retry(
    caseworker_a, client_for, org_a, digital_person, _files
):
    letter = _letter(caseworker_a, org_a, digital_person, "a-7")
    SendAttempt.objects.create(letter=letter, number=1, started_at=timezone.now())
    services.letters_dispatch()
    page = client_for(caseworker_a).get(letter.get_absolute_url()).content.decode()
    table = page[page.index('id="send-attempts"') : page.index("</table>", page.index('id="send-attempts"'))]
    assert table.count("<tr>") == 3  # the heading and two attempts
    assert "Unknown (the worker stopped)" in table and "Delivered" in table
    assert table.count(">Yes<") == 1  # the second attempt is the retry


@pytest.mark.django_db
def test_the_job_run_page_says_the_worker_was_lost_and_which_run_took_over(
    caseworker_a, client_for, django_capture_on_commit_callbacks
):
    run = _stale_run()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.recover_stopped_runs_task()
    resumed = JobRun.objects.get(resumes=run)
    client = client_for(caseworker_a)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "The run stopped showing signs of life and was closed as failed." in page
    assert f'<a href="{resumed.get_absolute_url()}">run #{resumed.pk}</a>' in page
    assert (
        f'<a href="{run.get_absolute_url()}">#{run.pk}</a>'
        in client.get(resumed.get_absolute_url()).content.decode()
    )
