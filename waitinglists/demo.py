"""The waiting-list part of the demo world (called by ``manage.py seed_demo``).

The general list of the shared association and of the third organisation, an internal list per
organisation, a youth list; fee rules per list controller; about 60 % of the adult demo persons
of the two list controllers on their general list, with seniority dates from 2005 on, wishes, a
few passive and a few in fee arrears; and about 40 lettings of the last 24 months so the
waiting-time estimate (R3.4) has a basis.

Fast: rows are bulk-created with their history rows (``bulk_create_with_history``, system user,
reason "Demodata"); no service call per person and no letters. Idempotent: every part is looked
up first and only what is missing is created.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from housing.audit import audited_save
from housing.models import Department, DwellingKind, HousingOrganisation, Person, Tenant

from .models import (
    ChargeKind,
    ChargeState,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    LettingRecord,
    ListKind,
    WaitingList,
)

REASON = "Demodata"
SEED = 2026
SCHEDULE_FROM = datetime.date(2000, 1, 1)
FIRST_SENIORITY = datetime.date(2005, 1, 1)
SHARE = 0.6
LETTINGS = 40


def _schedules(command, controllers: list[Tenant]) -> int:
    existing = set(
        FeeSchedule.objects.filter(controller__in=controllers).values_list("controller_id", flat=True)
    )
    created = 0
    for tenant in controllers:
        if tenant.pk in existing:
            continue
        audited_save(
            FeeSchedule(
                controller=tenant,
                valid_from=SCHEDULE_FROM,
                registration_fee=Decimal("200.00"),
                update_fee=Decimal("150.00"),
                due_month=2,
                due_day=1,
                reminder_after_days=14,
                pay_within_days=21,
            ),
            actor=command.system,
            reason=REASON,
        )
        created += 1
    return created


def _list(
    command, *, controller: Tenant, kind: str, name: str, organisation=None
) -> tuple[WaitingList, bool]:
    found = WaitingList.objects.filter(controller=controller, kind=kind, name=name).first()
    if found is not None:
        return found, False
    waiting_list = WaitingList(controller=controller, kind=kind, name=name, organisation=organisation)
    return audited_save(waiting_list, actor=command.system, reason=REASON), True


def _departments_of(controller: Tenant) -> list[Department]:
    organisations = HousingOrganisation.objects.filter(
        tenant=controller
    ) | HousingOrganisation.objects.filter(shared_list__tenant=controller)
    return list(
        Department.objects.filter(organisation__in=organisations).order_by("organisation__name", "number")
    )


def _payment_references(controller: Tenant, count: int) -> list[str]:
    """References that cannot meet the registration service's (ten digits from the controller's
    own series): the controller's id in front makes them unique across controllers too."""
    return [f"D{controller.pk:03d}{index:06d}" for index in range(1, count + 1)]


