"""Celery for real: a worker process on Redis sends letters; killed mid-batch, the work is taken
over by recovery without waiting for a schedule, and only letters whose send outcome was unknown
are sent again (same UUID, marked as retries)."""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from housing.audit import audited_save
from letters import services
from letters.models import DeliveryEvent, JobRun, Letter, LetterState, SendAttempt

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as `make test` sets"
    ),
]


@pytest.fixture
def broker():
    """The configured Redis broker, emptied first; tasks really go through it in these tests.

    One such test at a time on a broker, across the test processes (pytest-xdist): two at once
    would purge each other's queue, and each one's worker would take the other's tasks and run
    them against its own test database — a test then waits in vain for its letters."""
    from config.celery import app

    url = os.environ["REDIS_URL"]
    name = hashlib.sha256(url.encode()).hexdigest()[:12]
    with (Path(tempfile.gettempdir()) / f"boligadmin-worker-tests-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        app.control.purge()
        try:
            yield url
        finally:
            app.control.purge()
            app.conf.task_always_eager = previous
            fcntl.flock(lock, fcntl.LOCK_UN)


class Worker:
    """A `celery worker` subprocess against the test database, in its own process group."""

    def __init__(
        self, broker_url: str, tmp_path: Path, lease_seconds: int = 300, *, recovery: dict | None = None
    ) -> None:
        db = connection.settings_dict
        host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
            "REDIS_URL": broker_url,
            "LETTERS_OUTBOX_DIR": str(tmp_path / "outbox"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LETTERS_CLAIM_LEASE_SECONDS": str(lease_seconds),
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            **{key: str(value) for key, value in (recovery or {}).items()},
        }
        # With ``recovery`` the worker embeds beat with the settings' schedule only (the recovery
        # task), not the database schedules: no scheduled dispatch helps it pick the work up.
        self.beat = (
            ["-B", "--scheduler", "celery.beat:PersistentScheduler", "-s", str(tmp_path / "beat-schedule")]
            if recovery
            else []
        )
        self.log = tmp_path / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        celery = Path(sys.executable).parent / "celery"
        self.process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "config",
                "worker",
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *self.beat,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole group: the main process and its pool children, mid-work."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_for(predicate, *, timeout: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{worker.log.read_text()[-4000:]}")


@pytest.fixture
def digital_recipient(org_a, person_a, caseworker_a):
    org_a.digital_post_connected_from = datetime.date(2022, 3, 1)
    audited_save(org_a, actor=caseworker_a, reason="Tilsluttet")
    person_a.digital_post_consent_date = datetime.date(2024, 1, 1)
    person_a.digital_post_consent_method = "form"
    audited_save(person_a, actor=caseworker_a, reason="Samtykke")
    return person_a


def _enqueue_dispatch() -> None:
    from letters.tasks import run_job_task

    run_job_task.apply_async(("letters.dispatch",), {"trigger": "event"})


def test_a_real_worker_delivers_a_letter(broker, tmp_path, caseworker_a, org_a, digital_recipient):
    letter = services.letter_create(
        actor=caseworker_a,
        reason="Test",
        sender=org_a.tenant,
        recipient=digital_recipient,
        kind="general",
        context={"text": "Hej fra en rigtig worker"},
        idempotency_key="worker-1",
    )  # dispatch=True: creating the letter enqueues the dispatch job on Redis
    worker = Worker(broker, tmp_path)
    worker.start()
    try:
        _wait_for(
            lambda: Letter.objects.get(pk=letter.pk).state == LetterState.DELIVERED,
            timeout=90,
            what="the letter to be delivered",
            worker=worker,
        )
    finally:
        worker.stop()
    assert (tmp_path / "outbox" / f"{letter.uuid}.xml").exists()


# Short enough for a test; production uses 15 s, 120 s and 60 s (config/settings/base.py).
RECOVERY = {"JOBS_HEARTBEAT_SECONDS": 1, "JOBS_STALE_AFTER_SECONDS": 10, "JOBS_RECOVERY_INTERVAL_SECONDS": 2}


