"""Celery tasks: thin — they take a job name and run it through ``letters.jobs.run_job``."""

from celery import shared_task

from .jobs import run_job


@shared_task(name="letters.run_job", bind=True)
def run_job_task(self, name: str, trigger: str = "schedule", user_id: int | None = None) -> dict:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = run_job(name, trigger=trigger, user=user, task_id=self.request.id or "")
    return {"run": run.pk, "counts": run.counts}
