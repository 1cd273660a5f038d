"""Celery tasks of the register app: thin — they take an id and call a service."""

from celery import shared_task

from . import exports


@shared_task(name="housing.export_run")
def export_run_task(job_id: int) -> dict:
    """Make an export's file (``housing.exports.export_run``). Idempotent: a repeated delivery
    finds the job claimed, done or failed and does nothing."""
    job = exports.export_run(job_id=job_id)
    return {"job": job_id, "state": job.state if job else "skipped"}


def enqueue_export(job_id: int) -> None:
    """Hand a new export job to the queue (``exports.export_start`` calls it on commit)."""
    export_run_task.delay(job_id)
