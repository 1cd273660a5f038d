"""Celery tasks of the scenarios: thin — they take an id and call a service."""

from celery import shared_task

from . import services


@shared_task(name="simulation.scenario_run")
def scenario_run_task(run_id: int) -> dict:
    """Replay a scenario run (``services.scenario_run_execute``). Idempotent: a repeated delivery
    finds the run claimed, done or failed and does nothing."""
    run = services.scenario_run_execute(run_id=run_id)
    return {"run": run_id, "state": run.state if run else "skipped"}


def enqueue_scenario_run(run_id: int) -> None:
    """Hand a new run to the queue (``services.scenario_run_start`` calls it on commit)."""
    scenario_run_task.delay(run_id)
