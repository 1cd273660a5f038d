"""The letters part of the demo world (called by ``manage.py seed_demo``): a few letters of each
channel, so the outbox, a person's correspondence and the print batches have something to show."""

from __future__ import annotations

from housing.models import Person

from . import services
from .models import Letter

REASON = "Demodata"


def _persons(tenant, count: int) -> list[Person]:
    return list(Person.objects.filter(controller=tenant).order_by("applicant_number")[:count])


def seed(*, command) -> dict[str, int]:
    if Letter.objects.filter(idempotency_key__startswith="demo:").exists():
        return {}
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
    return {"letters": created, "print batches": len(batches)}
