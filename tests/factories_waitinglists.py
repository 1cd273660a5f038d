"""factory_boy factories for waiting lists, entries and fee rules (test data, not a write path).

Like ``tests.factories``, every row gets one history row with the system user and the reason
"Testdata". ``EntryFactory`` makes an entry directly — no registration fee charged, no letter;
use ``waitinglists.services.registration.entry_register`` to test registration itself.

    schedule = FeeScheduleFactory(controller=org.tenant)
    entry = EntryFactory(waiting_list=WaitingListFactory(controller=org.tenant))
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from housing.audit import system_user
from tests.factories import AuditedFactory, PersonFactory, TenantFactory
from waitinglists.models import Entry, EntryStatus, FeeSchedule, ListKind, SeniorityBasis, WaitingList


class FeeScheduleFactory(AuditedFactory[FeeSchedule]):
    """Fee rules from 1 January 2020: 100 kr. at registration, 150 kr. a year due 1 March, the
    reminder 14 days after the due date, 21 days to pay after the reminder."""

    class Meta:
        model = FeeSchedule

    controller = factory.SubFactory(TenantFactory)
    valid_from = datetime.date(2020, 1, 1)
    registration_fee = Decimal("100.00")
    update_fee = Decimal("150.00")
    due_month = 3
    due_day = 1
    reminder_after_days = 14
    pay_within_days = 21


class WaitingListFactory(AuditedFactory[WaitingList]):
    """A general list; for an internal list pass ``kind=ListKind.INTERNAL, organisation=…``."""

    class Meta:
        model = WaitingList

    controller = factory.SubFactory(TenantFactory)
    organisation = None
    kind = ListKind.GENERAL
    name = factory.Sequence(lambda n: f"Venteliste {n + 1}")


class EntryFactory(AuditedFactory[Entry]):
    """An active entry registered 15 January 2024, seniority from the same day; the person
    belongs to the list's controller."""

    class Meta:
        model = Entry

    waiting_list = factory.SubFactory(WaitingListFactory)
    controller = factory.SelfAttribute("waiting_list.controller")
    person = factory.SubFactory(PersonFactory, controller=factory.SelfAttribute("..waiting_list.controller"))
    registered_on = datetime.date(2024, 1, 15)
    seniority_date = factory.SelfAttribute("registered_on")
    seniority_basis = SeniorityBasis.REGISTRATION
    status = EntryStatus.ACTIVE
    # "T…": clear of the numbers entry_register takes from the controller's number series.
    payment_reference = factory.Sequence(lambda n: f"T{n + 1:09d}")
    created_by = factory.LazyFunction(system_user)
