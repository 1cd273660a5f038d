"""Background jobs: a registry, and one runner that records every run as a ``JobRun``.

A job is a function taking a ``JobProgress``. The same runner serves the Celery task (schedules
and events), ``manage.py run_job NAME`` (cron, and the embedded default without a worker) and the
*Kørsler* page. Jobs must be idempotent: they claim their work with conditional updates or unique
keys, so a re-run, a redelivered task or a second worker never does the same work twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from housing.cpr import redact

from .models import JobRun

logger = logging.getLogger(__name__)

# A running job that has not reported for this long is taken to have died with its worker.
STALE_AFTER = timedelta(minutes=10)
_FLUSH_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    func: Callable[[JobProgress], None]
    description: str = ""


_REGISTRY: dict[str, JobSpec] = {}


def job(name: str, *, label: str, description: str = ""):
    """Register ``func`` as the job ``name`` (e.g. ``letters.dispatch``)."""

    def register(func: Callable[[JobProgress], None]) -> Callable[[JobProgress], None]:
        _REGISTRY[name] = JobSpec(name=name, label=label, func=func, description=description)
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
    from importlib import import_module

    from django.apps import apps

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


def mark_stale_runs() -> int:
    """Runs whose worker died (killed, lost power) are closed as failed, with the reason."""
    cutoff = timezone.now() - STALE_AFTER
    return JobRun.objects.filter(state=JobRun.State.RUNNING, heartbeat_at__lt=cutoff).update(
        state=JobRun.State.FAILED,
        finished_at=timezone.now(),
        errors=["The run stopped reporting (its worker stopped); the next run takes over its work."],
    )


def run_job(
    name: str,
    *,
    trigger: str,
    user=None,
    task_id: str = "",
    on_progress: Callable[[JobRun], None] | None = None,
) -> JobRun:
    """Run a registered job in this process and record it. Exceptions are recorded on the run
    and re-raised, so Celery and the command line see the failure too."""
    spec = get_job(name)
    mark_stale_runs()
    run = JobRun.objects.create(job=name, trigger=trigger, triggered_by=user, task_id=task_id)
    progress = JobProgress(run, on_progress)
    try:
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
