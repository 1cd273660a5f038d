"""Background jobs: a registry, and one runner that records every run as a ``JobRun``.

A job is a function taking a ``JobProgress``. The same runner serves the Celery task (schedules
and events), ``manage.py run_job NAME`` (cron, and the embedded default without a worker) and the
*Kørsler* page. Jobs must be idempotent: they claim their work with conditional updates or unique
keys, so a re-run, a redelivered task or a second worker never does the same work twice.

A worker can die mid-run (SIGKILL, the OOM killer, lost power) without recording anything. So a
run shows it is alive: a heartbeat thread writes ``heartbeat_at`` every ``JOBS_HEARTBEAT_SECONDS``,
also through a long step that reports no progress. ``recover_stopped_runs`` — a Celery beat task
every ``JOBS_RECOVERY_INTERVAL_SECONDS`` — closes a run whose heartbeat is older than
``JOBS_STALE_AFTER_SECONDS`` as failed (*worker lost*), gives back the work it had claimed (the
job's ``release`` hook) and starts one new run of the job to take it over, so the work is picked
up within minutes instead of at the next scheduled run or when Redis redelivers the unacknowledged
task after its visibility timeout (which must exceed the task's hard time limit).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from housing.cpr import redact

from .models import JobRun

logger = logging.getLogger(__name__)

_FLUSH_EVERY_SECONDS = 0.5
WORKER_LOST_MESSAGE = "The run stopped reporting (its worker stopped); a new run takes over its work."


def stale_after() -> timedelta:
    """A running job that has not shown a sign of life for this long has died with its worker."""
    return timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    func: Callable[[JobProgress], None]
    description: str = ""
    # Gives back the work a stopped run had claimed (e.g. its leased letters), so the run that
    # takes over need not wait for the claims to run out. Returns how much it gave back.
    release: Callable[[JobRun], int] | None = None


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, label: str, description: str = "", release: Callable[[JobRun], int] | None = None):
    """Register ``func`` as the job ``name`` (e.g. ``letters.dispatch``)."""

    def register(func: Callable[[JobProgress], None]) -> Callable[[JobProgress], None]:
        _REGISTRY[name] = JobSpec(name=name, label=label, func=func, description=description, release=release)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    _load_job_modules()
    return dict(sorted(_REGISTRY.items()))


def get_job(name: str) -> JobSpec:
    jobs = registered_jobs()
    if name not in jobs:
        raise KeyError(name)
    return jobs[name]


def _load_job_modules() -> None:
    """Import every installed app's ``job_definitions`` module so its jobs are registered."""
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.job_definitions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.job_definitions":
                raise


class JobProgress:
    """What a running job reports: total, progress, counts and errors. Written to the JobRun
    row at most twice a second, so reporting per item costs nothing measurable."""

    def __init__(self, run: JobRun, on_progress: Callable[[JobRun], None] | None = None) -> None:
        self.run = run
        self._on_progress = on_progress
        self._last_flush = 0.0

    def set_total(self, total: int) -> None:
        self.run.total = total
        self.flush(force=True)

    def add_total(self, extra: int) -> None:
        self.run.total = (self.run.total or 0) + extra
        self.flush()

    def advance(self, n: int = 1, **counts: int) -> None:
        self.run.done += n
        for key, value in counts.items():
            self.count(key, value)
        self.flush()

    def count(self, key: str, n: int = 1) -> None:
        self.run.counts[key] = self.run.counts.get(key, 0) + n

    def error(self, message: str) -> None:
        # Errors are shown to staff and kept: never let a CPR number into them.
        self.run.errors.append(redact(str(message))[:1000])
        self.flush(force=True)

    def attention(self, message: str) -> None:
        """Something a person must see to (shown on the job run apart from the errors); like the
        errors, never with a CPR number."""
        self.run.attention.append(redact(str(message))[:1000])
        self.flush(force=True)

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < _FLUSH_EVERY_SECONDS:
            return
        self._last_flush = now
        JobRun.objects.filter(pk=self.run.pk).update(
            total=self.run.total,
            done=self.run.done,
            counts=self.run.counts,
            errors=self.run.errors,
            attention=self.run.attention,
            heartbeat_at=timezone.now(),
        )
        if self._on_progress is not None:
            self._on_progress(self.run)


