"""The letters part of the demo world (called by ``manage.py seed_demo``): a few letters of each
channel, so the outbox, a person's correspondence and the print batches have something to show —
the batches wait for the caseworkers to confirm them printed and posted. And one failed job run for
the administrator: this morning's print batch run whose worker stopped two hours ago, closed as
failed by the reaper (``jobs.reap_stopped_runs``), as it would be after a server restart."""

from __future__ import annotations

import datetime

from django.utils import timezone

from housing.models import Person

from . import jobs, services
from .models import JobRun, Letter

REASON = "Demodata"
STOPPED_RUN_TASK = "demo:worker-stopped"  # marks the demo's stopped run (idempotency)


def _stopped_run() -> int:
    """A run of the print batch job that stopped reporting (its worker died): recorded as
    ``jobs.run_job`` records a run, and closed as failed by the reaper."""
    if JobRun.objects.filter(task_id=STOPPED_RUN_TASK).exists():
        return 0
    run = JobRun.objects.create(
        job="letters.print_batch", trigger=JobRun.Trigger.SCHEDULE, task_id=STOPPED_RUN_TASK
    )
    stopped = timezone.now() - datetime.timedelta(hours=2)
    JobRun.objects.filter(pk=run.pk).update(
        started_at=stopped - datetime.timedelta(minutes=4), heartbeat_at=stopped
    )
    return len([reaped for reaped in jobs.reap_stopped_runs() if reaped.pk == run.pk])


def _persons(tenant, count: int) -> list[Person]:
    return list(Person.objects.filter(controller=tenant).order_by("applicant_number")[:count])


def seed(*, command) -> dict[str, int]:
    stopped = _stopped_run()
    if Letter.objects.filter(idempotency_key__startswith="demo:").exists():
        return {"failed job runs": stopped} if stopped else {}
    actor = command.system
    created = 0
    association = command.association
    for person in _persons(association.tenant, 12):
        services.letter_create(
            actor=actor,
            reason=REASON,
            sender=association.tenant,
            recipient=person,
            kind="registration_confirmation",
            context={
                "list_name": association.name,
                "registration_fee": "200,00",
                "update_fee": "150,00",
                "update_due": "1. februar",
            },
            idempotency_key=f"demo:registration:{person.pk}",
        )
        created += 1
    for kommune in command.kommuner.values():
        for person in _persons(kommune.tenant, 4):
            services.letter_create(
                actor=actor,
                reason=REASON,
                sender=kommune.tenant,
                recipient=person,
                kind="guarantee_information",
                context={
                    "information_text": "Du er optaget på den generelle venteliste til plejebolig. "
                    "Kommunen skal tilbyde dig en plejebolig senest 2 måneder efter "
                    "afgørelsen om, at du har behov for en plejebolig."
                },
                idempotency_key=f"demo:guarantee:{person.pk}",
            )
            created += 1
    for organisation in command.organisations.values():
        if organisation.shared_list_id:
            continue
        for person in _persons(organisation.tenant, 6):
            services.letter_create(
                actor=actor,
                reason=REASON,
                sender=organisation.tenant,
                recipient=person,
                kind="general",
                context={
                    "subject": "Din plads på ventelisten",
                    "text": "Vi bekræfter, at vi har modtaget din henvendelse om din plads på ventelisten.",
                },
                idempotency_key=f"demo:general:{person.pk}",
            )
            created += 1
    batches = services.print_batches_create(actor=actor)
    return {"letters": created, "print batches": len(batches), "failed job runs": stopped}