def _entries(command, waiting_list: WaitingList, rng: random.Random, today: datetime.date) -> tuple[int, int]:
    if Entry.objects.filter(waiting_list=waiting_list).exists():
        return 0, 0
    controller = waiting_list.controller
    departments = _departments_of(controller)
    adult_born_before = today - relativedelta(years=15)
    persons = list(
        Person.objects.filter(controller=controller, birth_date__lte=adult_born_before).order_by(
            "applicant_number"
        )
    )
    chosen = [p for p in persons if rng.random() < SHARE]
    references = _payment_references(controller, len(chosen))
    fee_year_due = datetime.date(today.year, 2, 1)
    if fee_year_due > today:
        fee_year_due = datetime.date(today.year - 1, 2, 1)
    entries, wishes = [], []
    for person, reference in zip(chosen, references, strict=True):
        earliest = max(FIRST_SENIORITY, person.birth_date + relativedelta(years=15))
        days = max(0, (today - earliest).days)
        # Recent registrations are more common: the power skews the spread towards today.
        day = today - datetime.timedelta(days=int(days * rng.random() ** 1.6)) if days else today
        day = min(day, today - datetime.timedelta(days=1))
        rooms_min = rng.choice([1, 2, 2, 3, 3, 4])
        passive = rng.random() < 0.06
        entries.append(
            Entry(
                waiting_list=waiting_list,
                controller=controller,
                person=person,
                registered_on=day,
                seniority_date=day,
                status=EntryStatus.PASSIVE if passive else EntryStatus.ACTIVE,
                status_note="Udlandsophold" if passive else "",
                paid_until=datetime.date(fee_year_due.year + 1, 1, 31),
                payment_reference=reference,
                dwelling_kinds=[DwellingKind.FAMILY],
                rooms_min=rooms_min,
                rooms_max=min(6, rooms_min + rng.choice([0, 1, 1, 2])),
                max_rent=Decimal(rng.choice([7000, 8500, 10000, 12000, 15000]))
                if rng.random() < 0.5
                else None,
                needs_elevator=rng.random() < 0.08,
                created_by=command.system,
            )
        )
        wishes.append(
            rng.sample(departments, k=min(len(departments), rng.randint(2, 4))) if departments else []
        )
    entries = bulk_create_with_history(
        entries, Entry, batch_size=500, default_user=command.system, default_change_reason=REASON
    )
    if not all(e.pk for e in entries):  # not PostgreSQL: read the ids back
        by_person = dict(Entry.objects.filter(waiting_list=waiting_list).values_list("person_id", "pk"))
        for entry in entries:
            entry.pk = by_person[entry.person_id]
    through = Entry.departments.through
    links = through.objects.bulk_create(
        [
            through(entry_id=e.pk, department_id=d.pk)
            for e, wanted in zip(entries, wishes, strict=True)
            for d in wanted
        ],
        batch_size=2000,
    )
    # The wished departments on each entry's creation record too, as ``departments.set`` inside an
    # audited save would have recorded them (the entries' history rows exist already, one each).
    history_ids = dict(Entry.history.filter(id__in=[e.pk for e in entries]).values_list("id", "history_id"))
    history_m2m = apps.get_model("waitinglists", "HistoricalEntry_departments")
    history_m2m.objects.bulk_create(
        [
            history_m2m(
                id=link.pk,
                entry_id=link.entry_id,
                department_id=link.department_id,
                history_id=history_ids[link.entry_id],
            )
            for link in links
        ],
        batch_size=2000,
    )
    # A few in arrears: this year's update fee not paid (paid_until then ends with last year).
    arrears = [e for e in entries if e.status == EntryStatus.ACTIVE and rng.random() < 0.05]
    charges = [
        FeeCharge(
            entry=entry,
            kind=ChargeKind.UPDATE,
            period=fee_year_due.year,
            amount=Decimal("150.00"),
            due_date=fee_year_due,
            state=ChargeState.OPEN,
        )
        for entry in arrears
    ]
    bulk_create_with_history(charges, FeeCharge, default_user=command.system, default_change_reason=REASON)
    if arrears:
        last_year_end = datetime.date(fee_year_due.year, 1, 31)
        updated = []
        for entry in arrears:
            entry.paid_until = last_year_end
            updated.append(entry)
        bulk_update_with_history(
            updated, Entry, ["paid_until"], default_user=command.system, default_change_reason=REASON
        )
    return len(entries), len(charges)


def _lettings(command, waiting_list: WaitingList, rng: random.Random, today: datetime.date) -> int:
    if LettingRecord.objects.filter(waiting_list=waiting_list).exists():
        return 0
    departments = _departments_of(waiting_list.controller)
    if not departments:
        return 0
    records = []
    for _index in range(LETTINGS):
        let_on = today - datetime.timedelta(days=rng.randrange(1, 730))
        records.append(
            LettingRecord(
                waiting_list=waiting_list,
                department=rng.choice(departments),
                rooms=rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]),
                let_on=let_on,
                winner_seniority_date=let_on - datetime.timedelta(days=rng.randrange(365, 365 * 12)),
            )
        )
    bulk_create_with_history(
        records, LettingRecord, default_user=command.system, default_change_reason=REASON
    )
    return len(records)


def seed(*, command) -> dict[str, int]:
    rng = random.Random(SEED)
    today = timezone.localdate()
    association = command.association
    organisations = command.organisations
    third = next((o for o in organisations.values() if not o.shared_list_id), None)
    controllers = [association.tenant, *(o.tenant for o in organisations.values())]
    counts = {"fee schedules": _schedules(command, controllers)}
    created_lists = 0
    general_lists = []
    waiting_list, created = _list(
        command,
        controller=association.tenant,
        kind=ListKind.GENERAL,
        name=f"{association.name} – almindelig venteliste",
    )
    general_lists.append(waiting_list)
    created_lists += created
    if third is not None:
        waiting_list, created = _list(
            command,
            controller=third.tenant,
            kind=ListKind.GENERAL,
            name=f"{third.name} – almindelig venteliste",
        )
        general_lists.append(waiting_list)
        created_lists += created
        created_lists += _list(
            command, controller=third.tenant, kind=ListKind.YOUTH, name=f"{third.name} – ungdomsboliger"
        )[1]
    for organisation in organisations.values():
        created_lists += _list(
            command,
            controller=organisation.tenant,
            kind=ListKind.INTERNAL,
            name=f"{organisation.name} – oprykningsventeliste",
            organisation=organisation,
        )[1]
    counts["waiting lists"] = created_lists
    entries = charges = lettings = 0
    for waiting_list in general_lists:
        made, charged = _entries(command, waiting_list, rng, today)
        entries, charges = entries + made, charges + charged
        lettings += _lettings(command, waiting_list, rng, today)
    counts.update({"waiting-list entries": entries, "fee charges": charges, "lettings": lettings})
    return {what: count for what, count in counts.items() if count}
