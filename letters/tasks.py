"""Celery tasks: thin — they take a job name and run it through ``letters.jobs.run_job``.

This module is the only one that knows the queue: the runner (``letters.jobs``) is below it and is
handed ``enqueue_resumption`` when recovery needs a new run, so the two never import each other."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .jobs import delivery_to_run, recover_stopped_runs, run_job
from .models import JobRun


@shared_task(name="letters.run_job", bind=True)
def run_job_task(
    self, name: str, trigger: str = "schedule", user_id: int | None = None, resumes: int | None = None
) -> dict:
    task_id = self.request.id or ""
    run_it, stopped = delivery_to_run(task_id)
    if not run_it:  # a repeated delivery of a message whose run is alive, done or taken over
        return {"skipped": task_id}
    if stopped is None and resumes is not None:
        stopped = JobRun.objects.filter(pk=resumes).first()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = run_job(name, trigger=trigger, user=user, task_id=task_id, resumes=stopped)
    return {"run": run.pk, "counts": run.counts}


def enqueue_resumption(run: JobRun) -> None:
    """Ask for a new run of a stopped run's job that takes over its work."""
    run_job_task.delay(run.job, trigger=JobRun.Trigger.RECOVERY, resumes=run.pk)


@shared_task(name="letters.recover_stopped_runs")
def recover_stopped_runs_task() -> dict:
    """Every ``JOBS_RECOVERY_INTERVAL_SECONDS`` (beat): close runs whose worker died and start
    new runs to take over their work."""
    return recover_stopped_runs(enqueue=enqueue_resumption)