class _Heartbeat:
    """Keeps ``heartbeat_at`` fresh from a thread of its own while the job works, so a run that is
    busy with one long step (a large query, a slow transport) is not taken for dead. The thread
    has its own database connection and closes it when it stops; it dies with its process, which
    is the point: a killed worker stops beating."""

    def __init__(self, run_pk: int, interval: float) -> None:
        self.run_pk = run_pk
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-run-{run_pk}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    JobRun.objects.filter(pk=self.run_pk, state=JobRun.State.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # A missed beat only risks a false "stopped"; the job itself goes on.
                    logger.warning("job run %s: heartbeat not written", self.run_pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only (they are per thread)


def reap_stopped_runs() -> list[JobRun]:
    """Close every running run whose heartbeat is stale as failed (*worker lost*), and give back
    the work it had claimed. A run whose row is locked is writing right now, so it is alive and
    skipped (``SKIP LOCKED``); two reapers never close the same run twice."""
    cutoff = timezone.now() - stale_after()
    reaped: list[JobRun] = []
    with transaction.atomic():
        stale = JobRun.objects.filter(state=JobRun.State.RUNNING, heartbeat_at__lt=cutoff).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            stale = stale.select_for_update(skip_locked=True)
        now = timezone.now()
        for run in stale:
            run.errors = [*(run.errors if isinstance(run.errors, list) else []), WORKER_LOST_MESSAGE]
            run.state, run.finished_at, run.worker_lost = JobRun.State.FAILED, now, True
            JobRun.objects.filter(pk=run.pk).update(
                state=run.state, finished_at=now, worker_lost=True, errors=run.errors
            )
            reaped.append(run)
    jobs = registered_jobs() if reaped else {}
    for run in reaped:
        logger.warning("job %s run %s stopped reporting: closed as failed (worker lost)", run.job, run.pk)
        spec = jobs.get(run.job)
        if spec is not None and spec.release is not None:
            released = spec.release(run)
            logger.info("job %s run %s: %s claimed items given back", run.job, run.pk, released)
    return reaped


def resume_stopped_runs(*, enqueue: Callable[[JobRun], None]) -> list[JobRun]:
    """Ask once, per run closed as *worker lost*, for a new run of its job to take over its work:
    ``enqueue(run)`` is called for each when this transaction commits. The caller brings the
    queue (``letters.tasks``), so this module, which the tasks run, never imports them back."""
    jobs = registered_jobs()
    resumed: list[JobRun] = []
    with transaction.atomic():
        stopped = JobRun.objects.filter(
            state=JobRun.State.FAILED, worker_lost=True, resume_requested_at__isnull=True
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            stopped = stopped.select_for_update(skip_locked=True)
        for run in stopped:
            if run.job not in jobs:
                continue
            JobRun.objects.filter(pk=run.pk).update(resume_requested_at=timezone.now())
            transaction.on_commit(functools.partial(enqueue, run))
            resumed.append(run)
    return resumed


def recover_stopped_runs(*, enqueue: Callable[[JobRun], None]) -> dict[str, int]:
    """The recovery beat task's work: close stopped runs and have their work taken over (each by a
    new run that ``enqueue`` asks for)."""
    reaped = reap_stopped_runs()
    resumed = resume_stopped_runs(enqueue=enqueue)
    return {"closed": len(reaped), "resumed": len(resumed)}


def delivery_to_run(task_id: str) -> tuple[bool, JobRun | None]:
    """Whether a task message should run its job, and which stopped run it takes over.

    A message delivered again carries the same task id: Redis hands an unacknowledged message to
    a worker after the visibility timeout, and a pool process killed under ``acks_late`` with
    ``task_reject_on_worker_lost`` has its message requeued at once. If that message's run is
    still alive, or finished, or already taken over, it is not run again; if its run stopped,
    this delivery takes it over (once — the same claim as ``resume_stopped_runs``)."""
    earlier = JobRun.objects.filter(task_id=task_id).order_by("-pk").first() if task_id else None
    if earlier is None:
        return True, None
    if earlier.state == JobRun.State.RUNNING:
        if earlier.heartbeat_at >= timezone.now() - stale_after():
            return False, None
        reap_stopped_runs()
        earlier.refresh_from_db()
    if earlier.worker_lost and JobRun.objects.filter(pk=earlier.pk, resume_requested_at__isnull=True).update(
        resume_requested_at=timezone.now()
    ):
        return True, earlier
    return False, None


def run_job(
    name: str,
    *,
    trigger: str,
    user=None,
    task_id: str = "",
    on_progress: Callable[[JobRun], None] | None = None,
    resumes: JobRun | None = None,
) -> JobRun:
    """Run a registered job in this process and record it. Exceptions are recorded on the run
    and re-raised, so Celery and the command line see the failure too. Stopped runs are closed
    first (their resumption is left to the recovery task, so one job never starts another inline)."""
    spec = get_job(name)
    reap_stopped_runs()
    run = JobRun.objects.create(
        job=name, trigger=trigger, triggered_by=user, task_id=task_id, resumes=resumes
    )
    progress = JobProgress(run, on_progress)
    try:
        with _Heartbeat(run.pk, settings.JOBS_HEARTBEAT_SECONDS):
            spec.func(progress)
    except Exception as exc:
        progress.error(f"{type(exc).__name__}: {exc}")
        _finish(run, JobRun.State.FAILED)
        logger.exception("job %s run %s failed", name, run.pk)
        raise
    _finish(run, JobRun.State.SUCCEEDED)
    logger.info("job %s run %s done: %s", name, run.pk, run.counts)
    return run


def _finish(run: JobRun, state: str) -> None:
    run.state = state
    run.finished_at = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        state=state,
        finished_at=run.finished_at,
        total=run.total,
        done=run.done,
        counts=run.counts,
        errors=run.errors,
        attention=run.attention,
        heartbeat_at=run.finished_at,
    )