def test_killing_the_worker_mid_batch_sends_every_letter_exactly_once(
    broker, tmp_path, caseworker_a, org_a, digital_recipient
):
    count = 1000
    letters = [
        services.letter_create(
            actor=caseworker_a,
            reason="Test",
            sender=org_a.tenant,
            recipient=digital_recipient,
            kind="general",
            context={"text": f"Brev nummer {index}"},
            idempotency_key=f"bulk-{index}",
            dispatch=False,
        )
        for index in range(count)
    ]
    delivered = Letter.objects.filter(state=LetterState.DELIVERED)
    # The claims' lease is the production default (5 minutes): the work is taken over long before.
    worker = Worker(broker, tmp_path, recovery=RECOVERY)
    worker.start()
    try:
        _enqueue_dispatch()
        _enqueue_dispatch()  # two runs side by side, one per pool process
        _wait_for(lambda: delivered.count() >= 100, timeout=120, what="the first 100 letters", worker=worker)
        worker.kill()
        killed_at = time.monotonic()
        at_kill = delivered.count()
        assert at_kill < count, "the batch finished before the kill; the test proves nothing"
        assert Letter.objects.filter(state=LetterState.QUEUED, claim_token__isnull=False).exists()
        killed = list(JobRun.objects.filter(state=JobRun.State.RUNNING).values_list("pk", flat=True))
        assert len(killed) == 2

        worker.start()  # nothing is enqueued: recovery must find the stopped runs by itself
        closed = JobRun.objects.filter(pk__in=killed, state=JobRun.State.FAILED, worker_lost=True)
        _wait_for(
            lambda: closed.count() == 2,
            timeout=60,
            what="the killed runs to be closed as failed",
            worker=worker,
        )
        closed_after = time.monotonic() - killed_at
        _wait_for(lambda: delivered.count() == count, timeout=240, what="all letters", worker=worker)
    finally:
        worker.stop()
    assert closed_after < 60
    # Each killed run is taken over exactly once: by the recovery beat (a RECOVERY run) or by its
    # own task message delivered again after the kill (a run with the message's trigger) —
    # whichever claims it first (letters.jobs.delivery_to_run, resume_stopped_runs).
    for run in JobRun.objects.filter(pk__in=killed):
        takers = list(run.resumed_by.values_list("trigger", flat=True))
        assert run.finished_at and len(takers) == 1, takers
        assert takers[0] in (JobRun.Trigger.RECOVERY, JobRun.Trigger.EVENT)

    # Attempts, not files: every letter has exactly one successful attempt; an attempt without an
    # outcome (its worker was killed mid-send) is followed by one retry of the same letter.
    attempts: dict[int, list[SendAttempt]] = {}
    for attempt in SendAttempt.objects.order_by("letter_id", "number"):
        attempts.setdefault(attempt.letter_id, []).append(attempt)
    assert set(attempts) == {letter.pk for letter in letters}
    unknown = 0
    for letter_attempts in attempts.values():
        outcomes = [attempt.outcome for attempt in letter_attempts]
        retries = len(letter_attempts) - 1
        assert outcomes.count(SendAttempt.Outcome.DELIVERED) == 1
        assert outcomes[-1] == SendAttempt.Outcome.DELIVERED
        assert set(outcomes[:-1]) <= {""}, "only an attempt whose outcome is unknown is followed by another"
        assert [attempt.is_retry for attempt in letter_attempts] == [False] + [True] * retries
        assert [attempt.number for attempt in letter_attempts] == list(range(1, retries + 2))
        unknown += retries
    # A run sends one letter at a time: at most one unknown outcome per killed run.
    assert unknown <= len(killed)
    print(  # the figures for the closing note
        f"kill test: {count} letters, {sum(map(len, attempts.values()))} attempts, "
        f"{unknown} retried after an unknown outcome, killed runs closed after {closed_after:.0f} s"
    )

    files = sorted(path.stem for path in (tmp_path / "outbox").glob("*.xml"))
    assert files == sorted(str(letter.uuid) for letter in letters)
    assert not list((tmp_path / "outbox").glob("*.tmp*"))
    sent_events = DeliveryEvent.objects.filter(state=LetterState.SENT).values_list("letter_id", flat=True)
    assert len(sent_events) == len(set(sent_events)) == count
    assert not Letter.objects.filter(state=LetterState.FAILED).exists()
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
